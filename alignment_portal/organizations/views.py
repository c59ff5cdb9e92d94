from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alignment_portal.organizations import selectors, services
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.forms import (
    InvitationForm,
    OrganizationForm,
    RoleForm,
    SignUpForm,
)
from alignment_portal.organizations.models import Invitation, Membership, Role


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request):
    """Sign-in page for visitors; a member of one organization lands on its dashboard, anyone
    else on the portfolio."""
    if not request.user.is_authenticated:
        return render(request, "organizations/home.html")
    memberships = list(request.user.memberships.select_related("organization")[:2])
    if len(memberships) == 1:
        return redirect("dashboard", org_slug=memberships[0].organization.slug)
    return redirect("portfolio")


@login_required
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(owner=request.user, **form.cleaned_data)
        messages.success(request, f"{organization.name} is created; you are its owner.")
        return redirect("dashboard", org_slug=organization.slug)
    return render(request, "organizations/organization_form.html", {"form": form})


@login_required
def organization_settings(request, org_slug):
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_settings_update(
                organization=organization,
                **{name: form.cleaned_data[name] for name in form.Meta.fields})
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Settings saved.")
            return redirect("organization_settings", org_slug=organization.slug)
    return render(request, "organizations/settings.html", {"form": form})


@login_required
def organization_delete(request, org_slug):
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    error = None
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() == organization.name:
            name = organization.name
            organization.delete()
            messages.success(request, f"{name} and all its records are deleted.")
            return redirect("portfolio")
        error = "Type the organization's name exactly to confirm."
    return render(request, "organizations/delete.html", {"error": error})


@login_required
def members(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    form = InvitationForm(roles=services.invitable_roles(membership))
    new_link = None
    if request.method == "POST":
        form = InvitationForm(request.POST, roles=services.invitable_roles(membership))
        if form.is_valid():
            try:
                invitation, token = services.invitation_create(inviter=membership,
                                                               **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("email", exc)
            else:
                new_link = services.invitation_url(token)
                messages.success(request, f"Invitation emailed to {invitation.email}.")
                form = InvitationForm(roles=services.invitable_roles(membership))
    context = {
        "members": selectors.organization_members(organization=organization),
        "invitations": selectors.pending_invitations(organization=organization),
        "form": form,
        "new_link": new_link,
        "roles": Role.choices,
    }
    return render(request, "organizations/members.html", context)


@login_required
@require_POST
def member_role(request, org_slug, membership_id):
    owner = get_membership(request, org_slug, Role.OWNER)
    target = get_object_or_404(Membership, pk=membership_id, organization=owner.organization)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(membership=target, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, f"{target.user.get_username()} is now {target.role}.")
    else:
        messages.error(request, "Choose one of the listed roles.")
    return redirect("members", org_slug=org_slug)


@login_required
@require_POST
def member_remove(request, org_slug, membership_id):
    owner = get_membership(request, org_slug, Role.OWNER)
    target = get_object_or_404(Membership, pk=membership_id, organization=owner.organization)
    try:
        services.membership_remove(membership=target)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{target.user.get_username()} is removed.")
    return redirect("members", org_slug=org_slug)


@login_required
@require_POST
def invitation_revoke(request, org_slug, invitation_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    invitation = get_object_or_404(Invitation, pk=invitation_id,
                                   organization=membership.organization)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return redirect("members", org_slug=org_slug)


def invitation_accept(request, token):
    """Accept an invitation: signs the person up first if they have no account."""
    invitation = services.invitation_for_token(token)
    if invitation is None or invitation.state != "pending":
        state = invitation.state if invitation else "unknown"
        return render(request, "organizations/invitation_invalid.html", {"state": state},
                      status=410 if invitation else 404)
    signup_form = None
    error = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                messages.success(request, f"Welcome to {membership.organization.name}.")
                return redirect("dashboard", org_slug=membership.organization.slug)
        elif (request.user.email or "").lower() != invitation.email:
            error = (f"This invitation was sent to {invitation.email}; you are signed in as "
                     f"{request.user.email or 'a user without an email address'}. Sign out and "
                     "open the link again, or ask for an invitation to your address.")
    else:
        signup_form = SignUpForm(request.POST or None, require_organization=False,
                                 fixed_email=invitation.email)
        if request.method == "POST" and signup_form.is_valid():
            try:
                membership = services.invitation_accept_with_sign_up(
                    invitation=invitation, username=signup_form.cleaned_data["username"],
                    password=signup_form.cleaned_data["password1"])
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                login(request, membership.user,
                      backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to {membership.organization.name}.")
                return redirect("dashboard", org_slug=membership.organization.slug)
    return render(request, "organizations/invitation_accept.html",
                  {"invitation": invitation, "signup_form": signup_form, "error": error})


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, organization = services.sign_up_with_organization(
            username=form.cleaned_data["username"], email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            organization_name=form.cleaned_data["organization_name"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome! {organization.name} is ready for its first plan.")
        return redirect("dashboard", org_slug=organization.slug)
    return render(request, "registration/signup.html", {"form": form})

