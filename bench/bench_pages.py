"""The pages people see after every change, uncached: the size-L dashboard right after a change,
a metric page with 104 values and its chart, "Log values" with 30 and with 200 metrics (each
page, and each saved value), the initiatives list and the matrix at 100 goals x 500
initiatives.

Data from `seed_load` (L x 1; M x 1 with 104 values per metric: 30 weekly metrics, two years).
One gunicorn server (2 workers, production settings, DASHBOARD_CACHE_SECONDS=0 so every
dashboard request renders every section, as the first request after a change does; the other
pages have no cache) loaded by CLIENTS keep-alive clients for SECONDS per page from a second
process. Each page reports wall-clock p50/p95, the server's CPU time per request (master and
workers, from /proc, divided by the requests served: robust on a busy machine where wall
clock is not) and the /healthz floor measured on the same server in the same run.

Targets (issue 17, 2 cores, 8 clients): dashboard p95 <= 4x the floor's p95 and <= 30 ms CPU
per request (beside it, the least mean latency that CPU allows 8 clients on 2 CPUs, and the CPU
per request the p95 target would need); metric page <= 15 ms CPU; Log values with 30 metrics
<= 15 ms CPU per page and <= 8 ms per saved value. Figures only: nothing here asserts a timing.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.load import Request, csrf_pair, run_load, session_cookie, start_gunicorn

SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", 15))
CLIENTS = 8
METRIC_VALUES = 104
# (label, CPU ms per request target, p95 as a multiple of the floor's p95 target)
TARGETS = {"dashboard": (30, 4), "metric": (15, None), "log30": (15, None),
           "save30": (8, None)}


class _Null:
    def write(self, *_):
        pass


def _queries(cookie: str, path: str) -> int:
    """Queries of one request, in this process (the dashboard's section cache off)."""
    from alignment_portal.dashboards import views as dashboard_views

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = cookie
    cached, dashboard_views.CACHE_SECONDS = dashboard_views.CACHE_SECONDS, 0
    try:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
    finally:
        dashboard_views.CACHE_SECONDS = cached
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def _save_requests(slug: str, metric_ids: list[int], cookie: str):
    """Request i saves value i for the current period of one of the metrics, in turn (a new
    value, or one replacing the last: what a person does on "Log values")."""
    token, header = csrf_pair()
    today = timezone.localdate().isoformat()
    paths = [reverse("metrics:log_value", args=[slug, pk]) for pk in metric_ids]
    headers = {"Cookie": f"sessionid={cookie}; csrftoken={token}", "X-CSRFToken": header,
               "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}

    def request(index: int) -> Request:
        body = f"period={today}&value={index % 997}.5&note=".encode()
        return Request("POST", paths[index % len(paths)], body=body, headers=headers)

    return request


def run():
    from metrics.models import Metric

    call_command("seed_load", size="L", orgs=1, verbosity=0, stdout=_Null())
    call_command("seed_load", size="M", orgs=1, values_per_metric=METRIC_VALUES, verbosity=0,
                 stdout=_Null())
    users = get_user_model().objects
    large_owner = session_cookie(users.get(username="load-l-1-owner"))
    medium_owner = session_cookie(users.get(username="load-m-1-owner"))
    large, medium = "load-l-1", "load-m-1"
    medium_metrics = list(Metric.objects.filter(organization__slug=medium, archived_at=None)
                          .order_by("pk").values_list("pk", flat=True))
    metric_id = next(pk for pk in medium_metrics
                     if Metric.objects.get(pk=pk).values.count() == METRIC_VALUES)
    pages = [
        ("dashboard", f"dashboard of {large} right after a change",
         reverse("dashboard", args=[large]), large_owner),
        ("metric", f"metric page, {METRIC_VALUES} values and its chart",
         reverse("metrics:detail", args=[medium, metric_id]), medium_owner),
        ("log30", "Log values, 30 metrics", reverse("metrics:log", args=[medium]),
         medium_owner),
        ("log200", "Log values, 200 metrics", reverse("metrics:log", args=[large]),
         large_owner),
        ("initiatives", "initiatives list (500)", reverse("initiatives:list", args=[large]),
         large_owner),
        ("matrix", "matrix, 100 goals x 500 initiatives",
         reverse("initiatives:matrix", args=[large]), large_owner),
    ]
    figures = [(f"queries: {label}", _queries(cookie, path)) for _, label, path, cookie in pages]
    load = os.getloadavg()
    figures.append(("machine load average (1, 5, 15 min) before", f"{load[0]:.1f}, "
                    f"{load[1]:.1f}, {load[2]:.1f} on {os.cpu_count()} CPUs"))
    cache_url = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9")
    # Saved values enqueue a recompute: published to the benches' Redis (emptied by the next
    # run), never run, so the figure is the request's own cost.
    with start_gunicorn(workers=2, DASHBOARD_CACHE_SECONDS=0,
                        CELERY_BROKER_URL=cache_url) as server:
        floor = _measure(server, [Request("GET", "/healthz")])
        figures += _figures("floor: /healthz (no session, one query)", floor, None, None)
        for kind, label, path, cookie in pages:
            result = _measure(server, [Request("GET", path,
                                               headers={"Cookie": f"sessionid={cookie}"})])
            figures += _figures(label, result, floor, TARGETS.get(kind))
        saves = _measure(server, _save_requests(medium, medium_metrics[:30], medium_owner))
        figures += _figures("Log values, 30 metrics: each saved value (htmx POST)", saves,
                            floor, TARGETS["save30"])
    load = os.getloadavg()
    figures.append(("machine load average (1, 5, 15 min) after", f"{load[0]:.1f}, "
                    f"{load[1]:.1f}, {load[2]:.1f} on {os.cpu_count()} CPUs"))
    return figures


def _measure(server, requests) -> tuple:
    """(LoadResult, CPU ms per request) of CLIENTS clients for SECONDS, after a warm-up."""
    run_load(server, requests, clients=2, seconds=2)  # warm both workers
    cpu_before = server.cpu_seconds()
    result = run_load(server, requests, clients=CLIENTS, seconds=SECONDS)
    return result, (server.cpu_seconds() - cpu_before) * 1000 / max(result.requests, 1)


def _figures(label: str, measured: tuple, floor: tuple | None, target) -> list:
    result, cpu_ms = measured
    ok = set(result.statuses) == {200} and not result.errors
    status = "" if ok else f"  NOT ALL 200: {result.statuses}, errors {result.errors}"
    cpu_target, floor_target = target or (None, None)
    rows = [(f"{label}: p50 / p95", f"{result.percentile(50):.0f} / "
                                    f"{result.percentile(95):.0f} ms, {result.rps:.0f}/s, "
                                    f"{result.requests} requests{status}"),
            (f"{label}: server CPU per request"
             + (f" (target <= {cpu_target} ms)" if cpu_target else ""), f"{cpu_ms:.1f} ms")]
    if floor is not None:
        ratio = result.percentile(95) / max(floor[0].percentile(95), 0.001)
        rows.append((f"{label}: p95 / floor p95"
                     + (f" (target <= {floor_target}x)" if floor_target else ""),
                     f"{ratio:.1f}x"))
        if floor_target:
            rows.append(_cpu_bound(label, cpu_ms, floor[0].percentile(95), floor_target))
    return rows


def _cpu_bound(label: str, cpu_ms: float, floor_p95: float, floor_target: float) -> tuple:
    """What the CPU alone allows: CLIENTS closed-loop clients (no pause between requests) on
    os.cpu_count() CPUs wait, by Little's law, at least CLIENTS x CPU per request / CPUs on
    average, so p95 is at least that; and the CPU per request under which the p95 target is
    reachable at all."""
    cpus = os.cpu_count() or 1
    least_mean = CLIENTS * cpu_ms / cpus
    reachable_below = floor_target * floor_p95 * cpus / CLIENTS
    return (f"{label}: least mean latency its CPU allows ({CLIENTS} clients x CPU / {cpus} "
            f"CPUs)", f"{least_mean:.0f} ms = {least_mean / max(floor_p95, 0.001):.1f}x the "
            f"floor's p95; p95 <= {floor_target:g}x needs <= {reachable_below:.1f} ms CPU")
