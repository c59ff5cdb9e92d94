"""Organizations with scored records of any size, for the dashboard tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alignment_portal.scoring import triggers
from alignment_portal.scoring.snapshots import take_snapshot
from goals import services as goal_services
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


def populate(organization, size: int):
    """`size` of each kind of record: goals (the first three priority goals), initiatives
    (half linked to a goal, half misaligned), metrics with values, tools (half unused), then
    scores and a few snapshots. Returns the active cycle."""
    today = timezone.localdate()
    cycle = CycleFactory(organization=organization, start_date=today - timedelta(days=30),
                         end_date=today + timedelta(days=60), state="active")
    closed = CycleFactory(organization=organization, start_date=today - timedelta(days=130),
                          end_date=today - timedelta(days=31), state="review")
    for i in range(size):
        metric = MetricFactory(organization=organization, frequency="weekly",
                               nature="outcome" if i % 2 else "output")
        for week in range(4 if i % 3 else 0):
            MetricValueFactory(metric=metric, period=today - timedelta(days=7 * week + 1),
                               value=10 + i + week)
        goal = GoalFactory(cycle=cycle, metric=metric, priority_rank=i + 1 if i < 3 else None,
                           baseline_value=5, target_value=50, start_date=cycle.start_date,
                           due_date=cycle.end_date, confidence=70)
        GoalFactory(cycle=closed, title=f"Old goal {i}")
        initiative = InitiativeFactory(organization=organization, monthly_cost=100 + i)
        tool = ToolFactory(organization=organization, category=["crm", "pos"][i % 2])
        if i % 2:
            AlignmentLinkFactory(initiative=initiative, goal=goal)
            MeasurementLinkFactory(initiative=initiative, metric=metric)
            initiative.tools.add(tool)
    # Reviewed and closed through the service, which freezes the cycle's scores.
    goal_services.cycle_review_record(
        cycle=closed, outcomes={g.pk: ("missed", "") for g in closed.goals.all()})
    goal_services.cycle_close(cycle=closed, today=today)
    triggers.run_recompute(organization.pk, force=True)
    for days in (60, 35, 10):
        take_snapshot(organization.pk, today=today - timedelta(days=days))
    return cycle


@pytest.fixture
def scored(tenancy):
    """`tenancy.org` with a few records of each kind, scored; returns the active cycle."""
    return populate(tenancy.org, 4)
