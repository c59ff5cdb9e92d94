"""The scores and dimensions of DOMAIN.md's default model, computed without a database."""

from datetime import timedelta

import numpy as np
import pytest

from alignment_portal.scoring import rules, wording
from alignment_portal.scoring.alignment import change_correlation, vanity_verdict
from tests.scoring.builders import TODAY, Plan


def test_a_primary_link_to_a_priority_goal_measured_and_fresh_scores_100():
    card = Plan.aligned().score()
    row = card.initiatives.iloc[0]
    assert row["alignment_score"] == 100
    assert row["priority_score"] == 100  # impact 3 / effort 3


@pytest.mark.parametrize(("contribution", "priority_rank", "line_of_sight"), [
    ("primary", 1, 1.0), ("supporting", 1, 0.5), ("indirect", 1, 0.25),
    ("primary", None, 0.7), ("supporting", None, 0.35),
])
def test_line_of_sight_is_goal_weight_times_contribution(contribution, priority_rank,
                                                         line_of_sight):
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, priority_rank=priority_rank)
    plan.rows["alignment_links"][0]["contribution"] = contribution
    row = plan.score().initiatives.loc[plan.the_initiative]
    assert row["line_of_sight"] == pytest.approx(line_of_sight)
    assert row["alignment_score"] == pytest.approx(60 * line_of_sight + 25 + 15)


def test_a_priority_goal_of_a_planning_cycle_weighs_like_any_active_goal():
    plan = Plan.aligned()
    plan.update("cycles", plan.cycle_id, state="planning")
    assert plan.score().goals.loc[plan.the_goal, "weight"] == rules.GOAL_WEIGHT_ACTIVE


def test_line_of_sight_takes_the_best_link():
    plan = Plan.aligned()
    plan.rows["alignment_links"][0]["contribution"] = "indirect"
    plan.link(plan.the_initiative, plan.goal(), contribution="primary")  # active, not priority
    assert plan.score().initiatives.loc[plan.the_initiative, "line_of_sight"] == 0.7


@pytest.mark.parametrize(("setup", "measurement"), [
    ("goal_outcome", 1.0), ("other_outcome", 0.5), ("activity", 0.2), ("none", 0.0)])
def test_measurement_factor(setup, measurement):
    plan = Plan.aligned()
    plan.rows["measurement_links"].clear()
    other = plan.metric(name="Other")
    plan.weekly_values(other, [1, 2])
    if setup == "goal_outcome":
        plan.measure(plan.the_initiative, plan.goal_metric)
    elif setup == "other_outcome":
        plan.measure(plan.the_initiative, other)
    elif setup == "activity":
        plan.measure(plan.the_initiative, other, role="activity")
    row = plan.score().initiatives.loc[plan.the_initiative]
    assert row["measurement"] == measurement


def test_freshness_is_the_share_of_its_metrics_that_are_fresh():
    plan = Plan.aligned()
    old = plan.metric()
    plan.weekly_values(old, [1], last=TODAY - timedelta(days=60))
    plan.measure(plan.the_initiative, old, role="activity")
    row = plan.score().initiatives.loc[plan.the_initiative]
    assert row["freshness"] == 0.5
    assert row["alignment_score"] == pytest.approx(60 + 25 + 7.5)


def test_priority_score_is_alignment_times_impact_over_effort():
    plan = Plan.aligned()
    plan.update("initiatives", plan.the_initiative, impact=5, effort=2)
    assert plan.score().initiatives.loc[plan.the_initiative, "priority_score"] == 250


@pytest.mark.parametrize(("frequency", "fresh_days"), [("weekly", 10), ("monthly", 46),
                                                       ("quarterly", 138)])
def test_freshness_window_plus_half(frequency, fresh_days):
    for age, fresh in ((fresh_days, True), (fresh_days + 1, False)):
        plan = Plan.aligned()
        plan.update("metrics", plan.goal_metric, frequency=frequency)
        plan.rows["values"].clear()
        plan.weekly_values(plan.goal_metric, [5], last=TODAY - timedelta(days=age))
        assert bool(plan.score().metrics.loc[plan.goal_metric, "is_fresh"]) is fresh


# --- Dimensions and spend ----------------------------------------------------------------------

def test_d1_is_the_share_of_active_goals_passing_smart():
    plan = Plan.aligned()
    plan.goal(title="Improve efficiency")
    plan.goal(status="draft", title="Grow")  # drafts do not count
    assert plan.score().dimensions["d1"] == 50


def test_d1_is_zero_without_active_goals():
    plan = Plan()
    plan.initiative()
    assert Plan().score().dimensions["d1"] == 0 and plan.score().dimensions["d1"] == 0


def test_d2_weights_initiatives_by_monthly_and_a_twelfth_of_one_time_cost():
    plan = Plan.aligned()  # aligned: 100 a month
    plan.initiative(monthly_cost=0, one_time_cost=3600)  # unaligned: 300 a month
    plan.initiative(monthly_cost=0, one_time_cost=0)  # unaligned: weight at least 1
    assert plan.score().dimensions["d2"] == pytest.approx(100 * 100 / 401, abs=0.01)


def test_d3_and_d4():
    plan = Plan.aligned()
    second = plan.initiative()
    plan.link(second, plan.the_goal)
    stale = plan.metric(name="Stale")
    plan.measure(second, stale, role="activity")
    dims = plan.score().dimensions
    assert dims["d3"] == 50  # the second has only an activity metric
    assert dims["d4"] == 50  # two metrics in use, one fresh


def test_d5_is_the_api_share_less_ten_per_redundant_category():
    plan = Plan.aligned()
    plan.use(plan.the_initiative, plan.tool(category="accounting", integration="api"))
    plan.use(plan.the_initiative, plan.tool(category="crm", integration="standalone"))
    plan.use(plan.the_initiative, plan.tool(category="crm", integration="manual_export"))
    # 2 of 4 via API = 50, accounting and crm redundant: 50 - 20
    assert plan.score().dimensions["d5"] == 30


def test_d5_does_not_go_below_zero():
    plan = Plan()
    for category in ("crm", "crm", "pos", "pos"):
        plan.tool(category=category, integration="standalone")
    assert plan.score().dimensions["d5"] == 0


def test_misaligned_spend_counts_unaligned_initiatives_and_shelfware():
    plan = Plan.aligned()  # initiative 100, tool 30, both working
    plan.initiative(monthly_cost=200)
    plan.tool(monthly_cost=70, category="pos")
    spend = plan.score().misaligned_spend
    assert spend["amount"] == 270
    assert spend["share"] == pytest.approx(100 * 270 / 400)


# --- Vanity evidence ---------------------------------------------------------------------------

@pytest.mark.parametrize(("correlation", "verdict"), [
    (0.29, "confirmed"), (0.3, "inconclusive"), (0.45, "inconclusive"), (0.6, "inconclusive"),
    (0.61, "cleared"), (None, "no_evidence")])
def test_vanity_verdict_boundaries(correlation, verdict):
    assert vanity_verdict(correlation) == verdict


def _series(changes, start=100.0):
    return np.concatenate([[start], start + np.cumsum(changes)])


def _days(n):
    return np.arange(n).astype("datetime64[D]")


def test_change_correlation_needs_six_common_periods():
    a = _series([1, 2, 3, 4])
    assert change_correlation(_days(5), a, _days(5), a) == (None, 5)
    b = _series([1, 2, 3, 4, 6])
    assert change_correlation(_days(6), b, _days(6), b)[0] == pytest.approx(1.0)


def test_change_correlation_uses_only_common_periods():
    # a has days 0-7, b days 2-9: they share days 2-7. Over those, b moves exactly with a.
    a = _series([5, -5, 1, -1, 2, -2, 3])
    b = np.concatenate([a[2:], [0.0, 100.0]])
    correlation, common = change_correlation(_days(8), a, _days(10)[2:], b)
    assert common == 6 and correlation == pytest.approx(1.0)


def _vanity_plan(output_changes, outcome_changes):
    """An output metric measuring an initiative that serves a goal: the rule holds; the
    evidence compares their period-to-period changes."""
    plan = Plan.aligned()
    plan.rows["values"].clear()
    plan.weekly_values(plan.goal_metric, list(_series(outcome_changes, 10)))
    posts = plan.metric(name="Posts made", nature="output")
    plan.weekly_values(posts, list(_series(output_changes, 50)))
    social = plan.initiative(name="Social")
    plan.link(social, plan.the_goal)
    plan.measure(social, posts, role="activity")
    return plan, posts


def _changes_with_correlation(r, n=7):
    """Two change series of length n whose Pearson correlation is exactly r."""
    x = np.array([1, -1, 2, -2, 1, -1, 0][:n], dtype=float)
    x = x - x.mean()
    y0 = np.array([1, 1, -1, -1, 2, -2, 0][:n], dtype=float)
    y0 = y0 - y0.mean()
    y0 = y0 - x * (x @ y0) / (x @ x)  # orthogonal to x
    y = r * x / np.linalg.norm(x) + np.sqrt(1 - r * r) * y0 / np.linalg.norm(y0)
    return x, y


@pytest.mark.parametrize(("r", "vanity", "verdict"), [
    (0.1, True, "confirmed"), (0.3, True, "inconclusive"), (0.45, True, "inconclusive"),
    (0.6, True, "inconclusive"), (0.9, False, "cleared")])
def test_vanity_evidence_at_the_thresholds(r, vanity, verdict):
    x, y = _changes_with_correlation(r)
    # Exactly at a threshold the float correlation may land a hair either side: nudge it
    # onto the threshold's own side (0.3 is not "below 0.3", 0.6 is not "above 0.6").
    plan, posts = _vanity_plan(x, y + (1e-9 * x if r == 0.3 else -1e-9 * x if r == 0.6 else 0))
    card = plan.score()
    row = card.metrics.loc[posts]
    assert row["vanity_correlation"] == pytest.approx(r, abs=1e-6)
    assert row["vanity_verdict"] == verdict
    assert bool(row["is_vanity"]) is vanity
    codes = set(card.flags.loc[card.flags["subject_id"] == str(posts), "code"])
    assert ("VANITY_METRIC" in codes) is vanity
    if not vanity:
        assert row["vanity_note"] == "this activity moves with the outcome"


def test_correlations_kept_between_scorings_are_reused_and_new_ones_added():
    from alignment_portal.scoring import alignment

    x, y = _changes_with_correlation(0.1)
    plan, posts = _vanity_plan(x, y)
    frames = plan.frames()
    weights = alignment.goal_weights(frames.goals, frames.cycles)
    freshness = alignment.metric_freshness(frames.metrics, frames.values, TODAY)
    kept: dict = {}
    first = alignment.metric_scores(frames, weights, freshness, correlations=kept)
    assert first.at[posts, "vanity_correlation"] == pytest.approx(0.1, abs=1e-6)
    assert list(kept) == [(posts, plan.goal_metric)]  # the one pair, correlated and kept
    kept[posts, plan.goal_metric] = (0.95, 7)  # as if kept from other values: taken as is
    again = alignment.metric_scores(frames, weights, freshness, correlations=kept)
    assert again.at[posts, "vanity_verdict"] == "cleared"
    assert alignment.metric_scores(frames, weights, freshness).at[
        posts, "vanity_verdict"] == "confirmed"


def test_the_confirming_evidence_is_in_the_flag_message():
    x, y = _changes_with_correlation(0.1)
    plan, posts = _vanity_plan(x, y)
    message = wording.worded(plan.score().flags.set_index("subject_id").loc[str(posts)]
                             .to_dict() | {"subject_id": str(posts)})["message"]
    assert "correlate 0.10" in message and "confirms" in message


def test_without_six_common_periods_the_rule_alone_decides():
    plan, posts = _vanity_plan([1, 2, 3], [1, 2, 3])
    row = plan.score().metrics.loc[posts]
    assert row["vanity_verdict"] == "no_evidence" and bool(row["is_vanity"])


def test_an_archived_metric_is_out_of_every_score():
    plan = Plan.aligned()
    plan.update("metrics", plan.goal_metric, archived=True)
    card = plan.score()
    assert card.initiatives.loc[plan.the_initiative, "measurement"] == 0
    assert not card.metrics.loc[plan.goal_metric, "in_use"]

