"""Feeds: values that arrive by themselves (DOMAIN.md, "Feeds").

A pull feed fetches a URL on a schedule; a push feed is a secret URL that automation posts
to. Either way the rows go through the CSV import's reader and validation and the bulk value
write, and every run is recorded as a FeedRun.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alignment_portal.lib.words import worded
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring.rules import feed_is_failing

PUSH_TOKEN_PREFIX = "fp_"  # noqa: S105 (a visible prefix, not a secret)


class Kind(models.TextChoices):
    PULL = "pull", _("Pull (the portal fetches a URL)")
    PUSH = "push", _("Push (your automation posts to a secret URL)")


class Schedule(models.TextChoices):
    HOURLY = "hourly", _("Every hour")
    DAILY = "daily", _("Every day at an hour")


class Format(models.TextChoices):
    AUTO = "auto", _("Detect (CSV or JSON)")
    CSV = "csv", _("CSV")
    JSON = "json", _("JSON")


def hash_push_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Feed(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="feeds")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    url = models.URLField(max_length=2000, blank=True,
                          help_text=_("A CSV or JSON address, e.g. a sheet published as CSV."))
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.AUTO)
    schedule = models.CharField(max_length=6, choices=Schedule.choices, default=Schedule.DAILY)
    daily_hour = models.PositiveSmallIntegerField(
        default=6, help_text=_("Hour of the day (server time) a daily feed runs, 0-23."))
    # {name in the file (a column or a metric name): metric id, or null to ignore it}. Names
    # not listed are matched to a metric of the same name, as the CSV import does.
    metric_map = models.JSONField(default=dict, blank=True)
    all_or_nothing = models.BooleanField(
        default=False, help_text=_("Store nothing from a run in which any row is refused."))
    # Push: only the hash of the secret URL's token is kept; it is shown once.
    push_token_hash = models.CharField(max_length=64, blank=True)
    push_token_hint = models.CharField(max_length=12, blank=True)
    # Optional: the sender's own secret for signing bodies (HMAC-SHA256). Kept as typed, since
    # checking a signature needs it.
    signing_secret = models.CharField(max_length=200, blank=True)
    # Conditional GET: what the server said last time.
    etag = models.CharField(max_length=400, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # sha256 of the last body read and of the mapping it was read with: the same again is
    # "unchanged" without parsing.
    content_fingerprint = models.CharField(max_length=64, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)  # in English (API, logs)
    last_error_words = models.JSONField(default=dict, blank=True)  # lib/words.py, for pages
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # The metrics this feed writes to (its mapping and what its runs stored), for "fed by a
    # failing feed" beside their freshness.
    fed_metric_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="feed_name_unique"),
            models.CheckConstraint(condition=Q(daily_hour__lte=23), name="feed_hour_valid"),
            models.CheckConstraint(condition=~Q(kind="pull") | ~Q(url=""),
                                   name="feed_pull_has_url"),
        ]
        indexes = [models.Index(fields=["next_run_at"])]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_push_token() -> str:
        return PUSH_TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_pull(self) -> bool:
        return self.kind == Kind.PULL

    @property
    def is_failing(self) -> bool:
        return feed_is_failing(self.consecutive_failures)

    @property
    def last_error_text(self) -> str:
        """The last run's error in the reader's language (English when it was never worded)."""
        return worded(self.last_error_words, self.last_error)

    @property
    def is_due(self) -> bool:
        return self.next_run_at is not None and self.next_run_at <= timezone.now()

    @property
    def schedule_label(self) -> str:
        if not self.is_pull:
            return gettext("When your automation posts")
        if self.schedule == Schedule.HOURLY:
            return gettext("Every hour")
        return gettext("Every day at %(time)s") % {"time": f"{self.daily_hour:02d}:00"}


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")
    COMMAND = "command", _("Command")
    PUSH = "push", _("Push")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    OK = "ok", _("Succeeded")
    PARTIAL = "partial", _("Succeeded, some rows refused")
    NOT_MODIFIED = "not_modified", _("Nothing new (not modified)")
    FAILED = "failed", _("Failed")


FINISHED = (RunStatus.OK, RunStatus.PARTIAL, RunStatus.NOT_MODIFIED, RunStatus.FAILED)


class FeedRun(models.Model):
    """One run of a feed: when, what it stored, replaced, left unchanged and refused (with the
    reasons), or the error in words."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    status = models.CharField(max_length=12, choices=RunStatus.choices,
                              default=RunStatus.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    bytes_read = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    replaced = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # [{"line": n, "reason": "..."}]
    error = models.CharField(max_length=500, blank=True)  # in English (API, logs)
    error_words = models.JSONField(default=dict, blank=True)  # lib/words.py, for pages
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["feed", "-queued_at"]),
                   models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.feed_id} {self.queued_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def error_text(self) -> str:
        """The error in the reader's language (English when it was never worded)."""
        return worded(self.error_words, self.error)

    @property
    def failed(self) -> bool:
        return self.status == RunStatus.FAILED

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
