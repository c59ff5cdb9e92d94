"""Metrics: importing a 100,000-row CSV, and the "Log values" page with 200 metrics."""

import statistics
import time
from datetime import date, timedelta

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment_portal.organizations.models import Membership, Organization, Role
from metrics.csv_import import parse_values_csv
from metrics.models import Metric, MetricValue
from metrics.services import metric_values_record_bulk

ROWS = 100_000
IMPORT_METRICS = 100
PAGE_METRICS = 200
REQUESTS = 40


def _user(username):
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username,
                                                      defaults={"email": f"{username}@x.test"})
    return user


def _org(slug, user):
    organization = Organization.objects.create(name=slug.title(), slug=slug)
    Membership.objects.create(user=user, organization=organization, role=Role.STAFF)
    return organization


def _csv(names, weeks) -> bytes:
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    lines = ["metric,date,value,note"]
    periods = [(monday - timedelta(weeks=w)).isoformat() for w in range(weeks)]
    for i, name in enumerate(names):
        for w, period in enumerate(periods):
            lines.append(f"{name},{period},{(i * 7 + w * 13) % 1000}.{w % 100:02d},")
    return ("\n".join(lines) + "\n").encode()


def _import(organization, content, user):
    started = time.perf_counter()
    preview = parse_values_csv(content, organization=organization)
    parsed = time.perf_counter()
    with transaction.atomic():
        result = metric_values_record_bulk(organization=organization, rows=preview.rows,
                                           user=user)
    written = time.perf_counter()
    return preview, result, parsed - started, written - parsed


def bench_import(user):
    organization = _org("bench-import", user)
    names = [f"Bench metric {i:03d}" for i in range(IMPORT_METRICS)]
    Metric.objects.bulk_create([Metric(organization=organization, name=n, frequency="weekly",
                                       unit="count") for n in names])
    content = _csv(names, ROWS // IMPORT_METRICS)
    preview, result, parse_s, write_s = _import(organization, content, user)
    assert result.created == ROWS, (result, preview.problems[:3])
    again, result2, parse2_s, write2_s = _import(organization, content, user)
    return [
        (f"CSV import, {ROWS:,} rows ({len(content) / 1_048_576:.1f} MB): read + validate",
         f"{parse_s:.2f} s"),
        ("CSV import: write (one transaction)", f"{write_s:.2f} s"),
        ("CSV import: total", f"{parse_s + write_s:.2f} s"),
        ("same file again (all unchanged): total", f"{parse2_s + write2_s:.2f} s"),
    ]


def bench_log_page(user):
    organization = _org("bench-log", user)
    metrics = Metric.objects.bulk_create([
        Metric(organization=organization, name=f"Page metric {i:03d}",
               owner=user if i % 3 else None, unit="count",
               frequency=["weekly", "monthly", "quarterly"][i % 3])
        for i in range(PAGE_METRICS)])
    start = date(2025, 1, 6)
    MetricValue.objects.bulk_create([
        MetricValue(organization=organization, metric=m, period=start + timedelta(weeks=7 * k),
                    value=k) for m in metrics for k in range(6)])
    client = Client()
    client.force_login(user)
    url = reverse("metrics:log", args=[organization.slug])
    for _ in range(3):
        assert client.get(url).status_code == 200  # warm-up: templates, connections
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return [
        (f"Log values page, {PAGE_METRICS} metrics: median of {REQUESTS}",
         f"{statistics.median(timings):.0f} ms"),
        ("Log values page: p95", f"{p95:.0f} ms"),
        ("Log values page: queries", len(queries.captured_queries)),
        ("Log values page: size", f"{len(response.content) / 1024:.0f} KB"),
    ]


def run():
    user = _user("bench-staff")
    return bench_import(user) + bench_log_page(user)
