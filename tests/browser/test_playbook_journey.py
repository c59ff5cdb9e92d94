"""Journey: a consultant saves a client's plan as a playbook, starts a new client from it,
previews applying it to another client (one record reused), applies it, and puts their firm
on the reports; on a phone too. Every page passes axe."""

import pytest
from playwright.sync_api import expect

from alignment_portal.organizations.models import Role
from goals.models import Goal
from initiatives.models import Tool
from tests.browser.conftest import PHONE
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory
from tests.playbooks.conftest import build_plan

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 30_000
PASSWORD = "a-long-Consultant-passphrase-42"


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_consultant_saves_a_playbook_and_starts_clients_from_it(journey, viewport):
    source = OrganizationFactory(name="Queue Bakery", slug="queue")
    target = OrganizationFactory(name="Second Bakery", slug="second")
    consultant = UserFactory(username="casey", password=PASSWORD)
    for organization in (source, target):
        MembershipFactory(user=consultant, organization=organization, role=Role.CONSULTANT)
    build_plan(source, consultant)
    ToolFactory(organization=target, name="QMATIC", monthly_cost=77)

    person = journey(viewport)
    page = person.page
    page.set_default_timeout(TIMEOUT)
    person.sign_in("casey", PASSWORD)

    person.go("/o/queue/playbooks/")
    page.get_by_role("link", name="Save Queue Bakery as a playbook").click()
    person.audit()
    page.get_by_label("Playbook name").fill("Morning queue")
    page.get_by_role("button", name="Save as playbook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Morning queue")
    person.audit()

    page.get_by_role("link", name="Preview applying it to Second Bakery").click()
    expect(page.locator(".playbook-plan")).to_contain_text("matches “QMATIC”")
    person.audit()
    page.get_by_role("button", name="Apply: create 5, reuse 1").click()
    expect(page.get_by_role("status").first).to_contain_text("5 created, 1 reused")
    assert Goal.objects.get(organization=target).status == "draft"
    assert Tool.objects.get(organization=target).monthly_cost == 77

    person.go("/playbooks/")
    page.get_by_role("link", name="Morning queue").click()
    page.get_by_role("link", name="Into a new organization").click()
    person.audit()
    page.get_by_label("Client business name").fill("Third Bakery")
    page.get_by_role("button", name="Create the client from this playbook").click()
    expect(page.get_by_role("status").first).to_contain_text("Created Third Bakery")
    person.audit()

    person.go("/consultant/profile/")
    page.get_by_label("Firm name").fill("Northwind Advisory")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".prepared-by")).to_contain_text("Northwind Advisory")
    person.audit(again=True)
    assert not journey_errors(person)


def journey_errors(person):
    return [e for e in person.console_errors if "favicon" not in e]
