"""Load and faults: 16 staff clients submit 20,000 values through the real "Log values" form
endpoint (with CSRF) to gunicorn on PostgreSQL, while the broker (a Redis of the bench's own)
is stopped for 10 s and a Celery worker is killed with SIGKILL in the middle of a recompute.

Afterwards: the stored rows equal the acknowledged submissions exactly, and every
organization's scores equal a fresh synchronous recompute (the sweep caught up; nothing
lost, nothing doubled). Prints throughput, p95 and the catch-up time.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode

from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from alignment_portal.organizations.models import Membership, Organization, Role
from alignment_portal.scoring.engine import recompute
from alignment_portal.scoring.models import (
    Flag,
    GoalScore,
    InitiativeScore,
    MetricScore,
    OrganizationScore,
)
from bench.load import ROOT, Request, csrf_pair, free_port, run_load, session_cookie, start_gunicorn
from metrics.models import Metric, MetricValue

# 16 staff clients, one per organization: a consultant's clients log at the same time. (Four
# staff of ONE organization serialise on its row, which every change marks for recompute: about
# 50 values a second per organization here, far beyond what one small business logs.)
ORGS = 16
STAFF_PER_ORG = 1
METRICS_PER_ORG = 25
WEEKS = 50  # 16 x 25 x 50 = 20,000 submissions
OUTAGE_AT, OUTAGE_SECONDS = 3.0, 10.0
KILL_AFTER = OUTAGE_AT + OUTAGE_SECONDS + 2.0
TASK_TIME_LIMIT = 20  # so a dead worker's claim is reclaimable after 50 s, not 3.5 minutes
SWEEP_SECONDS = 5


class Redis:
    """A Redis of the bench's own, with an append-only file like production's."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--appendonly", "yes", "--save", "", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                              capture_output=True, text=True).stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("bench Redis did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _celery(args: list[str], env: dict, log: str) -> subprocess.Popen:
    """A Celery process at nice 10, as docker-compose runs the worker."""
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "alignment_portal", *args],
                            cwd=ROOT, env=env, stdout=open(log, "w"),  # noqa: SIM115
                            stderr=subprocess.STDOUT, preexec_fn=lambda: os.nice(10))


def _score_state() -> dict:
    """Every score row and every open flag, without volatile ids."""
    def rows(model, key):
        return sorted((key(r), tuple(sorted((k, str(v)) for k, v in model_to_dict(r).items()
                                            if k not in ("id",))))
                      for r in model.objects.all())
    return {
        "organization": rows(OrganizationScore, lambda r: r.organization_id),
        "initiatives": rows(InitiativeScore, lambda r: r.initiative_id),
        "goals": rows(GoalScore, lambda r: r.goal_id),
        "metrics": rows(MetricScore, lambda r: r.metric_id),
        "flags": sorted((f.organization_id, f.code, f.subject_type, f.subject_id, f.message)
                        for f in Flag.objects.open()),
    }


def run():
    call_command("seed_load", "--size", "M", "--orgs", str(ORGS), verbosity=0)
    slugs = [f"load-m-{n}" for n in range(1, ORGS + 1)]  # other benches may have made more
    organizations = list(Organization.objects.filter(slug__in=slugs).order_by("pk"))
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    plan, clients = [], []
    from django.contrib.auth import get_user_model

    for organization in organizations:
        metrics = Metric.objects.bulk_create(
            Metric(organization=organization, name=f"Logged by staff {n:02d}", unit="count",
                   nature="output", frequency="weekly") for n in range(METRICS_PER_ORG))
        for n in range(STAFF_PER_ORG):
            user = get_user_model().objects.create(username=f"{organization.slug}-staff-{n}")
            Membership.objects.create(user=user, organization=organization, role=Role.STAFF)
            cookie, token = csrf_pair()
            clients.append({"Cookie": f"sessionid={session_cookie(user)}; csrftoken={cookie}",
                            "X-CSRFToken": token, "HX-Request": "true",
                            "Content-Type": "application/x-www-form-urlencoded"})
        for metric in metrics:
            for week in range(WEEKS):
                plan.append((organization, metric, monday - timedelta(weeks=week)))
    for organization in organizations:  # the metrics were added in bulk: score them now
        recompute(organization.pk)
    # Interleave so each of the 16 clients submits to its own organization's metrics.
    per_org = {o.pk: [p for p in plan if p[0].pk == o.pk] for o in organizations}
    submissions = []
    for i in range(len(plan)):
        organization = organizations[i % ORGS]
        submissions.append(per_org[organization.pk][i // ORGS])

    def request(index):
        if index >= len(submissions):
            return None
        organization, metric, period = submissions[index]
        headers = clients[(index % ORGS) * STAFF_PER_ORG + (index // ORGS) % STAFF_PER_ORG]
        value = (metric.pk * 31 + index) % 997
        body = urlencode({"period": period.isoformat(), "value": str(value), "note": ""})
        return Request("POST", f"/o/{organization.slug}/metrics/{metric.pk}/log/",
                       body.encode(), headers, tag=(metric.pk, period, value))

    redis = Redis()
    redis.start()
    logs = tempfile.mkdtemp(prefix="bench-faults-")
    env = {**os.environ, "CELERY_BROKER_URL": redis.url,
           "CELERY_TASK_TIME_LIMIT": str(TASK_TIME_LIMIT),
           "CELERY_TASK_SOFT_TIME_LIMIT": str(TASK_TIME_LIMIT - 5),
           "SCORING_SWEEP_SECONDS": str(SWEEP_SECONDS), "DJANGO_LOG_LEVEL": "WARNING"}
    worker = _celery(["worker", "--pool", "solo", "--loglevel", "INFO", "-n", "bench1@%h"],
                     env, f"{logs}/worker-1.log")
    beat = _celery(["beat", "--loglevel", "INFO", "--schedule", f"{logs}/beat-schedule"],
                   env, f"{logs}/beat.log")
    events: dict = {}

    def faults(started):
        time.sleep(OUTAGE_AT)
        redis.stop()
        events["redis_stopped"] = time.monotonic() - started
        time.sleep(OUTAGE_SECONDS)
        redis.start()
        events["redis_back"] = time.monotonic() - started
        while time.monotonic() - started < KILL_AFTER:
            time.sleep(0.1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for a recompute to be running, then kill
            if Organization.objects.filter(recompute_started_at__isnull=False).exists():
                os.kill(worker_box[0].pid, signal.SIGKILL)
                events["worker_killed"] = time.monotonic() - started
                break
            time.sleep(0.02)
        time.sleep(1)
        worker_box[0] = _celery(["worker", "--pool", "solo", "--loglevel", "INFO",
                                 "-n", "bench2@%h"], env, f"{logs}/worker-2.log")

    worker_box = [worker]
    try:
        with start_gunicorn(workers=2, threads=4, CELERY_BROKER_URL=redis.url,
                            CELERY_TASK_TIME_LIMIT=TASK_TIME_LIMIT,
                            CELERY_TASK_SOFT_TIME_LIMIT=TASK_TIME_LIMIT - 5) as base:
            started = time.monotonic()
            fault_thread = threading.Thread(target=faults, args=(started,), daemon=True)
            fault_thread.start()
            result = run_load(base, request, clients=len(clients), keep_bodies=True)
            fault_thread.join(timeout=120)
        # Catch-up: the sweep (beat) queues what was missed; wait until every organization's
        # scores cover every change and no claim is held.
        waited = time.monotonic()
        caught_up = None
        while time.monotonic() - waited < 300:
            behind = [o.slug for o in Organization.objects.filter(slug__in=slugs)
                      if o.recomputed_generation < o.recompute_generation
                      or o.recompute_started_at is not None]
            if not behind:
                caught_up = time.monotonic() - waited
                break
            time.sleep(1)
    finally:
        for process in (worker_box[0], beat):
            process.terminate()
        for process in (worker_box[0], beat):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.stop()

    acknowledged = {}
    refused = 0
    for tag, status, body in result.outcomes:
        text = body.decode(errors="replace")
        match = re.search(r'data-result="(created|replaced|unchanged)"', text)
        if status == 200 and match:
            acknowledged[(tag[0], tag[1])] = tag[2]
        else:
            refused += 1
    stored = {(m, p): int(v) for m, p, v in MetricValue.objects.filter(
        metric__name__startswith="Logged by staff").values_list("metric_id", "period", "value")}
    exact = stored == acknowledged
    # Every submission is valid: one that was not acknowledged (a redirect to the login page,
    # an error) means the run measured something else, whatever the rows say.
    valid_run = refused == 0 and len(acknowledged) == len(submissions)

    worker_runs = sum(open(f"{logs}/{name}").read().count("succeeded")
                      for name in os.listdir(logs) if name.startswith("worker-"))
    before = _score_state()
    for organization in Organization.objects.filter(slug__in=slugs):
        recompute(organization.pk)
    after = _score_state()
    scores_match = before == after
    return [
        (f"submissions ({ORGS * STAFF_PER_ORG} clients, gunicorn 2 workers x 4 threads)",
         result.summary()),
        ("throughput, values per second", f"{result.rps:.0f}" if valid_run else
         f"NOT MEASURED: {refused:,} of {len(submissions):,} submissions not acknowledged"),
        ("p95 latency", f"{result.percentile(95):.1f} ms"),
        ("acknowledged / not acknowledged", f"{len(acknowledged):,} / {refused:,}"),
        ("stored rows equal acknowledged submissions exactly",
         ("yes" if valid_run else "yes, but NOT every submission was acknowledged")
         if exact else f"NO: {len(stored):,} stored vs {len(acknowledged):,} acknowledged"),
        ("faults (seconds into the run)", ", ".join(f"{k} {v:.1f}" for k, v in events.items())),
        ("catch-up after the load (sweep every 5 s)",
         f"{caught_up:.1f} s" if caught_up is not None else "NOT within 300 s"),
        ("scores equal a fresh synchronous recompute", "yes" if scores_match else
         "NO: " + ", ".join(k for k in before if before[k] != after[k])),
        ("tasks the workers completed (recomputes, sweeps)", f"{worker_runs:,}"),
        ("logs", logs),
    ]
