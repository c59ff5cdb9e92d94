"""Tenancy and roles on every view of the initiatives app: outsiders 404, weaker roles 403, and
another organization's ids 404."""

import pytest
from django.urls import reverse

ROLES = ["viewer", "staff", "consultant", "owner"]

# (url name, the records its kwargs come from, method, weakest role allowed)
VIEWS = [
    ("initiatives:list", {}, "get", "viewer"),
    ("initiatives:create", {}, "get", "consultant"),
    ("initiatives:create", {}, "post", "consultant"),
    ("initiatives:detail", {"initiative_id": "initiative"}, "get", "viewer"),
    ("initiatives:edit", {"initiative_id": "initiative"}, "get", "consultant"),
    ("initiatives:edit", {"initiative_id": "initiative"}, "post", "consultant"),
    ("initiatives:retire", {"initiative_id": "initiative"}, "get", "consultant"),
    ("initiatives:retire", {"initiative_id": "initiative"}, "post", "consultant"),
    ("initiatives:link_create", {"initiative_id": "initiative"}, "post", "consultant"),
    ("initiatives:measure_create", {"initiative_id": "initiative"}, "post", "consultant"),
    ("initiatives:link_edit", {"link_id": "link"}, "get", "consultant"),
    ("initiatives:link_edit", {"link_id": "link"}, "post", "consultant"),
    ("initiatives:link_delete", {"link_id": "link"}, "post", "consultant"),
    ("initiatives:goal_links", {"goal_id": "goal"}, "get", "viewer"),
    ("initiatives:goal_links", {"goal_id": "goal"}, "post", "consultant"),
    ("initiatives:measure_edit", {"link_id": "measure"}, "get", "consultant"),
    ("initiatives:measure_edit", {"link_id": "measure"}, "post", "consultant"),
    ("initiatives:measure_delete", {"link_id": "measure"}, "post", "consultant"),
    ("initiatives:matrix", {}, "get", "viewer"),
    ("initiatives:matrix_cell", {"goal_id": "goal", "initiative_id": "initiative"}, "get",
     "viewer"),
    ("initiatives:matrix_cell", {"goal_id": "goal", "initiative_id": "initiative"}, "post",
     "consultant"),
    ("initiatives:impact_effort", {}, "get", "viewer"),
    ("initiatives:backlog", {}, "get", "viewer"),
    ("initiatives:tools", {}, "get", "viewer"),
    ("initiatives:tool_create", {}, "get", "consultant"),
    ("initiatives:tool_create", {}, "post", "consultant"),
    ("initiatives:tool_audit", {}, "get", "viewer"),
    ("initiatives:tool_detail", {"tool_id": "tool"}, "get", "viewer"),
    ("initiatives:tool_edit", {"tool_id": "tool"}, "get", "consultant"),
    ("initiatives:tool_edit", {"tool_id": "tool"}, "post", "consultant"),
    ("initiatives:tool_delete", {"tool_id": "tool"}, "get", "consultant"),
    ("initiatives:tool_delete", {"tool_id": "tool"}, "post", "consultant"),
]
IDS = [f"{name}-{method}" for name, _, method, _ in VIEWS]


def url_for(name, kwargs, records, slug):
    return reverse(name, kwargs={"org_slug": slug, **{
        key: getattr(records, source).pk for key, source in kwargs.items()}})


@pytest.mark.parametrize(("name", "kwargs", "method", "weakest"), VIEWS, ids=IDS)
def test_views_answer_by_role(tenancy, mine, name, kwargs, method, weakest):
    url = url_for(name, kwargs, mine, tenancy.org.slug)
    for role in ROLES:
        response = getattr(tenancy.client(role), method)(url)
        if ROLES.index(role) < ROLES.index(weakest):
            assert response.status_code == 403, (role, response.status_code)
        elif method == "get":
            assert response.status_code == 200, (role, response.status_code)
        else:  # an empty POST is refused (400) or does its work (302); never 403 or 404
            assert response.status_code in (200, 302, 400), (role, response.status_code)
            if response.status_code == 302:
                break  # a delete has done its work; the next role would find nothing


@pytest.mark.parametrize(("name", "kwargs", "method", "weakest"), VIEWS, ids=IDS)
def test_outsiders_and_members_of_another_organization_get_404(tenancy, mine, name, kwargs,
                                                               method, weakest):
    url = url_for(name, kwargs, mine, tenancy.org.slug)
    assert getattr(tenancy.client_for(tenancy.users["outsider"]), method)(url).status_code == 404
    assert getattr(tenancy.client("owner", tenancy.other_org), method)(url).status_code == 404


@pytest.mark.parametrize(("name", "kwargs", "method", "weakest"),
                         [v for v in VIEWS if v[1]], ids=[i for v, i in zip(VIEWS, IDS,
                                                                             strict=True)
                                                          if v[1]])
def test_ids_of_another_organization_are_404(tenancy, mine, theirs, name, kwargs, method,
                                             weakest):
    """The owner of `org` using its own slug with the other organization's record ids."""
    url = url_for(name, kwargs, theirs, tenancy.org.slug)
    assert getattr(tenancy.client("owner"), method)(url).status_code == 404
    # The consultant of both organizations too: membership elsewhere does not open a door.
    assert getattr(tenancy.client_for(tenancy.users["consultant"]), method)(
        url).status_code == 404


def test_matrix_cell_with_a_goal_of_mine_and_an_initiative_of_theirs_is_404(tenancy, mine,
                                                                          theirs):
    url = reverse("initiatives:matrix_cell", args=[tenancy.org.slug, mine.goal.pk,
                                                   theirs.initiative.pk])
    client = tenancy.client("owner")
    assert client.get(url).status_code == 404
    assert client.post(url, {"c-contribution": "primary"}).status_code == 404
