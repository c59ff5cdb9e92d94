"""Writing and reading an organization's security log (SecurityEvent).

`record` is called where the thing happens: the sign-in signals below, the members and
API-token views, the exports. Sign-in events are written to every organization the person
belongs to (an owner sees the sign-ins of the organization's members). Nothing here may
break the action it records: a failure to log is itself logged, never raised.
"""

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from alignment_portal.lib.client_ip import client_ip
from alignment_portal.lib.text import header_text
from alignment_portal.organizations.models import (
    Membership,
    Organization,
    SecurityEvent,
    SecurityEventKind,
)

log = logging.getLogger(__name__)
User = get_user_model()

SECURITY_LOG_RETENTION_MONTHS = 13
SECURITY_LOG_PAGE_SIZE = 50


def _ip(request) -> str | None:
    if request is None:
        return None
    address = client_ip(request)
    try:
        from ipaddress import ip_address

        return str(ip_address(address))
    except ValueError:
        return None


def record(*, organization: Organization | int, kind: str, request=None, actor=None,
           detail: str = "") -> None:
    """Add one event to `organization`'s log. `actor` defaults to the signed-in user."""
    record_many(organization_ids=[getattr(organization, "pk", organization)], kind=kind,
                request=request, actor=actor, detail=detail)


def record_many(*, organization_ids, kind: str, request=None, actor=None,
                detail: str = "") -> None:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    name = actor.get_username() if actor is not None and hasattr(actor, "get_username") \
        else str(actor or "")
    try:
        SecurityEvent.objects.bulk_create([
            SecurityEvent(organization_id=org_id, kind=kind,
                          actor=actor if getattr(actor, "pk", None) else None,
                          actor_name=name[:150], ip_address=_ip(request),
                          detail=header_text(detail, limit=300))
            for org_id in organization_ids])
    except Exception:
        log.exception("could not write the security log (%s)", kind)


def _organization_ids_of(user) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))


@receiver(user_logged_in, dispatch_uid="security_log_sign_in")
def _signed_in(sender, request, user, **kwargs):
    record_many(organization_ids=_organization_ids_of(user), kind=SecurityEventKind.SIGN_IN,
                request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="security_log_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or ""
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return  # an unknown username belongs to no organization
    # The two-factor code's failures come through the same signal (so django-axes counts them).
    second_factor = bool((credentials or {}).get("second_factor"))
    record_many(organization_ids=_organization_ids_of(user),
                kind=SecurityEventKind.TWO_FACTOR_FAILED if second_factor
                else SecurityEventKind.SIGN_IN_FAILED, request=request, actor=user,
                detail="wrong two-factor code" if second_factor else "wrong password")


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    user = User.objects.filter(username=username or "").first()
    if user is None:
        return
    record_many(organization_ids=_organization_ids_of(user),
                kind=SecurityEventKind.SIGN_IN_LOCKED, request=request, actor=user,
                detail="too many failed sign-ins: locked for a while")


def connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="security_log_locked_out")


def months_ago(moment: datetime, months: int) -> datetime:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month + 1, day=day)


def purge(*, now: datetime | None = None) -> int:
    """Delete events older than SECURITY_LOG_RETENTION_MONTHS. Returns how many."""
    cutoff = months_ago(now or timezone.now(), SECURITY_LOG_RETENTION_MONTHS)
    deleted, _ = SecurityEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def events(*, organization: Organization, kind: str = "", person: str = "",
           since=None, until=None):
    """The organization's events, newest first, filtered by kind, person (name contains) and
    day range (inclusive)."""
    rows = SecurityEvent.objects.filter(organization=organization)
    if kind:
        rows = rows.filter(kind=kind)
    if person:
        rows = rows.filter(actor_name__icontains=person)
    if since:
        rows = rows.filter(at__date__gte=since)
    if until:
        rows = rows.filter(at__date__lte=until)
    return rows.order_by("-at", "-id")
