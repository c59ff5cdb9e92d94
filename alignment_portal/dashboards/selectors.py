"""Reads for the dashboards, the portfolio, the history and the quarterly report.

Every function takes the organization (or, for the portfolio, the user, and reads only the
organizations the user belongs to) and runs a fixed number of queries whatever the number of
records: lists that could grow with the organization are cut to a few rows in SQL, and the
totals come from the score rows the engine already wrote.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.utils import dateformat, timezone
from django.utils.translation import gettext, gettext_lazy

from alignment_portal.lib.compiled import CompiledInQuery, CompiledQuery, field_names, instance
from alignment_portal.lib.formats import local_digits
from alignment_portal.lib.urls import organization_path, record_path
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import impact, maturity_wording, wording
from alignment_portal.scoring import selectors as score_selectors
from alignment_portal.scoring.constants import RUNG_LABELS, SEVERITY_ORDER
from alignment_portal.scoring.models import (
    Flag,
    GoalScore,
    ImpactEvidence,
    MetricScore,
    OrganizationScore,
    ScoreSnapshot,
    Severity,
    SubjectType,
    Verdict,
)
from alignment_portal.scoring.selectors import SEVERITY_RANK
from initiatives.models import Initiative, Tool, active_initiative_q, active_tool_q
from metrics.models import Frequency, MetricValue
from metrics.periods import period_label, period_start

DIMENSIONS = [("d1_goals", gettext_lazy("D1 Goals")),
              ("d2_alignment", gettext_lazy("D2 Alignment")),
              ("d3_measurement", gettext_lazy("D3 Measurement")),
              ("d4_feedback", gettext_lazy("D4 Feedback")),
              ("d5_integration", gettext_lazy("D5 Integration"))]
SEVERITIES = list(SEVERITY_ORDER)  # high, medium, low
# "A month ago" is the latest nightly snapshot at least this many days old.
MONTH_AGO_DAYS = 30
# How many rows the dashboard lists per section; the counts beside them are exact.
FLAGS_PER_SEVERITY = 8
SPEND_ROWS = 8
METRICS_DUE_ROWS = 10
SPARKLINE_DAYS = 180
SPARKLINE_POINTS = 26


# --- Links to the records a flag, a condition or a list names ---------------------------------

RECORD_URL_NAMES = {
    SubjectType.INITIATIVE: "initiatives:detail", SubjectType.GOAL: "goals:detail",
    SubjectType.METRIC: "metrics:detail", SubjectType.TOOL: "initiatives:tool_detail",
    "cycle": "goals:cycle_detail", SubjectType.FEED: "feeds:detail",
}
def record_url(organization: Organization, kind: str, record_id) -> str | None:
    """The page where a record named by a flag or a next-rung condition is acted on."""
    slug = organization.slug
    if kind in (SubjectType.TOOL_CATEGORY, SubjectType.ORGANIZATION):
        return organization_path("initiatives:tool_audit", slug)
    name = RECORD_URL_NAMES.get(kind)
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        return None
    if name is None or record_id <= 0:
        return None
    return record_path(name, slug, record_id)


# --- Scores now and before -------------------------------------------------------------------

def dimensions_of(row) -> dict[str, float]:
    """{"d1_goals": 62.5, ...} of an OrganizationScore or a ScoreSnapshot."""
    return {key: round(float(getattr(row, key)), 1) for key, _ in DIMENSIONS}


_SNAPSHOT_FIELDS = field_names(ScoreSnapshot)
# Every dashboard and its dimensions chart read "a month ago": compiled once (lib/compiled.py).
_SNAPSHOT_ON_OR_BEFORE = CompiledQuery(
    lambda organization_id, day: ScoreSnapshot.objects.filter(
        organization_id=organization_id, cycle=None, taken_on__lte=day)
    .order_by("-taken_on", "-taken_at").values_list(*_SNAPSHOT_FIELDS)[:1],
    ints=["organization_id"], dates=["day"])


def snapshot_on_or_before(*, organization: Organization, day: date) -> ScoreSnapshot | None:
    """The latest nightly snapshot taken on or before `day` (one query)."""
    rows = _SNAPSHOT_ON_OR_BEFORE.rows(organization_id=organization.pk, day=day)
    return instance(ScoreSnapshot, rows[0]) if rows else None


def nearest_snapshot(*, organization: Organization, day: date) -> ScoreSnapshot | None:
    """The snapshot (nightly or a cycle's) nearest to `day`, the earlier one on a tie (two
    queries)."""
    snapshots = ScoreSnapshot.objects.filter(organization=organization)
    before = snapshots.filter(taken_on__lte=day).order_by("-taken_on", "-taken_at").first()
    after = snapshots.filter(taken_on__gt=day).order_by("taken_on", "taken_at").first()
    if before is None or after is None:
        return before or after
    return before if (day - before.taken_on) <= (after.taken_on - day) else after


# --- The organization dashboard --------------------------------------------------------------

# A recompute takes seconds; one still pending this long after the last change waits for a
# worker or a broker that is down (the sweep catches it up), and the page stops polling.
RECOMPUTE_DELAYED_AFTER = timedelta(minutes=2)


@dataclass
class ScoreStatus:
    """Whether the scores on the page are the latest: "recomputing" while a change made since
    the last recompute waits for one, "delayed" when that has lasted RECOMPUTE_DELAYED_AFTER."""

    as_of: object  # datetime or None
    recomputing: bool
    generation: int  # the recomputed generation the page shows
    delayed: bool = False
    requested_at: object = None  # the last change's time


def score_status(organization: Organization) -> ScoreStatus:
    """From the organization row the access helper loaded (no query)."""
    recomputing = organization.recomputed_generation < organization.recompute_generation
    requested_at = organization.recompute_requested_at
    delayed = recomputing and requested_at is not None and \
        timezone.now() - requested_at > RECOMPUTE_DELAYED_AFTER
    return ScoreStatus(as_of=organization.recomputed_at, recomputing=recomputing,
                       generation=organization.recomputed_generation, delayed=delayed,
                       requested_at=requested_at)


@dataclass
class Condition:
    label: str
    now: object
    needed: str
    met: bool
    message: str = ""
    records: list[dict] = field(default_factory=list)  # {label, url}
    more: int = 0


@dataclass
class Ladder:
    rung: int
    name: str
    rungs: list[dict]  # {rung, name, state: "reached" / "current" / "next" / "ahead"}
    next_rung: int | None
    next_name: str
    checklist: list[Condition]


def ladder(organization: Organization, score: OrganizationScore | None) -> Ladder:
    """The five rungs with the current one, and the next rung's conditions: met ones ticked,
    unmet ones with the value now, the value needed and links to the records to act on."""
    rung = score.rung if score else 1
    explanation = (score.explanation or {}) if score else {}
    nxt = explanation.get("next")
    next_rung = nxt["rung"] if nxt else None
    rungs = []
    for number, name in RUNG_LABELS.items():
        state = ("current" if number == rung else "reached" if number < rung
                 else "next" if number == next_rung else "ahead")
        rungs.append({"rung": number, "name": name, "state": state})
    checklist = []
    if nxt:
        unmet = {(c["key"], c["label"]): c for c in nxt.get("unmet", [])}
        conditions = next((r["conditions"] for r in explanation.get("rungs", [])
                           if r["rung"] == next_rung), [])
        for c in conditions:
            detail = unmet.get((c["key"], c["label"]), c)
            records = [{"label": r["label"], "url": record_url(organization, r["type"], r["id"])}
                       for r in detail.get("records", [])]
            checklist.append(Condition(
                label=maturity_wording.condition_label(c),
                now=maturity_wording.condition_value(c, c["now"]),
                needed=maturity_wording.condition_value(c, c["needed"]), met=c["met"],
                message=maturity_wording.condition_message(detail), records=records,
                more=max(0, detail.get("record_count", 0) - len(records))))
    return Ladder(rung=rung, name=RUNG_LABELS.get(rung, ""), rungs=rungs, next_rung=next_rung,
                  next_name=RUNG_LABELS.get(next_rung, "") if next_rung else "",
                  checklist=checklist)


@dataclass
class SpendRow:
    kind: str  # "initiative" or "tool"
    name: str
    monthly_cost: Decimal
    url: str | None
    status: str


# The dashboard's hot queries whose only parameter is the organization are compiled once per
# process (lib/compiled.py): building each cost the ORM about a millisecond, more than the
# database takes to answer it.
_SPEND_FLAGS = CompiledQuery(
    lambda organization_id: Flag.objects.filter(
        organization_id=organization_id, resolved_at=None,
        code__in=["MISALIGNED", "SHELFWARE"]).values_list("code", "subject_id"),
    ints=["organization_id"])


def misaligned_spend_rows(*, organization: Organization) -> tuple[list[SpendRow], int]:
    """The costliest initiatives with no active goal and tools no active initiative uses (the
    open MISALIGNED and SHELFWARE flags, so the list agrees with the score), and how many
    there are in all. Three queries: the flags' subjects as a plain list first (a subquery
    on the cast subject id let PostgreSQL pick a nested loop over every flag per initiative,
    half a second on a large organization), then the records by primary key."""
    subjects: dict[str, list[int]] = {"MISALIGNED": [], "SHELFWARE": []}
    for code, subject_id in _SPEND_FLAGS.rows(organization_id=organization.pk):
        if subject_id.isdigit():
            subjects[code].append(int(subject_id))
    columns = ("pk", "name", "monthly_cost", "status")
    initiatives = (Initiative.objects.filter(organization=organization,
                                             pk__in=subjects["MISALIGNED"])
                   .order_by("-monthly_cost", "name").values_list(*columns)[:SPEND_ROWS]
                   if subjects["MISALIGNED"] else [])
    tools = (Tool.objects.filter(organization=organization, pk__in=subjects["SHELFWARE"])
             .order_by("-monthly_cost", "name").values_list(*columns)[:SPEND_ROWS]
             if subjects["SHELFWARE"] else [])
    rows = [SpendRow("initiative", name, cost, record_url(organization, "initiative", pk),
                     status) for pk, name, cost, status in initiatives]
    rows += [SpendRow("tool", name, cost, record_url(organization, "tool", pk), status)
             for pk, name, cost, status in tools]
    rows.sort(key=lambda r: (-r.monthly_cost, r.name))
    return rows[:SPEND_ROWS], len(subjects["MISALIGNED"]) + len(subjects["SHELFWARE"])


@dataclass
class PriorityGoal:
    title: str
    url: str
    rank: int | None
    progress: float | None  # 0-150 (%); None before the goal's start date
    forecast_status: str
    forecast_reason: str
    metric_name: str
    sparkline: "Sparkline | None"
    starts_on: date | None = None  # set while the goal has not started


@dataclass
class Sparkline:
    """A small line of a metric's recent values, drawn as inline SVG (no script needed)."""

    points: str  # SVG polyline points in a 100 x 24 box
    summary: str
    last_x: float
    last_y: float


def sparkline(values: list[tuple[date, float]], unit: str = "") -> Sparkline | None:
    if len(values) < 2:
        return None
    numbers = [v for _, v in values]
    low, high = min(numbers), max(numbers)
    spread = (high - low) or 1.0
    step = 100.0 / (len(numbers) - 1)
    coords = [(round(i * step, 1), round(22 - 20 * (v - low) / spread + 1, 1))
              for i, v in enumerate(numbers)]
    unit = f" {unit}" if unit and unit not in ("count", "score") else ""
    summary = gettext("%(n)s values from %(start)s to %(end)s: first %(first)s%(unit)s, latest "
                      "%(latest)s%(unit)s, lowest %(low)s, highest %(high)s.") % {
        "n": len(numbers), "start": dateformat.format(values[0][0], "d M Y"),
        "end": dateformat.format(values[-1][0], "d M Y"), "unit": unit,
        "first": local_digits(f"{numbers[0]:g}"), "latest": local_digits(f"{numbers[-1]:g}"),
        "low": local_digits(f"{low:g}"), "high": local_digits(f"{high:g}")}
    return Sparkline(points=" ".join(f"{x},{y}" for x, y in coords), summary=summary,
                     last_x=coords[-1][0], last_y=coords[-1][1])


FORECAST_LABELS = {"on_track": gettext_lazy("On track"), "at_risk": gettext_lazy("At risk"),
                   "off_track": gettext_lazy("Off track"), "no_data": gettext_lazy("No data")}


_PRIORITY_GOALS = CompiledQuery(
    lambda organization_id: GoalScore.objects.filter(organization_id=organization_id,
                                                     is_priority=True)
    .order_by("goal__priority_rank", "goal__title")
    .values_list("goal_id", "goal__title", "goal__priority_rank", "goal__start_date",
                 "goal__metric_id", "goal__metric__name", "goal__metric__unit", "progress",
                 "forecast_status", "forecast_reason", "forecast_params")[:6],
    ints=["organization_id"])


_SPARKLINE_VALUES = CompiledInQuery(
    lambda organization_id, ids, since: MetricValue.objects.filter(
        organization_id=organization_id, metric_id__in=ids, period__gte=since)
    .order_by("metric_id", "period").values_list("metric_id", "period", "value"),
    ints=["organization_id"], dates=["since"], max_ids=6)


def priority_goals(*, organization: Organization, today: date) -> list[PriorityGoal]:
    """The current cycle's priority goals with progress, forecast and a sparkline of their
    metric (two queries: the goals, then the values of their at most three metrics)."""
    scores = _PRIORITY_GOALS.rows(organization_id=organization.pk)
    metric_ids = {s[4] for s in scores if s[4]}
    values = defaultdict(list)
    for metric_id, period, value in _SPARKLINE_VALUES.rows(
            organization_id=organization.pk, ids=sorted(metric_ids),
            since=today - timedelta(days=SPARKLINE_DAYS)):
        values[metric_id].append((period, float(value)))
    goals = []
    for (goal_id, title, rank, start_date, metric_id, metric_name, unit, progress,
         forecast_status, forecast_reason, forecast_params) in scores:
        series = values.get(metric_id, [])[-SPARKLINE_POINTS:]
        # Before its start a goal has made no progress, whatever the metric says.
        waiting = start_date is not None and start_date > today
        goals.append(PriorityGoal(
            title=title, url=record_url(organization, "goal", goal_id), rank=rank,
            progress=None if progress is None or waiting else round(100 * progress),
            starts_on=start_date if waiting else None,
            forecast_status=forecast_status,
            forecast_reason=wording.forecast_reason(forecast_params, forecast_reason),
            metric_name=metric_name or "", sparkline=sparkline(series, unit or "")))
    return goals


@dataclass
class FlagRow:
    code: str
    severity: str
    subject_type: str
    subject_label: str
    message: str
    suggested_fix: str
    first_seen_at: object
    url: str | None
    id: int | None = None
    # Where a scenario tries this flag's fix, "" when it cannot (scenarios.suggestions.for_flag
    # knows the code).
    try_url: str = ""
    # The fix as an action beside it ("Link a goal", "Log a value"): flag_action.
    action_label: str = ""
    action_url: str = ""
    action_logs: bool = False  # a logging action (staff may take it), else a planning one


# What to click for each flag's fix: (label, route, logs). The route takes the organization
# and the flag's subject id, except those marked None (the organization's page).
FLAG_ACTIONS = {
    "MISALIGNED": (gettext_lazy("Link a goal"), "initiatives:detail"),
    "DRIFT": (gettext_lazy("Link a current goal"), "initiatives:detail"),
    "WEAK_ALIGNMENT": (gettext_lazy("Strengthen the link"), "initiatives:detail"),
    "UNMEASURED": (gettext_lazy("Add a metric"), "initiatives:detail"),
    "VANITY_METRICS": (gettext_lazy("Add an outcome metric"), "initiatives:detail"),
    "WORSENED": (gettext_lazy("See the evidence"), "initiatives:detail"),
    "NO_EFFECT": (gettext_lazy("See the evidence"), "initiatives:detail"),
    "ORPHAN_GOAL": (gettext_lazy("Link an initiative"), "initiatives:goal_links"),
    "NOT_SMART": (gettext_lazy("Edit the goal"), "goals:edit"),
    "OFF_TRACK": (gettext_lazy("Review now"), "initiatives:goal_links"),
    "AT_RISK": (gettext_lazy("Review now"), "initiatives:goal_links"),
    "VANITY_METRIC": (gettext_lazy("Review the metric"), "metrics:edit"),
    "SHELFWARE": (gettext_lazy("Retire the tool"), "initiatives:tool_edit"),
    "REDUNDANT_TOOLS": (gettext_lazy("Open the technology audit"), None),
    "TOOL_SPRAWL": (gettext_lazy("Open the technology audit"), None),
    "FEED_FAILING": (gettext_lazy("Open the feed"), "feeds:detail"),
}


def flag_action(organization: Organization, code: str, subject_type: str,
                subject_id) -> tuple[str, str, bool]:
    """(label, url, is a logging action) of the action that fixes a flag, or ("", "", False).
    No queries: routes are reversed once per organization (lib/urls.record_path)."""
    if code == "STALE_DATA":
        if subject_type == SubjectType.METRIC:
            return (gettext("Log a value"), organization_path("metrics:log", organization.slug)
                    + f"?metrics={int(subject_id)}", True)
        code_action = (gettext_lazy("Log its values"), "initiatives:detail")
    else:
        code_action = FLAG_ACTIONS.get(code)
    if code_action is None:
        return "", "", False
    label, name = str(code_action[0]), code_action[1]
    if name is None:
        return label, organization_path("initiatives:tool_audit", organization.slug), False
    try:
        record_id = int(subject_id)
    except (TypeError, ValueError):
        return "", "", False
    return label, record_path(name, organization.slug, record_id), False


TRY_IN_SCENARIO_CODES = frozenset({"SHELFWARE", "REDUNDANT_TOOLS", "MISALIGNED", "DRIFT",
                                   "WEAK_ALIGNMENT", "ORPHAN_GOAL"})


@dataclass
class FlagGroups:
    """Open flags grouped by severity: a few of each, the exact counts, and the filter."""

    groups: list[dict]  # {severity, label, count, flags: [FlagRow]}
    total: int
    shown: int
    codes: list[tuple[str, int]]  # (code, open count) for the filter
    subject_types: list[tuple[str, str, int]]  # (value, label, open count)
    severity: str
    code: str
    subject_type: str
    show_all: bool

    @property
    def query(self) -> str:
        """The filter as a query string ("" without one), for links that must keep it."""
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in (("severity", self.severity), ("code", self.code),
                                             ("type", self.subject_type),
                                             ("all", "1" if self.show_all else ""))
                          if v})


FLAG_FILTERS = ("severity", "code", "type")
ALL_FLAGS_LIMIT = 500


_FLAG_COUNTS = CompiledQuery(
    lambda organization_id: Flag.objects.filter(organization_id=organization_id,
                                                resolved_at=None)
    .values_list("severity", "code", "subject_type").annotate(n=Count("id")).order_by(),
    ints=["organization_id"])


def _flags(organization_id: int, *, severity: str = "", code: str = "",
           subject_type: str = "", show_all: bool = False):
    """The open flags the filter selects: the first few of each severity, or all of them."""
    flags = Flag.objects.filter(organization_id=organization_id, resolved_at=None)
    if severity:
        flags = flags.filter(severity=severity)
    if code:
        flags = flags.filter(code=code)
    if subject_type:
        flags = flags.filter(subject_type=subject_type)
    if show_all:
        flags = flags.annotate(severity_rank=SEVERITY_RANK).order_by(
            "severity_rank", "-first_seen_at", "id")[:ALL_FLAGS_LIMIT]
    else:
        # Grouped by severity below: only the order within a severity matters here.
        flags = (flags.annotate(row=Window(RowNumber(), partition_by=[F("severity")],
                                           order_by=[F("first_seen_at").desc(), F("id")]))
                 .filter(row__lte=FLAGS_PER_SEVERITY).order_by("-first_seen_at", "id"))
    return flags.values_list("pk", "code", "severity", "subject_type", "subject_id",
                             "subject_label", "params", "first_seen_at")


# The unfiltered dashboard's flags (what nearly every request shows).
_FIRST_FLAGS = CompiledQuery(_flags, ints=["organization_id"])


def flag_groups(*, organization: Organization, severity: str = "", code: str = "",
                subject_type: str = "", show_all: bool = False) -> FlagGroups:
    """Two queries: the open counts by severity, code and subject type, and the first few
    flags of each severity (all of them, up to ALL_FLAGS_LIMIT, with `show_all`)."""
    severity = severity if severity in SEVERITY_ORDER else ""
    subject_type = subject_type if subject_type in SubjectType.values else ""
    counts = _FLAG_COUNTS.rows(organization_id=organization.pk)
    code = code if any(c == code for _, c, _, _ in counts) else ""

    def selected(s, c, t):
        return ((not severity or s == severity) and (not code or c == code)
                and (not subject_type or t == subject_type))

    by_severity: dict[str, int] = defaultdict(int)
    by_code: dict[str, int] = defaultdict(int)
    by_type: dict[str, int] = defaultdict(int)
    for s, c, t, n in counts:
        by_code[c] += n
        by_type[t] += n
        if selected(s, c, t):
            by_severity[s] += n
    if severity or code or subject_type or show_all:
        flags = _flags(organization.pk, severity=severity, code=code,
                       subject_type=subject_type, show_all=show_all)
    else:
        flags = _FIRST_FLAGS.rows(organization_id=organization.pk)
    grouped: dict[str, list[FlagRow]] = {s: [] for s in SEVERITIES}
    type_labels = dict(SubjectType.choices)
    for pk, flag_code, flag_severity, flag_type, subject_id, subject_label, params, \
            first_seen_at in flags:
        action_label, action_url, action_logs = flag_action(organization, flag_code,
                                                            flag_type, subject_id)
        grouped[flag_severity].append(FlagRow(
            code=flag_code, severity=flag_severity,
            subject_type=type_labels.get(flag_type, flag_type), subject_label=subject_label,
            message=wording.flag_message(flag_code, params),
            suggested_fix=wording.flag_fix(flag_code, params, flag_type),
            first_seen_at=first_seen_at,
            url=record_url(organization, flag_type, subject_id), id=pk,
            try_url=(record_path("scenarios:try_flag", organization.slug, pk)
                     if flag_code in TRY_IN_SCENARIO_CODES else ""), action_label=action_label,
            action_url=action_url, action_logs=action_logs))
    groups = [{"severity": s, "label": Severity(s).label, "count": by_severity.get(s, 0),
               "flags": grouped[s]} for s in SEVERITIES if not severity or s == severity]
    return FlagGroups(
        groups=groups, total=sum(by_severity.values()),
        shown=sum(len(g["flags"]) for g in groups),
        codes=sorted(by_code.items()),
        subject_types=[(t, type_labels.get(t, t), n) for t, n in sorted(by_type.items())],
        severity=severity, code=code, subject_type=subject_type, show_all=show_all)


@dataclass
class MetricDue:
    name: str
    url: str
    log_url: str
    current_label: str
    latest_period: date | None
    is_due: bool
    is_fresh: bool


_METRICS_DUE = CompiledQuery(
    lambda organization_id: MetricScore.objects.filter(organization_id=organization_id,
                                                       metric__archived_at=None)
    .values_list("metric_id", "metric__name", "metric__frequency", "latest_period", "is_fresh",
                 "in_use"),
    ints=["organization_id"])


def metrics_due(*, organization: Organization, today: date) -> tuple[list[MetricDue], int, int]:
    """Metrics in use with no value for the current period or no fresh value, stale ones
    first; and how many are due and how many stale in all. One query (the score rows carry
    each metric's latest period); plain tuples, and links only for the rows listed."""
    rows = _METRICS_DUE.rows(organization_id=organization.pk)
    current = {frequency: period_start(frequency, today) for frequency in Frequency.values}
    candidates, due_count, stale_count = [], 0, 0
    for metric_id, name, frequency, latest_period, is_fresh, _in_use in rows:
        is_due = latest_period is None or latest_period < current[frequency]
        # Stale as the metrics list says it: a value, but none fresh (in use or not; a metric
        # with no value yet is "no data", due rather than stale).
        stale = not is_fresh and latest_period is not None
        due_count += is_due
        stale_count += stale
        if is_due or stale:
            candidates.append((not stale, latest_period or date.min, name.lower(), name,
                               metric_id, frequency, latest_period, is_due))
    candidates.sort(key=lambda c: c[:3])
    return [MetricDue(
        name=name, url=record_url(organization, SubjectType.METRIC, metric_id),
        log_url=record_path("metrics:log_value", organization.slug, metric_id),
        current_label=period_label(frequency, current[frequency]), latest_period=latest_period,
        is_due=is_due, is_fresh=fresh)
        for fresh, _, _, name, metric_id, frequency, latest_period, is_due
        in candidates[:METRICS_DUE_ROWS]], due_count, stale_count


def plan_presence(*, organization: Organization) -> dict:
    """Whether there is anything for the empty states to speak of (one query): "every active
    initiative serves an active goal" says nothing true of an organization with none."""
    mine = {"organization": OuterRef("pk")}
    return (Organization.objects.filter(pk=organization.pk).annotate(
        has_active_initiatives=Exists(Initiative.objects.filter(active_initiative_q(), **mine)),
        has_active_tools=Exists(Tool.objects.filter(active_tool_q(), **mine)),
        has_metrics=Exists(MetricScore.objects.filter(metric__archived_at=None, **mine)),
    ).values("has_active_initiatives", "has_active_tools", "has_metrics").get())


@dataclass
class Dashboard:
    organization: Organization
    score: OrganizationScore | None
    status: ScoreStatus
    ladder: Ladder
    dimensions: list[dict]  # {key, label, now, before}
    month_ago: ScoreSnapshot | None
    spend_rows: list[SpendRow]
    spend_count: int
    goals: list[PriorityGoal]
    flags: FlagGroups
    metrics_due: list[MetricDue] | None  # None for viewers (they cannot log)
    metrics_due_count: int
    metrics_stale_count: int
    benefits: object = None  # benefits.selectors.BenefitOverview
    benefit_chart: object = None  # charts.Chart
    # [(verdict, the first readings, how many in all)]: what each live initiative's outcome
    # metrics did after go-live
    impact: list = field(default_factory=list)
    # Whether the plan has any of these at all (plan_presence), for honest empty states.
    has_active_initiatives: bool = True
    has_active_tools: bool = True
    has_metrics: bool = True

    @property
    def impact_total(self) -> int:
        return sum(total for _, _, total in self.impact)


DASHBOARD_IMPACT_ROWS = 8  # per verdict; the count says how many there are in all
DASHBOARD_LOSING_ROWS = 8  # initiatives costing more than they return; the report has all


def dimension_rows(score, before) -> list[dict]:
    return [{"key": key, "label": str(label),
             "now": round(float(getattr(score, key)), 1) if score else None,
             "before": round(float(getattr(before, key)), 1) if before else None}
            for key, label in DIMENSIONS]


def dashboard(*, organization: Organization, can_log: bool, flag_filter: dict | None = None,
              today: date | None = None) -> Dashboard:
    """Everything the organization dashboard shows, in a fixed number of queries (about ten)
    whatever the organization's size."""
    today = today or timezone.localdate()
    score = score_selectors.organization_score(organization)
    month_ago = snapshot_on_or_before(
        organization=organization, day=today - timedelta(days=MONTH_AGO_DAYS))
    spend_rows, spend_count = misaligned_spend_rows(organization=organization)
    due, due_count, stale_count = (metrics_due(organization=organization, today=today) if can_log
                                   else (None, 0, 0))
    # Only an empty section needs to know whether there is anything at all (one query).
    presence = (plan_presence(organization=organization)
                if not spend_rows or (can_log and not due) else {})
    return Dashboard(**presence,
        organization=organization, score=score, status=score_status(organization),
        ladder=ladder(organization, score), dimensions=dimension_rows(score, month_ago),
        month_ago=month_ago, spend_rows=spend_rows, spend_count=spend_count,
        goals=priority_goals(organization=organization, today=today),
        flags=flag_groups(organization=organization, **(flag_filter or {})),
        metrics_due=due, metrics_due_count=due_count, metrics_stale_count=stale_count,
        impact=impact_summary(organization=organization, today=today),
        **benefit_overview(organization=organization, today=today,
                           losing_rows=DASHBOARD_LOSING_ROWS))


@dataclass
class ImpactRow:
    """One reading as the dashboard lists it: the initiative, its outcome metric as a badge of
    the verdict's colour, and the verdict in words."""

    initiative: str
    url: str
    metric: str
    badge: str
    sentence: str


_IMPACT_ORDER = CompiledQuery(
    lambda organization_id: ImpactEvidence.objects.filter(organization_id=organization_id)
    .order_by("initiative__name", "metric__name", "pk").values_list("pk", "verdict"),
    ints=["organization_id"])


_IMPACT_ROW_COLUMNS = ("pk", "initiative_id", "initiative__name", "metric__name", "metric__unit",
                       "metric__frequency", *impact.SENTENCE_COLUMNS)
# The shown readings: at most `rows` per verdict (DASHBOARD_IMPACT_ROWS on the dashboard).
_IMPACT_ROWS = CompiledInQuery(
    lambda organization_id, ids: ImpactEvidence.objects.filter(
        organization_id=organization_id, pk__in=ids).values_list(*_IMPACT_ROW_COLUMNS),
    ints=["organization_id"], max_ids=DASHBOARD_IMPACT_ROWS * len(Verdict))


def impact_summary(*, organization: Organization, today: date,
                   rows: int = DASHBOARD_IMPACT_ROWS) -> list[tuple[str, list[ImpactRow], int]]:
    """[(verdict, the first `rows` readings, how many in all)] in the order of
    scoring.selectors.organization_impact, every verdict listed. Two queries: the order and
    verdict of every reading as plain rows, then the columns the sentences of the few shown
    read (an organization with hundreds of readings no longer builds a sentence for each)."""
    shown: dict[str, list[int]] = {str(v): [] for v in score_selectors.VERDICT_ORDER}
    totals = dict.fromkeys(shown, 0)
    for pk, verdict in _IMPACT_ORDER.rows(organization_id=organization.pk):
        totals[verdict] += 1
        if len(shown[verdict]) < rows:
            shown[verdict].append(pk)
    wanted = [pk for pks in shown.values() for pk in pks]
    by_pk = {row[0]: dict(zip(_IMPACT_ROW_COLUMNS, row, strict=True))
             for row in _IMPACT_ROWS.rows(organization_id=organization.pk, ids=wanted)}

    def reading(row: dict) -> ImpactRow:
        return ImpactRow(
            initiative=row["initiative__name"],
            url=record_path("initiatives:detail", organization.slug, row["initiative_id"]),
            metric=row["metric__name"], badge=score_selectors.VERDICT_BADGE.get(row["verdict"], ""),
            sentence=impact.impact_sentence(row, metric_name=row["metric__name"],
                                            unit=row["metric__unit"],
                                            frequency=row["metric__frequency"], today=today,
                                            currency=organization.currency))

    return [(Verdict(verdict).label, [reading(by_pk[pk]) for pk in pks if pk in by_pk],
             totals[verdict]) for verdict, pks in shown.items()]


def benefit_overview(*, organization: Organization, today: date, chart: bool = True,
                     **window) -> dict:
    """The benefit ledger's overview and its chart (2 queries), for the dashboard and the
    report (printed, so a table and no chart)."""
    from alignment_portal import charts
    from alignment_portal.benefits.selectors import overview

    data = overview(organization=organization, today=today, **window)
    figure = (charts.benefit_months_chart(data.months, currency=organization.currency)
              if chart and data.has_data and data.months else None)
    return {"benefits": data, "benefit_chart": figure}
