"""Records that match by name (case and spacing ignored) are reused and never changed."""

from datetime import date

import pytest

from alignment_portal.playbooks import selectors, services
from goals.models import Goal
from initiatives.models import AlignmentLink, Initiative, MeasurementLink, Tool
from metrics.models import Metric
from tests.factories import (
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MetricFactory,
    ToolFactory,
)
from tests.playbooks.conftest import save_everything


@pytest.fixture
def client_b(tenancy):
    b = tenancy.other_org
    cycle = CycleFactory(organization=b, name="2027 Q1", state="planning",
                         start_date=date(2027, 1, 1), end_date=date(2027, 3, 31))
    metric = MetricFactory(organization=b, name="customer WAIT time  at peak",
                           definition="Their own definition.", unit="count")
    tool = ToolFactory(organization=b, name="QMATIC", monthly_cost=99, status="active",
                       category="other")
    other = ToolFactory(organization=b, name="Their till", category="pos")
    initiative = InitiativeFactory(organization=b, name="  queue Tickets ", status="live",
                                   description="Theirs.", monthly_cost=12)
    initiative.tools.set([other])
    return b, cycle, metric, tool, initiative


def test_preview_lists_what_is_created_and_what_is_reused(tenancy, plan, client_b):
    b, cycle, metric, tool, initiative = client_b
    playbook = save_everything(tenancy.user("consultant"), plan)
    preview = selectors.plan_application(organization=b, cycle=cycle, content=playbook.content())
    actions = {(i.section, i.label): (i.action, i.existing) for i in preview.items}
    assert actions[("metrics", "Customer wait time at peak")] == (
        "reuse", "customer WAIT time  at peak")
    assert actions[("tools", "Qmatic")] == ("reuse", "QMATIC")
    assert actions[("initiatives", "Queue tickets")] == ("reuse", "  queue Tickets ")
    assert actions[("goals", "Cut the morning wait to 5 minutes")] == ("create", "")
    assert (preview.created, preview.reused) == (3, 3)


def test_nothing_that_matches_is_overwritten(tenancy, plan, client_b):
    b, cycle, metric, tool, initiative = client_b
    playbook = save_everything(tenancy.user("consultant"), plan, include_money=True)
    services.playbook_apply(playbook=playbook, organization=b, cycle=cycle,
                            user=tenancy.user("consultant"))
    metric.refresh_from_db()
    tool.refresh_from_db()
    initiative.refresh_from_db()
    assert (metric.definition, metric.unit) == ("Their own definition.", "count")
    assert (tool.monthly_cost, tool.status, tool.category) == (99, "active", "other")
    assert (initiative.status, initiative.description, initiative.monthly_cost) == (
        "live", "Theirs.", 12)
    assert [t.name for t in initiative.tools.all()] == ["Their till"]
    assert Metric.objects.filter(organization=b).count() == 1
    assert Tool.objects.filter(organization=b).count() == 2
    assert Initiative.objects.filter(organization=b).count() == 1
    # The links are new records between what was reused and what was created.
    goal = Goal.objects.get(organization=b)
    assert goal.metric == metric
    assert AlignmentLink.objects.get(organization=b).initiative == initiative
    assert MeasurementLink.objects.get(organization=b).metric == metric


def test_applying_twice_creates_nothing_the_second_time(tenancy, plan, client_b):
    b, cycle, *_ = client_b
    playbook = save_everything(tenancy.user("consultant"), plan)
    services.playbook_apply(playbook=playbook, organization=b, cycle=cycle,
                            user=tenancy.user("consultant"))
    again = services.playbook_apply(playbook=playbook, organization=b, cycle=cycle,
                                    user=tenancy.user("consultant"))
    assert again.created == 0 and again.reused == 6
    assert Goal.objects.filter(organization=b).count() == 1
    assert AlignmentLink.objects.filter(organization=b).count() == 1


def test_an_existing_link_keeps_its_contribution_and_rationale(tenancy, plan, client_b):
    b, cycle, metric, tool, initiative = client_b
    goal = GoalFactory(cycle=cycle, title="cut the morning wait to 5 MINUTES")
    AlignmentLink.objects.create(organization=b, initiative=initiative, goal=goal,
                                 contribution="indirect", rationale="Their reason.")
    playbook = save_everything(tenancy.user("consultant"), plan)
    result = services.playbook_apply(playbook=playbook, organization=b, cycle=cycle,
                                     user=tenancy.user("consultant"))
    link = AlignmentLink.objects.get(organization=b)
    assert (link.contribution, link.rationale) == ("indirect", "Their reason.")
    assert result.created == 1  # only the measurement link
    goal.refresh_from_db()
    assert goal.metric is None  # a reused goal keeps its (missing) measure


def test_goals_match_only_within_the_chosen_cycle(tenancy, plan, client_b):
    b, cycle, *_ = client_b
    other_cycle = CycleFactory(organization=b, name="2026 Q4", state="active")
    GoalFactory(cycle=other_cycle, title="Cut the morning wait to 5 minutes")
    playbook = save_everything(tenancy.user("consultant"), plan)
    preview = selectors.plan_application(organization=b, cycle=cycle, content=playbook.content())
    assert [i.action for i in preview.section("goals")] == ["create"]


def test_a_change_since_the_preview_is_refused_and_changes_nothing(tenancy, plan):
    b = tenancy.other_org
    cycle = CycleFactory(organization=b, state="planning")
    playbook = save_everything(tenancy.user("consultant"), plan)
    preview = selectors.plan_application(organization=b, cycle=cycle, content=playbook.content())
    MetricFactory(organization=b, name="Customer wait time at peak")
    with pytest.raises(services.PlanChanged):
        services.playbook_apply(playbook=playbook, organization=b, cycle=cycle,
                                user=tenancy.user("consultant"), expected_digest=preview.digest)
    assert not Goal.objects.filter(organization=b).exists()


def test_the_preview_headings_read_in_german(tenancy, plan, client_b):
    from django.utils import translation

    b, cycle, *_ = client_b
    playbook = save_everything(tenancy.user("consultant"), plan)
    preview = selectors.plan_application(organization=b, cycle=cycle, content=playbook.content())
    with translation.override("de"):
        headings = [str(label) for _, label, _ in preview.sections]
    assert "Kennzahldefinitionen" in headings and "Ziele (als Entwürfe)" in headings
    assert "Metric definitions" not in headings and "Goals (as drafts)" not in headings
