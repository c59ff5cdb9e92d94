"""Feed pages: who sees and does what, the preview with its suggested mapping, Run now, the
secret URL shown once, and flat query counts."""

import re

import pytest

from alignment_portal.feeds import services
from alignment_portal.feeds.models import Feed, FeedRun
from metrics.models import MetricValue
from tests.feeds.conftest import monday, pull_feed, push_feed

WIDE = "Week,Waste (loaves),Customer Wait Time at Peak,Till float\n{day},27,6.5,100\n"


def feeds_url(org, rest=""):
    return f"/o/{org.slug}/feeds/{rest}"


def test_every_member_reads_the_feeds_and_their_runs(tenancy, bakery, feed_server):
    feed = pull_feed(tenancy.org, feed_server.serve("/till.csv", "no", status=403,
                                                    etag=False))
    services.run_now(feed=feed)
    for role in ("viewer", "staff", "consultant", "owner"):
        client = tenancy.client(role)
        assert "Till export" in client.get(feeds_url(tenancy.org)).content.decode()
        page = client.get(feeds_url(tenancy.org, f"{feed.pk}/")).content.decode()
        assert "The server answered 403 (Forbidden)." in page


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_staff_and_viewers_cannot_set_up_or_run_feeds(tenancy, bakery, role):
    feed = pull_feed(tenancy.org, "http://127.0.0.1:9/x.csv")
    client = tenancy.client(role)
    assert client.get(feeds_url(tenancy.org, "new/")).status_code == 403
    for action in ("edit/", "run/", "rotate/", "revoke/"):
        assert client.post(feeds_url(tenancy.org, f"{feed.pk}/{action}")).status_code == 403
    assert "Run now" not in client.get(feeds_url(tenancy.org, f"{feed.pk}/")).content.decode()
    assert not FeedRun.objects.filter(feed=feed).exists()


def test_outsiders_and_other_organizations_get_404(tenancy, bakery):
    feed = pull_feed(tenancy.org, "http://127.0.0.1:9/x.csv")
    outsider = tenancy.client_for(tenancy.users["outsider"])
    assert outsider.get(feeds_url(tenancy.org)).status_code == 404
    rival_owner = tenancy.client("owner", tenancy.other_org)
    assert rival_owner.get(feeds_url(tenancy.other_org, f"{feed.pk}/")).status_code == 404
    assert rival_owner.post(feeds_url(tenancy.other_org, f"{feed.pk}/run/")).status_code == 404


def test_the_preview_shows_the_first_rows_and_suggests_the_mapping(tenancy, bakery,
                                                                   feed_server):
    url = feed_server.serve("/till.csv", WIDE.format(day=monday(1)))
    client = tenancy.client("consultant")
    page = client.post(feeds_url(tenancy.org, "new/"), {
        "name": "Till export", "kind": "pull", "url": url, "schedule": "daily",
        "daily_hour": "6", "format": "auto", "action": "preview"}).content.decode()
    assert "Preview: nothing is stored yet" in page
    assert "2 values would be stored from 1 row (wide); 1 refused." in page  # as suggested
    assert "6.5" in page  # the first rows
    # "Customer Wait Time at Peak" is suggested for the metric of that name, "Waste (loaves)"
    # for Loaves wasted (closest name), "Till float" for nothing.
    assert f'<option value="{bakery["wait"].pk}" selected>' in page
    assert f'<option value="{bakery["waste"].pk}" selected>' in page
    assert not Feed.objects.exists() and not MetricValue.objects.exists()


def test_saving_with_an_edited_mapping_creates_the_feed_and_queues_its_first_run(
        tenancy, bakery, feed_server, django_capture_on_commit_callbacks):
    url = feed_server.serve("/till.csv", WIDE.format(day=monday(1)))
    client = tenancy.client("owner")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(feeds_url(tenancy.org, "new/"), {
            "name": "Till export", "kind": "pull", "url": url, "schedule": "hourly",
            "daily_hour": "6", "format": "csv", "action": "save", "map-count": "3",
            "map-0-name": "Waste (loaves)", "map-0-metric": str(bakery["waste"].pk),
            "map-1-name": "Customer Wait Time at Peak", "map-1-metric": "",
            "map-2-name": "Till float", "map-2-metric": "ignore"})
    feed = Feed.objects.get()
    assert answer.status_code == 302 and answer["Location"] == feeds_url(tenancy.org,
                                                                          f"{feed.pk}/")
    assert feed.metric_map == {"Waste (loaves)": bakery["waste"].pk, "Till float": None}
    run = FeedRun.objects.get(feed=feed)  # ran in-process (no broker in tests)
    assert (run.status, run.stored, run.refused) == ("ok", 2, 0)


def test_a_private_or_plain_http_address_is_refused_on_the_form(tenancy, bakery, settings):
    settings.FEEDS_ALLOWED_HOSTS = []
    client = tenancy.client("owner")
    page = client.post(feeds_url(tenancy.org, "new/"), {
        "name": "Sneaky", "kind": "pull", "url": "http://10.0.0.1/x.csv", "schedule": "daily",
        "daily_hour": "6", "format": "auto", "action": "save"}).content.decode()
    assert "Use https://" in page and not Feed.objects.exists()
    page = client.post(feeds_url(tenancy.org, "new/"), {
        "name": "Sneaky", "kind": "pull", "url": "https://10.0.0.1/x.csv", "schedule": "daily",
        "daily_hour": "6", "format": "auto", "action": "preview"}).content.decode()
    assert "a private, loopback or link-local address" in page


def test_a_push_feed_shows_its_secret_url_once(tenancy, bakery):
    client = tenancy.client("consultant")
    page = client.post(feeds_url(tenancy.org, "new/"), {
        "name": "Zapier", "kind": "push", "schedule": "daily", "daily_hour": "6",
        "format": "auto", "action": "save"}).content.decode()
    feed = Feed.objects.get()
    assert "it is not shown again" in page
    token = re.search(r'value="http://testserver/feeds/push/(fp_[\w-]+)"', page).group(1)
    assert services.push_feed_for(token) == feed
    again = client.get(feeds_url(tenancy.org, f"{feed.pk}/")).content.decode()
    assert token not in again and feed.push_token_hint in again


def test_a_push_sample_is_previewed_with_its_names(tenancy, bakery):
    page = tenancy.client("owner").post(feeds_url(tenancy.org, "new/"), {
        "name": "Make", "kind": "push", "schedule": "daily", "daily_hour": "6",
        "format": "auto", "action": "preview",
        "sample": f'[{{"metric": "waste", "date": "{monday(1)}", "value": 3}}]'}
    ).content.decode()
    assert '<label for="map-0">waste</label>' in page


def test_run_now_queues_a_run_and_the_page_shows_it(tenancy, bakery, feed_server,
                                                    django_capture_on_commit_callbacks):
    url = feed_server.serve("/till.csv", f"metric,date,value\nLoaves wasted,{monday(1)},27\n")
    feed = pull_feed(tenancy.org, url)
    client = tenancy.client("consultant")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(feeds_url(tenancy.org, f"{feed.pk}/run/"))
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "Succeeded" in page and "Run now by" in page
    assert FeedRun.objects.get(feed=feed).stored == 1


def test_editing_the_mapping_reads_the_file_afresh(tenancy, bakery, feed_server):
    url = feed_server.serve("/till.csv", WIDE.format(day=monday(1)))
    feed = pull_feed(tenancy.org, url)
    services.run_now(feed=feed)
    feed.refresh_from_db()
    assert feed.etag
    tenancy.client("owner").post(feeds_url(tenancy.org, f"{feed.pk}/edit/"), {
        "name": "Till export", "url": url, "schedule": "daily", "daily_hour": "7",
        "format": "auto", "action": "save", "map-count": "1",
        "map-0-name": "Waste (loaves)", "map-0-metric": str(bakery["waste"].pk)})
    feed.refresh_from_db()
    assert feed.metric_map == {"Waste (loaves)": bakery["waste"].pk} and feed.etag == ""
    assert feed.daily_hour == 7
    assert services.run_now(feed=feed).stored == 1  # read again, the new column in


def test_revoke_and_restore(tenancy, bakery):
    feed = pull_feed(tenancy.org, "http://127.0.0.1:9/x.csv")
    client = tenancy.client("owner")
    client.post(feeds_url(tenancy.org, f"{feed.pk}/revoke/"))
    feed.refresh_from_db()
    assert feed.revoked_at and feed.next_run_at is None
    client.post(feeds_url(tenancy.org, f"{feed.pk}/revoke/"), {"restore": "1"})
    feed.refresh_from_db()
    assert feed.revoked_at is None and feed.next_run_at is not None


def test_rotating_shows_the_new_url_once(tenancy, bakery):
    feed, token = push_feed(tenancy.org)
    page = tenancy.client("owner").post(feeds_url(tenancy.org, f"{feed.pk}/rotate/")
                                        ).content.decode()
    assert "/feeds/push/fp_" in page and token not in page


def test_the_pages_query_counts_do_not_grow_with_feeds_and_runs(
        tenancy, bakery, django_assert_max_num_queries):
    client = tenancy.client("viewer")

    def make(n):
        for i in range(n):
            feed = pull_feed(tenancy.org, "http://127.0.0.1:9/x.csv", name=f"Feed {i}")
            FeedRun.objects.bulk_create([FeedRun(organization=tenancy.org, feed=feed,
                                                 trigger="schedule", status="ok")
                                         for _ in range(5)])
        return feed

    feed = make(2)
    with django_assert_max_num_queries(12) as few:
        client.get(feeds_url(tenancy.org))
        client.get(feeds_url(tenancy.org, f"{feed.pk}/"))
    Feed.objects.all().delete()
    feed = make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(feeds_url(tenancy.org))
        client.get(feeds_url(tenancy.org, f"{feed.pk}/"))
