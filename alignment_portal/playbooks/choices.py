"""The coded values a playbook may carry, from the models' own choices."""

from functools import cache

from alignment_portal.playbooks.document import Choices
from goals.models import GoalLevel, Perspective
from initiatives.models import AutomationLevel, Contribution, Integration, MetricRole, ToolCategory
from metrics.models import Direction, Frequency, Kind, Level, Nature, Unit


@cache
def model_choices() -> Choices:
    return Choices(
        metric_kind=frozenset(Kind.values), metric_nature=frozenset(Nature.values),
        metric_level=frozenset(Level.values), unit=frozenset(Unit.values),
        direction=frozenset(Direction.values), frequency=frozenset(Frequency.values),
        tool_category=frozenset(ToolCategory.values),
        integration=frozenset(Integration.values), perspective=frozenset(Perspective.values),
        goal_level=frozenset(GoalLevel.values), contribution=frozenset(Contribution.values),
        metric_role=frozenset(MetricRole.values),
        automation_level=frozenset(AutomationLevel.values),
    )
