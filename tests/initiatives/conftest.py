"""One of each record the initiatives app shows, in each of the two organizations."""

from dataclasses import dataclass

import pytest

from tests.factories import (
    AlignmentLinkFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    ToolFactory,
)


@dataclass
class Records:
    tool: object
    initiative: object
    goal: object
    metric: object
    link: object
    measure: object


def build_records(organization) -> Records:
    tool = ToolFactory(organization=organization, name=f"{organization.slug} CRM")
    initiative = InitiativeFactory(organization=organization, name=f"{organization.slug} bot")
    initiative.tools.add(tool)
    goal = GoalFactory(cycle__organization=organization, title=f"{organization.slug} goal")
    metric = MetricFactory(organization=organization, name=f"{organization.slug} metric")
    link = AlignmentLinkFactory(initiative=initiative, goal=goal)
    measure = MeasurementLinkFactory(initiative=initiative, metric=metric)
    return Records(tool, initiative, goal, metric, link, measure)


@pytest.fixture
def mine(tenancy) -> Records:
    return build_records(tenancy.org)


@pytest.fixture
def theirs(tenancy) -> Records:
    return build_records(tenancy.other_org)
