"""Playbook pages: who may save, apply and edit, what they see, and what it costs."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from alignment_portal.playbooks.models import Playbook
from goals.models import Goal
from metrics.models import Metric
from tests.factories import CycleFactory, MembershipFactory, MetricFactory, UserFactory
from tests.playbooks.conftest import save_everything

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)


def apply_url(org, playbook):
    return reverse("playbooks:apply", args=[org.slug, playbook.pk])


@pytest.fixture
def playbook(tenancy, plan):
    return save_everything(tenancy.users["consultant"], plan)  # consultant in both


# Permissions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_cannot_save_or_apply(tenancy, plan, role):
    own = save_everything(tenancy.user(role), plan, name=f"{role}'s")  # made by the service
    client = tenancy.client(role)
    assert client.get(reverse("playbooks:start", args=["acme"])).status_code == 403
    assert client.get(reverse("playbooks:save", args=["acme"])).status_code == 403
    assert client.post(reverse("playbooks:save", args=["acme"]),
                       {"name": "x", "goals": [plan.goal.pk]}).status_code == 403
    response = client.post(apply_url(tenancy.org, own), {"cycle": "new"})
    assert response.status_code == 403
    assert Goal.objects.filter(organization=tenancy.org).count() == 1


def test_a_consultant_of_a_only_cannot_apply_to_b(tenancy, plan):
    consultant_a = tenancy.user("consultant")  # in acme only ("consultant-both" is in both)
    own = save_everything(consultant_a, plan)
    client = tenancy.client_for(consultant_a)
    assert client.get(apply_url(tenancy.other_org, own)).status_code == 404
    assert client.post(apply_url(tenancy.other_org, own), {"cycle": "new"}).status_code == 404
    assert not Metric.objects.filter(organization=tenancy.other_org).exists()


def test_someone_elses_playbook_is_404_everywhere(tenancy, playbook):
    owner = tenancy.user("owner")  # plans in acme, but the playbook is consultant-both's
    client = tenancy.client_for(owner)
    assert client.get(apply_url(tenancy.org, playbook)).status_code == 404
    assert client.post(apply_url(tenancy.org, playbook), {"cycle": "new"}).status_code == 404
    detail = reverse("playbook_library:detail", args=[playbook.pk])
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"name": "Mine now"}).status_code == 404
    delete = reverse("playbook_library:delete", args=[playbook.pk])
    assert client.post(delete).status_code == 404
    new = reverse("playbook_library:new_client", args=[playbook.pk])
    assert client.post(new, {"name": "X", "fiscal_year_start_month": 1,
                             "currency": "USD"}).status_code == 404
    playbook.refresh_from_db()
    assert playbook.name == "Morning queue"
    assert reverse("playbook_library:library") and playbook.name not in client.get(
        reverse("playbook_library:library")).content.decode()


def test_only_the_author_edits(tenancy, playbook):
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(reverse("playbook_library:detail", args=[playbook.pk]),
                           {"name": "Morning rush", "description": "For bakeries."})
    assert response.status_code == 302
    playbook.refresh_from_db()
    assert (playbook.name, playbook.description) == ("Morning rush", "For bakeries.")


def test_the_author_deletes_and_the_clients_keep_what_it_made(tenancy, playbook):
    client = tenancy.client_for(tenancy.users["consultant"])
    digest = client.get(apply_url(tenancy.other_org, playbook)).context["plan"].digest
    client.post(apply_url(tenancy.other_org, playbook), {"cycle": "new", "digest": digest})
    response = client.post(reverse("playbook_library:delete", args=[playbook.pk]))
    assert response.status_code == 302
    assert not Playbook.objects.filter(pk=playbook.pk).exists()
    assert Goal.objects.filter(organization=tenancy.other_org).exists()


def test_outsiders_are_sent_to_sign_in_for_the_library(tenancy, playbook):
    from django.test import Client

    response = Client().get(reverse("playbook_library:detail", args=[playbook.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Saving ---------------------------------------------------------------------------------------

def test_save_form_offers_every_record_ticked(tenancy, plan):
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.get(reverse("playbooks:save", args=["acme"]))
    body = response.content.decode()
    assert response.status_code == 200
    for name in ("Cut the morning wait to 5 minutes (2026 Q4)", "Customer wait time at peak",
                 "Queue tickets", "Qmatic"):
        assert name in body
    assert body.count("checked") >= 5  # four records and "their links"


def test_saving_from_the_page(tenancy, plan):
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(reverse("playbooks:save", args=["acme"]), {
        "name": "Morning queue", "goals": [plan.goal.pk], "metrics": [plan.metric.pk],
        "include_links": "on"})
    playbook = Playbook.objects.get(author=tenancy.users["consultant"])
    assert response.status_code == 302
    assert response["Location"] == reverse("playbook_library:detail", args=[playbook.pk])
    assert playbook.counts["goals"] == 1 and playbook.counts["initiatives"] == 0


def test_saving_another_organizations_ids_takes_nothing_of_theirs(tenancy, plan):
    foreign = MetricFactory(organization=tenancy.other_org, name="Their secret metric")
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(reverse("playbooks:save", args=["acme"]),
                           {"name": "Sneaky", "metrics": [foreign.pk]})
    assert response.status_code == 400
    assert not Playbook.objects.filter(name="Sneaky").exists()


def test_saving_nothing_or_a_taken_name_is_refused_with_a_message(tenancy, plan, playbook):
    client = tenancy.client_for(tenancy.users["consultant"])
    empty = client.post(reverse("playbooks:save", args=["acme"]), {"name": "Empty"})
    assert empty.status_code == 400
    assert "Choose at least one" in empty.content.decode()
    taken = client.post(reverse("playbooks:save", args=["acme"]),
                        {"name": "MORNING queue", "goals": [plan.goal.pk]})
    assert taken.status_code == 400
    assert "already" in taken.content.decode()
    assert Playbook.objects.count() == 1


def test_a_hostile_name_is_escaped(tenancy, plan):
    client = tenancy.client_for(tenancy.users["consultant"])
    client.post(reverse("playbooks:save", args=["acme"]),
                {"name": "<img src=x>", "goals": [plan.goal.pk]})
    playbook = Playbook.objects.get(author=tenancy.users["consultant"])
    body = client.get(reverse("playbook_library:detail", args=[playbook.pk])).content.decode()
    assert "<img src=x>" not in body and "&lt;img src=x&gt;" in body


# Applying -------------------------------------------------------------------------------------

@time_machine.travel(NOW, tick=False)
def test_the_preview_lists_creations_and_matches_then_apply_lands_drafts(tenancy, playbook):
    b = tenancy.other_org
    cycle = CycleFactory(organization=b, name="2027 Q1", state="planning")
    MetricFactory(organization=b, name="CUSTOMER wait time at peak")
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.get(apply_url(b, playbook))
    body = response.content.decode()
    assert response.status_code == 200
    assert "matches “CUSTOMER wait time at peak”" in body
    assert "<strong>5</strong> to create, <strong>1</strong> matching" in body
    assert not Goal.objects.filter(organization=b).exists()  # a preview writes nothing
    digest = response.context["plan"].digest
    done = client.post(apply_url(b, playbook), {"cycle": str(cycle.pk), "digest": digest})
    assert done.status_code == 302
    assert done["Location"] == reverse("goals:cycle_detail", args=[b.slug, cycle.pk])
    assert Goal.objects.get(organization=b).status == "draft"
    assert Metric.objects.filter(organization=b).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_stale_preview_is_shown_again_instead_of_applied(tenancy, playbook):
    b = tenancy.other_org
    client = tenancy.client_for(tenancy.users["consultant"])
    digest = client.get(apply_url(b, playbook)).context["plan"].digest
    MetricFactory(organization=b, name="Customer wait time at peak")
    response = client.post(apply_url(b, playbook), {"cycle": "new", "digest": digest})
    assert response.status_code == 409
    assert "changed since the preview" in response.content.decode()
    assert not Goal.objects.filter(organization=b).exists()


def test_an_unknown_cycle_is_refused(tenancy, playbook, plan):
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(apply_url(tenancy.other_org, playbook),
                           {"cycle": str(plan.cycle.pk)})  # acme's cycle
    assert response.status_code == 400
    assert not Goal.objects.filter(organization=tenancy.other_org).exists()


def test_a_corrupted_playbook_says_why_and_applies_nothing(tenancy, playbook):
    Playbook.objects.filter(pk=playbook.pk).update(document={"format": "something else"})
    client = tenancy.client_for(tenancy.users["consultant"])
    page = client.get(apply_url(tenancy.other_org, playbook))
    assert page.status_code == 200
    assert "cannot be read" in page.content.decode()
    response = client.post(apply_url(tenancy.other_org, playbook), {"cycle": "new"})
    assert response.status_code == 400
    assert not Metric.objects.filter(organization=tenancy.other_org).exists()


@time_machine.travel(NOW, tick=False)
def test_into_a_new_organization(tenancy, playbook):
    client = tenancy.client_for(tenancy.users["consultant"])
    url = reverse("playbook_library:new_client", args=[playbook.pk])
    page = client.get(url)
    assert page.status_code == 200 and "2026 Q4" in page.content.decode()
    response = client.post(url, {"name": "Corner Café", "fiscal_year_start_month": 1,
                                 "currency": "EUR"})
    goal = Goal.objects.get(organization__name="Corner Café")
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:cycle_detail",
                                           args=[goal.organization.slug, goal.cycle_id])
    assert goal.status == "draft" and goal.cycle.name == "2026 Q4"


def test_a_new_organization_with_a_bad_name_is_refused_on_the_form(tenancy, playbook):
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(reverse("playbook_library:new_client", args=[playbook.pk]),
                           {"name": "", "fiscal_year_start_month": 1, "currency": "EURO"})
    assert response.status_code == 400
    assert not Goal.objects.exclude(organization__in=[tenancy.org]).exists()


# What it costs --------------------------------------------------------------------------------

def _grow(plan, n):
    from tests.factories import AlignmentLinkFactory, GoalFactory, InitiativeFactory

    for i in range(n):
        goal = GoalFactory(cycle=plan.cycle, title=f"Extra goal {i}", metric=plan.metric)
        initiative = InitiativeFactory(organization=plan.org, name=f"Extra initiative {i}")
        AlignmentLinkFactory(initiative=initiative, goal=goal)
        MetricFactory(organization=plan.org, name=f"Extra metric {i}")


@pytest.mark.parametrize("page", ["save", "apply"])
def test_pages_cost_the_same_queries_for_many_records(tenancy, plan, page,
                                                      django_assert_max_num_queries):
    client = tenancy.client_for(tenancy.users["consultant"])

    def url():
        if page == "save":
            return reverse("playbooks:save", args=["acme"])
        Playbook.objects.filter(author=tenancy.users["consultant"]).delete()
        return apply_url(tenancy.other_org, save_everything(tenancy.users["consultant"], plan))

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first_url = url()
    with CaptureQueriesContext(connection) as few:
        assert client.get(first_url).status_code == 200
    _grow(plan, 12)
    second_url = url()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(second_url).status_code == 200


def test_the_library_costs_the_same_queries_for_many_playbooks(tenancy, plan,
                                                               django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory(username="many-playbooks")
    MembershipFactory(user=user, organization=tenancy.org, role="consultant")
    client = tenancy.client_for(user)
    save_everything(user, plan, name="One")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("playbook_library:library"))
    for i in range(8):
        save_everything(user, plan, name=f"More {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("playbook_library:library")).content.decode()
    assert "More 7" in body
