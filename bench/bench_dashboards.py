"""Dashboards under load: the dashboard of a size-L organization, the portfolio of a consultant
with 50 size-M clients and of one with 300 (WIDE_CLIENTS, 50 a page), the renewal calendar
across those 300, and each lazily loaded chart fragment.

Data from `seed_load` (L x 1, M x 50) plus HISTORY_DAYS nightly snapshots for the L
organization (so the history charts have points to draw). Served by gunicorn (2 workers,
production-like settings, bench/load.py); loaded from a second process with 8 concurrent
keep-alive clients for SECONDS each, twice: cached (the sections come from the cache, since
nothing changes during the run) and uncached (DASHBOARD_CACHE_SECONDS=0: every request renders
every section, as the first request after a change does). Each figure comes with the server's
CPU time per request and the /healthz floor of the same server. Targets: cached dashboard p95
<= 150 ms, portfolio <= 200 ms, chart fragments <= 150 ms; uncached size-L dashboard p95 <= 4x
the floor's p95; the 300-client portfolio p95 <= 2x the 50-client one (issue 21). The 300
clients (`seed_load --prefix wide`, 10 values a metric: the portfolio reads scores, not
values) are deleted at the end, so the benchmarks after this one see only their own data.
Figures only: nothing here asserts a timing.
"""

import os
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment_portal.organizations.models import Organization
from alignment_portal.scoring.models import OrganizationScore, ScoreSnapshot
from bench.load import Request, run_load, start_gunicorn

SECONDS = float(os.environ.get("BENCH_DASHBOARD_SECONDS", 20))
CLIENTS = 8
HISTORY_DAYS = 120
TARGETS = {"dashboard": 150, "portfolio": 200, "chart": 150, "floor": 150, "renewals": 200}
WIDE_CLIENTS = int(os.environ.get("BENCH_WIDE_CLIENTS", 300))


def _history(organization: Organization, days: int) -> None:
    """Nightly snapshots for the last `days` days, drifting towards today's scores."""
    score = OrganizationScore.objects.get(organization=organization)
    today = timezone.localdate()
    ScoreSnapshot.objects.filter(organization=organization, cycle=None).delete()
    ScoreSnapshot.objects.bulk_create([
        ScoreSnapshot(
            organization=organization, taken_on=today - timedelta(days=n),
            d1_goals=max(0, score.d1_goals - n / 6),
            d2_alignment=max(0, score.d2_alignment - n / 8),
            d3_measurement=max(0, score.d3_measurement - n / 10),
            d4_feedback=max(0, score.d4_feedback - n / 12), d5_integration=score.d5_integration,
            rung=max(1, score.rung - n // 60), misaligned_spend=score.misaligned_spend,
            misaligned_spend_share=score.misaligned_spend_share, open_flags=score.open_flags)
        for n in range(days, -1, -1)])


def _session(username: str) -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def _queries(cookie: str, path: str, **headers) -> int:
    client = Client(HTTP_HOST="127.0.0.1", **headers)
    client.cookies["sessionid"] = cookie
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def run():
    call_command("seed_load", size="L", orgs=1, verbosity=0)
    call_command("seed_load", size="M", orgs=50, verbosity=0)
    large = Organization.objects.get(slug="load-l-1")
    _history(large, HISTORY_DAYS)
    for organization in Organization.objects.filter(slug__startswith="load-m-")[:50]:
        _history(organization, 2)
    call_command("seed_load", size="M", orgs=WIDE_CLIENTS, prefix="wide", values_per_metric=10,
                 verbosity=0)
    wide = _session("wide-consultant")

    # The servers share this process's DJANGO_SECRET_KEY (bench/__main__.py), so they accept
    # the sessions signed here. (Setting another key here broke the benches run after it.)
    owner = _session("load-l-1-owner")
    consultant = _session("load-consultant")
    slug = large.slug
    htmx = {"HX-Request": "true"}
    pages = [
        # The floor: a view with one query and no session, under the same load, so the
        # figures below can be read against what the machine gives any request.
        ("floor", "floor: /healthz (no session, one query)", "/healthz", "", {}),
        ("dashboard", f"dashboard of {slug} (owner)", reverse("dashboard", args=[slug]),
         owner, {}),
        ("portfolio", "portfolio of load-consultant (50 M clients)", reverse("portfolio"),
         consultant, {}),
        ("portfolio", f"portfolio of wide-consultant ({WIDE_CLIENTS} M clients)",
         reverse("portfolio"), wide, {}),
        ("portfolio", f"portfolio, {WIDE_CLIENTS} clients sorted by D2, page 3",
         reverse("portfolio") + "?sort=d2_alignment&dir=desc&page=3", wide, {}),
        ("renewals", f"renewal calendar across {WIDE_CLIENTS} clients",
         reverse("renewals_calendar"), wide, {}),
        ("chart", "chart: dimensions now / a month ago",
         reverse("dashboards:dimensions_chart", args=[slug]), owner, htmx),
        ("chart", "chart: rung history", reverse("dashboards:history_rung", args=[slug]),
         owner, htmx),
        ("chart", "chart: dimensions history",
         reverse("dashboards:history_dimensions", args=[slug]), owner, htmx),
        ("chart", "chart: misaligned spend history",
         reverse("dashboards:history_spend", args=[slug]), owner, htmx),
    ]
    figures = []
    for kind, label, path, cookie, headers in pages:
        if kind == "floor":
            continue
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        figures.append((f"queries: {label}", _queries(cookie, path, **meta)))
    # Cached: the sections come from the cache (nothing changes during the run). Uncached:
    # DASHBOARD_CACHE_SECONDS=0, so every request renders every section, as the first
    # request after a change does (a change moves the cache key). The /healthz floor is
    # measured on each server, in the same run.
    uncached_pages = [p for p in pages if p[0] in {"floor", "dashboard", "portfolio"}]
    fifty = "portfolio of load-consultant (50 M clients)"
    for mode, server_env, measured in (("cached", {}, pages),
                                       ("uncached", {"DASHBOARD_CACHE_SECONDS": 0},
                                        uncached_pages)):
        # The uncached server must not read what the cached one stored (the same keys: the
        # scores did not move in between).
        cache.clear()
        with start_gunicorn(workers=2, **server_env) as server:
            floor_p95 = None
            portfolio_50 = None
            for kind, label, path, cookie, headers in measured:
                figures.extend(_measure(server, mode, kind, label, path, cookie, headers))
                if kind == "floor":
                    floor_p95 = _last_p95
                elif floor_p95:
                    figures.append((f"{mode} {label}: p95 / floor p95 (target <= 4x)",
                                    f"{_last_p95 / floor_p95:.1f}x"))
                if label == fifty:
                    portfolio_50 = _last_p95
                elif kind == "portfolio" and portfolio_50:
                    figures.append((f"{mode} {label}: p95 / 50-client p95 (target <= 2x)",
                                    f"{_last_p95 / portfolio_50:.1f}x"))
    try:
        _delete_wide()
    except Exception as exc:  # the figures above still count; say what was left behind
        figures.append(("cleanup of the wide-m-* clients", f"FAILED: {exc!r:.120}"))
    return figures


def _delete_wide() -> None:
    """Remove the 300 clients: their scores first (the recompute wrote them), then the
    records the fast way seed_load rebuilds its organizations."""
    from alignment_portal.benefits.models import BenefitScore
    from alignment_portal.scoring.management.commands.seed_load import Command
    from alignment_portal.scoring.models import (
        Flag,
        GoalScore,
        ImpactEvidence,
        InitiativeScore,
        MetricScore,
    )

    wide = Organization.objects.filter(slug__startswith="wide-m-")
    for model in (ImpactEvidence, InitiativeScore, GoalScore, MetricScore, BenefitScore, Flag,
                  ScoreSnapshot, OrganizationScore):
        rows = model.objects.filter(organization__in=wide)
        rows._raw_delete(rows.db)
    clear = Command()._clear
    for organization in wide:
        clear(organization)


_last_p95 = 0.0


def _measure(server, mode: str, kind: str, label: str, path: str, cookie: str,
             headers: dict) -> list[tuple[str, str]]:
    """Load one page with CLIENTS clients for SECONDS; its latency, throughput and the
    server's CPU time per request (gunicorn master and workers, from /proc)."""
    global _last_p95
    request = Request("GET", path, headers={"Cookie": f"sessionid={cookie}", **headers})
    run_load(server, [request], clients=2, seconds=2)  # warm both workers
    cpu_before = server.cpu_seconds()
    result = run_load(server, [request], clients=CLIENTS, seconds=SECONDS)
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(result.requests, 1)
    ok = set(result.statuses) == {200} and not result.errors
    _last_p95 = result.percentile(95)
    target = TARGETS[kind] if mode == "cached" else None
    return [
        (f"{mode} {label}: p95" + (f" (target <= {target} ms)" if target else ""),
         f"{result.percentile(95):.0f} ms{'' if ok else '  NOT ALL 200: ' + str(result.statuses)}"),
        (f"{mode} {label}: p50, rps, requests",
         f"{result.percentile(50):.0f} ms, {result.rps:.0f}/s, {result.requests}"),
        (f"{mode} {label}: server CPU per request", f"{cpu_ms:.1f} ms"),
    ]
