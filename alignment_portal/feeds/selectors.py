"""Reads for feeds. Each takes the organization and runs a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from alignment_portal.feeds import limits
from alignment_portal.feeds.models import Feed, FeedRun
from alignment_portal.lib.compiled import CompiledQuery
from alignment_portal.lib.words import worded
from alignment_portal.organizations.models import Organization


def feeds_with_last_run(organization: Organization):
    """The organization's feeds, each with `last_status` and `last_counts` of its latest run
    (one query)."""
    last = FeedRun.objects.filter(feed=OuterRef("pk")).order_by("-queued_at", "-id")
    return (Feed.objects.filter(organization=organization)
            .annotate(last_status=Subquery(last.values("status")[:1]),
                      last_stored=Subquery(last.values("stored")[:1]),
                      last_replaced=Subquery(last.values("replaced")[:1]),
                      last_refused=Subquery(last.values("refused")[:1]))
            .order_by("revoked_at", "name"))


def feed_runs(feed: Feed):
    return (FeedRun.objects.filter(organization_id=feed.organization_id, feed=feed)
            .select_related("requested_by")[:limits.RUNS_SHOWN])


@dataclass(frozen=True)
class FailingFeed:
    id: int
    name: str
    error: str


# Read by every metrics list and "Log values": compiled once (lib/compiled.py).
_FAILING_FEEDS = CompiledQuery(
    lambda organization_id: Feed.objects.filter(
        organization_id=organization_id, revoked_at=None,
        consecutive_failures__gte=limits.FAILING_AFTER_RUNS
    ).values_list("pk", "name", "last_error", "last_error_words", "fed_metric_ids",
                  "metric_map"),
    ints=["organization_id"])


def failing_feeds_by_metric(organization_id: int) -> dict[int, list[FailingFeed]]:
    """{metric id: the failing feeds that write to it} (one query)."""
    rows = _FAILING_FEEDS.rows(organization_id=organization_id)
    by_metric: dict[int, list[FailingFeed]] = {}
    for pk, name, error, words, fed, metric_map in rows:
        feed = FailingFeed(pk, name, worded(words, error))
        ids = set(fed or []) | {v for v in (metric_map or {}).values() if isinstance(v, int)}
        for metric_id in ids:
            by_metric.setdefault(metric_id, []).append(feed)
    return by_metric
