"""Pages of the initiatives app: initiatives, tools and the technology audit, the two links, the
alignment matrix, the impact x effort chart and the backlog.

Every view starts with the access helper (outsiders 404, weaker roles 403) and fetches records
by id only within the member's organization."""

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

from alignment_portal import charts
from alignment_portal.benefits.views import ledger_context
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role
from alignment_portal.scoring import selectors as score_selectors
from goals.models import Goal
from initiatives import selectors, services
from initiatives.forms import (
    SORTS,
    AlignmentLinkForm,
    InitiativeFilterForm,
    InitiativeForm,
    MeasurementLinkForm,
    MeasurementRoleForm,
    ToolForm,
)
from initiatives.models import (
    CONTRIBUTION_LABELS,
    AlignmentLink,
    Initiative,
    InitiativeStatus,
    MeasurementLink,
    MetricRole,
    Tool,
    ToolStatus,
)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _plan_role(request) -> Role:
    """Reading needs a viewer; any write needs a consultant."""
    return Role.VIEWER if request.method in ("GET", "HEAD") else Role.CONSULTANT


# Initiatives

@login_required
def initiative_list(request, org_slug):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    form = InitiativeFilterForm(
        request.GET or None, organization=organization,
        departments=selectors.departments(organization=organization),
        flag_choices=selectors.initiative_flag_choices(organization=organization))
    filters = form.filters() if request.GET else {}
    sort = filters.pop("sort", "name")
    page = selectors.initiative_page(organization=organization, filters=filters, sort=sort,
                                     page_number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    columns = [(key, label, ("-" + key) if sort == key else key,
                "ascending" if sort == key else "descending" if sort == "-" + key else "")
               for key, label in SORTS.items()]
    # The caption names the column and direction as the sort menu words them.
    sort_label = dict(form.fields["sort"].choices).get(sort, sort)
    context = {"form": form, "page": page, "sort": sort, "sort_label": sort_label,
               "columns": columns,
               "query": query.urlencode(), "sort_query": sort_query.urlencode(),
               "list_url": request.path}
    template = "initiatives/initiative_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@login_required
def initiative_create(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    form = InitiativeForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_create(
                organization=organization, tools=form.cleaned_data["tools"],
                **form.service_fields())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” is added. Now say which goal it "
                                              "serves.") % {"name": initiative.name})
            return redirect("initiatives:detail", org_slug, initiative.pk)
    return render(request, "initiatives/initiative_form.html",
                  {"form": form, "has_tools": form.fields["tools"].queryset.exists()})


@login_required
def initiative_detail(request, org_slug, initiative_id):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    initiative = get_object_or_404(Initiative.objects.select_related("owner"),
                                   pk=initiative_id, organization=organization)
    measurement_links = selectors.initiative_measurement_links(organization=organization,
                                                               initiative=initiative)
    context = {
        "initiative": initiative,
        "scores": selectors.initiative_scores(organization=organization,
                                              initiative=initiative),
        "tools": list(initiative.tools.order_by("name")),
        "alignment_links": selectors.initiative_alignment_links(organization=organization,
                                                                initiative=initiative),
        "measurement_links": measurement_links,
        "outcome_metrics": [m.metric for m in measurement_links
                            if m.role == MetricRole.OUTCOME and m.metric.archived_at is None],
        "impact": score_selectors.initiative_impact(organization, initiative),
        "history": selectors.initiative_history(organization=organization,
                                                initiative=initiative),
        **ledger_context(membership=membership, initiative=initiative),
    }
    if membership.can_plan:
        context["link_form"] = AlignmentLinkForm(organization=organization,
                                                 initiative=initiative)
        context["has_goals_to_link"] = context["link_form"].fields["goal"].queryset.exists()
        context["measure_form"] = MeasurementLinkForm(organization=organization)
    return render(request, "initiatives/initiative_detail.html", context)


@login_required
def initiative_edit(request, org_slug, initiative_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    initiative = get_object_or_404(Initiative, pk=initiative_id, organization=organization)
    form = InitiativeForm(request.POST or None, instance=initiative, organization=organization,
                          initial=None if request.method == "POST" else {
                              "tools": list(initiative.tools.all())})
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_update(initiative=initiative, tools=form.cleaned_data["tools"],
                                       **form.service_fields())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” is saved.") % {"name": initiative.name})
            return redirect("initiatives:detail", org_slug, initiative.pk)
    return render(request, "initiatives/initiative_form.html",
                  {"form": form, "initiative": initiative,
                   "has_tools": form.fields["tools"].queryset.exists()})


@login_required
def initiative_retire(request, org_slug, initiative_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    initiative = get_object_or_404(Initiative, pk=initiative_id,
                                   organization=membership.organization)
    if request.method == "POST":
        services.initiative_retire(initiative=initiative)
        messages.success(request, gettext("“%(name)s” is retired. Its links and history stay on "
                                          "record.") % {"name": initiative.name})
        return redirect("initiatives:detail", org_slug, initiative.pk)
    return render(request, "initiatives/initiative_retire.html", {"initiative": initiative})


# Alignment links

@login_required
@require_POST
def alignment_link_create(request, org_slug, initiative_id):
    """Link an initiative to a goal, from the initiative's page."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    initiative = get_object_or_404(Initiative, pk=initiative_id, organization=organization)
    form = AlignmentLinkForm(request.POST, organization=organization, initiative=initiative)
    if form.is_valid():
        try:
            link = services.alignment_link_create(organization=organization,
                                                  **form.link_fields())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” now serves “%(title)s”.") % {
                "name": initiative.name, "title": link.goal.title})
            return redirect("initiatives:detail", org_slug, initiative.pk)
    return render(request, "initiatives/link_form.html",
                  {"form": form, "initiative": initiative,
                   "action": reverse("initiatives:link_create", args=[org_slug, initiative.pk]),
                   "back": reverse("initiatives:detail", args=[org_slug, initiative.pk])},
                  status=400)


@login_required
def goal_links(request, org_slug, goal_id):
    """The links of one goal, seen from the goal's side: which initiatives serve it, and a form
    to add one."""
    membership = get_membership(request, org_slug, _plan_role(request))
    organization = membership.organization
    goal = get_object_or_404(Goal.objects.select_related("cycle", "metric"), pk=goal_id,
                             organization=organization)
    form = None
    status = 200
    if membership.can_plan:
        form = AlignmentLinkForm(request.POST or None, organization=organization, goal=goal)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.alignment_link_create(organization=organization,
                                                  **form.link_fields())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” now serves “%(title)s”.") % {
                "name": link.initiative.name, "title": goal.title})
            return redirect("initiatives:goal_links", org_slug, goal.pk)
    if request.method == "POST":
        status = 400
    context = {"goal": goal, "form": form,
               "links": selectors.goal_alignment_links(organization=organization, goal=goal),
               "history": selectors.goal_link_history(organization=organization, goal=goal)}
    return render(request, "initiatives/goal_links.html", context, status=status)


def _link_return(org_slug, link, side: str) -> str:
    if side == "goal":
        return reverse("initiatives:goal_links", args=[org_slug, link.goal_id])
    return reverse("initiatives:detail", args=[org_slug, link.initiative_id])


@login_required
def alignment_link_edit(request, org_slug, link_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    link = get_object_or_404(AlignmentLink.objects.select_related("initiative", "goal"),
                             pk=link_id, organization=membership.organization)
    side = "goal" if request.GET.get("from") == "goal" else "initiative"
    form = AlignmentLinkForm.for_link(link, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.alignment_link_update(link=link, contribution=data["contribution"],
                                           rationale=data["rationale"],
                                           expected_effect=data["expected_effect"])
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The link is saved."))
            return redirect(_link_return(org_slug, link, side))
    return render(request, "initiatives/link_form.html",
                  {"form": form, "link": link, "initiative": link.initiative, "goal": link.goal,
                   "action": request.get_full_path(),
                   "back": _link_return(org_slug, link, side)},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def alignment_link_delete(request, org_slug, link_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    link = get_object_or_404(AlignmentLink.objects.select_related("initiative", "goal"),
                             pk=link_id, organization=membership.organization)
    back = _link_return(org_slug, link, "goal" if request.GET.get("from") == "goal" else "")
    services.alignment_link_delete(link=link)
    messages.success(request, gettext("“%(name)s” no longer serves “%(title)s”.") % {
        "name": link.initiative.name, "title": link.goal.title})
    return redirect(back)


# Measurement links

@login_required
@require_POST
def measurement_link_create(request, org_slug, initiative_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    initiative = get_object_or_404(Initiative, pk=initiative_id, organization=organization)
    form = MeasurementLinkForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            link = services.measurement_link_create(organization=organization,
                                                    initiative=initiative, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” now measures “%(name2)s”.") % {
                "name": link.metric.name, "name2": initiative.name})
            return redirect("initiatives:detail", org_slug, initiative.pk)
    return render(request, "initiatives/measurement_form.html",
                  {"form": form, "initiative": initiative,
                   "action": reverse("initiatives:measure_create",
                                     args=[org_slug, initiative.pk])},
                  status=400)


@login_required
def measurement_link_edit(request, org_slug, link_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    link = get_object_or_404(MeasurementLink.objects.select_related("initiative", "metric"),
                             pk=link_id, organization=membership.organization)
    form = MeasurementRoleForm(request.POST or None, instance=link)
    if request.method == "POST" and form.is_valid():
        try:
            services.measurement_link_update(link=link, role=form.cleaned_data["role"])
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The measurement is saved."))
            return redirect("initiatives:detail", org_slug, link.initiative_id)
    return render(request, "initiatives/measurement_form.html",
                  {"form": form, "initiative": link.initiative, "link": link,
                   "action": request.path},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def measurement_link_delete(request, org_slug, link_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    link = get_object_or_404(MeasurementLink.objects.select_related("initiative", "metric"),
                             pk=link_id, organization=membership.organization)
    services.measurement_link_delete(link=link)
    messages.success(request, gettext("“%(name)s” no longer measures “%(name2)s”.") % {
        "name": link.metric.name, "name2": link.initiative.name})
    return redirect("initiatives:detail", org_slug, link.initiative_id)


# Tools

@login_required
def tool_list(request, org_slug):
    membership = get_membership(request, org_slug)
    status = request.GET.get("status", "")
    if status not in ToolStatus.values:
        status = ""
    tools = selectors.tool_list(organization=membership.organization, status=status)
    return render(request, "initiatives/tool_list.html",
                  {"tools": tools, "status": status, "statuses": ToolStatus.choices})


@login_required
def tool_create(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    form = ToolForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            tool = services.tool_create(organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” is in the inventory.") % {
                "name": tool.name})
            return redirect("initiatives:tool_detail", org_slug, tool.pk)
    return render(request, "initiatives/tool_form.html", {"form": form})


@login_required
def tool_detail(request, org_slug, tool_id):
    membership = get_membership(request, org_slug)
    tool = get_object_or_404(Tool.objects.select_related("owner"), pk=tool_id,
                             organization=membership.organization)
    initiatives = list(tool.initiatives.order_by("name"))
    return render(request, "initiatives/tool_detail.html",
                  {"tool": tool, "initiatives": initiatives,
                   "history": selectors.tool_history(organization=membership.organization,
                                                    tool=tool)})


@login_required
def tool_edit(request, org_slug, tool_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    tool = get_object_or_404(Tool, pk=tool_id, organization=membership.organization)
    form = ToolForm(request.POST or None, instance=tool, organization=membership.organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.tool_update(tool=tool, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” is saved.") % {"name": tool.name})
            return redirect("initiatives:tool_detail", org_slug, tool.pk)
    return render(request, "initiatives/tool_form.html", {"form": form, "tool": tool})


@login_required
def tool_delete(request, org_slug, tool_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    tool = get_object_or_404(Tool, pk=tool_id, organization=membership.organization)
    if request.method == "POST":
        name = tool.name
        services.tool_delete(tool=tool)
        messages.success(request, gettext("“%(name)s” is removed from the inventory.") % {
            "name": name})
        return redirect("initiatives:tools", org_slug)
    return render(request, "initiatives/tool_delete.html",
                  {"tool": tool, "initiatives": list(tool.initiatives.order_by("name"))})


@login_required
def tool_audit(request, org_slug):
    membership = get_membership(request, org_slug)
    categories = selectors.technology_audit(organization=membership.organization)
    in_use = [t for c in categories for t in c.tools if t.status != ToolStatus.RETIRED]
    context = {
        "categories": categories,
        "total_monthly": sum(c.monthly_cost for c in categories),
        "overlapping": [c for c in categories if c.overlapping],
        "shelfware": [t for c in categories for t in c.tools if t.shelfware],
        "integrated": sum(1 for t in in_use if t.integration == "api"),
        "in_use_count": len(in_use),
    }
    return render(request, "initiatives/tool_audit.html", context)


# The alignment matrix

def _matrix_cell_base(org_slug) -> str:
    """The cell URL without its two ids, so 5,000 cells do not each call reverse()."""
    return reverse("initiatives:matrix_cell", args=[org_slug, 0, 0])[:-len("0/0/")]


def matrix_cell_html(*, cell_base: str, goal_id: int, initiative_id: int, link,
                     can_plan: bool) -> str:
    """The inside of one matrix cell. Built in Python rather than in the template because a
    page of the matrix has thousands of cells and the template engine took seconds for them;
    the htmx fragment of a single cell uses this same function, so there is one markup."""
    url = f"{cell_base}{goal_id}/{initiative_id}/"
    label = escape(CONTRIBUTION_LABELS[link.contribution]) if link else ""
    if can_plan:
        css = f"cell-link contrib-{link.contribution}" if link else "cell-link"
        text = label or '+<span class="visually-hidden"> link</span>'
        return (f'<a class="{css}" href="{url}?edit=1" hx-get="{url}?edit=1" '
                f'hx-target="#cell-{goal_id}-{initiative_id}">{text}</a>')
    if link:
        return (f'<span class="contrib-{link.contribution}" title="{escape(link.rationale)}">'
                f'{label}</span>')
    return '<span class="muted">·<span class="visually-hidden"> no link</span></span>'


def _matrix_rows_html(grid, *, cell_base: str, can_plan: bool, pending=None) -> None:
    """Give each row its cells as one safe string of <td> elements. With `pending` (scenario
    mode: the scenario's link changes by cell), cells open the scenario's form instead."""
    from alignment_portal.scenarios.views import scenario_cell_html

    for group in grid.groups:
        for row in group.rows:
            i = row.initiative.pk
            row.cells_html = mark_safe("".join(  # noqa: S308 (ids are ints, text escaped)
                f'<td id="cell-{goal.pk}-{i}" class="cell">'
                + (scenario_cell_html(cell_base=cell_base, goal_id=goal.pk, initiative_id=i,
                                      link=link, pending=pending.get((goal.pk, i)))
                   if pending is not None else
                   matrix_cell_html(cell_base=cell_base, goal_id=goal.pk, initiative_id=i,
                                    link=link, can_plan=can_plan))
                + '</td>'
                for goal, link in row.cells))


@login_required
def matrix(request, org_slug):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    params = {
        "goal_scope": request.GET.get("goals", ""),
        "goal_q": request.GET.get("goal_q", "").strip(),
        "department": request.GET.get("department", ""),
        "initiative_q": request.GET.get("q", "").strip(),
        "misaligned_only": request.GET.get("misaligned") == "1",
    }
    grid = selectors.alignment_matrix(organization=organization,
                                      page_number=request.GET.get("page"), **params)
    query = request.GET.copy()
    query.pop("page", None)
    scenario, open_scenario = _matrix_scenario(request, membership)
    if scenario is not None:
        from alignment_portal.scenarios import views as scenario_views

        _matrix_rows_html(grid, cell_base=scenario_views.scenario_cell_base(org_slug,
                                                                            scenario.pk),
                          can_plan=True, pending=scenario_views.pending_cells(scenario))
    else:
        _matrix_rows_html(grid, cell_base=_matrix_cell_base(org_slug),
                          can_plan=membership.can_plan)
    context = {"grid": grid, "params": params, "query": query.urlencode(),
               "scenario": scenario, "open_scenario": open_scenario,
               "departments": selectors.departments(organization=organization),
               "matrix_url": request.path,
               "orphan_goals": [g for g in grid.goals if g.pk in grid.orphan_goal_ids]}
    template = "initiatives/matrix.html"
    if request.htmx and not request.htmx.boosted:
        template += "#grid"
    return render(request, template, context)


def _matrix_scenario(request, membership):
    """(the scenario the matrix edits, the member's open scenario): `?scenario=N` puts the
    matrix in scenario mode, where cell changes go into scenario N instead of the plan."""
    if not membership.can_plan:
        return None, None
    from alignment_portal.scenarios import selectors as scenario_selectors

    organization = membership.organization
    scenario_id = request.GET.get("scenario", "")
    if scenario_id:
        if not scenario_id.isdigit():
            raise Http404(gettext("No such scenario"))
        scenario = scenario_selectors.scenario_for(organization=organization,
                                                   user=request.user,
                                                   scenario_id=int(scenario_id))
        if scenario.is_applied:
            raise Http404(gettext("This scenario has been applied."))
        return scenario, scenario
    return None, scenario_selectors.open_scenario(request=request, organization=organization)


@login_required
def matrix_cell(request, org_slug, goal_id, initiative_id):
    """One cell of the matrix: shown, opened as a form (?edit=1), saved or cleared. On htmx
    requests it answers with the cell's fragment; without JavaScript it is a page of its own."""
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    membership = get_membership(request, org_slug,
                                Role.CONSULTANT if editing else Role.VIEWER)
    organization = membership.organization
    goal, initiative, link = selectors.matrix_cell(organization=organization, goal_id=goal_id,
                                                   initiative_id=initiative_id)
    prefix = f"c{goal.pk}-{initiative.pk}"
    status_message = ""
    form = None
    if request.method == "POST" and request.POST.get("action") == "remove":
        if link is not None:
            services.alignment_link_delete(link=link)
            link = None
            status_message = "Link removed."
        editing = False
    elif request.method == "POST":
        form = AlignmentLinkForm(request.POST, organization=organization, goal=goal,
                                 initiative=initiative, prefix=prefix)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if link is None:
                    link = services.alignment_link_create(organization=organization,
                                                          **form.link_fields())
                else:
                    link = services.alignment_link_update(
                        link=link, contribution=data["contribution"],
                        rationale=data["rationale"], expected_effect=data["expected_effect"])
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                editing = False
                status_message = f"Saved: {link.get_contribution_display()}."
    elif editing:
        form = (AlignmentLinkForm.for_link(link, prefix=prefix) if link else AlignmentLinkForm(
            organization=organization, goal=goal, initiative=initiative, prefix=prefix))

    if not request.htmx and request.method == "POST" and not editing:
        messages.success(request, status_message or "Saved.")
        return redirect(reverse("initiatives:matrix", args=[org_slug]))
    cell_base = _matrix_cell_base(org_slug)
    cell_html = mark_safe(matrix_cell_html(  # noqa: S308 (see matrix_cell_html)
        cell_base=cell_base, goal_id=goal.pk, initiative_id=initiative.pk, link=link,
        can_plan=membership.can_plan))
    context = {"goal": goal, "initiative": initiative, "link": link, "form": form,
               "status_message": status_message, "cell_base": cell_base,
               "cell_html": cell_html,
               "matrix_url": reverse("initiatives:matrix", args=[org_slug])}
    status = 400 if form is not None and form.is_bound and form.errors else 200
    if request.htmx:
        fragment = "cell-form" if editing else "cell"
        return render(request, f"initiatives/matrix.html#{fragment}", context, status=status)
    return render(request, "initiatives/matrix_cell.html", context, status=status)


# Impact x effort and the backlog

@login_required
def impact_effort(request, org_slug):
    membership = get_membership(request, org_slug)
    initiatives = selectors.impact_effort_points(organization=membership.organization)
    points = [
        {"name": i.name, "impact": i.impact, "effort": i.effort,
         "monthly_cost": float(i.monthly_cost), "alignment_score": i.alignment_score,
         "href": reverse("initiatives:detail", args=[org_slug, i.pk])}
        for i in initiatives
    ]
    chart = charts.impact_effort_chart(points, currency=membership.organization.currency)
    return render(request, "initiatives/impact_effort.html",
                  {"chart": chart, "initiatives": initiatives})


@login_required
def backlog(request, org_slug):
    membership = get_membership(request, org_slug)
    initiatives = selectors.backlog(organization=membership.organization)
    return render(request, "initiatives/backlog.html",
                  {"initiatives": initiatives,
                   "unscored": sum(1 for i in initiatives if i.priority_score is None),
                   "ordering": selectors.BACKLOG_ORDER,
                   "statuses": [InitiativeStatus.IDEA.label, InitiativeStatus.PLANNED.label]})
