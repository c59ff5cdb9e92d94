"""Writes for renewals: a tool's seats in use (one count per month, the old one kept when
replaced) and each person's secret calendar URL (shown once, stored hashed, rotatable)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.benefits.validation import check_month
from alignment_portal.organizations.models import hash_token
from alignment_portal.organizations.recompute import request_recompute
from alignment_portal.renewals.models import (
    MAX_SEATS,
    RenewalFeed,
    SeatCount,
    SeatCountRevision,
    new_feed_token,
)
from initiatives.models import Tool
from metrics.models import Source
from metrics.validation import clean_note, parse_number


def validate_seat_count(*, month, seats_used, note="", today: date | None = None
                        ) -> tuple[date, int, str]:
    """(month's first day, seats, note), or ValidationError keyed by field, every message at
    once: a whole number from 0 to a million, a month that has begun (from 1990), a plain note."""
    errors, clean = {}, {}
    try:
        clean["month"] = check_month(month, today)
    except ValidationError as exc:
        errors["month"] = [m.replace("record a benefit", "log a count") for m in exc.messages]
    try:
        number = parse_number(seats_used)
        if number != number.to_integral_value():
            raise ValidationError(gettext("Seats are whole numbers: enter how many are in use."))
        if number < 0:
            raise ValidationError(gettext("Seats in use cannot be negative."))
        if number > MAX_SEATS:
            raise ValidationError(gettext("%(number)s seats is more than the %(max_seats)s the "
                                          "portal takes: check the number.") % {
                                              "number": f"{number:,.0f}",
                                              "max_seats": f"{MAX_SEATS:,}"})
        clean["seats_used"] = int(number)
    except ValidationError as exc:
        errors["seats_used"] = exc.messages
    try:
        clean["note"] = clean_note(note)
    except ValidationError as exc:
        errors["note"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean["month"], clean["seats_used"], clean["note"]


@transaction.atomic
def seat_count_record(*, tool: Tool, month, seats_used, note: str = "", user=None,
                      source: str = Source.FORM, today: date | None = None
                      ) -> tuple[SeatCount, str]:
    """Store the seats of `tool` in use in the month containing `month`: (count, outcome),
    "created", "replaced" or "unchanged". The tool is locked, so two entries for one month
    cannot both insert; a replaced count is kept as a SeatCountRevision. The tool's
    `seats_used` follows the latest month's count, and the organization is recomputed
    (RENEWAL_DUE reads it)."""
    month, seats, note = validate_seat_count(month=month, seats_used=seats_used, note=note,
                                             today=today)
    locked = Tool.objects.select_for_update().get(pk=tool.pk)
    now = timezone.now()
    current = SeatCount.objects.filter(tool=locked, month=month).first()
    if current is None:
        current = SeatCount.objects.create(organization_id=locked.organization_id, tool=locked,
                                           month=month, seats_used=seats, note=note,
                                           entered_by=user, entered_at=now, source=source)
        outcome = "created"
    elif current.seats_used == seats and (not note or note == current.note):
        return current, "unchanged"
    else:
        SeatCountRevision.objects.create(
            organization_id=current.organization_id, tool=locked, month=current.month,
            seats_used=current.seats_used, note=current.note,
            entered_by_id=current.entered_by_id, entered_at=current.entered_at,
            source=current.source, replaced_at=now, replaced_by=user)
        current.seats_used, current.note = seats, note or current.note
        current.entered_by, current.entered_at, current.source = user, now, source
        current.save(update_fields=["seats_used", "note", "entered_by", "entered_at",
                                    "source"])
        outcome = "replaced"
    latest = SeatCount.objects.filter(tool=locked).order_by("-month").values_list(
        "seats_used", flat=True).first()
    if latest != locked.seats_used:
        Tool.objects.filter(pk=locked.pk).update(seats_used=latest)
        tool.seats_used = latest
    request_recompute(locked.organization_id)
    return current, outcome


@transaction.atomic
def renewal_feed_rotate(*, user) -> str:
    """A new secret calendar URL token for `user` (the old one stops at once). Returns the
    token: shown once, only its hash is kept."""
    token = new_feed_token()
    RenewalFeed.objects.update_or_create(
        user=user, defaults={"token_hash": hash_token(token), "token_hint": token[:8],
                             "created_at": timezone.now(), "last_fetched_at": None})
    return token


@transaction.atomic
def renewal_feed_revoke(*, user) -> None:
    RenewalFeed.objects.filter(user=user).delete()


def renewal_feed_user(token: str):
    """The active user whose calendar URL carries `token`, or None. Marks the fetch."""
    if not token.startswith("rc_") or len(token) > 100:
        return None
    feed = (RenewalFeed.objects.select_related("user")
            .filter(token_hash=hash_token(token), user__is_active=True).first())
    if feed is None:
        return None
    RenewalFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    return feed.user
