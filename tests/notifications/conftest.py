"""Notifications on a fixed clock: a weekly metric owned by acme's staff member, last logged
for the week of Monday 2 Nov 2026. Its deadline (last fresh day) is 12 Nov, it is overdue from
13 Nov and escalated from 20 Nov (rules.py)."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from alignment_portal.notifications import services
from tests.factories import MetricFactory, MetricValueFactory

LAST_LOGGED = date(2026, 11, 2)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def run(when: datetime, *, digests: bool = False, **kwargs):
    """One pass at `when` (the clock stopped there); digests left out unless asked."""
    with time_machine.travel(when, tick=False):
        report = services.run_pass(now=when, **kwargs)
    return [s for s in report if digests or s.kind != "digest"]


def told(report) -> set:
    return {(s.kind, s.recipient, s.channel) for s in report}


@pytest.fixture
def weekly(tenancy):
    with time_machine.travel(at(date(2026, 10, 1)), tick=False):
        metric = MetricFactory(organization=tenancy.org, name="Wait time", frequency="weekly",
                               owner=tenancy.user("staff"), unit="minutes")
        MetricValueFactory(metric=metric, period=LAST_LOGGED, value=7)
    return metric


@pytest.fixture
def no_digests(tenancy):
    """Everyone's weekly digest off, so a test sees only the events it is about."""
    from alignment_portal.notifications.models import Preference
    from alignment_portal.organizations.models import Membership

    Preference.objects.bulk_create([
        Preference(user_id=m.user_id, organization_id=m.organization_id, kind="digest",
                   enabled=False) for m in Membership.objects.all()])
