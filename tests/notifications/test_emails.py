"""The email itself: links that lead to the action and resolve for the recipient only, the
signed one-click unsubscribe, and headers no user text can break."""

import email
import email.policy
import re
from datetime import date

import pytest
from django.core import mail
from django.test import Client

from alignment_portal.notifications import emails, services
from alignment_portal.notifications.models import Preference
from tests.factories import MetricFactory, MetricValueFactory
from tests.notifications.conftest import at, run

pytestmark = pytest.mark.usefixtures("no_digests")
STAFF = "acme-staff@example.com"


@pytest.fixture
def owed(tenancy, weekly):
    """Two overdue metrics of acme's staff member, one fresh, and one of the other org."""
    import time_machine

    with time_machine.travel(at(date(2026, 10, 1)), tick=False):
        second = MetricFactory(organization=tenancy.org, name="Loaves wasted",
                               frequency="weekly", owner=tenancy.user("staff"))
        MetricValueFactory(metric=second, period=date(2026, 10, 26))
        fresh = MetricFactory(organization=tenancy.org, name="Fresh one", frequency="monthly",
                              owner=tenancy.user("staff"))
        MetricValueFactory(metric=fresh, period=date(2026, 11, 1))
    run(at(date(2026, 11, 13)))
    message = next(m for m in mail.outbox if m.to == [STAFF])
    return message, [second, weekly]


def _path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


def _log_link(message) -> str:
    return _path(re.search(r"(http://\S+/metrics/log/\?metrics=\S+)", message.body).group(1))


def test_the_overdue_email_lists_exactly_the_metrics_owed(owed):
    message, metrics = owed
    assert "Wait time" in message.body and "Loaves wasted" in message.body
    assert "Fresh one" not in message.body
    assert _log_link(message).endswith("?metrics=" + ",".join(str(m.pk) for m in metrics))


def test_its_log_link_opens_log_values_with_those_metrics_the_first_focused(tenancy, owed):
    message, metrics = owed
    body = tenancy.client("staff").get(_log_link(message)).content.decode()
    assert "Showing the 2 metrics from your email" in body
    assert "Fresh one" not in body
    inputs = re.findall(r'<input type="text" name="value" id="m(\d+)-value"[^>]*>', body)
    assert [int(pk) for pk in inputs] == [m.pk for m in metrics]
    first = re.search(rf'id="m{metrics[0].pk}-value"[^>]*>', body).group(0)
    assert "autofocus" in first
    assert "autofocus" not in re.search(rf'id="m{metrics[1].pk}-value"[^>]*>', body).group(0)


def test_its_links_resolve_for_the_recipient_only(tenancy, owed):
    message, _ = owed
    links = {_path(u) for u in re.findall(r"http://127\.0\.0\.1:8000/o/\S+", message.body)}
    assert links
    for link in links:
        assert tenancy.client("staff").get(link).status_code == 200, link
        assert tenancy.client("owner", tenancy.other_org).get(link).status_code == 404, link
        assert tenancy.client_for(tenancy.users["outsider"]).get(link).status_code == 404


def test_another_organizations_metric_ids_in_the_link_are_ignored(tenancy, owed):
    theirs = MetricFactory(organization=tenancy.other_org, name="Their secret metric")
    _, metrics = owed
    body = tenancy.client("staff").get(
        f"/o/acme/metrics/log/?metrics={theirs.pk},{metrics[0].pk},x,,-1").content.decode()
    assert "Their secret metric" not in body and metrics[0].name in body


def test_every_email_has_text_and_html_and_a_one_line_rfc8058_unsubscribe(owed):
    message, _ = owed
    assert message.alternatives[0].mimetype == "text/html"
    assert "<a href=" in message.alternatives[0].content
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    header = parsed["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/notifications/unsubscribe/\S+/>", header)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n")[0]  # not RFC 2047-mangled


def test_a_hostile_organization_name_cannot_break_the_headers(tenancy, weekly):
    tenancy.org.name = "Acme\r\nBcc: victim@example.com\nX-Evil: 1"
    tenancy.org.save()
    run(at(date(2026, 11, 13)))
    message = mail.outbox[0]
    assert "\n" not in message.subject and "\r" not in message.subject
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    headers = email.message_from_bytes(raw, policy=email.policy.default)
    assert headers["Bcc"] is None and headers["X-Evil"] is None
    assert message.recipients() == [STAFF]


def _token(message) -> str:
    return re.search(r"/notifications/unsubscribe/([^/\s]+)/", message.extra_headers[
        "List-Unsubscribe"]).group(1)


def test_the_unsubscribe_link_shows_a_confirmation_then_turns_its_kind_off(tenancy, owed):
    message, _ = owed
    url = f"/notifications/unsubscribe/{_token(message)}/"
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(url)
    assert page.status_code == 200 and "A value I own is overdue" in page.content.decode()
    assert not Preference.objects.filter(enabled=False, kind="value_overdue").exists()
    done = anonymous.post(url, {"List-Unsubscribe": "One-Click"})  # RFC 8058, no session
    assert done.status_code == 200 and "no longer get" in done.content.decode()
    assert Preference.objects.get(user=tenancy.user("staff"), organization=tenancy.org,
                                  kind="value_overdue").enabled is False
    assert services.preferences_for(user=tenancy.user("staff"),
                                    organization=tenancy.org)["value_due"] is True


def test_after_unsubscribing_that_kind_is_not_sent_again(tenancy, weekly):
    run(at(date(2026, 11, 13)))
    Client().post(f"/notifications/unsubscribe/{_token(mail.outbox[0])}/")
    MetricValueFactory(metric=weekly, period=date(2026, 11, 9))
    assert [s for s in run(at(date(2026, 11, 20))) if s.recipient == STAFF] == []


def test_a_tampered_token_is_refused_and_changes_nothing(tenancy, owed):
    message, _ = owed
    token = _token(message)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage",
                token.replace(token.split(":")[0], emails.signing.b64_encode(
                    b'{"u":1,"k":"digest","o":[1]}').decode())):
        assert Client().post(f"/notifications/unsubscribe/{bad}/").status_code == 400
        assert Client().get(f"/notifications/unsubscribe/{bad}/").status_code == 400
    assert not Preference.objects.filter(enabled=False, kind="value_overdue").exists()


def test_a_token_changes_only_its_own_persons_preference(tenancy, owed):
    """Opened by someone else (signed in as another member), it still unsubscribes only the
    person it was sent to; no one can make a token for someone else without the key."""
    message, _ = owed
    owner = tenancy.client("owner")
    owner.post(f"/notifications/unsubscribe/{_token(message)}/")
    assert Preference.objects.filter(enabled=False).exclude(kind="digest").count() == 1
    assert Preference.objects.get(enabled=False, kind="value_overdue").user == \
        tenancy.user("staff")
    assert emails.read_unsubscribe_token(emails.unsubscribe_token(
        user_id=tenancy.user("owner").pk, kind="value_overdue",
        organization_ids=[tenancy.org.pk])) != emails.read_unsubscribe_token(_token(message))


def test_a_token_for_an_organization_the_person_left_changes_nothing_there(tenancy, owed):
    from alignment_portal.organizations.models import Membership

    message, _ = owed
    Membership.objects.filter(user=tenancy.user("staff")).delete()
    assert Client().post(f"/notifications/unsubscribe/{_token(message)}/").status_code == 200
    assert not Preference.objects.filter(kind="value_overdue").exists()


def test_the_unsubscribe_page_has_the_sites_csp_and_no_inline_script(tenancy, owed):
    message, _ = owed
    response = Client().get(f"/notifications/unsubscribe/{_token(message)}/")
    assert "script-src" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.content.decode())
    assert response["X-Frame-Options"] == "DENY"
