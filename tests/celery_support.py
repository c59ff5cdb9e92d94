"""A real Celery worker for tests that need one: a subprocess on its own queue, talking to the
real broker (CELERY_BROKER_URL) and to the test database."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")

needs_broker = pytest.mark.skipif(not BROKER_URL, reason="CELERY_BROKER_URL is not set")


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("a worker process needs a shared database (PostgreSQL)")
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{connection.settings_dict['NAME']}")


def client_app(result_backend: str | None = None) -> Celery:
    """A Celery client on the real broker, independent of the eager test configuration."""
    app = Celery("test-client", broker=BROKER_URL, backend=result_backend)
    app.conf.broker_connection_timeout = 2
    return app


@contextmanager
def worker_process(*, queue: str | None = None, extra_env: dict | None = None):
    """Start `celery worker` on a fresh queue; yield (process, queue); stop it after."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_BROKER_URL": BROKER_URL, "DJANGO_DEBUG": "true",
           "DJANGO_ALLOWED_HOSTS": "", **(extra_env or {})}
    log_path = ROOT / "var" / f"worker-{queue}.log"
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "alignment_portal", "worker", "-Q", queue,
         "--pool", "solo", "--concurrency", "1", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "-n", f"{queue}@%h", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"worker exited: {log_path.read_text()}")
            if "ready." in log_path.read_text():
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("worker did not become ready within 60 s")
        yield process, queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
