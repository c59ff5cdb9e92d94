"""Renewals (DOMAIN.md, "Renewals"): the history of a tool's seats in use, and each person's
secret iCalendar feed of renewal dates.

The renewal terms themselves (renewal date, billing period, notice period, seats paid) are
fields of `initiatives.Tool`, with `Tool.seats_used` the latest count logged here. A
`SeatCount` is one month's count for one tool: entering the month again replaces it and the
old count is kept as a `SeatCountRevision` (like metric values).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from alignment_portal.organizations.models import Organization
from metrics.models import ReplacedEntry, Source

FEED_TOKEN_PREFIX = "rc_"  # noqa: S105 (a visible prefix, not a secret)
MAX_SEATS = 1_000_000


def new_feed_token() -> str:
    return FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)


class SeatCount(models.Model):
    """The seats of a tool in use in one month (`month` is its first day)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    tool = models.ForeignKey("initiatives.Tool", on_delete=models.CASCADE,
                             related_name="seat_counts")
    month = models.DateField()
    seats_used = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.FORM)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "month"], name="seat_count_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="seat_count_first_of_month"),
            models.CheckConstraint(condition=Q(seats_used__lte=MAX_SEATS),
                                   name="seat_count_at_most_a_million"),
        ]
        indexes = [models.Index(fields=["organization", "tool", "month"])]

    def __str__(self) -> str:
        return f"tool {self.tool_id} {self.month:%Y-%m}: {self.seats_used}"


class SeatCountRevision(ReplacedEntry):
    """A count that a later one for the same tool and month replaced."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    tool = models.ForeignKey("initiatives.Tool", on_delete=models.CASCADE,
                             related_name="seat_count_revisions")
    month = models.DateField()
    seats_used = models.PositiveIntegerField()

    class Meta(ReplacedEntry.Meta):
        indexes = [models.Index(fields=["tool", "month"])]

    def __str__(self) -> str:
        return f"tool {self.tool_id} {self.month:%Y-%m}: {self.seats_used} (replaced)"


class RenewalFeed(models.Model):
    """A person's secret iCalendar URL of the renewals of every organization they belong to
    (membership is checked at each fetch). Only the token's hash is kept; the URL is shown
    once, and a new one replaces it at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="renewal_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"renewal feed of {self.user_id} ({self.token_hint}…)"
