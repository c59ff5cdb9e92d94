"""Slack and Teams against a local HTTP server the test starts: each platform's payload, no
values unless chosen, a 500 then success, a timeout, the owner told, email never held."""

import json
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from alignment_portal.notifications import rules, services
from alignment_portal.notifications.models import (
    Notification,
    OrganizationNotifications,
)
from tests.notifications.conftest import at, run

pytestmark = pytest.mark.usefixtures("no_digests")


class ChatServer:
    """Answers each POST with the next of `answers` (a status, or "slow"), then 200."""

    def __init__(self):
        self.received, self.answers = [], []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.received.append(json.loads(body))
                answer = server.answers.pop(0) if server.answers else 200
                if answer == "slow":
                    time.sleep(1.0)
                    answer = 200
                try:
                    self.send_response(answer)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hooks/T000/B000/secretpart"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat(settings):
    settings.NOTIFY_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]
    server = ChatServer()
    yield server
    server.close()


def _connect(tenancy, chat, platform="slack", kinds=("value_overdue", "value_escalated"),
             include_values=False):
    return services.organization_notifications_save(
        organization=tenancy.org, digest_weekday=0, platform=platform,
        webhook_url=chat.url, kinds=list(kinds), include_values=include_values)


def test_slack_gets_block_kit_linking_to_the_page_without_values(tenancy, weekly, chat):
    _connect(tenancy, chat)
    report = run(at(date(2026, 11, 13)))
    assert ("value_overdue", "acme channel", "slack") in {(s.kind, s.recipient, s.channel)
                                                          for s in report}
    (body,) = chat.received
    assert body["text"] == "Acme Bakery: 1 value overdue"
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "actions"]
    assert "Wait time" in body["blocks"][1]["text"]["text"]
    button = body["blocks"][2]["elements"][0]
    assert button["type"] == "button" and button["url"].endswith("/o/acme/metrics/")
    assert "7" not in body["blocks"][1]["text"]["text"].replace("2026", "")  # no value
    assert Notification.objects.get(channel="slack").status == "sent"
    assert run(at(date(2026, 11, 13), hour=13)) == [] and len(chat.received) == 1


def test_values_go_to_the_channel_only_when_the_owner_chose_them(tenancy, weekly, chat):
    _connect(tenancy, chat, include_values=True)
    run(at(date(2026, 11, 13)))
    assert "last value 7 minutes" in chat.received[0]["blocks"][1]["text"]["text"]


def test_teams_gets_an_adaptive_card(tenancy, weekly, chat):
    _connect(tenancy, chat, platform="teams")
    run(at(date(2026, 11, 13)))
    (body,) = chat.received
    assert body["type"] == "message"
    card = body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = card["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.4"
    assert content["body"][0]["text"] == "Acme Bakery: 1 value overdue"
    assert any("Wait time" in block["text"] for block in content["body"][1:])
    assert content["actions"][0]["type"] == "Action.OpenUrl"
    assert content["actions"][0]["url"].endswith("/o/acme/metrics/")


def test_a_500_is_retried_and_the_next_try_delivers(tenancy, weekly, chat):
    _connect(tenancy, chat)
    chat.answers = [500]
    run(at(date(2026, 11, 13)))
    assert len(chat.received) == 2
    notification = Notification.objects.get(channel="slack")
    assert notification.status == "sent" and notification.attempts == 2
    assert not OrganizationNotifications.objects.get().webhook_failing_since


def test_a_channel_that_keeps_timing_out_is_given_up_and_the_owner_told(
        tenancy, weekly, chat, monkeypatch):
    monkeypatch.setattr(rules, "WEBHOOK_TIMEOUT_SECONDS", 0.2)
    _connect(tenancy, chat)
    chat.answers = ["slow"] * (rules.WEBHOOK_MAX_RETRIES + 1)
    run(at(date(2026, 11, 13)))
    notification = Notification.objects.get(channel="slack")
    assert notification.status == "failed"
    assert notification.attempts == rules.WEBHOOK_MAX_RETRIES + 1
    assert "no answer within 0.2 s" in notification.error
    channel = OrganizationNotifications.objects.get()
    assert channel.webhook_failing_since is not None
    told = [m for m in mail.outbox if "channel is failing" in m.subject]
    assert [m.to for m in told] == [["acme-owner@example.com"]]
    # Email went out regardless: the staff member's overdue email is there.
    assert any(m.to == ["acme-staff@example.com"] for m in mail.outbox)


def test_a_failing_channel_is_reported_once_per_failing_spell(tenancy, weekly, chat):
    _connect(tenancy, chat, kinds=["value_overdue", "value_escalated"])
    chat.answers = [500] * 20
    run(at(date(2026, 11, 13)))
    run(at(date(2026, 11, 20)))  # escalation: fails too
    assert Notification.objects.filter(channel="slack", status="failed").count() == 2
    assert len([m for m in mail.outbox if "channel is failing" in m.subject]) == 1


def test_a_test_message_is_sent_and_its_failure_explained(tenancy, chat):
    _connect(tenancy, chat)
    assert services.webhook_test(organization=tenancy.org) == ""
    assert "test message" in chat.received[0]["text"]
    chat.answers = [500]
    assert services.webhook_test(organization=tenancy.org) == "the channel answered HTTP 500"


@pytest.mark.parametrize("url", ["http://hooks.slack.com/services/x", "ftp://example.com/x",
                                 "javascript:alert(1)", "https://", "not a url",
                                 "https://user:pw@hooks.slack.com/x",
                                 "https://hooks.slack.com/x\r\nX: y"])
def test_a_webhook_url_that_is_not_https_is_refused(tenancy, url):
    with pytest.raises(ValidationError) as refused:
        services.organization_notifications_save(
            organization=tenancy.org, digest_weekday=0, platform="slack", webhook_url=url,
            kinds=[], include_values=False)
    assert "webhook_url" in refused.value.message_dict
    assert not OrganizationNotifications.objects.filter(webhook_platform="slack").exists()


def test_the_url_is_stored_encrypted_and_shown_only_as_a_hint(tenancy, chat):
    saved = _connect(tenancy, chat)
    assert "secretpart" not in saved.webhook_url_encrypted
    assert saved.webhook_url_hint.endswith("part") and "secretpart" not in saved.webhook_url_hint
    page = tenancy.client("owner").get("/o/acme/notifications/channel/").content.decode()
    assert "secretpart" not in page and saved.webhook_url_hint in page


def test_a_webhook_post_never_follows_a_redirect(tenancy, weekly, chat):
    _connect(tenancy, chat)
    chat.answers = [302] * 10
    run(at(date(2026, 11, 13)))
    assert Notification.objects.get(channel="slack").error == "the channel answered HTTP 302"


def test_with_a_broker_a_failure_is_retried_later_with_growing_backoff(tenancy, weekly, chat,
                                                                       monkeypatch):
    """Off the eager path the task asks Celery to retry (30 s, 60 s, 120 s, plus jitter) and
    gives up only after the last retry."""
    from celery.exceptions import Retry

    from alignment_portal.notifications.tasks import deliver_webhook

    _connect(tenancy, chat)
    chat.answers = [500] * 10
    run(at(date(2026, 11, 13)))  # eager: 4 attempts, failed, owner told
    notification = Notification.objects.get(channel="slack")
    Notification.objects.filter(pk=notification.pk).update(status="pending", attempts=0)
    countdowns = []

    def retry(countdown=None, **kwargs):
        countdowns.append(countdown)
        return Retry()

    monkeypatch.setattr(deliver_webhook, "retry", retry)
    for attempt in range(rules.WEBHOOK_MAX_RETRIES):
        deliver_webhook.push_request(is_eager=False, retries=attempt)
        try:
            with pytest.raises(Retry):
                deliver_webhook.run(notification.pk)
        finally:
            deliver_webhook.pop_request()
    assert [int(c) for c in countdowns] == [30, 60, 120]
    deliver_webhook.push_request(is_eager=False, retries=rules.WEBHOOK_MAX_RETRIES)
    try:
        assert deliver_webhook.run(notification.pk) == "failed"
    finally:
        deliver_webhook.pop_request()
    assert Notification.objects.get(pk=notification.pk).status == "failed"
