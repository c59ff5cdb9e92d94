"""Feeds: a pull of a 100,000-row CSV from a local server, against the CSV import of the same
file plus its download, and a run with nothing new (304, and the same body without an ETag)
against a full run.

Targets (issue 19): full run <= import + download; a run with nothing new writes nothing and
takes <= 10 % of a full run. Medians of REPEAT runs; each full run gets a fresh organization,
so every run stores all 100,000 values.
"""

import hashlib
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.db import transaction

from alignment_portal.feeds.fetch import fetch
from alignment_portal.feeds.models import Feed, FeedRun
from alignment_portal.feeds.services import feed_create, run_now
from bench.bench_metrics import IMPORT_METRICS, ROWS, _csv, _org, _user
from metrics.csv_import import parse_values_csv
from metrics.models import Metric, MetricValue
from metrics.services import metric_values_record_bulk

REPEAT = 3


class _Files:
    """What the local server serves: path -> body; ETag honoured unless the path says not."""

    bodies: dict[str, bytes] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        body = _Files.bodies.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        with_etag = "noetag" not in self.path
        if with_etag and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        if with_etag:
            self.send_header("ETag", tag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _organization(slug, user):
    organization = _org(slug, user)
    names = [f"Bench metric {i:03d}" for i in range(IMPORT_METRICS)]
    Metric.objects.bulk_create([Metric(organization=organization, name=n, frequency="weekly",
                                       unit="count") for n in names])
    return organization, names


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def run():
    settings.FEEDS_ALLOWED_HOSTS = ["127.0.0.1"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    user = _user("bench-feeds")
    try:
        return _measure(base, user)
    finally:
        server.shutdown()
        server.server_close()


def _measure(base, user):
    imports, downloads, full_runs, not_modified, same_body = [], [], [], [], []
    content = b""
    for attempt in range(REPEAT):
        organization, names = _organization(f"bench-feed-import-{attempt}", user)
        content = _csv(names, ROWS // IMPORT_METRICS)
        _Files.bodies["/values.csv"] = content
        _Files.bodies["/values.csv?noetag"] = content

        def import_file(organization=organization, content=content):
            preview = parse_values_csv(content, organization=organization)
            with transaction.atomic():
                return metric_values_record_bulk(organization=organization, rows=preview.rows,
                                                 user=user)

        result, seconds = _timed(import_file)
        assert result.created == ROWS, result
        imports.append(seconds)
        _, seconds = _timed(lambda: fetch(base + "/values.csv"))
        downloads.append(seconds)

        organization, _ = _organization(f"bench-feed-pull-{attempt}", user)
        feed, _ = feed_create(organization=organization, name="Bench feed", kind="pull",
                              url=base + "/values.csv", schedule="daily")
        feed_run, seconds = _timed(lambda feed=feed: run_now(feed=feed))
        assert feed_run.stored == ROWS, (feed_run.status, feed_run.error)
        full_runs.append(seconds)
        values_before = MetricValue.objects.filter(organization=organization).count()
        again, seconds = _timed(lambda feed=feed: run_now(feed=Feed.objects.get(pk=feed.pk)))
        assert again.status == "not_modified" and again.http_status == 304
        not_modified.append(seconds)

        plain, _ = feed_create(organization=organization, name="Bench feed, no ETag",
                               kind="pull", url=base + "/values.csv?noetag", schedule="daily")
        first = run_now(feed=plain)
        assert first.unchanged == ROWS  # the same values: nothing to write
        second, seconds = _timed(lambda plain=plain: run_now(feed=Feed.objects.get(
            pk=plain.pk)))
        assert second.status == "not_modified" and second.http_status == 200
        same_body.append(seconds)
        assert MetricValue.objects.filter(organization=organization).count() == values_before

    median = statistics.median
    baseline = median(imports) + median(downloads)
    full = median(full_runs)
    return [
        (f"CSV import of the file ({ROWS:,} rows, {len(content) / 1_048_576:.1f} MB)",
         f"{median(imports):.2f} s"),
        ("download of the file from a local server", f"{median(downloads):.3f} s"),
        ("import + download (the target for a pull)", f"{baseline:.2f} s"),
        ("pull run storing all rows (fetch, read, write, record)", f"{full:.2f} s "
         f"({full / baseline * 100:.0f} % of import + download)"),
        ("run with nothing new: 304 Not Modified",
         f"{median(not_modified) * 1000:.0f} ms ({median(not_modified) / full * 100:.1f} % "
         "of a full run; writes no value)"),
        ("run with nothing new: same body, no ETag (sha256 match)",
         f"{median(same_body) * 1000:.0f} ms ({median(same_body) / full * 100:.1f} % of a "
         "full run; writes no value)"),
        ("runs recorded", str(FeedRun.objects.count())),
        (f"(medians of {REPEAT})", ""),
    ]
