"""What notifications remember: who wants what, the organization's channel, and every message
with the events it carried (the once-only record)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.notifications.rules import (
    CHANNEL_LABELS,
    KIND_LABELS,
    WEBHOOK_DEFAULT_KINDS,
    WEEKDAYS,
    Channel,
    Kind,
)
from alignment_portal.organizations.models import Organization

KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]
CHANNEL_CHOICES = [(channel.value, label) for channel, label in CHANNEL_LABELS.items()]
WEEKDAY_CHOICES = list(enumerate(WEEKDAYS))


class Preference(models.Model):
    """One person's choice for one kind on one channel in one organization. No row means on:
    rows are written when someone turns a kind off (or back on)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES, default=Channel.EMAIL)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind", "channel"],
                                    name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.organization_id} {self.kind}/{self.channel}: {self.enabled}"


class PersonSettings(models.Model):
    """A person's notification settings that hold across their organizations."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings")
    quiet_weekends = models.BooleanField(
        default=False, help_text=_("Hold my emails on Saturday and Sunday."))

    def __str__(self) -> str:
        return f"{self.user_id}: quiet weekends {self.quiet_weekends}"


class WebhookPlatform(models.TextChoices):
    NONE = "", _("None")
    SLACK = Channel.SLACK.value, _("Slack")
    TEAMS = Channel.TEAMS.value, _("Microsoft Teams")


def _default_webhook_kinds() -> list[str]:
    return [kind.value for kind in WEBHOOK_DEFAULT_KINDS]


class OrganizationNotifications(models.Model):
    """An organization's notification settings: its digest weekday and its Slack or Teams
    incoming webhook. The webhook URL is a secret (anyone holding it can post to the channel):
    it is stored encrypted (notifications/secrets.py) and only its host and last characters
    are ever shown again."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE,
                                        related_name="notification_settings")
    digest_weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES, default=0)
    webhook_platform = models.CharField(max_length=10, choices=WebhookPlatform.choices,
                                        blank=True, default="")
    webhook_url_encrypted = models.TextField(blank=True)
    webhook_url_hint = models.CharField(max_length=120, blank=True)
    webhook_kinds = models.JSONField(default=_default_webhook_kinds, blank=True)
    webhook_include_values = models.BooleanField(
        default=False, help_text=_("Include the numbers in channel messages (off: names only)."))
    webhook_failing_since = models.DateTimeField(null=True, blank=True)
    webhook_last_error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "organization notification settings"
        constraints = [
            models.CheckConstraint(condition=Q(digest_weekday__gte=0, digest_weekday__lte=6),
                                   name="notifications_digest_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"Notifications of {self.organization_id}"

    @property
    def has_webhook(self) -> bool:
        return bool(self.webhook_platform and self.webhook_url_encrypted)


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one recipient on one channel: an email to a person, or a post to an
    organization's channel (user empty). Its outcome is recorded here, per message."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+",
                                     help_text=_("Empty for a digest across organizations."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+")
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    subject = models.CharField(max_length=200)
    payload = models.JSONField(default=dict, blank=True)  # a webhook's body, sent by the task
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "channel"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id or self.organization_id} by {self.channel}"


class NotificationEvent(models.Model):
    """One event told to one recipient on one channel. The unique constraint is the
    once-only guarantee: the pass inserts these with the message, in one transaction, so a
    retried or duplicated pass (or two at once) cannot send an event twice."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="events")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    recipient = models.CharField(max_length=40, help_text=_("user:<id> or org:<id>"))
    event_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel", "recipient", "event_key"],
                                    name="notification_event_once"),
        ]
        indexes = [models.Index(fields=["event_key"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_key} to {self.recipient} by {self.channel}"


def user_recipient(user_id: int) -> str:
    return f"user:{user_id}"


def organization_recipient(organization_id: int) -> str:
    return f"org:{organization_id}"


__all__ = ["Kind", "Channel"]
