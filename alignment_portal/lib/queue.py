"""The one way to enqueue a Celery task: after the current transaction commits.

A broker that is down must not fail or hang the web request that enqueued: the publish error
is logged and swallowed. Work that matters (score recomputes) is also recorded in the
database, so the periodic sweep catches it up once the broker is back.
"""

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def send_now(task, *args, **kwargs) -> bool:
    """Publish `task` now; False (logged) when the broker could not take it."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception as exc:  # kombu raises several error types for an unreachable broker
        # One line, not a traceback: during an outage every request logs this.
        log.warning("could not queue %s (%s: %s); it will be caught up later", task.name,
                    type(exc).__name__, exc)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_now(task, *args, **kwargs), robust=True)
