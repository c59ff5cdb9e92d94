"""Every flag of DOMAIN.md's table: a case that raises it and a near case that does not."""

from datetime import timedelta

import pytest

from alignment_portal.scoring import wording
from alignment_portal.scoring.constants import FLAG_SEVERITY
from tests.scoring.builders import TODAY, Plan, all_codes, flag, flags_on

# Pure: no test here may touch the database (pytest-django refuses it without a mark).


def test_an_aligned_organization_raises_no_flag():
    assert all_codes(Plan.aligned().score()) == set()


# --- MISALIGNED ------------------------------------------------------------------------------

def test_an_active_initiative_without_a_goal_is_misaligned():
    plan = Plan.aligned()
    loose = plan.initiative(name="Chatbot", status="planned")
    plan.measure(loose, plan.goal_metric)
    found = flag(plan.score(), "MISALIGNED", loose)
    assert found["severity"] == "high"
    assert "Chatbot" in found["message"] and "100.00 a month" in found["message"]


def test_an_idea_without_a_goal_is_not_misaligned():
    plan = Plan.aligned()
    idea = plan.initiative(name="Chatbot", status="idea")
    assert "MISALIGNED" not in flags_on(plan.score(), "initiative", idea)


def test_a_link_to_a_draft_goal_only_is_misaligned():
    plan = Plan.aligned()
    draft = plan.goal(status="draft")
    plan.rows["alignment_links"].clear()
    plan.link(plan.the_initiative, draft)
    assert "MISALIGNED" in flags_on(plan.score(), "initiative", plan.the_initiative)


# --- WEAK_ALIGNMENT --------------------------------------------------------------------------

def test_only_indirect_links_are_weak_alignment():
    plan = Plan.aligned()
    plan.rows["alignment_links"][0]["contribution"] = "indirect"
    assert "WEAK_ALIGNMENT" in flags_on(plan.score(), "initiative", plan.the_initiative)


def test_an_indirect_link_beside_a_supporting_one_is_not_weak():
    plan = Plan.aligned()
    plan.rows["alignment_links"][0]["contribution"] = "supporting"
    plan.link(plan.the_initiative, plan.goal(), contribution="indirect")
    assert "WEAK_ALIGNMENT" not in flags_on(plan.score(), "initiative", plan.the_initiative)


def test_a_rationale_under_a_sentence_is_weak_alignment():
    plan = Plan.aligned()
    plan.rows["alignment_links"][0]["rationale"] = "saves time"
    found = flag(plan.score(), "WEAK_ALIGNMENT", plan.the_initiative)
    assert "less than a sentence" in found["message"]


def test_a_five_word_rationale_is_a_sentence():
    plan = Plan.aligned()
    plan.rows["alignment_links"][0]["rationale"] = "Approvals no longer wait days."
    assert "WEAK_ALIGNMENT" not in flags_on(plan.score(), "initiative", plan.the_initiative)


# --- DRIFT -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["archived", "achieved", "missed"])
def test_an_initiative_whose_goals_all_ended_drifts(status):
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, status=status)
    codes = flags_on(plan.score(), "initiative", plan.the_initiative)
    assert {"DRIFT", "MISALIGNED"} <= codes


def test_a_goal_in_a_closed_cycle_makes_its_initiatives_drift():
    plan = Plan.aligned()
    plan.update("cycles", plan.cycle_id, state="closed")
    assert "DRIFT" in flags_on(plan.score(), "initiative", plan.the_initiative)


def test_one_live_goal_among_ended_ones_is_not_drift():
    plan = Plan.aligned()
    ended = plan.goal(status="achieved")
    plan.link(plan.the_initiative, ended)
    assert "DRIFT" not in flags_on(plan.score(), "initiative", plan.the_initiative)


def test_a_retired_initiative_does_not_drift():
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, status="archived")
    plan.update("initiatives", plan.the_initiative, status="retired")
    assert flags_on(plan.score(), "initiative", plan.the_initiative) == set()


# --- UNMEASURED / VANITY_METRICS ------------------------------------------------------------

def test_an_active_initiative_without_metrics_is_unmeasured():
    plan = Plan.aligned()
    plan.rows["measurement_links"].clear()
    codes = flags_on(plan.score(), "initiative", plan.the_initiative)
    assert "UNMEASURED" in codes and "VANITY_METRICS" not in codes


def test_an_initiative_measured_only_by_activity_has_vanity_metrics():
    plan = Plan.aligned()
    plan.rows["measurement_links"][0]["role"] = "activity"
    codes = flags_on(plan.score(), "initiative", plan.the_initiative)
    assert "VANITY_METRICS" in codes and "UNMEASURED" not in codes


def test_an_initiative_measured_by_a_vanity_outcome_link_has_vanity_metrics():
    plan = Plan.aligned()
    posts = plan.metric(name="Posts made", nature="output")
    plan.weekly_values(posts, [1, 2, 3])
    plan.rows["measurement_links"].clear()
    plan.measure(plan.the_initiative, posts, role="outcome")
    card = plan.score()
    assert "VANITY_METRIC" in flags_on(card, "metric", posts)
    assert "VANITY_METRICS" in flags_on(card, "initiative", plan.the_initiative)


def test_an_activity_metric_beside_an_outcome_metric_is_not_vanity_metrics():
    plan = Plan.aligned()
    emails = plan.metric(name="Emails sent", nature="output")
    plan.weekly_values(emails, [5, 6, 7])
    plan.measure(plan.the_initiative, emails, role="activity")
    card = plan.score()
    assert "VANITY_METRICS" not in flags_on(card, "initiative", plan.the_initiative)
    assert "VANITY_METRIC" not in flags_on(card, "metric", emails)  # excused by the outcome


# --- STALE_DATA --------------------------------------------------------------------------------

def test_a_metric_older_than_its_window_and_a_half_is_stale():
    plan = Plan.aligned()
    plan.rows["values"].clear()
    plan.weekly_values(plan.goal_metric, [10, 9, 8], last=TODAY - timedelta(days=11))
    card = plan.score()
    assert "STALE_DATA" in flags_on(card, "metric", plan.goal_metric)
    assert "STALE_DATA" in flags_on(card, "initiative", plan.the_initiative)
    assert "11 days ago" in flag(card, "STALE_DATA", plan.goal_metric)["message"]


def test_a_weekly_metric_ten_and_a_half_days_old_is_still_fresh():
    plan = Plan.aligned()
    plan.rows["values"].clear()
    plan.weekly_values(plan.goal_metric, [10, 9, 8], last=TODAY - timedelta(days=10))
    assert "STALE_DATA" not in all_codes(plan.score())


def test_a_metric_without_values_is_stale():
    plan = Plan.aligned()
    plan.rows["values"].clear()
    assert "has no value yet" in flag(plan.score(), "STALE_DATA", plan.goal_metric)["message"]


def test_an_unused_metric_is_not_flagged_stale():
    plan = Plan.aligned()
    spare = plan.metric(name="Spare")
    assert "STALE_DATA" not in flags_on(plan.score(), "metric", spare)


def test_an_initiative_with_one_fresh_metric_among_stale_ones_is_not_stale():
    plan = Plan.aligned()
    old = plan.metric(name="Old")
    plan.weekly_values(old, [1, 2], last=TODAY - timedelta(days=100))
    plan.measure(plan.the_initiative, old)
    card = plan.score()
    assert "STALE_DATA" not in flags_on(card, "initiative", plan.the_initiative)
    assert "STALE_DATA" in flags_on(card, "metric", old)


# --- ORPHAN_GOAL -------------------------------------------------------------------------------

def test_an_active_goal_no_active_initiative_serves_is_an_orphan():
    plan = Plan.aligned()
    lonely = plan.goal()
    retired = plan.initiative(status="retired")
    plan.link(retired, lonely)
    found = flag(plan.score(), "ORPHAN_GOAL", lonely)
    assert found["severity"] == FLAG_SEVERITY["ORPHAN_GOAL"] == "medium"


def test_an_orphan_priority_goal_is_high():
    plan = Plan.aligned()
    plan.rows["alignment_links"].clear()
    assert flag(plan.score(), "ORPHAN_GOAL", plan.the_goal)["severity"] == "high"


def test_a_draft_goal_is_not_an_orphan():
    plan = Plan.aligned()
    draft = plan.goal(status="draft")
    assert flags_on(plan.score(), "goal", draft) == set()


# --- NOT_SMART ---------------------------------------------------------------------------------

def test_a_goal_with_a_vague_title_is_not_smart_and_the_message_names_the_criterion():
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, title="Improve efficiency")
    found = flag(plan.score(), "NOT_SMART", plan.the_goal)
    assert "Specific" in found["message"] and "Measurable" not in found["message"]


def test_a_goal_without_confidence_is_not_smart_achievable():
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, confidence=49)
    assert "Achievable" in flag(plan.score(), "NOT_SMART", plan.the_goal)["message"]


def test_a_goal_at_fifty_percent_confidence_is_smart():
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, confidence=50)
    assert "NOT_SMART" not in all_codes(plan.score())


# --- OFF_TRACK / AT_RISK (forecast.py used by the flags) ---------------------------------------

def _goal_with_values(values, baseline=10, target=20, direction="higher"):
    plan = Plan.aligned()
    plan.update("metrics", plan.goal_metric, direction=direction)
    plan.update("goals", plan.the_goal, baseline_value=baseline, target_value=target)
    plan.rows["values"].clear()
    plan.weekly_values(plan.goal_metric, values)
    return plan, flags_on(plan.score(), "goal", plan.the_goal)


def test_a_rising_series_reaching_the_target_is_on_track():
    _, codes = _goal_with_values([10, 11, 12, 13, 14, 15, 16])
    assert not codes & {"OFF_TRACK", "AT_RISK"}


def test_a_falling_series_on_a_higher_is_better_goal_is_off_track():
    plan, codes = _goal_with_values([16, 15, 14, 13, 12, 11, 10])
    assert "OFF_TRACK" in codes
    assert flag(plan.score(), "OFF_TRACK")["severity"] == "high"


def test_a_flat_series_is_off_track():
    _, codes = _goal_with_values([10, 10, 10, 10])
    assert "OFF_TRACK" in codes


def test_a_series_reaching_most_of_the_change_is_at_risk():
    # 7 weekly points rising 0.7/week to 14.2 the day before TODAY; due 6 weeks later the
    # line reads 18.4: 84 % of the change from 10 to 20.
    plan, codes = _goal_with_values([10.0, 10.7, 11.4, 12.1, 12.8, 13.5, 14.2])
    assert "AT_RISK" in codes and "OFF_TRACK" not in codes
    assert flag(plan.score(), "AT_RISK")["severity"] == "medium"


def test_a_falling_series_on_a_lower_is_better_goal_is_on_track():
    _, codes = _goal_with_values([10, 9, 8, 7, 6, 5, 4], baseline=10, target=2,
                                 direction="lower")
    assert not codes & {"OFF_TRACK", "AT_RISK"}


def test_a_rising_series_on_a_lower_is_better_goal_is_off_track():
    _, codes = _goal_with_values([4, 5, 6, 7, 8], baseline=10, target=2, direction="lower")
    assert "OFF_TRACK" in codes


def test_two_values_are_no_data_and_raise_no_forecast_flag():
    _, codes = _goal_with_values([10, 10])
    assert not codes & {"OFF_TRACK", "AT_RISK"}


# --- VANITY_METRIC -----------------------------------------------------------------------------

def test_an_output_metric_measuring_no_goal_is_vanity():
    plan = Plan.aligned()
    posts = plan.metric(name="Posts made", nature="output")
    social = plan.initiative(name="Social posting")
    plan.link(social, plan.the_goal)
    plan.measure(social, posts, role="activity")
    card = plan.score()
    assert flag(card, "VANITY_METRIC", posts)["severity"] == "low"


def test_an_output_metric_that_measures_an_active_goal_is_not_vanity():
    plan = Plan.aligned()
    posts = plan.metric(name="Posts made", nature="output")
    plan.goal(metric_id=posts)
    assert "VANITY_METRIC" not in flags_on(plan.score(), "metric", posts)


def test_an_outcome_metric_is_never_vanity():
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, status="draft")
    assert "VANITY_METRIC" not in flags_on(plan.score(), "metric", plan.goal_metric)


# --- Tools -------------------------------------------------------------------------------------

def test_two_active_tools_in_a_category_are_redundant():
    plan = Plan.aligned()
    quickbooks = plan.tool(name="QuickBooks", category="accounting")
    plan.use(plan.the_initiative, quickbooks)
    found = flag(plan.score(), "REDUNDANT_TOOLS", "accounting")
    assert found["subject_type"] == "tool_category" and "Xero, QuickBooks" in found["message"]


def test_a_trial_tool_beside_an_active_one_is_not_redundant():
    plan = Plan.aligned()
    plan.tool(name="QuickBooks", category="accounting", status="trial")
    assert "REDUNDANT_TOOLS" not in all_codes(plan.score())


def test_two_tools_in_other_are_not_redundant():
    plan = Plan.aligned()
    for name in ("A", "B"):
        plan.use(plan.the_initiative, plan.tool(name=name, category="other"))
    assert "REDUNDANT_TOOLS" not in all_codes(plan.score())


def test_an_active_tool_no_active_initiative_uses_is_shelfware():
    plan = Plan.aligned()
    idle = plan.tool(name="Hootsuite", category="social_media", monthly_cost=49)
    retired = plan.initiative(status="retired")
    plan.use(retired, idle)
    assert "49.00 a month" in flag(plan.score(), "SHELFWARE", idle)["message"]


def test_a_retired_tool_is_not_shelfware():
    plan = Plan.aligned()
    plan.tool(name="Hootsuite", status="retired")
    assert "SHELFWARE" not in all_codes(plan.score())


def test_more_active_tools_than_active_initiatives_is_tool_sprawl():
    plan = Plan.aligned()
    plan.use(plan.the_initiative, plan.tool(name="Calendly", category="scheduling"))
    found = flag(plan.score(), "TOOL_SPRAWL")
    assert found["subject_type"] == "organization"
    assert "2 active tools for 1 active initiatives" in found["message"]


def test_as_many_tools_as_initiatives_is_not_sprawl():
    plan = Plan.aligned()
    second = plan.initiative()
    plan.link(second, plan.the_goal)
    plan.measure(second, plan.goal_metric)
    plan.use(second, plan.tool(name="Calendly", category="scheduling"))
    assert "TOOL_SPRAWL" not in all_codes(plan.score())


def _redundant_categories(plan, n):
    categories = ["crm", "helpdesk", "scheduling", "analytics"][:n]
    for category in categories:
        for k in range(2):
            plan.use(plan.the_initiative, plan.tool(name=f"{category}-{k}", category=category))
    for _ in range(10):  # enough initiatives that the tool count alone is no sprawl
        plan.link(plan.initiative(), plan.the_goal)


def test_three_redundant_categories_are_tool_sprawl():
    plan = Plan.aligned()
    _redundant_categories(plan, 3)
    assert "3 categories with redundant tools" in flag(plan.score(), "TOOL_SPRAWL")["message"]


def test_two_redundant_categories_are_not_tool_sprawl():
    plan = Plan.aligned()
    _redundant_categories(plan, 2)
    assert "TOOL_SPRAWL" not in all_codes(plan.score())


def test_every_flag_has_a_message_and_a_fix():
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, title="Improve efficiency")
    plan.initiative(name="Loose")
    plan.tool(name="Idle")
    card = plan.score()
    assert len(card.flags) >= 4
    rows = [wording.worded(row) for row in card.flags.to_dict("records")]
    assert min(len(row["message"]) for row in rows) > 10
    assert min(len(row["suggested_fix"]) for row in rows) > 10
    assert set(card.flags["severity"]) <= {"high", "medium", "low"}
