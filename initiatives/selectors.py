"""Reads for initiatives, tools and links. Each takes the organization, and each page's reads run
in a fixed number of queries whatever the number of records."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, FloatField, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext, gettext_lazy

from alignment_portal.scoring import constants as scoring
from alignment_portal.scoring import rules
from alignment_portal.scoring import selectors as scores
from alignment_portal.scoring.models import SubjectType
from goals.models import Goal, active_goal_q
from initiatives.models import (
    AlignmentLink,
    Contribution,
    Initiative,
    InitiativeStatus,
    MeasurementLink,
    Tool,
    ToolCategory,
    ToolStatus,
    active_initiative_q,
)
from metrics.models import Metric

INITIATIVES_PER_PAGE = 25
MATRIX_ROWS_PER_PAGE = 50

def active_goals(*, organization) -> QuerySet[Goal]:
    return Goal.objects.filter(organization=organization).active()


def serves_an_active_goal() -> Exists:
    """Annotation: the initiative has a link to at least one active goal."""
    return Exists(AlignmentLink.objects.filter(active_goal_q("goal__"),
                                               initiative=OuterRef("pk")))


def departments(*, organization) -> list[str]:
    return list(Initiative.objects.filter(organization=organization).exclude(department="")
                .order_by("department").values_list("department", flat=True).distinct())


# The initiative list

def initiative_page(*, organization, filters: dict, sort: str = "name",
                    page_number=1) -> Page:
    """One page of the organization's initiatives, filtered and sorted; with owner, tools,
    linked goals and open flags (`initiative.open_flags`) in three more queries, whatever the
    page's length. Each carries its `alignment_score` and `priority_score` (None until the
    first recompute), which sort the list too; unscored ones go last either way."""
    initiatives = (
        Initiative.objects.filter(organization=organization)
        .select_related("owner")
        .annotate(serves_active_goal=serves_an_active_goal(),
                  alignment_score=scores.score_field(organization, SubjectType.INITIATIVE,
                                                     "alignment_score"),
                  priority_score=scores.score_field(organization, SubjectType.INITIATIVE,
                                                    "priority_score"))
        .prefetch_related(
            Prefetch("tools", queryset=Tool.objects.order_by("name")),
            Prefetch("alignment_links",
                     queryset=AlignmentLink.objects.select_related("goal").order_by(
                         "goal__title")),
        )
    )
    status = filters.get("status")
    if status == "active":
        initiatives = initiatives.filter(active_initiative_q())
    elif status:
        initiatives = initiatives.filter(status=status)
    if filters.get("department"):
        initiatives = initiatives.filter(department=filters["department"])
    if filters.get("tool"):
        initiatives = initiatives.filter(tools=filters["tool"])
    if filters.get("goal"):
        initiatives = initiatives.filter(alignment_links__goal=filters["goal"])
    if filters.get("q"):
        initiatives = initiatives.filter(name__icontains=filters["q"])
    if filters.get("flag"):
        code = "" if filters["flag"] == ANY_FLAG else filters["flag"]
        initiatives = initiatives.filter(
            scores.has_open_flag(organization, SubjectType.INITIATIVE, code))
    key = sort.lstrip("-")
    nulls = F(key).desc(nulls_last=True) if sort.startswith("-") else F(key).asc(
        nulls_last=True)
    initiatives = initiatives.order_by(nulls, "name", "pk")
    page = Paginator(initiatives, INITIATIVES_PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    flags = scores.open_flags_for_many(organization, SubjectType.INITIATIVE,
                                       [i.pk for i in page.object_list])
    for initiative in page.object_list:
        initiative.open_flags = flags.get(initiative.pk, [])
    return page


ANY_FLAG = "any"  # the flag filter's "any open flag"


def initiative_flag_choices(*, organization) -> list[tuple[str, str]]:
    """The flag filter's choices: any open flag, then each code open on an initiative now,
    with how many initiatives carry it."""
    codes = scores.open_flag_codes(organization, SubjectType.INITIATIVE)
    return [(ANY_FLAG, "Any open flag")] + [(code, f"{code} ({n})") for code, n in codes]


def initiative_detail(*, organization, initiative_id: int) -> Initiative:
    return (Initiative.objects.filter(organization=organization, pk=initiative_id)
            .select_related("owner").get())


def initiative_alignment_links(*, organization, initiative) -> list[AlignmentLink]:
    return list(AlignmentLink.objects.filter(organization=organization, initiative=initiative)
        .select_related("goal", "goal__cycle").order_by("goal__title"))


def initiative_measurement_links(*, organization, initiative) -> list[MeasurementLink]:
    return list(MeasurementLink.objects.filter(organization=organization, initiative=initiative)
        .select_related("metric").order_by("role", "metric__name"))


def goal_alignment_links(*, organization, goal) -> list[AlignmentLink]:
    return list(AlignmentLink.objects.filter(organization=organization, goal=goal)
                .select_related("initiative").order_by("initiative__name"))


# The alignment matrix

@dataclass
class MatrixRow:
    initiative: Initiative
    cells: list  # (goal, link or None), in the order of the columns
    misaligned: bool  # no link to any active goal, whether or not its column is shown


@dataclass
class MatrixGroup:
    department: str
    rows: list[MatrixRow]


@dataclass
class Matrix:
    goals: list[Goal]
    orphan_goal_ids: set[int]
    groups: list[MatrixGroup]
    page: Page
    totals: dict = field(default_factory=dict)

    @property
    def cycle_count(self) -> int:
        """How many cycles the columns come from: with more than one, "Priority #1" names
        its cycle."""
        return len({goal.cycle_id for goal in self.goals})


def alignment_matrix(*, organization, goal_scope: str = "", goal_q: str = "",
                     department: str = "", initiative_q: str = "",
                     misaligned_only: bool = False, page_number=1) -> Matrix:
    """Active goals (priority goals first) against active initiatives, grouped by department.

    The goals are the columns and the initiatives the rows: 500 initiatives scroll down, which
    reads better than 500 columns across. Rows are paginated; orphan goals and misaligned
    initiatives are judged against all records, not just the page. Six queries in all.
    """
    goals = active_goals(organization=organization).select_related("cycle")
    if goal_scope == "priority":
        goals = goals.filter(priority_rank__isnull=False)
    if goal_q:
        goals = goals.filter(title__icontains=goal_q)
    goals = list(goals.order_by(F("priority_rank").asc(nulls_last=True), "perspective", "title"))
    goal_ids = [g.pk for g in goals]

    orphan_goal_ids = set(goal_ids) - set(
        AlignmentLink.objects.filter(active_initiative_q("initiative__"),
                                     organization=organization, goal_id__in=goal_ids)
        .values_list("goal_id", flat=True).distinct())

    initiatives = (Initiative.objects.filter(organization=organization).active()
                   .annotate(serves_active_goal=serves_an_active_goal()))
    if department:
        initiatives = initiatives.filter(department=department)
    if initiative_q:
        initiatives = initiatives.filter(name__icontains=initiative_q)
    if misaligned_only:
        initiatives = initiatives.filter(serves_active_goal=False)
    initiatives = initiatives.order_by("department", "name", "pk")
    page = Paginator(initiatives, MATRIX_ROWS_PER_PAGE).get_page(page_number)

    links = {
        (link.initiative_id, link.goal_id): link
        for link in AlignmentLink.objects.filter(
            organization=organization, goal_id__in=goal_ids,
            initiative_id__in=[i.pk for i in page.object_list])
    }
    groups = []
    for dept, members in groupby(page.object_list, key=lambda i: i.department):
        rows = [MatrixRow(initiative=i,
                          cells=[(g, links.get((i.pk, g.pk))) for g in goals],
                          misaligned=not i.serves_active_goal)
                for i in members]
        groups.append(MatrixGroup(department=dept or "No department", rows=rows))
    return Matrix(goals=goals, orphan_goal_ids=orphan_goal_ids, groups=groups, page=page)


def matrix_cell(*, organization, goal_id: int, initiative_id: int):
    """The goal, initiative and link (or None) of one matrix cell; 404 outside the org."""
    from django.shortcuts import get_object_or_404

    goal = get_object_or_404(Goal, pk=goal_id, organization=organization)
    initiative = get_object_or_404(Initiative, pk=initiative_id, organization=organization)
    link = AlignmentLink.objects.filter(organization=organization, goal=goal,
                                        initiative=initiative).first()
    return goal, initiative, link


# Tools and the technology audit

@dataclass
class AuditCategory:
    category: str
    label: str
    tools: list[Tool]
    monthly_cost: Decimal  # of its active and trial tools
    active_count: int

    @property
    def overlapping(self) -> bool:
        """Two or more active tools in one category: probably paying twice for one job."""
        return self.active_count >= 2


def tool_list(*, organization, status: str = "") -> list[Tool]:
    tools = Tool.objects.filter(organization=organization).select_related("owner")
    if status:
        tools = tools.filter(status=status)
    return list(tools.order_by("category", "name"))


def technology_audit(*, organization) -> list[AuditCategory]:
    """Tools grouped by category with each category's monthly cost, the initiatives using each
    tool, and `tool.shelfware` (active, used by no active initiative). Two queries."""
    tools = (Tool.objects.filter(organization=organization).select_related("owner")
             .prefetch_related(Prefetch("initiatives", queryset=Initiative.objects.order_by(
                 "name")))
             .order_by("category", "name"))
    labels = dict(ToolCategory.choices)
    categories = []
    for category, members in groupby(tools, key=lambda t: t.category):
        members = list(members)
        for tool in members:
            tool.active_initiatives = [i for i in tool.initiatives.all() if i.is_active]
            tool.shelfware = rules.tool_is_active(tool.status) and not tool.active_initiatives
        in_use = [t for t in members if t.status != ToolStatus.RETIRED]
        categories.append(AuditCategory(
            category=category, label=labels.get(category, category), tools=members,
            monthly_cost=sum((t.monthly_cost for t in in_use), Decimal(0)),
            active_count=sum(1 for t in members if rules.tool_is_active(t.status))))
    categories.sort(key=lambda c: (-c.monthly_cost, c.label))
    return categories


# The backlog and the impact x effort chart

# The backlog orders by the stored priority score (alignment score × impact / effort, DOMAIN.md);
# ties, and initiatives not scored yet (they go last), by impact / effort.
BACKLOG_ORDERINGS = {
    "priority_score": [F("priority_score").desc(nulls_last=True), "-impact_per_effort",
                       "-impact", "effort", "name", "pk"],
    "impact_per_effort": ["-impact_per_effort", "-impact", "effort", "name", "pk"],
}
BACKLOG_ORDER = "priority_score"


def backlog(*, organization, order: str = BACKLOG_ORDER) -> list[Initiative]:
    """Initiatives in `idea` and `planned`, the best bet first, each with its
    `priority_score` and `alignment_score` (None until scored). One query."""
    initiatives = (
        Initiative.objects.filter(organization=organization,
                                  status__in=[InitiativeStatus.IDEA, InitiativeStatus.PLANNED])
        .select_related("owner")
        .annotate(impact_per_effort=Cast("impact", FloatField()) / Cast("effort", FloatField()),
                  serves_active_goal=serves_an_active_goal(),
                  priority_score=scores.score_field(organization, SubjectType.INITIATIVE,
                                                    "priority_score"),
                  alignment_score=scores.score_field(organization, SubjectType.INITIATIVE,
                                                     "alignment_score"))
    )
    return list(initiatives.order_by(*BACKLOG_ORDERINGS[order]))


def impact_effort_points(*, organization) -> list[Initiative]:
    """Active initiatives with impact, effort, monthly cost, `serves_active_goal` and
    `alignment_score` (None until scored)."""
    return list(Initiative.objects.filter(organization=organization).active()
                .annotate(serves_active_goal=serves_an_active_goal(),
                          alignment_score=scores.score_field(
                              organization, SubjectType.INITIATIVE, "alignment_score"))
                .order_by("name"))


# An initiative's scores on its page

@dataclass
class ScorePart:
    """One of the three parts of the alignment score, in points and in words."""

    label: str
    weight: int  # the points the part is worth
    factor: float  # 0-1
    explanation: str

    @property
    def points(self) -> float:
        return self.weight * self.factor


MEASUREMENT_WORDS = {
    scoring.MEASUREMENT_GOAL_OUTCOME: gettext_lazy("one of its outcome metrics is the measure "
                                                   "of a goal it serves"),
    scoring.MEASUREMENT_OTHER_OUTCOME: gettext_lazy("it has an outcome metric, but not the "
                                                    "measure of a goal it serves"),
    scoring.MEASUREMENT_ACTIVITY_ONLY: gettext_lazy("it is measured by activity metrics only"),
    scoring.MEASUREMENT_NONE: gettext_lazy("no metric measures it"),
}


def alignment_parts(score) -> list[ScorePart]:
    """The alignment score of an InitiativeScore explained: line of sight, measurement and
    freshness, each with its weight, factor and what the factor means."""
    weights = ", ".join(f"{label.lower()} {rules.CONTRIBUTION_WEIGHT[value]:g}"
                        for value, label in Contribution.choices)
    if score.line_of_sight > 0:
        sight = gettext(
            "its best link to an active goal: goal weight (%(priority)s for a priority goal "
            "of the current cycle, %(active)s for another active goal) × contribution weight "
            "(%(weights)s)") % {"priority": f"{rules.GOAL_WEIGHT_PRIORITY:g}",
                                "active": f"{rules.GOAL_WEIGHT_ACTIVE:g}", "weights": weights}
    else:
        sight = gettext("it serves no active goal")
    measurement = min(MEASUREMENT_WORDS.items(),
                      key=lambda item: abs(item[0] - score.measurement))[1]
    if score.measurement == scoring.MEASUREMENT_NONE:
        fresh = gettext("it has no metric, so none is fresh")
    else:
        fresh = gettext("%(share)s of its metrics have a fresh value") % {
            "share": f"{score.freshness:.0%}"}
    return [
        ScorePart(gettext("Line of sight"), scoring.ALIGNMENT_LINE_OF_SIGHT_POINTS,
                  score.line_of_sight, sight),
        ScorePart(gettext("Measurement"), scoring.ALIGNMENT_MEASUREMENT_POINTS,
                  score.measurement, measurement),
        ScorePart(gettext("Freshness"), scoring.ALIGNMENT_FRESHNESS_POINTS, score.freshness, fresh),
    ]


@dataclass
class InitiativeScores:
    """What an initiative's page shows of the scoring: the score row (None before the first
    recompute) with its parts, open flags and recently resolved ones."""

    score: object
    parts: list[ScorePart]
    open_flags: list
    resolved_flags: list


def initiative_scores(*, organization, initiative) -> InitiativeScores:
    """Three queries."""
    card = scores.initiative_scorecard(organization, initiative.pk)
    return InitiativeScores(
        score=card.score, parts=alignment_parts(card.score) if card.score else [],
        open_flags=card.flags,
        resolved_flags=scores.recently_resolved_flags(organization, SubjectType.INITIATIVE,
                                                      initiative.pk))


# History of changes

@dataclass
class HistoryEntry:
    when: object
    who: str
    subject: str
    action: str  # created, changed, deleted
    changes: list[str]


def _display(model_field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value} (deleted)")
    return str(value)


def _entries(records, *, fields: list[str], subject, names: dict, extra=None) -> list:
    """Turn one object's historical records (oldest first) into entries with field changes."""
    entries, previous = [], None
    for record in records:
        action = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        changes = []
        if action == "changed" and previous is not None:
            for name in fields:
                model_field = record._meta.get_field(name)
                attname = model_field.attname
                old, new = getattr(previous, attname), getattr(record, attname)
                if old != new:
                    changes.append(f"{model_field.verbose_name.capitalize()}: "
                                   f"{_display(model_field, old, names)} → "
                                   f"{_display(model_field, new, names)}")
        if extra is not None:
            changes += extra(previous, record)
        if action == "changed" and not changes:
            previous = record
            continue  # a save that changed nothing we show
        user = record.history_user
        entries.append(HistoryEntry(when=record.history_date,
                                    who=user.get_username() if user else gettext("the system"),
                                    subject=subject(record), action=action, changes=changes))
        previous = record
    return entries


def _names(model, ids, attr, *, organization) -> dict:
    """{(model, id): name} of the ids; of the organization's own records only (people are
    named whoever they are)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = model.objects.filter(pk__in=ids)
    if any(f.name == "organization" for f in model._meta.fields):
        rows = rows.filter(organization=organization)
    return {(model, pk): str(value) for pk, value in rows.values_list("pk", attr)}


def _link_entries(*, organization, link_filter: dict) -> list[HistoryEntry]:
    """Changes of alignment and measurement links matching `link_filter`."""
    link_records = list(AlignmentLink.history.filter(organization_id=organization.pk,
                                                     **link_filter)
                        .select_related("history_user").order_by("id", "history_date"))
    measure_filter = {k: v for k, v in link_filter.items() if k != "goal_id"}
    measure_records = [] if "goal_id" in link_filter else list(
        MeasurementLink.history.filter(organization_id=organization.pk, **measure_filter)
        .select_related("history_user").order_by("id", "history_date"))
    names = {}
    names.update(_names(Goal, [r.goal_id for r in link_records], "title",
                        organization=organization))
    names.update(_names(Initiative, [r.initiative_id for r in link_records + measure_records],
                        "name", organization=organization))
    names.update(_names(Metric, [r.metric_id for r in measure_records], "name",
                        organization=organization))
    entries = []
    for _, records in groupby(link_records, key=lambda r: r.id):
        entries += _entries(
            list(records), fields=["contribution", "rationale", "expected_effect"], names=names,
            subject=lambda r: (f"Link: {names.get((Initiative, r.initiative_id), 'an initiative')}"
                               f" serves {names.get((Goal, r.goal_id), 'a deleted goal')}"))
    for _, records in groupby(measure_records, key=lambda r: r.id):
        entries += _entries(
            list(records), fields=["role"], names=names,
            subject=lambda r: (f"Measurement: {names.get((Metric, r.metric_id), 'a metric')} "
                               f"measures {names.get((Initiative, r.initiative_id), 'it')}"))
    return entries


HISTORY_LIMIT = 40


def initiative_history(*, organization, initiative) -> list[HistoryEntry]:
    """What changed on the initiative, its tools and its links, newest first."""
    from django.contrib.auth import get_user_model

    records = list(initiative.history.filter(organization=organization)
                   .select_related("history_user").order_by("history_date"))
    # django-simple-history keeps the tools of each version in a historical through table.
    through = Initiative.history.model._meta.get_field(
        "historicalinitiative_tools").related_model
    tool_sets = defaultdict(set)
    tool_ids = set()
    for history_id, tool_id in through.objects.filter(
            history__in=[r.history_id for r in records]).values_list("history_id", "tool_id"):
        tool_sets[history_id].add(tool_id)
        tool_ids.add(tool_id)
    User = get_user_model()
    names = {**_names(User, [r.owner_id for r in records], "username",
                      organization=organization),
             **_names(Tool, tool_ids, "name", organization=organization)}

    def tool_change(previous, record):
        if previous is None or tool_sets[previous.history_id] == tool_sets[record.history_id]:
            return []

        def label(ids):
            return ", ".join(sorted(names.get((Tool, i), f"#{i}") for i in ids)) or "none"
        return [f"Tools: {label(tool_sets[previous.history_id])} → "
                f"{label(tool_sets[record.history_id])}"]

    fields = ["name", "description", "process", "department", "owner", "status", "start_date",
              "go_live_date", "one_time_cost", "monthly_cost", "hours_saved_per_month",
              "impact", "effort", "automation_level"]
    entries = _entries(records, fields=fields, names=names, extra=tool_change,
                       subject=lambda r: f"Initiative {r.name}")
    entries += _link_entries(organization=organization,
                             link_filter={"initiative_id": initiative.pk})
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:HISTORY_LIMIT]


def tool_history(*, organization, tool) -> list[HistoryEntry]:
    from django.contrib.auth import get_user_model

    records = list(tool.history.filter(organization=organization)
                   .select_related("history_user").order_by("history_date"))
    names = _names(get_user_model(), [r.owner_id for r in records], "username",
                   organization=organization)
    entries = _entries(records, fields=["name", "vendor", "category", "monthly_cost", "seats",
                                        "integration", "owner", "status"],
                       names=names, subject=lambda r: f"Tool {r.name}")
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:HISTORY_LIMIT]


def goal_link_history(*, organization, goal) -> list[HistoryEntry]:
    entries = _link_entries(organization=organization, link_filter={"goal_id": goal.pk})
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:HISTORY_LIMIT]
