"""Helpers on top of tests/factories.py for the goals tests."""

from datetime import date

from tests.factories import CycleFactory, GoalFactory, MetricFactory


def smart_goal(cycle, **overrides):
    """A goal that passes all five SMART criteria."""
    metric = overrides.pop("metric", None) or MetricFactory(organization=cycle.organization)
    fields = {
        "cycle": cycle, "metric": metric, "baseline_value": 10, "target_value": 20,
        "confidence": 70, "level": "strategic", "start_date": cycle.start_date,
        "due_date": cycle.end_date, "status": "active",
    }
    fields.update(overrides)
    return GoalFactory(**fields)


def planning_cycle(organization, name="2027 Q1", start=date(2027, 1, 1), end=date(2027, 3, 31),
                   state="planning"):
    return CycleFactory(organization=organization, name=name, start_date=start, end_date=end,
                        state=state)
