"""Celery interfaces to the scoring engine: they take ids, claim, and call the engine.

- `recompute_organization`: queued after commit by organizations/recompute.py's
  `request_recompute` (in-process when no broker is configured). Idempotent: it claims the
  organization first (one recompute at a time) and does nothing when no change arrived
  since the last one. While another recompute holds the organization it waits and retries;
  errors retry with exponential backoff. acks_late + reject_on_worker_lost: a worker that
  dies mid-run leaves the message to be delivered again, and its stale claim becomes
  reclaimable after CLAIM_STALE.
- `sweep_recomputes` (beat, every few minutes): queues every organization marked but not
  done, so nothing is lost while the broker was down or a worker died.
- `snapshot_scores` (beat, nightly): recomputes every organization (freshness decays with
  the calendar, not only with changes) and records the day's snapshot for the history charts.
"""

import logging
import random

from celery import shared_task

from alignment_portal.organizations import recompute
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import triggers
from alignment_portal.scoring.snapshots import take_snapshot

log = logging.getLogger(__name__)

MAX_RETRIES = 6
BACKOFF_BASE_SECONDS = 2  # 2, 4, 8, ... seconds, plus jitter
BACKOFF_MAX_SECONDS = 300
BUSY_RETRY_SECONDS = 5  # another recompute of the same organization is running


def backoff(retries: int) -> float:
    return min(BACKOFF_BASE_SECONDS * 2 ** retries, BACKOFF_MAX_SECONDS) + random.uniform(0, 1)


@shared_task(bind=True, name="scoring.recompute_organization", acks_late=True,
             reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def recompute_organization(self, organization_id: int, force: bool = False) -> str:
    try:
        outcome = triggers.run_recompute(organization_id, force=force)
    except Organization.DoesNotExist:
        return "missing"  # deleted since it was queued: nothing to do
    except Exception as exc:
        if self.request.is_eager:
            # No broker: the mark stays, and the next change (or `recompute_scores`) retries.
            log.exception("recompute of organization %s failed", organization_id)
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    if outcome == triggers.BUSY and not self.request.is_eager:
        if self.request.retries >= self.max_retries:
            recompute.clear_queued(organization_id)  # the sweep takes over
            return outcome
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return outcome


@shared_task(name="scoring.sweep_recomputes")
def sweep_recomputes() -> int:
    """Queue a recompute for every organization marked but not done; returns how many."""
    queued = 0
    for organization_id in triggers.organizations_to_sweep().values_list("pk", flat=True):
        if recompute.mark_queued(organization_id) and recompute.publish(organization_id):
            queued += 1
    return queued


@shared_task(name="scoring.snapshot_scores")
def snapshot_scores() -> int:
    """Fan out the nightly snapshot: one task per organization."""
    ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in ids:
        snapshot_organization.delay(organization_id)
    return len(ids)


@shared_task(bind=True, name="scoring.snapshot_organization", acks_late=True,
             reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def snapshot_organization(self, organization_id: int) -> str:
    try:
        outcome = triggers.run_recompute(organization_id, force=True)
    except Organization.DoesNotExist:
        return "missing"
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    if outcome == triggers.BUSY and not self.request.is_eager \
            and self.request.retries < self.max_retries:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    take_snapshot(organization_id)
    return outcome
