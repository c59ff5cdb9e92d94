"""Save from A, apply to B: B gets the plan (and scores as the plan says), A is unchanged."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from alignment_portal.playbooks import selectors, services
from alignment_portal.scoring.engine import recompute
from alignment_portal.scoring.models import Flag, InitiativeScore, OrganizationScore
from goals import services as goal_services
from goals.models import Cycle, Goal
from initiatives.models import AlignmentLink, Initiative, MeasurementLink, Tool
from metrics.models import Metric, MetricValue
from tests.factories import CycleFactory
from tests.playbooks.conftest import save_everything

TODAY = date(2026, 11, 16)
MODELS = (Metric, MetricValue, Tool, Initiative, Goal, AlignmentLink, MeasurementLink, Cycle)


def snapshot(organization):
    rows = {}
    for model in MODELS:
        rows[model.__name__] = sorted(
            (sorted((k, str(v)) for k, v in model_to_dict(r).items())
             for r in model.objects.filter(organization=organization)), key=str)
    return rows


def test_a_playbook_carries_no_values_notes_people_or_money(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan)
    doc = playbook.document
    text = str(doc)
    assert doc["goals"] == [{"title": "Cut the morning wait to 5 minutes",
                             "description": plan.goal.description,
                             "why_it_matters": plan.goal.why_it_matters,
                             "perspective": "customer", "level": "strategic", "department": "",
                             "metric": "Customer wait time at peak"}]
    for absent in ("baseline", "target", "confidence", "owner", "priority", "from the till",
                   "seats", "monthly_cost", "one_time_cost", "hours_saved", tenancy.user(
                       "owner").username, "12.000000"):
        assert absent not in text, absent
    assert doc["initiatives"][0]["tools"] == ["Qmatic"]
    assert doc["alignment_links"][0]["rationale"].startswith("Tickets let customers")
    assert doc["measurement_links"] == [{"initiative": "Queue tickets",
                                         "metric": "Customer wait time at peak",
                                         "role": "outcome"}]


def test_money_goes_in_only_when_chosen(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan, include_money=True)
    assert playbook.document["tools"][0]["monthly_cost"] == "30.00"
    assert playbook.document["initiatives"][0]["monthly_cost"] == "40.00"
    assert playbook.document["initiatives"][0]["one_time_cost"] == "300.00"


def test_links_stay_out_when_not_chosen(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan, include_links=False)
    assert playbook.document["alignment_links"] == []
    assert playbook.document["measurement_links"] == []


def test_round_trip_b_gets_the_plan_and_scores_as_expected_a_unchanged(tenancy, plan):
    consultant = tenancy.user("consultant")
    recompute(plan.org.pk, today=TODAY)
    a_before = snapshot(plan.org)
    a_score = OrganizationScore.objects.get(organization=plan.org)
    playbook = save_everything(consultant, plan)
    b = tenancy.other_org
    b_cycle = CycleFactory(organization=b, name="2027 Q1", state="planning",
                           start_date=date(2027, 1, 1), end_date=date(2027, 3, 31))

    result = services.playbook_apply(playbook=playbook, organization=b, cycle=b_cycle,
                                     user=consultant)

    assert (result.created, result.reused) == (6, 0)
    goal = Goal.objects.get(organization=b)
    assert (goal.title, goal.status, goal.cycle, goal.metric.name) == (
        "Cut the morning wait to 5 minutes", "draft", b_cycle, "Customer wait time at peak")
    assert (goal.baseline_value, goal.target_value, goal.owner, goal.priority_rank,
            goal.confidence) == (None, None, None, None, None)
    initiative = Initiative.objects.get(organization=b)
    assert (initiative.status, initiative.monthly_cost, initiative.owner) == ("planned", 0, None)
    assert [t.name for t in initiative.tools.all()] == ["Qmatic"]
    tool = Tool.objects.get(organization=b)
    assert (tool.status, tool.monthly_cost, tool.seats, tool.vendor) == ("trial", 0, 1,
                                                                         "Qmatic AB")
    assert not MetricValue.objects.filter(organization=b).exists()
    assert AlignmentLink.objects.get(organization=b).goal == goal
    assert MeasurementLink.objects.get(organization=b).metric.name == \
        "Customer wait time at peak"
    # The history records the creation, as for anything typed in.
    assert goal.history.count() == 1

    # Its goal is a draft, so the planned initiative serves no active goal yet.
    recompute(b.pk, today=TODAY)
    assert Flag.objects.open().filter(organization=b, code="MISALIGNED",
                                      subject_id=str(initiative.pk)).exists()
    assert OrganizationScore.objects.get(organization=b).d2_alignment == 0
    # Made active (with its numbers), the plan lines up as it did in A: a non-priority active
    # goal (0.7) served as primary (1.0), by an outcome metric that is the goal's measure
    # (25), with no fresh value yet (0): 60 × 0.7 + 25 = 67.
    goal_services.goal_update(goal=goal, status="active", baseline_value=12, target_value=5,
                              start_date=date(2027, 1, 1), due_date=date(2027, 3, 31),
                              confidence=60)
    recompute(b.pk, today=TODAY)
    score = InitiativeScore.objects.get(initiative=initiative)
    assert score.alignment_score == pytest.approx(67)
    assert OrganizationScore.objects.get(organization=b).d2_alignment == 100
    assert not Flag.objects.open().filter(organization=b, code="MISALIGNED").exists()

    assert snapshot(plan.org) == a_before
    recompute(plan.org.pk, today=TODAY)
    a_after = OrganizationScore.objects.get(organization=plan.org)
    assert (a_after.d1_goals, a_after.d2_alignment, a_after.rung, a_after.misaligned_spend) == (
        a_score.d1_goals, a_score.d2_alignment, a_score.rung, a_score.misaligned_spend)


def test_applying_marks_the_organization_for_recompute(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan)
    b = tenancy.other_org
    generation = b.recompute_generation
    services.playbook_apply(playbook=playbook, organization=b, cycle=None,
                            user=tenancy.user("consultant"), today=TODAY)
    b.refresh_from_db()
    assert b.recompute_generation > generation


def test_without_a_cycle_the_next_quarter_is_created(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan)
    b = tenancy.other_org
    result = services.playbook_apply(playbook=playbook, organization=b, cycle=None,
                                     user=tenancy.user("consultant"), today=TODAY)
    assert (result.cycle.name, result.cycle.start_date) == ("2026 Q4", date(2026, 10, 1))
    assert Goal.objects.get(organization=b).cycle == result.cycle


def test_a_closed_cycle_is_refused(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan)
    closed = CycleFactory(organization=tenancy.other_org, state="closed")
    with pytest.raises(ValidationError, match="open cycle"):
        services.playbook_apply(playbook=playbook, organization=tenancy.other_org,
                                cycle=closed, user=tenancy.user("consultant"))
    assert not Metric.objects.filter(organization=tenancy.other_org).exists()


def test_another_organizations_cycle_is_refused(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan)
    with pytest.raises(ValidationError, match="open cycle"):
        services.playbook_apply(playbook=playbook, organization=tenancy.other_org,
                                cycle=plan.cycle, user=tenancy.user("consultant"))


def test_a_record_refused_midway_leaves_nothing_behind(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan)
    doc = dict(playbook.document)
    doc["goals"] = [dict(doc["goals"][0], title="<script>alert(1)</script> wait")]
    doc["alignment_links"] = [dict(doc["alignment_links"][0],
                                   goal="<script>alert(1)</script> wait")]
    playbook.document = doc
    playbook.save()
    b = tenancy.other_org
    cycle = CycleFactory(organization=b, state="planning")
    with pytest.raises(ValidationError, match="Nothing was applied.*plain text"):
        services.playbook_apply(playbook=playbook, organization=b, cycle=cycle,
                                user=tenancy.user("consultant"))
    for model in (Metric, Tool, Initiative, Goal, AlignmentLink, MeasurementLink):
        assert not model.objects.filter(organization=b).exists(), model


def test_a_new_client_is_created_with_the_plan(tenancy, plan):
    consultant = tenancy.user("consultant")
    playbook = save_everything(consultant, plan)
    result = services.playbook_apply_to_new_organization(
        playbook=playbook, user=consultant, name="Corner Café", currency="eur", today=TODAY)
    org = result.organization
    assert org.memberships.get().user == consultant
    assert org.memberships.get().role == "owner"
    assert (org.currency, result.cycle.name) == ("EUR", "2026 Q4")
    assert Goal.objects.get(organization=org).status == "draft"
    assert Initiative.objects.filter(organization=org).count() == 1


def test_a_new_client_refused_midway_is_not_created(tenancy, plan):
    from alignment_portal.organizations.models import Organization

    playbook = save_everything(tenancy.user("consultant"), plan)
    doc = dict(playbook.document)
    doc["goals"] = [dict(doc["goals"][0], title="<b>Bold</b> goal")]
    doc["alignment_links"] = []
    playbook.document = doc
    playbook.save()
    with pytest.raises(ValidationError):
        services.playbook_apply_to_new_organization(
            playbook=playbook, user=tenancy.user("consultant"), name="Half Made", today=TODAY)
    assert not Organization.objects.filter(name="Half Made").exists()


def test_preview_and_apply_agree(tenancy, plan):
    playbook = save_everything(tenancy.user("consultant"), plan)
    b = tenancy.other_org
    cycle = CycleFactory(organization=b, state="planning")
    preview = selectors.plan_application(organization=b, cycle=cycle,
                                         content=playbook.content())
    result = services.playbook_apply(playbook=playbook, organization=b, cycle=cycle,
                                     user=tenancy.user("consultant"),
                                     expected_digest=preview.digest)
    assert (result.created, result.reused) == (preview.created, preview.reused)
