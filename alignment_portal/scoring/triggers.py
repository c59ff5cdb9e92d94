"""How a change anywhere asks for its organization's scores to be recomputed.

Every write service calls `request_recompute(organization)` inside its transaction. The mark is
a column in the database, set in the same transaction as the change, so it survives a broker
that is down: the periodic sweep recomputes every organization still marked. The task itself
is queued after commit; requests made while one is queued collapse into it.
"""

from django.db.models import F, Q
from django.utils import timezone

from alignment_portal.lib.queue import enqueue_on_commit
from alignment_portal.organizations.models import Organization


def request_recompute(organization: Organization | int) -> None:
    organization_id = getattr(organization, "pk", organization)
    now = timezone.now()
    Organization.objects.filter(pk=organization_id).update(
        recompute_requested_at=now, last_activity_at=now)
    from alignment_portal.scoring.tasks import recompute_organization

    enqueue_on_commit(recompute_organization, organization_id)


def organizations_awaiting_recompute():
    """Marked and not recomputed since: what the sweep catches up."""
    return Organization.objects.filter(
        Q(recompute_requested_at__isnull=False)
        & (Q(recomputed_at__isnull=True) | Q(recomputed_at__lt=F("recompute_requested_at")))
    )
