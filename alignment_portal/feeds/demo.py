"""Demo feeds for the bakery (DOMAIN.md, "Feeds").

- "Till export" pulls static/feeds/bakery-till.csv from the development server itself (DEBUG
  allows 127.0.0.1 in FEEDS_ALLOWED_HOSTS), daily at 06:00; its columns are named as the till
  names them, and the mapping ties them to the bakery's metrics. Press "Run now" on its page
  (or `manage.py run_feeds`); rename a column in the file and run it twice to see
  FEED_FAILING, put the name back and run it once to resolve it.
- "Queue system webhook" is a push feed with a known demo token, so the README's curl example
  works as written (a real push feed's URL is random and shown once).

Idempotent: feeds are found by name.
"""

from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone

from alignment_portal.feeds.models import Feed, Format, Kind, Schedule, hash_push_token
from alignment_portal.feeds.services import next_run_after
from metrics.models import Metric

DEMO_PUSH_TOKEN = "fp_demo-bakery-queue-webhook"  # noqa: S105 (documented demo data)
SAMPLE_PATH = "feeds/bakery-till.csv"


def seed(organization, people, today) -> None:
    if organization.slug != "bakery":
        return
    metrics = {m.name: m.pk for m in Metric.objects.filter(organization=organization)}
    mapping = {"Waste (loaves)": metrics.get("Loaves wasted"),
               "Queue wait (min)": metrics.get("Customer wait time at peak")}
    daily = Feed(schedule=Schedule.DAILY, daily_hour=6)
    Feed.objects.get_or_create(
        organization=organization, name="Till export",
        defaults={"kind": Kind.PULL, "url": settings.SITE_URL + static(SAMPLE_PATH),
                  "format": Format.CSV, "schedule": daily.schedule, "daily_hour": 6,
                  "next_run_at": next_run_after(daily, timezone.now()),
                  "metric_map": {k: v for k, v in mapping.items() if v},
                  "created_by": people.get("owner")})
    Feed.objects.get_or_create(
        organization=organization, name="Queue system webhook",
        defaults={"kind": Kind.PUSH, "push_token_hash": hash_push_token(DEMO_PUSH_TOKEN),
                  "push_token_hint": DEMO_PUSH_TOKEN[:8], "created_by": people.get("owner")})
