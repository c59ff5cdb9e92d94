"""What people may type into text fields, decided once for every model and form.

Single-line fields (names, titles, departments, notes of one line) refuse every control
character: line breaks, tabs, NUL, escape sequences, Unicode line separators and the bidi
overrides that make a name read differently from what it is. A name with "\\r\\nBcc: ..."
is refused at the door instead of breaking every email whose subject quotes it.
Multi-line fields (descriptions, rationales) allow line breaks and tabs and refuse the rest,
and each has a length limit: `bounded_text(n)` refuses a longer value with a message (a
TextField's max_length alone only sizes the form's textarea, it is not enforced).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible

# Bidi embedding/override/isolate controls (Unicode "Cf", but these ones reorder text).
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_SEPARATORS = {"\u2028", "\u2029"}


def _forbidden(ch: str, *, allow_line_breaks: bool) -> bool:
    if allow_line_breaks and ch in "\n\r\t":
        return False
    return unicodedata.category(ch) == "Cc" or ch in _BIDI or ch in _LINE_SEPARATORS


def _describe(ch: str) -> str:
    names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x00": "a NUL"}
    return names.get(ch, f"the control character U+{ord(ch):04X}")


@deconstructible
class NoControlCharacters:
    """Refuse control characters; `multi_line` allows line breaks and tabs."""

    def __init__(self, multi_line: bool = False):
        self.multi_line = multi_line

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        for ch in value:
            if _forbidden(ch, allow_line_breaks=self.multi_line):
                raise ValidationError(
                    f"This contains {_describe(ch)}; "
                    + ("remove it." if self.multi_line else "keep it on one line, plain text."),
                    code="control_character")

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters) and other.multi_line == self.multi_line


single_line = NoControlCharacters()
multi_line = NoControlCharacters(multi_line=True)

# Length limits of the multi-line fields (characters). Generous for what each field is for,
# far below the 2.4 MB description the probe stored (and history copied on every edit).
DESCRIPTION_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 2000


def bounded_text(max_length: int) -> dict:
    """Keyword arguments for a multi-line TextField refused beyond `max_length`."""
    return {"max_length": max_length,
            "validators": [multi_line, MaxLengthValidator(max_length)]}


_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def header_text(text: str, limit: int = 150) -> str:
    """`text` made safe for a mail header: every control character (line breaks above all)
    becomes a space, runs of spaces collapse, and it is cut to `limit` characters with an
    ellipsis. User text in a subject can then never add a header."""
    flat = " ".join(_UNSAFE_IN_HEADER.sub(" ", str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
