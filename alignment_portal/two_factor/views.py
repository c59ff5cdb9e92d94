"""Two-factor sign-in: the account page that turns it on and off, the code asked after the
password, and the owner's switch that requires it for every member."""

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from alignment_portal.organizations import security_log
from alignment_portal.organizations.access import get_membership, session_is_verified
from alignment_portal.organizations.models import Role, SecurityEventKind
from alignment_portal.two_factor import services
from alignment_portal.two_factor.qr import qr_svg

User = get_user_model()
PENDING_KEY = "two_factor_pending"


def _safe_next(request, default="home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse(default)


class TwoFactorLoginView(auth_views.LoginView):
    """The password first; a person with two-factor is not signed in until the code."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not services.has_two_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk, "backend": user.backend, "at": time.time(),
            "next": self.get_success_url()}
        return redirect("two_factor_verify")


def _locked(request, user) -> bool:
    return AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()})


def _lockout(request, user):
    return get_lockout_response(request, None, {"username": user.get_username()})


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > settings.TWO_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending


@never_cache
def two_factor_verify(request):
    """The code after the password (or, for a session signed in without one, before an
    organization that requires it). Wrong codes count with wrong passwords (django-axes)."""
    if request.user.is_authenticated:
        if session_is_verified(request.user) or not services.has_two_factor(request.user):
            return redirect(_safe_next(request))
        user, pending = request.user, None
    else:
        user, pending = _pending_user(request)
        if user is None:
            messages.info(request, gettext("Sign in again: the code must follow the password "
                                           "within %(value)s minutes.") % {
                                               "value": settings.TWO_FACTOR_PENDING_SECONDS // 60})
            return redirect("login")
    error = None
    if request.method == "POST":
        if _locked(request, user):
            return _lockout(request, user)
        device = services.code_check(user=user, code=request.POST.get("code", ""),
                                     request=request)
        if device is not None:
            if pending is not None:
                user.otp_device = device  # django-otp marks the session verified at login
                login(request, user, backend=pending["backend"])
                request.session.pop(PENDING_KEY, None)
                target = pending.get("next") or _safe_next(request)
            else:
                otp_login(request, device)
                target = _safe_next(request)
            left = services.recovery_codes_left(user)
            if isinstance(device, StaticDevice):
                messages.warning(request, gettext("You used a recovery code: %(left)s left. Make "
                                                  "new ones on your two-factor page if you run "
                                                  "low.") % {"left": left})
            return redirect(target)
        error = "That code is not right (or was already used). Try the current code."
    return render(request, "two_factor/verify.html", {
        "error": error, "next": request.GET.get("next", ""),
        "required_by": request.GET.get("required_by", "")}, status=400 if error else 200)


def _required_by(user) -> list[str]:
    return list(user.memberships.filter(organization__require_two_factor=True)
                .values_list("organization__name", flat=True))


@never_cache
@login_required
def two_factor(request):
    """The account page: turn two-factor on (scan, confirm with a code, keep the recovery
    codes shown once), make new recovery codes, or turn it off (with a code)."""
    user = request.user
    context = {"next": _safe_next(request, "two_factor") if request.GET.get("next")
               or request.POST.get("next") else "",
               "required_by": _required_by(user)}
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "start":
        services.authenticator_start(user=user)
    elif action == "confirm":
        confirmed = services.authenticator_confirm(user=user, code=request.POST.get("code", ""),
                                                   request=request)
        if confirmed is None:
            context["error"] = ("That code does not match: check the app shows “Alignment "
                                "Portal” and type the six digits it shows now.")
        else:
            device, codes = confirmed
            otp_login(request, device)
            context["recovery_codes"] = codes
            messages.success(request, gettext("Two-factor sign-in is on."))
    elif action in ("recovery_codes", "disable"):
        if _locked(request, user):
            return _lockout(request, user)
        if services.code_check(user=user, code=request.POST.get("code", ""),
                               request=request) is None:
            context["error"] = "That code is not right: give a current code from your app."
        elif action == "recovery_codes":
            context["recovery_codes"] = services.recovery_codes_replace(user=user,
                                                                        request=request)
        else:
            services.two_factor_disable(user=user, request=request)
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            messages.success(request, gettext("Two-factor sign-in is off."))
            return redirect("two_factor")
    enabled = services.has_two_factor(user)
    pending = None if enabled else services.pending_authenticator(user)
    context.update({
        "enabled": enabled, "pending": pending,
        "qr_svg": qr_svg(pending.config_url) if pending else "",
        "secret": _spaced(pending) if pending else "",
        "codes_left": services.recovery_codes_left(user) if enabled else 0,
    })
    status = 400 if context.get("error") else 200
    return render(request, "two_factor/settings.html", context, status=status)


def _spaced(device) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@login_required
@require_POST
def organization_two_factor(request, org_slug):
    """The owner's switch: require two-factor sign-in of every member (or not)."""
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    required = request.POST.get("require_two_factor") == "on"
    try:
        changed = services.organization_require_two_factor(
            organization=organization, required=required, owner=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if changed:
            security_log.record(
                organization=organization, kind=SecurityEventKind.SETTINGS_CHANGED,
                request=request, detail="two-factor sign-in " + (
                    "required of every member" if required else "no longer required"))
        messages.success(request, "Every member must now sign in with two-factor."
                         if required else "Two-factor sign-in is now each member's choice.")
    return redirect("organization_settings", org_slug=organization.slug)

