"""Notification pages: my preferences (any member), the organization's channel (owners), and
the one-click unsubscribe that works without signing in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alignment_portal.notifications import emails, events, services
from alignment_portal.notifications.forms import OrganizationNotificationsForm
from alignment_portal.notifications.models import Notification
from alignment_portal.notifications.rules import (
    ACTIVE_KINDS,
    CHANNEL_LABELS,
    KIND_LABELS,
    WEBHOOK_KINDS,
    Channel,
    Kind,
)
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role

# Who each kind reaches, for the preferences page (a kind that can never reach the person
# is not offered).
KIND_AUDIENCE = {
    Kind.VALUE_DUE: (Role.VIEWER, gettext_lazy("metrics you own")),
    Kind.VALUE_OVERDUE: (Role.VIEWER, gettext_lazy("metrics you own")),
    Kind.VALUE_ESCALATED: (Role.VIEWER, gettext_lazy("metrics you own; every metric for "
                                                     "owners and consultants")),
    Kind.FLAG_HIGH: (Role.CONSULTANT, gettext_lazy("owners and consultants")),
    Kind.FEED_FAILING: (Role.CONSULTANT, gettext_lazy("owners and consultants, and whoever set "
                                                      "the feed up")),
    Kind.RENEWAL_DUE: (Role.VIEWER, gettext_lazy("tools you own; every tool for owners and "
                                                 "consultants")),
    Kind.DIGEST: (Role.VIEWER, gettext_lazy("everyone")),
    Kind.WEBHOOK_FAILING: (Role.OWNER, gettext_lazy("owners")),
}


@login_required
def preferences(request, org_slug):
    membership = get_membership(request, org_slug, Role.VIEWER)
    organization = membership.organization
    kinds = [k for k in ACTIVE_KINDS if membership.can(KIND_AUDIENCE[k][0])]
    if request.method == "POST":
        services.preferences_save(
            user=request.user, organization=organization,
            enabled={k: request.POST.get(f"email_{k.value}") == "on" for k in kinds},
            quiet_weekends=request.POST.get("quiet_weekends") == "on")
        messages.success(request, gettext("Notification settings for %(name)s saved.") % {
            "name": organization.name})
        return redirect("notifications:preferences", org_slug=organization.slug)
    enabled = services.preferences_for(user=request.user, organization=organization)
    channel = events.org_settings(organization)
    rows = [{"kind": k.value, "label": KIND_LABELS[k], "audience": KIND_AUDIENCE[k][1],
             "email": enabled[k],
             "channel": channel.has_webhook and k.value in channel.webhook_kinds
             and k in WEBHOOK_KINDS}
            for k in kinds]
    return render(request, "notifications/preferences.html", {
        "rows": rows, "quiet_weekends": services.quiet_weekends_for(request.user),
        "channel_settings": channel,
        "channel_label": CHANNEL_LABELS.get(Channel(channel.webhook_platform))
        if channel.webhook_platform else "",
    })


@login_required
def channel(request, org_slug):
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    current = events.org_settings(organization)
    initial = {"digest_weekday": current.digest_weekday, "platform": current.webhook_platform,
               "kinds": current.webhook_kinds, "include_values": current.webhook_include_values}
    form = OrganizationNotificationsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organization_notifications_save(
                organization=organization, digest_weekday=data["digest_weekday"],
                platform=data["platform"], webhook_url=data["webhook_url"],
                kinds=data["kinds"], include_values=data["include_values"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, gettext("Notification settings saved."))
            return redirect("notifications:channel", org_slug=organization.slug)
    recent = list(Notification.objects.filter(
        organization=organization, channel__in=[Channel.SLACK, Channel.TEAMS])
        .order_by("-created_at", "-pk")[:10])
    return render(request, "notifications/channel.html", {
        "form": form, "current": current, "recent": recent})


@login_required
@require_POST
def channel_test(request, org_slug):
    membership = get_membership(request, org_slug, Role.OWNER)
    error = services.webhook_test(organization=membership.organization)
    if error:
        messages.error(request, gettext("The test message was not delivered: %(error)s") % {
            "error": error})
    else:
        messages.success(request, gettext("Test message sent: look for it in your channel."))
    return redirect("notifications:channel", org_slug=membership.organization.slug)


@login_required
@require_POST
def channel_remove(request, org_slug):
    membership = get_membership(request, org_slug, Role.OWNER)
    services.webhook_remove(organization=membership.organization)
    messages.success(request, gettext("The webhook is removed; nothing more is posted to the "
                                      "channel."))
    return redirect("notifications:channel", org_slug=membership.organization.slug)


@csrf_exempt  # RFC 8058: a mail client posts the one-click unsubscribe without a session
def unsubscribe(request, token):
    """GET shows what the link turns off and a button; POST (the button, or a mail client's
    one-click List-Unsubscribe-Post) turns it off. The signed token is the authority: no
    sign-in, and it only ever changes its own person's preference."""
    data = emails.read_unsubscribe_token(token)
    if data is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    kind_label = KIND_LABELS[Kind(data["k"])]
    if request.method == "POST":
        organizations = services.unsubscribe(token_data=data)
        return render(request, "notifications/unsubscribe.html", {
            "done": True, "kind_label": kind_label, "organizations": organizations})
    return render(request, "notifications/unsubscribe.html", {"kind_label": kind_label,
                                                               "token": token})
