"""Every rule of notifications in one named place: the kinds, the channels, when each event
fires and who gets it. Django-free, so the timing is tested without a database.

Timing, from a metric's latest value (its period date; a metric with no value yet counts from
the day it was created), with window = the frequency's window (weekly 7, monthly 31,
quarterly 92 days) and the freshness grace of DOMAIN.md (fresh while the value is no older
than window × 1.5), both from alignment_portal/scoring/rules.py:

- the **deadline** is the last day the metric is still fresh: latest + floor(1.5 × window);
- **value due** fires the day before the deadline (DUE_LEAD_DAYS) and on the deadline itself
  (so a pass missed on the first day still reminds), to the metric's owner;
- **overdue** fires from the day after the deadline (the metric is stale), to its owner;
- **escalated** fires once the metric is overdue by a further full window, i.e. older than
  window × 2.5: to its owner and to the organization's owners and consultants.

Each event is keyed by the metric and the latest value it counts from, so logging a value
starts a fresh cycle of events and a metric stays overdue quietly until then.

A **feed failing** (FEED_FAILING: two runs in a row failed, feeds/limits.py) goes to the
organization's owners and consultants and to whoever set the feed up, once per failing streak
(keyed by the feed and its last success). Its high flag is not told a second time as a high
flag opened.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.utils.translation import gettext_lazy

from alignment_portal.scoring.rules import FRESHNESS_GRACE_FACTOR, window_days

DUE_LEAD_DAYS = 1
ESCALATION_EXTRA_WINDOWS = 1

# A high flag is announced when first seen within this long before the pass (long enough
# that a quiet weekend still hears of Friday evening's flags on Monday).
FLAG_LOOKBACK = timedelta(days=3)
# The weekly digest looks back this far, and goes out from this hour of the chosen day.
DIGEST_PERIOD = timedelta(days=7)
DIGEST_HOUR = 7
DIGEST_LIST_LIMIT = 5  # records named per list in a digest; the rest are counted

# Webhooks: attempts with exponential backoff, then the owners are told by email.
WEBHOOK_MAX_RETRIES = 3
WEBHOOK_BACKOFF_BASE_SECONDS = 30  # 30 s, 60 s, 120 s
WEBHOOK_TIMEOUT_SECONDS = 5.0


class Kind(StrEnum):
    VALUE_DUE = "value_due"
    VALUE_OVERDUE = "value_overdue"
    VALUE_ESCALATED = "value_escalated"
    FLAG_HIGH = "flag_high"
    DIGEST = "digest"
    WEBHOOK_FAILING = "webhook_failing"
    FEED_FAILING = "feed_failing"
    # Named now so its event slots in when renewals land (not built yet):
    RENEWAL_DUE = "renewal_due"


KIND_LABELS = {
    Kind.VALUE_DUE: gettext_lazy("A value I own is due tomorrow"),
    Kind.VALUE_OVERDUE: gettext_lazy("A value I own is overdue"),
    Kind.VALUE_ESCALATED: gettext_lazy("A value is overdue by a further window (escalation)"),
    Kind.FLAG_HIGH: gettext_lazy("A high-severity flag opened"),
    Kind.DIGEST: gettext_lazy("Weekly digest"),
    Kind.WEBHOOK_FAILING: gettext_lazy("The Slack or Teams channel stopped accepting messages"),
    Kind.FEED_FAILING: gettext_lazy("A feed is failing"),
    Kind.RENEWAL_DUE: gettext_lazy("A renewal notice deadline is near"),
}

# The kinds the portal sends today, in the order the settings page lists them.
ACTIVE_KINDS = [Kind.VALUE_DUE, Kind.VALUE_OVERDUE, Kind.VALUE_ESCALATED, Kind.FLAG_HIGH,
                Kind.FEED_FAILING, Kind.RENEWAL_DUE, Kind.DIGEST, Kind.WEBHOOK_FAILING]
# What an organization's Slack or Teams channel may carry (not digests: they are personal).
WEBHOOK_KINDS = [Kind.VALUE_DUE, Kind.VALUE_OVERDUE, Kind.VALUE_ESCALATED, Kind.FLAG_HIGH,
                 Kind.FEED_FAILING]
WEBHOOK_DEFAULT_KINDS = [Kind.VALUE_ESCALATED, Kind.FLAG_HIGH]
# The old daily reminder's opt-out (Membership.email_reminders) covered these.
REMINDER_KINDS = [Kind.VALUE_DUE, Kind.VALUE_OVERDUE]


class Channel(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    TEAMS = "teams"


CHANNEL_LABELS = {Channel.EMAIL: "Email", Channel.SLACK: "Slack", Channel.TEAMS: "Microsoft Teams"}

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class MetricTimeline:
    """The dates on which a metric's events fire, counted from its latest value."""

    counted_from: date
    deadline: date  # the last fresh day
    overdue_on: date
    escalated_on: date

    def due_tomorrow(self, today: date) -> bool:
        return self.deadline - timedelta(days=DUE_LEAD_DAYS) <= today <= self.deadline

    def overdue(self, today: date) -> bool:
        return today >= self.overdue_on

    def escalated(self, today: date) -> bool:
        return today >= self.escalated_on


def metric_timeline(frequency: str, counted_from: date) -> MetricTimeline:
    window = window_days(frequency)
    fresh_days = math.floor(window * FRESHNESS_GRACE_FACTOR)
    escalation_days = math.floor(window * (FRESHNESS_GRACE_FACTOR + ESCALATION_EXTRA_WINDOWS))
    return MetricTimeline(
        counted_from=counted_from,
        deadline=counted_from + timedelta(days=fresh_days),
        overdue_on=counted_from + timedelta(days=fresh_days + 1),
        escalated_on=counted_from + timedelta(days=escalation_days + 1),
    )


def metric_event_key(metric_id: int, counted_from: date) -> str:
    return f"metric:{metric_id}:from:{counted_from.isoformat()}"


def feed_event_key(feed_id: int, failing_after) -> str:
    """A feed's failing streak: the feed and the moment of its last success (or creation)."""
    return f"feed:{feed_id}:failing-after:{failing_after.isoformat()}"


def renewal_event_key(tool_id: int, notice_deadline: date) -> str:
    """A renewal notice deadline is told once per person and channel per term: a new renewal
    date (or notice period) is a new deadline, and a new event."""
    return f"renewal:{tool_id}:notice:{notice_deadline.isoformat()}"


def digest_event_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"week:{year}-W{week:02d}"


def digest_due(today: date, hour: int, weekdays: list[int]) -> bool:
    """A person's digest goes out once per ISO week, from DIGEST_HOUR on the earliest weekday
    any of their organizations chose (or the first pass after it that week)."""
    if not weekdays:
        return False
    first = min(weekdays)
    return today.weekday() > first or (today.weekday() == first and hour >= DIGEST_HOUR)


def is_weekend(today: date) -> bool:
    return today.weekday() >= 5


def clean_header_text(text: str, limit: int = 150) -> str:
    """Text fit for a mail header or a chat title: control characters (CR, LF, tabs, ...)
    become spaces, runs of spaces collapse, and it is cut to `limit` characters."""
    cleaned = "".join(" " if ord(ch) < 32 or ord(ch) == 127 or ch in "\u2028\u2029\x85"
                      else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"
