"""Scores and flags in the goals pages: the goal's flags with reasons and fixes, the stored
forecast reason, and the list's flag filter."""

from datetime import date, timedelta

from django.urls import reverse

from alignment_portal.scoring.engine import recompute
from alignment_portal.scoring.models import Flag, GoalScore
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MetricFactory,
    MetricValueFactory,
)


def detail_url(tenancy, goal):
    return reverse("goals:detail", args=[tenancy.org.slug, goal.pk])


def list_url(tenancy, query=""):
    return reverse("goals:list", args=[tenancy.org.slug]) + query


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_goal_page_shows_its_flags_with_reasons_and_fixes(tenancy):
    goal = GoalFactory(cycle__organization=tenancy.org, title="Grow repeat orders",
                       priority_rank=1)
    recompute(tenancy.org.pk)
    flags = {f.code: f for f in Flag.objects.filter(organization=tenancy.org).open()}
    assert {"ORPHAN_GOAL", "NOT_SMART"} <= set(flags)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, goal)))
    assert "Forecast and flags" in text and "Scores as of" in text
    assert "No active initiative serves “Grow repeat orders” (a priority goal)." in text
    assert "Link an initiative that moves it, or plan one." in text
    assert "NOT_SMART" in text and flags["NOT_SMART"].message in text
    assert "Served by</dt><dd>0 active initiatives" in text


def test_goal_page_shows_the_stored_forecast_reason_and_off_track_flag(tenancy):
    cycle = CycleFactory(organization=tenancy.org, start_date=date.today() - timedelta(days=60),
                         end_date=date.today() + timedelta(days=30))
    metric = MetricFactory(organization=tenancy.org, frequency="weekly", direction="higher")
    for weeks_ago, value in enumerate([20, 20, 20, 20, 20, 20]):
        MetricValueFactory(metric=metric, value=value,
                           period=date.today() - timedelta(days=7 * weeks_ago + 1))
    goal = GoalFactory(cycle=cycle, metric=metric, baseline_value=20, target_value=100,
                       start_date=cycle.start_date, due_date=cycle.end_date)
    AlignmentLinkFactory(goal=goal, initiative=InitiativeFactory(organization=tenancy.org))
    recompute(tenancy.org.pk)
    score = GoalScore.objects.get(goal=goal)
    assert score.forecast_reason
    text = body(tenancy.client("viewer").get(detail_url(tenancy, goal)))
    assert score.forecast_reason in text
    assert score.forecast_params["status"] == "off_track"
    german = body(tenancy.client("viewer").get(detail_url(tenancy, goal),
                                               HTTP_ACCEPT_LANGUAGE="de"))
    assert score.forecast_reason not in german and "Der Trend von 6 Werten" in german
    assert "Served by</dt><dd>1 active initiative<" in text
    # A flat series far from its target: off track, with the flag's fix beside the reason.
    assert score.forecast_status == "off_track"
    assert "Off track" in text and "OFF_TRACK" in text
    assert "Review it now" in text


def test_goal_page_says_scores_are_not_computed_yet(tenancy):
    goal = GoalFactory(cycle__organization=tenancy.org)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, goal)))
    assert "Not computed yet" in text and "Served by</dt>" not in text


def test_a_resolved_goal_flag_shows_as_resolved(tenancy):
    goal = GoalFactory(cycle__organization=tenancy.org)
    recompute(tenancy.org.pk)
    AlignmentLinkFactory(goal=goal, initiative=InitiativeFactory(organization=tenancy.org))
    recompute(tenancy.org.pk)
    assert Flag.objects.get(organization=tenancy.org, code="ORPHAN_GOAL").resolved_at
    text = body(tenancy.client("viewer").get(detail_url(tenancy, goal)))
    open_part, resolved_part = text.split("Recently resolved")
    assert "ORPHAN_GOAL" not in open_part and "ORPHAN_GOAL" in resolved_part


def test_viewers_see_goal_flags_but_no_edit_controls(tenancy):
    goal = GoalFactory(cycle__organization=tenancy.org)
    recompute(tenancy.org.pk)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, goal)))
    assert "ORPHAN_GOAL" in text
    assert reverse("goals:edit", args=[tenancy.org.slug, goal.pk]) not in text


def test_another_organizations_goal_flags_never_appear(tenancy):
    goal = GoalFactory(cycle__organization=tenancy.org, title="Ours")
    AlignmentLinkFactory(goal=goal, initiative=InitiativeFactory(organization=tenancy.org))
    GoalFactory(cycle__organization=tenancy.other_org, title="Theirs")
    recompute(tenancy.org.pk)
    recompute(tenancy.other_org.pk)
    Flag.objects.create(organization=tenancy.other_org, code="OFF_TRACK", severity="high",
                        subject_type="goal", subject_id=str(goal.pk), subject_label="Theirs",

    params={"legacy": {"message": "Rival secret", "suggested_fix": "Rival fix"}})
    client = tenancy.client("viewer")
    assert "Rival secret" not in body(client.get(detail_url(tenancy, goal)))
    assert "“Theirs”" not in body(client.get(list_url(tenancy)))
    response = client.get(list_url(tenancy, "?flag=OFF_TRACK"))
    assert "this filter is ignored" in body(response)
    assert "OFF_TRACK" not in dict(response.context["flag_choices"])


def test_list_filters_goals_by_open_flag(tenancy):
    served = GoalFactory(cycle__organization=tenancy.org, title="Served goal")
    AlignmentLinkFactory(goal=served, initiative=InitiativeFactory(organization=tenancy.org))
    GoalFactory(cycle=served.cycle, title="Orphan goal")
    recompute(tenancy.org.pk)
    client = tenancy.client("viewer")
    everything = body(client.get(list_url(tenancy)))
    assert '<option value="ORPHAN_GOAL">ORPHAN_GOAL (1)</option>' in everything
    response = client.get(list_url(tenancy, "?flag=ORPHAN_GOAL"))
    assert [g.title for g in response.context["page"]] == ["Orphan goal"]
    fragment = body(client.get(list_url(tenancy, "?flag=ORPHAN_GOAL"),
                               headers={"HX-Request": "true"}))
    assert "Orphan goal" in fragment and "Served goal" not in fragment
    assert 'data-label="Open flags"' in fragment and "ORPHAN_GOAL" in fragment


def test_goal_list_query_count_does_not_grow_with_flagged_goals(
        tenancy, django_assert_max_num_queries):
    client = tenancy.client("viewer")
    cycle = CycleFactory(organization=tenancy.org)
    for _ in range(3):
        GoalFactory(cycle=cycle)
    recompute(tenancy.org.pk)
    url = list_url(tenancy, "?flag=any")
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(20):
        GoalFactory(cycle=cycle)
    recompute(tenancy.org.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["page"].paginator.count == 23
