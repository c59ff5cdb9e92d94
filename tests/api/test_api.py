import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alignment_portal.api.models import ApiToken, Scope, hash_api_token
from alignment_portal.api.services import api_token_create
from metrics.models import MetricValue, MetricValueRevision
from tests.factories import MetricFactory


@pytest.fixture
def feed(tenancy):
    today = timezone.localdate()
    csat = MetricFactory(organization=tenancy.org, name="CSAT", unit="score", frequency="weekly")
    rate = MetricFactory(organization=tenancy.org, name="Churn rate", unit="%",
                         frequency="monthly")
    foreign = MetricFactory(organization=tenancy.other_org, name="CSAT", unit="score")
    _, write = api_token_create(organization=tenancy.org, name="shop", scope=Scope.WRITE_VALUES)
    _, read = api_token_create(organization=tenancy.org, name="bi", scope=Scope.READ)
    return {"csat": csat, "rate": rate, "foreign": foreign, "write": write, "read": read,
            "today": today}


def _post(client, token, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/v1/values", data=data, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def _week(feed, weeks_ago=0):
    return (feed["today"] - timedelta(days=7 * weeks_ago)).isoformat()


def test_a_batch_is_stored_and_pushing_it_again_stores_nothing_new(client, feed):
    body = {"items": [{"metric": feed["csat"].pk, "date": _week(feed, 1), "value": 4.2},
                      {"metric": "Churn rate", "date": _week(feed), "value": "3,5"}]}
    first = _post(client, feed["write"], body).json()
    assert (first["stored"], first["replaced"], first["unchanged"]) == (2, 0, 0)
    again = _post(client, feed["write"], body).json()
    assert (again["stored"], again["unchanged"]) == (0, 2)
    assert MetricValue.objects.count() == 2
    assert MetricValue.objects.get(metric=feed["rate"]).value == pytest.approx(3.5)


def test_a_different_value_replaces_and_keeps_the_old_one(client, feed):
    item = {"metric": feed["csat"].pk, "date": _week(feed), "value": 4}
    _post(client, feed["write"], {"items": [item]})
    answer = _post(client, feed["write"], {"items": [{**item, "value": 5}]}).json()
    assert answer["items"][0]["status"] == "replaced"
    assert MetricValue.objects.get().value == 5
    assert MetricValueRevision.objects.get().value == 4


def test_refused_items_say_why_and_the_rest_is_stored(client, feed):
    body = {"items": [
        {"metric": feed["csat"].pk, "date": _week(feed), "value": 4},
        {"metric": "No such metric", "date": _week(feed), "value": 1},
        {"metric": feed["foreign"].pk, "date": _week(feed), "value": 1},
        {"metric": "Churn rate", "date": _week(feed), "value": 140},
        {"metric": "Churn rate", "date": _week(feed, 9), "value": "NaN"},
        {"metric": "CSAT", "date": (feed["today"] + timedelta(days=400)).isoformat(), "value": 1},
    ]}
    answer = _post(client, feed["write"], body).json()
    statuses = [item["status"] for item in answer["items"]]
    assert statuses == ["stored"] + ["refused"] * 5
    reasons = [item["reason"] for item in answer["items"][1:]]
    assert "No metric 'No such metric'" in reasons[0]
    assert f"No metric {feed['foreign'].pk}" in reasons[1]  # another org's id is unknown here
    assert "outside 0-100" in reasons[2]
    assert "finite" in reasons[3]
    assert "not started yet" in reasons[4]
    assert MetricValue.objects.filter(organization=feed["csat"].organization).count() == 1
    assert not MetricValue.objects.filter(metric=feed["foreign"]).exists()


def test_an_atomic_batch_with_one_refusal_stores_nothing(client, feed):
    body = {"atomic": True, "items": [
        {"metric": feed["csat"].pk, "date": _week(feed), "value": 4},
        {"metric": "Churn rate", "date": _week(feed), "value": -1},
    ]}
    response = _post(client, feed["write"], body)
    assert response.status_code == 422
    assert "nothing was stored" in response.json()["detail"]
    assert not MetricValue.objects.exists()


def test_duplicate_periods_in_one_batch_are_refused(client, feed):
    item = {"metric": feed["csat"].pk, "date": _week(feed), "value": 4}
    answer = _post(client, feed["write"], {"items": [item, {**item, "value": 5}]}).json()
    assert [i["status"] for i in answer["items"]] == ["stored", "refused"]
    assert "same period" in answer["items"][1]["reason"]


@pytest.mark.parametrize(("body", "status"), [
    ("{not json", 400),
    ({"items": "many"}, 422),
    ({"items": [{"metric": 1, "date": "yesterday", "value": 1}]}, 422),
    ({}, 422),
])
def test_malformed_requests_get_a_json_4xx(client, feed, body, status):
    response = _post(client, feed["write"], body)
    assert response.status_code == status
    assert "detail" in response.json()
    assert not MetricValue.objects.exists()


def test_more_than_1000_items_are_refused(client, feed):
    items = [{"metric": feed["csat"].pk, "date": _week(feed), "value": 1}] * 1001
    response = _post(client, feed["write"], {"items": items})
    assert response.status_code == 422
    assert not MetricValue.objects.exists()


def test_a_body_over_1_mb_is_refused_with_413(client, feed):
    body = json.dumps({"items": [], "padding": "x" * (1024 * 1024 + 1)})
    response = _post(client, feed["write"], body)
    assert response.status_code == 413
    assert "1,000 values" in response.json()["detail"]


@pytest.mark.parametrize("header", ["", "Bearer nope", "Token abc", "Bearer "])
def test_missing_or_unknown_tokens_get_401(client, feed, header):
    response = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


def test_a_revoked_token_gets_401(client, feed):
    ApiToken.objects.filter(token_hash=hash_api_token(feed["write"])).update(
        revoked_at=timezone.now())
    response = _post(client, feed["write"], {"items": []})
    assert response.status_code == 401


def test_a_read_token_cannot_push(client, feed):
    response = _post(client, feed["read"],
                     {"items": [{"metric": feed["csat"].pk, "date": _week(feed), "value": 1}]})
    assert response.status_code == 403
    assert "scope" in response.json()["detail"]
    assert not MetricValue.objects.exists()


def test_metrics_list_shows_only_the_token_organization(client, feed):
    _post(client, feed["write"],
          {"items": [{"metric": feed["csat"].pk, "date": _week(feed, 1), "value": 4.25}]})
    response = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['read']}")
    rows = response.json()
    assert [r["name"] for r in rows] == ["CSAT", "Churn rate"]
    assert {r["id"] for r in rows} == {feed["csat"].pk, feed["rate"].pk}
    assert rows[0]["last_value"] == "4.25"
    assert rows[1]["last_value"] is None


def test_requests_are_rate_limited_per_token(client, feed, settings):
    settings.API_RATE_LIMIT = "3/m"
    codes = [client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['read']}")
             .status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['read']}")
    assert int(limited["Retry-After"]) > 0
    # Another token has its own allowance.
    other = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['write']}")
    assert other.status_code == 200


def test_the_schema_and_docs_are_served_locally(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/values" in schema["paths"]
    docs = client.get("/api/v1/docs")
    body = docs.content.decode()
    assert docs.status_code == 200 and "/static/ninja/swagger-ui-bundle.js" in body
    assert "http://" not in body.replace("http://testserver", "") and "https://" not in body


def test_last_used_is_recorded(client, feed):
    client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['read']}")
    assert ApiToken.objects.get(token_hash=hash_api_token(feed["read"])).last_used_at


def test_only_a_hash_is_stored(feed):
    assert not ApiToken.objects.filter(token_hash=feed["write"]).exists()
    assert ApiToken.objects.filter(token_hash=hash_api_token(feed["write"])).exists()


def test_create_api_token_command_prints_a_working_token(client, tenancy, capsys):
    call_command("create_api_token", "--org", tenancy.org.slug, "--name", "cron",
                 "--scope", "read")
    token = capsys.readouterr().out.strip()
    response = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_owners_manage_tokens_and_see_a_new_one_once(tenancy):
    url = reverse("api_tokens", args=[tenancy.org.slug])
    client = tenancy.client("owner")
    body = client.post(url, {"name": "Shop sync", "scope": "write_values"}).content.decode()
    api_token = ApiToken.objects.get(name="Shop sync")
    assert api_token.hint in body and "shown only once" in body
    listing = client.get(url).content.decode()
    assert "Shop sync" in listing and "not shown again" not in listing
    client.post(reverse("api_token_revoke", args=[tenancy.org.slug, api_token.pk]))
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None


@pytest.mark.parametrize("role", ["consultant", "staff", "viewer"])
def test_only_owners_reach_the_token_pages(tenancy, role):
    _, _ = api_token_create(organization=tenancy.org, name="x", scope=Scope.READ)
    token = ApiToken.objects.get(organization=tenancy.org)
    client = tenancy.client(role)
    assert client.get(reverse("api_tokens", args=[tenancy.org.slug])).status_code == 403
    assert client.post(reverse("api_token_revoke", args=[tenancy.org.slug, token.pk])
                       ).status_code == 403


def test_token_pages_are_404_for_outsiders_and_other_ids(tenancy):
    _, _ = api_token_create(organization=tenancy.other_org, name="theirs", scope=Scope.READ)
    theirs = ApiToken.objects.get(organization=tenancy.other_org)
    owner = tenancy.client("owner")
    assert owner.post(reverse("api_token_revoke", args=[tenancy.org.slug, theirs.pk])
                      ).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    outsider = tenancy.client_for(tenancy.users["outsider"])
    assert outsider.get(reverse("api_tokens", args=[tenancy.org.slug])).status_code == 404


def test_a_token_never_reaches_another_organization_by_date_either(client, feed):
    """Same metric name in two organizations: the token's own one is written."""
    _post(client, feed["write"], {"items": [{"metric": "CSAT", "date": _week(feed),
                                             "value": 3}]})
    assert MetricValue.objects.get().metric_id == feed["csat"].pk
    assert date.fromisoformat(_week(feed)) >= MetricValue.objects.get().period


def test_scores_and_flags_of_the_token_organization(client, feed, tenancy):
    from alignment_portal.scoring.engine import recompute
    from tests.factories import InitiativeFactory

    InitiativeFactory(organization=tenancy.org, name="Oven timers", status="live")
    InitiativeFactory(organization=tenancy.other_org, name="Their secret project", status="live")
    before = client.get("/api/v1/scores", HTTP_AUTHORIZATION=f"Bearer {feed['read']}").json()
    assert before["computed_at"] is None and before["initiatives"] == []
    recompute(tenancy.org.pk)
    recompute(tenancy.other_org.pk)
    scores = client.get("/api/v1/scores", HTTP_AUTHORIZATION=f"Bearer {feed['read']}").json()
    assert scores["rung"] >= 1 and set(scores["dimensions"]) == {
        "goals", "alignment", "measurement", "feedback", "integration"}
    assert [i["name"] for i in scores["initiatives"]] == ["Oven timers"]
    flags = client.get("/api/v1/flags", HTTP_AUTHORIZATION=f"Bearer {feed['read']}").json()
    misaligned = [f for f in flags if f["code"] == "MISALIGNED"]
    assert [f["subject_label"] for f in misaligned] == ["Oven timers"]
    assert all("secret" not in f["subject_label"] for f in flags)
    assert misaligned[0]["suggested_fix"]


def test_flags_are_english_whatever_the_accept_language(client, feed, tenancy):
    from alignment_portal.scoring.engine import recompute
    from tests.factories import InitiativeFactory

    InitiativeFactory(organization=tenancy.org, name="Oven timers", status="live")
    recompute(tenancy.org.pk)
    flags = client.get("/api/v1/flags", HTTP_AUTHORIZATION=f"Bearer {feed['read']}",
                       HTTP_ACCEPT_LANGUAGE="de").json()
    misaligned = next(f for f in flags if f["code"] == "MISALIGNED")
    assert misaligned["message"].startswith("“Oven timers” is active but serves no active goal")
    assert misaligned["suggested_fix"].startswith("Link it to the active goal")


def test_a_huge_exponent_refuses_that_item_only_and_answers_json(client, feed):
    body = {"items": [{"metric": feed["csat"].pk, "date": _week(feed),
                       "value": "1e999999999999999999"},
                      {"metric": feed["csat"].pk, "date": _week(feed, 1), "value": 4}]}
    response = _post(client, feed["write"], body)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["items"][0]["status"] == "refused"
    assert "too large" in answer["items"][0]["reason"]
    assert answer["items"][1]["status"] == "stored"


def test_a_json_number_too_big_for_a_float_is_refused_per_item(client, feed):
    raw = ('{"items": [{"metric": ' + str(feed["csat"].pk) + ', "date": "' + _week(feed)
           + '", "value": 1e999999999999999999}]}')
    answer = _post(client, feed["write"], raw).json()
    assert answer["refused"] == 1 and "finite" in answer["items"][0]["reason"]


def test_an_unexpected_error_still_answers_json(client, feed, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("alignment_portal.api.api.metrics_with_latest", explode)
    response = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['read']}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "nothing was stored" in response.json()["detail"]


DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                        "LOCATION": "portal_cache"}}


def test_the_rate_limit_is_counted_where_every_process_sees_it(client, feed, settings):
    """The probe: 240 of 250 requests passed a 120/min limit with 2 workers, because each
    process counted in its own memory. With the database cache (production's fallback) the
    count is in a table: a fresh cache object, as another process would have, sees it."""
    from django.core.cache.backends.db import DatabaseCache

    settings.CACHES = DB_CACHE
    settings.API_RATE_LIMIT = "3/m"
    for _ in range(2):
        client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['read']}")
    token = ApiToken.objects.get(token_hash=hash_api_token(feed["read"]))
    other_process = DatabaseCache("portal_cache", {})
    counts = [other_process.get(key) for key in _rate_keys(token)]
    assert 2 in counts
    # Another process's requests add to the same count: the fourth request overall is refused.
    for key in _rate_keys(token):
        if other_process.get(key) is not None:
            other_process.incr(key)
    response = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {feed['read']}")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def _rate_keys(token):
    import time

    window = int(time.time() // 60)
    return [f"api-rate:{token.pk}:60:{w}" for w in (window - 1, window)]
