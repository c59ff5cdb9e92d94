from datetime import date
from pathlib import Path

from django.conf import settings

from alignment_portal.feeds import demo
from alignment_portal.feeds.models import Feed
from alignment_portal.feeds.reading import read_body
from metrics import demo as metrics_demo
from tests.factories import OrganizationFactory, UserFactory

TODAY = date(2026, 12, 1)  # the sample file's last week is 2026-11-30


def test_the_bakery_demo_has_a_pull_and_a_push_feed_and_seeding_twice_adds_none(db):
    org = OrganizationFactory(slug="bakery")
    people = {"owner": UserFactory(), "staff": UserFactory()}
    metrics_demo.seed(org, people, TODAY)
    demo.seed(org, people, TODAY)
    demo.seed(org, people, TODAY)
    pull = Feed.objects.get(organization=org, kind="pull")
    assert pull.url == settings.SITE_URL + "/static/feeds/bakery-till.csv"
    assert Feed.objects.get(organization=org, kind="push").push_token_hint == "fp_demo-"
    sample = (Path(settings.BASE_DIR) / "static" / demo.SAMPLE_PATH).read_bytes()
    preview = read_body(sample, feed=pull, today=TODAY)
    assert len(preview.rows) == 10 and preview.problems == []  # the mapping fits the file
