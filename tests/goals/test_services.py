"""Services of the goals app: cycles and their transitions, goals and their bad input,
priorities, review, close and carry-over."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alignment_portal.organizations.models import Organization
from alignment_portal.scoring.models import ScoreSnapshot
from goals import services
from goals.models import Cycle, Goal, GoalOutcome
from initiatives.models import AlignmentLink
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    MetricFactory,
    OrganizationFactory,
)
from tests.goals.factories import planning_cycle, smart_goal

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(slug="acme", fiscal_year_start_month=1)


@pytest.fixture
def cycle(org):
    return CycleFactory(organization=org, name="2026 Q4")


def marked(organization):
    organization.refresh_from_db()
    return organization.recompute_requested_at is not None


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# Cycles ---------------------------------------------------------------------------------------

def test_next_quarter_with_no_cycles_is_the_quarter_of_today(org):
    cycle = services.cycle_create_next_quarter(organization=org, today=date(2026, 5, 20))
    assert (cycle.name, cycle.start_date, cycle.end_date, cycle.state) == (
        "2026 Q2", date(2026, 4, 1), date(2026, 6, 30), "planning")
    assert marked(org)


def test_next_quarter_follows_the_latest_cycle_in_the_fiscal_year():
    org = OrganizationFactory(fiscal_year_start_month=4)
    CycleFactory(organization=org, name="2027 Q1", start_date=date(2026, 4, 1),
                 end_date=date(2026, 6, 30))
    cycle = services.cycle_create_next_quarter(organization=org, today=date(2026, 5, 1))
    assert (cycle.name, cycle.start_date, cycle.end_date) == (
        "2027 Q2", date(2026, 7, 1), date(2026, 9, 30))


def test_next_quarter_twice_refuses_the_duplicate_name(org):
    CycleFactory(organization=org, name="2027 Q1", start_date=date(2026, 10, 1),
                 end_date=date(2026, 12, 31), state="planning")
    with pytest.raises(ValidationError, match="2027 Q1 already exists"):
        services.cycle_create_next_quarter(organization=org, today=date(2026, 10, 1))


def test_custom_cycle_must_end_after_it_starts(org):
    with pytest.raises(ValidationError):
        services.cycle_create(organization=org, name="Oops", start_date=date(2026, 5, 1),
                              end_date=date(2026, 4, 1))
    assert not Cycle.objects.filter(name="Oops").exists()


def test_cycle_moves_planning_active_review(org):
    cycle = planning_cycle(org)
    cycle = services.cycle_transition(cycle=cycle, to="active")
    assert cycle.state == "active"
    cycle = services.cycle_transition(cycle=cycle, to="review")
    assert Cycle.objects.get(pk=cycle.pk).state == "review"
    cycle = services.cycle_transition(cycle=cycle, to="active")
    assert cycle.state == "active"


def test_planning_cannot_jump_to_review_or_closed(org):
    cycle = planning_cycle(org)
    for to in ("review", "closed", "nonsense"):
        with pytest.raises(ValidationError, match="cannot move"):
            services.cycle_transition(cycle=cycle, to=to)


def test_only_one_cycle_is_active(org, cycle):
    later = planning_cycle(org)
    with pytest.raises(ValidationError, match="Only one cycle can be active, and 2026 Q4 is"):
        services.cycle_transition(cycle=later, to="active")
    assert Cycle.objects.get(pk=later.pk).state == "planning"


def test_a_closed_cycle_cannot_move(org):
    closed = planning_cycle(org, state="closed")
    with pytest.raises(ValidationError, match="closed"):
        services.cycle_transition(cycle=closed, to="active")


# Goals: bad input, nothing saved -------------------------------------------------------------

def goal_kwargs(cycle, **overrides):
    fields = {"organization": cycle.organization, "cycle": cycle,
              "title": "Cut invoice processing time to two days",
              "description": "Supplier invoices are approved within two working days.",
              "status": "draft"}
    fields.update(overrides)
    return fields


def test_goal_create_saves_and_marks_for_recompute(org, cycle):
    goal = services.goal_create(**goal_kwargs(cycle, confidence=60))
    assert goal.pk and goal.organization == org and goal.confidence == 60
    assert marked(org)
    assert goal.history.count() == 1


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"start_date": date(2026, 11, 1), "due_date": date(2026, 10, 1)}, "due_date",
     "after the start"),
    ({"confidence": 101}, "confidence", "0 to 100"),
    ({"confidence": -1}, "confidence", "0 to 100"),
    ({"title": "<script>alert(1)</script> sales"}, "title", "plain text"),
    ({"status": "active", "baseline_value": Decimal(5), "target_value": Decimal(5)},
     "target_value", "differ from its baseline"),
    ({"priority_rank": 4}, "priority_rank", "1 to 3"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(cycle, overrides, field, text):
    with pytest.raises(ValidationError) as excinfo:
        services.goal_create(**goal_kwargs(cycle, **overrides))
    assert field in excinfo.value.error_dict
    assert text in " ".join(excinfo.value.message_dict[field])
    assert not Goal.objects.exists()


def test_a_draft_may_keep_its_target_equal_to_the_baseline(cycle):
    goal = services.goal_create(**goal_kwargs(cycle, baseline_value=5, target_value=5))
    assert goal.pk


def test_a_title_with_a_less_than_sign_is_not_html(cycle):
    goal = services.goal_create(**goal_kwargs(cycle, title="Wait at peak <4 minutes"))
    assert goal.title == "Wait at peak <4 minutes"


def test_a_parent_of_another_organization_is_refused(cycle):
    foreign = GoalFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.goal_create(**goal_kwargs(cycle, parent=foreign))
    assert "this organization" in excinfo.value.message_dict["parent"][0]


def test_a_metric_of_another_organization_is_refused(cycle):
    with pytest.raises(ValidationError) as excinfo:
        services.goal_create(**goal_kwargs(cycle, metric=MetricFactory()))
    assert "metric" in excinfo.value.message_dict


def test_a_parent_loop_is_refused(cycle):
    top = GoalFactory(cycle=cycle)
    middle = GoalFactory(cycle=cycle, parent=top)
    bottom = GoalFactory(cycle=cycle, parent=middle)
    with pytest.raises(ValidationError) as excinfo:
        services.goal_update(goal=top, parent=bottom)
    assert "loop" in excinfo.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        services.goal_update(goal=top, parent=top)
    assert Goal.objects.get(pk=top.pk).parent_id is None


def test_goals_of_a_closed_cycle_cannot_change(org):
    closed = planning_cycle(org, state="closed")
    goal = GoalFactory(cycle=closed, title="Grow the wedding-cake orders by a third")
    with pytest.raises(ValidationError, match="closed"):
        services.goal_update(goal=goal, title="Something else entirely, and better")
    for service in (services.goal_archive, services.goal_make_priority):
        with pytest.raises(ValidationError, match="closed"):
            service(goal=goal)
    with pytest.raises(ValidationError):
        services.goal_create(**goal_kwargs(closed))
    assert Goal.objects.get(pk=goal.pk).title == "Grow the wedding-cake orders by a third"


def test_archive_keeps_the_goal_and_frees_its_priority(cycle):
    goal = GoalFactory(cycle=cycle, priority_rank=1)
    services.goal_archive(goal=goal)
    goal.refresh_from_db()
    assert (goal.status, goal.priority_rank) == ("archived", None)


def test_history_lists_who_changed_which_fields(cycle):
    from goals.selectors import history_entries

    goal = services.goal_create(**goal_kwargs(cycle))
    services.goal_update(goal=goal, title="Cut invoice processing time to one day",
                         confidence=80)
    entries = history_entries(goal, organization=goal.organization)
    assert [e.what for e in entries] == ["changed", "created"]
    fields = {c.field: (c.old, c.new) for c in entries[0].changes}
    assert fields["title"] == ("Cut invoice processing time to two days",
                               "Cut invoice processing time to one day")
    assert fields["confidence"] == ("—", "80")


# Priorities -----------------------------------------------------------------------------------

def test_a_fourth_priority_goal_is_refused_with_the_names_of_the_three(cycle):
    for rank in (1, 2, 3):
        GoalFactory(cycle=cycle, priority_rank=rank)
    fourth = GoalFactory(cycle=cycle)
    with pytest.raises(ValidationError) as excinfo:
        services.goal_make_priority(goal=fourth)
    assert "a fourth is refused" in messages_of(excinfo)
    with pytest.raises(ValidationError):
        services.goal_update(goal=fourth, priority_rank=3)
    assert Goal.objects.get(pk=fourth.pk).priority_rank is None


def test_the_unique_constraint_backs_up_the_lock(monkeypatch, cycle):
    """Even if the friendly pre-check were skipped, the database refuses the fourth and the
    service turns the IntegrityError into the same message."""
    GoalFactory(cycle=cycle, priority_rank=1)
    goal = GoalFactory(cycle=cycle)
    monkeypatch.setattr(services, "_check_priority_slot", lambda goal: None)
    with pytest.raises(ValidationError) as excinfo:
        services.goal_update(goal=goal, priority_rank=1)
    assert "Another change took that priority slot" in excinfo.value.messages[0]
    assert Goal.objects.get(pk=goal.pk).priority_rank is None


def test_a_taken_rank_is_refused_naming_the_free_ones(cycle):
    GoalFactory(cycle=cycle, priority_rank=1, title="Keep the ovens on time")
    with pytest.raises(ValidationError) as excinfo:
        services.goal_create(**goal_kwargs(cycle, priority_rank=1))
    message = excinfo.value.message_dict["priority_rank"][0]
    assert "Rank 1 is taken by “Keep the ovens on time”" in message
    assert "2 or 3" in message


def test_make_priority_takes_the_lowest_free_rank(cycle):
    GoalFactory(cycle=cycle, priority_rank=2)
    goal = services.goal_make_priority(goal=GoalFactory(cycle=cycle))
    assert goal.priority_rank == 1


def test_moving_a_priority_swaps_ranks(cycle):
    first = GoalFactory(cycle=cycle, priority_rank=1)
    second = GoalFactory(cycle=cycle, priority_rank=2)
    services.goal_move_priority(goal=second, direction="up")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.priority_rank, second.priority_rank) == (2, 1)
    services.goal_move_priority(goal=second, direction="down")
    second.refresh_from_db()
    assert second.priority_rank == 2


def test_moving_into_a_gap_and_past_the_ends(cycle):
    goal = GoalFactory(cycle=cycle, priority_rank=1)
    services.goal_move_priority(goal=goal, direction="down")
    assert Goal.objects.get(pk=goal.pk).priority_rank == 2
    with pytest.raises(ValidationError, match="not a priority"):
        services.goal_move_priority(goal=GoalFactory(cycle=cycle), direction="up")
    top = GoalFactory(cycle=cycle, priority_rank=1)
    with pytest.raises(ValidationError, match="already first"):
        services.goal_move_priority(goal=top, direction="up")


# Review, close and carry over -----------------------------------------------------------------

def test_close_needs_review_state_and_every_outcome(cycle):
    goal = GoalFactory(cycle=cycle)
    with pytest.raises(ValidationError, match="review"):
        services.cycle_close(cycle=cycle)
    services.cycle_transition(cycle=cycle, to="review")
    with pytest.raises(ValidationError, match="every goal"):
        services.cycle_close(cycle=cycle)
    services.cycle_review_record(cycle=cycle, outcomes={goal.pk: ("achieved", "Done early.")})
    closed = services.cycle_close(cycle=cycle)
    assert closed.state == "closed" and closed.closed_at is not None
    goal.refresh_from_db()
    assert goal.status == "achieved"
    frozen = ScoreSnapshot.objects.get(cycle=closed)
    assert frozen.record["goals"][0]["outcome"] == "achieved"
    assert frozen.record["goals"][0]["status"] == "Active"  # as it stood before the close
    assert GoalOutcome.objects.get(goal=goal).note == "Done early."


def test_outcomes_of_goals_of_another_cycle_are_ignored(cycle, org):
    services.cycle_transition(cycle=cycle, to="review")
    stranger = GoalFactory(cycle=planning_cycle(org))
    assert services.cycle_review_record(cycle=cycle,
                                        outcomes={stranger.pk: ("missed", "")}) == []


def test_carry_over_copies_the_goal_and_its_links_into_a_new_next_cycle(org, cycle):
    goal = smart_goal(cycle, priority_rank=1, title="Cut the wait at peak to 4 minutes")
    link = AlignmentLinkFactory(goal=goal, organization=org, initiative__organization=org)
    archived = GoalFactory(cycle=cycle, status="archived")
    services.cycle_transition(cycle=cycle, to="review")
    services.cycle_review_record(cycle=cycle, outcomes={
        goal.pk: ("carried_over", "Queue tickets arrive in January."),
        archived.pk: ("missed", "")})
    services.cycle_close(cycle=cycle, today=date(2026, 12, 31))

    next_cycle = Cycle.objects.get(organization=org, name="2027 Q1")
    assert (next_cycle.start_date, next_cycle.state) == (date(2027, 1, 1), "planning")
    copy = Goal.objects.get(cycle=next_cycle)
    assert copy.carried_over_from == goal
    assert (copy.title, copy.metric_id, copy.priority_rank, copy.status) == (
        goal.title, goal.metric_id, 1, "active")
    assert copy.start_date == date(2027, 1, 1) and copy.due_date > copy.start_date
    copied_link = AlignmentLink.objects.get(goal=copy)
    assert (copied_link.initiative_id, copied_link.rationale) == (link.initiative_id,
                                                                  link.rationale)
    assert AlignmentLink.objects.filter(goal=goal).count() == 1  # the original stays
    goal.refresh_from_db()
    assert goal.status == "archived"
    assert not GoalOutcome.objects.filter(goal=archived).exists()  # archived goals skip review


def test_carry_over_uses_an_existing_next_cycle_and_is_idempotent(org, cycle):
    later = planning_cycle(org)
    goal = GoalFactory(cycle=cycle)
    first = services.goal_carry_over(goal=goal, into=later)
    second = services.goal_carry_over(goal=goal, into=later)
    assert first == second
    assert Goal.objects.filter(cycle=later).count() == 1


def test_carry_over_refuses_another_organization(cycle):
    foreign = CycleFactory(organization=OrganizationFactory())
    with pytest.raises(ValidationError):
        services.goal_carry_over(goal=GoalFactory(cycle=cycle), into=foreign)


def test_every_write_marks_the_organization(cycle, org):
    goal = GoalFactory(cycle=cycle)
    for call in (lambda: services.goal_make_priority(goal=goal),
                 lambda: services.goal_move_priority(goal=goal, direction="down"),
                 lambda: services.goal_drop_priority(goal=goal),
                 lambda: services.goal_update(goal=goal, confidence=70),
                 lambda: services.goal_archive(goal=goal)):
        Organization.objects.filter(pk=org.pk).update(recompute_requested_at=None)
        call()
        assert marked(org)


def test_progress_of_a_goal_ignores_values_after_its_due_date(cycle):
    from goals.selectors import Series, goal_progress

    goal = smart_goal(cycle, baseline_value=10, target_value=20)
    series = Series([cycle.start_date, cycle.end_date, date(2027, 3, 1)], [10.0, 15.0, 30.0])
    assert goal_progress(goal, series=series).progress == 0.5


def test_history_names_the_related_records_that_changed(cycle, org):
    from goals.selectors import history_entries
    from tests.factories import UserFactory

    goal = GoalFactory(cycle=cycle)
    metric = MetricFactory(organization=org, name="Wait at peak")
    owner = UserFactory(username="baker-anna")
    org.memberships.create(user=owner, role="staff")
    services.goal_update(goal=goal, metric=metric, owner=owner)
    [latest, *_] = history_entries(goal, organization=goal.organization)
    changes = {c.field: c.new for c in latest.changes}
    assert changes == {"metric": "Wait at peak", "owner": "baker-anna"}
