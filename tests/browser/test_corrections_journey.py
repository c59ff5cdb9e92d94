"""A consultant corrects a cycle's name and dates with the keyboard, and sees a dashboard whose
recompute is long overdue say so instead of spinning. Both pages are checked with axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from alignment_portal.dashboards.selectors import RECOMPUTE_DELAYED_AFTER
from alignment_portal.organizations.models import Organization, Role
from goals.models import Cycle
from tests.factories import PASSWORD, CycleFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 15_000  # ms


def test_consultant_fixes_a_cycle_and_sees_an_overdue_recompute_explained(journey):
    organization = OrganizationFactory(name="Harbour Florist", slug="florist")
    consultant = MembershipFactory(organization=organization, role=Role.CONSULTANT).user
    cycle = CycleFactory(organization=organization, name="Sprng push", state="planning",
                         start_date=timezone.localdate(),
                         end_date=timezone.localdate() + timedelta(days=60))
    person = journey()
    page = person.page
    page.set_default_timeout(TIMEOUT)
    person.sign_in(consultant.username, PASSWORD)

    person.go(f"/o/florist/goals/cycles/{cycle.pk}/")
    page.get_by_role("link", name="Rename or change dates").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Sprng push")
    person.audit()
    page.get_by_label("Name").fill("Spring push")
    page.get_by_label("End date").fill("2020-01-01")  # before the start: refused in place
    page.get_by_label("End date").press("Enter")
    expect(page.get_by_text("The cycle must end after it starts.")).to_be_visible()
    person.audit(again=True)
    end = (timezone.localdate() + timedelta(days=90)).isoformat()
    page.get_by_label("End date").fill(end)
    page.get_by_label("End date").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spring push")
    cycle.refresh_from_db()
    assert (cycle.name, cycle.end_date.isoformat()) == ("Spring push", end)
    assert Cycle.objects.filter(organization=organization).count() == 1

    # No worker has caught up for longer than RECOMPUTE_DELAYED_AFTER: no endless spinner.
    Organization.objects.filter(pk=organization.pk).update(
        recompute_generation=5, recomputed_generation=4,
        recompute_requested_at=timezone.now() - RECOMPUTE_DELAYED_AFTER - timedelta(minutes=1))
    person.go("/o/florist/")
    status = page.get_by_role("status").filter(has_text=re.compile("taking longer than usual"))
    expect(status).to_be_visible()
    expect(status.get_by_role("link", name="Reload")).to_be_visible()
    expect(page.locator("#score-status.recomputing")).to_have_count(0)
