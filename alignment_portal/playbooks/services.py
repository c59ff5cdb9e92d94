"""Writes of playbooks: save one from an organization, rename or describe it, delete it, and
apply it to an organization (an existing client, or a new one created on the way).

Applying goes through the domain apps' own services, so every record is validated as if typed,
its history is written, and the organization is marked for recompute; it runs in one
transaction, so a record refused anywhere leaves nothing behind."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.organizations import services as organization_services
from alignment_portal.organizations.models import Organization
from alignment_portal.playbooks import selectors
from alignment_portal.playbooks.document import PlaybookDocumentError, name_key
from alignment_portal.playbooks.models import Playbook, PlaybookApplication
from goals import services as goal_services
from goals.models import Cycle, CycleState, Goal, GoalStatus
from initiatives import services as initiative_services
from initiatives.models import Initiative, InitiativeStatus, Tool, ToolStatus
from metrics import services as metric_services
from metrics.models import Metric

# What a playbook's records become in the client: goals are drafts (DOMAIN.md), initiatives
# are planned (active, so the matrix and the flags show what the plan still needs), tools are
# on trial (not bought yet, so they count as neither spend nor shelfware).
APPLIED_INITIATIVE_STATUS = InitiativeStatus.PLANNED
APPLIED_TOOL_STATUS = ToolStatus.TRIAL


def _unique_name_error(name: str) -> ValidationError:
    return ValidationError({"name": gettext("You have a playbook named “%(name)s” already: "
                                            "choose another name.") % {"name": name}})


@transaction.atomic
def playbook_save(*, author, organization: Organization, name: str, description: str = "",
                  goal_ids=(), metric_ids=(), initiative_ids=(), tool_ids=(),
                  include_links: bool = True, include_money: bool = False) -> Playbook:
    """Save the chosen records of `organization` as a playbook of `author` (see
    selectors.document_from for what goes in and what never does)."""
    doc = selectors.document_from(
        organization=organization, goal_ids=goal_ids, metric_ids=metric_ids,
        initiative_ids=initiative_ids, tool_ids=tool_ids, include_links=include_links,
        include_money=include_money)
    if not any(doc[s] for s in ("metrics", "tools", "initiatives", "goals")):
        raise ValidationError(gettext("Choose at least one goal, metric, initiative or tool."))
    playbook = Playbook(author=author, name=(name or "").strip(),
                        description=(description or "").strip(), document=doc,
                        source_organization=organization, source_name=organization.name)
    if Playbook.objects.filter(author=author, name__iexact=playbook.name).exists():
        raise _unique_name_error(playbook.name)
    playbook.full_clean()
    try:
        with transaction.atomic():
            playbook.save()
    except IntegrityError:
        raise _unique_name_error(playbook.name) from None
    return playbook


@transaction.atomic
def playbook_update(*, playbook: Playbook, name: str, description: str) -> Playbook:
    """Rename or describe a playbook (its author's, which the view has checked)."""
    playbook.name, playbook.description = (name or "").strip(), (description or "").strip()
    if (Playbook.objects.filter(author_id=playbook.author_id, name__iexact=playbook.name)
            .exclude(pk=playbook.pk).exists()):
        raise _unique_name_error(playbook.name)
    playbook.updated_at = timezone.now()
    playbook.full_clean(exclude=["document"])
    playbook.save(update_fields=["name", "description", "updated_at"])
    return playbook


@transaction.atomic
def playbook_delete(*, playbook: Playbook) -> None:
    playbook.delete()


# Applying -------------------------------------------------------------------------------------

class PlanChanged(ValidationError):
    """The organization moved on between the preview and the confirmation."""


@dataclass
class ApplyResult:
    organization: Organization
    cycle: Cycle
    created: int
    reused: int
    application: PlaybookApplication


def content_of(playbook: Playbook) -> dict:
    try:
        return playbook.content()
    except PlaybookDocumentError as exc:
        raise ValidationError("This playbook cannot be read: " + "; ".join(exc.problems)
                              ) from None


def _money(row: dict, key: str) -> Decimal:
    return Decimal(row.get(key, "0"))


def _create_records(*, organization: Organization, cycle: Cycle, content: dict,
                    plan: selectors.Plan) -> None:
    """Create what the plan says is missing, through the domain services; reuse the rest."""
    matches = plan.matches
    metrics = {k: Metric.objects.get(pk=pk, organization=organization)
               for k, pk in matches["metrics"].items()}
    for row in content["metrics"]:
        if name_key(row["name"]) not in metrics:
            metrics[name_key(row["name"])] = metric_services.metric_create(
                organization=organization, **row)
    tools = {k: Tool.objects.get(pk=pk, organization=organization)
             for k, pk in matches["tools"].items()}
    for row in content["tools"]:
        if name_key(row["name"]) not in tools:
            tools[name_key(row["name"])] = initiative_services.tool_create(
                organization=organization, name=row["name"], vendor=row["vendor"],
                category=row["category"], integration=row["integration"],
                monthly_cost=_money(row, "monthly_cost"), status=APPLIED_TOOL_STATUS)
    initiatives = {k: Initiative.objects.get(pk=pk, organization=organization)
                   for k, pk in matches["initiatives"].items()}
    for row in content["initiatives"]:
        if name_key(row["name"]) in initiatives:
            continue  # reused as it is: its tools are not changed either
        initiatives[name_key(row["name"])] = initiative_services.initiative_create(
            organization=organization, name=row["name"], description=row["description"],
            process=row["process"], department=row["department"], impact=row["impact"],
            effort=row["effort"], automation_level=row["automation_level"],
            status=APPLIED_INITIATIVE_STATUS,
            one_time_cost=_money(row, "one_time_cost"), monthly_cost=_money(row, "monthly_cost"),
            hours_saved_per_month=_money(row, "hours_saved_per_month"),
            expected_money_per_month=_money(row, "expected_money_per_month"),
            tools=[tools[name_key(t)] for t in row["tools"]])
    goals = {k: Goal.objects.get(pk=pk, organization=organization)
             for k, pk in matches["goals"].items()}
    for row in content["goals"]:
        if name_key(row["title"]) in goals:
            continue
        metric = metrics[name_key(row["metric"])] if row["metric"] else None
        goals[name_key(row["title"])] = goal_services.goal_create(
            organization=organization, cycle=cycle, title=row["title"],
            description=row["description"], why_it_matters=row["why_it_matters"],
            perspective=row["perspective"], level=row["level"], department=row["department"],
            metric=metric, status=GoalStatus.DRAFT)
    for item, row in zip(plan.section("alignment_links"), content["alignment_links"],
                         strict=True):
        if item.action == selectors.CREATE:
            initiative_services.alignment_link_create(
                organization=organization, initiative=initiatives[name_key(row["initiative"])],
                goal=goals[name_key(row["goal"])], contribution=row["contribution"],
                rationale=row["rationale"], expected_effect=row["expected_effect"])
    for item, row in zip(plan.section("measurement_links"), content["measurement_links"],
                         strict=True):
        if item.action == selectors.CREATE:
            initiative_services.measurement_link_create(
                organization=organization, initiative=initiatives[name_key(row["initiative"])],
                metric=metrics[name_key(row["metric"])], role=row["role"])


def _record(*, organization, playbook, user, cycle, plan) -> PlaybookApplication:
    return PlaybookApplication.objects.create(
        organization=organization, playbook=playbook, playbook_name=playbook.name,
        applied_by=user, cycle=cycle, created=plan.created, reused=plan.reused)


def _labelled(exc: ValidationError) -> ValidationError:
    """A refusal from a domain service, said as the playbook's: nothing was applied."""
    return ValidationError("Nothing was applied: " + "; ".join(exc.messages))


@transaction.atomic
def playbook_apply(*, playbook: Playbook, organization: Organization, cycle: Cycle | None,
                   user, expected_digest: str | None = None,
                   today: date | None = None) -> ApplyResult:
    """Apply `playbook` to `organization`: its goals land as drafts in `cycle` (an open cycle
    of the organization; None creates the next fiscal quarter). Records that match by name are
    reused and never changed. With `expected_digest` (the preview's), refuses with PlanChanged
    when applying would now do something else than the preview said."""
    content = content_of(playbook)
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if cycle is not None:
        cycle = Cycle.objects.select_for_update().filter(pk=cycle.pk,
                                                         organization=organization).first()
        if cycle is None or cycle.state == CycleState.CLOSED:
            raise ValidationError({"cycle": gettext("Choose an open cycle of this organization: "
                                                    "a closed cycle's goals cannot change.")})
    plan = selectors.plan_application(organization=organization, cycle=cycle, content=content)
    if expected_digest is not None and plan.digest != expected_digest:
        raise PlanChanged("The organization changed since the preview: look at the preview "
                          "again before applying.")
    try:
        with transaction.atomic():
            if cycle is None:
                cycle = goal_services.cycle_create_next_quarter(
                    organization=organization, today=today or timezone.localdate())
            _create_records(organization=organization, cycle=cycle, content=content, plan=plan)
    except ValidationError as exc:
        raise _labelled(exc) from None
    application = _record(organization=organization, playbook=playbook, user=user, cycle=cycle,
                          plan=plan)
    return ApplyResult(organization, cycle, plan.created, plan.reused, application)


@transaction.atomic
def playbook_apply_to_new_organization(*, playbook: Playbook, user, name: str,
                                       fiscal_year_start_month: int = 1, currency: str = "USD",
                                       today: date | None = None) -> ApplyResult:
    """Create a client organization (its creator its owner, as "New organization" does) and
    apply `playbook` to it, its goals in a new cycle for the current fiscal quarter; all in
    one transaction."""
    content = content_of(playbook)
    try:
        organization = organization_services.organization_create(
            name=name, owner=user, fiscal_year_start_month=fiscal_year_start_month,
            currency=currency)
    except ValidationError:
        raise
    today = today or timezone.localdate()
    plan = selectors.plan_application(organization=None, cycle=None, content=content)
    try:
        with transaction.atomic():
            cycle = goal_services.cycle_create_next_quarter(organization=organization,
                                                            today=today)
            _create_records(organization=organization, cycle=cycle, content=content, plan=plan)
    except ValidationError as exc:
        raise _labelled(exc) from None
    application = _record(organization=organization, playbook=playbook, user=user, cycle=cycle,
                          plan=plan)
    return ApplyResult(organization, cycle, plan.created, plan.reused, application)
