"""The SMART check (alignment_portal/scoring/smart.py): each criterion passing and failing,
with the reason the user sees."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from alignment_portal.scoring import smart
from goals.selectors import Series, best_weekly_change

GOOD = smart.GoalFacts(
    title="Cut the morning wait at peak to under 4 minutes",
    description="Customers queuing between 7 and 9 am are served within four minutes.",
    why_it_matters="Regulars who wait too long go to the chain café instead.",
    has_metric=True, baseline_value=Decimal("7.5"), target_value=Decimal("4"),
    confidence=70, priority_rank=1, level="operational",
    start_date=date(2026, 10, 1), due_date=date(2026, 12, 31),
    cycle_start=date(2026, 10, 1), cycle_end=date(2026, 12, 31),
)


def criterion(facts, key):
    return next(c for c in smart.check(facts).criteria if c.key == key)


def test_a_well_written_goal_passes_all_five():
    result = smart.check(GOOD)
    assert result.passed
    assert [c.key for c in result.criteria] == list(smart.CRITERIA)
    assert result.failed_names() == ""


def test_specific_fails_on_a_vague_verb_alone():
    c = criterion(replace(GOOD, title="Improve efficiency"), "specific")
    assert not c.passed
    assert "vague" in c.reason


def test_specific_fails_without_a_title_or_a_sentence_of_description():
    assert "title" in criterion(replace(GOOD, title="  "), "specific").reason
    c = criterion(replace(GOOD, description="Faster."), "specific")
    assert not c.passed and "sentence" in c.reason


def test_specific_passes_with_a_concrete_title_and_description():
    assert criterion(GOOD, "specific").passed


def test_measurable_fails_without_a_metric():
    c = criterion(replace(GOOD, has_metric=False), "measurable")
    assert not c.passed and "metric" in c.reason


def test_measurable_fails_without_both_numbers():
    c = criterion(replace(GOOD, target_value=None), "measurable")
    assert not c.passed and "baseline and a target" in c.reason


def test_measurable_fails_when_the_target_equals_the_baseline():
    c = criterion(replace(GOOD, target_value=Decimal("7.50")), "measurable")
    assert not c.passed and "equals the baseline" in c.reason


def test_measurable_passes_with_a_metric_and_a_different_target():
    assert criterion(GOOD, "measurable").passed


def test_achievable_fails_without_confidence_or_below_half():
    assert not criterion(replace(GOOD, confidence=None), "achievable").passed
    c = criterion(replace(GOOD, confidence=49), "achievable")
    assert not c.passed and "49 %" in c.reason


def test_achievable_passes_at_fifty_percent():
    c = criterion(replace(GOOD, confidence=50), "achievable")
    assert c.passed and c.warning == ""


def test_achievable_warns_when_the_pace_needed_is_over_three_times_the_best_so_far():
    # 3.5 minutes in 13 weeks is ~0.27 a week; the best week so far moved 0.05.
    c = criterion(replace(GOOD, best_weekly_change=0.05), "achievable")
    assert c.passed  # a warning, not a failure
    assert "3×" in c.warning
    assert smart.check(replace(GOOD, best_weekly_change=0.05)).warnings == [c.warning]


def test_achievable_does_not_warn_when_history_shows_the_pace():
    assert criterion(replace(GOOD, best_weekly_change=0.2), "achievable").warning == ""


def test_relevant_fails_without_why_it_matters():
    c = criterion(replace(GOOD, why_it_matters=" "), "relevant")
    assert not c.passed and "why" in c.reason.lower()


def test_relevant_fails_when_neither_priority_strategic_nor_parent():
    c = criterion(replace(GOOD, priority_rank=None), "relevant")
    assert not c.passed and "parent" in c.reason


def test_relevant_passes_by_priority_strategic_level_or_parent():
    bare = replace(GOOD, priority_rank=None)
    assert criterion(replace(bare, level="strategic"), "relevant").passed
    assert criterion(replace(bare, has_parent=True), "relevant").passed
    assert criterion(GOOD, "relevant").passed


def test_time_bound_fails_without_dates_or_with_due_before_start():
    assert not criterion(replace(GOOD, due_date=None), "time_bound").passed
    c = criterion(replace(GOOD, due_date=date(2026, 9, 1)), "time_bound")
    assert not c.passed and "after the start" in c.reason


def test_time_bound_fails_more_than_one_cycle_past_the_end():
    c = criterion(replace(GOOD, due_date=date(2027, 4, 1)), "time_bound")
    assert not c.passed and "the latest is 2027-03-31" in c.reason  # Q4 + the next quarter


def test_time_bound_passes_up_to_one_cycle_past_the_end():
    assert criterion(replace(GOOD, due_date=date(2027, 3, 31)), "time_bound").passed


def test_time_bound_counts_a_quarter_with_both_ends():
    """DOMAIN.md's own example: for 1 Jan-31 Mar a goal due 30 June passes (the old count,
    end + (end - start), said the latest was 28 June)."""
    q1 = replace(GOOD, start_date=date(2026, 1, 1), cycle_start=date(2026, 1, 1),
                 cycle_end=date(2026, 3, 31))
    assert criterion(replace(q1, due_date=date(2026, 6, 30)), "time_bound").passed
    late = criterion(replace(q1, due_date=date(2026, 7, 1)), "time_bound")
    assert not late.passed and "the latest is 2026-06-30" in late.reason


def test_latest_due_date_of_month_and_day_cycles():
    assert smart.latest_due_date(date(2026, 1, 1), date(2026, 3, 31)) == date(2026, 6, 30)
    assert smart.latest_due_date(date(2026, 4, 1), date(2026, 6, 30)) == date(2026, 9, 30)
    assert smart.latest_due_date(date(2026, 11, 1), date(2026, 11, 30)) == date(2026, 12, 31)
    assert smart.latest_due_date(date(2025, 12, 1), date(2026, 1, 31)) == date(2026, 3, 31)
    # Not whole months: as many days again, both ends counted (10 days: 1-10 -> 20).
    assert smart.latest_due_date(date(2026, 5, 1), date(2026, 5, 10)) == date(2026, 5, 20)
    assert smart.latest_due_date(date(2026, 5, 15), date(2026, 6, 14)) == date(2026, 7, 15)


def test_best_weekly_change_reads_the_direction_of_the_target():
    series = Series([date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 15)], [8.0, 7.0, 7.5])
    assert best_weekly_change(series, -1) == 1.0  # falling is the good way
    assert best_weekly_change(series, +1) == 0.5
    assert best_weekly_change(Series([date(2026, 1, 1)], [1.0]), +1) is None
    assert best_weekly_change(Series([date(2026, 1, 1), date(2026, 1, 8)], [2.0, 1.0]),
                              +1) is None


# One goal per reason and warning code (GOOD passes every criterion).
EVERY_CODE = [
    GOOD, replace(GOOD, title=""), replace(GOOD, title="Improve efficiency"),
    replace(GOOD, description="Faster."),
    replace(GOOD, description="Make things better for our customers."),
    replace(GOOD, has_metric=False), replace(GOOD, target_value=None),
    replace(GOOD, target_value=Decimal("7.50")), replace(GOOD, confidence=None),
    replace(GOOD, confidence=30), replace(GOOD, best_weekly_change=0.05),
    replace(GOOD, why_it_matters=" "), replace(GOOD, priority_rank=None),
    replace(GOOD, start_date=None), replace(GOOD, due_date=date(2026, 9, 1)),
    replace(GOOD, due_date=date(2027, 7, 1)),
]


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_scorings_wording_says_what_each_criterion_says(language):
    results = [smart.check(facts) for facts in EVERY_CODE]
    criteria = [c for result in results for c in result.criteria]
    codes = {c.code for c in criteria} | {c.warning_code for c in criteria}
    assert codes - {""} == set(smart.REASONS)
    with translation.override(language):
        words = smart.Wording()
        for c in criteria:
            assert words.label(c.key) == c.label
            assert words.reason(c.code, c.params) == c.reason
            assert words.reason(c.warning_code, c.warning_params) == c.warning
    with translation.override("de"):
        assert smart.Wording().label("specific") != "Specific"  # it is translated
