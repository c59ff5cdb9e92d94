"""The domain's rules (alignment_portal/scoring/rules.py): one definition each, matching the
models' choices, read the same way by pandas scoring, ORM filters and model properties."""

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from alignment_portal.scoring import rules
from goals.models import CycleState, Goal, GoalStatus
from initiatives.models import Contribution, Initiative, InitiativeStatus, ToolStatus
from metrics.models import Frequency, Metric
from tests.factories import CycleFactory, GoalFactory, InitiativeFactory

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_names_real_choices():
    assert rules.ACTIVE_GOAL_STATUSES <= set(GoalStatus.values)
    assert rules.CLOSED_CYCLE_STATES <= set(CycleState.values)
    assert rules.CURRENT_CYCLE_STATE in CycleState.values
    assert rules.ACTIVE_INITIATIVE_STATUSES <= set(InitiativeStatus.values)
    assert rules.LIVE_INITIATIVE_STATUS in rules.ACTIVE_INITIATIVE_STATUSES
    assert rules.ACTIVE_TOOL_STATUSES <= set(ToolStatus.values)
    assert set(rules.CONTRIBUTION_WEIGHT) == set(Contribution.values)
    assert set(rules.FREQUENCY_WINDOW_DAYS) == set(Frequency.values)


def test_the_spec_numbers():
    assert rules.ACTIVE_INITIATIVE_STATUSES == set(InitiativeStatus.values) - {"idea", "retired"}
    assert [rules.freshness_limit_days(f) for f in ("weekly", "monthly", "quarterly")] == [
        10.5, 46.5, 138.0]
    assert rules.goal_weight("active", "active", 1) == 1.0
    assert rules.goal_weight("active", "planning", 1) == 0.7  # a priority of a later cycle
    assert rules.goal_weight("active", "closed", 1) == 0.0
    assert rules.goal_weight("draft", "active", None) == 0.0


def test_freshness_counts_the_grace_inclusively():
    today = date(2026, 12, 1)
    assert rules.is_fresh(today - timedelta(days=10), "weekly", today)
    assert not rules.is_fresh(today - timedelta(days=11), "weekly", today)
    assert not rules.is_fresh(None, "weekly", today)


@pytest.mark.django_db
def test_orm_filters_agree_with_the_rule(tenancy):
    org = tenancy.org
    open_cycle = CycleFactory(organization=org, state=CycleState.ACTIVE)
    closed_cycle = CycleFactory(organization=org, state=CycleState.CLOSED, name="Old")
    goals = [GoalFactory(organization=org, cycle=cycle, status=status, title=f"{status} {n}")
             for n, cycle in enumerate((open_cycle, closed_cycle))
             for status in GoalStatus.values]
    expected = {g.pk for g in goals if rules.goal_is_active(g.status, g.cycle.state)}
    assert set(Goal.objects.filter(organization=org).active().values_list("pk", flat=True)) \
        == expected and len(expected) == 1
    initiatives = [InitiativeFactory(organization=org, status=s, name=s)
                   for s in InitiativeStatus.values]
    assert {i.pk for i in Initiative.objects.filter(organization=org).active()} == {
        i.pk for i in initiatives if i.is_active} == {
        i.pk for i in initiatives if i.status in rules.ACTIVE_INITIATIVE_STATUSES}


def test_model_properties_read_the_rules():
    metric = Metric(frequency="quarterly")
    assert metric.freshness_limit_days == rules.freshness_limit_days("quarterly") == 138
    assert metric.is_fresh(date(2026, 1, 1), today=date(2026, 5, 19))
    assert not metric.is_fresh(date(2026, 1, 1), today=date(2026, 5, 20))


def test_pure_scoring_imports_no_django_model_module():
    """compute.score and everything it calls load without Django settings: the pure code
    reads rules.py, never a models module."""
    code = ("import sys; import alignment_portal.scoring.compute; "
            "bad = sorted(m for m in sys.modules if m.startswith('django.db') or "
            "m.endswith('.models')); print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
