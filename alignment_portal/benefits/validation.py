"""The one place that decides whether a realised benefit entry may be stored: the form, the CSV
import and the API refuse the same input with the same words.

Rules (DOMAIN.md, "Benefit ledger", and the decisions written down here):
- hours saved and money gained are each optional, but at least one is given; each is a finite
  number (metrics.validation.parse_number: empty, text, NaN, infinities and spreadsheet
  formulas are refused; decimal commas read where unambiguous), not negative (a loss is not a
  benefit: record it as no benefit, and the cost speaks for itself), hours below
  MAX_HOURS a month and money below MAX_MONEY; hours keep 1 decimal, money 2;
- the month is the first day of the month the date falls in; a month after the current one is
  refused (a benefit cannot be realised before its month begins), as is a date before 1990;
- the note is plain text (metrics.validation.clean_note: at most 500 characters, no HTML, no
  formula; and no control characters, which PostgreSQL's text refuses).
"""

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from metrics.validation import EARLIEST_PERIOD, clean_note, format_decimal, parse_number

MAX_HOURS = Decimal(1_000_000)  # a month: 720 hours a person; room for a large team
MAX_MONEY = Decimal(10) ** 12  # DecimalField(max_digits=14, decimal_places=2)
HOURS_QUANTUM, MONEY_QUANTUM = Decimal("0.1"), Decimal("0.01")


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _amount(raw, *, what: str, limit: Decimal, quantum: Decimal,
            decimal_comma: bool) -> Decimal | None:
    if _blank(raw):
        return None
    number = parse_number(raw, decimal_comma=decimal_comma)
    if number < 0:
        raise ValidationError(gettext("%(format_decimal)s is negative: %(what)s cannot be below "
                                      "zero.") % {
                                          "format_decimal": format_decimal(number),
                                          "what": what}, code="negative")
    if number >= limit:
        raise ValidationError(gettext("%(format_decimal)s is too large: %(what)s must be below "
                                      "%(limit)s a month.") % {
                                          "format_decimal": format_decimal(number), "what": what,
                                          "limit": f"{limit:,.0f}"}, code="too_large")
    return number.quantize(quantum, rounding=ROUND_HALF_EVEN)


def check_month(day, today: date | None = None) -> date:
    today = today or timezone.localdate()
    if not isinstance(day, date):
        raise ValidationError(gettext("Enter a month, like 2026-03."), code="invalid")
    month = day.replace(day=1)
    if month > today.replace(day=1):
        raise ValidationError(gettext("%(month)s has not begun yet: record a benefit once its "
                                      "month has started.") % {
                                          "month": date_format(month, "F Y")}, code="future")
    if day < EARLIEST_PERIOD:
        raise ValidationError(gettext("%(day)s is before 1990: check the year.") % {
            "day": f"{day:%Y-%m-%d}"},
                              code="too_old")
    return month


def _clean_note(raw) -> str:
    note = clean_note(raw)
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in note):
        raise ValidationError(gettext("The note contains control characters; write plain text."),
                              code="note_control")
    return note


def validate_benefit(*, month, hours_saved=None, money_gained=None, note="",
                     today: date | None = None, decimal_comma: bool = False
                     ) -> tuple[date, Decimal | None, Decimal | None, str]:
    """(month's first day, hours, money, note), or ValidationError keyed by field ("month",
    "hours_saved", "money_gained", "note"), every message at once."""
    errors: dict[str, list] = {}
    clean = {}
    checks = {
        "month": lambda: check_month(month, today),
        "hours_saved": lambda: _amount(hours_saved, what="hours saved", limit=MAX_HOURS,
                                       quantum=HOURS_QUANTUM, decimal_comma=decimal_comma),
        "money_gained": lambda: _amount(money_gained, what="money gained", limit=MAX_MONEY,
                                        quantum=MONEY_QUANTUM, decimal_comma=decimal_comma),
        "note": lambda: _clean_note(note),
    }
    for name, check in checks.items():
        try:
            clean[name] = check()
        except ValidationError as exc:
            errors[name] = exc.messages
    if ("hours_saved" not in errors and "money_gained" not in errors
            and clean["hours_saved"] is None and clean["money_gained"] is None):
        errors["__all__"] = ["Enter the hours saved, the money gained, or both."]
    if errors:
        raise ValidationError(errors)
    return clean["month"], clean["hours_saved"], clean["money_gained"], clean["note"]
