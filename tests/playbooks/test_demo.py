"""The demo story: the consultant has a playbook saved from the bakery, starts a new client
from it, and prints the bakery's closed quarter under their firm's name."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

import goals.demo
import initiatives.demo
import metrics.demo
from alignment_portal.consultants import demo as consultant_demo
from alignment_portal.organizations.models import Role
from alignment_portal.playbooks import demo, services
from alignment_portal.playbooks.models import Playbook
from goals.models import Cycle, Goal
from initiatives.models import AlignmentLink, Initiative
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 16)


@pytest.fixture
def bakery():
    bakery = OrganizationFactory(slug="bakery", name="Main Street Bakery")
    consultant = UserFactory(username="consultant")
    owner = UserFactory(username="bakery-owner")
    MembershipFactory(user=consultant, organization=bakery, role=Role.CONSULTANT)
    MembershipFactory(user=owner, organization=bakery, role=Role.OWNER)
    people = {"consultant": consultant, "owner": owner}
    for seeder in (metrics.demo, goals.demo, initiatives.demo, demo, consultant_demo):
        seeder.seed(bakery, people, TODAY)
    return bakery, consultant


def test_the_consultant_has_the_bakery_playbook_and_seeding_again_changes_nothing(bakery):
    organization, consultant = bakery
    playbook = Playbook.objects.get(author=consultant, name=demo.NAME)
    counts = playbook.counts
    assert counts["goals"] >= 2 and counts["initiatives"] >= 2 and counts["alignment_links"] >= 2
    assert not playbook.includes_money
    demo.seed(organization, {"consultant": consultant}, TODAY)
    assert Playbook.objects.filter(author=consultant).count() == 1


def test_a_new_client_from_the_bakery_playbook(bakery):
    organization, consultant = bakery
    playbook = Playbook.objects.get(author=consultant, name=demo.NAME)
    client = Client()
    client.force_login(consultant)
    response = client.post(reverse("playbook_library:new_client", args=[playbook.pk]),
                           {"name": "Second Street Bakery", "fiscal_year_start_month": 1,
                            "currency": "USD"})
    assert response.status_code == 302
    new = Goal.objects.filter(organization__name="Second Street Bakery")
    assert new.count() == playbook.counts["goals"]
    assert set(new.values_list("status", flat=True)) == {"draft"}
    assert Initiative.objects.filter(organization=new[0].organization).count() == \
        playbook.counts["initiatives"]
    assert AlignmentLink.objects.filter(organization=new[0].organization).count() == \
        playbook.counts["alignment_links"]
    # Applying it again to the new client finds everything there already.
    again = services.playbook_apply(playbook=playbook, organization=new[0].organization,
                                    cycle=new[0].cycle, user=consultant)
    assert again.created == 0


def test_the_bakerys_closed_quarter_prints_under_the_consultants_firm(bakery):
    organization, consultant = bakery
    closed = Cycle.objects.get(organization=organization, state="closed")
    owner = organization.memberships.get(role="owner").user
    client = Client()
    client.force_login(owner)
    body = client.get(reverse("dashboards:report", args=["bakery", closed.pk])).content.decode()
    assert "Northwind Advisory" in body and "prepared-by-logo" in body
