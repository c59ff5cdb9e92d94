"""Pages of scenarios: the list, a scenario's workspace (its changes, each with its own effect,
and the plan before and after, side by side), apply, delete, and the ways in from elsewhere:
the alignment matrix in scenario mode, the technology audit, a flag's fix and the next-rung
checklist.

Every view starts with the access helper; a private scenario is 404 to everyone but its
author; an id of another organization is 404 (intake.UnknownRecord). Writes need a
consultant. On htmx, adding or removing a change answers with the workspace fragment,
re-evaluated."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from alignment_portal.lib.formats import local_digits
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role
from alignment_portal.scenarios import selectors, services, suggestions
from alignment_portal.scenarios.apply import CONTRIBUTIONS, INITIATIVE_STATUSES, apply_changes
from alignment_portal.scenarios.evaluate import DIMENSION_LABELS, DIMENSIONS
from alignment_portal.scenarios.intake import (
    UnknownRecord,
    describe,
    describe_stored,
    parse_change,
)
from alignment_portal.scenarios.models import MAX_CHANGES, ChangeType, ScenarioChange
from alignment_portal.scoring.compute import score
from alignment_portal.scoring.constants import RUNG_LABELS
from alignment_portal.scoring.engine import load_frames
from alignment_portal.scoring.models import Flag, Severity
from initiatives.models import CONTRIBUTION_LABELS, STATUS_LABELS

SEVERITY_LABELS = dict(Severity.choices)


def _remember(request, scenario) -> None:
    """Make `scenario` the one "Try in a scenario" adds to, for this member."""
    key = selectors.SESSION_KEY.format(organization_id=scenario.organization_id)
    request.session[key] = scenario.pk


def _editable(request, org_slug, scenario_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    scenario = selectors.scenario_for(organization=membership.organization, user=request.user,
                                      scenario_id=scenario_id)
    return membership, scenario


def _choices(frames) -> dict:
    """The records a change can name, from the frames already loaded (no query)."""
    initiatives = sorted(zip(frames.initiatives["id"].tolist(), frames.initiatives["name"].tolist(),
                             frames.initiatives["status"].tolist(), strict=True),
                         key=lambda r: str(r[1]).lower())
    goals = [(g, t, s) for g, t, s in zip(frames.goals["id"].tolist(),
                                          frames.goals["title"].tolist(),
                                          frames.goals["status"].tolist(), strict=True)
             if s != "archived"]
    goals.sort(key=lambda r: (r[2] != "active", str(r[1]).lower()))
    tools = sorted(((t, n) for t, n, s in zip(frames.tools["id"].tolist(),
                                              frames.tools["name"].tolist(),
                                              frames.tools["status"].tolist(), strict=True)
                    if s != "retired"), key=lambda r: str(r[1]).lower())
    names, titles = frames.labels("initiatives"), frames.labels("goals")
    links = sorted(((i, g, f"{names.get(i, '?')} → {titles.get(g, '?')}") for i, g in zip(
        frames.alignment_links["initiative_id"].tolist(),
        frames.alignment_links["goal_id"].tolist(), strict=True)), key=lambda r: r[2].lower())
    return {"initiatives": [{"id": i, "name": n, "status": STATUS_LABELS.get(s, s)}
                            for i, n, s in initiatives],
            "goals": [{"id": g, "title": t, "draft": s == "draft"} for g, t, s in goals],
            "tools": [{"id": t, "name": n} for t, n in tools],
            "links": [{"value": f"{i}:{g}", "label": label} for i, g, label in links],
            "contributions": [(c, CONTRIBUTION_LABELS[c]) for c in CONTRIBUTIONS],
            "statuses": [(s, STATUS_LABELS[s]) for s in INITIATIVE_STATUSES]}


def _workspace(request, membership, scenario, *, plan=None, errors=None, form_type="",
               posted=None, status_message="") -> dict:
    """Everything the workspace shows: the plan read once (selectors.plan_of), every change
    evaluated."""
    organization = membership.organization
    plan = plan if plan is not None else selectors.plan_of(organization)
    frames = plan.frames
    rows = selectors.changes_of(scenario)
    changes = [selectors.as_change(r) for r in rows]
    evaluation = selectors.evaluate_changes(organization=organization, changes=changes,
                                            plan=plan)
    can_edit = membership.can_plan and not scenario.is_applied
    before, after = evaluation.before, evaluation.after
    figures = [{"label": DIMENSION_LABELS[d], "unit": "/ 100", "before": before[d],
                "after": after[d], "delta": round(after[d] - before[d], 2), "better": "up"}
               for d in DIMENSIONS]
    return {
        "scenario": scenario, "organization": organization, "membership": membership,
        "evaluation": evaluation, "before": before, "after": after, "figures": figures,
        **_worded_evaluation(evaluation),
        "spend_delta": round(after["misaligned_spend"] - before["misaligned_spend"], 2),
        "share_delta": round(after["misaligned_share"] - before["misaligned_share"], 2),
        "net_delta": (None if before["net_monthly_benefit"] is None
                      or after["net_monthly_benefit"] is None
                      else round(after["net_monthly_benefit"] - before["net_monthly_benefit"],
                                 2)),
        "change_rows": [{"row": r, "problem": p, "effect": effect_words(e, organization.currency),
                         "description": describe_stored(c, r.description, frames,
                                                        organization.currency)}
                        for r, c, p, e in zip(rows, changes, evaluation.problems,
                                              evaluation.effects, strict=True)],
        "can_edit": can_edit, "max_changes": MAX_CHANGES,
        "choices": _choices(frames) if can_edit else None,
        "errors": errors or {}, "form_type": form_type, "posted": posted or {},
        "status_message": status_message, "change_types": ChangeType,
        "is_open": request.session.get(selectors.SESSION_KEY.format(
            organization_id=organization.pk)) == scenario.pk,
    }


def _worded_evaluation(evaluation) -> dict:
    """The evaluation's codes as the reader's words: the rung names (the dashboard's labels),
    each flag's severity and each initiative's status (the models' choice labels). The
    evaluation itself keeps its codes (the API's, and the cached plan's "before")."""
    def flags(rows):
        return [{**f, "severity_label": SEVERITY_LABELS.get(f["severity"], f["severity"])}
                for f in rows]

    def status(code):
        return STATUS_LABELS.get(code, code) if code else code

    return {
        "before_rung_name": RUNG_LABELS.get(evaluation.before["rung"], ""),
        "after_rung_name": RUNG_LABELS.get(evaluation.after["rung"], ""),
        "flags_opened": flags(evaluation.flags_opened),
        "flags_resolved": flags(evaluation.flags_resolved),
        "initiative_rows": [{**i, "status_before": status(i["status_before"]),
                             "status_after": status(i["status_after"])}
                            for i in evaluation.initiatives],
    }


def effect_words(effect: dict | None, currency: str) -> list[str] | None:
    """A change's own effect in words ("D2 Alignment +11.38"), only the figures it moves;
    None when it could not be scored alone (it depends on an earlier change)."""
    if effect is None:
        return None
    words = []
    if effect["rung"]:
        words.append(gettext("rung %(delta)s") % {"delta": f"{effect['rung']:+d}"})
    # Numbers with the reader's decimal and group signs ("+11,38" in German).
    words.extend(f"{DIMENSION_LABELS[d]} {local_digits(f'{effect[d]:+.2f}')}"
                 for d in DIMENSIONS if effect[d])
    if effect["misaligned_spend"]:
        words.append(gettext("misaligned spend %(delta)s %(currency)s/month") % {
            "delta": local_digits(f"{effect['misaligned_spend']:+,.2f}"), "currency": currency})
    if effect["misaligned_share"]:
        words.append(gettext("misaligned share %(delta)s points") % {
            "delta": local_digits(f"{effect['misaligned_share']:+.2f}")})
    if effect.get("net_monthly_benefit"):
        words.append(gettext("net benefit %(delta)s %(currency)s/month") % {
            "delta": local_digits(f"{effect['net_monthly_benefit']:+,.2f}"),
            "currency": currency})
    return words


def _form_data(post) -> dict:
    """The posted fields as intake.parse_change reads them (one link for a new initiative)."""
    data = {key: post.get(key, "") for key in (
        "type", "initiative", "goal", "tool", "contribution", "rationale", "status", "rank",
        "name", "monthly_cost", "one_time_cost")}
    if post.get("link"):  # unlink: "initiative:goal" from the list of existing links
        initiative, _, goal = post["link"].partition(":")
        data.update(initiative=initiative, goal=goal)
    if data["type"] == ChangeType.NEW_INITIATIVE:
        link_goal = post.get("link_goal", "")
        data["links"] = [{"goal": link_goal, "contribution": post.get("link_contribution", ""),
                          "rationale": post.get("link_rationale", "")}] if link_goal else []
    return data


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {key: " ".join(messages_) for key, messages_ in exc.message_dict.items()}
    return {"form": " ".join(exc.messages)}


def _add(request, membership, scenario, data: dict, frames):
    """Check and add one change; (error dict or None, status message)."""
    try:
        change = parse_change(data, frames)
        services.change_add(scenario=scenario, change=change, frames=frames)
    except UnknownRecord as exc:
        raise Http404(str(exc)) from None
    except ValidationError as exc:
        return _errors(exc), ""
    return None, gettext("Change added; the scores below are re-evaluated.")


# --- The list and a scenario ------------------------------------------------------------------

@login_required
def scenario_list(request, org_slug):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    scenarios = list(selectors.visible_scenarios(organization=organization, user=request.user))
    return render(request, "scenarios/list.html", {
        "scenarios": scenarios, "open": selectors.open_scenario(request=request,
                                                                 organization=organization)})


@login_required
@require_POST
def scenario_create(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    try:
        scenario = services.scenario_create(organization=membership.organization,
                                            author=request.user,
                                            name=request.POST.get("name", ""))
    except ValidationError as exc:
        scenarios = list(selectors.visible_scenarios(organization=membership.organization,
                                                     user=request.user))
        return render(request, "scenarios/list.html", {
            "scenarios": scenarios, "errors": _errors(exc),
            "name": request.POST.get("name", "")[:200]}, status=400)
    _remember(request, scenario)
    if request.POST.get("next") == "matrix":
        return redirect(reverse("initiatives:matrix", args=[org_slug])
                        + f"?scenario={scenario.pk}")
    return redirect("scenarios:detail", org_slug, scenario.pk)


@login_required
def scenario_detail(request, org_slug, scenario_id):
    membership = get_membership(request, org_slug)
    scenario = selectors.scenario_for(organization=membership.organization, user=request.user,
                                      scenario_id=scenario_id)
    context = _workspace(request, membership, scenario)
    if request.htmx and not request.htmx.boosted:
        return render(request, "scenarios/detail.html#workspace", context)
    return render(request, "scenarios/detail.html", context)


@login_required
@require_POST
def scenario_edit(request, org_slug, scenario_id):
    """Rename, share or stop sharing."""
    membership, scenario = _editable(request, org_slug, scenario_id)
    shared = {"share": True, "unshare": False}.get(request.POST.get("action", ""))
    name = request.POST.get("name") if "name" in request.POST else None
    try:
        services.scenario_update(scenario=scenario, name=name, shared=shared)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc).values()))
    else:
        messages.success(request, gettext("Shared with the organization's members.") if shared
                         else gettext("Now private to its author.") if shared is False
                         else gettext("Renamed."))
    return redirect("scenarios:detail", org_slug, scenario.pk)


@login_required
@require_POST
def scenario_open(request, org_slug, scenario_id):
    """Work in this scenario: "Try in a scenario" elsewhere adds to it."""
    membership, scenario = _editable(request, org_slug, scenario_id)
    if scenario.is_applied:
        messages.error(request, gettext("An applied scenario cannot take new changes."))
    else:
        _remember(request, scenario)
        messages.success(request, gettext("“%(name)s” is your open scenario: “Try in a scenario” "
                                          "on the matrix, the audit and the flags adds to it.") % {
                                              "name": scenario.name})
    return redirect("scenarios:detail", org_slug, scenario.pk)


@login_required
@require_POST
def change_add(request, org_slug, scenario_id):
    membership, scenario = _editable(request, org_slug, scenario_id)
    plan = selectors.plan_of(membership.organization)
    data = _form_data(request.POST)
    errors, status_message = _add(request, membership, scenario, data, plan.frames)
    if errors is None and not request.htmx:
        messages.success(request, status_message)
        return redirect("scenarios:detail", org_slug, scenario.pk)
    context = _workspace(request, membership, scenario, plan=plan, errors=errors,
                         form_type=data["type"], posted=request.POST if errors else None,
                         status_message=status_message)
    status = 400 if errors else 200
    if request.htmx:
        return render(request, "scenarios/detail.html#workspace", context, status=status)
    return render(request, "scenarios/detail.html", context, status=status)


@login_required
@require_POST
def change_remove(request, org_slug, scenario_id, change_id):
    membership, scenario = _editable(request, org_slug, scenario_id)
    change = get_object_or_404(ScenarioChange, pk=change_id, scenario=scenario,
                               organization=membership.organization)
    errors, status_message = None, gettext("Change removed; the scores below are re-evaluated.")
    try:
        services.change_remove(change=change)
    except ValidationError as exc:
        errors, status_message = _errors(exc), ""
    if request.htmx:
        return render(request, "scenarios/detail.html#workspace",
                      _workspace(request, membership, scenario, errors=errors,
                                 status_message=status_message))
    if errors:
        messages.error(request, " ".join(errors.values()))
    else:
        messages.success(request, status_message)
    return redirect("scenarios:detail", org_slug, scenario.pk)


@login_required
def scenario_apply(request, org_slug, scenario_id):
    """GET: what applying will do, with the evaluation. POST: apply, or refuse with reasons."""
    membership, scenario = _editable(request, org_slug, scenario_id)
    reasons = []
    if request.method == "POST":
        try:
            applied = services.scenario_apply(scenario=scenario, user=request.user)
        except services.ScenarioRefused as exc:
            reasons = exc.reasons
        else:
            messages.success(request, gettext("Applied %(len)s change(s) to the plan. The scores "
                                              "are being recomputed.") % {"len": len(applied.made)})
            return redirect("scenarios:detail", org_slug, scenario.pk)
    context = _workspace(request, membership, scenario)
    context["reasons"] = reasons
    return render(request, "scenarios/apply.html", context, status=409 if reasons else 200)


@login_required
def scenario_delete(request, org_slug, scenario_id):
    membership, scenario = _editable(request, org_slug, scenario_id)
    if request.method == "POST":
        name = scenario.name
        services.scenario_delete(scenario=scenario)
        messages.success(request, gettext("Deleted the scenario “%(name)s”. The plan is "
                                          "unchanged.") % {"name": name})
        return redirect("scenarios:list", org_slug)
    return render(request, "scenarios/delete.html", {"scenario": scenario})


# --- Ways in from elsewhere -------------------------------------------------------------------

def _open_or_new(request, organization, name: str):
    scenario = selectors.open_scenario(request=request, organization=organization)
    if scenario is None:
        scenario = services.scenario_create(organization=organization, author=request.user,
                                            name=name)
        _remember(request, scenario)
    return scenario


@login_required
@require_POST
def try_change(request, org_slug):
    """Add one change to the open scenario (a new one when there is none), e.g. "Try retiring
    it in a scenario" on the technology audit; then show the scenario."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    frames = selectors.plan_of(organization).frames
    data = _form_data(request.POST)
    try:
        parse_change(data, frames)  # 404 for another organization's ids before creating
    except UnknownRecord as exc:
        raise Http404(str(exc)) from None
    except ValidationError:
        pass  # reported by _add below, on the scenario
    scenario = _open_or_new(request, organization, gettext("Trying changes"))
    errors, status_message = _add(request, membership, scenario, data, frames)
    if errors:
        messages.error(request, gettext("Not added: %(problems)s") % {
            "problems": " ".join(errors.values())})
    else:
        messages.success(request, gettext("Added to the scenario “%(name)s”.") % {
            "name": scenario.name})
    return redirect("scenarios:detail", org_slug, scenario.pk)


@login_required
def try_flag(request, org_slug, flag_id):
    """A flag's suggested fix as changes to try: pick one (prefilled), it goes into the open
    scenario."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    flag = get_object_or_404(Flag, pk=flag_id, organization=organization)
    frames = load_frames(organization.pk)
    if request.method == "POST":
        return try_change(request, org_slug)
    card = score(frames, selectors.scoring_day(organization))
    options = suggestions.for_flag(flag.code, flag.subject_type, flag.subject_id, frames, card)
    tools, initiatives = frames.labels("tools"), frames.labels("initiatives")
    goals = frames.labels("goals")
    for option in options:
        option.update(tool_name=tools.get(option.get("tool"), ""),
                      initiative_name=initiatives.get(option.get("initiative"), ""),
                      goal_title=goals.get(option.get("goal"), ""),
                      status_label=STATUS_LABELS.get(option.get("status"), ""))
    return render(request, "scenarios/try_flag.html", {
        "flag": flag, "options": options, "choices": _choices(frames),
        "open": selectors.open_scenario(request=request, organization=organization)})


@login_required
def suggest(request, org_slug):
    """"What would reach the next rung?": GET shows the changes the next-rung checklist's
    records suggest (links for initiatives with no active goal, retirements for unused
    tools); POST makes them a new scenario."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    frames = load_frames(organization.pk)
    card = score(frames, selectors.scoring_day(organization))
    rung, changes, others = suggestions.for_next_rung(frames, card)
    if request.method != "POST":
        return render(request, "scenarios/suggest.html", {
            "rung": rung, "others": others,
            "descriptions": [describe(c, frames, organization.currency) for c in changes]})
    if rung is None or not changes:
        messages.info(request, gettext("No change a scenario can try moves the unmet conditions."))
        return redirect("scenarios:suggest", org_slug)
    scenario = services.scenario_create(organization=organization, author=request.user,
                                        name=gettext("What would reach rung %(rung)s?") % {
                                            "rung": rung})
    for change in changes:
        try:
            services.change_add(scenario=scenario, change=change, frames=frames)
        except ValidationError:
            continue  # an earlier suggestion covers it
    _remember(request, scenario)
    messages.info(request, gettext("Suggested %(len)s change(s) from the checklist: check each "
                                   "goal and rationale before applying.") % {"len": len(changes)})
    return redirect("scenarios:detail", org_slug, scenario.pk)


# --- The alignment matrix in scenario mode ----------------------------------------------------

def scenario_cell_base(org_slug, scenario_id) -> str:
    return reverse("scenarios:matrix_cell", args=[org_slug, scenario_id, 0, 0])[:-len("0/0/")]


def pending_cells(scenario) -> dict[tuple[int, int], tuple[str, str]]:
    """{(goal id, initiative id): ("link", contribution) | ("unlink", "")} of the scenario's
    link changes, the last one of a pair winning (one query)."""
    pending = {}
    for kind, goal, initiative, contribution in ScenarioChange.objects.filter(
            scenario=scenario, type__in=[ChangeType.LINK, ChangeType.UNLINK]).order_by(
            "id").values_list("type", "goal_id", "initiative_id", "contribution"):
        pending[(goal, initiative)] = (kind, contribution)
    return pending


def scenario_cell_html(*, cell_base: str, goal_id: int, initiative_id: int, link,
                       pending) -> str:
    """A matrix cell in scenario mode: the plan's link, or the scenario's change to it, marked
    "in the scenario"; the link opens the scenario's form for the cell."""
    url = f"{cell_base}{goal_id}/{initiative_id}/"
    if pending and pending[0] == "link":
        text = (f'{escape(CONTRIBUTION_LABELS.get(pending[1], ""))}<span class="scenario-mark">'
                f'✱</span><span class="visually-hidden"> {escape(gettext("(in the scenario)"))}'
                '</span>')
        css = f"cell-link in-scenario contrib-{pending[1]}"
    elif pending and pending[0] == "unlink":
        text = (f'<s>{escape(CONTRIBUTION_LABELS.get(link.contribution, "")) if link else ""}</s>'
                '<span class="scenario-mark">✱</span><span class="visually-hidden"> '
                f'{escape(gettext("(unlinked in the scenario)"))}</span>')
        css = "cell-link in-scenario"
    elif link:
        text, css = escape(CONTRIBUTION_LABELS[link.contribution]), \
            f"cell-link contrib-{link.contribution}"
    else:
        text = (f'+<span class="visually-hidden"> {escape(gettext("link in the scenario"))}'
                '</span>')
        css = "cell-link"
    return (f'<a class="{css}" href="{url}?edit=1" hx-get="{url}?edit=1" '
            f'hx-target="#cell-{goal_id}-{initiative_id}">{text}</a>')


@login_required
def matrix_cell(request, org_slug, scenario_id, goal_id, initiative_id):
    """One matrix cell in scenario mode: its form adds a link or an unlink to the scenario,
    never to the plan."""
    from initiatives import selectors as initiative_selectors

    membership, scenario = _editable(request, org_slug, scenario_id)
    organization = membership.organization
    if scenario.is_applied:
        raise Http404(gettext("This scenario has been applied."))
    goal, initiative, link = initiative_selectors.matrix_cell(
        organization=organization, goal_id=goal_id, initiative_id=initiative_id)
    editing = request.GET.get("edit") == "1"
    errors, status_message = None, ""
    if request.method == "POST":
        frames = selectors.plan_of(organization).frames
        linked_now = _linked_after(scenario, frames, initiative.pk, goal.pk)
        data = {"type": ChangeType.UNLINK if linked_now else ChangeType.LINK,
                "initiative": initiative.pk, "goal": goal.pk,
                "contribution": request.POST.get("contribution", ""),
                "rationale": request.POST.get("rationale", "")}
        errors, status_message = _add(request, membership, scenario, data, frames)
        editing = errors is not None
        if not request.htmx and errors is None:
            messages.success(request, gettext("Added to the scenario “%(name)s”.") % {
                "name": scenario.name})
            return redirect(reverse("initiatives:matrix", args=[org_slug])
                            + f"?scenario={scenario.pk}")
    pending = pending_cells(scenario).get((goal.pk, initiative.pk))
    cell_base = scenario_cell_base(org_slug, scenario.pk)
    linked_after = (pending[0] == "link") if pending else link is not None
    context = {"goal": goal, "initiative": initiative, "link": link, "scenario": scenario,
               "linked_after": linked_after, "errors": errors or {}, "posted": request.POST,
               "status_message": status_message, "cell_base": cell_base,
               "contributions": [(c, CONTRIBUTION_LABELS[c]) for c in CONTRIBUTIONS],
               "cell_html": mark_safe(scenario_cell_html(  # noqa: S308 (ids ints, text escaped)
                   cell_base=cell_base, goal_id=goal.pk, initiative_id=initiative.pk,
                   link=link, pending=pending)),
               "matrix_url": reverse("initiatives:matrix", args=[org_slug])
               + f"?scenario={scenario.pk}"}
    status = 400 if errors else 200
    if request.htmx:
        fragment = "cell-form" if editing else "cell"
        return render(request, f"scenarios/matrix_cell.html#{fragment}", context, status=status)
    return render(request, "scenarios/matrix_cell.html", context, status=status)


def _linked_after(scenario, frames, initiative_id: int, goal_id: int) -> bool:
    after, _ = apply_changes(frames, [selectors.as_change(r)
                                      for r in selectors.changes_of(scenario)])
    links = after.alignment_links
    return bool((links["initiative_id"].eq(initiative_id) & links["goal_id"].eq(goal_id)).any())
