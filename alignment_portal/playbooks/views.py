"""Pages of playbooks. Organization pages (start, save, apply) begin with the access helper
and need the planning role (consultant or owner): staff and viewers get 403, outsiders 404.
A playbook is its author's alone: anyone else's id is 404, in the library and when applying."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role
from alignment_portal.playbooks import selectors, services
from alignment_portal.playbooks.document import PlaybookDocumentError
from alignment_portal.playbooks.forms import (
    NEW_CYCLE,
    ApplyForm,
    NewClientForm,
    PlaybookEditForm,
    PlaybookSaveForm,
)
from goals import fiscal
from goals import selectors as goal_selectors
from goals import services as goal_services


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _content(playbook):
    """The playbook's validated content, or None with the problems to show."""
    try:
        return playbook.content(), []
    except PlaybookDocumentError as exc:
        return None, exc.problems


# Organization pages ---------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def start(request, org_slug):
    """"Start from a playbook": the user's playbooks, each with a preview of applying it here."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    return render(request, "playbooks/start.html", {
        "playbooks": list(selectors.playbooks_of(request.user)),
        "organization": membership.organization})


@login_required
@require_http_methods(["GET", "POST"])
def save(request, org_slug):
    """"Save as playbook": choose what goes in."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    offer = selectors.offer(organization)
    form = PlaybookSaveForm(request.POST or None, offer=offer,
                            initial={"name": f"{organization.name} playbook"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            playbook = services.playbook_save(
                author=request.user, organization=organization, name=data["name"],
                description=data["description"], goal_ids=data["goals"],
                metric_ids=data["metrics"], initiative_ids=data["initiatives"],
                tool_ids=data["tools"], include_links=data["include_links"],
                include_money=data["include_money"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, gettext("Saved “%(name)s” to your playbooks.") % {
                "name": playbook.name})
            return redirect("playbook_library:detail", playbook_id=playbook.pk)
    return render(request, "playbooks/save.html", {"form": form, "offer": offer},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, org_slug, playbook_id):
    """"Apply to a client": the preview of what would be created and what reused, for the
    chosen cycle; confirming applies exactly that, or asks to look again if it changed."""
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    playbook = selectors.playbook_for(user=request.user, playbook_id=playbook_id)
    content, problems = _content(playbook)
    cycles = list(goal_selectors.open_cycles(organization=organization))
    today = timezone.localdate()
    new_cycle_name = goal_services.next_quarter_for(organization=organization, today=today).name
    current = goal_selectors.current_cycle(organization=organization)
    data = request.POST if request.method == "POST" else (
        request.GET if "cycle" in request.GET else None)
    form = ApplyForm(data, cycles=cycles, new_cycle_name=new_cycle_name,
                     initial={"cycle": str(current.pk) if current else NEW_CYCLE})
    cycle = current
    if form.is_bound and form.is_valid():
        cycle = form.chosen_cycle()
    plan = (selectors.plan_application(organization=organization, cycle=cycle, content=content)
            if content is not None else None)
    status = 200
    if request.method == "POST" and plan is not None and form.is_valid():
        try:
            result = services.playbook_apply(
                playbook=playbook, organization=organization, cycle=cycle, user=request.user,
                expected_digest=form.cleaned_data["digest"], today=today)
        except services.PlanChanged as exc:
            form.add_error(None, exc.messages)
            status = 409
        except ValidationError as exc:
            _add_errors(form, exc)
            status = 400
        else:
            messages.success(request, (
                gettext("Applied “%(name)s”: %(created)s created, %(reused)s reused as they "
                        "were. The goals are drafts in %(name2)s.") % {
                            "name": playbook.name, "created": result.created,
                            "reused": result.reused, "name2": result.cycle.name}))
            return redirect("goals:cycle_detail", org_slug=organization.slug,
                            cycle_id=result.cycle.pk)
    elif request.method == "POST":
        status = 400
    if plan is not None:
        form.initial["digest"] = plan.digest
        if form.is_bound:
            form.data = form.data.copy()
            form.data["digest"] = plan.digest
    return render(request, "playbooks/apply.html", {
        "playbook": playbook, "plan": plan, "problems": problems, "form": form,
        "cycle": cycle, "new_cycle_name": new_cycle_name}, status=status)


# The library ----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def library(request):
    return render(request, "playbooks/library.html", {
        "playbooks": list(selectors.playbooks_of(request.user))})


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, playbook_id):
    """A playbook's contents, and (its author being the only one who gets here) its name and
    description to edit."""
    playbook = selectors.playbook_for(user=request.user, playbook_id=playbook_id)
    form = PlaybookEditForm(request.POST or None, initial={
        "name": playbook.name, "description": playbook.description})
    if request.method == "POST" and form.is_valid():
        try:
            services.playbook_update(playbook=playbook, name=form.cleaned_data["name"],
                                     description=form.cleaned_data["description"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, gettext("Playbook saved."))
            return redirect("playbook_library:detail", playbook_id=playbook.pk)
    content, problems = _content(playbook)
    plan = (selectors.plan_application(organization=None, cycle=None, content=content)
            if content is not None else None)
    return render(request, "playbooks/detail.html", {
        "playbook": playbook, "form": form, "content": content, "problems": problems,
        "plan": plan, "clients": _clients_to_apply_to(request.user),
        "applications": playbook.applications.select_related("organization")[:10]},
        status=400 if form.errors else 200)


def _clients_to_apply_to(user):
    """Organizations where the user plans (consultant or owner): where a playbook may go."""
    return [m.organization for m in user.memberships.select_related("organization")
            .filter(role__in=[Role.CONSULTANT, Role.OWNER]).order_by("organization__name")]


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, playbook_id):
    playbook = selectors.playbook_for(user=request.user, playbook_id=playbook_id)
    if request.method == "POST":
        services.playbook_delete(playbook=playbook)
        messages.success(request, gettext("Deleted “%(name)s”. Clients it was applied to keep "
                                          "what it created.") % {"name": playbook.name})
        return redirect("playbook_library:library")
    return render(request, "playbooks/delete.html", {"playbook": playbook})


@login_required
@require_http_methods(["GET", "POST"])
def new_client(request, playbook_id):
    """"Into a new organization": create a client and apply the playbook to it at once."""
    playbook = selectors.playbook_for(user=request.user, playbook_id=playbook_id)
    content, problems = _content(playbook)
    form = NewClientForm(request.POST or None)
    today = timezone.localdate()
    if request.method == "POST" and content is not None and form.is_valid():
        try:
            result = services.playbook_apply_to_new_organization(
                playbook=playbook, user=request.user, today=today, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, (
                gettext("Created %(name)s from “%(name2)s”: %(created)s records; the goals are "
                        "drafts in %(name3)s.") % {
                            "name": result.organization.name, "name2": playbook.name,
                            "created": result.created, "name3": result.cycle.name}))
            return redirect("goals:cycle_detail", org_slug=result.organization.slug,
                            cycle_id=result.cycle.pk)
    month = form.cleaned_data.get("fiscal_year_start_month") if form.is_bound else None
    plan = (selectors.plan_application(organization=None, cycle=None, content=content)
            if content is not None else None)
    return render(request, "playbooks/new_client.html", {
        "playbook": playbook, "form": form, "plan": plan, "problems": problems,
        "cycle_name": fiscal.fiscal_quarter(today, int(month or 1)).name},
        status=400 if request.method == "POST" else 200)
