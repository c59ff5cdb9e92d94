"""Evaluating a scenario: before equals the stored scores, after equals a recompute once the
scenario is applied, nothing is written, and the query count does not grow with changes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment_portal.organizations.models import Organization
from alignment_portal.organizations.recompute import request_recompute
from alignment_portal.scenarios import selectors, services
from alignment_portal.scenarios.apply import Change, NewLink
from alignment_portal.scenarios.evaluate import evaluate
from alignment_portal.scoring.engine import LOAD_QUERIES, load_frames
from alignment_portal.scoring.models import Flag, InitiativeScore, OrganizationScore
from alignment_portal.scoring.triggers import run_recompute
from goals.models import Goal
from initiatives import services as initiative_services
from initiatives.models import AlignmentLink, Initiative, Tool
from tests.scenarios.conftest import build_plan, forget_plans

pytestmark = pytest.mark.django_db
STORED_QUERIES = 3  # the stored scores as "before": organization score, open flags, initiatives


def stored(organization) -> dict:
    score = OrganizationScore.objects.get(organization=organization)
    return {"rung": score.rung, "d1": score.d1_goals, "d2": score.d2_alignment,
            "d3": score.d3_measurement, "d4": score.d4_feedback, "d5": score.d5_integration,
            "misaligned_spend": float(score.misaligned_spend),
            "misaligned_share": score.misaligned_spend_share,
            "open_flags": score.open_flags}


def figures(summary: dict) -> dict:
    return {k: summary[k] for k in ("rung", "d1", "d2", "d3", "d4", "d5", "misaligned_spend",
                                    "misaligned_share", "open_flags")}


def tidy_up(plan) -> list[Change]:
    return [
        Change("link", initiative=plan.misaligned.pk, goal=plan.orphan_goal.pk,
               contribution="supporting", rationale="A monthly letter keeps clients close."),
        Change("retire_tool", tool=plan.shelfware.pk),
        Change("new_initiative", name="Renewal reminders", monthly_cost=25, one_time_cost=300,
               links=(NewLink(plan.orphan_goal.pk, "primary",
                              "Renewal talks start 60 days early, with results."),)),
        Change("priority", goal=plan.orphan_goal.pk, rank=2),
    ]


def test_before_equals_the_stored_scores(plan):
    evaluation = selectors.evaluate_changes(organization=plan.organization,
                                            changes=tidy_up(plan))
    assert figures(evaluation.before) == stored(plan.organization)
    # Scored from the frames on the stored scores' day, "before" is the same numbers: the
    # stored ones are a shortcut, not a different answer.
    scored = evaluate(load_frames(plan.organization.pk), tidy_up(plan),
                      selectors.scoring_day(plan.organization))
    assert figures(scored.before) == stored(plan.organization)
    assert scored.after == evaluation.after
    assert scored.flags_opened == evaluation.flags_opened
    assert [f["code"] for f in scored.flags_resolved] == \
        [f["code"] for f in evaluation.flags_resolved]
    assert scored.initiatives == evaluation.initiatives
    open_flags = set(Flag.objects.filter(organization=plan.organization, resolved_at=None)
                     .values_list("code", "subject_label"))
    assert open_flags >= {(f["code"], f["subject_label"]) for f in evaluation.flags_resolved}
    assert not open_flags & {(f["code"], f["subject_label"]) for f in evaluation.flags_opened}


def test_applying_and_recomputing_lands_on_the_after_column(tenancy, plan, scenario):
    for change in tidy_up(plan):
        services.change_add(scenario=scenario, change=change)
    rows = selectors.changes_of(scenario)
    evaluation = selectors.evaluate_changes(organization=plan.organization,
                                            changes=[selectors.as_change(r) for r in rows])
    assert evaluation.after != evaluation.before
    assert not evaluation.has_problems
    services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    run_recompute(plan.organization.pk, force=True)
    assert stored(plan.organization) == figures(evaluation.after)
    new = Initiative.objects.get(organization=plan.organization, name="Renewal reminders")
    after_scores = {r["name"]: r["after"] for r in evaluation.initiatives}
    assert InitiativeScore.objects.get(initiative=new).alignment_score == \
        after_scores["Renewal reminders"]
    assert InitiativeScore.objects.get(initiative=plan.misaligned).alignment_score == \
        after_scores[plan.misaligned.name]
    open_now = set(Flag.objects.filter(organization=plan.organization, resolved_at=None)
                   .values_list("code", "subject_label"))
    assert not open_now & {(f["code"], f["subject_label"]) for f in evaluation.flags_resolved}


def test_evaluating_writes_no_row(plan, scenario):
    for change in tidy_up(plan):
        services.change_add(scenario=scenario, change=change)
    changes = [selectors.as_change(r) for r in selectors.changes_of(scenario)]
    with CaptureQueriesContext(connection) as captured:
        evaluation = selectors.evaluate_changes(organization=plan.organization,
                                                changes=changes)
    assert evaluation.after["misaligned_spend"] < evaluation.before["misaligned_spend"]
    statements = [q["sql"].lstrip().split()[0].upper() for q in captured.captured_queries]
    assert statements and set(statements) == {"SELECT"}, statements


def test_evaluation_runs_a_fixed_number_of_queries_whatever_the_changes(plan):
    one = [Change("retire_tool", tool=plan.shelfware.pk)]
    many = tidy_up(plan) + [Change("initiative_status", initiative=plan.aligned.pk,
                                   status="paused")]
    counts = {}
    for warm in (False, True):
        for changes in (one, many):
            if not warm:
                forget_plans()
            with CaptureQueriesContext(connection) as captured:
                selectors.evaluate_changes(organization=plan.organization, changes=changes)
            counts[warm, len(changes)] = len(captured)
    # The plan's state, then (unless the plan is in the cache) its frames and stored scores.
    assert counts == {(False, 1): 1 + LOAD_QUERIES + STORED_QUERIES,
                      (False, len(many)): 1 + LOAD_QUERIES + STORED_QUERIES,
                      (True, 1): 1, (True, len(many)): 1}
    # This process's copy of the plan goes with the shared cache's.
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        selectors.evaluate_changes(organization=plan.organization, changes=one)
    assert len(captured) == 1 + LOAD_QUERIES + STORED_QUERIES


def test_a_change_to_the_plan_is_never_evaluated_from_the_cache(tenancy, plan):
    """The plan is cached between requests; any write to it, and a recompute, is a miss."""
    retire = [Change("retire_tool", tool=plan.shelfware.pk)]
    first = selectors.evaluate_changes(organization=plan.organization, changes=retire)
    assert selectors.evaluate_changes(organization=plan.organization,
                                      changes=retire).after == first.after
    # A write through a service, with the organization object read before it.
    stale = Organization.objects.get(pk=plan.organization.pk)
    initiative_services.tool_update(tool=Tool.objects.get(pk=plan.used_tool.pk),
                                    monthly_cost=500)
    moved = selectors.evaluate_changes(organization=stale, changes=retire)
    # Pending its recompute, "before" is scored from the plan as it is now.
    assert moved.before["misaligned_share"] < first.before["misaligned_share"]
    assert moved.after["misaligned_share"] < first.after["misaligned_share"]
    # A link made by hand: the scenario's own link is now skipped, as applying would find.
    link = [Change("link", initiative=plan.misaligned.pk, goal=plan.orphan_goal.pk,
                   contribution="primary", rationale="A monthly letter keeps clients close.")]
    assert not selectors.evaluate_changes(organization=stale, changes=link).has_problems
    initiative_services.alignment_link_create(
        organization=plan.organization, initiative=plan.misaligned, goal=plan.orphan_goal,
        contribution="primary", rationale="Linked by hand in the meantime, with a reason.")
    assert selectors.evaluate_changes(organization=stale, changes=link).has_problems
    # The recompute writes new stored scores: "before" follows them.
    run_recompute(plan.organization.pk)
    recomputed = selectors.evaluate_changes(organization=stale, changes=retire)
    assert figures(recomputed.before) == stored(plan.organization) != figures(first.before)


def test_before_is_scored_from_the_plan_while_a_recompute_is_pending(plan):
    Tool.objects.filter(pk=plan.shelfware.pk).update(status="retired")
    request_recompute(plan.organization)  # marked, not yet recomputed
    evaluation = selectors.evaluate_changes(organization=plan.organization, changes=[])
    assert evaluation.before["misaligned_spend"] == stored(plan.organization)[
        "misaligned_spend"] - 40


def test_apply_refuses_when_the_plan_has_moved_on_and_changes_nothing(tenancy, plan, scenario):
    services.change_add(scenario=scenario, change=tidy_up(plan)[0])
    services.change_add(scenario=scenario, change=Change("retire_tool",
                                                         tool=plan.shelfware.pk))
    # Meanwhile someone links the same pair by hand and deletes the tool.
    AlignmentLink.objects.create(organization=plan.organization, initiative=plan.misaligned,
                                 goal=plan.orphan_goal, contribution="primary",
                                 rationale="Done by hand in the meantime.")
    Tool.objects.filter(pk=plan.shelfware.pk).delete()
    links = AlignmentLink.objects.count()
    with pytest.raises(services.ScenarioRefused) as refused:
        services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    assert any("already linked" in r for r in refused.value.reasons)
    assert any("no longer exists" in r for r in refused.value.reasons)
    assert AlignmentLink.objects.count() == links
    scenario.refresh_from_db()
    assert scenario.applied_at is None


def test_a_refusal_by_a_service_rolls_back_the_changes_made_before_it(tenancy, plan, scenario):
    services.change_add(scenario=scenario, change=Change("retire_tool",
                                                         tool=plan.shelfware.pk))
    services.change_add(scenario=scenario, change=Change("priority", goal=plan.orphan_goal.pk,
                                                         rank=2))
    # The goal got an HTML title since (an old record): the goals service refuses it.
    Goal.objects.filter(pk=plan.orphan_goal.pk).update(title="<b>Keep</b> clients")
    with pytest.raises(services.ScenarioRefused) as refused:
        services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    assert "plain text" in refused.value.reasons[0]
    assert Tool.objects.get(pk=plan.shelfware.pk).status == "active"


def test_history_says_the_change_came_from_the_scenario(tenancy, plan, scenario):
    for change in tidy_up(plan):
        services.change_add(scenario=scenario, change=change)
    services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    reason = f"From scenario {scenario.pk}: Tidy up"
    link = AlignmentLink.objects.get(initiative=plan.misaligned, goal=plan.orphan_goal)
    assert link.history.latest().history_change_reason == reason
    assert Tool.objects.get(pk=plan.shelfware.pk).history.latest().history_change_reason == \
        reason
    assert Goal.objects.get(pk=plan.orphan_goal.pk).history.latest().history_change_reason == \
        reason
    new = Initiative.objects.get(name="Renewal reminders")
    assert new.history.latest().history_change_reason == reason
    # Outside an apply, nothing is stamped.
    plan.aligned.name = "Queue kiosk 2"
    plan.aligned.save()
    assert plan.aligned.history.latest().history_change_reason is None


def test_an_applied_scenario_cannot_be_applied_or_changed_again(tenancy, plan, scenario):
    services.change_add(scenario=scenario, change=Change("retire_tool",
                                                         tool=plan.shelfware.pk))
    services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    with pytest.raises(services.ScenarioRefused):
        services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        services.change_add(scenario=scenario, change=Change("retire_tool",
                                                             tool=plan.used_tool.pk))


def test_own_effects_are_reused_on_the_same_plan_and_recomputed_after_a_change(plan,
                                                                             monkeypatch):
    changes = tidy_up(plan)
    first = selectors.evaluate_changes(organization=plan.organization, changes=changes)
    calls = []
    real = selectors.rescore_core  # each own effect, scored from the plan's scorecard
    monkeypatch.setattr(selectors, "rescore_core",
                        lambda *a, **kw: calls.append(1) or real(*a, **kw))
    again = selectors.evaluate_changes(organization=plan.organization, changes=changes)
    assert again.effects == first.effects and calls == []
    # One more change added to the scenario: only it is scored.
    more = [*changes, Change("initiative_status", initiative=plan.misaligned.pk,
                             status="paused")]
    selectors.evaluate_changes(organization=plan.organization, changes=more)
    assert len(calls) == 1
    calls.clear()
    # A write to the plan moves its generation: the effects are scored afresh on it.
    Tool.objects.filter(pk=plan.shelfware.pk).update(monthly_cost=999)
    request_recompute(plan.organization)
    plan.organization.refresh_from_db()
    after_write = selectors.evaluate_changes(organization=plan.organization, changes=changes)
    assert len(calls) == len(changes)
    retire = changes.index(next(c for c in changes if c.type == "retire_tool"))
    assert after_write.effects[retire]["misaligned_spend"] != \
        first.effects[retire]["misaligned_spend"]


def test_the_database_cache_holds_no_plan(plan, settings):
    """A production without Redis caches in the database: a plan is a megabyte there, written
    by a read, so it stays in the process's memory only."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "portal_cache"}}
    from django.core.cache import caches

    assert type(caches["default"]).__name__ == "DatabaseCache"
    retire = [Change("retire_tool", tool=plan.shelfware.pk)]
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            selectors.evaluate_changes(organization=plan.organization, changes=retire,
                                       each=False)
        statements = [q["sql"].lstrip().split()[0].upper() for q in captured.captured_queries]
        assert set(statements) == {"SELECT"}, statements
        assert not any("portal_cache" in q["sql"] for q in captured.captured_queries)
    assert len(captured) == 1  # the second time, from this process's memory


@pytest.mark.django_db(transaction=True)
def test_requests_arriving_together_load_a_missing_plan_once(tenancy, monkeypatch):
    import threading
    import time

    from django.db import connections

    organization = build_plan(tenancy.org).organization
    forget_plans()
    loads = []

    def slow_load(organization_id):  # long enough for the other threads to arrive
        loads.append(organization_id)
        time.sleep(0.2)
        return load_frames(organization_id)

    monkeypatch.setattr(selectors, "load_frames", slow_load)
    plans = []

    def evaluate_one():
        try:
            plans.append(selectors.plan_of(organization))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=evaluate_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [organization.pk]
    assert len(plans) == 3 and len({id(p) for p in plans}) == 1


@pytest.mark.django_db(transaction=True)
def test_a_plan_another_process_is_loading_is_awaited_not_loaded_again(tenancy, monkeypatch):
    import threading

    from django.core.cache import cache
    from django.db import connections

    organization = build_plan(tenancy.org).organization
    plan = selectors.plan_of(organization)  # what the other process will have loaded
    forget_plans()
    loads = []
    monkeypatch.setattr(selectors, "load_frames",
                        lambda organization_id: loads.append(organization_id))
    # Another process has claimed the load; its plan reaches the shared cache 0.2 s later.
    assert cache.add(selectors._claim(plan.key), 1, 30)
    timer = threading.Timer(0.2, lambda: cache.set(plan.key, plan, 60))
    timer.start()
    try:
        got = selectors.plan_of(organization)
    finally:
        timer.join()
        connections.close_all()
    assert loads == []
    assert got.key == plan.key and got.before.summary == plan.before.summary


@pytest.mark.django_db
def test_the_process_that_claims_a_plans_load_releases_the_claim(tenancy):
    from django.core.cache import cache

    organization = build_plan(tenancy.org).organization
    plan = selectors.plan_of(organization)
    assert cache.get(plan.key) is not None
    assert cache.get(selectors._claim(plan.key)) is None  # the next load need not wait
