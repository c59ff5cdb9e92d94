"""A small plan in an organization, scored: two goals (one a priority), a measured and aligned
initiative, a misaligned one, and two CRMs of which one is shelfware."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from alignment_portal.scenarios.models import Scenario
from alignment_portal.scoring.triggers import run_recompute
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
    ToolFactory,
)


@dataclass
class Plan:
    organization: object
    cycle: object
    goal: object  # priority 1, served by `aligned`
    orphan_goal: object
    aligned: object
    misaligned: object
    used_tool: object
    shelfware: object
    link: object


def build_plan(organization, prefix: str = "") -> Plan:
    today = timezone.localdate()
    cycle = CycleFactory(organization=organization, start_date=today - timedelta(days=30),
                         end_date=today + timedelta(days=60), state="active")
    metric = MetricFactory(organization=organization, name=f"{prefix}Wait at peak")
    for weeks in range(3):
        MetricValueFactory(metric=metric, period=(today - timedelta(weeks=weeks)).replace(day=1)
                           if weeks == 0 else today - timedelta(days=31 * weeks + 1))
    goal = GoalFactory(cycle=cycle, title=f"{prefix}Cut the wait at peak to 8 minutes",
                       priority_rank=1, metric=metric, baseline_value=12, target_value=8,
                       start_date=cycle.start_date, due_date=cycle.end_date, confidence=70)
    orphan = GoalFactory(cycle=cycle, title=f"{prefix}Keep 90 % of clients through renewal")
    crm_a = ToolFactory(organization=organization, name=f"{prefix}CRM A", integration="api")
    crm_b = ToolFactory(organization=organization, name=f"{prefix}CRM B", monthly_cost=40)
    aligned = InitiativeFactory(organization=organization, name=f"{prefix}Queue kiosk")
    aligned.tools.add(crm_a)
    MeasurementLinkFactory(initiative=aligned, metric=metric)
    misaligned = InitiativeFactory(organization=organization, name=f"{prefix}Newsletter",
                                   monthly_cost=60)
    link = AlignmentLinkFactory(initiative=aligned, goal=goal)
    run_recompute(organization.pk, force=True)
    organization.refresh_from_db()
    return Plan(organization, cycle, goal, orphan, aligned, misaligned, crm_a, crm_b, link)


def forget_plans() -> None:
    """Empty the plan cache, shared and this process's (selectors.plan_of)."""
    from django.core.cache import cache

    from alignment_portal.scenarios import selectors

    cache.clear()
    selectors._local_plans.clear()


@pytest.fixture(autouse=True)
def _no_cached_plans():
    forget_plans()
    yield
    forget_plans()


@pytest.fixture
def plan(tenancy) -> Plan:
    return build_plan(tenancy.org)


@pytest.fixture
def other_plan(tenancy) -> Plan:
    return build_plan(tenancy.other_org, prefix="Other ")


@pytest.fixture
def scenario(tenancy, plan) -> Scenario:
    return Scenario.objects.create(organization=tenancy.org, name="Tidy up",
                                   author=tenancy.user("consultant"))
