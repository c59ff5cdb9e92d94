"""The hourly pass's reading half: from the data, which events are due now, and for whom.

`plan(now)` reads everything it needs in a fixed number of queries whatever the number of
organizations, metrics or people (organizations, memberships, metrics with their latest
value, recent high flags, failing feeds, opt-outs, quiet-weekend people, the events already
told; four more on a digest day), then groups the new events into messages: one per
recipient, organization, kind and channel. Nothing is written here; services.run_pass claims
and sends.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.feeds.limits import FAILING_AFTER_RUNS
from alignment_portal.feeds.models import Feed
from alignment_portal.notifications import rules
from alignment_portal.notifications.models import (
    NotificationEvent,
    OrganizationNotifications,
    PersonSettings,
    Preference,
    organization_recipient,
    user_recipient,
)
from alignment_portal.notifications.rules import Channel, Kind
from alignment_portal.organizations.models import Membership, Organization, Role
from alignment_portal.renewals.selectors import RenewalRow, renewal_rows
from alignment_portal.scoring.constants import SEVERITY_ORDER
from alignment_portal.scoring.models import (
    Flag,
    ImpactEvidence,
    OrganizationScore,
    ScoreSnapshot,
    Severity,
    Verdict,
)
from alignment_portal.scoring.selectors import impact_reading
from metrics.models import Metric, MetricValue

FEED_FAILING_FLAG = "FEED_FAILING"
ESCALATION_ROLES = {Role.OWNER, Role.CONSULTANT}
FLAG_ROLES = {Role.OWNER, Role.CONSULTANT}
# A renewal notice deadline near: the tool's owner, and the organization's owners and
# consultants (who decide on subscriptions).
RENEWAL_ROLES = {Role.OWNER, Role.CONSULTANT}


@dataclass
class Item:
    """One event in a message: a metric's due/overdue/escalated state or a flag."""

    kind: Kind
    event_key: str
    organization: Organization
    metric: Metric | None = None
    timeline: rules.MetricTimeline | None = None
    flag: Flag | None = None
    feed: Feed | None = None
    escalated_too: bool = False  # an overdue line that also carries its escalation
    renewal: RenewalRow | None = None  # RENEWAL_DUE: the tool and its notice deadline


@dataclass
class DigestSection:
    organization: Organization
    rung_now: int | None
    rung_name_now: str
    rung_before: int | None
    flags_opened: list
    flags_resolved: list
    overdue: list  # [Item]
    feeds_failing: list = field(default_factory=list)  # [Feed]
    # What the automation did (impact evidence): initiatives by verdict (improved,
    # no_clear_change, worsened, not_enough_data), and the readings
    # (scoring.selectors.ImpactReading) that show a change, worsened first.
    automation_counts: dict = field(default_factory=dict)
    automation: list = field(default_factory=list)
    renewals: list = field(default_factory=list)  # [Item] of RENEWAL_DUE

    @property
    def rung_change(self) -> str:
        if self.rung_now is None:
            return gettext("Not scored yet.")
        words = {"rung": self.rung_now, "name": self.rung_name_now, "before": self.rung_before}
        now = (gettext("rung %(rung)s (%(name)s)") if self.rung_name_now
               else gettext("rung %(rung)s")) % words
        words["now"] = now
        if self.rung_before is None or self.rung_before == self.rung_now:
            return (gettext("Unchanged at %(now)s.") if self.rung_before is not None
                    else gettext("Now at %(now)s.")) % words
        return (gettext("Up from rung %(before)s to %(now)s.") if self.rung_now > self.rung_before
                else gettext("Down from rung %(before)s to %(now)s.")) % words


@dataclass
class Message:
    kind: Kind
    channel: Channel
    organization: Organization | None  # None: a digest across organizations
    user: object | None  # None: the organization's channel
    items: list = field(default_factory=list)
    sections: list = field(default_factory=list)  # a digest's DigestSection per organization
    event_key: str = ""  # a digest's week
    role: str = ""  # the recipient's role in `organization`

    @property
    def recipient(self) -> str:
        if self.user is not None:
            return user_recipient(self.user.pk)
        return organization_recipient(self.organization.pk)

    @property
    def recipient_label(self) -> str:
        if self.user is not None:
            return self.user.email
        return f"{self.organization.slug} channel"

    def claims(self) -> list[tuple[str, str]]:
        """(kind, event_key) of every event this message tells."""
        if not self.items:  # a digest, a channel failing: one event of its own
            return [(self.kind, self.event_key)]
        out = [(item.kind, item.event_key) for item in self.items]
        out += [(Kind.VALUE_ESCALATED, item.event_key) for item in self.items
                if item.escalated_too]
        return out


@dataclass
class State:
    """What one pass read."""

    today: date
    now: datetime
    organizations: dict
    members: dict  # organization id -> [Membership]
    metrics: dict  # organization id -> [Metric] (annotated latest_period)
    flags: dict  # organization id -> [Flag]
    feeds: dict  # organization id -> [Feed] failing (FEED_FAILING: two runs in a row failed)
    opted_out: set  # (user id, organization id, kind, channel)
    quiet: set  # user ids
    told: set = field(default_factory=set)  # (kind, channel, recipient, event_key)
    renewals: dict = field(default_factory=dict)  # organization id -> [RenewalRow] due


def _load(now: datetime, organization_ids: list[int] | None = None) -> State:
    today = timezone.localdate(now)
    scope = {} if organization_ids is None else {"organization_id__in": organization_ids}
    organizations = Organization.objects.select_related("notification_settings")
    if organization_ids is not None:
        organizations = organizations.filter(pk__in=organization_ids)
    organizations = {o.pk: o for o in organizations}
    members = defaultdict(list)
    for membership in (Membership.objects.filter(user__is_active=True, **scope)
                       .select_related("user__preferences")
                       .order_by("organization_id", "user_id")):
        members[membership.organization_id].append(membership)
    latest = MetricValue.objects.filter(metric=OuterRef("pk")).order_by("-period")
    metrics = defaultdict(list)
    for metric in (Metric.objects.filter(archived_at=None, **scope)
                   .annotate(latest_period=Subquery(latest.values("period")[:1]),
                             latest_value=Subquery(latest.values("value")[:1]))
                   .order_by("organization_id", "name")):
        metrics[metric.organization_id].append(metric)
    flags = defaultdict(list)
    for flag in (Flag.objects.filter(severity=Severity.HIGH, resolved_at=None, **scope,
                                     first_seen_at__gte=now - rules.FLAG_LOOKBACK)
                 .exclude(code=FEED_FAILING_FLAG)  # told as a feed failing, below
                 .order_by("organization_id", "first_seen_at", "pk")):
        flags[flag.organization_id].append(flag)
    feeds = defaultdict(list)
    for feed in (Feed.objects.filter(revoked_at=None, **scope,
                                     consecutive_failures__gte=FAILING_AFTER_RUNS)
                 .order_by("organization_id", "name", "pk")):
        feeds[feed.organization_id].append(feed)
    opted_out = set(Preference.objects.filter(enabled=False, **scope).values_list(
        "user_id", "organization_id", "kind", "channel"))
    quiet = set(PersonSettings.objects.filter(quiet_weekends=True).values_list(
        "user_id", flat=True))
    renewals = defaultdict(list)  # two queries for every organization at once
    for row in renewal_rows(list(organizations.values()), today=today, due_only=True):
        renewals[row.organization.pk].append(row)
    return State(today=today, now=now, organizations=organizations, members=members,
                 metrics=metrics, flags=flags, feeds=feeds, opted_out=opted_out, quiet=quiet,
                 renewals=renewals)


def org_settings(organization: Organization) -> OrganizationNotifications:
    """The organization's settings row, or an unsaved one with the defaults."""
    try:
        return organization.notification_settings
    except OrganizationNotifications.DoesNotExist:
        return OrganizationNotifications(organization=organization)


def counted_from(metric: Metric) -> date:
    return metric.latest_period or timezone.localdate(metric.created_at)


def metric_items(state: State, organization: Organization) -> dict:
    """kind -> [Item] of the organization's metrics whose event fires today."""
    out = defaultdict(list)
    for metric in state.metrics.get(organization.pk, []):
        start = counted_from(metric)
        timeline = rules.metric_timeline(metric.frequency, start)
        key = rules.metric_event_key(metric.pk, start)
        if timeline.overdue(state.today):
            out[Kind.VALUE_OVERDUE].append(Item(Kind.VALUE_OVERDUE, key, organization, metric,
                                                timeline))
            if timeline.escalated(state.today):
                out[Kind.VALUE_ESCALATED].append(Item(Kind.VALUE_ESCALATED, key, organization,
                                                      metric, timeline))
        elif timeline.due_tomorrow(state.today):
            out[Kind.VALUE_DUE].append(Item(Kind.VALUE_DUE, key, organization, metric,
                                            timeline))
    return out


def feed_items(state: State, organization: Organization) -> list[Item]:
    """The organization's feeds failing now, one event per failing streak: keyed by the
    feed and its last success, so a feed that recovers and fails again is told again."""
    return [Item(Kind.FEED_FAILING, rules.feed_event_key(feed.pk, feed.last_success_at
                                                         or feed.created_at),
                 organization, feed=feed)
            for feed in state.feeds.get(organization.pk, [])]


def renewal_items(state: State, organization: Organization) -> list[Item]:
    """RENEWAL_DUE of the organization's tools whose notice deadline is within 30 days."""
    return [Item(Kind.RENEWAL_DUE, rules.renewal_event_key(row.tool.pk,
                                                           row.renewal.notice_deadline),
                 organization, renewal=row)
            for row in state.renewals.get(organization.pk, [])]


def _email_ok(state: State, membership: Membership, kind: Kind) -> bool:
    user = membership.user
    if not user.email:
        return False
    if (user.pk, membership.organization_id, kind.value, Channel.EMAIL.value) in state.opted_out:
        return False
    return not (user.pk in state.quiet and rules.is_weekend(state.today))


def _new(state: State, kind: Kind, channel: Channel, recipient: str, items: list) -> list:
    return [item for item in items
            if (kind.value, channel.value, recipient, item.event_key) not in state.told]


def _org_messages(state: State, organization: Organization) -> list[Message]:
    items = metric_items(state, organization)
    members = state.members.get(organization.pk, [])
    by_user = {m.user_id: m for m in members}
    messages = []

    # Email: owner of each metric for due and overdue; escalations also to owners and
    # consultants; high flags to owners and consultants.
    wanted = defaultdict(list)  # (membership, kind) -> [Item]
    for kind in (Kind.VALUE_DUE, Kind.VALUE_OVERDUE, Kind.VALUE_ESCALATED):
        for item in items.get(kind, []):
            recipients = []
            owner = by_user.get(item.metric.owner_id)
            if owner is not None:
                recipients.append(owner)
            if kind == Kind.VALUE_ESCALATED:
                recipients += [m for m in members if m.role in ESCALATION_ROLES
                               and m.user_id != item.metric.owner_id]
            for membership in recipients:
                wanted[(membership.user_id, kind)].append(item)
    for flag in state.flags.get(organization.pk, []):
        item = Item(Kind.FLAG_HIGH, f"flag:{flag.pk}", organization, flag=flag)
        for membership in members:
            if membership.role in FLAG_ROLES:
                wanted[(membership.user_id, Kind.FLAG_HIGH)].append(item)
    # A failing feed: the owners and consultants, and whoever set the feed up.
    for item in feed_items(state, organization):
        for membership in members:
            if membership.role in FLAG_ROLES or membership.user_id == item.feed.created_by_id:
                wanted[(membership.user_id, Kind.FEED_FAILING)].append(item)

    for item in renewal_items(state, organization):
        for membership in members:
            if membership.role in RENEWAL_ROLES or \
                    membership.user_id == item.renewal.tool.owner_id:
                wanted[(membership.user_id, Kind.RENEWAL_DUE)].append(item)

    for membership in members:
        recipient = user_recipient(membership.user_id)
        fresh = {}
        for kind in (Kind.VALUE_DUE, Kind.VALUE_OVERDUE, Kind.VALUE_ESCALATED, Kind.FLAG_HIGH,
                     Kind.FEED_FAILING, Kind.RENEWAL_DUE):
            candidates = wanted.get((membership.user_id, kind), [])
            if candidates and _email_ok(state, membership, kind):
                fresh[kind] = _new(state, kind, Channel.EMAIL, recipient, candidates)
        # An owner whose metric turns overdue and escalated in the same pass gets one email:
        # the overdue line says it is escalated too, and carries both events.
        overdue_keys = {item.event_key: item for item in fresh.get(Kind.VALUE_OVERDUE, [])}
        if overdue_keys and fresh.get(Kind.VALUE_ESCALATED):
            kept = []
            for item in fresh[Kind.VALUE_ESCALATED]:
                mine = overdue_keys.get(item.event_key)
                if mine is not None and item.metric.owner_id == membership.user_id:
                    mine.escalated_too = True
                else:
                    kept.append(item)
            fresh[Kind.VALUE_ESCALATED] = kept
        for kind, new_items in fresh.items():
            if new_items:
                messages.append(Message(kind, Channel.EMAIL, organization, membership.user,
                                        items=new_items, role=membership.role))

    # The organization's Slack or Teams channel: the kinds its owner picked.
    channel_settings = org_settings(organization)
    if channel_settings.has_webhook:
        channel = Channel(channel_settings.webhook_platform)
        recipient = organization_recipient(organization.pk)
        flag_items = [Item(Kind.FLAG_HIGH, f"flag:{f.pk}", organization, flag=f)
                      for f in state.flags.get(organization.pk, [])]
        for kind in rules.WEBHOOK_KINDS:
            if kind.value not in channel_settings.webhook_kinds:
                continue
            if kind == Kind.FLAG_HIGH:
                candidates = flag_items
            elif kind == Kind.FEED_FAILING:
                candidates = feed_items(state, organization)
            else:
                candidates = [Item(i.kind, i.event_key, organization, i.metric, i.timeline)
                              for i in items.get(kind, [])]
            new_items = _new(state, kind, channel, recipient, candidates)
            if new_items:
                messages.append(Message(kind, channel, organization, None, items=new_items))
    return messages


def _digest_messages(state: State, hour: int) -> list[Message]:
    """One digest per person across their organizations, on the earliest weekday they chose."""
    by_user = defaultdict(list)
    for members in state.members.values():
        for membership in members:
            if _email_ok(state, membership, Kind.DIGEST):
                by_user[membership.user_id].append(membership)
    key = rules.digest_event_key(state.today)
    due_users = {}
    for user_id, memberships in by_user.items():
        weekdays = [org_settings(state.organizations[m.organization_id]).digest_weekday
                    for m in memberships]
        if rules.digest_due(state.today, hour, weekdays) and \
                (Kind.DIGEST.value, Channel.EMAIL.value, user_recipient(user_id), key) \
                not in state.told:
            due_users[user_id] = memberships
    if not due_users:
        return []
    organization_ids = {m.organization_id for ms in due_users.values() for m in ms}
    sections = _digest_sections(state, organization_ids)
    return [Message(Kind.DIGEST, Channel.EMAIL, None, memberships[0].user, event_key=key,
                    sections=sorted((sections[m.organization_id] for m in memberships),
                                    key=lambda section: section.organization.name.lower()))
            for user_id, memberships in sorted(due_users.items())]


def _digest_sections(state: State, organization_ids: set) -> dict:
    """Four queries for every organization at once."""
    since = state.now - rules.DIGEST_PERIOD
    scores = {s.organization_id: s for s in
              OrganizationScore.objects.filter(organization_id__in=organization_ids)}
    before = {}
    for snapshot in (ScoreSnapshot.objects.filter(
            organization_id__in=organization_ids, cycle=None,
            taken_on__lte=state.today - rules.DIGEST_PERIOD).order_by("organization_id",
                                                                      "taken_on")):
        before[snapshot.organization_id] = snapshot.rung  # the last one wins
    opened, resolved = defaultdict(list), defaultdict(list)
    for flag in (Flag.objects.filter(Q(first_seen_at__gte=since) | Q(resolved_at__gte=since),
                                     organization_id__in=organization_ids)
                 .order_by("-first_seen_at", "pk")):
        if flag.first_seen_at >= since:
            opened[flag.organization_id].append(flag)
        if flag.resolved_at is not None and flag.resolved_at >= since:
            resolved[flag.organization_id].append(flag)
    def by_severity(flags):  # high first, then the newest
        return sorted(flags, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9),
                                            -f.first_seen_at.timestamp()))

    counts, readings = _automation(state, organization_ids)
    sections = {}
    for organization_id in organization_ids:
        organization = state.organizations[organization_id]
        score = scores.get(organization_id)
        sections[organization_id] = DigestSection(
            organization=organization, rung_now=score.rung if score else None,
            rung_name_now=score.rung_name if score else "",
            rung_before=before.get(organization_id),
            flags_opened=by_severity(opened[organization_id]),
            flags_resolved=by_severity(resolved[organization_id]),
            overdue=metric_items(state, organization).get(Kind.VALUE_OVERDUE, []),
            feeds_failing=state.feeds.get(organization_id, []),
            automation_counts=counts.get(organization_id, {}),
            automation=readings.get(organization_id, []),
            renewals=renewal_items(state, organization))
    return sections


# The order a digest lists impact verdicts in: what went wrong first.
AUTOMATION_ORDER = (Verdict.WORSENED, Verdict.IMPROVED, Verdict.NO_CLEAR_CHANGE,
                    Verdict.NOT_ENOUGH_DATA)


def _count_key(verdict: str) -> str:
    """"no clear change" as no_clear_change, for the templates."""
    return str(verdict).replace(" ", "_")


def _automation(state: State, organization_ids: set) -> tuple[dict, dict]:
    """What the automation did, from the stored impact evidence (one query): per
    organization {verdict: initiatives} and the readings that show a change (worsened, then
    improved), each with its sentence (its n's and p)."""
    counts = defaultdict(lambda: {_count_key(v): 0 for v in AUTOMATION_ORDER})
    initiatives = defaultdict(lambda: defaultdict(set))
    readings = defaultdict(list)
    for evidence in (ImpactEvidence.objects.filter(organization_id__in=organization_ids)
                     .select_related("initiative", "metric")
                     .order_by("initiative__name", "metric__name", "pk")):
        organization = state.organizations[evidence.organization_id]
        initiatives[evidence.organization_id][evidence.verdict].add(evidence.initiative_id)
        if evidence.verdict in (Verdict.WORSENED, Verdict.IMPROVED):
            readings[evidence.organization_id].append(impact_reading(
                evidence, today=state.today, currency=organization.currency))
    for organization_id, by_verdict in initiatives.items():
        for verdict, ids in by_verdict.items():
            counts[organization_id][_count_key(verdict)] = len(ids)
    order = {str(v): n for n, v in enumerate(AUTOMATION_ORDER)}
    for organization_id in readings:
        readings[organization_id].sort(key=lambda r: order.get(r.verdict, 9))
    return counts, readings


def _told(state: State) -> set:
    """What was told already of every event that could fire now: one query."""
    keys = {rules.digest_event_key(state.today)}
    for organization in state.organizations.values():
        for items in metric_items(state, organization).values():
            keys.update(item.event_key for item in items)
        keys.update(f"flag:{flag.pk}" for flag in state.flags.get(organization.pk, []))
        keys.update(item.event_key for item in feed_items(state, organization))
        keys.update(item.event_key for item in renewal_items(state, organization))
    return set(NotificationEvent.objects.filter(event_key__in=keys).values_list(
        "kind", "channel", "recipient", "event_key"))


def plan(now: datetime | None = None, organization_ids: list[int] | None = None
         ) -> list[Message]:
    """Every message the pass at `now` would send: the new events only. `organization_ids`
    limits it to those organizations (a person's digest then covers only them)."""
    now = now or timezone.now()
    state = _load(now, organization_ids)
    state.told = _told(state)
    messages = [m for o in state.organizations.values() for m in _org_messages(state, o)]
    messages += _digest_messages(state, timezone.localtime(now).hour)
    return messages
