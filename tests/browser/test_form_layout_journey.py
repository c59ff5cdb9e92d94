"""Every form page at 1366 and 390 px (issue 15): each visible label directly above or beside
its own control, no two controls overlapping, and the page body never scrolling sideways. A
screenshot of each page is saved under test-artifacts/."""

import pytest
from django.urls import reverse

from alignment_portal.organizations.models import Role
from initiatives.models import Initiative, Tool
from metrics.models import Metric
from tests.browser.conftest import DESKTOP, PHONE
from tests.dashboards.conftest import populate
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _form_pages(organization, cycle) -> list[str]:
    slug = organization.slug
    goal = cycle.goals.order_by("pk").first()
    initiative = Initiative.objects.filter(organization=organization).order_by("pk").first()
    metric = Metric.objects.filter(organization=organization).order_by("pk").first()
    tool = Tool.objects.filter(organization=organization).order_by("pk").first()
    pages = [reverse(name, args=[slug]) for name in (
        "goals:create", "goals:cycle_create", "goals:list", "metrics:create", "metrics:log",
        "metrics:import", "metrics:list", "initiatives:create", "initiatives:tool_create",
        "initiatives:matrix", "organization_settings", "members", "dashboard",
        "feeds:create", "notifications:preferences")]
    pages += [reverse("goals:edit", args=[slug, goal.pk]),
              reverse("goals:cycle_review", args=[slug, cycle.pk]),
              reverse("initiatives:edit", args=[slug, initiative.pk]),
              reverse("initiatives:detail", args=[slug, initiative.pk]),
              reverse("initiatives:goal_links", args=[slug, goal.pk]),
              reverse("initiatives:tool_edit", args=[slug, tool.pk]),
              reverse("metrics:edit", args=[slug, metric.pk]),
              reverse("initiatives:matrix_cell", args=[slug, goal.pk, initiative.pk]) + "?edit=1"]
    return pages


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_every_form_page_lays_out_its_labels_and_controls(journey, viewport):
    organization = OrganizationFactory(name="Layout Bakery", slug="layout")
    MembershipFactory(organization=organization, role=Role.OWNER, user__username="lay-owner")
    cycle = populate(organization, 4)
    person = journey(viewport)
    person.sign_in("lay-owner", PASSWORD)
    for path in _form_pages(organization, cycle):
        person.go(path)
    visitor = journey(viewport)
    for name in ("login", "signup", "password_reset"):
        visitor.go(reverse(name))
