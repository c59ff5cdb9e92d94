"""The one place that decides whether a metric value may be stored.

Used by the "Log values" form, the CSV import (web and command line) and, later, the API, so
every path refuses the same input with the same words. Each check raises
`django.core.exceptions.ValidationError` with a message meant for the person who typed it.

Rules (DOMAIN.md, "Metric value", and the decisions written down here):
- a value is a finite decimal number; empty, text, NaN and infinities are refused;
- it must fit the database column: at most 14 digits before the decimal point; more than 6
  decimals are rounded to 6;
- unit "%": 0 to 100; units count, minutes, hours and days: not negative (a negative count or
  duration means nothing); currency and score may be negative (a loss, an NPS below zero);
- decimal commas are read where unambiguous ("12,5", "1.234,5"); "1,234" is ambiguous unless
  the caller says commas are decimal (a semicolon-separated CSV);
- the period date is snapped to the start of its period (metrics/periods.py); a period that
  starts after today is refused (a value cannot be measured before its period has begun), as
  is a date before 1990 (almost always a typo);
- an archived metric takes no values;
- a note is plain text: at most 500 characters, no HTML markup and no spreadsheet formula.
"""

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.lib.text import single_line
from metrics.models import Metric, Unit
from metrics.periods import period_start

MAX_INTEGER_DIGITS = 14  # DecimalField(max_digits=20, decimal_places=6)
QUANTUM = Decimal("0.000001")
QUANTUM_DIGITS = 6
EARLIEST_PERIOD = date(1990, 1, 1)
NOTE_MAX_LENGTH = 500
NON_NEGATIVE_UNITS = {Unit.COUNT, Unit.MINUTES, Unit.HOURS, Unit.DAYS}

_SPACES = re.compile(r"[\s\u00a0\u202f']")  # thousands separators people type: space, ', nbsp
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DOT_THOUSANDS_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
_COMMA_THOUSANDS_DOT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
_HTML = re.compile(r"<\s*[a-zA-Z/!]")


def parse_number(raw, *, decimal_comma: bool = False) -> Decimal:
    """A Decimal from what a person typed, or ValidationError saying why not."""
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, int | float):
        number = Decimal(str(raw))
    else:
        text = "" if raw is None else str(raw).strip()
        if not text:
            raise ValidationError(gettext("Enter a number: the value is empty."), code="empty")
        if text.startswith("=") or text.startswith("@"):
            raise ValidationError(
                gettext("“%(short)s” is a spreadsheet formula, not a number: paste the value it "
                        "shows instead.") % {"short": _short(text)}, code="formula")
        lowered = text.lower().lstrip("+-")
        if lowered in {"nan", "inf", "infinity", "∞"}:
            raise ValidationError(
                gettext("“%(short)s” is not a number you can measure: enter a finite value.") % {
                    "short": _short(text)},
                code="not_finite")
        compact = _SPACES.sub("", text)
        if compact.endswith("%"):
            compact = compact[:-1]
        number = _decimal_from_text(compact, text, decimal_comma=decimal_comma)
    if not number.is_finite():
        raise ValidationError(gettext("NaN and infinity are not values you can measure: enter a "
                                      "finite number."), code="not_finite")
    # adjusted() reads the exponent without arithmetic: abs() or a comparison on
    # 1e999999999999999999 would overflow the decimal context (a 500, not a message).
    if number.adjusted() < -QUANTUM_DIGITS - 1:
        number = Decimal(0)  # 1e-999999999: below the stored precision
    if number.adjusted() < MAX_INTEGER_DIGITS:
        number = number.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if number.adjusted() >= MAX_INTEGER_DIGITS:  # also 99999999999999.9999999, once rounded
        raise ValidationError(
            gettext("%(short)s is too large: values must be below 100,000,000,000,000 (14 digits "
                    "before the decimal point).") % {"short": _short(str(raw))}, code="too_large")
    return number


def _decimal_from_text(compact: str, original: str, *, decimal_comma: bool) -> Decimal:
    if _PLAIN.match(compact):
        candidate = compact
    elif _DOT_THOUSANDS_COMMA_DECIMAL.match(compact):
        candidate = compact.replace(".", "").replace(",", ".")
    elif _COMMA_THOUSANDS_DOT_DECIMAL.match(compact) and "." in compact:
        candidate = compact.replace(",", "")
    elif _COMMA_DECIMAL.match(compact):
        after = compact.split(",", 1)[1]
        leading_zero = compact.lstrip("+-").startswith(("0,", ","))
        if len(after) == 3 and not decimal_comma and not leading_zero:
            raise ValidationError(
                gettext("“%(short)s” is ambiguous: is the comma a decimal point or a thousands "
                        "separator? Write 1234 or 1.234.") % {
                            "short": _short(original)}, code="ambiguous")
        candidate = compact.replace(",", ".")
    elif _COMMA_THOUSANDS_DOT_DECIMAL.match(compact):
        if decimal_comma:
            raise ValidationError(
                gettext("“%(short)s” has more than one decimal comma.") % {
                    "short": _short(original)}, code="invalid")
        raise ValidationError(
            gettext("“%(short)s” is ambiguous: is the comma a decimal point or a thousands "
                    "separator? Write 1234 or 1.234.") % {
                        "short": _short(original)}, code="ambiguous")
    else:
        raise ValidationError(gettext("“%(short)s” is not a number.") % {
            "short": _short(original)}, code="invalid")
    try:
        return Decimal(candidate)
    except InvalidOperation:
        raise ValidationError(gettext("“%(short)s” is not a number.") % {"short": _short(original)},
                              code="invalid") from None


def check_value_for_unit(metric: Metric, value: Decimal) -> Decimal:
    """Refuse a value that makes no sense in the metric's unit."""
    if metric.unit == Unit.PERCENT and not (0 <= value <= 100):
        raise ValidationError(
            gettext("%(plain)s %% is outside 0-100: %(name)s is a percentage.") % {
                "plain": _plain(value), "name": metric.name},
            code="out_of_range")
    if metric.unit in NON_NEGATIVE_UNITS and value < 0:
        what = "is a count" if metric.unit == Unit.COUNT else f"is measured in {metric.unit}"
        raise ValidationError(
            gettext("%(plain)s is negative: %(name)s %(what)s, which cannot be below zero.") % {
                "plain": _plain(value), "name": metric.name, "what": what},
            code="negative")
    return value


def check_metric_open(metric: Metric) -> None:
    if metric.is_archived:
        raise ValidationError(
            gettext("%(name)s is archived and takes no new values; restore it first.") % {
                "name": metric.name},
            code="archived")


def check_period(metric: Metric, day: date, today: date | None = None) -> date:
    """The start of the period `day` falls in, refused when in the future or implausibly old."""
    today = today or timezone.localdate()
    start = period_start(metric.frequency, day)
    if start > today:
        raise ValidationError(
            gettext("%(day)s is in a period that has not started yet; values are for the current "
                    "period or earlier (%(lower)s metric).") % {
                        "day": f"{day:%Y-%m-%d}", "lower": metric.get_frequency_display().lower()},
            code="future")
    if day < EARLIEST_PERIOD:
        raise ValidationError(gettext("%(day)s is before 1990: check the year.") % {
            "day": f"{day:%Y-%m-%d}"}, code="too_old")
    return start


def clean_note(raw) -> str:
    note = "" if raw is None else str(raw).strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(gettext("The note is %(len)s characters; keep it under "
                                      "%(note_max_length)s.") % {
                                          "len": len(note),
                                          "note_max_length": NOTE_MAX_LENGTH}, code="note_too_long")
    single_line(note)  # no line breaks or control characters (lib/text.py)
    if _HTML.search(note):
        raise ValidationError(gettext("The note contains HTML markup; write plain text."),
                              code="note_html")
    if note.startswith(("=", "@")):
        raise ValidationError(gettext("The note starts like a spreadsheet formula (= or @); "
                                      "write plain text."), code="note_formula")
    return note


def validate_entry(*, metric: Metric, day: date, value, note="", today: date | None = None,
                   decimal_comma: bool = False) -> tuple[date, Decimal, str]:
    """Everything a value must pass before it is stored: (period start, value, note).

    Raises ValidationError with a dict keyed by the field at fault ("value", "period",
    "note", or "__all__" for the metric itself), all messages at once.
    """
    errors: dict[str, list] = {}
    try:
        check_metric_open(metric)
    except ValidationError as exc:
        raise ValidationError({"__all__": exc.messages}) from None
    period = number = None
    try:
        period = check_period(metric, day, today)
    except ValidationError as exc:
        errors["period"] = exc.messages
    try:
        number = check_value_for_unit(metric, parse_number(value, decimal_comma=decimal_comma))
    except ValidationError as exc:
        errors["value"] = exc.messages
    try:
        note = clean_note(note)
    except ValidationError as exc:
        errors["note"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return period, number, note


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: Decimal) -> str:
    return format_decimal(value)


def format_decimal(value: Decimal | None) -> str:
    """A Decimal without trailing zeros or exponent: 12.500000 -> "12.5", 1E+2 -> "100"."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in {"-0", ""} else text
