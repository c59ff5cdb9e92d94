"""Slack and Teams: each platform's own message format, and the one HTTP call that posts it.

A message names what happened and links to the page; numbers (metric values, a flag's
message, which often quotes them) go in only when the organization's owner chose to include
them. Slack gets Block Kit, Teams an Adaptive Card in an incoming-webhook envelope.
"""

from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from alignment_portal.notifications import rules
from alignment_portal.notifications.rules import Channel, Kind, clean_header_text

USER_AGENT = "AlignmentPortal-Notifications/1"


def validate_webhook_url(url: str) -> str:
    """The URL, stripped, or a ValidationError saying why it is refused: it must be https
    (http only for a host NOTIFY_WEBHOOK_HTTP_HOSTS lists, e.g. a local test server)."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(gettext("Paste the incoming-webhook URL."))
    if len(url) > 2000:
        raise ValidationError(gettext("That URL is too long for a webhook (over 2,000 "
                                      "characters)."))
    if any(ord(ch) < 33 for ch in url):
        raise ValidationError(gettext("A webhook URL has no spaces or line breaks."))
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        raise ValidationError(gettext("That is not a valid URL.")) from None
    if not host:
        raise ValidationError(gettext("That is not a valid URL: it has no host."))
    if parts.username or parts.password:
        raise ValidationError(gettext("A webhook URL carries no user name or password."))
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and host in settings.NOTIFY_WEBHOOK_HTTP_HOSTS:
        return url
    raise ValidationError(gettext("The webhook URL must start with https:// (Slack and Teams "
                                  "give https URLs)."))


def _lines(message, include_values: bool) -> list[str]:
    out = []
    for item in message.items:
        if item.feed is not None:
            line = f"{item.feed.name}: {item.feed.consecutive_failures} runs in a row failed"
        elif item.flag is not None:
            line = f"{item.flag.code.replace('_', ' ').title()}: {item.flag.subject_label}"
            if include_values:
                line += f". {item.flag.message}"
        else:
            metric, timeline = item.metric, item.timeline
            if message.kind == Kind.VALUE_DUE:
                line = f"{metric.name}: due by {timeline.deadline:%a %-d %b}"
            else:
                line = f"{metric.name}: stale since {timeline.overdue_on:%-d %b}"
            if include_values and metric.latest_period is not None:
                line += (f" (last value {metric.latest_value.normalize():f} {metric.unit}, "
                         f"{metric.latest_period:%-d %b %Y})")
        out.append(clean_header_text(line, 300))
    return out


def _title(message) -> str:
    count = len(message.items)
    plural = "s" if count != 1 else ""
    name = message.organization.name
    return clean_header_text({
        Kind.VALUE_DUE: f"{name}: {count} value{plural} due tomorrow",
        Kind.VALUE_OVERDUE: f"{name}: {count} value{plural} overdue",
        Kind.VALUE_ESCALATED: f"{name}: {count} value{plural} overdue by a further window",
        Kind.FLAG_HIGH: f"{name}: {count} high flag{plural} opened",
        Kind.FEED_FAILING: f"{name}: {count} feed{plural} failing",
    }[message.kind], 150)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(title: str, lines: list[str], url: str, link_label: str) -> dict:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    if lines:
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": "\n".join(f"• {_slack_escape(line)}" for line in lines)
            [:3000]}})
    blocks.append({"type": "actions", "elements": [{
        "type": "button", "text": {"type": "plain_text", "text": link_label}, "url": url}]})
    return {"text": title, "blocks": blocks}


def teams_payload(title: str, lines: list[str], url: str, link_label: str) -> dict:
    body = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
             "wrap": True}]
    body += [{"type": "TextBlock", "text": f"- {line}", "wrap": True, "spacing": "Small"}
             for line in lines]
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard", "version": "1.4", "body": body,
                    "actions": [{"type": "Action.OpenUrl", "title": link_label,
                                 "url": url}]}}]}


def payload(channel: Channel, title: str, lines: list[str], url: str,
            link_label: str = "Open in the portal") -> dict:
    build = slack_payload if channel == Channel.SLACK else teams_payload
    return build(title, lines, url, link_label)


def message_payload(message, *, include_values: bool, url: str) -> tuple[str, dict]:
    title = _title(message)
    return title, payload(message.channel, title, _lines(message, include_values), url)


class WebhookError(Exception):
    """The webhook did not take the message (an HTTP error status, a timeout, a refusal)."""


def post(url: str, body: dict) -> None:
    """POST `body` as JSON; WebhookError unless the answer is 2xx. No redirects are followed
    (a webhook that moved must be pasted again, not silently forwarded)."""
    validate_webhook_url(url)
    try:
        response = httpx.post(url, json=body, timeout=rules.WEBHOOK_TIMEOUT_SECONDS,
                              follow_redirects=False, headers={"User-Agent": USER_AGENT})
    except httpx.TimeoutException:
        raise WebhookError(f"no answer within {rules.WEBHOOK_TIMEOUT_SECONDS:g} s") from None
    except httpx.HTTPError as exc:
        raise WebhookError(f"could not connect ({type(exc).__name__})") from None
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"the channel answered HTTP {response.status_code}")
