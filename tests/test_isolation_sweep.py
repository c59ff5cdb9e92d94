"""Tenant isolation over the whole URL configuration.

Walks every URL pattern under /o/<org_slug>/, fills `org_slug` with an organization the user
owns and every id with a real record of ANOTHER organization, and expects 404 (405 where the
method is not allowed, but at least one method must answer 404). A view added later is
covered without anyone remembering; an id parameter this test does not know fails loudly.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from alignment_portal.api.models import ApiToken
from alignment_portal.data_export.models import OrganizationExport
from alignment_portal.feeds.models import Feed, FeedRun
from alignment_portal.organizations.models import Invitation, Membership
from alignment_portal.playbooks.models import Playbook
from alignment_portal.scenarios.models import Scenario, ScenarioChange
from alignment_portal.scoring.models import Flag
from goals.models import Cycle, Goal, GoalOutcome
from initiatives.models import AlignmentLink, Initiative, MeasurementLink, Tool
from metrics.models import Metric, MetricValue
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
    ToolFactory,
)

# Every record of the other organization gets this id, so whichever model a view looks up by
# an id parameter, a record with that id exists — in the wrong organization.
FOREIGN_ID = 900001

ORG_PREFIX = "o/<slug:org_slug>/"


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def org_routes() -> list[str]:
    return sorted({route for route, _ in _walk(get_resolver().url_patterns)
                   if route.startswith(ORG_PREFIX)})


def _fill(route: str, org_slug: str, foreign_id: int) -> str:
    """Turn a route like o/<slug:org_slug>/goals/<int:goal_id>/ into a path."""
    path, rest = "/", route
    while "<" in rest:
        head, _, tail = rest.partition("<")
        spec, _, rest = tail.partition(">")
        converter, _, name = spec.rpartition(":")
        path += head
        if name == "org_slug":
            path += org_slug
        elif converter in ("int", "") and name.endswith("_id"):
            path += str(foreign_id)
        else:
            pytest.fail(f"{route}: the isolation sweep does not know how to fill <{spec}>; "
                        "teach it (and make sure the view filters by organization)")
    return path + rest


def make_records(tenancy, organization, pk: int):
    """One record of every kind in `organization`, each with primary key `pk`."""
    cycle = CycleFactory(organization=organization, pk=pk)
    metric = MetricFactory(organization=organization, pk=pk)
    goal = GoalFactory(cycle=cycle, pk=pk, metric=metric)
    initiative = InitiativeFactory(organization=organization, pk=pk)
    ToolFactory(organization=organization, pk=pk)
    AlignmentLinkFactory(initiative=initiative, goal=goal, pk=pk)
    MeasurementLinkFactory(initiative=initiative, metric=metric, pk=pk)
    MetricValueFactory(metric=metric, pk=pk)
    GoalOutcome.objects.create(organization=organization, cycle=cycle, goal=goal,
                               outcome="achieved", pk=pk)
    Membership.objects.filter(user=tenancy.user("viewer", organization)).update(id=pk)
    invitation = Invitation.objects.create(organization=organization, email="x@example.com",
                                           role="staff", token_hash=f"{pk:064d}",
                                           expires_at="2099-01-01T00:00Z")
    Invitation.objects.filter(pk=invitation.pk).update(id=pk)
    ApiToken.objects.create(organization=organization, name="a token",
                            token_hash=f"{pk:064x}", hint="ap_x", pk=pk)
    feed = Feed.objects.create(organization=organization, name="a feed", kind="pull",
                               url="https://example.com/values.csv", pk=pk)
    FeedRun.objects.create(organization=organization, feed=feed, trigger="manual",
                           status="ok", pk=pk)
    # Shared, so only the organization (not the author's privacy) keeps it from others.
    scenario = Scenario.objects.create(organization=organization, name="A scenario",
                                       shared=True, author=tenancy.user("owner", organization),
                                       pk=pk)
    ScenarioChange.objects.create(organization=organization, scenario=scenario,
                                  type="retire_tool", tool_id=pk, description="Retire", pk=pk)
    Flag.objects.create(organization=organization, code="SHELFWARE", severity="medium",
                        subject_type="tool", subject_id=str(pk), subject_label="A tool",

    params={"legacy": {"message": "Unused.", "suggested_fix": "Retire it."}}, pk=pk)
    # A playbook is its author's, not the organization's: one of this organization's owner.
    Playbook.objects.create(author=tenancy.user("owner", organization), name=f"Playbook {pk}",
                            document=playbook_document(), source_organization=organization,
                            pk=pk)
    OrganizationExport.objects.create(organization=organization, status="ready", pk=pk,
                                      file_name=f"{organization.pk}/x.zip",
                                      expires_at="2099-01-01T00:00Z", ready_at="2026-01-01T00:00Z")
    for model in (Cycle, Goal, Metric, Initiative, Tool, AlignmentLink, MeasurementLink,
                  MetricValue, Membership, Invitation, ApiToken, Feed, FeedRun, Scenario,
                  ScenarioChange, Flag, OrganizationExport):
        assert model.objects.filter(pk=pk, organization=organization).exists(), model


def playbook_document() -> dict:
    return {"format": "alignment-portal-playbook", "version": 1, "includes_money": False,
            "metrics": [{"name": "Orders"}], "tools": [], "initiatives": [],
            "goals": [{"title": "Grow orders", "metric": "Orders"}], "alignment_links": [],
            "measurement_links": []}


@pytest.fixture
def foreign_records(tenancy):
    make_records(tenancy, tenancy.other_org, FOREIGN_ID)
    return tenancy.other_org


def test_every_org_route_is_walked():
    routes = org_routes()
    assert len(routes) >= 10, routes  # the walk finds the app URL confs, not just the root


@pytest.mark.parametrize("route", [r for r in org_routes() if "_id>" in r])
def test_another_organizations_ids_are_404(tenancy, foreign_records, route):
    client = tenancy.client("owner")  # the strongest role: nothing is refused for role
    path = _fill(route, tenancy.org.slug, FOREIGN_ID)
    answers = {method: getattr(client, method)(path).status_code for method in ("get", "post")}
    assert set(answers.values()) <= {404, 405} and 404 in answers.values(), (path, answers)


@pytest.mark.parametrize("route", org_routes())
def test_members_of_another_organization_get_404(tenancy, foreign_records, route):
    client = tenancy.client("owner")
    path = _fill(route, tenancy.other_org.slug, FOREIGN_ID)  # their org, their ids
    answers = {method: getattr(client, method)(path).status_code for method in ("get", "post")}
    assert set(answers.values()) <= {404, 405} and 404 in answers.values(), (path, answers)


@pytest.mark.parametrize("route", org_routes())
def test_outsiders_get_404(tenancy, foreign_records, route):
    client = tenancy.client_for(tenancy.users["outsider"])
    path = _fill(route, tenancy.other_org.slug, FOREIGN_ID)
    answers = {method: getattr(client, method)(path).status_code for method in ("get", "post")}
    assert set(answers.values()) <= {404, 405} and 404 in answers.values(), (path, answers)
