"""Pages of the goals app: the goals list, goal form and page, cycles, priorities, review.

Each view starts with get_membership (404 for non-members, 403 below the role), fetches
records by id within the organization, and serves its fragment to htmx requests."""

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from alignment_portal import charts
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role
from alignment_portal.scoring import smart
from goals import selectors, services
from goals.forms import CycleForm, GoalFilterForm, GoalForm, ReviewForm
from goals.models import PRIORITY_GOAL_LIMIT, Cycle, CycleState, Goal, GoalStatus
from goals.starters import STARTERS

GOALS_PER_PAGE = 25
TREE_LIMIT = 500


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# Goals list -----------------------------------------------------------------------------------

@login_required
def goal_list(request, org_slug):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    filter_form = GoalFilterForm(request.GET or None, organization=organization)
    # The flag filter's choices are the codes open on a goal now; another value is ignored.
    flag_choices = selectors.goal_flag_choices(organization=organization)
    flag = request.GET.get("flag", "")
    if flag not in dict(flag_choices):
        flag = ""
    filters = dataclasses.replace(filter_form.filters(), flag=flag)
    goals = selectors.goal_list(organization=organization, filters=filters)
    view = request.GET.get("view") if request.GET.get("view") in ("list", "tree") else "list"
    context = {"filter_form": filter_form, "view": view, "flag_choices": flag_choices,
               "flag": flag, "flag_refused": bool(request.GET.get("flag")) and not flag}
    if view == "tree":
        tree_goals = list(goals[:TREE_LIMIT])
        context.update(tree=selectors.goal_tree(tree_goals),
                       truncated=len(tree_goals) >= TREE_LIMIT)
    else:
        page = Paginator(goals, GOALS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        selectors.attach_open_flags(organization=organization, goals=page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(page=page, query=query.urlencode())
    if request.htmx and not request.htmx.boosted:
        return render(request, "goals/goal_list.html#results", context)
    return render(request, "goals/goal_list.html", context)


# Goal form (create / edit) with the live SMART check ----------------------------------------

def _series_for(organization, metric) -> selectors.Series:
    return selectors.metric_series(organization=organization,
                                   metric_id=metric.pk if metric else None)


def _smart_for_form(form: GoalForm) -> smart.SmartResult:
    values = form.partial_values()
    if not form.is_bound and form.initial:
        values = {**form.initial, **values}
    return smart.check(selectors.goal_facts(
        values, cycle=values.get("cycle"),
        series=_series_for(form.organization, values.get("metric"))))


def _goal_form_page(request, form, *, goal=None, status=200, starter_key=""):
    """The form page, or on htmx its fragment: the whole form after a starter was picked,
    the SMART badges for the live check."""
    closed = goal is not None and goal.cycle.is_closed
    context = {"form": form, "goal": goal, "smart": _smart_for_form(form),
               "starters": STARTERS, "starter_key": starter_key,
               "closed": closed,
               # No open cycle: the form could only answer "This field is required".
               "needs_cycle": goal is None and not form.fields["cycle"].queryset.exists(),
               "closed_message": (services.CLOSED_MESSAGE.format(cycle=goal.cycle.name)
                                  if closed else ""),
               "action_url": (reverse("goals:edit", args=[form.organization.slug, goal.pk])
                              if goal else reverse("goals:create", args=[form.organization.slug]))}
    if request.htmx:
        fragment = "smart_badges" if request.POST.get("_action") == "check" else "goal_form"
        return render(request, f"goals/goal_form.html#{fragment}", context, status=status)
    return render(request, "goals/goal_form.html", context, status=status)


@login_required
def goal_create(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    if request.method != "POST":
        form = GoalForm(initial=selectors.new_goal_initial(
            organization=organization, cycle_id=request.GET.get("cycle", ""),
            parent_id=request.GET.get("parent", ""), template=request.GET.get("template", "")),
                        organization=organization)
        return _goal_form_page(request, form, starter_key=request.GET.get("template", ""))
    form = GoalForm(request.POST, organization=organization)
    if request.POST.get("_action") == "check":
        return _goal_form_page(request, form)
    if form.is_valid():
        try:
            data = dict(form.cleaned_data)
            goal = services.goal_create(organization=organization, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _saved(request, goal, "created")
    return _goal_form_page(request, form)


@login_required
def goal_edit(request, org_slug, goal_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    goal = get_object_or_404(Goal.objects.select_related("cycle"), pk=goal_id,
                             organization=organization)
    if request.method != "POST":
        initial = {name: getattr(goal, name) for name in services.GOAL_FIELDS}
        form = GoalForm(initial=initial, organization=organization, goal=goal)
        return _goal_form_page(request, form, goal=goal)
    form = GoalForm(request.POST, organization=organization, goal=goal)
    if request.POST.get("_action") == "check":
        return _goal_form_page(request, form, goal=goal)
    if goal.cycle.is_closed:
        # Refused before validation: the closed cycle is not even a valid choice any more.
        return _goal_form_page(request, form, goal=goal, status=400)
    if form.is_valid():
        try:
            goal = services.goal_update(goal=goal, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _saved(request, goal, "saved")
    return _goal_form_page(request, form, goal=goal)


def _saved(request, goal, verb):
    result = selectors.goal_smart(goal, series=_series_for(goal.organization, goal.metric))
    if result.passed:
        messages.success(request, gettext("“%(title)s” is %(verb)s; it passes all five SMART "
                                          "criteria.") % {"title": goal.title, "verb": verb})
    elif goal.status == GoalStatus.DRAFT:
        messages.info(request, gettext("“%(title)s” is %(verb)s as a draft. Still to do: "
                                       "%(failed_names)s.") % {
                                           "title": goal.title, "verb": verb,
                                           "failed_names": result.failed_names()})
    else:
        messages.warning(request, gettext("“%(title)s” is %(verb)s, but it fails "
                                          "%(failed_names)s: see the reasons below.") % {
                                              "title": goal.title, "verb": verb,
                                              "failed_names": result.failed_names()})
    return redirect("goals:detail", org_slug=goal.organization.slug, goal_id=goal.pk)


# Goal page ------------------------------------------------------------------------------------

@login_required
def goal_detail(request, org_slug, goal_id):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    goal = selectors.goal_for_page(organization=organization, goal_id=goal_id)
    if goal is None:
        raise Http404(gettext("No such goal."))
    series = _series_for(organization, goal.metric)
    progress = selectors.goal_progress(goal, series=series)
    chart = None
    if goal.metric and series.values:
        chart = charts.goal_progress_chart(
            periods=series.periods, values=series.values, metric_name=goal.metric.name,
            baseline=goal.baseline_value, target=goal.target_value,
            due_date=goal.due_date, forecast_value=progress.forecast.value_at_due)
    context = {
        "goal": goal, "smart": selectors.goal_smart(goal, series=series),
        "scores": selectors.goal_scores(organization=organization, goal=goal),
        "progress": progress, "chart": chart,
        "links": selectors.serving_links(organization=organization, goal=goal),
        "children": selectors.child_goals(organization=organization, goal=goal),
        "outcomes": selectors.goal_outcomes(organization=organization, goal=goal),
        "history": selectors.history_entries(goal, organization=organization),
        "can_change": membership.can_plan and not goal.cycle.is_closed,
    }
    return render(request, "goals/goal_detail.html", context)


@login_required
@require_POST
def goal_archive(request, org_slug, goal_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    goal = get_object_or_404(Goal, pk=goal_id, organization=membership.organization)
    try:
        services.goal_archive(goal=goal)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("“%(title)s” is archived; its history and any review "
                                          "that mentions it are kept.") % {"title": goal.title})
    return redirect("goals:detail", org_slug=org_slug, goal_id=goal.pk)


# Priorities -----------------------------------------------------------------------------------

PRIORITY_ACTIONS = {
    "up": lambda goal: services.goal_move_priority(goal=goal, direction="up"),
    "down": lambda goal: services.goal_move_priority(goal=goal, direction="down"),
    "make": lambda goal: services.goal_make_priority(goal=goal),
    "drop": lambda goal: services.goal_drop_priority(goal=goal),
}


@login_required
@require_POST
def goal_priority(request, org_slug, goal_id):
    """Make a goal a priority, take it off, or move it up or down: buttons, no dragging."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    goal = get_object_or_404(Goal.objects.select_related("cycle"), pk=goal_id,
                             organization=membership.organization)
    action = PRIORITY_ACTIONS.get(request.POST.get("action", ""))
    announcement, error = "", ""
    if action is None:
        error = "Choose up, down, make priority or remove."
    else:
        try:
            goal = action(goal)
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            announcement = (f"“{goal.title}” is now priority {goal.priority_rank}."
                            if goal.priority_rank else
                            f"“{goal.title}” is no longer a priority goal.")
    if request.htmx:
        context = _cycle_context(goal.cycle, membership)
        context.update(announcement=announcement, priority_error=error)
        return render(request, "goals/cycle_detail.html#priorities", context,
                      status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, announcement)
    return redirect("goals:cycle_detail", org_slug=org_slug, cycle_id=goal.cycle_id)


# Cycles ---------------------------------------------------------------------------------------

@login_required
def cycle_list(request, org_slug):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    context = {
        "cycles": selectors.cycles_for(organization=organization),
        "next_quarter": services.next_quarter_for(organization=organization,
                                                  today=timezone.localdate()),
        "form": CycleForm(),
    }
    return render(request, "goals/cycle_list.html", context)


@login_required
@require_POST
def cycle_next_quarter(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    try:
        cycle = services.cycle_create_next_quarter(organization=membership.organization,
                                                   today=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("goals:cycles", org_slug=org_slug)
    messages.success(request, gettext("%(name)s is created, in planning.") % {"name": cycle.name})
    return redirect("goals:cycle_detail", org_slug=org_slug, cycle_id=cycle.pk)


def _add_cycle_error(form: CycleForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict") and "__all__" in exc.error_dict:
        exc = ValidationError({"name": gettext("A cycle with this name already exists.")})
    form.add_error(None, exc)


@login_required
def cycle_create(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            _add_cycle_error(form, exc)
        else:
            messages.success(request, gettext("%(name)s is created, in planning.") % {
                "name": cycle.name})
            return redirect("goals:cycle_detail", org_slug=org_slug, cycle_id=cycle.pk)
    return render(request, "goals/cycle_form.html", {"form": form})


@login_required
def cycle_edit(request, org_slug, cycle_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    cycle = get_object_or_404(Cycle, pk=cycle_id, organization=membership.organization)
    if cycle.state == CycleState.CLOSED:
        messages.error(request, services.CLOSED_MESSAGE.format(cycle=cycle.name))
        return redirect("goals:cycle_detail", org_slug=org_slug, cycle_id=cycle.pk)
    form = CycleForm(request.POST or None, initial={
        "name": cycle.name, "start_date": cycle.start_date, "end_date": cycle.end_date})
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_update(cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            _add_cycle_error(form, exc)
        else:
            messages.success(request, gettext("%(name)s is saved.") % {"name": cycle.name})
            return redirect("goals:cycle_detail", org_slug=org_slug, cycle_id=cycle.pk)
    return render(request, "goals/cycle_form.html", {"form": form, "cycle": cycle})


def _cycle_context(cycle: Cycle, membership) -> dict:
    goals = selectors.cycle_goals(organization=membership.organization, cycle=cycle)
    visible = [g for g in goals if g.status != GoalStatus.ARCHIVED]
    return {
        "cycle": cycle,
        "by_perspective": selectors.goals_by_perspective(visible),
        "priorities": selectors.priority_goals(visible),
        "others": [g for g in visible if not g.priority_rank],
        "archived_count": len(goals) - len(visible),
        "priority_limit": PRIORITY_GOAL_LIMIT,
        "can_change": membership.can_plan and not cycle.is_closed,
    }


@login_required
def cycle_detail(request, org_slug, cycle_id):
    membership = get_membership(request, org_slug)
    cycle = get_object_or_404(Cycle, pk=cycle_id, organization=membership.organization)
    context = _cycle_context(cycle, membership)
    context.update(
        transitions=sorted(services.TRANSITIONS[CycleState(cycle.state)]),
        history=selectors.history_entries(cycle, organization=membership.organization),
    )
    if request.htmx:
        return render(request, "goals/cycle_detail.html#priorities", context)
    return render(request, "goals/cycle_detail.html", context)


@login_required
@require_POST
def cycle_transition(request, org_slug, cycle_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    cycle = get_object_or_404(Cycle, pk=cycle_id, organization=membership.organization)
    try:
        cycle = services.cycle_transition(cycle=cycle, to=request.POST.get("to", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("%(name)s is now %(lower)s.") % {
            "name": cycle.name, "lower": cycle.get_state_display().lower()})
        if cycle.state == CycleState.REVIEW:
            return redirect("goals:cycle_review", org_slug=org_slug, cycle_id=cycle.pk)
    return redirect("goals:cycle_detail", org_slug=org_slug, cycle_id=cycle.pk)


@login_required
def cycle_review(request, org_slug, cycle_id):
    """The review: per goal an outcome and a note, then close. A closed cycle's review is the
    quarter's printable record."""
    read_role = Role.VIEWER if request.method == "GET" else Role.CONSULTANT
    membership = get_membership(request, org_slug, read_role)
    organization = membership.organization
    cycle = get_object_or_404(Cycle, pk=cycle_id, organization=organization)
    goals = services.reviewable_goals(cycle)
    outcomes = selectors.outcomes_of(organization=organization, cycle=cycle)
    form = ReviewForm(request.POST or None, goals=goals, outcomes=outcomes)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_review_record(cycle=cycle, outcomes=form.outcomes(),
                                         user=request.user)
            if request.POST.get("_action") == "close":
                services.cycle_close(cycle=cycle, user=request.user)
                messages.success(request, gettext("%(name)s is closed; its review is the record "
                                                  "below.") % {"name": cycle.name})
            else:
                messages.success(request, gettext("The review is saved."))
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            return redirect("goals:cycle_review", org_slug=org_slug, cycle_id=cycle.pk)
    rows = []
    for goal in goals:
        series = _series_for(organization, goal.metric)
        rows.append({"goal": goal, "progress": selectors.goal_progress(goal, series=series),
                     "outcome": outcomes.get(goal.pk)})
    context = {"cycle": cycle, "form": form, "rows": rows, "error": error,
               "can_review": membership.can_plan and cycle.state == CycleState.REVIEW,
               "carried": selectors.carried_from(organization=organization, cycle=cycle)}
    return render(request, "goals/cycle_review.html", context, status=400 if error else 200)
