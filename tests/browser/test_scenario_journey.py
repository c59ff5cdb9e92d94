"""Journey: an owner tries retiring a tool and linking an orphan initiative in a scenario, sees
the scores move in place, uses the matrix in scenario mode, and applies it."""

import re

import pytest
from playwright.sync_api import expect

from alignment_portal.organizations.models import Role
from initiatives.models import AlignmentLink, Tool
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios.conftest import build_plan

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 30_000  # ms


def test_owner_tries_a_scenario_and_applies_it(journey):
    organization = OrganizationFactory(name="Queue Bakery", slug="queue")
    owner = UserFactory(username="quinn-owner", password="a-long-Owner-passphrase-42")
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
    plan = build_plan(organization)
    person = journey()
    page = person.page
    page.set_default_timeout(TIMEOUT)
    person.sign_in("quinn-owner", "a-long-Owner-passphrase-42")

    person.go("/o/queue/scenarios/")
    page.get_by_label("Name of a new scenario").fill("Tidy the CRMs")
    page.get_by_role("button", name="Start a scenario").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tidy the CRMs")
    person.audit()

    # Retire the unused CRM: the workspace re-evaluates in place (htmx), nothing is saved.
    page.get_by_text("Retire a tool", exact=True).click()
    page.get_by_label("Tool", exact=True).select_option(label="CRM B")
    page.get_by_role("button", name="Add the retirement").click()
    expect(page.locator("#workspace")).to_contain_text("Retire the tool “CRM B”")
    expect(page.locator("#workspace")).to_contain_text("misaligned spend -40.00")
    expect(page.locator("#resolved-h")).to_contain_text("(")
    person.audit(again=True)
    assert Tool.objects.get(pk=plan.shelfware.pk).status == "active"

    # The matrix in scenario mode: the cell's change goes into the scenario.
    page.get_by_role("link", name="Edit links on the matrix in scenario mode").click()
    expect(page.get_by_role("note")).to_contain_text("not into the plan")
    person.audit()
    page.locator(f"#cell-{plan.orphan_goal.pk}-{plan.misaligned.pk} a").click()
    form = page.locator(f"#cell-{plan.orphan_goal.pk}-{plan.misaligned.pk} form")
    form.get_by_label("How will it move the goal?").fill(
        "A monthly letter keeps clients close before their renewal.")
    form.get_by_role("button", name="Link in the scenario").click()
    cell = page.locator(f"#cell-{plan.orphan_goal.pk}-{plan.misaligned.pk}")
    expect(cell.locator("form")).to_have_count(0)  # the form is swapped for the marked cell
    expect(cell).to_contain_text("✱")
    assert not AlignmentLink.objects.filter(initiative=plan.misaligned).exists()

    # Back in the scenario, both changes and their effect; then apply.
    page.get_by_role("link", name="See what the scenario does").click()
    expect(page.locator("#workspace")).to_contain_text("Link “Newsletter”")
    page.get_by_role("link", name=re.compile("Apply to the plan")).click()
    person.audit()
    page.get_by_role("button", name="Apply 2 change(s)").click()
    expect(page.get_by_role("status").first).to_contain_text("Applied 2 change(s)")
    assert Tool.objects.get(pk=plan.shelfware.pk).status == "retired"
    assert AlignmentLink.objects.filter(initiative=plan.misaligned,
                                        goal=plan.orphan_goal).exists()
    person.audit(again=True)
    assert not person.console_errors, person.console_errors
