"""Writes of the goals app: cycles, goals, priorities, reviews. Each is atomic, validates
before it saves, and asks for the organization's scores to be recomputed."""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.organizations.models import Organization
from alignment_portal.organizations.recompute import request_recompute
from goals import fiscal, selectors, signals
from goals.models import (
    PRIORITY_GOAL_LIMIT,
    Cycle,
    CycleState,
    Goal,
    GoalOutcome,
    GoalStatus,
    Outcome,
)
from initiatives.models import AlignmentLink

CLOSED_MESSAGE = ("{cycle} is closed: its goals are the record of its review and cannot "
                  "change. Plan in an open cycle instead.")
# A tag opening such as "<script" or "</b": titles are plain text. "<4 minutes" stays allowed.
HTML_TAG = re.compile(r"<\s*[a-zA-Z!/?]")


# Cycles ---------------------------------------------------------------------------------------

def _refuse_closed(cycle: Cycle) -> None:
    if cycle.state == CycleState.CLOSED:
        raise ValidationError(CLOSED_MESSAGE.format(cycle=cycle.name))


@transaction.atomic
def cycle_create(*, organization: Organization, name: str, start_date: date,
                 end_date: date) -> Cycle:
    """A custom planning period, in planning."""
    cycle = Cycle(organization=organization, name=name.strip(), start_date=start_date,
                  end_date=end_date, state=CycleState.PLANNING)
    if start_date and end_date and end_date <= start_date:
        raise ValidationError({"end_date": gettext("The cycle must end after it starts.")})
    cycle.full_clean()
    cycle.save()
    request_recompute(organization)
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, name: str, start_date: date, end_date: date) -> Cycle:
    """Rename a cycle or move its dates. A closed cycle is the record of its period and stays
    as it was reviewed."""
    cycle = _lock_cycle(cycle.pk)
    _refuse_closed(cycle)
    if start_date and end_date and end_date <= start_date:
        raise ValidationError({"end_date": gettext("The cycle must end after it starts.")})
    cycle.name, cycle.start_date, cycle.end_date = name.strip(), start_date, end_date
    cycle.full_clean()
    cycle.save(update_fields=["name", "start_date", "end_date"])
    request_recompute(cycle.organization_id)  # goals' Time-bound check reads the dates
    return cycle


def next_quarter_for(*, organization: Organization, today: date) -> fiscal.Quarter:
    """The quarter after the organization's latest cycle, or the quarter containing today."""
    latest = Cycle.objects.filter(organization=organization).order_by("-end_date").first()
    month = organization.fiscal_year_start_month
    if latest is None:
        return fiscal.fiscal_quarter(today, month)
    return fiscal.next_quarter(latest.end_date, month)


def cycle_create_next_quarter(*, organization: Organization, today: date) -> Cycle:
    """One click: the next fiscal quarter, named like "2027 Q1"."""
    quarter = next_quarter_for(organization=organization, today=today)
    if Cycle.objects.filter(organization=organization, name=quarter.name).exists():
        raise ValidationError(gettext("A cycle named %(name)s already exists.") % {
            "name": quarter.name})
    return cycle_create(organization=organization, name=quarter.name,
                        start_date=quarter.start_date, end_date=quarter.end_date)


# Which state each state may move to from the cycle page; closing goes through the review.
TRANSITIONS = {
    CycleState.PLANNING: {CycleState.ACTIVE},
    CycleState.ACTIVE: {CycleState.REVIEW},
    CycleState.REVIEW: {CycleState.ACTIVE},
    CycleState.CLOSED: set(),
}


@transaction.atomic
def cycle_transition(*, cycle: Cycle, to: str) -> Cycle:
    """Move a cycle planning → active → review (and back from review to active). At most one
    cycle of an organization is active: the database enforces it, the message explains it."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _refuse_closed(cycle)
    if to not in TRANSITIONS[CycleState(cycle.state)]:
        raise ValidationError(gettext("%(name)s cannot move from %(lower)s to %(to)s.") % {
            "name": cycle.name, "lower": cycle.get_state_display().lower(), "to": to})
    if to == CycleState.ACTIVE:
        other = (Cycle.objects.filter(organization_id=cycle.organization_id,
                                      state=CycleState.ACTIVE).exclude(pk=cycle.pk).first())
        if other is not None:
            raise ValidationError(gettext("Only one cycle can be active, and %(name)s is. Move "
                                          "%(name)s to review first.") % {"name": other.name})
    cycle.state = to
    try:
        with transaction.atomic():
            cycle.save(update_fields=["state"])
    except IntegrityError:
        raise ValidationError(gettext("Only one cycle can be active, and another just became "
                                      "active. Reload the page.")) from None
    request_recompute(cycle.organization_id)
    return cycle


# Goals ----------------------------------------------------------------------------------------

GOAL_FIELDS = ("cycle", "title", "description", "why_it_matters", "perspective", "level",
               "department", "parent", "owner", "priority_rank", "metric", "baseline_value",
               "target_value", "start_date", "due_date", "confidence", "status")


def _validate_goal(goal: Goal) -> None:
    """What refuses a save outright (the SMART check only warns): bad dates, an impossible
    confidence, a parent of another organization or a loop, HTML in the title, a closed
    cycle, a target equal to the baseline on an active goal."""
    errors: dict[str, str] = {}
    if goal.cycle_id and goal.cycle.organization_id != goal.organization_id:
        errors["cycle"] = "Choose a cycle of this organization."
    elif goal.cycle_id and goal.cycle.state == CycleState.CLOSED:
        errors["cycle"] = CLOSED_MESSAGE.format(cycle=goal.cycle.name)
    if HTML_TAG.search(goal.title or ""):
        errors["title"] = ("Titles are plain text: remove the HTML tag (anything like "
                           "“<b>” or “<script>”).")
    if goal.start_date and goal.due_date and goal.due_date <= goal.start_date:
        errors["due_date"] = "The due date must come after the start date."
    if goal.confidence is not None and not 0 <= goal.confidence <= 100:
        errors["confidence"] = "Confidence is a percentage: enter 0 to 100."
    if (goal.status == GoalStatus.ACTIVE and goal.baseline_value is not None
            and goal.target_value is not None and goal.baseline_value == goal.target_value):
        errors["target_value"] = ("An active goal's target must differ from its baseline: "
                                  "otherwise nothing would change. Save it as a draft, or "
                                  "change the target.")
    if goal.metric_id and goal.metric.organization_id != goal.organization_id:
        errors["metric"] = "Choose a metric of this organization."
    if goal.owner_id and not goal.owner.memberships.filter(
            organization_id=goal.organization_id).exists():
        errors["owner"] = "The owner must be a member of this organization."
    if goal.parent_id:
        parent_error = _parent_error(goal)
        if parent_error:
            errors["parent"] = parent_error
    if goal.priority_rank is not None and not 1 <= goal.priority_rank <= PRIORITY_GOAL_LIMIT:
        errors["priority_rank"] = f"Priority ranks run from 1 to {PRIORITY_GOAL_LIMIT}."
    if errors:
        raise ValidationError(errors)


def _parent_error(goal: Goal) -> str:
    parent = Goal.objects.filter(pk=goal.parent_id).only("organization_id", "parent_id").first()
    if parent is None or parent.organization_id != goal.organization_id:
        return "Choose a parent goal of this organization."
    if goal.pk is None:
        return ""
    seen = {goal.pk}
    while parent is not None:
        if parent.pk in seen:
            return ("That parent would make a loop: this goal is already above it in the "
                    "hierarchy.")
        seen.add(parent.pk)
        parent = (Goal.objects.filter(pk=parent.parent_id).only("parent_id").first()
                  if parent.parent_id else None)
    return ""


def _check_priority_slot(goal: Goal) -> None:
    """Refuse a rank already taken, and a fourth priority goal, with a message that says
    what to do. Runs with the cycle row locked, so concurrent saves queue up here."""
    if goal.priority_rank is None:
        return
    taken = (Goal.objects.filter(cycle_id=goal.cycle_id, priority_rank__isnull=False)
             .exclude(pk=goal.pk).order_by("priority_rank"))
    taken = list(taken)
    if len(taken) >= PRIORITY_GOAL_LIMIT:
        names = ", ".join(f"“{g.title}”" for g in taken)
        raise ValidationError({"priority_rank": (
            gettext("This cycle already has %(priority_goal_limit)s priority goals (%(names)s); "
                    "a fourth is refused. Take one of them off the priorities first.") % {
                        "priority_goal_limit": PRIORITY_GOAL_LIMIT, "names": names})})
    for other in taken:
        if other.priority_rank == goal.priority_rank:
            free = sorted(set(range(1, PRIORITY_GOAL_LIMIT + 1))
                          - {g.priority_rank for g in taken})
            raise ValidationError({"priority_rank": (
                gettext("Rank %(priority_rank)s is taken by “%(title)s”. Choose rank %(join)s, "
                        "or reorder on the cycle page.") % {
                            "priority_rank": goal.priority_rank, "title": other.title,
                            "join": ' or '.join(map(str, free))})})


def _limit_message() -> ValidationError:
    return ValidationError({"priority_rank": (
        gettext("Another change took that priority slot a moment ago; at most "
                "%(priority_goal_limit)s priority goals per cycle, each rank once. Reload and "
                "choose again.") % {"priority_goal_limit": PRIORITY_GOAL_LIMIT})})


def _lock_cycle(cycle_id: int) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle_id)


def _save_goal(goal: Goal) -> Goal:
    _validate_goal(goal)
    _check_priority_slot(goal)
    goal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            goal.save()
    except IntegrityError:
        # Two requests raced for the last slot (or the same rank): the unique constraint
        # let only one in. The loser gets the same clear message, and nothing is saved.
        raise _limit_message() from None
    request_recompute(goal.organization_id)
    return goal


@transaction.atomic
def goal_create(*, organization: Organization, cycle: Cycle, title: str, **fields) -> Goal:
    """A new goal in `cycle`. `fields` are any of GOAL_FIELDS."""
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown goal fields: {sorted(unknown)}")
    if cycle.organization_id != organization.pk:
        raise ValidationError({"cycle": gettext("Choose a cycle of this organization.")})
    _lock_cycle(cycle.pk)
    goal = Goal(organization=organization, cycle=cycle, title=title.strip(), **fields)
    return _save_goal(goal)


@transaction.atomic
def goal_update(*, goal: Goal, **fields) -> Goal:
    """Change a goal's fields. Refused when its cycle (or the cycle it moves to) is closed."""
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown goal fields: {sorted(unknown)}")
    current = Goal.objects.select_related("cycle").get(pk=goal.pk)
    _refuse_closed(_lock_cycle(current.cycle_id))
    for name, value in fields.items():
        setattr(goal, name, value)
    if "title" in fields:
        goal.title = (goal.title or "").strip()
    if goal.cycle_id != current.cycle_id:
        _lock_cycle(goal.cycle_id)
        if "priority_rank" not in fields:
            goal.priority_rank = None
    return _save_goal(goal)


@transaction.atomic
def goal_archive(*, goal: Goal) -> Goal:
    """Archive rather than delete: reviews and links keep pointing at it. An archived goal
    gives up its priority slot."""
    _refuse_closed(_lock_cycle(goal.cycle_id))
    goal.status = GoalStatus.ARCHIVED
    goal.priority_rank = None
    goal.save(update_fields=["status", "priority_rank"])
    request_recompute(goal.organization_id)
    return goal


# Priorities -----------------------------------------------------------------------------------

@transaction.atomic
def goal_make_priority(*, goal: Goal) -> Goal:
    """Give `goal` the lowest free priority rank of its cycle; a fourth is refused."""
    _refuse_closed(_lock_cycle(goal.cycle_id))
    goal.refresh_from_db()
    if goal.priority_rank:
        return goal
    if goal.status == GoalStatus.ARCHIVED:
        raise ValidationError(gettext("An archived goal cannot be a priority."))
    taken = set(Goal.objects.filter(cycle_id=goal.cycle_id, priority_rank__isnull=False)
                .values_list("priority_rank", flat=True))
    free = [rank for rank in range(1, PRIORITY_GOAL_LIMIT + 1) if rank not in taken]
    goal.priority_rank = free[0] if free else PRIORITY_GOAL_LIMIT + 1
    _check_priority_slot(goal)
    try:
        with transaction.atomic():
            goal.save(update_fields=["priority_rank"])
    except IntegrityError:
        raise _limit_message() from None
    request_recompute(goal.organization_id)
    return goal


@transaction.atomic
def goal_drop_priority(*, goal: Goal) -> Goal:
    _refuse_closed(_lock_cycle(goal.cycle_id))
    goal.priority_rank = None
    goal.save(update_fields=["priority_rank"])
    request_recompute(goal.organization_id)
    return goal


@transaction.atomic
def goal_move_priority(*, goal: Goal, direction: str) -> Goal:
    """Move a priority goal one place up (towards rank 1) or down, swapping with the goal in
    that place. Ranks are unique per cycle, so the swap parks this goal's rank at NULL
    first; the cycle's priority goals are locked so a concurrent move waits."""
    if direction not in ("up", "down"):
        raise ValidationError(gettext("Move a priority up or down."))
    _refuse_closed(_lock_cycle(goal.cycle_id))
    priorities = list(Goal.objects.select_for_update()
                      .filter(cycle_id=goal.cycle_id, priority_rank__isnull=False)
                      .order_by("priority_rank"))
    me = next((g for g in priorities if g.pk == goal.pk), None)
    if me is None:
        raise ValidationError(gettext("“%(title)s” is not a priority goal of its cycle.") % {
            "title": goal.title})
    target_rank = me.priority_rank - 1 if direction == "up" else me.priority_rank + 1
    if not 1 <= target_rank <= PRIORITY_GOAL_LIMIT:
        place = "first" if direction == "up" else "last"
        raise ValidationError(gettext("“%(title)s” is already %(place)s.") % {
            "title": me.title, "place": place})
    neighbour = next((g for g in priorities if g.priority_rank == target_rank), None)
    old_rank = me.priority_rank
    if neighbour is None:
        me.priority_rank = target_rank
        me.save(update_fields=["priority_rank"])
    else:
        me.priority_rank = None
        me.save(update_fields=["priority_rank"])
        neighbour.priority_rank = old_rank
        neighbour.save(update_fields=["priority_rank"])
        me.priority_rank = target_rank
        me.save(update_fields=["priority_rank"])
    goal.priority_rank = me.priority_rank
    request_recompute(goal.organization_id)
    return goal


# Review and close -----------------------------------------------------------------------------

def reviewable_goals(cycle: Cycle) -> list[Goal]:
    """The goals a review covers: all but archived ones, and (once closed) those archived by
    their outcome, such as carried-over goals."""
    reviewed = set(GoalOutcome.objects.filter(cycle=cycle).values_list("goal_id", flat=True))
    return [g for g in selectors.cycle_goals(organization=cycle.organization, cycle=cycle)
            if g.status != GoalStatus.ARCHIVED or g.pk in reviewed]


@transaction.atomic
def cycle_review_record(*, cycle: Cycle, outcomes: dict[int, tuple[str, str]],
                        user=None) -> list[GoalOutcome]:
    """Record (or replace) each goal's outcome and note: {goal id: (outcome, note)}. Only goals
    of this cycle count; the cycle must be in review."""
    cycle = _lock_cycle(cycle.pk)
    _refuse_closed(cycle)
    if cycle.state != CycleState.REVIEW:
        raise ValidationError(gettext("Move %(name)s to review before recording outcomes.") % {
            "name": cycle.name})
    goals = {g.pk: g for g in reviewable_goals(cycle)}
    recorded = []
    for goal_id, (outcome, note) in outcomes.items():
        if goal_id not in goals or not outcome:
            continue
        if outcome not in Outcome.values:
            raise ValidationError(gettext("“%(outcome)s” is not an outcome.") % {
                "outcome": outcome})
        row, _ = GoalOutcome.objects.update_or_create(
            cycle=cycle, goal=goals[goal_id],
            defaults={"organization_id": cycle.organization_id, "outcome": outcome,
                      "note": note.strip(), "recorded_by": user,
                      "recorded_at": timezone.now()})
        recorded.append(row)
    request_recompute(cycle.organization_id)
    return recorded


# What a goal's status becomes when its cycle closes, by outcome. The outcome keeps the nuance
# ("partly"); the status says the goal no longer counts in an open plan.
STATUS_AFTER_CLOSE = {
    Outcome.ACHIEVED: GoalStatus.ACHIEVED,
    Outcome.PARTLY: GoalStatus.MISSED,
    Outcome.MISSED: GoalStatus.MISSED,
    Outcome.CARRIED_OVER: GoalStatus.ARCHIVED,
}


@transaction.atomic
def cycle_close(*, cycle: Cycle, user=None, today: date | None = None) -> Cycle:
    """Close a reviewed cycle: every goal needs an outcome. First the cycle's scores are frozen
    as they stand with the cycle still open (`signals.cycle_closing`: the scoring stores them
    with what the report lists); then carried-over goals are copied into the next cycle
    (created if there is none) and the goals' statuses follow their outcomes."""
    cycle = _lock_cycle(cycle.pk)
    _refuse_closed(cycle)
    if cycle.state != CycleState.REVIEW:
        raise ValidationError(gettext("Move %(name)s to review before closing it.") % {
            "name": cycle.name})
    goals = reviewable_goals(cycle)
    outcomes = selectors.outcomes_of(organization=cycle.organization, cycle=cycle)
    missing = [g.title for g in goals if g.pk not in outcomes]
    if missing:
        raise ValidationError("Record an outcome for every goal before closing: "
                              + ", ".join(f"“{t}”" for t in missing) + ".")
    today = today or timezone.localdate()
    signals.cycle_closing.send(sender=Cycle, cycle=cycle, today=today)
    carried = [g for g in goals if outcomes[g.pk].outcome == Outcome.CARRIED_OVER]
    if carried:
        next_cycle = _next_cycle(cycle, today=today)
        for goal in carried:
            goal_carry_over(goal=goal, into=next_cycle)
    for goal in goals:
        goal.status = STATUS_AFTER_CLOSE[Outcome(outcomes[goal.pk].outcome)]
        goal.save(update_fields=["status"])
    now = timezone.now()
    cycle.state = CycleState.CLOSED
    cycle.closed_at = now
    cycle.reviewed_at = now
    cycle.reviewed_by = user
    cycle.save()
    request_recompute(cycle.organization_id)
    return cycle


def _next_cycle(cycle: Cycle, *, today: date) -> Cycle:
    """The open cycle that starts after `cycle`, or a new fiscal quarter right after it."""
    following = (Cycle.objects.filter(organization_id=cycle.organization_id,
                                      start_date__gt=cycle.start_date)
                 .exclude(state=CycleState.CLOSED).order_by("start_date").first())
    if following is not None:
        return following
    organization = cycle.organization
    quarter = fiscal.next_quarter(cycle.end_date, organization.fiscal_year_start_month)
    name = quarter.name
    if Cycle.objects.filter(organization=organization, name=name).exists():
        name = f"{name} (after {cycle.name})"
    return cycle_create(organization=organization, name=name, start_date=quarter.start_date,
                        end_date=quarter.end_date)


@transaction.atomic
def goal_carry_over(*, goal: Goal, into: Cycle) -> Goal:
    """Copy `goal` with its alignment links into cycle `into`. Copying twice returns the first
    copy. The copy keeps its rank when that slot is free in the new cycle."""
    if into.organization_id != goal.organization_id:
        raise ValidationError(gettext("Carry a goal over only into a cycle of its organization."))
    _refuse_closed(_lock_cycle(into.pk))
    existing = Goal.objects.filter(carried_over_from=goal, cycle=into).first()
    if existing is not None:
        return existing
    rank = goal.priority_rank
    if rank and Goal.objects.filter(cycle=into, priority_rank=rank).exists():
        rank = None
    due = goal.due_date if goal.due_date and goal.due_date > into.start_date else into.end_date
    copy = Goal(
        organization_id=goal.organization_id, cycle=into, title=goal.title,
        description=goal.description, why_it_matters=goal.why_it_matters,
        perspective=goal.perspective, level=goal.level, department=goal.department,
        parent_id=goal.parent_id, owner_id=goal.owner_id, priority_rank=rank,
        metric_id=goal.metric_id, baseline_value=goal.baseline_value,
        target_value=goal.target_value, start_date=into.start_date,
        due_date=max(due, into.start_date + timedelta(days=1)), confidence=goal.confidence,
        status=GoalStatus.DRAFT if goal.status == GoalStatus.DRAFT else GoalStatus.ACTIVE,
        carried_over_from=goal,
    )
    copy.save()
    # One by one, so each copied link has its history entry.
    for link in AlignmentLink.objects.filter(goal=goal):
        AlignmentLink.objects.create(
            organization_id=link.organization_id, initiative_id=link.initiative_id, goal=copy,
            contribution=link.contribution, rationale=link.rationale,
            expected_effect=link.expected_effect)
    request_recompute(goal.organization_id)
    return copy
