"""The security log: what is recorded, who sees it, filters, CSV, retention."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment_portal.organizations import security_log
from alignment_portal.organizations.models import Membership, SecurityEvent, SecurityEventKind
from alignment_portal.organizations.tasks import purge_security_log
from tests.factories import PASSWORD


def _kinds(organization, *, sign_ins=True):
    kinds = SecurityEvent.objects.filter(organization=organization).order_by("at", "id")
    if not sign_ins:  # the test clients sign in (force_login), which is logged too
        kinds = kinds.exclude(kind="sign_in")
    return list(kinds.values_list("kind", flat=True))


def test_sign_ins_failures_and_locks_are_logged_in_each_organization_of_the_member(
        tenancy, client):
    consultant = tenancy.users["consultant"]
    for _ in range(5):
        client.post(reverse("login"), {"username": consultant.username, "password": "wrong"})
    client.post(reverse("login"), {"username": consultant.username, "password": PASSWORD})
    for organization in (tenancy.org, tenancy.other_org):
        kinds = _kinds(organization)
        assert kinds[:4] == ["sign_in_failed"] * 4
        assert "sign_in_locked" in kinds and "sign_in" not in kinds  # locked: not signed in
    SecurityEvent.objects.all().delete()
    client.post(reverse("login"), {"username": "acme-staff", "password": PASSWORD})
    assert _kinds(tenancy.org) == ["sign_in"] and _kinds(tenancy.other_org) == []
    event = SecurityEvent.objects.get()
    assert event.actor_name == "acme-staff" and event.ip_address == "127.0.0.1"


def test_an_unknown_username_is_logged_nowhere(tenancy, client):
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert not SecurityEvent.objects.exists()


def test_role_changes_invitations_tokens_and_exports_are_logged(tenancy):
    owner = tenancy.client("owner")
    slug = tenancy.org.slug
    staff = Membership.objects.get(user=tenancy.user("staff"), organization=tenancy.org)
    owner.post(reverse("member_role", args=[slug, staff.pk]), {"role": "consultant"})
    owner.post(reverse("members", args=[slug]), {"email": "new@example.com", "role": "viewer"})
    owner.post(reverse("api_tokens", args=[slug]), {"name": "Shop sync", "scope": "read"})
    owner.get(reverse("metrics:export_values", args=[slug]))
    assert _kinds(tenancy.org, sign_ins=False) == ["role_changed", "invitation_sent",
                                                   "api_token_created", "export"]
    role = SecurityEvent.objects.get(kind="role_changed")
    assert role.detail == "acme-staff: staff → consultant" and role.actor_name == "acme-owner"
    assert not SecurityEvent.objects.filter(organization=tenancy.other_org).exclude(
        kind="sign_in").exists()


def test_owners_see_the_log_and_other_roles_get_403(tenancy):
    security_log.record(organization=tenancy.org, kind=SecurityEventKind.EXPORT,
                        actor=tenancy.user("owner"), detail="metric-values (CSV)")
    security_log.record(organization=tenancy.other_org, kind=SecurityEventKind.EXPORT,
                        actor=tenancy.user("owner", tenancy.other_org), detail="theirs")
    url = reverse("security_log", args=[tenancy.org.slug])
    body = tenancy.client("owner").get(url).content.decode()
    assert "metric-values (CSV)" in body and "theirs" not in body
    for role in ("consultant", "staff", "viewer"):
        assert tenancy.client(role).get(url).status_code == 403
        assert tenancy.client(role).get(
            reverse("security_log_csv", args=[tenancy.org.slug])).status_code == 403
    assert tenancy.client_for(tenancy.users["outsider"]).get(url).status_code == 404


def test_the_log_filters_by_event_person_and_dates(tenancy):
    client = tenancy.client("owner")
    SecurityEvent.objects.all().delete()  # the client's own sign-in
    now = timezone.now()
    for days, kind, person in [(0, "export", tenancy.user("owner")),
                               (3, "sign_in", tenancy.user("staff")),
                               (40, "sign_in", tenancy.user("owner"))]:
        security_log.record(organization=tenancy.org, kind=kind, actor=person)
        SecurityEvent.objects.filter(pk=SecurityEvent.objects.latest("id").pk).update(
            at=now - timedelta(days=days))
    url = reverse("security_log", args=[tenancy.org.slug])

    def shown(**query):
        page = client.get(url, query).context["page"]
        return [(e.kind, e.actor_name) for e in page.object_list]

    assert shown(kind="sign_in") == [("sign_in", "acme-staff"), ("sign_in", "acme-owner")]
    assert shown(person="staff") == [("sign_in", "acme-staff")]
    since = (now - timedelta(days=10)).date().isoformat()
    assert shown(since=since) == [("export", "acme-owner"), ("sign_in", "acme-staff")]
    assert len(shown(kind="no-such-kind")) == 3  # an invalid filter is ignored


def test_the_csv_has_the_filtered_events_and_neutralises_formulas(tenancy):
    security_log.record(organization=tenancy.org, kind=SecurityEventKind.SETTINGS_CHANGED,
                        actor=tenancy.user("owner"), detail="=HYPERLINK(\"x\")")
    security_log.record(organization=tenancy.org, kind=SecurityEventKind.SIGN_IN,
                        actor=tenancy.user("staff"))
    response = tenancy.client("owner").get(
        reverse("security_log_csv", args=[tenancy.org.slug]), {"kind": "settings_changed"})
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("at (UTC),event,person,address,detail")
    assert len(lines) == 2 and "Settings changed" in lines[1]
    assert "'=HYPERLINK" in lines[1]
    # The download is itself logged.
    assert SecurityEvent.objects.filter(kind="export", detail="security log (CSV)").exists()


def test_the_page_query_count_does_not_grow_with_events(tenancy, django_assert_max_num_queries):
    client = tenancy.client("owner")
    url = reverse("security_log", args=[tenancy.org.slug])
    for _ in range(3):
        security_log.record(organization=tenancy.org, kind="sign_in", actor=tenancy.user("owner"))
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(120):
        security_log.record(organization=tenancy.org, kind="sign_in", actor=tenancy.user("owner"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_events_older_than_13_months_are_purged(tenancy):
    now = timezone.now()
    for days in (10, 380, 420):
        security_log.record(organization=tenancy.org, kind="sign_in", actor=tenancy.user("owner"))
        SecurityEvent.objects.filter(pk=SecurityEvent.objects.latest("id").pk).update(
            at=now - timedelta(days=days))
    assert purge_security_log.delay().get() == 1
    assert SecurityEvent.objects.count() == 2


@pytest.mark.parametrize(("moment", "expected"), [
    ("2026-12-01", "2025-11-01"), ("2026-03-31", "2025-02-28"), ("2027-01-15", "2025-12-15")])
def test_thirteen_months_ago(moment, expected):
    from datetime import datetime

    assert security_log.months_ago(datetime.fromisoformat(moment), 13).date().isoformat() \
        == expected
