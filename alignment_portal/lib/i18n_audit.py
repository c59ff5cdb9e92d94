"""Which text in a template reaches a reader without being marked for translation.

A template is read with Django's own lexer: what `{% translate %}` and `{% blocktranslate %}`
produce, every `{{ variable }}` and every other tag become a neutral placeholder; comments and
`{% verbatim %}` are dropped. The rest is parsed as HTML, and any text node or visible
attribute (title, alt, placeholder, aria-label, a button's value, ...) that still holds a word
is reported. `|pluralize` is reported too: it only knows English plurals.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

PLACEHOLDER = "\u2022"
# Attributes a person reads or hears (screen readers read aria-label and title).
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description",
                      "aria-valuetext", "data-label", "data-confirm", "hx-confirm", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}
# Words that read the same in every language the portal speaks: names and abbreviations.
SAME_IN_EVERY_LANGUAGE = {
    "API", "CSV", "ROI", "KPI", "KVI", "SMART", "ID", "JSON", "ISO", "URL", "iCal", "OpenAPI",
    "HTMX", "TOTP", "Slack", "Teams", "ETag", "UTC", "OK", "p", "n", "Tau", "BC", "Deutsch",
    "English", "Alignment", "Portal",
}
WORD = re.compile(r"[^\W\d_]{2,}")
SKIPPED_ELEMENTS = {"script", "style"}


def _text_of(source: str) -> str:
    """The template's text with everything Django produces replaced by a placeholder."""
    parts: list[str] = []
    translated_depth = 0
    skipping = None  # "comment" or "verbatim" while inside one
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(" ", 1)[0]
            if skipping:
                if name == f"end{skipping}":
                    skipping = None
                continue
            if name in {"comment", "verbatim"}:
                skipping = name
                continue
            if name in {"blocktranslate", "blocktrans"}:
                translated_depth += 1
                parts.append(PLACEHOLDER)
                continue
            if name in {"endblocktranslate", "endblocktrans"}:
                translated_depth -= 1
                continue
            if translated_depth == 0 and name in {"translate", "trans"}:
                parts.append(PLACEHOLDER)
            continue
        if skipping or translated_depth:
            continue
        if token.token_type == TokenType.VAR:
            if "pluralize" in token.contents:
                parts.append(" pluralize ")
            else:
                parts.append(PLACEHOLDER)
        elif token.token_type == TokenType.TEXT:
            parts.append(token.contents)
    return "".join(parts)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            # An <input type="submit">'s value is its label; a <button>'s value is only sent
            # (name="action" value="save"): its content is what a reader sees.
            if name in VISIBLE_ATTRIBUTES or (
                    name == "value" and tag == "input"
                    and attributes.get("type") in BUTTON_TYPES):
                self._check(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self._check(data)

    def _check(self, text: str) -> None:
        words = [w for w in WORD.findall(text) if w not in SAME_IN_EVERY_LANGUAGE]
        if words:
            self.found.append(" ".join(text.split()))


def unmarked_text(source: str) -> list[str]:
    """The pieces of text in a template's source that no translation tag covers."""
    collector = _Collector()
    collector.feed(_text_of(source))
    collector.close()
    return collector.found


def unmarked_in(directory: Path) -> dict[str, list[str]]:
    """Every template under `directory` (.html and .txt) with its unmarked text."""
    found = {}
    for path in sorted(directory.rglob("*")):
        if path.suffix in {".html", ".txt"}:
            pieces = unmarked_text(path.read_text(encoding="utf-8"))
            if pieces:
                found[str(path.relative_to(directory))] = pieces
    return found
