"""The one validation module, case by case (form and CSV both call it)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from metrics.periods import next_period_start, period_label, period_start
from metrics.validation import clean_note, format_decimal, parse_number, validate_entry
from tests.factories import MetricFactory

TODAY = date(2026, 11, 18)  # a Wednesday


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", "12"), ("12.5", "12.5"), ("12,5", "12.5"), (" 1 234,5 ", "1234.5"),
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("-3", "-3"), ("0,125", "0.125"),
    ("45%", "45"), ("1e3", "1000"), (Decimal("2.1234567"), "2.123457"), (7, "7"),
])
def test_numbers_people_type_are_read(raw, expected):
    assert parse_number(raw) == Decimal(expected)


def test_a_comma_with_three_decimals_is_decimal_only_when_the_file_says_so():
    with pytest.raises(ValidationError, match="ambiguous"):
        parse_number("1,234")
    assert parse_number("1,234", decimal_comma=True) == Decimal("1.234")


@pytest.mark.parametrize(("raw", "words"), [
    ("", "empty"), ("   ", "empty"), (None, "empty"), ("abc", "not a number"),
    ("NaN", "not a number you can measure"), ("inf", "not a number you can measure"),
    ("-Infinity", "not a number you can measure"), (float("nan"), "NaN"),
    ("=1+1", "spreadsheet formula"), ("@SUM(A1)", "spreadsheet formula"),
    ("<b>5</b>", "not a number"), ("100000000000000", "too large"),
    ("1e30", "too large"), ("12.5.3", "not a number"),
])
def test_bad_values_are_refused_with_a_reason(raw, words):
    with pytest.raises(ValidationError) as exc:
        parse_number(raw)
    assert words in exc.value.messages[0]


def _metric(db=None, **kwargs):
    return MetricFactory(**kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(("unit", "value", "ok"), [
    ("%", "100", True), ("%", "0", True), ("%", "100.1", False), ("%", "-1", False),
    ("count", "-1", False), ("minutes", "-0.5", False), ("hours", "-2", False),
    ("days", "-1", False), ("currency", "-250", True), ("score", "-40", True),
])
def test_values_outside_the_units_sense_are_refused(unit, value, ok):
    metric = _metric(unit=unit)
    if ok:
        assert validate_entry(metric=metric, day=TODAY, value=value, today=TODAY)[1] == \
            Decimal(value)
    else:
        with pytest.raises(ValidationError) as exc:
            validate_entry(metric=metric, day=TODAY, value=value, today=TODAY)
        assert "value" in exc.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(("unit", "words"), [
    ("count", "-3 is negative: Orders is a count, which cannot be below zero."),
    ("minutes", "-3 is negative: Orders is measured in minutes, which cannot be below zero."),
])
def test_a_negative_count_or_duration_is_refused_in_plain_words(unit, words):
    with pytest.raises(ValidationError) as exc:
        validate_entry(metric=_metric(unit=unit, name="Orders"), day=TODAY, value="-3",
                       today=TODAY)
    assert exc.value.message_dict["value"] == [words]


@pytest.mark.django_db
def test_a_date_in_a_period_that_has_not_started_is_refused():
    metric = _metric(frequency="monthly")
    with pytest.raises(ValidationError) as exc:
        validate_entry(metric=metric, day=date(2027, 11, 1), value="1", today=TODAY)
    assert "not started yet" in exc.value.message_dict["period"][0]
    # A later day of the current month is the current period: accepted, snapped to the 1st.
    assert validate_entry(metric=metric, day=date(2026, 11, 30), value="1",
                          today=TODAY)[0] == date(2026, 11, 1)


@pytest.mark.django_db
def test_a_date_before_1990_is_refused_as_a_typo():
    with pytest.raises(ValidationError, match="before 1990"):
        validate_entry(metric=_metric(), day=date(1926, 1, 1), value="1", today=TODAY)


@pytest.mark.django_db
def test_an_archived_metric_takes_no_values():
    metric = _metric(archived_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        validate_entry(metric=metric, day=TODAY, value="1", today=TODAY)
    assert "archived" in exc.value.message_dict["__all__"][0]


@pytest.mark.django_db
def test_every_problem_of_an_entry_is_reported_at_once():
    with pytest.raises(ValidationError) as exc:
        validate_entry(metric=_metric(unit="%"), day=date(2030, 1, 1), value="140",
                       note="<script>x</script>", today=TODAY)
    assert set(exc.value.message_dict) == {"period", "value", "note"}


@pytest.mark.parametrize(("note", "ok"), [
    ("closed for a holiday", True), ("- half day", True), ("<b>bold</b>", False),
    ("=HYPERLINK(\"http://x\")", False), ("@cmd", False), ("x" * 501, False),
])
def test_notes_are_plain_text(note, ok):
    if ok:
        assert clean_note(note) == note
    else:
        with pytest.raises(ValidationError):
            clean_note(note)


def test_periods_start_on_monday_the_first_and_the_quarter():
    assert period_start("weekly", date(2026, 11, 22)) == date(2026, 11, 16)
    assert period_start("monthly", date(2026, 11, 22)) == date(2026, 11, 1)
    assert period_start("quarterly", date(2026, 11, 22)) == date(2026, 10, 1)
    assert next_period_start("monthly", date(2026, 12, 1)) == date(2027, 1, 1)
    assert next_period_start("quarterly", date(2026, 10, 1)) == date(2027, 1, 1)
    assert period_label("quarterly", date(2026, 10, 1)) == "Q4 2026"


def test_decimals_are_shown_without_trailing_zeros():
    assert format_decimal(Decimal("12.500000")) == "12.5"
    assert format_decimal(Decimal("100.000000")) == "100"
    assert format_decimal(Decimal("0E-6")) == "0"


@pytest.mark.parametrize("raw", ["1e999999999999999999", "-1e999999999999999999",
                                 Decimal("1e999999999999999999"), 1e308,
                                 "99999999999999.9999999"])
def test_absurdly_large_numbers_are_refused_with_a_message(raw):
    with pytest.raises(ValidationError) as caught:
        parse_number(raw)
    assert "too large" in caught.value.messages[0]


def test_an_absurdly_small_number_is_zero_at_the_stored_precision():
    assert parse_number("1e-999999999999999999") == 0
