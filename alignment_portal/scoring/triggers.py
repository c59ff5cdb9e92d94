"""How a change anywhere asks for its organization's scores to be recomputed, and how one
recompute at a time claims the organization.

Every write service calls `request_recompute(organization)` inside its transaction. The mark
is in the database, in the same transaction as the change, so it survives a broker that is
down: every request bumps `recompute_generation`, and a finished recompute records the
generation it read as `recomputed_generation`. "Marked but not done" is exactly
`recomputed_generation < recompute_generation`; the periodic sweep catches those up.

Collapsing: a request queues a task only when none is queued (`recompute_queued_at` empty or
older than QUEUED_STALE, the mark of a message that was lost). The task clears the mark when
it claims the organization, so a change made while it runs queues the next one.

One at a time: a task claims the organization with a conditional UPDATE of
`recompute_started_at` (empty, or older than CLAIM_STALE: a worker that died mid-run never
released it, and the task time limit has long passed). Because the claim is an UPDATE of the
row every request also updates, the generation read right after it covers every change the
recompute will see.

Fenced: the recompute writes its scores only if its claim is still its own at commit
(engine.write_scorecard). A worker cut off from the database for longer than CLAIM_STALE
(a network partition, a paused VM, a pool that enforces no time limit, a clock ahead on the
host that reclaimed) comes back to find its claim taken over: its write rolls back, the log
says "late write refused", and the newer scores stand (SUPERSEDED).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from alignment_portal.lib.queue import send_now
from alignment_portal.organizations.models import Organization

log = logging.getLogger(__name__)

# A queued mark this old belongs to a message that was lost (the sweep runs every few
# minutes and queues again).
QUEUED_STALE = timedelta(minutes=10)
# A claim this old belongs to a worker that died: the task's hard time limit has passed.
CLAIM_STALE = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
# A recompute that finds new requests arrived while it ran goes round again, this many times
# at most (then the queued task or the sweep takes over).
MAX_ROUNDS = 3


def request_recompute(organization: Organization | int) -> None:
    """Mark the organization for recompute and queue one after commit unless one is queued."""
    organization_id = getattr(organization, "pk", organization)
    if _mark(organization_id, timezone.now()):
        transaction.on_commit(lambda: publish(organization_id), robust=True)


# Every write of the portal runs this, so it is one statement: bump the generation and set
# the queued mark unless a live one is there, returning whether this call set it. (Two ORM
# updates did the same in two round trips; Django's update() cannot return values.)
_MARK_SQL = """
    UPDATE {table} SET
        recompute_requested_at = %(now)s, last_activity_at = %(now)s,
        recompute_generation = recompute_generation + 1,
        recompute_queued_at = CASE
            WHEN recompute_queued_at IS NULL OR recompute_queued_at < %(stale)s THEN %(now)s
            ELSE recompute_queued_at END
    WHERE id = %(id)s
    RETURNING recompute_queued_at = %(now)s
"""


def _mark(organization_id: int, now) -> bool:
    """Mark for recompute; True when this call set the queued mark (so it must publish)."""
    connection = connections[router.db_for_write(Organization)]
    adapt = connection.ops.adapt_datetimefield_value
    sql = _MARK_SQL.format(table=connection.ops.quote_name(Organization._meta.db_table))
    params = {"now": adapt(now), "stale": adapt(now - QUEUED_STALE), "id": organization_id}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bool(row and row[0])


def _queued_mark_lost(now) -> Q:
    """No queued task to wait for: none queued, the mark is stale, or the claim is stale (the
    worker that died or was cut off with it also holds the message it had reserved, which
    its broker keeps unacknowledged for an hour)."""
    return (Q(recompute_queued_at__isnull=True) | Q(recompute_queued_at__lt=now - QUEUED_STALE)
            | Q(recompute_started_at__lt=now - CLAIM_STALE))


def mark_queued(organization_id: int, now=None) -> bool:
    """Set the queued mark unless a live one is there; True when this call set it."""
    now = now or timezone.now()
    return Organization.objects.filter(pk=organization_id).filter(
        _queued_mark_lost(now)).update(recompute_queued_at=now) == 1


def clear_queued(organization_id: int) -> None:
    Organization.objects.filter(pk=organization_id).update(recompute_queued_at=None)


def publish(organization_id: int) -> bool:
    """Send the recompute task (in-process without a broker). When the broker cannot take it,
    drop the queued mark so the next change or the sweep queues again."""
    from alignment_portal.scoring.tasks import recompute_organization

    if send_now(recompute_organization, organization_id):
        return True
    clear_queued(organization_id)
    return False


def organizations_awaiting_recompute():
    """Marked and not recomputed since: what the sweep catches up."""
    return Organization.objects.filter(recomputed_generation__lt=F("recompute_generation"))


def organizations_to_sweep(now=None):
    """Awaiting, with no live queued task and no live claim (a dead worker's claim is stale,
    and so is the queued mark of a task it had reserved)."""
    now = now or timezone.now()
    return organizations_awaiting_recompute().filter(
        _queued_mark_lost(now),
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


BUSY, UP_TO_DATE, DONE, SUPERSEDED = "busy", "up_to_date", "done", "superseded"
LATE_WRITE_REFUSED = "late write refused"  # the log line the cluster bench counts


def run_recompute(organization_id: int, *, force: bool = False, today=None) -> str:
    """Claim, recompute, release: DONE, UP_TO_DATE (nothing new since the last one and not
    `force`), BUSY (another recompute holds the organization; its last round covers
    requests made before it ends, see MAX_ROUNDS), or SUPERSEDED (this one outlived its
    claim, which another took over: nothing written, nothing released)."""
    from alignment_portal.scoring import engine

    outcome = BUSY
    for _ in range(MAX_ROUNDS):
        held = claim(organization_id)
        if held is None:
            return outcome if outcome == DONE else BUSY
        if held.up_to_date and not force:
            release(held, done=False)
            return outcome if outcome == DONE else UP_TO_DATE
        try:
            engine.recompute(organization_id, today=today, claim=held)
        except engine.ClaimLost:
            log.warning("%s: organization %s, claim of %s taken over; its scores stand",
                        LATE_WRITE_REFUSED, organization_id, held.started_at.isoformat())
            return SUPERSEDED
        except BaseException:
            release(held, done=False)
            raise
        release(held, done=True)
        outcome, force = DONE, False
    return outcome
