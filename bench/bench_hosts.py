"""The portal on several hosts, with faults: `python -m bench hosts` (root; Linux netns).

Hosts are network namespaces joined by a bridge in a namespace of their own (bench/netns.py):

    data     10.231.0.2   PostgreSQL (the bench's own cluster: initdb into a temp dir) + Redis
    lb       10.231.0.10  HAProxy, health checks on /healthz, retries on another web host
    web1/2   10.231.0.11/12  gunicorn (2 workers x 2 threads)
    worker1  10.231.0.21  Celery worker (solo pool)
    worker2  10.231.0.22  Celery worker (solo pool) + beat (the sweep every 5 s)
    client   10.231.0.100 this scenario: the load clients, the fault injector, the checks

The machine's own PostgreSQL and Redis are not touched. Staff clients log values through the
form and an API client pushes batches through the load balancer, every submission for its
own (metric, period) so stored rows can be matched with acknowledged ones; a client sends
the same request again after a 503 (honouring Retry-After) or a lost connection. Meanwhile,
one after another: worker1 is cut off (iptables DROP) in the middle of a recompute and
brought back once its claim was taken over (CELERY_TASK_TIME_LIMIT=10, so CLAIM_STALE is
40 s; the solo pool enforces no time limit, so the cut-off worker does come back and tries
to write); PostgreSQL restarts (pg_ctl restart -m fast); web1 is cut off for 10 s; Redis
stops for 10 s. Then the checks, the restore drill (`make backup`, `make restore` into a new
database, every organization recomputed there) and the teardown, which runs on success,
failure, Ctrl-C and SIGTERM alike, and is checked: no namespace, interface, process or
temp directory of the run is left.
"""

import atexit
import glob
import http.client
import io
import json
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
from pathlib import Path
from urllib.parse import urlencode

from bench import netns

ROOT = Path(__file__).resolve().parents[1]
HOSTS = {"data": 2, "lb": 10, "web1": 11, "web2": 12, "worker1": 21, "worker2": 22,
         "client": 100}
ORGS = 4
FORM_METRICS = API_METRICS = 20
API_BATCH = 20
STAFF_PAUSE, API_PAUSE = 0.3, 1.0  # seconds between one client's requests: modest load
TASK_TIME_LIMIT = 10  # CLAIM_STALE = 40 s
SWEEP_SECONDS = 5
LOAD_MIN_SECONDS = 60
OUTAGE_SECONDS = 10
DB_WINDOW_GRACE = 5.0  # a 503 this long after the restart ended still counts as its window
RECOVERY_TIMEOUT = 120
START_TIMEOUT = 300
FIGURE = "FIGURE\t"


# --- The outer process: namespaces and teardown (root namespace) -----------------------------

def postgres_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return str(Path(found[-1]).parent) if found else None


def leftovers(prefix: str, work: str) -> list[str]:
    left = [f"namespace {n}" for n in netns.own_namespaces(netns.list_namespaces(), prefix)]
    links = netns.sh("ip", "-o", "link").stdout
    left += [f"interface {line.split(':')[1].strip()}" for line in links.splitlines()
             if prefix in line]
    if os.path.exists(work):
        left.append(f"directory {work}")
    return left


def run():
    reason = netns.available() or (None if postgres_bin() else "needs PostgreSQL's initdb")
    if reason:
        return [("skipped", reason)]
    stale = netns.remove_stale()
    prefix = f"{netns.PREFIX}{os.getpid()}"
    undo = netns.Undo()
    atexit.register(undo.run)  # the interpreter exiting any other way still tears down
    work = tempfile.mkdtemp(prefix="bench-hosts-")
    os.chmod(work, 0o755)  # noqa: S103 (PostgreSQL runs as the postgres user inside it)
    undo.push("remove the work directory", lambda: shutil.rmtree(work, ignore_errors=True))
    figures: list[tuple[str, str]] = []
    inner = None
    started = time.monotonic()
    with netns.signals_raise():
        try:
            network = netns.Network(prefix, HOSTS, undo)
            network.build()
            print(f"  [{time.monotonic() - started:5.1f} s] {len(HOSTS) + 1} namespaces up "
                  f"({prefix}-*)", flush=True)
            inner = subprocess.Popen(
                network.exec("client", sys.executable, "-m", "bench.bench_hosts", "--inner",
                             work, prefix),
                cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, text=True)
            undo.push("stop the scenario", lambda: _stop(inner))
            for line in inner.stdout:
                if line.startswith(FIGURE):
                    label, _, value = line[len(FIGURE):].rstrip("\n").partition("\t")
                    figures.append((label, value))
                else:
                    print(line, end="", flush=True)
            if inner.wait() != 0:
                kept = tempfile.mkdtemp(prefix="bench-hosts-logs-")
                shutil.copytree(Path(work) / "logs", kept, dirs_exist_ok=True)
                figures.append(("SCENARIO FAILED", f"exit status {inner.returncode}; its "
                                                   f"logs are kept in {kept}"))
        finally:
            errors = undo.run()
            left = leftovers(prefix, work)
            print(f"  [{time.monotonic() - started:5.1f} s] torn down; left behind: "
                  f"{'; '.join(left) or 'nothing'}", flush=True)
    figures.append(("teardown: left behind (namespaces, interfaces, dirs)",
                    "nothing" if not left else "; ".join(left)))
    if errors:
        figures.append(("teardown errors", "; ".join(errors)))
    if stale:
        figures.append(("stale namespaces of an earlier, killed run removed", ", ".join(stale)))
    return figures


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


# --- The inner process: the scenario (client namespace) --------------------------------------

class Scenario:
    def __init__(self, work: str, prefix: str):
        self.work, self.net = Path(work), netns.Network(prefix, HOSTS, netns.Undo())
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.t0 = time.monotonic()
        self.processes: dict[str, subprocess.Popen] = {}
        self.data = self.net.address("data")
        self.lb = self.net.address("lb")
        self.pgdata = self.work / "pg"
        self.pgbin = postgres_bin()
        self.database_url = f"postgres://postgres@{self.data}:5432/portal"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CACHE_URL": f"redis://{self.data}:6379/1",
            "CELERY_BROKER_URL": f"redis://{self.data}:6379/0",
            "CELERY_TASK_TIME_LIMIT": str(TASK_TIME_LIMIT),
            "CELERY_TASK_SOFT_TIME_LIMIT": str(TASK_TIME_LIMIT - 2),
            "SCORING_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "DJANGO_DEBUG": "false", "DJANGO_HTTPS": "false", "EMAIL_HOST": "localhost",
            "DJANGO_ALLOWED_HOSTS": ",".join(self.net.address(h) for h in ("lb", "web1",
                                                                           "web2")),
            "DJANGO_LOG_LEVEL": "WARNING", "API_RATE_LIMIT": "1000000/m",
            "DJANGO_SETTINGS_MODULE": "alignment_portal.settings",
        }
        self.figures: list[tuple[str, str]] = []

    # -- output
    def say(self, message: str) -> None:
        print(f"  [{time.monotonic() - self.t0:5.1f} s] {message}", flush=True)

    def figure(self, label: str, value) -> None:
        print(f"{FIGURE}{label}\t{value}", flush=True)

    # -- processes
    def spawn(self, name: str, host: str, args: list[str], nice: int = 0, **env) -> None:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 (the process keeps it)
        self.processes[name] = subprocess.Popen(
            self.net.exec(host, *args), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**self.env, **{k: str(v) for k, v in env.items()}},
            preexec_fn=(lambda: os.nice(nice)) if nice else None)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log_text(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for(self, what: str, check, timeout: float = 90.0, every: float = 0.2) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if check():
                    return time.monotonic() - started
            except Exception:  # noqa: S110 (not yet: e.g. the database is restarting)
                pass
            time.sleep(every)
        raise RuntimeError(f"{what}: not within {timeout:.0f} s")

    # -- PostgreSQL and Redis on the data host
    def pg_ctl(self, *args: str) -> None:
        log = self.work / "pglog" / "postgres.log"
        netns.sh(*self.net.exec("data", "runuser", "-u", "postgres", "--",
                                f"{self.pgbin}/pg_ctl", "-D", str(self.pgdata), "-l", str(log),
                                "-w", "-t", "60", *args))

    def start_postgres(self) -> None:
        for directory in (self.pgdata, self.work / "pglog"):
            directory.mkdir()
            shutil.chown(directory, "postgres", "postgres")
        netns.sh("runuser", "-u", "postgres", "--", f"{self.pgbin}/initdb", "-D",
                 str(self.pgdata), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        with open(self.pgdata / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {netns.SUBNET}.0/24 trust\n")
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '{self.data}'\nport = 5432\n"
                       f"unix_socket_directories = '{self.pgdata}'\nmax_connections = 60\n"
                       "shared_buffers = 64MB\nfsync = off\nfull_page_writes = off\n")
        self.pg_ctl("start")
        netns.sh("psql", "-h", self.data, "-U", "postgres", "-d", "postgres", "-qc",
                 "CREATE DATABASE portal")

    def start_redis(self) -> None:
        (self.work / "redis").mkdir(exist_ok=True)
        self.spawn("redis", "data", ["redis-server", "--bind", self.data, "--port", "6379",
                                     "--appendonly", "yes", "--save", "", "--dir",
                                     str(self.work / "redis"),
                                     # Reachable only on the bench's own bridge.
                                     "--protected-mode", "no"])
        self.wait_for("Redis", lambda: netns.sh("redis-cli", "-h", self.data, "ping",
                                                check=False).stdout.strip() == "PONG", 30)

    # -- the rest of the cluster
    def haproxy_config(self) -> Path:
        errorfile = self.work / "503.http"
        errorfile.write_bytes(
            b"HTTP/1.1 503 Service Unavailable\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\nContent-Type: text/plain\r\nRetry-After: 5\r\n\r\n"
            b"No web host can answer just now; send the same request again.\n")
        web = "\n".join(f"    server {h} {self.net.address(h)}:8000 check"
                        for h in ("web1", "web2"))
        config = self.work / "haproxy.cfg"
        config.write_text(f"""global
    maxconn 400
    stats socket {self.work}/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 10s
    timeout http-request 10s
    timeout check 2s
    option http-buffer-request
    retries 3
    option redispatch 1
    # Submissions are idempotent per (metric, period): safe to send to the other host.
    retry-on conn-failure empty-response response-timeout
    errorfile 503 {errorfile}
frontend portal
    bind {self.lb}:80
    default_backend web
backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {self.lb}
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{web}
""")
        return config

    def start_cluster(self) -> None:
        from bench.load import collected_static

        static = collected_static()
        for host in ("web1", "web2"):
            self.spawn(host, host, [sys.executable, "-m", "gunicorn", "alignment_portal.wsgi",
                                    "--bind", f"{self.net.address(host)}:8000", "--workers",
                                    "2", "--threads", "2", "--timeout", "30",
                                    "--graceful-timeout", "5", "--log-level", "warning",
                                    "--preload"],
                       PGAPPNAME=host, DJANGO_STATIC_ROOT=static)
        celery = [sys.executable, "-m", "celery", "-A", "alignment_portal"]
        for host in ("worker1", "worker2"):
            self.spawn(host, host, [*celery, "worker", "--pool", "solo", "--loglevel", "INFO",
                                    "-n", f"{host}@%h", "--without-gossip", "--without-mingle"],
                       PGAPPNAME=host)
        self.spawn("beat", "worker2", [*celery, "beat", "--loglevel", "INFO", "--schedule",
                                       str(self.work / "beat-schedule")], PGAPPNAME="beat")
        self.spawn("haproxy", "lb", ["haproxy", "-db", "-f", str(self.haproxy_config())])
        # Seven processes import Django and pandas at once on a shared machine: be patient.
        for host in ("web1", "web2"):
            self.wait_for(host, lambda h=host: self.get(self.net.address(h), 8000,
                                                        "/healthz")[0] == 200, START_TIMEOUT)
        self.wait_for("the load balancer", lambda: self.get(self.lb, 80, "/healthz")[0] == 200,
                      START_TIMEOUT)
        for host in ("worker1", "worker2"):
            self.wait_for(host, lambda h=host: " ready." in self.log_text(h), START_TIMEOUT)

    def get(self, host: str, port: int, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        try:
            conn.request("GET", path, headers={"Host": host})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def haproxy_status(self, server: str) -> str:
        import socket

        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.work / "haproxy.sock"))
            sock.sendall(b"show stat\n")
            out = b""
            while chunk := sock.recv(65536):
                out += chunk
        for line in out.decode().splitlines():
            fields = line.split(",")
            if len(fields) > 17 and fields[0] == "web" and fields[1] == server:
                return fields[17]
        return "?"

    # -- the data the load writes
    def prepare(self) -> None:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from alignment_portal.api.models import Scope
        from alignment_portal.api.services import api_token_create
        from alignment_portal.organizations.models import Membership, Organization, Role
        from alignment_portal.scoring import engine
        from bench.load import csrf_pair, session_cookie
        from metrics.models import Metric

        call_command("migrate", verbosity=0)
        self.install_audit()
        call_command("seed_load", size="M", orgs=ORGS, goals=8, initiatives=20, tools=5,
                     metrics=12, values_per_metric=30, verbosity=0, stdout=io.StringIO())
        self.orgs = list(Organization.objects.filter(slug__startswith="load-m-").order_by("pk"))
        self.staff, self.api = [], []
        for org in self.orgs:
            user = get_user_model().objects.create(username=f"{org.slug}-staff")
            Membership.objects.create(user=user, organization=org, role=Role.STAFF)
            cookie, token = csrf_pair()
            form_metrics = Metric.objects.bulk_create(
                Metric(organization=org, name=f"Logged by staff {n:02d}", unit="count",
                       nature="output", frequency="weekly") for n in range(FORM_METRICS))
            api_metrics = Metric.objects.bulk_create(
                Metric(organization=org, name=f"Fed by API {n:02d}", unit="count",
                       nature="output", frequency="weekly") for n in range(API_METRICS))
            _, api_token = api_token_create(organization=org, name="feed",
                                            scope=Scope.WRITE_VALUES)
            self.staff.append((org, [m.pk for m in form_metrics], {
                "Cookie": f"sessionid={session_cookie(user)}; csrftoken={cookie}",
                "X-CSRFToken": token, "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded"}))
            self.api.append((org, [m.pk for m in api_metrics], {
                "Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}))
            engine.recompute(org.pk)

    def install_audit(self) -> None:
        """Every committed score write, with the writer's host (application_name): what the
        late-overwrite count reads. Bench-only; the portal knows nothing of it."""
        from django.db import connection

        from alignment_portal.scoring.models import (
            Flag,
            GoalScore,
            InitiativeScore,
            MetricScore,
            OrganizationScore,
        )

        with connection.cursor() as cursor:
            cursor.execute("""
                CREATE TABLE bench_score_write (
                    at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    organization_id bigint NOT NULL, host text NOT NULL);
                CREATE FUNCTION bench_score_write() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO bench_score_write (organization_id, host)
                    VALUES (NEW.organization_id, current_setting('application_name'));
                    RETURN NEW;
                END $$;""")
            for model in (OrganizationScore, GoalScore, InitiativeScore, MetricScore, Flag):
                table = model._meta.db_table
                cursor.execute(f'CREATE TRIGGER bench_score_write AFTER INSERT OR UPDATE ON '
                               f'"{table}" FOR EACH ROW EXECUTE FUNCTION bench_score_write()')

    # -- the load
    def start_load(self) -> None:
        from django.utils import timezone

        self.monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
        self.attempts: list[tuple] = []  # (kind, sent, done, status, retry_after)
        self.acks: dict[tuple, int] = {}
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.clients = [threading.Thread(target=self.staff_client, args=(entry,), daemon=True)
                        for entry in self.staff]
        self.clients.append(threading.Thread(target=self.api_client, daemon=True))
        for thread in self.clients:
            thread.start()

    def send(self, kind: str, method: str, path: str, body: bytes, headers: dict):
        """Send until answered: after a 503 (Retry-After honoured), a 502/504 or a lost
        connection, the same request again. Returns (status, body)."""
        for _ in range(60):
            sent = time.monotonic() - self.t0
            try:
                conn = http.client.HTTPConnection(self.lb, 80, timeout=60)
                conn.request(method, path, body=body, headers={"Host": self.lb, **headers})
                response = conn.getresponse()
                status, text = response.status, response.read()
                retry_after = response.getheader("Retry-After")
                conn.close()
            except (OSError, http.client.HTTPException):
                status, text, retry_after = None, b"", None
            with self.lock:
                self.attempts.append((kind, sent, time.monotonic() - self.t0, status,
                                      retry_after))
            if status in (None, 502, 503, 504):
                time.sleep(min(float(retry_after or 1), 10))
                continue
            return status, text
        return None, b""

    def staff_client(self, entry) -> None:
        org, metric_ids, headers = entry
        index = 0
        while not self.stopping.is_set():
            metric = metric_ids[index % len(metric_ids)]
            period = self.monday - timedelta(weeks=index // len(metric_ids))
            value = (metric * 31 + index) % 997 + 1
            index += 1
            body = urlencode({"period": period.isoformat(), "value": str(value), "note": ""})
            status, text = self.send("form", "POST", f"/o/{org.slug}/metrics/{metric}/log/",
                                     body.encode(), headers)
            if status == 200 and re.search(rb'data-result="(created|replaced|unchanged)"',
                                           text):
                with self.lock:
                    self.acks[(metric, period)] = value
            else:
                self.refused.append(f"form {status}")
            time.sleep(STAFF_PAUSE)

    def api_client(self) -> None:
        batch = 0
        while not self.stopping.is_set():
            org, metric_ids, headers = self.api[batch % len(self.api)]
            first = (batch // len(self.api)) * API_BATCH
            batch += 1
            items, wanted = [], {}
            for n in range(first, first + API_BATCH):
                metric = metric_ids[n % len(metric_ids)]
                period = self.monday - timedelta(weeks=n // len(metric_ids))
                value = (metric * 7 + n) % 500 + 1
                items.append({"metric": metric, "date": period.isoformat(), "value": value})
                wanted[(metric, period.isoformat())] = (metric, period, value)
            status, text = self.send("api", "POST", "/api/v1/values",
                                     json.dumps({"items": items}).encode(), headers)
            if status == 200:
                for item in json.loads(text)["items"]:
                    metric, period, value = wanted[(item["metric_id"], item["period"])]
                    if item["status"] == "refused":
                        self.refused.append(f"api item: {item.get('reason')}")
                    else:
                        with self.lock:
                            self.acks[(metric, period)] = value
            else:
                self.refused.append(f"api {status}")
            time.sleep(API_PAUSE)

    def stop_load(self) -> None:
        self.stopping.set()
        for thread in self.clients:
            thread.join(timeout=120)

    # -- recovery measures
    def generations(self) -> dict[int, int]:
        from alignment_portal.organizations.models import Organization

        return dict(Organization.objects.values_list("pk", "recompute_generation"))

    def scores_cover(self, wanted: dict[int, int]) -> bool:
        from django.db import connection

        from alignment_portal.organizations.models import Organization

        try:
            done = dict(Organization.objects.values_list("pk", "recomputed_generation"))
        except Exception:
            connection.close()
            raise
        return all(done.get(pk, 0) >= generation for pk, generation in wanted.items())

    def scores_recovery(self, label: str) -> None:
        """Seconds from the end of a fault until every change made before its end is scored."""
        wanted = self.db_retry(self.generations)
        try:
            seconds = self.wait_for("scores", lambda: self.scores_cover(wanted),
                                    RECOVERY_TIMEOUT, 0.25)
            self.recoveries.append((label, "scores cover every change made before its end",
                                    f"{seconds:.1f} s"))
        except RuntimeError:
            self.recoveries.append((label, "scores cover every change made before its end",
                                    f"NOT within {RECOVERY_TIMEOUT} s"))

    def db_retry(self, function, attempts: int = 60):
        from django.db import connection

        for _ in range(attempts):
            try:
                return function()
            except Exception:
                connection.close()
                time.sleep(0.5)
        return function()

    # -- the faults
    def worker_mid_recompute(self, host: str) -> tuple[int, object] | None:
        """(organization id, claim start) when `host` has read an organization's values in
        a recompute it holds the claim of, and not yet written (it is computing)."""
        from django.db import connection

        from alignment_portal.organizations.models import Organization

        with connection.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE application_name = %s",
                           [host])
            rows = cursor.fetchall()
        for (query,) in rows:
            if '"metrics_metricvalue"' in query and query.lstrip().upper().startswith("SELECT"):
                match = re.search(r'"organization_id" = (\d+)', query)
                if match:
                    started = Organization.objects.filter(pk=int(match.group(1))).values_list(
                        "recompute_started_at", flat=True).first()
                    if started is not None:
                        return int(match.group(1)), started
        return None

    def fault_partition(self) -> None:
        from django.utils import timezone

        from alignment_portal.organizations.models import Organization
        from alignment_portal.scoring.triggers import CLAIM_STALE

        found = None
        deadline = time.monotonic() + 120
        while found is None and time.monotonic() < deadline:
            found = self.worker_mid_recompute("worker1")
            if found is None:
                time.sleep(0.005)
        if found is None:
            self.say("worker1 was never caught mid-recompute: partition NOT injected")
            self.partition = None
            return
        org_id, claim_started = found
        self.net.cut("worker1")
        cut_at, cut_wall = time.monotonic() - self.t0, timezone.now()
        self.say(f"FAULT worker1 cut off (iptables DROP) while recomputing organization "
                 f"{org_id}; its claim goes stale after {CLAIM_STALE.total_seconds():.0f} s")

        def taken_over():
            row = Organization.objects.filter(pk=org_id).values(
                "recompute_started_at", "recomputed_at").get()
            return (row["recompute_started_at"] != claim_started
                    and row["recomputed_at"] is not None and row["recomputed_at"] > cut_wall
                    and timezone.now() - claim_started > CLAIM_STALE)

        took = self.wait_for("the takeover", lambda: self.db_retry(taken_over),
                             CLAIM_STALE.total_seconds() + 90, 0.5)
        log_size = len(self.log_text("worker1"))
        self.net.heal("worker1")
        healed_at, healed_wall = time.monotonic() - self.t0, timezone.now()
        self.say(f"FAULT END worker1 back on the network ({took:.0f} s after the cut; worker2 "
                 "had taken the stale claim over and written newer scores)")
        self.events.append(("worker1 cut off mid-recompute", cut_at, healed_at))

        ended = re.compile(r"Task scoring\.recompute_organization\[[^]]+\] "
                           r"(succeeded in [\d.]+s: '(\w+)'|retry: .*|raised .*)")

        def late_attempt_done():
            return ended.search(self.log_text("worker1")[log_size:])
        try:
            back = self.wait_for("worker1's late attempt", late_attempt_done, 90, 0.2)
            back_wall = timezone.now()
            match = late_attempt_done()
            outcome = match.group(2) or match.group(1)[:100]
            self.recoveries.append(("worker1 cut off mid-recompute",
                                    "the cut-off worker's recompute ended",
                                    f"{back:.1f} s, with: {outcome}"))
        except RuntimeError:
            back_wall = timezone.now()
            self.recoveries.append(("worker1 cut off mid-recompute",
                                    "the cut-off worker's recompute ended", "NOT within 90 s"))
        self.partition = (org_id, cut_wall, healed_wall, back_wall)
        self.scores_recovery("worker1 cut off mid-recompute")

    def fault_database_restart(self) -> None:
        start = time.monotonic() - self.t0
        self.say("FAULT PostgreSQL restart (pg_ctl restart -m fast) under load")
        self.pg_ctl("restart", "-m", "fast")
        end = time.monotonic() - self.t0
        self.say(f"FAULT END PostgreSQL accepting connections again ({end - start:.1f} s)")
        self.events.append(("PostgreSQL restart", start, end))
        self.db_window = (start, end + DB_WINDOW_GRACE)
        try:
            seconds = self.wait_for("the load balancer", lambda: self.get(
                self.lb, 80, "/healthz")[0] == 200, 60, 0.05)
            self.recoveries.append(("PostgreSQL restart", "GET /healthz through the load "
                                    "balancer is 200 again", f"{seconds:.1f} s"))
        except RuntimeError:
            self.recoveries.append(("PostgreSQL restart", "GET /healthz through the load "
                                    "balancer is 200 again", "NOT within 60 s"))
        self.scores_recovery("PostgreSQL restart")
        with self.lock:
            served = [done for kind, sent, done, status, _ in self.attempts
                      if sent >= end and status is not None and status < 500]
        self.recoveries.append(("PostgreSQL restart", "first submission served after it "
                                "(clients honour Retry-After: 5)",
                                f"{min(served) - end:.1f} s" if served else "none yet"))

    def fault_web_host(self) -> None:
        start = time.monotonic() - self.t0
        self.net.cut("web1")
        self.say(f"FAULT web1 cut off for {OUTAGE_SECONDS:.0f} s")
        time.sleep(OUTAGE_SECONDS)
        self.net.heal("web1")
        end = time.monotonic() - self.t0
        self.say("FAULT END web1 back on the network")
        self.events.append(("web1 down", start, end))
        try:
            seconds = self.wait_for("web1 UP", lambda: self.haproxy_status("web1") == "UP",
                                    60, 0.1)
            self.recoveries.append(("web1 down", "back in the load balancer's pool",
                                    f"{seconds:.1f} s"))
        except RuntimeError:
            self.recoveries.append(("web1 down", "back in the load balancer's pool",
                                    "NOT within 60 s"))
        self.scores_recovery("web1 down")

    def fault_redis(self) -> None:
        start = time.monotonic() - self.t0
        self.stop("redis")
        self.say(f"FAULT Redis (broker and cache) stopped for {OUTAGE_SECONDS:.0f} s")
        time.sleep(OUTAGE_SECONDS)
        self.start_redis()
        end = time.monotonic() - self.t0
        self.say("FAULT END Redis back")
        self.events.append(("Redis stopped", start, end))
        self.scores_recovery("Redis stopped")

    # -- the checks
    def checks(self) -> None:
        from django.db.models import F

        from alignment_portal.organizations.models import Organization
        from alignment_portal.scoring.engine import recompute
        from alignment_portal.scoring.triggers import LATE_WRITE_REFUSED
        from bench.bench_faults import _score_state
        from metrics.models import MetricValue

        load_seconds = self.load_ended - self.load_started
        statuses: dict = {}
        for kind, _, _, status, _ in self.attempts:
            statuses[(kind, status)] = statuses.get((kind, status), 0) + 1
        self.figure("load", f"{load_seconds:.0f} s: {len(self.staff)} staff clients (form), "
                            f"1 API client (batches of {API_BATCH}) through HAProxy")
        self.figure("responses (kind status: count)", ", ".join(
            f"{k} {s}: {n}" for (k, s), n in sorted(statuses.items(), key=str)))

        stored = {(m, p): int(v) for m, p, v in MetricValue.objects.filter(
            metric__name__regex=r"^(Logged by staff|Fed by API) ").values_list(
            "metric_id", "period", "value")}
        exact = stored == self.acks
        self.figure("values acknowledged / stored", f"{len(self.acks):,} / {len(stored):,}"
                    + (" (equal, each once)" if exact else " (NOT EQUAL)"))
        self.figure("submissions not acknowledged", f"{len(self.refused)}"
                    + (f" ({', '.join(sorted(set(self.refused))[:5])})" if self.refused else ""))

        db_start, db_end = getattr(self, "db_window", (0, 0))
        inside, outside, bad_inside = 0, [], 0
        for kind, sent, done, status, retry_after in self.attempts:
            if status is None or status >= 500:
                in_window = sent <= db_end and done >= db_start
                if in_window and status == 503 and retry_after:
                    inside += 1
                elif in_window:
                    bad_inside += 1
                else:
                    outside.append(f"{kind} {status} at {sent:.1f} s")
        self.figure("5xx during the database restart (all 503 + Retry-After?)",
                    f"{inside + bad_inside}" + (" (yes)" if not bad_inside else
                                                f" (NO: {bad_inside} were not)"))
        self.figure("5xx or lost connections outside it",
                    f"{len(outside)}" + (f": {'; '.join(outside[:5])}" if outside else ""))

        durations = sorted(float(d) for w in ("worker1", "worker2") for d in re.findall(
            r"recompute_organization\[[^]]+\] succeeded in ([\d.]+)s: 'done'",
            self.log_text(w)))
        if durations:
            self.figure("recompute tasks done (a recompute's median / max, on this machine)",
                        f"{len(durations)} ({durations[len(durations) // 2]:.1f} s / "
                        f"{durations[-1]:.1f} s; load average {os.getloadavg()[0]:.1f} on "
                        f"{os.cpu_count()} CPUs)")
        for name, start, end in self.events:
            self.figure(f"fault: {name}", f"{start:.1f} s to {end:.1f} s into the load "
                                          f"({end - start:.1f} s)")
        for name, what, value in self.recoveries:
            self.figure(f"recovery after '{name}': {what}", value)

        self.wait_for("catch-up", lambda: self.db_retry(
            lambda: not Organization.objects.filter(
                recomputed_generation__lt=F("recompute_generation")).exists()
            and not Organization.objects.filter(recompute_started_at__isnull=False).exists()),
            RECOVERY_TIMEOUT, 0.5)
        refused = sum(self.log_text(w).count(LATE_WRITE_REFUSED) for w in ("worker1",
                                                                           "worker2"))
        self.figure("late writes refused by the fence (workers' log)", refused)
        if self.partition:
            from django.db import connection

            org_id, cut_wall, healed_wall, back_wall = self.partition
            with connection.cursor() as cursor:
                cursor.execute("SELECT host, count(*) FROM bench_score_write WHERE "
                               "organization_id = %s AND at > %s AND at <= %s GROUP BY host",
                               [org_id, cut_wall, back_wall])
                writes = dict(cursor.fetchall())
            late = writes.get("worker1", 0)
            taker = sum(n for host, n in writes.items() if host != "worker1")
            self.figure("late overwrites (rows worker1 wrote for the organization it was cut "
                        "off from, after the cut, before its recompute ended)", late)
            self.figure("score rows the other worker wrote for it meanwhile", taker)

        before = _score_state()
        for org in self.orgs:
            recompute(org.pk)
        self.final_state = _score_state()
        self.figure("scores after the load equal a fresh synchronous recompute",
                    "yes" if before == self.final_state else "NO: " + ", ".join(
                        k for k in before if before[k] != self.final_state[k]))

    def restore_drill(self) -> None:
        from django.db import connection

        from alignment_portal.scoring.engine import recompute
        from bench.bench_faults import _score_state

        backups = self.work / "backups"
        started = time.monotonic()
        out = netns.sh("make", "-s", "-C", str(ROOT), "backup", f"BACKUP_DIR={backups}")
        dump = Path(out.stdout.strip().split()[-1])
        dumped = time.monotonic() - started
        netns.sh("psql", "-h", self.data, "-U", "postgres", "-d", "postgres", "-qc",
                 "CREATE DATABASE portal_restored")
        restored_url = f"postgres://postgres@{self.data}:5432/portal_restored"
        started = time.monotonic()
        subprocess.run(["make", "-s", "-C", str(ROOT), "restore", f"FILE={dump}"], check=True,
                       capture_output=True, text=True,
                       env={**os.environ, "DATABASE_URL": restored_url})
        restored = time.monotonic() - started
        connection.close()
        connection.settings_dict["NAME"] = "portal_restored"
        try:
            as_restored = _score_state()
            started = time.monotonic()
            for org in self.orgs:
                recompute(org.pk)
            recomputed = time.monotonic() - started
            again = _score_state()
        finally:
            connection.close()
            connection.settings_dict["NAME"] = "portal"
        size = dump.stat().st_size
        self.figure("restore drill: make backup (pg_dump -Fc) / make restore (new database)",
                    f"{dumped:.1f} s, {size / 1024:,.0f} KB / {restored:.1f} s")
        self.figure("restored scores equal the original's", "yes"
                    if as_restored == self.final_state else "NO")
        self.figure(f"every organization ({len(self.orgs)}) recomputed in the restored "
                    "database: same scores", ("yes" if again == self.final_state else "NO")
                    + f" ({recomputed:.1f} s)")

    # -- the whole
    def main(self) -> int:
        self.events, self.recoveries, self.partition = [], [], None
        try:
            self.start_postgres()
            self.start_redis()
            self.say(f"PostgreSQL ({Path(self.pgbin).parent.name}, own cluster) and Redis up "
                     f"on data {self.data}")
            self.prepare()
            self.say(f"migrated and seeded: {ORGS} organizations")
            self.start_cluster()
            self.say("web1, web2, haproxy, worker1, worker2 + beat up; load starts")
            self.load_started = time.monotonic() - self.t0
            self.start_load()
            time.sleep(5)
            self.fault_partition()
            self.fault_database_restart()
            self.fault_web_host()
            self.fault_redis()
            remaining = LOAD_MIN_SECONDS - (time.monotonic() - self.t0 - self.load_started)
            time.sleep(max(remaining, 5))
            self.stop_load()
            self.load_ended = time.monotonic() - self.t0
            self.say("load stopped; checking")
            self.checks()
            self.restore_drill()
            return 0
        finally:
            if hasattr(self, "stopping"):
                self.stopping.set()
            for name in ("haproxy", "web1", "web2", "beat", "worker1", "worker2"):
                self.stop(name)
            try:
                self.pg_ctl("stop", "-m", "fast")
            except Exception as exc:
                self.say(f"pg_ctl stop: {exc} (the teardown kills what is left)")
            self.stop("redis")
            self.say("cluster stopped")


def inner(work: str, prefix: str) -> int:
    scenario = Scenario(work, prefix)
    os.environ.update({k: v for k, v in scenario.env.items()})
    with netns.signals_raise():
        return scenario.main()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--inner":
        sys.exit(inner(sys.argv[2], sys.argv[3]))
    from bench.__main__ import main

    sys.exit(main(["bench_hosts"]))
