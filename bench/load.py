"""Serving and loading the portal for the benchmarks.

`start_gunicorn()` runs the site as production does (gunicorn, debug off, collected static files,
PostgreSQL) on a loopback port; `run_load()` sends requests from a SECOND process with N
concurrent keep-alive clients for a fixed time or a fixed number of requests, and returns
throughput and latency percentiles. Only loopback addresses are ever targeted.
"""

import http.client
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(**extra) -> dict:
    """Settings for a local production-like server: debug off, plain HTTP on loopback."""
    env = {**os.environ,
           "DJANGO_DEBUG": "false", "DJANGO_HTTPS": "false",
           # The bench process signs the sessions it hands to clients: same key.
           "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(60),
           "DJANGO_ALLOWED_HOSTS": HOST, "EMAIL_HOST": "localhost",
           "SITE_URL": f"http://{HOST}",
           "DJANGO_LOG_LEVEL": "WARNING", "API_RATE_LIMIT": "1000000/m",
           # Production's shared cache (sessions, cached dashboard sections, rate limits).
           "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


_static_root: str | None = None


def collected_static() -> str:
    """collectstatic once per bench run (the manifest storage needs it with debug off)."""
    global _static_root
    if _static_root is None:
        _static_root = tempfile.mkdtemp(prefix="bench-static-")
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                       cwd=ROOT, check=True,
                       env=production_env(DJANGO_STATIC_ROOT=_static_root))
    return _static_root


class Server(str):
    """A server's base URL that also knows the server's process id (the gunicorn master)."""

    pid: int

    def __new__(cls, base: str, pid: int):
        server = super().__new__(cls, base)
        server.pid = pid
        return server

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its live workers."""
        return process_tree_cpu_seconds(self.pid)

    def worker_cpu_seconds(self) -> dict[int, float]:
        """CPU time used so far by each live worker, by process id (how evenly the
        connections were shared out)."""
        return {pid: seconds for pid, seconds in process_cpu_seconds(self.pid).items()
                if pid != self.pid}


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its children, read from /proc."""
    return sum(process_cpu_seconds(pid).values())


def process_cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU seconds of `pid` and of each of its children, read from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        # After the ")" of the command name: state ppid ... utime is field 14, stime 15.
        if int(entry) == pid or int(fields[1]) == pid:
            seconds[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


@contextmanager
def start_gunicorn(*, workers: int = 2, threads: int = 1, **env):
    """Serve the portal on a free loopback port; yields its base URL (a `Server`)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "alignment_portal.wsgi", "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
         "--timeout", "60"],
        cwd=ROOT, env=production_env(DJANGO_STATIC_ROOT=collected_static(), **env),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", "/healthz", headers={"Host": HOST})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        yield Server(f"http://{HOST}:{port}", process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    tag: object = None  # returned with the outcome, e.g. what was submitted


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    errors: int
    outcomes: list = field(default_factory=list)  # (tag, status, body) when keep_bodies

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]

    def summary(self) -> str:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (f"{self.requests} requests in {self.seconds:.1f} s = {self.rps:.0f}/s; "
                f"p50 {self.percentile(50):.1f} ms, p95 {self.percentile(95):.1f} ms, "
                f"p99 {self.percentile(99):.1f} ms; {codes}; errors {self.errors}")


def _client(base: str, requests, next_index, lock, deadline, results, keep_bodies):
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    while True:
        with lock:
            index = next_index[0]
            next_index[0] += 1
        if callable(requests):
            request = requests(index)
            if request is None:
                break
        else:
            request = requests[index % len(requests)]
        if deadline and time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            conn.request(request.method, request.path, body=request.body,
                         headers={"Host": host, **request.headers})
            response = conn.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            results.append((None, (time.perf_counter() - started) * 1000, request.tag, b""))
            continue
        results.append((status, (time.perf_counter() - started) * 1000, request.tag,
                        body if keep_bodies else b""))
    conn.close()


def _load_process(base, requests, clients, seconds, keep_bodies, queue):
    lock = threading.Lock()
    next_index = [0]
    results: list = []
    deadline = time.monotonic() + seconds if seconds else None
    started = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(base, requests, next_index, lock,
                                                      deadline, results, keep_bodies))
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    queue.put((elapsed, results))


def run_load(base: str, requests, *, clients: int, seconds: float | None = None,
             keep_bodies: bool = False) -> LoadResult:
    """Send `requests` (a list cycled until `seconds` pass, or a function index -> Request or
    None to stop) with `clients` concurrent connections, from a separate process."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_load_process,
                              args=(base, requests, clients, seconds, keep_bodies, queue))
    process.start()
    elapsed, results = queue.get()
    process.join()
    statuses: dict[int, int] = {}
    latencies, outcomes, errors = [], [], 0
    for status, latency, tag, body in results:
        if status is None:
            errors += 1
        else:
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(latency)
        outcomes.append((tag, status, body))
    return LoadResult(requests=len(results), seconds=elapsed, latencies_ms=latencies,
                      statuses=statuses, errors=errors, outcomes=outcomes)


def session_cookie(user) -> str:
    """A signed-in session for `user`, stored in the database the server reads."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def csrf_pair() -> tuple[str, str]:
    """A CSRF cookie value and the matching header value (Django accepts the unmasked secret
    in the header; over plain HTTP there is no Referer check)."""
    from django.utils.crypto import get_random_string

    token = get_random_string(32)
    return token, token
