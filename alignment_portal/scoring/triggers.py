"""How one recompute at a time claims an organization, and what the sweep catches up.

The other half, how a change asks for a recompute (the generation mark and the queued mark),
is below the domain apps: alignment_portal/organizations/recompute.py.

One at a time: a task claims the organization with a conditional UPDATE of
`recompute_started_at` (empty, or older than CLAIM_STALE: a worker that died mid-run never
released it, and the task time limit has long passed). Because the claim is an UPDATE of the
row every request also updates, the generation read right after it covers every change the
recompute will see.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from alignment_portal.organizations.models import Organization
from alignment_portal.organizations.recompute import QUEUED_STALE
from alignment_portal.scoring import engine

log = logging.getLogger(__name__)
# A claim this old belongs to a worker that died: the task's hard time limit has passed.
CLAIM_STALE = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
# A recompute that finds new requests arrived while it ran goes round again, this many times
# at most (then the queued task or the sweep takes over).
MAX_ROUNDS = 3


def organizations_awaiting_recompute():
    """Marked and not recomputed since: what the sweep catches up."""
    return Organization.objects.filter(recomputed_generation__lt=F("recompute_generation"))


def organizations_to_sweep(now=None):
    """Awaiting, with no live queued task and no live claim (a dead worker's claim is stale)."""
    now = now or timezone.now()
    return organizations_awaiting_recompute().filter(
        Q(recompute_queued_at__isnull=True) | Q(recompute_queued_at__lt=now - QUEUED_STALE),
        Q(recompute_started_at__isnull=True) | Q(recompute_started_at__lt=now - CLAIM_STALE),
    )


@dataclass(frozen=True)
class Claim:
    organization_id: int
    started_at: object
    generation: int
    recomputed_generation: int

    @property
    def up_to_date(self) -> bool:
        return self.recomputed_generation >= self.generation


def claim(organization_id: int) -> Claim | None:
    """Claim the organization for one recompute; None while another one holds it."""
    now = timezone.now()
    claimed = Organization.objects.filter(pk=organization_id).filter(
        Q(recompute_started_at__isnull=True) | Q(recompute_started_at__lt=now - CLAIM_STALE)
    ).update(recompute_started_at=now, recompute_queued_at=None)
    if not claimed:
        if not Organization.objects.filter(pk=organization_id).exists():
            raise Organization.DoesNotExist(organization_id)
        return None
    generation, done = Organization.objects.values_list(
        "recompute_generation", "recomputed_generation").get(pk=organization_id)
    return Claim(organization_id, now, generation, done)


def release(held: Claim, *, done: bool) -> None:
    """Give the claim back; when `done`, record the generation the recompute covered."""
    updates = {"recompute_started_at": None}
    if done:
        updates.update(recomputed_at=timezone.now(), recomputed_generation=held.generation)
    Organization.objects.filter(pk=held.organization_id,
                                recompute_started_at=held.started_at).update(**updates)


BUSY, UP_TO_DATE, DONE = "busy", "up_to_date", "done"


def run_recompute(organization_id: int, *, force: bool = False, today=None) -> str:
    """Claim, recompute, release: DONE, UP_TO_DATE (nothing new since the last one and not
    `force`), or BUSY (another recompute holds the organization; its last round covers
    requests made before it ends, see MAX_ROUNDS)."""
    outcome = BUSY
    for _ in range(MAX_ROUNDS):
        held = claim(organization_id)
        if held is None:
            return outcome if outcome == DONE else BUSY
        if held.up_to_date and not force:
            release(held, done=False)
            return outcome if outcome == DONE else UP_TO_DATE
        try:
            engine.recompute(organization_id, today=today)
        except BaseException:
            release(held, done=False)
            raise
        release(held, done=True)
        outcome, force = DONE, False
    return outcome
