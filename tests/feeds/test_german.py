"""A feed's failure is recorded where no reader is (a worker) and read by people in their own
languages: kept in English for the API and as words each page fills in the reader's language."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from alignment_portal.feeds import services
from alignment_portal.feeds.models import Feed
from alignment_portal.lib.words import Words, worded
from alignment_portal.organizations.models import Preferences
from alignment_portal.scoring import engine
from alignment_portal.scoring.models import Flag
from tests.feeds.conftest import monday, pull_feed
from tests.feeds.test_runs import long_csv


@pytest.fixture
def german(tenancy):
    """The owner, whose browser asks for German; English again after the test."""
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.user("owner"))
    with translation.override("en"):
        yield client


def failed_twice(tenancy, feed_server):
    feed = pull_feed(tenancy.org, feed_server.serve("/till.csv", "no", status=403, etag=False))
    services.run_now(feed=feed)
    services.run_now(feed=Feed.objects.get(pk=feed.pk))
    return Feed.objects.get(pk=feed.pk)


def test_words_keep_english_and_word_each_reader_s_language():
    words = Words(gettext_noop("timed out after %(seconds)s s"), {"seconds": 2.5})
    assert words.english() == "timed out after 2.5 s"
    with translation.override("de"):
        assert str(words) == "Zeitüberschreitung nach 2,5 s"
        assert worded(words.as_json()) == "Zeitüberschreitung nach 2,5 s"
        assert worded({}, "kept English") == "kept English"  # a run stored before words
    with translation.override("en"):
        assert str(Words(gettext_noop("timed out after %(seconds)s s"), {"seconds": 4.0})) == (
            "timed out after 4 s")


def test_a_failed_run_reads_german_to_a_german_reader_and_stays_english_in_the_record(
        tenancy, feed_server, german):
    feed = failed_twice(tenancy, feed_server)
    run = feed.runs.first()
    assert run.error == "the server answered 403 (Forbidden)"  # the API's and the logs' text
    detail = german.get(f"/o/{tenancy.org.slug}/feeds/{feed.pk}/").content.decode()
    assert "Der Server antwortete 403 (Forbidden)." in detail
    assert "the server answered" not in detail and "The server answered" not in detail
    listing = german.get(f"/o/{tenancy.org.slug}/feeds/").content.decode()
    assert "der Server antwortete 403 (Forbidden)" in listing and "Jeden Tag um" in listing
    english = tenancy.client("owner").get(f"/o/{tenancy.org.slug}/feeds/{feed.pk}/")
    assert "The server answered 403 (Forbidden)." in english.content.decode()


def test_the_feed_failing_flag_words_the_error_in_the_reader_s_language(tenancy, feed_server):
    failed_twice(tenancy, feed_server)
    engine.recompute(tenancy.org.pk)
    flag = Flag.objects.get(organization=tenancy.org, code="FEED_FAILING", resolved_at=None)
    with translation.override("de"):
        assert "der Server antwortete 403 (Forbidden)" in flag.message
    with translation.override("en"):
        assert "the last one: the server answered 403 (Forbidden)." in flag.message
    before = Flag.objects.filter(organization=tenancy.org).values_list("pk", "params")
    with translation.override("de"):
        engine.recompute(tenancy.org.pk)  # the reader's language writes nothing new
    assert list(Flag.objects.filter(organization=tenancy.org).values_list("pk", "params")) == (
        list(before))


@pytest.mark.parametrize(("chosen", "expected"), [
    ("de", "„Nonexistent metric“ ist keine Kennzahl dieser Organisation."),
    ("", "“Nonexistent metric” is not a metric of this organization."),  # the default
])
def test_a_run_words_its_refused_rows_in_the_language_of_who_set_the_feed_up(
        tenancy, feed_server, bakery, chosen, expected):

    owner = tenancy.user("owner")
    Preferences.objects.update_or_create(user=owner, defaults={"language": chosen})
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27),
                                                   ("Nonexistent metric", monday(1), 5)]))
    feed = pull_feed(tenancy.org, url, created_by=owner)
    with translation.override("en"):  # a worker's: no reader
        run = services.run_now(feed=feed)
    assert (run.stored, run.refused) == (1, 1)
    assert run.problems == [{"line": 3, "reason": expected}]
    assert translation.get_language() == "en"  # and left as it was


def test_a_run_someone_asked_for_is_worded_in_their_language(tenancy, feed_server, bakery):

    Preferences.objects.update_or_create(user=tenancy.user("owner"),
                                            defaults={"language": "en"})
    consultant = tenancy.user("consultant")
    Preferences.objects.update_or_create(user=consultant, defaults={"language": "de"})
    url = feed_server.serve("/till.csv", long_csv([("Nonexistent metric", monday(1), 5)]))
    feed = pull_feed(tenancy.org, url, created_by=tenancy.user("owner"))
    with translation.override("en"):
        run = services.run_now(feed=feed, user=consultant)
    assert run.problems[0]["reason"].endswith("ist keine Kennzahl dieser Organisation.")
