"""Reads of the goals app. Every selector takes the organization (or a record already fetched
with it), so nothing of another organization can leak in."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext

from alignment_portal.lib.compiled import CompiledQuery, field_names, instance
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import forecast as forecasting
from alignment_portal.scoring import selectors as scores
from alignment_portal.scoring import smart
from alignment_portal.scoring.models import SubjectType
from goals.models import Cycle, CycleState, Goal, GoalOutcome, GoalStatus, Perspective
from goals.starters import STARTERS_BY_KEY
from initiatives.models import AlignmentLink
from metrics.models import MetricValue

# Cycles ---------------------------------------------------------------------------------------

def cycles_for(*, organization: Organization) -> QuerySet[Cycle]:
    return Cycle.objects.filter(organization=organization).order_by("-start_date")


def open_cycles(*, organization: Organization) -> QuerySet[Cycle]:
    """Cycles whose goals may still change: not closed."""
    return cycles_for(organization=organization).exclude(state=CycleState.CLOSED)


def current_cycle(*, organization: Organization) -> Cycle | None:
    """The active cycle, else the latest one still in planning or review."""
    cycles = list(open_cycles(organization=organization))
    for cycle in cycles:
        if cycle.state == CycleState.ACTIVE:
            return cycle
    return cycles[0] if cycles else None


def members_of(*, organization: Organization):
    """The people a goal may be owned by: members of the organization."""
    return (get_user_model().objects.filter(memberships__organization=organization)
            .order_by("username").distinct())


# Goals ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoalFilters:
    cycle: int | None = None
    perspective: str = ""
    status: str = ""  # "" = every status but archived
    owner: int | None = None
    flag: str = ""  # a flag code open on the goal, or ANY_FLAG


ANY_FLAG = "any"


def goal_flag_choices(*, organization: Organization) -> list[tuple[str, str]]:
    """The flag filter's choices: any open flag, then each code open on a goal now, with how
    many goals carry it (one query)."""
    codes = scores.open_flag_codes(organization, SubjectType.GOAL)
    return [(ANY_FLAG, "Any open flag")] + [(code, f"{code} ({n})") for code, n in codes]


def attach_open_flags(*, organization: Organization, goals: list[Goal]) -> None:
    """Give each goal of a page its open flags as `goal.open_flags` (one query)."""
    flags = scores.open_flags_for_many(organization, SubjectType.GOAL, [g.pk for g in goals])
    for goal in goals:
        goal.open_flags = flags.get(goal.pk, [])


@dataclass
class GoalScores:
    """What a goal's page shows of the scoring: its stored score (None before the first
    recompute: forecast, SMART, how many initiatives serve it), open flags and recently
    resolved ones."""

    score: object
    open_flags: list
    resolved_flags: list

    @property
    def forecast_label(self) -> str:
        if self.score is None:
            return ""
        return forecasting.ForecastStatus(self.score.forecast_status).label


def goal_scores(*, organization: Organization, goal: Goal) -> GoalScores:
    """Three queries."""
    card = scores.goal_scorecard(organization, goal.pk)
    return GoalScores(score=card.score, open_flags=card.flags,
                      resolved_flags=scores.recently_resolved_flags(
                          organization, SubjectType.GOAL, goal.pk))


def goal_list(*, organization: Organization, filters: GoalFilters | None = None
              ) -> QuerySet[Goal]:
    """The organization's goals, filtered, with what a list row shows joined in (one query
    whatever the number of goals)."""
    filters = filters or GoalFilters()
    goals = (Goal.objects.filter(organization=organization)
             .select_related("cycle", "owner", "metric", "parent"))
    if filters.cycle:
        goals = goals.filter(cycle_id=filters.cycle)
    if filters.perspective:
        goals = goals.filter(perspective=filters.perspective)
    if filters.status:
        goals = goals.filter(status=filters.status)
    else:
        goals = goals.exclude(status=GoalStatus.ARCHIVED)
    if filters.owner:
        goals = goals.filter(owner_id=filters.owner)
    if filters.flag:
        goals = goals.filter(scores.has_open_flag(
            organization, SubjectType.GOAL, "" if filters.flag == ANY_FLAG else filters.flag))
    return goals.order_by("-cycle__start_date", "priority_rank", "title", "pk")


def goal_for_page(*, organization: Organization, goal_id) -> Goal | None:
    """One goal with what its page shows beside it (cycle, metric, owner, parent, the goal it
    was carried over from); None when the organization has no such goal."""
    return (Goal.objects.select_related("cycle", "metric", "owner", "parent",
                                        "carried_over_from")
            .filter(organization=organization, pk=goal_id).first())


def child_goals(*, organization: Organization, goal: Goal) -> QuerySet[Goal]:
    return goal.children.filter(organization=organization).select_related("cycle")


def goal_outcomes(*, organization: Organization, goal: Goal) -> QuerySet[GoalOutcome]:
    return goal.outcomes.filter(organization=organization).select_related("cycle")


def carried_from(*, organization: Organization, cycle: Cycle) -> QuerySet[Goal]:
    """The goals carried over out of `cycle`, with the cycle they went to."""
    return Goal.objects.filter(organization=organization,
                               carried_over_from__cycle=cycle).select_related("cycle")


def _an_id(raw: str) -> bool:
    """A query-string id a primary key can hold (a 40-digit one overflows PostgreSQL's bigint)."""
    return raw.isdigit() and len(raw) <= 18


def new_goal_initial(*, organization: Organization, cycle_id: str, parent_id: str,
                     template: str) -> dict:
    """The new-goal form's first values: a draft in the cycle asked for (an open one of this
    organization, else the current one), under the parent asked for, filled from a starter
    template with its metric when the organization has one of that name. Ids that are not
    this organization's are ignored."""
    initial = {"status": GoalStatus.DRAFT}
    cycle = (open_cycles(organization=organization).filter(pk=cycle_id).first()
             if _an_id(cycle_id) else None) or current_cycle(organization=organization)
    if cycle is not None:
        initial.update(cycle=cycle, start_date=cycle.start_date, due_date=cycle.end_date)
    if _an_id(parent_id):
        parent = parent_choices(organization=organization).filter(pk=parent_id).first()
        if parent is not None:
            initial["parent"] = parent
    starter = STARTERS_BY_KEY.get(template)
    if starter is not None:
        initial.update(title=starter.title, description=starter.description,
                       why_it_matters=starter.why_it_matters, perspective=starter.perspective,
                       level=starter.level, confidence=starter.confidence)
        metric = organization.metrics.filter(name=starter.metric_hint,
                                             archived_at=None).first()
        if metric is not None:
            initial["metric"] = metric
    return initial


def parent_choices(*, organization: Organization, goal: Goal | None = None) -> QuerySet[Goal]:
    """Goals that may be a parent: the organization's own, not archived, and never the goal
    itself or one of its descendants (that would be a loop)."""
    goals = Goal.objects.filter(organization=organization).exclude(status=GoalStatus.ARCHIVED)
    if goal is not None and goal.pk:
        goals = goals.exclude(pk__in=descendant_ids(organization=organization, goal=goal)
                              | {goal.pk})
    return goals.select_related("cycle").order_by("-cycle__start_date", "title")


def descendant_ids(*, organization: Organization, goal: Goal) -> set[int]:
    """Ids of every goal below `goal` in the hierarchy (one query per level)."""
    found: set[int] = set()
    frontier = {goal.pk}
    while frontier:
        children = set(Goal.objects.filter(organization=organization, parent_id__in=frontier)
                       .values_list("pk", flat=True)) - found - {goal.pk}
        found |= children
        frontier = children
    return found


@dataclass
class TreeNode:
    goal: Goal
    children: list["TreeNode"] = field(default_factory=list)


def goal_tree(goals: list[Goal]) -> list[TreeNode]:
    """Arrange goals under their parents. A goal whose parent is not in the list is a root,
    so a filtered list still shows every goal once."""
    nodes = {goal.pk: TreeNode(goal) for goal in goals}
    roots = []
    for goal in goals:
        parent = nodes.get(goal.parent_id)
        if parent is not None:
            parent.children.append(nodes[goal.pk])
        else:
            roots.append(nodes[goal.pk])
    return roots


def cycle_goals(*, organization: Organization, cycle: Cycle) -> list[Goal]:
    return list(Goal.objects.filter(organization=organization, cycle=cycle)
                .select_related("owner", "metric", "parent")
                .order_by("priority_rank", "title", "pk"))


def goals_by_perspective(goals: list[Goal]) -> list[tuple[str, list[Goal]]]:
    """(perspective label, its goals) in the balanced-scorecard order, empty ones included."""
    return [(label, [g for g in goals if g.perspective == value])
            for value, label in Perspective.choices]


def priority_goals(goals: list[Goal]) -> list[Goal]:
    return sorted((g for g in goals if g.priority_rank), key=lambda g: g.priority_rank)


def outcomes_of(*, organization: Organization, cycle: Cycle) -> dict[int, GoalOutcome]:
    return {o.goal_id: o for o in GoalOutcome.objects.filter(
        organization=organization, cycle=cycle).select_related("recorded_by")}


def serving_links(*, organization: Organization, goal: Goal):
    """The alignment links of the initiatives serving `goal` (read-only here)."""
    return (AlignmentLink.objects.filter(organization=organization, goal=goal)
            .select_related("initiative").order_by("initiative__name"))


_GOALS_OF_METRIC = CompiledQuery(
    lambda organization_id, metric_id: Goal.objects.filter(
        organization=organization_id, metric=metric_id)
    .order_by("due_date", "pk").values_list(*field_names(Goal)),
    ints=["organization_id", "metric_id"])


def goals_of_metric(*, organization: Organization, metric) -> tuple[list[Goal], list[dict]]:
    """The goals `metric` measures (one query, by due date), and the baseline and target of
    those not archived, for its chart."""
    goals = [instance(Goal, row) for row in _GOALS_OF_METRIC.rows(
        organization_id=organization.pk, metric_id=metric.pk)]
    lines = [{"title": g.title, "baseline": g.baseline_value, "target": g.target_value,
              "start": g.start_date, "due": g.due_date}
             for g in goals if g.status != GoalStatus.ARCHIVED]
    return goals, lines


# Measure: SMART facts, progress and forecast ---------------------------------------------------

@dataclass(frozen=True)
class Series:
    periods: list[date]
    values: list[float]

    @property
    def latest(self) -> float | None:
        return self.values[-1] if self.values else None

    def until(self, day: date | None) -> "Series":
        """The values dated on or before `day` (all of them when there is no day)."""
        if day is None:
            return self
        kept = [(p, v) for p, v in zip(self.periods, self.values, strict=True) if p <= day]
        return Series([p for p, _ in kept], [v for _, v in kept])


EMPTY_SERIES = Series([], [])


def metric_series(*, organization: Organization, metric_id: int | None) -> Series:
    """A metric's values, oldest first."""
    if not metric_id:
        return EMPTY_SERIES
    rows = (MetricValue.objects.filter(organization=organization, metric_id=metric_id)
            .order_by("period").values_list("period", "value"))
    return Series([p for p, _ in rows], [float(v) for _, v in rows])


def best_weekly_change(series: Series, direction: int) -> float | None:
    """The largest change per week between consecutive values, in `direction` (+1 when the
    target lies above the baseline, -1 below). None when the history cannot say."""
    return smart.best_weekly_change(series.periods, series.values, direction)


def goal_facts(values: dict, *, cycle: Cycle | None, series: Series) -> smart.GoalFacts:
    """The SMART check's facts from a goal's field values (a saved goal's or a form's,
    partly filled in; `metric` and `parent` as records or ids)."""
    return smart.facts_from(
        {**values, "metric_id": getattr(values.get("metric"), "pk", values.get("metric")),
         "parent_id": getattr(values.get("parent"), "pk", values.get("parent"))},
        cycle_start=cycle.start_date if cycle else None,
        cycle_end=cycle.end_date if cycle else None,
        periods=series.periods, values=series.values)


SMART_FIELDS = ("title", "description", "why_it_matters", "metric", "baseline_value",
                "target_value", "confidence", "priority_rank", "level", "parent",
                "start_date", "due_date")


def goal_smart(goal: Goal, *, series: Series) -> smart.SmartResult:
    values = {name: getattr(goal, name if name not in ("metric", "parent") else f"{name}_id")
              for name in SMART_FIELDS}
    return smart.check(goal_facts(values, cycle=goal.cycle, series=series))


@dataclass(frozen=True)
class GoalProgress:
    latest: float | None
    progress: float | None  # 0 .. 1.5
    forecast: forecasting.Forecast

    @property
    def progress_percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)


def _number(value) -> float | None:
    return None if value is None else float(value)


def goal_progress(goal: Goal, *, series: Series) -> GoalProgress:
    """Progress from the latest value, and the forecast from the values since the start.
    Values after the due date do not count: a goal of a closed cycle is judged by where it
    stood when it was due, not by what happened next quarter."""
    series = series.until(goal.due_date)
    baseline, target = _number(goal.baseline_value), _number(goal.target_value)
    return GoalProgress(
        latest=series.latest,
        progress=forecasting.progress(series.latest, baseline, target),
        forecast=forecasting.forecast(series.periods, series.values, baseline=baseline,
                                      target=target, start_date=goal.start_date,
                                      due_date=goal.due_date),
    )


# History ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    what: str  # created / changed / deleted
    changes: list[Change]


HISTORY_LIMIT = 50
_HIDDEN_FIELDS = {"id", "organization", "created_at"}


def history_entries(record, *, organization: Organization,
                    limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Who changed what and when, newest first, from django-simple-history: one query. Each
    entry lists the fields that changed with their old and new values."""
    records = list(record.history.filter(organization=organization)
                   .select_related("history_user")
                   .order_by("-history_date", "-history_id")[: limit + 1])
    fields = {f.name: f for f in record._meta.fields}
    deltas = []
    for index, current in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and current.history_type == "~":
            changes = [c for c in current.diff_against(previous).changes
                       if c.field not in _HIDDEN_FIELDS]
        deltas.append((current, changes))
    names = _related_names(fields, [c for _, changes in deltas for c in changes],
                           organization=organization)
    entries = []
    for current, raw_changes in deltas:
        changes = [Change(str(fields[c.field].verbose_name) if c.field in fields else c.field,
                          names.get((c.field, c.old), _shown_value(fields, c.field, c.old)),
                          names.get((c.field, c.new), _shown_value(fields, c.field, c.new)))
                   for c in raw_changes]
        user = current.history_user
        entries.append(HistoryEntry(
            when=current.history_date,
            who=user.get_username() if user else gettext("the system"),
            what={"+": "created", "~": "changed", "-": "deleted"}[current.history_type],
            changes=changes,
        ))
    return entries


def _shown_value(fields: dict, name: str, value) -> str:
    """A choice's label ("Customer", not "customer"), else the value as _show writes it."""
    field = fields.get(name)
    if field is not None and field.choices and value is not None:
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return str(label)
    return _show(value)


def _related_names(fields: dict, changes: list, *, organization: Organization) -> dict:
    """Names for the ids of changed foreign keys (owner, metric, parent, cycle): one query
    per related model that changed, not one per entry; the organization's own records only
    (people are named by whoever they are)."""
    ids: dict[str, set] = {}
    for change in changes:
        field = fields.get(change.field)
        if field is not None and field.is_relation:
            ids.setdefault(change.field, set()).update(
                v for v in (change.old, change.new) if v is not None)
    names = {}
    for name, pks in ids.items():
        related = fields[name].related_model
        rows = related._base_manager.filter(pk__in=pks)
        if any(f.name == "organization" for f in related._meta.fields):
            rows = rows.filter(organization=organization)
        for obj in rows:
            label = obj.get_username() if hasattr(obj, "get_username") else str(obj)
            names[(name, obj.pk)] = label
    return names


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)
