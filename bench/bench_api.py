"""API: batches of 1,000 values pushed over HTTP to gunicorn, values stored per second."""

import json
from datetime import timedelta

from django.utils import timezone

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.organizations.models import Organization
from bench.load import Request, run_load, start_gunicorn
from metrics.models import Metric, MetricValue

CLIENTS = 4
METRICS_PER_CLIENT = 50
WEEKS_PER_BATCH = 20  # 50 metrics x 20 weeks = 1,000 values per batch
BATCHES_PER_CLIENT = 15


def run():
    organization = Organization.objects.create(name="API bench", slug="bench-api")
    metrics = Metric.objects.bulk_create(
        Metric(organization=organization, name=f"Feed metric {n:03d}", unit="count",
               frequency="weekly") for n in range(CLIENTS * METRICS_PER_CLIENT))
    _, token = api_token_create(organization=organization, name="bench", scope=Scope.WRITE_VALUES)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def batch(index):
        if index >= CLIENTS * BATCHES_PER_CLIENT:
            return None
        group, block = index % CLIENTS, index // CLIENTS
        group_metrics = metrics[group * METRICS_PER_CLIENT:(group + 1) * METRICS_PER_CLIENT]
        items = [{"metric": m.pk,
                  "date": (monday - timedelta(weeks=block * WEEKS_PER_BATCH + w)).isoformat(),
                  "value": (m.pk * 7 + w) % 500}
                 for m in group_metrics for w in range(WEEKS_PER_BATCH)]
        return Request("POST", "/api/v1/values", json.dumps({"items": items}).encode(),
                       headers, tag=len(items))

    # Production-like: the request only queues the recompute (nobody consumes it here).
    with start_gunicorn(workers=2, CELERY_BROKER_URL="redis://127.0.0.1:6379/12") as base:
        result = run_load(base, batch, clients=CLIENTS, keep_bodies=True)
    stored = sum(json.loads(body)["stored"] for _, status, body in result.outcomes
                 if status == 200)
    rows = MetricValue.objects.filter(organization=organization).count()
    return [
        ("batches of 1,000 values (4 clients, gunicorn 2 workers)", result.summary()),
        ("values stored per second", f"{stored / result.seconds:,.0f}"),
        ("rows in the database / values acknowledged", f"{rows:,} / {stored:,}"),
    ]
