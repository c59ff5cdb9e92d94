"""A closed cycle's report reads only what was frozen at the close: the end-of-cycle scores are
the scores as they stood with the cycle still open, and later changes to the plan move none
of them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment_portal.organizations.recompute import request_recompute
from alignment_portal.scoring import triggers
from alignment_portal.scoring.models import Flag, OrganizationScore, ScoreSnapshot
from goals import services as goal_services
from initiatives.models import Initiative
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
)


@pytest.fixture
def cycle_in_review(tenancy, django_capture_on_commit_callbacks):
    """An active cycle with two goals, a serving initiative and a misaligned one, scored, then
    moved to review."""
    org, today = tenancy.org, timezone.localdate()
    cycle = CycleFactory(organization=org, name="Q4 2026", state="active",
                         start_date=today - timedelta(days=60),
                         end_date=today + timedelta(days=30))
    metric = MetricFactory(organization=org, name="Wait time", frequency="weekly",
                           direction="lower")
    for week in range(6):
        MetricValueFactory(metric=metric, period=today - timedelta(days=7 * week),
                           value=9 - week * 0.5)
    goal = GoalFactory(cycle=cycle, metric=metric, title="Serve the morning queue in 4 minutes",
                       baseline_value=9, target_value=4, priority_rank=1,
                       start_date=cycle.start_date, due_date=cycle.end_date)
    GoalFactory(cycle=cycle, title="Win back lapsed regulars with a loyalty card",
                priority_rank=2, start_date=cycle.start_date, due_date=cycle.end_date)
    kiosk = InitiativeFactory(organization=org, name="Queue kiosk", monthly_cost=120)
    AlignmentLinkFactory(initiative=kiosk, goal=goal)
    MeasurementLinkFactory(initiative=kiosk, metric=metric)
    InitiativeFactory(organization=org, name="Chatbot", monthly_cost=300)
    with django_capture_on_commit_callbacks(execute=True):
        goal_services.cycle_transition(cycle=cycle, to="review")
    triggers.run_recompute(org.pk, force=True)
    return cycle


def _close_through_the_page(tenancy, cycle, django_capture_on_commit_callbacks):
    goals = list(cycle.goals.order_by("priority_rank"))
    data = {"_action": "close", f"outcome_{goals[0].pk}": "achieved",
            f"note_{goals[0].pk}": "Kiosk did it.", f"outcome_{goals[1].pk}": "missed",
            f"note_{goals[1].pk}": ""}
    url = reverse("goals:cycle_review", args=[tenancy.org.slug, cycle.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = tenancy.client("consultant").post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    cycle.refresh_from_db()
    assert cycle.state == "closed"


def _report(tenancy, cycle) -> str:
    return tenancy.client("viewer").get(
        reverse("dashboards:report", args=[tenancy.org.slug, cycle.pk])).content.decode()


def _report_body(html: str) -> list[str]:
    """The report's own content, without the line saying when it was generated."""
    article = html[html.index('<article class="report">'):html.index("</article>")]
    return [line for line in article.splitlines() if "Generated" not in line]


def test_closing_freezes_the_scores_as_they_stood_with_the_cycle_open(
        tenancy, cycle_in_review, django_capture_on_commit_callbacks):
    before = OrganizationScore.objects.get(organization=tenancy.org)
    open_before = Flag.objects.filter(organization=tenancy.org, resolved_at=None).count()
    _close_through_the_page(tenancy, cycle_in_review, django_capture_on_commit_callbacks)

    frozen = ScoreSnapshot.objects.get(organization=tenancy.org, cycle=cycle_in_review)
    assert (frozen.rung, frozen.d1_goals, frozen.d2_alignment, frozen.d3_measurement,
            frozen.d4_feedback, frozen.d5_integration, frozen.misaligned_spend,
            frozen.misaligned_spend_share, frozen.open_flags) == (
        before.rung, before.d1_goals, before.d2_alignment, before.d3_measurement,
        before.d4_feedback, before.d5_integration, before.misaligned_spend,
        before.misaligned_spend_share, before.open_flags)
    assert len(frozen.record["open_flags"]) == open_before
    kiosk = next(i for i in frozen.record["initiatives"] if i["name"] == "Queue kiosk")
    assert kiosk["status"] == "Live" and kiosk["alignment"] > 60
    assert kiosk["goals"] == ["Serve the morning queue in 4 minutes (primary)"]
    # After the close the goals are achieved/missed: the live scores say the kiosk now serves
    # no active goal, but the frozen record keeps what held at the close.
    after = OrganizationScore.objects.get(organization=tenancy.org)
    assert after.d2_alignment < before.d2_alignment

    body = _report(tenancy, cycle_in_review)
    assert "End (at closing)" in body and "Kiosk did it." in body
    assert "Queue kiosk" in body and "No initiative is linked" not in body
    assert f"{before.d2_alignment:.0f}" in body


def test_later_changes_do_not_move_a_closed_cycles_report(
        tenancy, cycle_in_review, django_capture_on_commit_callbacks):
    _close_through_the_page(tenancy, cycle_in_review, django_capture_on_commit_callbacks)
    report = _report(tenancy, cycle_in_review)
    csv_url = reverse("dashboards:report_csv", args=[tenancy.org.slug, cycle_in_review.pk])
    client = tenancy.client("viewer")
    csv_before = b"".join(client.get(csv_url).streaming_content)

    Initiative.objects.filter(organization=tenancy.org, name="Queue kiosk").update(
        name="Renamed kiosk", status="retired")
    InitiativeFactory(organization=tenancy.org, name="New shiny tool", monthly_cost=999)
    request_recompute(tenancy.org)
    triggers.run_recompute(tenancy.org.pk, force=True)

    later = _report(tenancy, cycle_in_review)
    assert _report_body(later) == _report_body(report)
    assert "Renamed kiosk" not in later and "New shiny tool" not in later
    assert b"".join(client.get(csv_url).streaming_content) == csv_before


def test_the_print_report_and_history_show_the_frozen_close(
        tenancy, cycle_in_review, django_capture_on_commit_callbacks):
    _close_through_the_page(tenancy, cycle_in_review, django_capture_on_commit_callbacks)
    history = tenancy.client("viewer").get(
        reverse("dashboards:cycle_history", args=[tenancy.org.slug, cycle_in_review.pk]))
    frozen = ScoreSnapshot.objects.get(organization=tenancy.org, cycle=cycle_in_review)
    assert history.status_code == 200
    assert frozen.taken_on.strftime("%-d %b %Y") in history.content.decode()
    assert "print.css" in _report(tenancy, cycle_in_review)
