"""Push feeds: the secret URL (shown once, stored hashed, rotatable, revocable), CSV or JSON
bodies, the optional HMAC-SHA256 signature, and the API's per-row answer and idempotency."""

import hashlib
import hmac
import json

import pytest
from django.test import Client

from alignment_portal.feeds import services
from alignment_portal.feeds.models import Feed, FeedRun
from metrics.models import MetricValue
from tests.feeds.conftest import monday, push_feed


def post(token, body, content_type="text/csv", **headers):
    return Client().post(f"/feeds/push/{token}", data=body, content_type=content_type,
                         headers=headers)


@pytest.fixture
def webhook(bakery):
    feed, token = push_feed(bakery["org"])
    return feed, token


def test_only_the_hash_of_the_secret_url_is_kept(webhook):
    feed, token = webhook
    assert token.startswith("fp_") and len(token) > 40
    stored = Feed.objects.get(pk=feed.pk)
    assert token not in json.dumps([getattr(stored, f.attname) for f in Feed._meta.fields],
                                   default=str)
    assert stored.push_token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_a_csv_post_is_stored_and_answered_per_row(webhook, bakery):
    _, token = webhook
    body = (f"metric,date,value\nLoaves wasted,{monday(1)},27\n"
            f"Loaves wasted,{monday(2)},lots\nCustomer wait time at peak,{monday(1)},6.5\n")
    answer = post(token, body)
    assert answer.status_code == 200
    data = answer.json()
    assert (data["stored"], data["replaced"], data["unchanged"], data["refused"]) == (2, 0, 0, 1)
    by_line = {item["line"]: item for item in data["items"]}
    assert by_line[2]["status"] == "stored" and by_line[2]["metric_id"] == bakery["waste"].pk
    assert by_line[3]["status"] == "refused" and "“lots” is not a number" in by_line[3]["reason"]
    assert MetricValue.objects.filter(organization=bakery["org"]).count() == 2
    assert FeedRun.objects.get(pk=data["run"]).trigger == "push"


def test_the_same_json_post_twice_stores_each_value_once(webhook, bakery):
    _, token = webhook
    body = json.dumps({"items": [
        {"metric": "Loaves wasted", "date": str(monday(1)), "value": 27},
        {"metric": bakery["wait"].pk, "date": str(monday(1)), "value": "6,5"}]})
    first = post(token, body, "application/json").json()
    again = post(token, body, "application/json").json()
    assert [i["status"] for i in first["items"]] == ["stored", "stored"]
    assert [i["status"] for i in again["items"]] == ["unchanged", "unchanged"]
    assert [i["index"] for i in again["items"]] == [0, 1]
    assert MetricValue.objects.filter(organization=bakery["org"]).count() == 2


def test_a_pushed_value_for_another_organizations_metric_is_refused(webhook, bakery, tenancy):
    _, token = webhook
    body = json.dumps([{"metric": bakery["foreign"].pk, "date": str(monday(1)), "value": 1}])
    data = post(token, body, "application/json").json()
    assert data["refused"] == 1 and data["stored"] == 0
    assert not MetricValue.objects.filter(organization=tenancy.other_org).exists()


def test_an_all_or_nothing_push_with_a_refused_row_stores_nothing(bakery):
    _, token = push_feed(bakery["org"], all_or_nothing=True)
    body = f"metric,date,value\nLoaves wasted,{monday(1)},27\nLoaves wasted,{monday(2)},-4\n"
    answer = post(token, body)
    assert answer.status_code == 422 and "nothing was stored" in answer.json()["detail"]
    assert not MetricValue.objects.filter(organization=bakery["org"]).exists()


@pytest.mark.parametrize(("body", "words"), [
    ("", "the file is empty"), ("[1, 2", "not valid JSON"), ('{"a": 1}', "must be a list"),
])
def test_an_unusable_body_is_refused_in_words(webhook, body, words):
    _, token = webhook
    answer = post(token, body, "application/json" if body else "text/csv")
    assert answer.status_code == 422 and words in answer.json()["detail"]


def test_a_signed_feed_refuses_a_missing_or_wrong_signature(bakery):
    _, token = push_feed(bakery["org"], signing_secret="s3cret-of-the-sender")
    body = f"metric,date,value\nLoaves wasted,{monday(1)},27\n".encode()
    good = hmac.new(b"s3cret-of-the-sender", body, hashlib.sha256).hexdigest()
    assert post(token, body).status_code == 401
    assert post(token, body, X_Feed_Signature="sha256=" + "0" * 64).status_code == 401
    other = hmac.new(b"s3cret-of-the-sender", body + b"x", hashlib.sha256).hexdigest()
    assert post(token, body, X_Feed_Signature=f"sha256={other}").status_code == 401
    assert not MetricValue.objects.filter(organization=bakery["org"]).exists()
    assert post(token, body, X_Feed_Signature=f"sha256={good}").status_code == 200
    assert post(token, body, X_Feed_Signature=good).json()["unchanged"] == 1  # bare hex too


def test_a_rotated_url_stops_working_and_the_new_one_works(webhook, bakery):
    feed, token = webhook
    new = services.feed_rotate_token(feed=feed)
    body = f"metric,date,value\nLoaves wasted,{monday(1)},27\n"
    assert post(token, body).status_code == 404
    assert post(new, body).status_code == 200


def test_a_revoked_url_answers_404(webhook):
    feed, token = webhook
    services.feed_revoke(feed=feed)
    assert post(token, "metric,date,value\n").status_code == 404


def test_an_unknown_token_and_a_get_are_refused(webhook):
    _, token = webhook
    assert post("fp_" + "x" * 43, "metric,date,value\n").status_code == 404
    assert Client().get(f"/feeds/push/{token}").status_code == 405


def test_a_body_over_5_mb_is_refused_with_413(webhook):
    _, token = webhook
    answer = post(token, b"metric,date,value\n" + b"x" * (5 * 1024 * 1024))
    assert answer.status_code == 413 and "over 5 MB" in answer.json()["detail"]


def test_the_readme_curl_example_works_on_the_demo(db):
    from django.core.management import call_command

    from alignment_portal.feeds.demo import DEMO_PUSH_TOKEN

    call_command("seed_demo", verbosity=0)
    answer = post(DEMO_PUSH_TOKEN, "metric,date,value\nCustomer wait time at peak,"
                                   f"{monday(0)},6.5\n")
    assert answer.status_code == 200 and answer.json()["items"][0]["status"] in (
        "stored", "replaced")
