"""The renewal event in notifications: "a renewal notice deadline near", once per person and
channel per term, to the tool's owner and the organization's owners and consultants, and in
the weekly digest. Fixed clock."""

from datetime import date, timedelta

import pytest
from django.core import mail

from tests.factories import InitiativeFactory, ToolFactory
from tests.notifications.conftest import at, run, told

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 18)  # a Wednesday; acme's digest day is Monday (the default)


@pytest.fixture
def renewing(tenancy):
    """HubSpot renews in 40 days with 30 days' notice: its deadline is in 10 days. Nobody uses
    it (shelfware), so cancelling saves 12 × 800."""
    return ToolFactory(organization=tenancy.org, name="HubSpot", monthly_cost=800,
                       renewal_date=DAY + timedelta(days=40), notice_period_days=30,
                       owner=tenancy.user("staff"))


def test_a_near_notice_deadline_is_told_to_the_tool_owner_owners_and_consultants(
        tenancy, renewing):
    report = run(at(DAY))
    renewal = {t for t in told(report) if t[0] == "renewal_due"}
    assert renewal == {("renewal_due", f"acme-{r}@example.com", "email")
                       for r in ("owner", "consultant", "staff")} | {
        ("renewal_due", "consultant-both@example.com", "email")}
    email = next(m for m in mail.outbox if m.to == ["acme-owner@example.com"]
                 and "renewal" in m.subject)
    assert "HubSpot" in email.body and "28 Nov 2026" in email.body
    assert "cancelling it saves 9,600.00 a year" in email.body
    assert "/o/acme/renewals/" in email.body
    assert [t for t in told(run(at(DAY) + timedelta(hours=1))) if t[0] == "renewal_due"] == []


def test_nothing_is_told_before_30_days_or_after_the_deadline(tenancy, renewing):
    early = DAY - timedelta(days=1)  # deadline in 31 days
    renewing.renewal_date = early + timedelta(days=61)
    renewing.save()
    assert not [t for t in told(run(at(early))) if t[0] == "renewal_due"]
    renewing.renewal_date = DAY + timedelta(days=20)  # deadline passed 10 days ago
    renewing.save()
    assert not [t for t in told(run(at(DAY))) if t[0] == "renewal_due"]


def test_a_new_term_is_a_new_event(tenancy, renewing):
    run(at(DAY))
    renewing.renewal_date = DAY + timedelta(days=45)  # the deadline moved: told again
    renewing.save()
    assert {t[0] for t in told(run(at(DAY + timedelta(hours=2))))} >= {"renewal_due"}


def test_opting_out_of_renewals_stops_only_them(tenancy, renewing):
    from alignment_portal.notifications.models import Preference

    Preference.objects.create(user=tenancy.user("owner"), organization=tenancy.org,
                              kind="renewal_due", enabled=False)
    renewal = {t[1] for t in told(run(at(DAY))) if t[0] == "renewal_due"}
    assert "acme-owner@example.com" not in renewal and "acme-consultant@example.com" in renewal


def test_the_weekly_digest_lists_renewals_due(tenancy, renewing):
    InitiativeFactory(organization=tenancy.org, status="live").tools.add(renewing)
    monday = date(2026, 11, 23)
    report = run(at(monday, hour=8), digests=True)
    assert any(s.kind == "digest" for s in report)
    digest = next(m for m in mail.outbox if m.to == ["acme-viewer@example.com"]
                  and "digest" in m.subject.lower())
    assert "Renewals due (notice deadline within 30 days): 1" in digest.body
    assert "HubSpot" in digest.body
