"""First use (issue 15, item 3): a new organization is scored at once, its dashboard shows a
set-up checklist whose steps tick themselves off from the records, and the empty states say
what to do rather than what is true of nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from alignment_portal.dashboards.setup import setup_checklist
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring.models import OrganizationScore
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MetricFactory,
    MetricValueFactory,
)

SIGN_UP = {"username": "maria", "email": "maria@example.com",
           "organization_name": "Maria's Cafe",
           "password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"}


@pytest.fixture
def signed_up(client, db, django_capture_on_commit_callbacks) -> Organization:
    """A brand-new account, confirmed through its mail, with its recompute run."""
    with django_capture_on_commit_callbacks(execute=True):
        return _sign_up_and_confirm(client)


def _sign_up_and_confirm(client) -> Organization:
    client.post(reverse("signup"), SIGN_UP)
    [message] = mail.outbox
    link = next(w for w in message.body.split() if "/accounts/signup/confirm/" in w)
    client.get(link.split("://", 1)[1].partition("/")[2].join(["/", ""]))
    return Organization.objects.get(name="Maria's Cafe")


def _steps(organization) -> dict[str, bool]:
    return {step.key: step.done for step in setup_checklist(organization=organization).steps}


def test_a_new_organization_is_scored_at_once(client, signed_up):
    organization = signed_up
    assert OrganizationScore.objects.filter(organization=organization).exists()
    html = client.get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert "Scores have not been computed yet" not in html
    assert "Scores as of" in html


def test_a_new_organizations_dashboard_shows_the_set_up_checklist_with_links(client, signed_up):
    organization = signed_up
    html = client.get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert "Set up Maria&#x27;s Cafe: 0 of 7 done" in html
    for name in ("organization_settings", "goals:cycles", "goals:create", "metrics:library",
                 "initiatives:create", "initiatives:matrix", "metrics:log",
                 "playbooks:start"):
        assert f'href="{reverse(name, args=[organization.slug])}"' in html, name
    assert "or</span> <a href=\"" + reverse("playbooks:start", args=[organization.slug]) \
        + '">start from a playbook</a>' in html


def test_each_set_up_step_ticks_itself_off_from_the_records(tenancy):
    organization = tenancy.org
    assert not any(_steps(organization).values())
    client = tenancy.client("owner")
    client.post(reverse("organization_settings", args=[organization.slug]),
                {"name": organization.name, "fiscal_year_start_month": 4, "currency": "EUR"})
    assert _steps(organization)["settings"]
    cycle = CycleFactory(organization=organization)
    assert _steps(organization)["cycle"]
    goal = GoalFactory(organization=organization, cycle=cycle)
    GoalFactory(organization=organization, cycle=cycle, status="draft")
    assert not _steps(organization)["goals"]  # 2-3 goals, and drafts are not scored
    GoalFactory(organization=organization, cycle=cycle)
    assert _steps(organization)["goals"]
    metric = MetricFactory(organization=organization)
    assert _steps(organization)["metrics"]
    InitiativeFactory(organization=organization, status="idea")
    assert not _steps(organization)["initiatives"]  # an idea is not scored
    initiative = InitiativeFactory(organization=organization)
    assert _steps(organization)["initiatives"]
    AlignmentLinkFactory(organization=organization, initiative=initiative, goal=goal)
    assert _steps(organization)["links"]
    MetricValueFactory(organization=organization, metric=metric)
    assert all(_steps(organization).values())
    html = client.get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert 'id="setup"' not in html  # done: the checklist makes way for the scores


def test_the_checklist_is_for_those_who_plan(tenancy):
    html = tenancy.client("staff").get(
        reverse("dashboard", args=[tenancy.org.slug])).content.decode()
    assert 'id="setup"' not in html


def test_the_checklist_reads_its_facts_in_one_query(tenancy, django_assert_num_queries):
    for _ in range(3):
        GoalFactory(organization=tenancy.org)
    with django_assert_num_queries(1):
        setup_checklist(organization=tenancy.org)


def test_empty_states_say_what_to_do_not_what_is_true_of_nothing(client, signed_up):
    organization = signed_up
    html = client.get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert "Every active initiative serves an active goal" not in html
    assert "No initiatives or tools yet" in html
    assert "Everything is logged" not in html
    assert "No metrics yet" in html


def test_new_goal_without_a_cycle_says_to_start_one(client, signed_up):
    organization = signed_up
    html = client.get(reverse("goals:create", args=[organization.slug])).content.decode()
    assert "First, a planning cycle" in html
    assert f'href="{reverse("goals:cycles", args=[organization.slug])}"' in html
    assert "This field is required" not in html


def test_history_before_the_first_snapshot_says_so_instead_of_empty_axes(client, signed_up):
    organization = signed_up
    for kind in ("rung", "dimensions", "spend"):
        html = client.get(reverse(f"dashboards:history_{kind}",
                                  args=[organization.slug])).content.decode()
        assert "No history yet" in html
        assert "chart-data" not in html
