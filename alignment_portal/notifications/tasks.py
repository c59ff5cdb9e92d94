"""Celery interfaces for notifications: thin, they take ids and call a service.

- `run_pass` (beat, hourly): one pass of events and digests. Idempotent: every event is
  claimed under a unique constraint before it is sent, so a retried, duplicated or
  overlapping pass sends nothing twice.
- `deliver_webhook`: posts one queued channel message; a failure retries with exponential
  backoff (WEBHOOK_MAX_RETRIES), then the message is marked failed and the organization's
  owners are told by email. Email never waits for it.
"""

import logging
import random

from celery import shared_task

from alignment_portal.notifications import rules, services
from alignment_portal.notifications.models import Notification

log = logging.getLogger(__name__)


def backoff(retries: int) -> float:
    return rules.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** retries + random.uniform(0, 1)


@shared_task(name="notifications.run_pass")
def run_pass() -> int:
    """Hourly: send every new event and due digest; returns the messages sent."""
    return len(services.run_pass())


@shared_task(bind=True, name="notifications.deliver_webhook", acks_late=True,
             max_retries=rules.WEBHOOK_MAX_RETRIES)
def deliver_webhook(self, notification_id: int) -> str:
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return "missing"
    error = services.webhook_attempt(notification)
    if error and self.request.is_eager:
        # No broker (development, tests): the retries run here at once, without the wait.
        for _ in range(self.max_retries):
            error = services.webhook_attempt(notification)
            if not error:
                break
    elif error and self.request.retries < self.max_retries:
        log.info("webhook message %s failed (%s); retrying", notification_id, error)
        raise self.retry(countdown=backoff(self.request.retries))
    if not error:
        return "sent"
    services.webhook_gave_up(notification)
    return "failed"
