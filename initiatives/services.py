"""Writes for initiatives, tools and the two links. Every write marks the organization for a
score recompute; the link services refuse any record of another organization, whatever the
form that called them let through."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from alignment_portal.organizations.models import Membership, Organization
from alignment_portal.organizations.recompute import request_recompute
from goals.models import Goal
from initiatives.models import (
    AlignmentLink,
    Initiative,
    InitiativeStatus,
    MeasurementLink,
    Tool,
)
from metrics.models import Metric

INITIATIVE_FIELDS = [
    "name", "description", "process", "department", "owner", "status", "start_date",
    "go_live_date", "ramp_up_periods", "one_time_cost", "monthly_cost", "hours_saved_per_month",
    "impact", "effort", "automation_level", "expected_money_per_month",
]
TOOL_FIELDS = ["name", "vendor", "category", "monthly_cost", "seats", "integration", "owner",
               "status", "renewal_date", "billing_period", "notice_period_days"]


def _same_organization(organization: Organization, **records) -> None:
    """Refuse any record (goal, metric, initiative, tool) that belongs elsewhere."""
    for label, record in records.items():
        if record is not None and record.organization_id != organization.pk:
            raise ValidationError(
                {label: gettext("That %(label)s belongs to another organization and cannot be "
                                "used here.") % {"label": label}})


def _owner_is_member(organization: Organization, owner) -> None:
    if owner is not None and not Membership.objects.filter(
            organization=organization, user=owner).exists():
        raise ValidationError(
            {"owner": gettext("The owner must be a member of this organization.")})


def _tools_of(organization: Organization, tools) -> list[Tool]:
    tools = list(tools or [])
    if any(tool.organization_id != organization.pk for tool in tools):
        raise ValidationError({"tools": gettext("A tool of another organization cannot be used "
                                                "here.")})
    return tools


def _clean_and_save(record) -> None:
    record.full_clean()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:  # a concurrent duplicate slipped past full_clean
        raise ValidationError(gettext("This record exists already.")) from exc


# Initiatives

@transaction.atomic
def initiative_create(*, organization: Organization, tools=(), **fields) -> Initiative:
    """Create an initiative with its tools (all of `organization`)."""
    initiative = Initiative(organization=organization,
                            **{k: v for k, v in fields.items() if k in INITIATIVE_FIELDS})
    _owner_is_member(organization, initiative.owner)
    tools = _tools_of(organization, tools)
    _clean_and_save(initiative)
    initiative.tools.set(tools)
    request_recompute(organization)
    return initiative


@transaction.atomic
def initiative_update(*, initiative: Initiative, tools=None, **fields) -> Initiative:
    """Change an initiative's fields, and its tools when `tools` is given."""
    organization = initiative.organization
    for name, value in fields.items():
        if name in INITIATIVE_FIELDS:
            setattr(initiative, name, value)
    _owner_is_member(organization, initiative.owner)
    if tools is not None:
        tools = _tools_of(organization, tools)
    _clean_and_save(initiative)
    if tools is not None:
        initiative.tools.set(tools)
    request_recompute(organization)
    return initiative


@transaction.atomic
def initiative_retire(*, initiative: Initiative) -> Initiative:
    """Retire an initiative: it stays on record with its links and history, but is no longer
    active, so it leaves the matrix and the scores."""
    initiative.status = InitiativeStatus.RETIRED
    initiative.save(update_fields=["status"])
    request_recompute(initiative.organization)
    return initiative


# Tools

@transaction.atomic
def tool_create(*, organization: Organization, **fields) -> Tool:
    tool = Tool(organization=organization, **{k: v for k, v in fields.items() if k in TOOL_FIELDS})
    _owner_is_member(organization, tool.owner)
    _clean_and_save(tool)
    request_recompute(organization)
    return tool


@transaction.atomic
def tool_update(*, tool: Tool, **fields) -> Tool:
    for name, value in fields.items():
        if name in TOOL_FIELDS:
            setattr(tool, name, value)
    _owner_is_member(tool.organization, tool.owner)
    _clean_and_save(tool)
    request_recompute(tool.organization)
    return tool


@transaction.atomic
def tool_delete(*, tool: Tool) -> None:
    """Delete a tool from the inventory; initiatives that used it simply lose it. Its history
    stays."""
    organization = tool.organization
    tool.delete()
    request_recompute(organization)


# Alignment links

@transaction.atomic
def alignment_link_create(*, organization: Organization, initiative: Initiative, goal: Goal,
                          contribution: str, rationale: str,
                          expected_effect: str = "") -> AlignmentLink:
    """Say that `initiative` serves `goal`. Contribution weights: primary 1.0, supporting 0.5,
    indirect 0.25 (DOMAIN.md); the rationale says how the initiative will move the goal."""
    _same_organization(organization, initiative=initiative, goal=goal)
    if AlignmentLink.objects.filter(initiative=initiative, goal=goal).exists():
        raise ValidationError(
            gettext("“%(initiative)s” is already linked to “%(goal)s”: edit that link instead.") % {
                "initiative": initiative, "goal": goal})
    link = AlignmentLink(organization=organization, initiative=initiative, goal=goal,
                         contribution=contribution, rationale=(rationale or "").strip(),
                         expected_effect=(expected_effect or "").strip())
    _clean_and_save(link)
    request_recompute(organization)
    return link


@transaction.atomic
def alignment_link_update(*, link: AlignmentLink, contribution: str, rationale: str,
                          expected_effect: str = "") -> AlignmentLink:
    _same_organization(link.organization, initiative=link.initiative, goal=link.goal)
    link.contribution = contribution
    link.rationale = (rationale or "").strip()
    link.expected_effect = (expected_effect or "").strip()
    _clean_and_save(link)
    request_recompute(link.organization)
    return link


@transaction.atomic
def alignment_link_delete(*, link: AlignmentLink) -> None:
    organization = link.organization
    link.delete()
    request_recompute(organization)


# Measurement links

@transaction.atomic
def measurement_link_create(*, organization: Organization, initiative: Initiative,
                            metric: Metric, role: str) -> MeasurementLink:
    """Say that `metric` measures `initiative`, as its outcome or as its activity."""
    _same_organization(organization, initiative=initiative, metric=metric)
    if MeasurementLink.objects.filter(initiative=initiative, metric=metric).exists():
        raise ValidationError(gettext("“%(metric)s” measures “%(initiative)s” already: change "
                                      "its role instead.") % {
                                          "metric": metric, "initiative": initiative})
    link = MeasurementLink(organization=organization, initiative=initiative, metric=metric,
                           role=role)
    _clean_and_save(link)
    request_recompute(organization)
    return link


@transaction.atomic
def measurement_link_update(*, link: MeasurementLink, role: str) -> MeasurementLink:
    _same_organization(link.organization, initiative=link.initiative, metric=link.metric)
    link.role = role
    _clean_and_save(link)
    request_recompute(link.organization)
    return link


@transaction.atomic
def measurement_link_delete(*, link: MeasurementLink) -> None:
    organization = link.organization
    link.delete()
    request_recompute(organization)

