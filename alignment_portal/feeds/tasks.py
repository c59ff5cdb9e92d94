"""Celery interfaces for feeds: thin, they take ids and call services.py.

- `run_feed(run_id)`: one run. Idempotent: it claims the run first (a second delivery of the
  same message finds it finished, or running elsewhere, and does nothing). A failure that may
  pass (timeout, refused connection, 429, 5xx) is retried with exponential backoff, up to
  limits.MAX_RETRIES, then recorded as the run's failure. acks_late + reject_on_worker_lost: a
  worker that dies mid-run leaves the message to be delivered again, and the run's claim turns
  stale after RUN_STALE_SECONDS; nothing of it was written (one transaction).
- `run_due_feeds` (beat, every FEEDS_BEAT_SECONDS): queues a run of every pull feed that is
  due, and again the runs whose message was lost.
"""

import logging
import random

from celery import shared_task

from alignment_portal.feeds import limits, services

log = logging.getLogger(__name__)


def backoff(retries: int) -> float:
    return (min(limits.RETRY_BASE_SECONDS * 2 ** retries, limits.RETRY_MAX_SECONDS)
            + random.uniform(0, 5))


@shared_task(bind=True, name="feeds.run_feed", acks_late=True, reject_on_worker_lost=True,
             max_retries=limits.MAX_RETRIES)
def run_feed(self, run_id: int) -> str:
    # In-process (no broker) a retry would block the request that queued it: record at once.
    may_retry = not self.request.is_eager and self.request.retries < self.max_retries
    try:
        run = services.execute_run(run_id, may_retry=may_retry)
    except services.RetryLater as exc:
        raise self.retry(countdown=backoff(self.request.retries)) from exc
    except Exception as exc:
        if self.request.is_eager:
            log.exception("feed run %s failed", run_id)
            raise
        # A database error: nothing of the run was written (one transaction). Give the claim
        # back so the retry can take it.
        services.release_run(run_id)
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    return "skipped" if run is None else run.status


@shared_task(name="feeds.run_due_feeds")
def run_due_feeds() -> int:
    """Queue a run of every due pull feed; returns how many runs were queued."""
    return len(services.queue_due_feeds())
