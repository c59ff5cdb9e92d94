"""Writes for scenarios. Keeping a scenario changes nothing in the plan (no recompute);
applying it makes its changes through the ordinary services, in one transaction."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.organizations.models import Organization
from alignment_portal.scenarios import history
from alignment_portal.scenarios.apply import NEW_INITIATIVE_STATUS, Change, apply_changes
from alignment_portal.scenarios.intake import describe, describe_stored
from alignment_portal.scenarios.models import (
    MAX_CHANGES,
    MAX_NAME_LENGTH,
    Scenario,
    ScenarioChange,
)
from alignment_portal.scenarios.selectors import as_change, changes_of
from alignment_portal.scoring.engine import load_frames
from alignment_portal.scoring.frames import OrgFrames
from goals import services as goal_services
from goals.models import Goal
from initiatives import services as initiative_services
from initiatives.models import AlignmentLink, Initiative, Tool, ToolStatus


class ScenarioRefused(Exception):
    """The scenario cannot be applied; `reasons` says why, change by change."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("Name the scenario.")})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": gettext("At most %(max_name_length)s characters.") % {
            "max_name_length": MAX_NAME_LENGTH}})
    return name


def _refuse_applied(scenario: Scenario) -> None:
    if scenario.is_applied:
        raise ValidationError(gettext("This scenario has been applied: it is kept as a record "
                                      "and cannot change. Start a new one."))


@transaction.atomic
def scenario_create(*, organization: Organization, author, name: str) -> Scenario:
    scenario = Scenario(organization=organization, author=author, name=_clean_name(name))
    scenario.full_clean()
    scenario.save()
    return scenario


@transaction.atomic
def scenario_update(*, scenario: Scenario, name: str | None = None,
                    shared: bool | None = None) -> Scenario:
    """Rename a scenario, or share it with the organization's members (or stop sharing)."""
    _refuse_applied(scenario)
    if name is not None:
        scenario.name = _clean_name(name)
    if shared is not None:
        scenario.shared = shared
    scenario.updated_at = timezone.now()
    scenario.full_clean()
    scenario.save(update_fields=["name", "shared", "updated_at"])
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario) -> None:
    scenario.delete()


@transaction.atomic
def change_add(*, scenario: Scenario, change: Change, frames: OrgFrames | None = None
               ) -> ScenarioChange:
    """Add `change` (its ids already checked to be the organization's, see intake.py) at the
    end of the scenario. Refused with the reason when it does not fit the plan as the
    scenario's earlier changes leave it (the link exists already, the rank is taken, ...)."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    _refuse_applied(scenario)
    rows = changes_of(scenario)
    if len(rows) >= MAX_CHANGES:
        raise ValidationError(gettext("A scenario holds at most %(max_changes)s changes: start "
                                      "another one, or remove some.") % {
                                          "max_changes": MAX_CHANGES})
    frames = frames if frames is not None else load_frames(scenario.organization_id)
    _, problems = apply_changes(frames, [*map(as_change, rows), change])
    if problems[-1]:
        raise ValidationError(problems[-1])
    row = ScenarioChange(
        organization_id=scenario.organization_id, scenario=scenario, type=change.type,
        initiative_id=change.initiative, goal_id=change.goal, tool_id=change.tool,
        contribution=change.contribution, rationale=change.rationale, status=change.status,
        rank=change.rank, name=change.name,
        monthly_cost=Decimal(str(change.monthly_cost)) if change.type == "new_initiative"
        else None,
        one_time_cost=Decimal(str(change.one_time_cost)) if change.type == "new_initiative"
        else None,
        links=[{"goal": link.goal, "contribution": link.contribution,
                "rationale": link.rationale} for link in change.links],
        description=describe(change, frames, scenario.organization.currency))
    row.full_clean()
    row.save()
    Scenario.objects.filter(pk=scenario.pk).update(updated_at=timezone.now())
    return row


@transaction.atomic
def change_remove(*, change: ScenarioChange) -> None:
    scenario = Scenario.objects.select_for_update().get(pk=change.scenario_id)
    _refuse_applied(scenario)
    change.delete()
    Scenario.objects.filter(pk=scenario.pk).update(updated_at=timezone.now())


@dataclass
class Applied:
    scenario: Scenario
    made: list[str]  # each change, in words


def _make(organization: Organization, row: ScenarioChange) -> None:
    """One change through the ordinary service (which validates it again and requests the
    recompute)."""
    kind = row.type
    if kind == "link":
        initiative_services.alignment_link_create(
            organization=organization, initiative=_get(Initiative, organization, row.initiative_id),
            goal=_get(Goal, organization, row.goal_id), contribution=row.contribution,
            rationale=row.rationale)
    elif kind == "unlink":
        link = AlignmentLink.objects.filter(organization=organization,
                                            initiative_id=row.initiative_id,
                                            goal_id=row.goal_id).first()
        if link is None:
            raise ValidationError(gettext("The link is gone already."))
        initiative_services.alignment_link_delete(link=link)
    elif kind == "initiative_status":
        initiative = _get(Initiative, organization, row.initiative_id)
        initiative_services.initiative_update(initiative=initiative, status=row.status)
    elif kind == "retire_tool":
        initiative_services.tool_update(tool=_get(Tool, organization, row.tool_id),
                                        status=ToolStatus.RETIRED)
    elif kind == "priority":
        goal = _get(Goal, organization, row.goal_id)
        if row.rank is None:
            goal_services.goal_drop_priority(goal=goal)
        else:
            goal_services.goal_update(goal=goal, priority_rank=row.rank)
    elif kind == "new_initiative":
        initiative = initiative_services.initiative_create(
            organization=organization, name=row.name, status=NEW_INITIATIVE_STATUS,
            monthly_cost=row.monthly_cost or 0, one_time_cost=row.one_time_cost or 0)
        for link in row.links:
            initiative_services.alignment_link_create(
                organization=organization, initiative=initiative,
                goal=_get(Goal, organization, link["goal"]),
                contribution=link["contribution"], rationale=link["rationale"])


def _get(model, organization: Organization, pk):
    record = model.objects.filter(organization=organization, pk=pk).first() if pk else None
    if record is None:
        raise ValidationError(gettext("Its %(verbose_name)s no longer exists.") % {
            "verbose_name": model._meta.verbose_name})
    return record


@transaction.atomic
def scenario_apply(*, scenario: Scenario, user) -> Applied:
    """Make every change of the scenario in the plan, or none: each is checked again against
    the plan as it is now (a record deleted, a link made meanwhile, a rank taken) and made
    through the ordinary services, which validate it once more. Any refusal rolls everything
    back and raises ScenarioRefused with the reasons. History records the scenario as the
    reason of each change."""
    scenario = Scenario.objects.select_for_update().select_related("organization").get(
        pk=scenario.pk)
    if scenario.is_applied:
        raise ScenarioRefused([gettext("This scenario has been applied already.")])
    organization = scenario.organization
    rows = changes_of(scenario)
    if not rows:
        raise ScenarioRefused([gettext("The scenario has no change to apply.")])
    frames = load_frames(organization.pk)
    changes = [as_change(r) for r in rows]
    _, problems = apply_changes(frames, changes)
    # Each refused change as its reader words it (the reasons are shown to whoever applies).
    said = {row.pk: describe_stored(change, row.description, frames, organization.currency)
            for row, change in zip(rows, changes, strict=True)}
    reasons = [f"{said[row.pk]}: {problem}" for row, problem in zip(rows, problems,
                                                                     strict=True) if problem]
    if reasons:
        raise ScenarioRefused(reasons)
    with history.change_reason(history.reason_for(scenario)):
        for row in rows:
            try:
                _make(organization, row)
            except ValidationError as exc:
                # Raising leaves this atomic block: everything made so far is rolled back.
                raise ScenarioRefused([f"{said[row.pk]}: {' '.join(exc.messages)}"]) from exc
    scenario.applied_at = timezone.now()
    scenario.applied_by = user
    scenario.updated_at = scenario.applied_at
    scenario.save(update_fields=["applied_at", "applied_by", "updated_at"])
    return Applied(scenario, [row.description for row in rows])
