"""Reads of playbooks: what an organization offers to save, the document made from a
selection, the author's library, and what applying a playbook would do (the preview). Each
reads a fixed number of queries, whatever the number of records."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

from alignment_portal.organizations.models import Organization
from alignment_portal.playbooks import document as playbook_document
from alignment_portal.playbooks.document import name_key
from alignment_portal.playbooks.models import Playbook
from goals.models import Cycle, CycleState, Goal, GoalStatus
from initiatives.models import (
    CONTRIBUTION_LABELS,
    ROLE_LABELS,
    AlignmentLink,
    Initiative,
    InitiativeStatus,
    MeasurementLink,
    Tool,
)
from metrics.models import Metric


def playbooks_of(user):
    return Playbook.objects.filter(author=user).order_by("name", "id")


def playbook_for(*, user, playbook_id: int) -> Playbook:
    """The user's own playbook; anyone else's (or none) is 404."""
    playbook = Playbook.objects.filter(pk=playbook_id, author=user).first()
    if playbook is None:
        raise Http404(gettext("No such playbook"))
    return playbook


# Saving ---------------------------------------------------------------------------------------

@dataclass
class Offer:
    """The records of an organization a playbook can take, by section (id, label)."""

    goals: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    initiatives: list = field(default_factory=list)
    tools: list = field(default_factory=list)

    def ids(self, section: str) -> set[int]:
        return {pk for pk, _ in getattr(self, section)}


def offer(organization: Organization) -> Offer:
    """What can go into a playbook: goals of open cycles that are not archived (one per
    title), metrics not archived, initiatives and tools not retired."""
    goals, seen = [], set()
    for pk, title, cycle in (Goal.objects.filter(organization=organization)
                             .exclude(status=GoalStatus.ARCHIVED)
                             .exclude(cycle__state=CycleState.CLOSED)
                             .order_by("title", "-cycle__start_date")
                             .values_list("pk", "title", "cycle__name")):
        if name_key(title) not in seen:
            seen.add(name_key(title))
            goals.append((pk, f"{title} ({cycle})"))
    return Offer(
        goals=goals,
        metrics=list(Metric.objects.filter(organization=organization, archived_at=None)
                     .order_by("name").values_list("pk", "name")),
        initiatives=list(Initiative.objects.filter(organization=organization)
                         .exclude(status=InitiativeStatus.RETIRED)
                         .order_by("name").values_list("pk", "name")),
        tools=list(Tool.objects.filter(organization=organization).exclude(status="retired")
                   .order_by("name").values_list("pk", "name")),
    )


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def document_from(*, organization: Organization, goal_ids, metric_ids, initiative_ids,
                  tool_ids, include_links: bool, include_money: bool) -> dict:
    """The playbook document of the chosen records of `organization`. Never values, notes or
    people: goals carry no baseline, target, dates, confidence, owner or rank; metrics no
    values or owner; initiatives no status, dates or owner; tools no seats or owner. Money
    (costs, expected hours and money) only with `include_money`. A reference to a record not
    chosen (a goal's metric, an initiative's tool, a link's other end) is left out."""
    available = offer(organization)
    goal_ids = set(goal_ids) & available.ids("goals")
    metric_ids = set(metric_ids) & available.ids("metrics")
    initiative_ids = set(initiative_ids) & available.ids("initiatives")
    tool_ids = set(tool_ids) & available.ids("tools")

    metrics = {m.pk: m for m in Metric.objects.filter(organization=organization,
                                                      pk__in=metric_ids).order_by("name")}
    tools = {t.pk: t for t in Tool.objects.filter(organization=organization,
                                                  pk__in=tool_ids).order_by("name")}
    initiatives = {i.pk: i for i in Initiative.objects.filter(
        organization=organization, pk__in=initiative_ids).prefetch_related("tools")
        .order_by("name")}
    goals = {g.pk: g for g in Goal.objects.filter(organization=organization,
                                                  pk__in=goal_ids).order_by("title")}
    doc = {"format": playbook_document.FORMAT, "version": playbook_document.VERSION,
           "includes_money": include_money}
    doc["metrics"] = [{"name": m.name, "definition": m.definition, "kind": m.kind,
                       "nature": m.nature, "level": m.level, "unit": m.unit,
                       "direction": m.direction, "frequency": m.frequency}
                      for m in metrics.values()]
    doc["tools"] = []
    for t in tools.values():
        row = {"name": t.name, "vendor": t.vendor, "category": t.category,
               "integration": t.integration}
        if include_money:
            row["monthly_cost"] = _money(t.monthly_cost)
        doc["tools"].append(row)
    doc["initiatives"] = []
    for i in initiatives.values():
        row = {"name": i.name, "description": i.description, "process": i.process,
               "department": i.department, "impact": i.impact, "effort": i.effort,
               "automation_level": i.automation_level,
               "tools": sorted(t.name for t in i.tools.all() if t.pk in tools)}
        if include_money:
            row.update(one_time_cost=_money(i.one_time_cost), monthly_cost=_money(i.monthly_cost),
                       hours_saved_per_month=_money(i.hours_saved_per_month),
                       expected_money_per_month=_money(i.expected_money_per_month))
        doc["initiatives"].append(row)
    doc["goals"] = [{"title": g.title, "description": g.description,
                     "why_it_matters": g.why_it_matters, "perspective": g.perspective,
                     "level": g.level, "department": g.department,
                     "metric": metrics[g.metric_id].name if g.metric_id in metrics else None}
                    for g in goals.values()]
    doc["alignment_links"], doc["measurement_links"] = [], []
    if include_links:
        for link in (AlignmentLink.objects.filter(organization=organization,
                                                  initiative_id__in=initiatives,
                                                  goal_id__in=goals).order_by("id")):
            doc["alignment_links"].append({
                "initiative": initiatives[link.initiative_id].name,
                "goal": goals[link.goal_id].title, "contribution": link.contribution,
                "rationale": link.rationale, "expected_effect": link.expected_effect})
        for link in (MeasurementLink.objects.filter(organization=organization,
                                                    initiative_id__in=initiatives,
                                                    metric_id__in=metrics).order_by("id")):
            doc["measurement_links"].append({
                "initiative": initiatives[link.initiative_id].name,
                "metric": metrics[link.metric_id].name, "role": link.role})
    return doc


# Applying: the preview ------------------------------------------------------------------------

CREATE, REUSE = "create", "reuse"
SECTION_LABELS = {"metrics": gettext_lazy("Metric definitions"), "tools": gettext_lazy("Tools"),
                  "initiatives": gettext_lazy("Initiatives"),
                  "goals": gettext_lazy("Goals (as drafts)"),
                  "alignment_links": gettext_lazy("Alignment links"),
                  "measurement_links": gettext_lazy("Measurement links")}


@dataclass
class PlanItem:
    section: str
    label: str  # what the playbook calls it
    action: str  # CREATE or REUSE
    existing: str = ""  # the record it matches, as the organization calls it
    detail: str = ""
    key: str = ""  # what the digest reads instead of a label worded for the reader


@dataclass
class Plan:
    """What applying a playbook to an organization (and cycle) would do. `matches` maps each
    section's name keys to the ids of the organization's records reused."""

    items: list[PlanItem]
    matches: dict[str, dict[str, int]]
    cycle: Cycle | None

    def section(self, name: str) -> list[PlanItem]:
        return [item for item in self.items if item.section == name]

    @property
    def sections(self) -> list[tuple[str, str, list[PlanItem]]]:
        return [(name, label, self.section(name)) for name, label in SECTION_LABELS.items()
                if self.section(name)]

    @property
    def created(self) -> int:
        return sum(1 for item in self.items if item.action == CREATE)

    @property
    def reused(self) -> int:
        return sum(1 for item in self.items if item.action == REUSE)

    @property
    def digest(self) -> str:
        """Changes when what applying would do changes: the confirmation carries it, so an
        organization that moved on since the preview is previewed again, not applied."""
        import hashlib

        text = "|".join(f"{i.section}:{name_key(i.key or i.label)}:{i.action}:"
                        f"{i.key or i.existing}" for i in self.items)
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def plan_application(*, organization: Organization | None, cycle: Cycle | None,
                     content: dict) -> Plan:
    """Match each record of the (validated) playbook with the organization's records by name,
    ignoring case and spacing (goals only within `cycle`): a match is reused as it is, never
    changed; the rest is created. Links are created only where the pair is not linked already.
    With no organization (a new client) or no cycle (a new one), nothing matches there."""
    def by_name(rows):
        found = {}
        for pk, name in rows:
            found.setdefault(name_key(name), (pk, name))
        return found

    if organization is None:
        metrics = tools = initiatives = goals = {}
        aligned = measured = set()
    else:
        metrics = by_name(Metric.objects.filter(organization=organization)
                          .order_by("archived_at", "pk").values_list("pk", "name"))
        tools = by_name(Tool.objects.filter(organization=organization).order_by("pk")
                        .values_list("pk", "name"))
        initiatives = by_name(Initiative.objects.filter(organization=organization)
                              .exclude(status=InitiativeStatus.RETIRED).order_by("pk")
                              .values_list("pk", "name"))
        goals = (by_name(Goal.objects.filter(organization=organization, cycle=cycle)
                         .order_by("pk").values_list("pk", "title")) if cycle else {})
        aligned = set(AlignmentLink.objects.filter(organization=organization)
                      .values_list("initiative_id", "goal_id"))
        measured = set(MeasurementLink.objects.filter(organization=organization)
                       .values_list("initiative_id", "metric_id"))
    items, matches = [], {"metrics": {}, "tools": {}, "initiatives": {}, "goals": {}}

    def match(section, found, label):
        hit = found.get(name_key(label))
        if hit is None:
            items.append(PlanItem(section, label, CREATE))
        else:
            matches[section][name_key(label)] = hit[0]
            items.append(PlanItem(section, label, REUSE, existing=hit[1]))

    for m in content["metrics"]:
        match("metrics", metrics, m["name"])
    for t in content["tools"]:
        match("tools", tools, t["name"])
    for i in content["initiatives"]:
        match("initiatives", initiatives, i["name"])
    for g in content["goals"]:
        match("goals", goals, g["title"])
    for link in content["alignment_links"]:
        pair = (matches["initiatives"].get(name_key(link["initiative"])),
                matches["goals"].get(name_key(link["goal"])))
        label = f"{link['initiative']} → {link['goal']}"
        if None not in pair and pair in aligned:
            items.append(PlanItem("alignment_links", label, REUSE, existing=label,
                                  detail=gettext("already linked; its contribution and "
                                                 "rationale stay as they are")))
        else:
            items.append(PlanItem("alignment_links", label, CREATE, detail=str(
                CONTRIBUTION_LABELS.get(link["contribution"], link["contribution"]))))
    for link in content["measurement_links"]:
        pair = (matches["initiatives"].get(name_key(link["initiative"])),
                matches["metrics"].get(name_key(link["metric"])))
        key = f"{link['metric']} measures {link['initiative']}"
        label = gettext("%(metric)s measures %(initiative)s") % {
            "metric": link["metric"], "initiative": link["initiative"]}
        if None not in pair and pair in measured:
            items.append(PlanItem("measurement_links", label, REUSE, existing=label, key=key,
                                  detail=gettext("already measured; its role stays as it is")))
        else:
            items.append(PlanItem("measurement_links", label, CREATE, key=key, detail=str(
                ROLE_LABELS.get(link["role"], link["role"]))))
    return Plan(items=items, matches=matches, cycle=cycle)
