"""The rough edges a paying user noticed (issue 15, items 8-10), each with the test that would
have caught it."""

from datetime import date, timedelta
from decimal import Decimal

import time_machine
from django.urls import reverse
from django.utils import timezone

from alignment_portal.dashboards import selectors
from alignment_portal.scoring import forecast, smart
from alignment_portal.scoring.models import Flag
from tests.factories import (
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MetricFactory,
    MetricValueFactory,
    UserFactory,
)

# --- 9. Numbers and words that add up ---------------------------------------------------------

def test_a_vague_description_fails_specific():
    facts = smart.GoalFacts(title="Cut the wait at peak to under 4 minutes",
                            description="Make things better for customers.")
    result = smart.check_specific(facts)
    assert not result.passed
    assert "vague" in result.reason


def test_reversed_dates_are_called_reversed_in_the_live_check(tenancy):
    cycle = CycleFactory(organization=tenancy.org)
    response = tenancy.client("owner").post(
        reverse("goals:create", args=[tenancy.org.slug]),
        {"_action": "check", "title": "Cut the wait", "cycle": cycle.pk,
         "start_date": "2026-12-01", "due_date": "2026-10-15"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "reversed" in html
    assert "Set a start date and a due date" not in html


def test_a_trend_away_from_the_target_is_not_a_negative_percentage():
    days = [date(2026, 10, 1) + timedelta(days=7 * n) for n in range(5)]
    result = forecast.forecast(days, [10, 11, 12, 13, 14], baseline=10, target=5,
                               start_date=days[0], due_date=date(2026, 12, 31))
    assert "moving away from the target" in result.reason
    assert "-" not in result.reason.split("(")[-1]


def test_values_read_as_entered_and_money_in_the_organizations_currency(tenancy):
    tenancy.org.currency = "EUR"
    tenancy.org.save()
    metric = MetricFactory(organization=tenancy.org, unit="currency", frequency="monthly")
    MetricValueFactory(metric=metric, period=date(2026, 11, 1), value=Decimal("5.9"))
    client = tenancy.client("owner")
    detail = client.get(reverse("metrics:detail", args=[tenancy.org.slug, metric.pk]))
    html = detail.content.decode()
    assert "5.900000" not in html and ">5.9<" in html
    log = client.get(reverse("metrics:log", args=[tenancy.org.slug])).content.decode()
    assert "(EUR)" in log and "(currency)" not in log


def test_the_goal_page_lists_failed_criteria_without_a_stray_comma(tenancy):
    css = open("static/css/portal.css").read()
    assert ".failed-criterion + .failed-criterion::before" in css
    template = open("templates/goals/goal_detail.html").read()
    assert "{% if not forloop.last %}, {% endif %}{% endif %}" not in template


@time_machine.travel(date(2026, 9, 20), tick=False)
def test_a_priority_goal_that_has_not_started_shows_no_progress(tenancy):
    from alignment_portal.scoring import triggers

    metric = MetricFactory(organization=tenancy.org)
    MetricValueFactory(metric=metric, period=date(2026, 9, 1), value=60)
    cycle = CycleFactory(organization=tenancy.org, start_date=date(2026, 10, 1),
                         end_date=date(2026, 12, 31), state="active")
    GoalFactory(organization=tenancy.org, cycle=cycle, metric=metric, priority_rank=1,
                baseline_value=10, target_value=50, start_date=date(2026, 10, 1),
                due_date=date(2026, 12, 31))
    triggers.run_recompute(tenancy.org.pk, force=True)
    [goal] = selectors.priority_goals(organization=tenancy.org,
                                     today=timezone.localdate())
    assert goal.progress is None and goal.starts_on == date(2026, 10, 1)


# --- 8. Flag fixes are actions ----------------------------------------------------------------

def test_flag_fixes_come_with_the_action_that_fixes_them(tenancy):
    org = tenancy.org
    label, url, logs = selectors.flag_action(org, "MISALIGNED", "initiative", 7)
    assert (label, url, logs) == ("Link a goal",
                                  reverse("initiatives:detail", args=[org.slug, 7]), False)
    label, url, logs = selectors.flag_action(org, "STALE_DATA", "metric", 3)
    assert label == "Log a value" and url.endswith("?metrics=3") and logs
    assert selectors.flag_action(org, "SHELFWARE", "tool", 4)[0] == "Retire the tool"
    assert selectors.flag_action(org, "OFF_TRACK", "goal", 2)[0] == "Review now"


def test_the_dashboard_shows_the_action_beside_the_fix(tenancy):
    initiative = InitiativeFactory(organization=tenancy.org, name="Oven timers")
    Flag.objects.create(organization=tenancy.org, code="MISALIGNED", severity="high",
                        subject_type="initiative", subject_id=str(initiative.pk),
                        subject_label="Oven timers",
                        params={"legacy": {"message": "No active goal.",
                        "suggested_fix": "Link it to the goal it serves."}})
    html = tenancy.client("owner").get(
        reverse("dashboard", args=[tenancy.org.slug])).content.decode()
    url = reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk])
    assert f'class="button small flag-action" href="{url}">Link a goal' in html
    staff = tenancy.client("staff").get(
        reverse("dashboard", args=[tenancy.org.slug])).content.decode()
    assert "flag-action" not in staff  # staff cannot link


def test_off_track_does_not_wait_for_the_next_review():
    source = open("alignment_portal/scoring/flags.py").read()
    assert "in the next review" not in source


# --- 10. Ambiguity ----------------------------------------------------------------------------

def test_the_invitation_form_defaults_to_the_least_role(tenancy):
    html = tenancy.client("owner").get(
        reverse("members", args=[tenancy.org.slug])).content.decode()
    invite = html[html.index('id="id_role"'):]
    invite = invite[:invite.index("</select>")]
    assert '<option value="viewer" selected>' in invite
    assert "owner\" selected" not in invite


def test_the_goal_picker_names_each_goals_cycle(tenancy):
    from initiatives.forms import GoalChoiceField, goals_of

    q4 = CycleFactory(organization=tenancy.org, name="2026 Q4")
    q3 = CycleFactory(organization=tenancy.org, name="2026 Q3", start_date=date(2026, 7, 1),
                      end_date=date(2026, 9, 30), state="review")
    GoalFactory(organization=tenancy.org, cycle=q4, title="Wait less")
    GoalFactory(organization=tenancy.org, cycle=q3, title="Sell more", status="achieved")
    field = GoalChoiceField(queryset=goals_of(tenancy.org))
    labels = [label for _, label in list(field.choices)[1:]]
    assert "Wait less (2026 Q4)" in labels
    assert "Sell more (2026 Q3, Achieved)" in labels


def test_matrix_priority_columns_name_their_cycle_when_there_are_two(tenancy):
    q4 = CycleFactory(organization=tenancy.org, name="2026 Q4", state="active")
    q1 = CycleFactory(organization=tenancy.org, name="2027 Q1", start_date=date(2027, 1, 1),
                      end_date=date(2027, 3, 31), state="planning")
    GoalFactory(organization=tenancy.org, cycle=q4, priority_rank=1)
    GoalFactory(organization=tenancy.org, cycle=q1, priority_rank=1)
    InitiativeFactory(organization=tenancy.org)
    html = tenancy.client("owner").get(
        reverse("initiatives:matrix", args=[tenancy.org.slug])).content.decode()
    assert "Priority #1 of 2026 Q4" in html and "Priority #1 of 2027 Q1" in html


def test_removing_a_member_asks_first(tenancy):
    member = MembershipFactory(organization=tenancy.org, role="viewer",
                               user=UserFactory(username="vic"))
    client = tenancy.client("owner")
    asked = client.post(reverse("member_remove", args=[tenancy.org.slug, member.pk]))
    assert asked.status_code == 200
    assert "Remove vic from" in asked.content.decode()
    assert type(member).objects.filter(pk=member.pk).exists()


def test_the_change_history_shows_labels_not_codes(tenancy):
    from goals import services as goal_services
    from goals.selectors import history_entries

    goal = GoalFactory(organization=tenancy.org, perspective="financial",
                       cycle=CycleFactory(organization=tenancy.org))
    goal_services.goal_update(goal=goal, perspective="customer")
    [latest, *_] = history_entries(goal, organization=goal.organization)
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes["perspective"] == ("Financial", "Customer")


@time_machine.travel(date(2026, 11, 18), tick=False)
def test_the_dashboard_counts_stale_metrics_as_the_metrics_list_shows_them(tenancy):
    from alignment_portal.scoring import triggers

    unused = MetricFactory(organization=tenancy.org, name="Posts made", frequency="weekly")
    MetricValueFactory(metric=unused, period=date(2026, 9, 1), value=3)  # not in use, stale
    triggers.run_recompute(tenancy.org.pk, force=True)
    listed = tenancy.client("staff").get(
        reverse("metrics:list", args=[tenancy.org.slug])).content.decode()
    assert ">Stale<" in listed
    _, _, stale = selectors.metrics_due(organization=tenancy.org,
                                        today=timezone.localdate())
    assert stale == 1


def test_the_metric_charts_goal_lines_are_named_in_the_legend_not_on_the_plot():
    import json

    from alignment_portal import charts

    # Two goals whose lines lie close together (a target of 8, the next baseline 7.8): labels
    # on the lines overlapped each other and the values on a phone's 300 px plot.
    chart = charts.metric_trend(
        name="Wait", unit="minutes", direction="lower",
        points=[(date(2026, 10, 5), 6), (date(2026, 10, 12), 5.5)],
        goals=[{"title": "Cut the morning wait at peak to under 8 minutes", "baseline": 13,
                "target": 8},
               {"title": "Cut the morning wait at peak to under 4 minutes", "baseline": 7.8,
                "target": 4}],
        freshness="fresh")
    layout = json.loads(chart.figure_json)["layout"]
    assert not layout.get("annotations")
    assert layout["showlegend"]
    lines = layout["shapes"]
    assert [s["name"] for s in lines] == [
        "baseline:<br>Cut the morning wait at peak to under 8 minutes",
        "target:<br>Cut the morning wait at peak to under 8 minutes",
        "baseline:<br>Cut the morning wait at peak to under 4 minutes",
        "target:<br>Cut the morning wait at peak to under 4 minutes"]
    assert all(s["showlegend"] for s in lines)
    # Told apart by dash, not by colour alone.
    assert len({s["line"]["dash"] for s in lines}) == 4


def test_the_goal_charts_baseline_and_target_are_named_in_the_legend_not_on_the_plot():
    import json

    from alignment_portal import charts

    chart = charts.goal_progress_chart(
        periods=[date(2026, 10, 5), date(2026, 10, 12)], values=[12, 10], metric_name="Wait",
        baseline=13, target=8, due_date=date(2026, 12, 31), forecast_value=6.5)
    layout = json.loads(chart.figure_json)["layout"]
    assert not layout.get("annotations")
    assert layout["showlegend"]
    assert [(s["name"], s["y0"]) for s in layout["shapes"]] == [("baseline", 13), ("target", 8)]
    assert all(s["showlegend"] for s in layout["shapes"])


def test_the_benefit_charts_month_labels_are_level_and_at_most_six():
    import json

    from alignment_portal import charts

    months = [{"month": date(2026, m, 1), "expected": 100, "realised": 80}
              for m in range(1, 13)]
    xaxis = json.loads(charts.benefit_months_chart(months, currency="EUR")
                       .figure_json)["layout"]["xaxis"]
    assert xaxis["tickangle"] == 0
    assert len(xaxis["ticktext"]) == 6 and xaxis["ticktext"][0] == "Jan<br>2026"
