"""The timing rules, without a database."""

from datetime import date

import pytest

from alignment_portal.notifications import rules
from alignment_portal.scoring import rules as domain


@pytest.mark.parametrize(("frequency", "deadline", "overdue", "escalated"), [
    ("weekly", 10, 11, 18),  # fresh to 10.5 days, escalated past 17.5
    ("monthly", 46, 47, 78),  # 46.5, 77.5
    ("quarterly", 138, 139, 231),  # 138, 230
])
def test_each_frequency_has_its_deadline_overdue_and_escalation_day(frequency, deadline,
                                                                    overdue, escalated):
    start = date(2026, 1, 5)
    timeline = rules.metric_timeline(frequency, start)
    assert (timeline.deadline - start).days == deadline
    assert (timeline.overdue_on - start).days == overdue
    assert (timeline.escalated_on - start).days == escalated


def test_overdue_starts_the_day_the_metric_turns_stale():
    start = date(2026, 1, 5)
    for frequency in ("weekly", "monthly", "quarterly"):
        timeline = rules.metric_timeline(frequency, start)
        assert domain.is_fresh(start, frequency, timeline.deadline)
        assert not domain.is_fresh(start, frequency, timeline.overdue_on)


def test_value_due_fires_the_day_before_the_deadline_and_on_it_only():
    timeline = rules.metric_timeline("weekly", date(2026, 11, 2))
    days = {date(2026, 11, d): timeline.due_tomorrow(date(2026, 11, d)) for d in range(9, 14)}
    assert days == {date(2026, 11, 9): False, date(2026, 11, 10): False,
                    date(2026, 11, 11): True, date(2026, 11, 12): True,
                    date(2026, 11, 13): False}


def test_the_digest_goes_from_its_hour_on_the_earliest_chosen_day_of_the_week():
    wednesday = date(2026, 11, 18)
    assert not rules.digest_due(wednesday, rules.DIGEST_HOUR - 1, [2, 4])
    assert rules.digest_due(wednesday, rules.DIGEST_HOUR, [2, 4])
    assert not rules.digest_due(date(2026, 11, 17), 23, [2, 4])  # Tuesday: too early
    assert rules.digest_due(date(2026, 11, 20), 0, [2, 4])  # Friday: caught up
    assert not rules.digest_due(wednesday, 12, [])


@pytest.mark.parametrize("hostile", ["Bakery\r\nBcc: victim@example.com", "A\nB", "A\rB",
                                     "A\u2028B", "A\x00B\tC"])
def test_header_text_never_carries_a_line_break_or_control_character(hostile):
    cleaned = rules.clean_header_text(hostile)
    assert not any(ord(ch) < 32 or ch in "\u2028\u2029" for ch in cleaned)
    assert cleaned.split()  # the words are kept


def test_header_text_is_cut_to_its_limit():
    assert len(rules.clean_header_text("x" * 500, 150)) == 150
