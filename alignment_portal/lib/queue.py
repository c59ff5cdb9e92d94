"""The one way to enqueue a Celery task: after the current transaction commits.

A broker that is down must not fail or hang the web request that enqueued: the publish error
is logged and swallowed. Work that matters (score recomputes) is also recorded in the
database, so the periodic sweep catches it up once the broker is back.

During an outage every request fails to publish; the log says so once when it starts, then
once every OUTAGE_LOG_SECONDS with how many publishes failed meanwhile, and once when the
broker takes messages again (a process's view: each web process logs its own).
"""

import logging
import threading
import time

from django.db import transaction

log = logging.getLogger(__name__)

OUTAGE_LOG_SECONDS = 30


class _Outage:
    """This process's failed publishes since the broker last took one."""

    def __init__(self):
        self.lock = threading.Lock()
        self.failures = 0  # since the outage began
        self.unlogged = 0  # since the last line about it
        self.logged_at = 0.0

    def failed(self, task_name: str, exc: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.failures += 1
            self.unlogged += 1
            if self.failures > 1 and now - self.logged_at < OUTAGE_LOG_SECONDS:
                return
            first, count = self.failures == 1, self.unlogged
            self.unlogged, self.logged_at = 0, now
        if first:
            # One line, not a traceback.
            log.warning("could not queue %s (%s: %s); it will be caught up later", task_name,
                        type(exc).__name__, exc)
        else:
            log.warning("the broker is still down: %d more task(s) could not be queued in the "
                        "last %d s (%s: %s); they will be caught up later", count,
                        OUTAGE_LOG_SECONDS, type(exc).__name__, exc)

    def succeeded(self) -> None:
        if not self.failures:  # the usual case: no lock
            return
        with self.lock:
            failures, self.failures, self.unlogged = self.failures, 0, 0
        if failures:
            log.info("the broker takes tasks again, after %d failed publish(es)", failures)


_outage = _Outage()


def send_now(task, *args, **kwargs) -> bool:
    """Publish `task` now; False (logged) when the broker could not take it."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception as exc:  # kombu raises several error types for an unreachable broker
        _outage.failed(task.name, exc)
        return False
    _outage.succeeded()
    return True


def enqueue_on_commit(task, *args, on_failure=None, **kwargs) -> None:
    """Queue `task` once the surrounding transaction commits (at once outside one); when the
    broker cannot take it, call `on_failure()` (say, to drop a queued mark)."""
    def publish():
        if not send_now(task, *args, **kwargs) and on_failure is not None:
            on_failure()

    transaction.on_commit(publish, robust=True)
