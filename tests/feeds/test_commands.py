"""`create_feed` and `run_feeds`, as a script would call them."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alignment_portal.feeds.models import Feed
from alignment_portal.feeds.services import push_feed_for
from tests.feeds.conftest import monday


def command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_feed_makes_a_push_feed_and_prints_its_secret_url_once(bakery):
    out = command("create_feed", "--org", bakery["org"].slug, "--name", "Zapier", "--push")
    first, url = out.splitlines()
    feed = Feed.objects.get(name="Zapier")
    assert first == f"feed {feed.pk}" and "/feeds/push/fp_" in url
    assert push_feed_for(url.rsplit("/", 1)[1]) == feed


def test_create_feed_makes_a_pull_feed_with_a_mapping(bakery, feed_server):
    mapping = json.dumps({"Waste (loaves)": bakery["waste"].pk})
    out = command("create_feed", "--org", bakery["org"].slug, "--name", "Till", "--url",
                  feed_server.url("/till.csv"), "--schedule", "hourly", "--metric-map",
                  mapping)
    feed = Feed.objects.get(name="Till")
    assert out.strip() == f"feed {feed.pk}"
    assert feed.schedule == "hourly" and feed.metric_map == {"Waste (loaves)":
                                                             bakery["waste"].pk}


@pytest.mark.parametrize(("args", "words"), [
    (["--org", "nope", "--name", "X", "--push"], "No organization"),
    (["--org", "acme", "--name", "X", "--url", "https://example.com/x.csv"], "--schedule"),
    (["--org", "acme", "--name", "X", "--url", "http://example.com/x.csv", "--schedule",
      "daily"], "Use https://"),
    (["--org", "acme", "--name", "X", "--push", "--metric-map", "{"], "not valid JSON"),
    (["--org", "acme", "--name", "X", "--push", "--metric-map", '{"a": 999999}'],
     "not this organization's"),
])
def test_create_feed_refuses_bad_input_in_words(bakery, settings, args, words):
    settings.FEEDS_ALLOWED_HOSTS = []
    with pytest.raises(CommandError, match=words):
        command("create_feed", *args)
    assert not Feed.objects.exists()


def test_run_feeds_runs_the_due_feeds_and_prints_their_counts(bakery, feed_server):
    url = feed_server.serve("/till.csv", f"metric,date,value\nLoaves wasted,{monday(1)},27\n"
                                         f"Loaves wasted,{monday(2)},x\n")
    command("create_feed", "--org", "acme", "--name", "Till", "--url", url, "--schedule",
            "daily")
    out = command("run_feeds")
    assert "Succeeded, some rows refused; stored 1, replaced 0, unchanged 0, refused 1" in out
    assert command("run_feeds").strip() == "No feed is due."
    feed = Feed.objects.get()
    again = command("run_feeds", "--feed", str(feed.pk))
    assert "Nothing new (not modified); stored 0" in again


def test_run_feeds_prints_the_error_of_a_failed_run(bakery, feed_server):
    url = feed_server.serve("/till.csv", "no", status=403, etag=False)
    command("create_feed", "--org", "acme", "--name", "Till", "--url", url, "--schedule",
            "daily")
    out = command("run_feeds", "--feed", str(Feed.objects.get().pk))
    assert "Failed; stored 0" in out and "error: the server answered 403 (Forbidden)" in out
