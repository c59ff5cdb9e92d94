"""POST /api/v1/scenarios/evaluate: before and after for a token's own organization, writing
nothing; another organization's ids are unknown (404) in every change type."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.scoring.models import OrganizationScore

pytestmark = pytest.mark.django_db
URL = "/api/v1/scenarios/evaluate"


@pytest.fixture
def token(tenancy, plan):
    _, token = api_token_create(organization=tenancy.org, name="bi", scope=Scope.READ)
    return token


def post(client, token, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def changes_of(plan) -> list[dict]:
    return [
        {"type": "link", "initiative": plan.misaligned.pk, "goal": plan.orphan_goal.pk,
         "contribution": "supporting", "rationale": "A monthly letter keeps clients close."},
        {"type": "unlink", "initiative": plan.aligned.pk, "goal": plan.goal.pk},
        {"type": "initiative_status", "initiative": plan.aligned.pk, "status": "paused"},
        {"type": "retire_tool", "tool": plan.shelfware.pk},
        {"type": "priority", "goal": plan.orphan_goal.pk, "rank": 2},
        {"type": "new_initiative", "name": "Chatbot", "monthly_cost": 30, "one_time_cost": 500,
         "links": [{"goal": plan.goal.pk, "contribution": "primary",
                    "rationale": "It answers while people wait."}]},
    ]


def test_it_answers_before_and_after_and_writes_nothing(client, plan, token):
    post(client, token, {"changes": []})  # the token's last-used time is recorded once
    with CaptureQueriesContext(connection) as captured:
        response = post(client, token, {"changes": changes_of(plan)})
    assert response.status_code == 200, response.content
    body = response.json()
    stored = OrganizationScore.objects.get(organization=plan.organization)
    assert body["before"]["rung"] == stored.rung
    assert body["before"]["d2"] == stored.d2_alignment
    assert body["before"]["misaligned_spend"] == f"{stored.misaligned_spend:.2f}"
    assert body["after"]["d2"] != body["before"]["d2"]  # the kiosk loses its goal
    assert set(body["after"]) >= {"rung", "d1", "d2", "d3", "d4", "d5", "misaligned_spend",
                                  "misaligned_share"}
    resolved = {(f["code"], f["subject_label"]) for f in body["flags_resolved"]}
    assert ("SHELFWARE", "CRM B") in resolved and ("MISALIGNED", "Newsletter") in resolved
    assert body["skipped"] == []
    assert any(i["id"] < 0 and i["name"] == "Chatbot" for i in body["initiatives"])
    verbs = {q["sql"].lstrip().split()[0].upper() for q in captured.captured_queries}
    assert verbs == {"SELECT"}, verbs


def test_a_change_that_does_not_fit_is_listed_as_skipped(client, plan, token):
    response = post(client, token, {"changes": [
        {"type": "link", "initiative": plan.aligned.pk, "goal": plan.goal.pk,
         "contribution": "primary", "rationale": "It is linked already."}]})
    assert response.status_code == 200
    assert response.json()["skipped"] == [{"index": 0, "reason": "This initiative is already "
                                                                 "linked to this goal."}]


@pytest.mark.parametrize("index", range(6))
def test_another_organizations_ids_are_unknown_in_every_change_type(client, plan, other_plan,
                                                                    token, index):
    change = changes_of(other_plan)[index]
    response = post(client, token, {"changes": [change]})
    assert response.status_code == 404, response.content
    assert "in this organization" in response.json()["detail"]


@pytest.mark.parametrize("body", [
    {"changes": [{"type": "priority", "goal": 1, "rank": 4}]},
    {"changes": [{"type": "link", "initiative": 1, "goal": 1, "contribution": "most",
                  "rationale": "x"}]},
    {"changes": [{"type": "new_initiative", "name": "", "monthly_cost": 1}]},
    {"changes": [{"type": "new_initiative", "name": "Bot", "monthly_cost": -1}]},
    {"changes": [{"type": "teleport"}]},
    {"changes": [{"type": "retire_tool", "tool": 1}] * 51},
    {"nothing": True},
])
def test_malformed_changes_get_a_422(client, plan, token, body):
    assert post(client, token, body).status_code == 422


def test_it_needs_a_token(client, plan):
    response = client.post(URL, data="{}", content_type="application/json")
    assert response.status_code == 401


def test_it_is_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "post" in schema["paths"][URL]
