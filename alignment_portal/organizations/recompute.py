"""How a change anywhere asks for its organization's scores to be recomputed: the one way a
domain write reaches the scoring, which sits above the domain apps.

Every write service calls `request_recompute(organization)` inside its transaction. The mark
is in the database, in the same transaction as the change, so it survives a broker that is
down: every request bumps `Organization.recompute_generation`, and a finished recompute
records the generation it read as `recomputed_generation` (scoring/triggers.py). "Marked but
not done" is exactly `recomputed_generation < recompute_generation`; the periodic sweep
catches those up.

Collapsing: a request queues a task only when none is queued (`recompute_queued_at` empty or
older than QUEUED_STALE, the mark of a message that was lost). The task clears the mark when
it claims the organization, so a change made while it runs queues the next one.

The task is named, not imported (RECOMPUTE_TASK): this module, like the domain apps that
call it, depends on nothing of the scoring engine.
"""

from datetime import timedelta

from django.db import connections, router
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from alignment_portal.lib.queue import enqueue_on_commit, send_now
from alignment_portal.organizations.models import Organization

RECOMPUTE_TASK = "alignment_portal.scoring.tasks.recompute_organization"
# A queued mark this old belongs to a message that was lost (the sweep runs every few
# minutes and queues again).
QUEUED_STALE = timedelta(minutes=10)


def request_recompute(organization: Organization | int) -> None:
    """Mark the organization for recompute and queue one after commit unless one is queued."""
    organization_id = getattr(organization, "pk", organization)
    if _mark(organization_id, timezone.now()):
        enqueue_on_commit(import_string(RECOMPUTE_TASK), organization_id,
                          on_failure=lambda: clear_queued(organization_id))


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


def mark_queued(organization_id: int, now=None) -> bool:
    """Set the queued mark unless a live one is there; True when this call set it."""
    now = now or timezone.now()
    return Organization.objects.filter(pk=organization_id).filter(
        Q(recompute_queued_at__isnull=True) | Q(recompute_queued_at__lt=now - QUEUED_STALE)
    ).update(recompute_queued_at=now) == 1


def clear_queued(organization_id: int) -> None:
    Organization.objects.filter(pk=organization_id).update(recompute_queued_at=None)


def publish(organization_id: int) -> bool:
    """Send the recompute task now (in-process without a broker). When the broker cannot take
    it, drop the queued mark so the next change or the sweep queues again."""
    if send_now(import_string(RECOMPUTE_TASK), organization_id):
        return True
    clear_queued(organization_id)
    return False
