"""Control characters are refused in every single-line text field, mail headers cannot be
broken by user text, and an email that failed is recorded, never reported as sent."""

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import models

from alignment_portal.lib.mail import send_one
from alignment_portal.lib.text import NoControlCharacters, header_text, multi_line, single_line

# Fields a person never types (hashes, computed labels, internal keys).
NOT_TYPED = {
    ("organizations", "Organization", "slug"), ("organizations", "Organization", "currency"),
    ("organizations", "Invitation", "token_hash"), ("organizations", "Invitation", "email"),
    ("organizations", "Invitation", "email_error"),
    ("api", "ApiToken", "token_hash"), ("api", "ApiToken", "hint"),
    ("metrics", "Metric", "library_key"), ("metrics", "ValueImport", "filename"),
    ("metrics", "MetricValueRevision", "note"), ("metrics", "ReminderSent", "error"),
    # Written by the portal (flattened by header_text), never typed into a form.
    ("organizations", "SecurityEvent", "actor_name"), ("organizations", "SecurityEvent", "detail"),
}
PROJECT_APPS = {"organizations", "api", "metrics", "goals", "initiatives"}


def _typed_text_fields():
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in PROJECT_APPS or meta.object_name.startswith("Historical"):
            continue
        for field in meta.get_fields():
            if not isinstance(field, models.CharField | models.TextField) or field.choices:
                continue
            if isinstance(field, models.EmailField | models.SlugField):
                continue
            if (meta.app_label, meta.object_name, field.name) in NOT_TYPED:
                continue
            yield meta.app_label, meta.object_name, field


def test_every_typed_text_field_refuses_control_characters_and_has_a_limit():
    """New fields are caught too: a CharField needs `single_line`, a TextField
    `bounded_text(...)` (multi_line and a refused maximum)."""
    missing = []
    for app, model, field in _typed_text_fields():
        validators = field.validators
        if isinstance(field, models.TextField):
            ok = multi_line in validators and field.max_length and any(
                getattr(v, "limit_value", None) == field.max_length for v in validators)
        else:
            ok = single_line in validators
        if not ok:
            missing.append(f"{app}.{model}.{field.name}")
    assert not missing, missing


@pytest.mark.parametrize("text", ["Acme\r\nBcc: victim@example.com", "tab\there", "nul\x00",
                                  "esc\x1b[31m", "line\u2028sep", "bidi\u202eevil", "del\x7f"])
def test_single_line_refuses_control_characters(text):
    with pytest.raises(ValidationError) as caught:
        single_line(text)
    assert "keep it on one line" in caught.value.messages[0]


def test_multi_line_allows_line_breaks_but_not_other_controls():
    multi_line("First line\r\nSecond\tline")
    with pytest.raises(ValidationError):
        multi_line("bell\x07")
    assert NoControlCharacters(multi_line=True) == multi_line


def test_unicode_names_stay_allowed():
    for name in ["Café Ünïcode", "東京ベーカリー", "👩‍🍳 Kitchen", "O'Brien & Sons"]:
        single_line(name)


def test_header_text_flattens_and_cuts():
    assert header_text("Acme\r\nBcc: x@example.com") == "Acme Bcc: x@example.com"
    assert header_text("a" * 200, limit=10) == "a" * 9 + "…"


def test_a_subject_with_a_line_break_is_sent_flattened(db):
    assert send_one(subject="Hi\r\nBcc: victim@example.com", body="b",
                    to="someone@example.com", kind="test") == ""
    assert mail.outbox[0].subject == "Hi Bcc: victim@example.com"
    assert "victim@example.com" not in mail.outbox[0].bcc


def test_a_failing_mail_server_is_returned_not_raised(db, monkeypatch):
    def refuse(self, messages):
        raise ConnectionRefusedError("no SMTP here")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    error = send_one(subject="s", body="b", to="someone@example.com", kind="test")
    assert "ConnectionRefusedError" in error and "no SMTP here" in error
