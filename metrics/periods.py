"""What a "period date" means.

A metric value is stored under the first day of the period it belongs to, whatever date was
typed: weekly = the Monday of that week (ISO weeks), monthly = the first of the month,
quarterly = the first day of the calendar quarter (Jan, Apr, Jul, Oct; calendar, not fiscal,
quarters, so a value means the same thing whichever organization reads it).

So "2026-03-18" entered for a monthly metric is stored as 2026-03-01, and a second entry for
any day of March replaces it. A metric is **due** when it has no value for the period that
contains today.
"""

import functools
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, pgettext

from metrics.models import Frequency


def period_start(frequency: str, day: date) -> date:
    """The first day of the period of `frequency` that contains `day`."""
    if frequency == Frequency.WEEKLY:
        return day - timedelta(days=day.weekday())
    if frequency == Frequency.MONTHLY:
        return day.replace(day=1)
    if frequency == Frequency.QUARTERLY:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown frequency {frequency!r}")


def next_period_start(frequency: str, start: date) -> date:
    """The first day of the period after the one starting on `start`."""
    if frequency == Frequency.WEEKLY:
        return start + timedelta(days=7)
    months = 1 if frequency == Frequency.MONTHLY else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def previous_period_start(frequency: str, start: date) -> date:
    return period_start(frequency, start - timedelta(days=1))


def period_label(frequency: str, start: date) -> str:
    """How people name the period, in the reader's language: "week of 2 Mar 2026",
    "March 2026", "Q1 2026" ("Woche vom 2. März 2026", "März 2026", "Q1 2026")."""
    return _period_label(frequency, start, get_language())


@functools.lru_cache(maxsize=4096)  # pages name the same few current periods row after row
def _period_label(frequency: str, start: date, language: str) -> str:
    if frequency == Frequency.WEEKLY:
        # Translators: a Django date format for the week's first day ("2 Mar 2026").
        day = date_format(start, pgettext("date format", "j M Y"))
        return gettext("week of %(day)s") % {"day": day}
    if frequency == Frequency.MONTHLY:
        return date_format(start, "F Y")
    return gettext("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1,
                                                "year": start.year}
