"""A small plan in `tenancy.org` (the bakery's morning queue) to save as a playbook."""

from datetime import date
from types import SimpleNamespace

import pytest

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


@pytest.fixture
def plan(tenancy):
    return build_plan(tenancy.org, tenancy.user("owner"))


def build_plan(org, owner):
    cycle = CycleFactory(organization=org, name="2026 Q4", state="active")
    wait = MetricFactory(organization=org, name="Customer wait time at peak", unit="minutes",
                         direction="lower", frequency="weekly", owner=owner,
                         definition="Minutes from joining the queue to being served, 7-9am.")
    for week in range(6):
        MetricValueFactory(metric=wait, period=date(2026, 10, 5 + 7 * week)
                           if week < 4 else date(2026, 11, 2 + 7 * (week - 4)),
                           value=12 - week, note="from the till")
    tickets = ToolFactory(organization=org, name="Qmatic", category="scheduling",
                          monthly_cost=30, vendor="Qmatic AB", owner=owner, seats=4)
    goal = GoalFactory(cycle=cycle, title="Cut the morning wait to 5 minutes", metric=wait,
                       baseline_value=12, target_value=5, priority_rank=1, owner=owner,
                       confidence=70, start_date=date(2026, 10, 1), due_date=date(2026, 12, 31),
                       level="strategic", perspective="customer")
    queue = InitiativeFactory(organization=org, name="Queue tickets", status="live",
                              monthly_cost=40, one_time_cost=300, hours_saved_per_month=6,
                              owner=owner, description="Customers take a ticket and sit down.")
    queue.tools.set([tickets])
    AlignmentLinkFactory(initiative=queue, goal=goal, contribution="primary",
                         rationale="Tickets let customers wait seated while orders are packed.")
    MeasurementLinkFactory(initiative=queue, metric=wait, role="outcome")
    return SimpleNamespace(org=org, cycle=cycle, metric=wait, tool=tickets, goal=goal,
                           initiative=queue)


def save_everything(author, plan, **options):
    from alignment_portal.playbooks import selectors, services

    offer = selectors.offer(plan.org)
    return services.playbook_save(
        author=author, organization=plan.org, name=options.pop("name", "Morning queue"),
        goal_ids=offer.ids("goals"), metric_ids=offer.ids("metrics"),
        initiative_ids=offer.ids("initiatives"), tool_ids=offer.ids("tools"), **options)
