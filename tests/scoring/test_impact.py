"""Impact evidence (scoring/impact.py): pure, no database. The statistics are checked against
scipy called here on the same numbers, and on a hand-worked example."""

import math
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from alignment_portal.scoring import impact
from alignment_portal.scoring.impact import (
    IMPROVED,
    NO_CLEAR_CHANGE,
    NOT_ENOUGH_DATA,
    WORSENED,
    epoch_days,
    evaluate_pair,
)
from tests.scoring.builders import Plan, flag, flags_on

TODAY = date(2026, 12, 1)  # a Tuesday
MONDAY = date(2026, 6, 1)


def weekly(start: date, values) -> tuple[np.ndarray, np.ndarray]:
    days = np.array([epoch_days(start + timedelta(weeks=k)) for k in range(len(values))])
    return days, np.array(values, dtype=float)


def evaluate(values, *, go_live_index: int, start=MONDAY, direction="higher", ramp_up=0,
             frequency="weekly", today=TODAY):
    days, numbers = weekly(start, values)
    go_live = start + timedelta(weeks=go_live_index)
    return evaluate_pair(days, numbers, go_live=go_live, ramp_up=ramp_up, frequency=frequency,
                         direction=direction, today=today)


BEFORE = [12.0, 11.5, 12.4, 11.8, 12.1, 12.6, 11.9, 12.2, 12.3]  # no trend
AFTER = [10.1, 9.8, 10.4, 9.6, 10.0, 10.3, 9.9, 10.2, 9.7, 10.0, 10.5, 9.9]


# --- Against scipy, and by hand --------------------------------------------------------------

def test_tau_and_p_are_scipys_kendall_tau_b_of_phase_against_values():
    row = evaluate(BEFORE + AFTER, go_live_index=len(BEFORE), direction="lower")
    trend = stats.kendalltau(np.arange(len(BEFORE)), BEFORE)
    assert trend.pvalue >= 0.05  # so no detrending
    expected = stats.kendalltau([0] * len(BEFORE) + [1] * len(AFTER), BEFORE + AFTER)
    assert row["detrended"] is False
    assert row["tau"] == pytest.approx(-expected.statistic)  # lower is better: sign flipped
    assert row["p"] == pytest.approx(expected.pvalue)
    assert row["effect"] == pytest.approx(np.median(AFTER) - np.median(BEFORE))
    assert row["effect_pct"] == pytest.approx(
        100 * (np.median(AFTER) - np.median(BEFORE)) / np.median(BEFORE))
    assert (row["n_before"], row["n_after"]) == (9, 12)
    assert row["verdict"] == IMPROVED


def test_a_trending_baseline_is_detrended_with_scipys_theil_sen_line():
    noise = [0.3, -0.2, 0.1, 0.0, -0.3, 0.2, -0.1, 0.25, -0.15, 0.05]
    rising = [20 + 0.8 * k + noise[k] for k in range(10)]
    after = [40.0, 41.0, 39.5, 40.5, 42.0, 41.5]
    days, numbers = weekly(MONDAY, rising + after)
    row = evaluate(rising + after, go_live_index=10)
    t_before, t_after = days[:10], days[10:]
    assert stats.kendalltau(t_before, rising).pvalue < 0.05
    fit = stats.theilslopes(rising, t_before)
    residuals = np.r_[np.array(rising) - (fit.intercept + fit.slope * t_before),
                      np.array(after) - (fit.intercept + fit.slope * t_after)]
    # Rounded: the line passes through some points, whose residuals are 0 give or take 1e-14
    # (the impact module ties them the same way, at a billionth of the values' scale).
    expected = stats.kendalltau([0] * 10 + [1] * 6, np.round(residuals, 6))
    assert row["detrended"] is True
    assert row["tau"] == pytest.approx(expected.statistic)
    assert row["p"] == pytest.approx(expected.pvalue)
    assert row["trend_slope"] == pytest.approx(fit.slope)
    projection = fit.intercept + fit.slope * t_after
    assert row["effect"] == pytest.approx(np.median(after) - np.median(projection))


def test_a_hand_worked_example():
    # Before 5 6 5 6 5, after 8 9 8 9 8 (weekly, no trend before: tau 0 against time).
    # Phase × value: the 25 cross-phase pairs are all concordant, no discordant pair. Of the
    # 45 pairs, 20 are tied on the phase (10 within each phase) and 8 on the value (three 5s:
    # 3, two 6s: 1, three 8s: 3, two 9s: 1), so tau-b = 25 / sqrt((45-20)(45-8)) = 5/sqrt(37).
    row = evaluate([5, 6, 5, 6, 5, 8, 9, 8, 9, 8], go_live_index=5)
    assert row["tau"] == pytest.approx(5 / math.sqrt(37))
    assert row["effect"] == 3.0  # median after 8 - median before 5
    assert row["effect_pct"] == pytest.approx(60.0)
    assert row["verdict"] == IMPROVED
    assert row["p"] < 0.05


# --- Invariances -------------------------------------------------------------------------------

@pytest.mark.parametrize("series", [BEFORE + AFTER, BEFORE + BEFORE[::-1],
                                    [20 + k for k in range(10)] + [25, 26, 24, 27, 25, 26]])
def test_adding_a_constant_to_every_value_changes_no_verdict(series):
    plain = evaluate(series, go_live_index=len(series) // 2)
    shifted = evaluate([v + 1000 for v in series], go_live_index=len(series) // 2)
    assert shifted["verdict"] == plain["verdict"]
    assert shifted["tau"] == pytest.approx(plain["tau"])
    assert shifted["p"] == pytest.approx(plain["p"])
    assert shifted["effect"] == pytest.approx(plain["effect"])


def test_flipping_the_direction_swaps_improved_and_worsened():
    lower = evaluate(BEFORE + AFTER, go_live_index=9, direction="lower")
    higher = evaluate(BEFORE + AFTER, go_live_index=9, direction="higher")
    assert (lower["verdict"], higher["verdict"]) == (IMPROVED, WORSENED)
    assert higher["tau"] == pytest.approx(-lower["tau"])
    assert higher["p"] == pytest.approx(lower["p"])


def test_a_steady_trend_that_simply_continues_is_not_improved():
    noise = [0.4, -0.3, 0.1, -0.2, 0.3, -0.4, 0.2, 0.0, -0.1, 0.3, -0.2, 0.1, 0.4, -0.3, 0.0,
             0.2, -0.4, 0.1, -0.1, 0.3]
    series = [30 + 1.5 * k + noise[k] for k in range(20)]
    row = evaluate(series, go_live_index=10)
    assert row["detrended"] is True
    assert row["verdict"] == NO_CLEAR_CHANGE
    # A plain before/after comparison would have called it a clear improvement.
    assert stats.kendalltau([0] * 10 + [1] * 10, series).pvalue < 0.001


def test_a_perfectly_straight_line_ties_after_detrending_and_shows_no_change():
    row = evaluate([10 + 0.1 * k for k in range(16)], go_live_index=8)
    assert (row["verdict"], row["tau"], row["p"]) == (NO_CLEAR_CHANGE, 0.0, 1.0)


# --- The 5-value floor and the earliest verdict ------------------------------------------------

def test_four_values_after_go_live_are_not_enough_however_big_the_change():
    row = evaluate(BEFORE + [1, 1, 1, 1], go_live_index=9, direction="lower",
                   today=MONDAY + timedelta(weeks=12, days=1))
    assert row["verdict"] == NOT_ENOUGH_DATA and row["tau"] is None and row["p"] is None
    assert "1 more weekly value(s) since go-live" in row["note"]


def test_five_values_a_phase_are_enough():
    row = evaluate([12, 11, 12, 13, 12, 1, 1, 2, 1, 1], go_live_index=5, direction="lower")
    assert row["verdict"] == IMPROVED


def test_four_values_before_go_live_are_not_enough_and_say_so():
    row = evaluate([12, 11, 12, 13] + AFTER, go_live_index=4)
    assert row["verdict"] == NOT_ENOUGH_DATA
    assert row["earliest_verdict"] is None  # the after phase is long enough: only back-filling
    assert "1 more weekly value(s) before go-live (there are 4" in row["note"]


def test_weekly_earliest_verdict_is_the_day_after_the_fifth_week_ends():
    # Go-live Monday 9 Nov; values 9, 16, 23 Nov; today Tuesday 1 Dec: the weeks of 30 Nov
    # and 7 Dec still to come, so a verdict is possible from Monday 14 Dec.
    go_live = date(2026, 11, 9)
    days, numbers = weekly(go_live - timedelta(weeks=6), [5, 6, 5, 6, 5, 6, 7, 8, 7])
    row = evaluate_pair(days, numbers, go_live=go_live, ramp_up=0, frequency="weekly",
                        direction="higher", today=TODAY)
    assert row["n_after"] == 3 and row["earliest_verdict"] == date(2026, 12, 14)


def test_monthly_earliest_verdict():
    days = np.array([epoch_days(date(2026, m, 1)) for m in range(3, 12)])
    row = evaluate_pair(days, np.arange(9.0), go_live=date(2026, 10, 1), ramp_up=0,
                        frequency="monthly", direction="higher", today=TODAY)
    # Oct and Nov logged; Dec, Jan and Feb to come: possible from 1 March.
    assert row["n_after"] == 2 and row["earliest_verdict"] == date(2027, 3, 1)


def test_quarterly_earliest_verdict_with_a_go_live_inside_a_quarter():
    days = np.array([epoch_days(date(y, m, 1)) for y in (2025, 2026) for m in (1, 4, 7, 10)])
    row = evaluate_pair(days, np.arange(8.0), go_live=date(2026, 8, 15), ramp_up=0,
                        frequency="quarterly", direction="higher", today=TODAY)
    # Q3 2026 (1 Jul) is before a mid-August go-live; Q4 (1 Oct) is the first after.
    assert (row["n_before"], row["n_after"]) == (7, 1)
    # Q4 2026 is logged; Q1 .. Q4 2027 to come: possible from 1 January 2028.
    assert row["earliest_verdict"] == date(2028, 1, 1)


def test_ramp_up_periods_leave_the_settling_in_out_of_both_phases():
    series = BEFORE + [30, 30] + AFTER[:6]
    row = evaluate(series, go_live_index=9, direction="lower", ramp_up=2)
    assert (row["n_before"], row["n_after"]) == (9, 6)
    assert row["after_start"] == MONDAY + timedelta(weeks=11)
    assert row["verdict"] == IMPROVED
    without = evaluate(series, go_live_index=9, direction="lower")
    assert without["n_after"] == 8


def test_ramp_up_moves_the_earliest_verdict():
    go_live = date(2026, 11, 9)
    days, numbers = weekly(go_live - timedelta(weeks=6), [5, 6, 5, 6, 5, 6, 7, 8, 7])
    row = evaluate_pair(days, numbers, go_live=go_live, ramp_up=2, frequency="weekly",
                        direction="higher", today=TODAY)
    assert row["n_after"] == 1 and row["earliest_verdict"] == date(2026, 12, 28)


def test_the_before_phase_keeps_the_last_26_values():
    row = evaluate([100.0] * 10 + BEFORE * 3 + AFTER, go_live_index=37, direction="lower")
    assert row["n_before"] == 26
    assert row["before_median"] == pytest.approx(np.median((BEFORE * 3)[-26:]))


# --- The segmented regression ----------------------------------------------------------------

def test_segmented_regression_finds_a_level_jump_with_its_interval():
    wiggle = [0.2, -0.1, 0.0, 0.1, -0.2, 0.1, 0.0, -0.1, 0.2, -0.2, 0.1, 0.0, -0.1, 0.1]
    before = [50 + 0.5 * k + wiggle[k] for k in range(14)]
    after = [50 + 0.5 * k - 10 + wiggle[k - 14] for k in range(14, 28)]
    row = evaluate(before + after, go_live_index=14, direction="lower", start=date(2026, 3, 2))
    assert (row["n_before"], row["n_after"]) == (14, 14)
    regression = row["regression"]
    assert regression["level_low"] < -10 < regression["level_high"]
    assert regression["level_high"] < -9
    assert regression["slope_low"] < 0 < regression["slope_high"]  # per week, no change
    assert regression["verdict"] == IMPROVED
    # Its point estimates are ordinary least squares on the same design.
    t = (np.arange(28) - 14) * 7.0
    jump = (np.arange(28) >= 14).astype(float)
    design = np.column_stack([np.ones(28), t, jump, t * jump])
    coef = np.linalg.lstsq(design, np.array(before + after), rcond=None)[0]
    assert regression["level_change"] == pytest.approx(coef[2])


def test_no_segmented_regression_below_12_values_a_phase():
    assert evaluate(BEFORE + AFTER, go_live_index=9)["regression"] is None


# --- The organization: pairs, shared credit, flags -----------------------------------------

def impact_plan():
    plan = Plan()
    plan.wait = plan.metric(name="Customer wait time at peak", direction="lower",
                            unit="minutes")
    plan.weekly_values(plan.wait, BEFORE + AFTER, last=MONDAY + timedelta(weeks=20))
    plan.tickets = plan.initiative(name="Queue tickets", status="live",
                                   go_live_date=MONDAY + timedelta(weeks=9))
    plan.measure(plan.tickets, plan.wait)
    return plan


def test_only_live_initiatives_with_a_go_live_date_and_outcome_metrics_get_evidence():
    plan = impact_plan()
    paused = plan.initiative(name="Paused", status="paused", go_live_date=MONDAY)
    no_date = plan.initiative(name="No date", status="live")
    activity = plan.initiative(name="Activity only", status="live", go_live_date=MONDAY)
    archived = plan.metric(name="Archived", archived=True)
    for initiative in (paused, no_date):
        plan.measure(initiative, plan.wait)
    plan.measure(activity, plan.wait, role="activity")
    plan.measure(plan.tickets, archived)
    card = plan.score(TODAY)
    pairs = list(zip(card.impact["initiative_id"], card.impact["metric_id"], strict=True))
    assert pairs == [(plan.tickets, plan.wait)]
    assert card.impact["verdict"].tolist() == [IMPROVED]


def test_another_initiative_live_within_4_periods_shares_the_credit():
    plan = impact_plan()
    near = plan.initiative(name="Peak-time rota", status="live",
                           go_live_date=MONDAY + timedelta(weeks=12))
    far = plan.initiative(name="Self-service kiosk", status="live",
                          go_live_date=MONDAY + timedelta(weeks=14))
    planned = plan.initiative(name="Planned app", status="planned",
                              go_live_date=MONDAY + timedelta(weeks=8))
    for initiative in (near, far, planned):
        plan.measure(initiative, plan.wait)
    card = plan.score(TODAY)
    shared = dict(zip(card.impact["initiative_id"], card.impact["shared_with"], strict=True))
    assert shared[plan.tickets] == ["Peak-time rota"]  # 3 weeks later; the kiosk 5
    assert shared[near] == ["Queue tickets", "Self-service kiosk"]
    row = card.impact[card.impact["initiative_id"] == plan.tickets].iloc[0].to_dict()
    sentence = impact.impact_sentence(row, metric_name="Customer wait time at peak",
                                      unit="minutes", frequency="weekly", today=TODAY)
    assert "cannot be credited to this initiative alone: Peak-time rota" in sentence


def test_a_worsened_outcome_raises_worsened_on_the_initiative():
    plan = impact_plan()
    plan.update("metrics", plan.wait, direction="higher")
    card = plan.score(TODAY)
    raised = flag(card, "WORSENED", plan.tickets)
    assert raised["severity"] == "high"
    assert "Customer wait time at peak fell by" in raised["message"]
    assert "(p < 0.001, 9 weeks before, 12 after" in raised["message"]
    assert "NO_EFFECT" not in flags_on(card, "initiative", plan.tickets)


def test_no_effect_needs_8_after_values_on_every_outcome_metric():
    plan = Plan()
    flat = plan.metric(name="Leads", unit="count")
    plan.weekly_values(flat, BEFORE + BEFORE[::-1][:8], last=TODAY - timedelta(days=2))
    second = plan.metric(name="Conversion", unit="%")
    plan.weekly_values(second, BEFORE + BEFORE[:7], last=TODAY - timedelta(days=2))
    scheduler = plan.initiative(name="Social scheduler", status="live",
                                go_live_date=TODAY - timedelta(days=2, weeks=7))
    plan.measure(scheduler, flat)
    card = plan.score(TODAY)
    assert "NO_EFFECT" in flags_on(card, "initiative", scheduler)
    assert flag(card, "NO_EFFECT", scheduler)["severity"] == "medium"
    plan.measure(scheduler, second)  # a second outcome metric with only 7 values after
    plan.update("initiatives", scheduler, go_live_date=TODAY - timedelta(days=2, weeks=6))
    card = plan.score(TODAY)
    assert set(card.impact["n_after"]) == {7}
    assert "NO_EFFECT" not in flags_on(card, "initiative", scheduler)


def test_the_sentence_carries_the_effect_its_unit_the_ns_and_p():
    card = impact_plan().score(TODAY)
    row = card.impact.iloc[0].to_dict()
    sentence = impact.impact_sentence(row, metric_name="Customer wait time at peak",
                                      unit="minutes", frequency="weekly", today=TODAY)
    assert sentence == ("Customer wait time at peak fell by 2.1 minutes (−17 %) since go-live "
                        "on 3 Aug; this is unlikely to be chance (p < 0.001, 9 weeks before, "
                        "12 after).")


def test_not_enough_data_says_when_a_verdict_is_possible():
    row = {"verdict": NOT_ENOUGH_DATA, "n_after": 3, "n_before": 9,
           "go_live_date": date(2026, 11, 9), "earliest_verdict": date(2026, 12, 14)}
    assert impact.impact_sentence(row, metric_name="Wait", unit="minutes", frequency="weekly",
                                  today=TODAY) == (
        "Not enough data yet: 3 weekly values since go-live on 9 Nov and 9 before; a verdict "
        "is possible from 14 Dec.")


# --- Reuse of unchanged evidence ---------------------------------------------------------------

def _previous(card) -> dict:
    rows = card.impact.to_dict("records")
    return {(r["initiative_id"], r["metric_id"]): (r["inputs_digest"], r) for r in rows}


def test_a_pair_whose_inputs_did_not_change_reuses_its_evidence_without_scipy(monkeypatch):
    plan = impact_plan()
    first = plan.score(TODAY)
    frames = plan.frames()
    frames.impact_previous = _previous(first)

    def no_statistics(*args, **kwargs):
        raise AssertionError("the statistics were computed for unchanged inputs")

    monkeypatch.setattr(impact.rank_stats, "kendall_tau_b", no_statistics)
    monkeypatch.setattr(impact.rank_stats, "phase_tau_b", no_statistics)
    again = impact.impact_evidence(frames, TODAY)
    assert again.drop(columns="shared_with").equals(first.impact.drop(columns="shared_with"))


def test_a_changed_value_or_direction_is_computed_afresh():
    plan = impact_plan()
    first = plan.score(TODAY)
    plan.rows["values"][-1]["value"] = 30.0
    plan.update("metrics", plan.wait, direction="higher")
    frames = plan.frames()
    frames.impact_previous = _previous(first)
    again = impact.impact_evidence(frames, TODAY)
    assert again["inputs_digest"].iloc[0] != first.impact["inputs_digest"].iloc[0]
    assert again["verdict"].iloc[0] == WORSENED


def test_evaluate_many_gives_each_pair_what_evaluate_phases_gives_it():
    """The batched path of a recompute: every pair's row as evaluate_phases computes it alone
    (not enough data, Tau-BC only, Tau-BC with the regression; detrended or not; weekly and
    monthly; ramp-up), the regression's floats to rounding."""
    rng = np.random.default_rng(31)
    selected, go_lives, frequencies, directions = [], [], [], []
    for trial in range(60):
        frequency = "monthly" if trial % 4 == 0 else "weekly"
        n = int(rng.integers(3, 90))
        start = date(2022, 1, 1) if frequency == "monthly" else MONDAY - timedelta(weeks=60)
        if frequency == "monthly":
            periods = [impact.add_periods("monthly", start, k) for k in range(n)]
        else:
            periods = [start + timedelta(weeks=k) for k in range(n)]
        days = np.array([epoch_days(p) for p in periods])
        values = rng.normal(size=n) + (0.04 * np.arange(n) if trial % 3 == 0 else 0) \
            + np.where(np.arange(n) > n // 2, trial % 4, 0)
        go_live = periods[min(int(rng.integers(1, n)), n - 1)]
        chosen = impact.phases(days, values, go_live=go_live, ramp_up=trial % 3,
                               frequency=frequency, today=TODAY)
        selected.append(chosen)
        go_lives.append(go_live)
        frequencies.append(frequency)
        directions.append("lower" if trial % 2 else "higher")
    batched = impact.evaluate_many(selected, go_lives=go_lives, frequencies=frequencies,
                                   directions=directions, today=TODAY)
    verdicts = {row["verdict"] for row in batched}
    assert {NOT_ENOUGH_DATA, NO_CLEAR_CHANGE} <= verdicts and len(verdicts) >= 3
    assert any(row["regression"] for row in batched)
    assert any(row["detrended"] for row in batched)
    for k, ours in enumerate(batched):
        theirs = impact.evaluate_phases(selected[k], go_live=go_lives[k],
                                        frequency=frequencies[k], direction=directions[k],
                                        today=TODAY)
        ours_regression, theirs_regression = ours.pop("regression"), theirs.pop("regression")
        assert ours == theirs
        if theirs_regression is None:
            assert ours_regression is None
        else:
            assert ours_regression.keys() == theirs_regression.keys()
            for name, value in theirs_regression.items():
                if isinstance(value, float):
                    assert ours_regression[name] == pytest.approx(value, rel=1e-9, abs=1e-9)
                else:
                    assert ours_regression[name] == value
