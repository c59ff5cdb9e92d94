"""Email for each kind: subject, plain text and HTML alternatives, the links that lead to the
action, and a signed one-click unsubscribe (RFC 8058) for the message's kind."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext, ngettext

from alignment_portal.feeds.limits import FAILING_AFTER_RUNS
from alignment_portal.lib.formats import local_digits
from alignment_portal.notifications.events import Item, Message
from alignment_portal.notifications.rules import KIND_LABELS, Kind, clean_header_text
from alignment_portal.organizations.language import language_for
from alignment_portal.organizations.models import Role
from alignment_portal.scoring.rules import RENEWAL_DUE_WITHIN_DAYS
from metrics.periods import period_label

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
UNFOLDED_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")


class _UnfoldedHeader(str):
    """A header value written on one line. Python's email package folds a long unbreakable
    value (a URL) into RFC 2047 encoded words, which mail clients do not read as a
    List-Unsubscribe URL; one line of up to 998 characters is what RFC 5322 allows."""

    def __new__(cls, name: str, value: str):
        if any(ch in value for ch in "\r\n") or len(name) + len(value) > 990 \
                or not value.isascii():
            raise ValueError(f"{name} must be one short ASCII line")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


class NotificationEmail(EmailMultiAlternatives):
    def message(self, **kwargs):
        msg = super().message(**kwargs)
        for name in UNFOLDED_HEADERS:
            if name in self.extra_headers:
                del msg[name]
                msg[name] = _UnfoldedHeader(name, self.extra_headers[name])
        return msg


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_token(*, user_id: int, kind: str, organization_ids: list[int]) -> str:
    """A signed token naming the person, the kind and the organizations the message was
    about. Unsigned fields cannot be changed: the signature covers them all."""
    return signing.dumps({"u": user_id, "k": kind, "o": sorted(organization_ids)},
                         salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict | None:
    """The token's {"u", "k", "o"}, or None when it was tampered with or is malformed."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not (isinstance(data, dict) and isinstance(data.get("u"), int)
            and data.get("k") in {k.value for k in Kind} and isinstance(data.get("o"), list)
            and all(isinstance(o, int) for o in data["o"])):
        return None
    return data


def log_link(organization, metric_ids: list[int]) -> str:
    """The Log values page with exactly these metrics, the first one focused."""
    ids = ",".join(str(int(pk)) for pk in metric_ids)  # commas need no escaping in a query
    return absolute(reverse("metrics:log", args=[organization.slug]) + f"?metrics={ids}")


def _day(day, with_year: bool = True, weekday: bool = False) -> str:
    """A date as the email says it ("Mon 5 Mar 2026"), names in the active language."""
    return dateformat.format(day, ("D " if weekday else "") + ("j M Y" if with_year else "j M"))


def _metric_line(item, today) -> dict:
    metric = item.metric
    timeline = item.timeline
    if metric.latest_period is None:
        last = gettext("no value logged yet")
    else:
        last = gettext("last value for %(period)s") % {
            "period": period_label(metric.frequency, metric.latest_period)}
    if item.kind == Kind.VALUE_DUE:
        when = gettext("due today") if timeline.deadline == today else \
            gettext("due tomorrow (%(day)s)") % {
                "day": _day(timeline.deadline, with_year=False, weekday=True)}
    else:
        days = (today - timeline.deadline).days
        when = ngettext("overdue by %(days)s day", "overdue by %(days)s days", days) % {
            "days": days}
        if item.kind == Kind.VALUE_ESCALATED or item.escalated_too:
            when += gettext(", escalated to the owners and consultants")
    return {"name": metric.name, "detail": f"{metric.get_frequency_display().lower()}, "
            f"{last}; {when}", "url": absolute(reverse(
                "metrics:detail", args=[item.organization.slug, metric.pk]))}


def _feed_line(item) -> dict:
    feed = item.feed
    detail = ngettext("%(count)s runs in a row failed", "%(count)s runs in a row failed",
                      feed.consecutive_failures) % {"count": feed.consecutive_failures}
    if feed.last_error:
        detail += gettext("; the last one: %(error)s") % {"error": feed.last_error_text}
    return {"name": feed.name, "detail": detail,
            "fix": gettext("Check the address and the mapping, then run it now."),
            "url": absolute(reverse("feeds:detail", args=[item.organization.slug, feed.pk]))}


def _renewal_line(item) -> dict:
    row = item.renewal
    r, tool = row.renewal, row.tool
    days = r.days_to_deadline
    when = gettext("today") if days == 0 else ngettext(
        "in %(days)s day", "in %(days)s days", days) % {"days": days}
    saving = row.saving_sentence
    currency = row.organization.currency
    detail = gettext("notice deadline %(deadline)s (%(when)s), renews %(renews)s; %(cost)s "
                     "%(currency)s a year") % {
        "deadline": _day(r.notice_deadline, weekday=True), "when": when,
        "renews": _day(r.renews_on), "cost": local_digits(f"{r.yearly_cost:,.2f}"),
        "currency": currency}
    if saving:
        detail += f"; {saving} ({currency})"
    return {"name": tool.name, "detail": detail, "url": absolute(reverse(
        "initiatives:tool_detail", args=[row.organization.slug, tool.pk]))}


def _renewal_context(message: Message) -> dict:
    organization, count = message.organization, len(message.items)
    words = {"count": count, "days": RENEWAL_DUE_WITHIN_DAYS, "name": organization.name}
    return {"heading": ngettext("%(count)s renewal notice deadline within %(days)s days",
                                "%(count)s renewal notice deadlines within %(days)s days",
                                count) % words,
            "intro": gettext("Decide before each notice deadline whether %(name)s renews as it "
                             "is, changes the plan or cancels:") % words,
            "lines": [_renewal_line(item) for item in message.items],
            "action_url": absolute(reverse("renewals:calendar", args=[organization.slug])),
            "action_label": gettext("Open the renewal calendar"),
            "subject": ngettext("%(count)s renewal deadline near in %(name)s",
                                "%(count)s renewal deadlines near in %(name)s", count) % words}


def _alert_context(message: Message, today) -> dict:
    organization = message.organization
    items = message.items
    count = len(items)
    words = {"count": count, "name": organization.name, "runs": FAILING_AFTER_RUNS}
    can_log = Role(message.role).at_least(Role.STAFF) if message.role else False
    if message.kind == Kind.RENEWAL_DUE:
        return _renewal_context(message)
    if message.kind == Kind.FLAG_HIGH:
        lines = [{"name": f"{item.flag.code.replace('_', ' ').title()}: "
                          f"{item.flag.subject_label}",
                  "detail": item.flag.message, "fix": item.flag.suggested_fix}
                 for item in items]
        return {"heading": ngettext("%(count)s high-severity flag opened",
                                    "%(count)s high-severity flags opened", count) % words,
                "intro": ngettext("The scoring found this in %(name)s:",
                                  "The scoring found these in %(name)s:", count) % words,
                "lines": lines, "action_url": absolute(reverse("dashboard",
                                                               args=[organization.slug])),
                "action_label": gettext("Open the dashboard"),
                "subject": ngettext("%(count)s high flag opened in %(name)s",
                                    "%(count)s high flags opened in %(name)s", count) % words}
    if message.kind == Kind.FEED_FAILING:
        lines = [_feed_line(item) for item in items]
        return {"heading": ngettext("%(count)s feed failing", "%(count)s feeds failing",
                                    count) % words,
                "intro": ngettext("This feed of %(name)s failed %(runs)s or more runs in a row, "
                                  "so no values arrive from it:",
                                  "These feeds of %(name)s failed %(runs)s or more runs in a "
                                  "row, so no values arrive from them:", count) % words,
                "lines": lines, "action_url": absolute(reverse("feeds:list",
                                                               args=[organization.slug])),
                "action_label": gettext("Open the feeds"),
                "subject": ngettext("%(count)s feed failing in %(name)s",
                                    "%(count)s feeds failing in %(name)s", count) % words}
    lines = [_metric_line(item, today) for item in items]
    metric_ids = [item.metric.pk for item in items]
    action_url = log_link(organization, metric_ids) if can_log else absolute(
        reverse("metrics:list", args=[organization.slug]))
    action_label = (ngettext("Log it now", "Log them now", count) if can_log
                    else gettext("See the metrics"))
    if message.kind == Kind.VALUE_DUE:
        heading = ngettext("%(count)s value due tomorrow", "%(count)s values due tomorrow",
                           count) % words
        intro = ngettext("Log this for %(name)s before it goes stale:",
                         "Log these for %(name)s before it goes stale:", count) % words
        subject = ngettext("%(count)s value due tomorrow in %(name)s",
                           "%(count)s values due tomorrow in %(name)s", count) % words
    elif message.kind == Kind.VALUE_OVERDUE:
        heading = ngettext("%(count)s value overdue", "%(count)s values overdue", count) % words
        intro = ngettext("This metric you own in %(name)s is past its freshness grace, so the "
                         "scores now count it as stale:",
                         "These metrics you own in %(name)s are past their freshness grace, so "
                         "the scores now count them as stale:", count) % words
        subject = ngettext("%(count)s value overdue in %(name)s",
                           "%(count)s values overdue in %(name)s", count) % words
    else:
        heading = ngettext("Escalated: %(count)s value overdue by more than a window",
                           "Escalated: %(count)s values overdue by more than a window",
                           count) % words
        intro = ngettext("In %(name)s, this is overdue by a further full window. You get this "
                         "as an owner or consultant (or as the metric's owner):",
                         "In %(name)s, these are overdue by a further full window. You get "
                         "this as an owner or consultant (or as the metric's owner):",
                         count) % words
        subject = ngettext("Escalated: %(count)s value overdue by more than a window in "
                           "%(name)s",
                           "Escalated: %(count)s values overdue by more than a window in "
                           "%(name)s", count) % words
    return {"heading": heading, "intro": intro, "lines": lines, "action_url": action_url,
            "action_label": action_label, "subject": subject}


def _digest_context(message: Message, today) -> dict:
    sections = message.sections
    names = ", ".join(s.organization.name for s in sections)
    subject = (gettext("Weekly digest: %(names)s") % {"names": names} if len(sections) <= 2
               else gettext("Weekly digest: %(count)s organizations") % {"count": len(sections)})
    for section in sections:
        section.dashboard_url = absolute(reverse("dashboard", args=[section.organization.slug]))
        section.overdue_lines = [_metric_line(item, today) for item in section.overdue]
        section.feed_lines = [_feed_line(Item(Kind.FEED_FAILING, "", section.organization,
                                              feed=feed)) for feed in section.feeds_failing]
        section.impact_url = absolute(reverse("dashboard", args=[section.organization.slug])
                                      + "#impact-h")
        section.renewal_lines = [_renewal_line(item) for item in section.renewals]
    return {"heading": gettext("Your week, %(day)s") % {"day": _day(today)},
            "sections": sections, "subject": subject}


def webhook_failing_context(*, organization, error: str) -> dict:
    words = {"name": organization.name, "error": error}
    return {"heading": gettext("Your Slack or Teams channel stopped accepting messages"),
            "intro": gettext("The portal could not post to %(name)s's channel after several "
                             "tries: %(error)s. Email is unaffected. Check the webhook, then "
                             "send a test message.") % words,
            "lines": [], "action_url": absolute(reverse("notifications:channel",
                                                        args=[organization.slug])),
            "action_label": gettext("Check the channel"),
            "subject": gettext("%(name)s: the Slack or Teams channel is failing") % words}


def build_email(message: Message, today, context: dict | None = None) -> EmailMultiAlternatives:
    """The message as an email to its person, in their language (organizations/language.py),
    headers safe from any name a user typed."""
    with translation.override(language_for(message.user)):
        return _email(message, today, context)


def _email(message: Message, today, context: dict | None) -> EmailMultiAlternatives:
    if context is None:
        context = (_digest_context(message, today) if message.kind == Kind.DIGEST
                   else _alert_context(message, today))
    organization_ids = ([s.organization.pk for s in message.sections]
                        if message.kind == Kind.DIGEST else [message.organization.pk])
    token = unsubscribe_token(user_id=message.user.pk, kind=message.kind.value,
                              organization_ids=organization_ids)
    unsubscribe_url = absolute(reverse("notifications_unsubscribe", args=[token]))
    settings_org = (message.organization or message.sections[0].organization).slug
    context.update({
        "user": message.user, "kind_label": KIND_LABELS[message.kind],
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("notifications:preferences", args=[settings_org])),
    })
    template = "digest" if message.kind == Kind.DIGEST else "alert"
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    email = NotificationEmail(
        clean_header_text(context["subject"]), text, to=[message.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    email.attach_alternative(html, "text/html")
    return email
