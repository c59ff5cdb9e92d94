from datetime import UTC
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog

from alignment_portal.lib import throttle
from alignment_portal.lib.client_ip import client_ip
from alignment_portal.organizations import (
    deletion,
    language,
    limits,
    security_log,
    selectors,
    services,
)
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.forms import (
    InvitationForm,
    LanguageForm,
    OrganizationForm,
    RoleForm,
    SecurityLogFilterForm,
    SignUpForm,
)
from alignment_portal.organizations.models import (
    Invitation,
    Membership,
    Preferences,
    Role,
    SecurityEventKind,
)
from metrics.csv_export import csv_lines


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
        membership = memberships[0]
        # Staff come to log what they owe: straight to "Log values", first due field focused.
        if membership.role == Role.STAFF:
            return redirect("metrics:log", org_slug=membership.organization.slug)
        return redirect("dashboard", org_slug=membership.organization.slug)
    return redirect("portfolio")


@login_required
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(owner=request.user, settings_confirmed=True,
                                                    **form.cleaned_data)
        messages.success(request, gettext("%(name)s is created; you are its owner.") % {
            "name": organization.name})
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
            if form.changed_data:
                security_log.record(organization=organization,
                                    kind=SecurityEventKind.SETTINGS_CHANGED, request=request,
                                    detail="changed: " + ", ".join(form.changed_data))
            messages.success(request, gettext("Settings saved."))
            return redirect("organization_settings", org_slug=organization.slug)
    return render(request, "organizations/settings.html", {"form": form})


@login_required
def organization_delete(request, org_slug):
    """Ask to delete the organization (type its name); it goes DELETION_GRACE later unless an
    owner cancels. When one is scheduled, the page offers the cancel."""
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    error = None
    if request.method == "POST":
        try:
            organization = deletion.deletion_schedule(
                organization=organization, confirm_name=request.POST.get("confirm_name", ""),
                by=request.user, request=request)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.warning(request, gettext(
                "%(name)s will be deleted on %(day)s. The owners are told by mail; any owner can "
                "cancel until then.") % {
                "name": organization.name,
                "day": dateformat.format(organization.deletion_scheduled_for, "d F Y")})
            return redirect("organization_delete", org_slug=organization.slug)
    return render(request, "organizations/delete.html", {
        "error": error, "grace_days": deletion.DELETION_GRACE.days}, status=400 if error else 200)


@login_required
@require_POST
def organization_delete_cancel(request, org_slug):
    membership = get_membership(request, org_slug, Role.OWNER)
    try:
        deletion.deletion_cancel(organization=membership.organization, by=request.user,
                                 request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, gettext("The deletion of %(name)s is cancelled.") % {
            "name": membership.organization.name})
    return redirect("organization_settings", org_slug=org_slug)


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
                security_log.record(
                    organization=organization, kind=SecurityEventKind.INVITATION_SENT,
                    request=request, detail=f"{invitation.email} as {invitation.role}"
                    + ("" if invitation.emailed_at else " (email not sent)"))
                if invitation.emailed_at:
                    messages.success(request, gettext("Invitation emailed to %(email)s.") % {
                        "email": invitation.email})
                else:
                    messages.warning(
                        request, gettext("The invitation of %(email)s is ready, but the email "
                                         "could not be sent: copy the link below and send it "
                                         "yourself.") % {"email": invitation.email})
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
        before = target.role
        try:
            services.membership_change_role(membership=target, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            if before != target.role:
                security_log.record(
                    organization=owner.organization, kind=SecurityEventKind.ROLE_CHANGED,
                    request=request,
                    detail=f"{target.user.get_username()}: {before} → {target.role}")
            messages.success(request, gettext("%(get_username)s is now %(role)s.") % {
                "get_username": target.user.get_username(), "role": target.role})
    else:
        messages.error(request, gettext("Choose one of the listed roles."))
    return redirect("members", org_slug=org_slug)


@login_required
@require_POST
def member_remove(request, org_slug, membership_id):
    owner = get_membership(request, org_slug, Role.OWNER)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id,
                               organization=owner.organization)
    if request.POST.get("confirm") != "yes":
        # Removing someone takes effect at once: the members page's button asks first.
        return render(request, "organizations/member_remove.html", {"target": target})
    try:
        services.membership_remove(membership=target)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        security_log.record(organization=owner.organization,
                            kind=SecurityEventKind.MEMBER_REMOVED, request=request,
                            detail=f"{target.user.get_username()} ({target.role})")
        messages.success(request, gettext("%(get_username)s is removed.") % {
            "get_username": target.user.get_username()})
    return redirect("members", org_slug=org_slug)


@login_required
@require_POST
def invitation_revoke(request, org_slug, invitation_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    invitation = get_object_or_404(Invitation, pk=invitation_id,
                                   organization=membership.organization)
    services.invitation_revoke(invitation=invitation)
    security_log.record(organization=membership.organization,
                        kind=SecurityEventKind.INVITATION_REVOKED, request=request,
                        detail=invitation.email)
    messages.success(request, gettext("The invitation of %(email)s is revoked.") % {
        "email": invitation.email})
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
                security_log.record(
                    organization=membership.organization,
                    kind=SecurityEventKind.INVITATION_ACCEPTED, request=request,
                    actor=membership.user, detail=f"{invitation.email} as {membership.role}")
                messages.success(request, gettext("Welcome to %(name)s.") % {
                    "name": membership.organization.name})
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
                security_log.record(
                    organization=membership.organization,
                    kind=SecurityEventKind.INVITATION_ACCEPTED, request=request,
                    actor=membership.user, detail=f"{invitation.email} as {membership.role}")
                messages.success(request, gettext("Welcome to %(name)s.") % {
                    "name": membership.organization.name})
                return redirect("dashboard", org_slug=membership.organization.slug)
    return render(request, "organizations/invitation_accept.html",
                  {"invitation": invitation, "signup_form": signup_form, "error": error})


def _too_many(request, what: str):
    return render(request, "registration/too_many.html", {"what": what}, status=429)


def sign_up(request):
    """Sign-up answers every valid form with the same page, "check your inbox", whether the
    address is new (a confirmation link) or has an account (a notice to its owner)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if not throttle.allow("signup-client", client_ip(request),
                              limit=limits.SIGNUPS_PER_CLIENT_PER_HOUR,
                              window_seconds=limits.HOUR):
            return _too_many(request, "sign-ups")
        if form.is_valid():
            services.sign_up_request(
                username=form.cleaned_data["username"], email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                organization_name=form.cleaned_data["organization_name"])
            return render(request, "registration/signup_sent.html",
                          {"email": form.cleaned_data["email"]})
    return render(request, "registration/signup.html", {"form": form})


def sign_up_activate(request, uidb64, token):
    """The link from the confirmation mail: activates the account, signs it in and opens its
    organization."""
    user = services.sign_up_activate(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "registration/signup_invalid.html", status=410)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    membership = user.memberships.select_related("organization").first()
    if membership is None:
        return redirect("home")
    messages.success(request, gettext("Welcome! %(name)s is ready for its first plan.") % {
        "name": membership.organization.name})
    return redirect("dashboard", org_slug=membership.organization.slug)


class ThrottledPasswordResetForm(PasswordResetForm):
    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        """At most RESET_MAILS_PER_ADDRESS_PER_HOUR an hour per address; the page says the
        same either way."""
        if throttle.allow("reset-mail", to_email, limit=limits.RESET_MAILS_PER_ADDRESS_PER_HOUR,
                          window_seconds=limits.HOUR):
            super().send_mail(subject_template_name, email_template_name, context, from_email,
                              to_email, html_email_template_name=html_email_template_name)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm

    def post(self, request, *args, **kwargs):
        if not throttle.allow("reset-client", client_ip(request),
                              limit=limits.RESETS_PER_CLIENT_PER_HOUR,
                              window_seconds=limits.HOUR):
            return _too_many(request, "password resets")
        return super().post(request, *args, **kwargs)


SECURITY_LOG_CSV_HEADER = ["at (UTC)", "event", "person", "address", "detail"]


def _security_log_rows(request, organization):
    form = SecurityLogFilterForm(request.GET or None)
    return form, security_log.events(organization=organization, **form.filters())


@login_required
@require_GET
def security_log_page(request, org_slug):
    """The organization's security log, for owners: filterable, 50 a page, newest first."""
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    form, rows = _security_log_rows(request, organization)
    page = Paginator(rows.only("at", "kind", "actor_name", "ip_address", "detail"),
                     security_log.SECURITY_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "organizations/security_log.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "retention_months": security_log.SECURITY_LOG_RETENTION_MONTHS})


@login_required
@require_GET
def security_log_csv(request, org_slug):
    """The filtered security log as CSV (cells that would run as a formula neutralised)."""
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    _, rows = _security_log_rows(request, organization)
    security_log.record(organization=organization, kind=SecurityEventKind.EXPORT,
                        request=request, detail="security log (CSV)")
    kinds = dict(SecurityEventKind.choices)
    lines = csv_lines(SECURITY_LOG_CSV_HEADER, (
        [event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), kinds.get(event.kind, event.kind),
         event.actor_name, event.ip_address or "", event.detail]
        for event in rows.iterator(chunk_size=2000)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{organization.slug}-security-log-{stamp}.csv"')
    return response


SWITCHER_MATCHES = 20


@login_required
@require_GET
def switcher_search(request):
    """The header switcher's search: the signed-in person's organizations whose name contains
    what they typed (htmx swaps the list). Without JavaScript the search form goes to the
    portfolio's name filter instead, and so does a plain GET here."""
    q = request.GET.get("q", "").strip()[:100]
    if not request.htmx:
        return redirect(f"{reverse('portfolio')}?{urlencode({'q': q})}" if q else "portfolio")
    matches = selectors.switcher_entries(user=request.user, name_contains=q,
                                         limit=SWITCHER_MATCHES + 1)
    return render(request, "organizations/switcher_results.html",
                  {"matches": matches[:SWITCHER_MATCHES], "more": len(matches) > SWITCHER_MATCHES,
                   "q": q, "organization": None})


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return fallback


@never_cache
def language_choice(request):
    """Choose the language to read the portal in. Signed in, the choice is the person's and
    follows them to every device; otherwise a cookie keeps it for this browser."""
    chosen = language.chosen_language(request.user) if request.user.is_authenticated else (
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))
    form = LanguageForm(request.POST or None, initial={"language": chosen})
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["language"]
        if request.user.is_authenticated:
            Preferences.objects.update_or_create(user=request.user,
                                                 defaults={"language": code})
        language.remember(request, code)  # and speaks it from here on
        messages.success(request, gettext("The portal now speaks %(language)s.") % {
            "language": dict(settings.LANGUAGES).get(get_language(), get_language())})
        response = redirect(_safe_next(request, reverse("home")))
        if code:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax",
                                max_age=365 * 24 * 3600, secure=request.is_secure())
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return render(request, "language.html", {"form": form,
                                             "next": _safe_next(request, "")},
                  status=400 if form.errors else 200)


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def javascript_catalog(request, code):
    """The strings the portal's scripts show (djangojs), for the language in the URL: one
    cacheable file per language instead of one that varies with every reader."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(code):
        return JavaScriptCatalog.as_view(domain="djangojs")(request)
