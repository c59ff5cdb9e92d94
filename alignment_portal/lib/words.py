"""A sentence made where no reader is (a worker, a feed run) and read later by people in their
own languages: kept as its English message (marked with gettext_noop, placeholders
%(name)s) and the values that fill it, worded when it is read.

    words = Words(gettext_noop("timed out after %(seconds)s s"), {"seconds": 4})
    words.english()      # "timed out after 4 s": logs, the API, the stored English column
    str(words)           # the same in the active language: "Zeitüberschreitung nach 4 s"
    worded(words.as_json())   # from a JSONField, in the active language

Numbers among the values are written with the reader's decimal sign when worded.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext

from alignment_portal.lib.formats import local_digits

Values = Mapping[str, str | int | float | Decimal | None]


@dataclass(frozen=True)
class Words:
    message: str
    values: Values = field(default_factory=dict)

    def english(self) -> str:
        return _fill(self.message, self.values, local=False)

    def __str__(self) -> str:
        return _fill(gettext(self.message), self.values, local=True)

    def as_json(self) -> dict:
        return {"message": self.message, "values": dict(self.values)}


def worded(stored: Mapping | None, fallback: str = "") -> str:
    """Stored words (Words.as_json) in the active language; `fallback` (the English text kept
    beside them, or what a row stored before words existed) when there are none."""
    if not stored or not stored.get("message"):
        return fallback
    return str(Words(stored["message"], stored.get("values") or {}))


def _fill(message: str, values: Values, *, local: bool) -> str:
    """`message` filled with `values`; numbers written as %g writes them (4.0 as "4"), with
    the reader's decimal sign when `local` (formats.local_digits, as the flags' words do)."""
    if not values:
        return message
    filled = {}
    for name, value in values.items():
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            value = f"{value:g}" if isinstance(value, float) else str(value)
            value = local_digits(value) if local else value
        filled[name] = value
    return message % filled
