"""The weekly digest: per person on the organization's day, one across all clients for a
consultant, with rung change, flags opened and resolved, and values overdue."""

from datetime import date, timedelta

import pytest
from django.core import mail

from alignment_portal.notifications import events
from alignment_portal.notifications.models import OrganizationNotifications
from alignment_portal.organizations.models import Role
from alignment_portal.scoring.models import Flag, OrganizationScore, ScoreSnapshot
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.notifications.conftest import at, run

MONDAY = date(2026, 11, 16)


def _digests(report):
    return {s.recipient: s for s in report if s.kind == "digest"}


def _score(organization, rung, name):
    OrganizationScore.objects.create(
        organization=organization, d1_goals=0, d2_alignment=0, d3_measurement=0,
        d4_feedback=0, d5_integration=0, rung=rung, misaligned_spend=0,
        misaligned_spend_share=0, explanation={"name": name})


def _snapshot(organization, rung, taken_on):
    ScoreSnapshot.objects.create(
        organization=organization, taken_on=taken_on, d1_goals=0, d2_alignment=0,
        d3_measurement=0, d4_feedback=0, d5_integration=0, rung=rung, misaligned_spend=0,
        misaligned_spend_share=0)


@pytest.fixture
def third_org(tenancy):
    organization = OrganizationFactory(name="Corner Cafe", slug="cafe")
    MembershipFactory(user=tenancy.users["consultant"], organization=organization,
                      role=Role.CONSULTANT)
    owner = UserFactory(username="cafe-owner")
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
    return organization


def test_a_consultant_gets_one_digest_with_a_section_per_client(tenancy, weekly, third_org):
    _score(tenancy.org, 3, "Aligned")
    _snapshot(tenancy.org, 2, MONDAY - timedelta(days=8))
    when = at(MONDAY, hour=8)
    Flag.objects.create(organization=tenancy.org, code="MISALIGNED", severity="high",
                        subject_type="initiative", subject_id="1", subject_label="Oven timers",
                        params={"legacy": {"message": "m", "suggested_fix": "f"}},
                        first_seen_at=when - timedelta(days=2))
    Flag.objects.create(organization=tenancy.other_org, code="SHELFWARE", severity="medium",
                        subject_type="tool", subject_id="2", subject_label="Old CRM",
                        params={"legacy": {"message": "m", "suggested_fix": "f"}},
                        first_seen_at=when - timedelta(days=30),
                        resolved_at=when - timedelta(days=1))
    report = run(when, digests=True)
    digests = _digests(report)
    assert digests["consultant-both@example.com"].organization == "acme, cafe, rival"
    (consultant_mail,) = [m for m in mail.outbox if m.to == ["consultant-both@example.com"]
                          and "digest" in m.subject.lower()]
    body = consultant_mail.body
    assert body.index("== Acme Bakery ==") < body.index("== Corner Cafe ==") < \
        body.index("== Rival Agency ==")
    acme = body[body.index("== Acme Bakery =="):body.index("== Corner Cafe ==")]
    assert "Up from rung 2 to rung 3 (Aligned)." in acme
    assert "Flags opened: 1" in acme and "Oven timers (MISALIGNED)" in acme
    assert "Values overdue: 1" in acme and "Wait time" in acme
    rival = body[body.index("== Rival Agency =="):]
    assert "Not scored yet." in rival and "Flags resolved: 1" in rival and "Old CRM" in rival
    cafe = body[body.index("== Corner Cafe =="):body.index("== Rival Agency ==")]
    assert "Values overdue: 0" in cafe
    html = consultant_mail.alternatives[0].content
    assert html.count("<h2") == 3 and 'name="viewport"' in html
    # Everyone else gets their own, about their organization only.
    assert digests["acme-viewer@example.com"].organization == "acme"
    assert digests["cafe-owner@example.com"].organization == "cafe"
    owner_mail = next(m for m in mail.outbox if m.to == ["acme-owner@example.com"]
                      and "digest" in m.subject.lower())
    assert "Rival Agency" not in owner_mail.body and "Corner Cafe" not in owner_mail.body


def test_the_digest_goes_once_a_week(tenancy):
    assert _digests(run(at(MONDAY, hour=8), digests=True))
    assert not _digests(run(at(MONDAY, hour=9), digests=True))
    assert not _digests(run(at(MONDAY + timedelta(days=3)), digests=True))
    assert _digests(run(at(MONDAY + timedelta(days=7), hour=8), digests=True))


def test_the_digest_waits_for_the_organizations_day_and_hour(tenancy):
    OrganizationNotifications.objects.create(organization=tenancy.org, digest_weekday=2)
    OrganizationNotifications.objects.create(organization=tenancy.other_org, digest_weekday=4)
    assert not _digests(run(at(MONDAY, hour=8), digests=True))
    assert not _digests(run(at(MONDAY + timedelta(days=2), hour=6), digests=True))
    wednesday = _digests(run(at(MONDAY + timedelta(days=2), hour=7), digests=True))
    assert "acme-staff@example.com" in wednesday and "rival-staff@example.com" not in wednesday
    # The consultant's digest goes on the earliest of their clients' days, covering both.
    assert wednesday["consultant-both@example.com"].organization == "acme, rival"
    friday = _digests(run(at(MONDAY + timedelta(days=4), hour=8), digests=True))
    assert "rival-staff@example.com" in friday
    assert "consultant-both@example.com" not in friday


def test_turning_the_digest_off_for_one_client_drops_its_section(tenancy):
    from alignment_portal.notifications.models import Preference

    Preference.objects.create(user=tenancy.users["consultant"], organization=tenancy.other_org,
                              kind="digest", enabled=False)
    digests = _digests(run(at(MONDAY, hour=8), digests=True))
    assert digests["consultant-both@example.com"].organization == "acme"


def test_digests_read_a_fixed_number_of_queries_whatever_the_organizations(
        tenancy, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            messages = events.plan(at(MONDAY, hour=8))
        assert any(m.kind == "digest" for m in messages)
        return len(captured)

    before = queries()
    for n in range(5):
        organization = OrganizationFactory(slug=f"client-{n}")
        MembershipFactory(user=tenancy.users["consultant"], organization=organization,
                          role=Role.CONSULTANT)
        MembershipFactory(user=UserFactory(username=f"client-{n}-owner"),
                          organization=organization, role=Role.OWNER)
        _score(organization, 2, "Defined")
    assert queries() == before
