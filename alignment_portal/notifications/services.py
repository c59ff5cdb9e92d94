"""Writes for notifications: the hourly pass (claim each message's events, then send), the
webhook delivery, people's preferences and unsubscribes, and the organization's channel."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from alignment_portal.lib.queue import send_now
from alignment_portal.notifications import emails, events, webhook_crypto, webhooks
from alignment_portal.notifications.models import (
    Notification,
    NotificationEvent,
    OrganizationNotifications,
    PersonSettings,
    Preference,
    Status,
)
from alignment_portal.notifications.rules import (
    ACTIVE_KINDS,
    WEBHOOK_KINDS,
    Channel,
    Kind,
    clean_header_text,
)
from alignment_portal.organizations.language import language_for
from alignment_portal.organizations.models import Membership, Organization, Role

log = logging.getLogger(__name__)


@dataclass
class Sent:
    """One line of a pass's report."""

    kind: str
    recipient: str
    channel: str
    organization: str  # its slug, or "all" for a digest across organizations
    subject: str
    status: str


def _where(message) -> str:
    if message.organization is not None:
        return message.organization.slug
    return ", ".join(section.organization.slug for section in message.sections)


# Messages claimed per transaction: one commit (one disk flush) and two inserts cover the
# batch instead of a commit per message.
CLAIM_BATCH = 100


def _claim_one(message, subject: str, payload: dict | None) -> Notification | None:
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                organization=message.organization, user=message.user,
                channel=message.channel.value, kind=message.kind.value,
                subject=subject[:200], payload=payload or {})
            NotificationEvent.objects.bulk_create(_events_of(notification, message))
    except IntegrityError:
        return None
    return notification


def _claim(message, subject: str, payload: dict | None = None) -> Notification | None:
    """Record the message with its events; None when any of them was told already (another
    pass got there first: the unique constraint decides, so nothing is sent twice)."""
    return _claim_many([(message, subject, payload)])[0]


def _events_of(notification: Notification, message) -> list[NotificationEvent]:
    return [NotificationEvent(notification=notification, organization=message.organization,
                              kind=kind.value if isinstance(kind, Kind) else kind,
                              channel=message.channel.value, recipient=message.recipient,
                              event_key=key)
            for kind, key in message.claims()]


def _claim_many(items: list) -> list[Notification | None]:
    """Claim each (message, subject, payload): normally all at once (two inserts, one
    commit). When another pass claimed one of them meanwhile, the unique constraint refuses
    the batch, and it is claimed again one savepoint per message, so only the taken ones
    drop out. A pass running at the same time waits on the rows this one inserts."""
    try:
        with transaction.atomic():
            notifications = Notification.objects.bulk_create([
                Notification(organization=message.organization, user=message.user,
                             channel=message.channel.value, kind=message.kind.value,
                             subject=subject[:200], payload=payload or {})
                for message, subject, payload in items])
            NotificationEvent.objects.bulk_create([
                event for notification, (message, _, _) in zip(notifications, items,
                                                               strict=True)
                for event in _events_of(notification, message)])
        return notifications
    except IntegrityError:
        with transaction.atomic():
            return [_claim_one(message, subject, payload) for message, subject, payload in items]


def _outcome(notification: Notification, error: str = "") -> Notification:
    notification.attempts += 1
    notification.status = Status.FAILED if error else Status.SENT
    notification.error = error[:300]
    notification.sent_at = None if error else timezone.now()
    return notification


def _finish(notification: Notification, error: str = "") -> None:
    _outcome(notification, error).save(update_fields=["attempts", "status", "error", "sent_at"])


def _send_emails(messages: list, today, mailer) -> list[Sent]:
    """Claim and send a batch of email messages, one email per recipient; a failure is
    recorded on its message and never stops the others."""
    built = [(message, emails.build_email(message, today)) for message in messages]
    claimed = _claim_many([(message, email.subject, None) for message, email in built])
    report, done = [], []
    for (message, email), notification in zip(built, claimed, strict=True):
        if notification is None:
            continue
        try:
            mailer.send_messages([email])
        except Exception as exc:  # one recipient's failure never stops the others
            log.warning("notification %s to %s failed: %s", notification.pk,
                        message.user.pk, exc)
            _outcome(notification, f"{type(exc).__name__}: {exc}")
        else:
            _outcome(notification)
        done.append(notification)
        report.append(Sent(message.kind.value, message.recipient_label, Channel.EMAIL.value,
                           _where(message), notification.subject, notification.status))
    Notification.objects.bulk_update(done, ["attempts", "status", "error", "sent_at"])
    return report


def _send_email(message, today, mailer) -> Sent | None:
    report = _send_emails([message], today, mailer)
    return report[0] if report else None


def _queue_webhook(message) -> Sent | None:
    channel_settings = events.org_settings(message.organization)
    page = {Kind.FLAG_HIGH: "dashboard", Kind.FEED_FAILING: "feeds:list"}.get(message.kind,
                                                                          "metrics:list")
    url = emails.absolute(reverse(page, args=[message.organization.slug]))
    title, body = webhooks.message_payload(
        message, include_values=channel_settings.webhook_include_values, url=url)
    notification = _claim(message, title, body)
    if notification is None:
        return None
    from alignment_portal.notifications.tasks import deliver_webhook

    send_now(deliver_webhook, notification.pk)  # a broker down: the message stays pending
    notification.refresh_from_db(fields=["status"])
    return Sent(message.kind.value, message.recipient_label, message.channel.value,
                _where(message), title, notification.status)


def run_pass(*, now: datetime | None = None, dry_run: bool = False) -> list[Sent]:
    """One hourly pass: every new event, told once per person (or channel). Emails go one
    by one (a failure is recorded on its message and the rest go on); webhook posts are
    queued last, each its own task, so a slow or failing channel never holds email back.
    With `dry_run`, what would be sent is returned and nothing is recorded or sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    messages = events.plan(now)
    if dry_run:
        return [Sent(m.kind.value, m.recipient_label, m.channel.value, _where(m), "",
                     "dry run") for m in messages]
    report = []
    mailer = mailers.default
    by_email = [message for message in messages if message.channel == Channel.EMAIL]
    for start in range(0, len(by_email), CLAIM_BATCH):
        report += _send_emails(by_email[start:start + CLAIM_BATCH], today, mailer)
    for message in messages:
        if message.channel != Channel.EMAIL:
            sent = _queue_webhook(message)
            if sent is not None:
                report.append(sent)
    return report


# Webhook delivery (the task calls these) -------------------------------------------------------

def webhook_attempt(notification: Notification) -> str:
    """Post a queued channel message once. Returns "" on success, else the error (the task
    retries with backoff, then calls webhook_gave_up)."""
    if notification.status == Status.SENT:
        return ""
    channel_settings = OrganizationNotifications.objects.filter(
        organization_id=notification.organization_id).first()
    url = channel_settings and channel_settings.has_webhook and webhook_crypto.decrypt(
        channel_settings.webhook_url_encrypted)
    if not url:
        error = "the organization has no readable webhook URL any more"
    else:
        try:
            webhooks.post(url, notification.payload)
            error = ""
        except (webhooks.WebhookError, ValidationError) as exc:
            error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    notification.attempts += 1
    notification.error = error[:300]
    if not error:
        notification.status, notification.sent_at = Status.SENT, timezone.now()
    notification.save(update_fields=["attempts", "error", "status", "sent_at"])
    if not error and channel_settings and channel_settings.webhook_failing_since:
        OrganizationNotifications.objects.filter(pk=channel_settings.pk).update(
            webhook_failing_since=None, webhook_last_error="")
    return error


def webhook_gave_up(notification: Notification) -> int:
    """The last retry failed: mark the message failed and the channel failing, and tell the
    organization's owners by email (once per failing spell). Returns the emails sent."""
    Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED)
    organization = Organization.objects.get(pk=notification.organization_id)
    channel_settings, _ = OrganizationNotifications.objects.get_or_create(
        organization=organization)
    spell = channel_settings.webhook_failing_since or timezone.now()
    OrganizationNotifications.objects.filter(pk=channel_settings.pk).update(
        webhook_failing_since=spell, webhook_last_error=notification.error)
    key = f"failing-since:{spell.isoformat()}"
    sent = 0
    mailer = mailers.default
    owners = (Membership.objects.filter(organization=organization, role=Role.OWNER,
                                        user__is_active=True).exclude(user__email="")
              .select_related("user__preferences"))
    opted_out = set(Preference.objects.filter(
        organization=organization, kind=Kind.WEBHOOK_FAILING, channel=Channel.EMAIL,
        enabled=False).values_list("user_id", flat=True))
    for membership in owners:
        if membership.user_id in opted_out:
            continue
        message = events.Message(Kind.WEBHOOK_FAILING, Channel.EMAIL, organization,
                                 membership.user, event_key=key, role=membership.role)
        with translation.override(language_for(membership.user)):
            context = emails.webhook_failing_context(organization=organization,
                                                     error=notification.error or "no answer")
        email = emails.build_email(message, timezone.localdate(), context)
        claimed = _claim(message, email.subject)
        if claimed is None:
            continue
        try:
            mailer.send_messages([email])
        except Exception as exc:
            _finish(claimed, f"{type(exc).__name__}: {exc}")
        else:
            _finish(claimed)
            sent += 1
    return sent


# People's preferences -------------------------------------------------------------------------

def preferences_for(*, user, organization: Organization) -> dict:
    """kind -> enabled, for email, in this organization (no row: on)."""
    stored = dict(Preference.objects.filter(user=user, organization=organization,
                                            channel=Channel.EMAIL)
                  .values_list("kind", "enabled"))
    return {kind: stored.get(kind.value, True) for kind in ACTIVE_KINDS}


@transaction.atomic
def preferences_save(*, user, organization: Organization, enabled: dict,
                     quiet_weekends: bool | None = None) -> None:
    """Record kind -> on/off for email in this organization (and, when given, the person's
    quiet weekends)."""
    for kind, on in enabled.items():
        kind = Kind(kind)
        preference = Preference.objects.filter(user=user, organization=organization,
                                               kind=kind, channel=Channel.EMAIL).first() \
            or Preference(user=user, organization=organization, kind=kind,
                          channel=Channel.EMAIL)
        preference.enabled, preference.updated_at = bool(on), timezone.now()
        preference.full_clean(validate_unique=False)
        preference.save()
    if quiet_weekends is not None:
        PersonSettings.objects.update_or_create(user=user,
                                                defaults={"quiet_weekends": quiet_weekends})


def quiet_weekends_for(user) -> bool:
    return PersonSettings.objects.filter(user=user, quiet_weekends=True).exists()


@transaction.atomic
def unsubscribe(*, token_data: dict) -> list[Organization]:
    """Turn the token's kind off by email for its person in each of its organizations where
    they are still a member. Returns those organizations."""
    organizations = list(Organization.objects.filter(
        pk__in=token_data["o"], memberships__user_id=token_data["u"]).distinct())
    for organization in organizations:
        Preference.objects.update_or_create(
            user_id=token_data["u"], organization=organization, kind=token_data["k"],
            channel=Channel.EMAIL, defaults={"enabled": False, "updated_at": timezone.now()})
    return organizations


# The organization's channel and digest day ----------------------------------------------------

@transaction.atomic
def organization_notifications_save(*, organization: Organization, digest_weekday: int,
                                    platform: str, webhook_url: str, kinds: list[str],
                                    include_values: bool) -> OrganizationNotifications:
    """Save the digest weekday and the channel. An empty `webhook_url` keeps the stored one;
    a new one is checked (https) and stored encrypted. Refused with reasons, nothing saved."""
    settings_row, _ = OrganizationNotifications.objects.select_for_update().get_or_create(
        organization=organization)
    settings_row.digest_weekday = digest_weekday
    unknown = [kind for kind in kinds if kind not in {k.value for k in WEBHOOK_KINDS}]
    if unknown:
        raise ValidationError({"kinds": gettext("Unknown event kinds.")})
    settings_row.webhook_kinds = [k.value for k in WEBHOOK_KINDS if k.value in kinds]
    settings_row.webhook_include_values = include_values
    if platform not in ("", Channel.SLACK.value, Channel.TEAMS.value):
        raise ValidationError({"platform": gettext("Choose Slack or Microsoft Teams.")})
    if webhook_url.strip():
        if not platform:
            raise ValidationError({"platform": gettext("Choose Slack or Microsoft Teams for this "
                                                       "URL.")})
        try:
            url = webhooks.validate_webhook_url(webhook_url)
        except ValidationError as exc:
            raise ValidationError({"webhook_url": exc.messages}) from None
        settings_row.webhook_url_encrypted = webhook_crypto.encrypt(url)
        settings_row.webhook_url_hint = clean_header_text(webhook_crypto.hint(url), 120)
        settings_row.webhook_failing_since, settings_row.webhook_last_error = None, ""
    elif platform and not settings_row.webhook_url_encrypted:
        raise ValidationError({"webhook_url": gettext("Paste the incoming-webhook URL.")})
    settings_row.webhook_platform = platform if settings_row.webhook_url_encrypted else ""
    settings_row.updated_at = timezone.now()
    settings_row.full_clean()
    settings_row.save()
    return settings_row


@transaction.atomic
def webhook_remove(*, organization: Organization) -> None:
    OrganizationNotifications.objects.filter(organization=organization).update(
        webhook_platform="", webhook_url_encrypted="", webhook_url_hint="",
        webhook_failing_since=None, webhook_last_error="", updated_at=timezone.now())


def webhook_test(*, organization: Organization) -> str:
    """Post a test message to the organization's channel now (no retries: the owner is
    watching). Returns "" on success, else what went wrong."""
    channel_settings = OrganizationNotifications.objects.filter(organization=organization).first()
    url = channel_settings and channel_settings.has_webhook and webhook_crypto.decrypt(
        channel_settings.webhook_url_encrypted)
    if not url:
        return "No webhook is set up (or its URL can no longer be read: paste it again)."
    title = clean_header_text(f"{organization.name}: test message from the Alignment Portal")
    body = webhooks.payload(Channel(channel_settings.webhook_platform), title,
                            ["Notifications for this organization will arrive here."],
                            emails.absolute(reverse("dashboard", args=[organization.slug])))
    try:
        webhooks.post(url, body)
    except webhooks.WebhookError as exc:
        return str(exc)
    except ValidationError as exc:
        return "; ".join(exc.messages)
    return ""
