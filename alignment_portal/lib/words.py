"""A sentence made where no reader is (a worker, a feed run) and read later by people in their
own languages: kept as its English message (marked with gettext_noop, placeholders
%(name)s) and the values that fill it, worded when it is read.

    words = Words(gettext_noop("timed out after %(seconds)s s"), {"seconds": 4})
    words.english()      # "timed out after 4 s": logs, the API, the stored English column
    str(words)           # the same in the active language: "Zeitüberschreitung nach 4 s"
    worded(words.as_json())   # from a JSONField, in the active language

Numbers among the values are written the reader's way (Django's formats) when worded.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext

Values = Mapping[str, str | int | float | Decimal | None]


@dataclass(frozen=True)
class Words:
    message: str
    values: Values = field(default_factory=dict)

    def english(self) -> str:
        return _fill(self.message, self.values, number=_english_number)

    def __str__(self) -> str:
        return _fill(gettext(self.message), self.values)

    def as_json(self) -> dict:
        return {"message": self.message, "values": dict(self.values)}


def worded(stored: Mapping | None, fallback: str = "") -> str:
    """Stored words (Words.as_json) in the active language; `fallback` (the English text kept
    beside them, or what a row stored before words existed) when there are none."""
    if not stored or not stored.get("message"):
        return fallback
    return _fill(gettext(stored["message"]), stored.get("values") or {})


def _fill(message: str, values: Values, number=number_format) -> str:
    if not values:
        return message
    return message % {name: number(_plain(value)) if isinstance(value, (int, float, Decimal))
                      and not isinstance(value, bool) else value
                      for name, value in values.items()}


def _plain(value):
    """4.0 as 4: a whole number reads without decimals, as %g would write it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _english_number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
