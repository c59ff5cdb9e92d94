"""Every string a reader sees is translatable, and German has every one of them.

Two checks CI runs on every change: the templates hold no unmarked text (lib/i18n_audit.py),
and `makemessages` over a copy of the tree finds no message without a German translation.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.template import Context, Template
from django.utils import translation

from alignment_portal.lib import formats
from alignment_portal.lib.i18n_audit import unmarked_in, unmarked_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def test_templates_hold_no_unmarked_text():
    unmarked = unmarked_in(TEMPLATES)
    assert not unmarked, "text a reader sees is not marked for translation:\n" + "\n".join(
        f"{name}: {pieces[:5]}" for name, pieces in unmarked.items())


@pytest.mark.parametrize(("source", "expected"), [
    ("<p>Save the goal</p>", ["Save the goal"]),
    ('<p>{% translate "Save the goal" %}</p>', []),
    ("<p>{% blocktranslate %}Due {{ day }}{% endblocktranslate %}</p>", []),
    ('<a href="{% url "x" %}" title="Open it">{{ name }}</a>', ["Open it"]),
    ('<input type="submit" value="Save">', ["Save"]),
    ('<input type="hidden" name="next" value="dashboard">', []),
    ('<button type="submit" name="_action" value="save">{% translate "Save" %}</button>', []),
    ('<button type="submit" name="action" value="save">Save</button>', ["Save"]),
    ("{% comment %}Not shown{% endcomment %}<p>{{ name }} · 12 %</p>", []),
    ("<p>{{ count }} goal{{ count|pluralize }}</p>", ["\u2022 goal pluralize"]),
    ("<script>var x = 'Not text';</script><p>CSV · API</p>", []),
])
def test_the_audit_finds_unmarked_text(source, expected):
    assert unmarked_text(source) == expected


def _copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns(".*", "var", "node_modules", "test-artifacts", "__pycache__",
                                    "*.mo", "build", "*.egg-info")
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in {"var", "node_modules", "test-artifacts",
                                                        "build"}:
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, ignore=ignore)
        else:
            shutil.copy2(entry, target / entry.name)


def _untranslated(po_path: Path) -> list[str]:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


@pytest.mark.skipif(shutil.which("xgettext") is None and not os.environ.get("CI"),
                    reason="makemessages needs GNU gettext (xgettext); CI installs it")
def test_every_message_has_a_german_translation(tmp_path):
    """makemessages over a copy of the tree: a new string without German fails here."""
    _copy_sources(tmp_path)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "alignment_portal.settings"}
    env.pop("DATABASE_URL", None)
    for domain in ("django", "djangojs"):
        subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, "manage.py", "makemessages", "-l", "de", "-d", domain,
             "--add-location", "file", "--ignore", "tests/*", "--ignore", "bench/*"],
            cwd=tmp_path, env=env, check=True, capture_output=True)
        po_path = tmp_path / "locale" / "de" / "LC_MESSAGES" / f"{domain}.po"
        missing = _untranslated(po_path)
        assert not missing, (f"{len(missing)} {domain} message(s) have no German translation "
                             f"(run `make translations` and translate them): {missing[:20]}")
        with po_path.open("rb") as po_file:
            wrong = [(message.id, [str(e) for e in errors])
                     for message, errors in read_po(po_file).check()
                     if "%(" in str(message.id)]  # "% of spend" is text, not a format
        assert not wrong, f"German entries whose placeholders do not match: {wrong[:10]}"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["€1,234.50", "€1,235", "1,234.6", "80%"]),
    ("de", ["1.234,50\xa0€", "1.235\xa0€", "1.234,6", "80\xa0%"]),
])
def test_money_and_numbers_follow_the_reader(language, expected):
    with translation.override(language):
        assert [formats.money(1234.5, "EUR"), formats.money(1234.5, "EUR", whole=True),
                formats.decimal(1234.56, 1), formats.percent(0.8)] == expected
        rendered = Template("{% load local_formats %}{{ amount|money:'EUR' }}").render(
            Context({"amount": "1234.5"}))
        assert rendered == expected[0]


def test_nothing_to_format_is_a_dash():
    assert [formats.money(None, "EUR"), formats.money("NaN", "EUR"),
            formats.decimal("not a number")] == ["–", "–", "–"]
