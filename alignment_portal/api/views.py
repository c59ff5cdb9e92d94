from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment_portal.api import services
from alignment_portal.api.models import ApiToken, Scope
from alignment_portal.lib.text import single_line
from alignment_portal.organizations import security_log
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role, SecurityEventKind


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, validators=[single_line],
                           help_text="What will use it, e.g. 'Shop nightly sync'.")
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.WRITE_VALUES)


@login_required
def api_tokens(request, org_slug):
    """Owners create, list and revoke the organization's API tokens."""
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        api_token, new_token = services.api_token_create(
            organization=organization, created_by=request.user, **form.cleaned_data)
        security_log.record(organization=organization, kind=SecurityEventKind.API_TOKEN_CREATED,
                            request=request,
                            detail=f"“{api_token.name}”, scope {api_token.get_scope_display()}")
        messages.success(request, f"Token “{api_token.name}” created. Copy it now: it is shown "
                                  "only once.")
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(organization=organization)
    return render(request, "api/tokens.html",
                  {"form": form, "tokens": tokens, "new_token": new_token})


@login_required
@require_POST
def api_token_revoke(request, org_slug, token_id):
    membership = get_membership(request, org_slug, Role.OWNER)
    api_token = get_object_or_404(ApiToken, pk=token_id, organization=membership.organization)
    services.api_token_revoke(api_token=api_token)
    security_log.record(organization=membership.organization,
                        kind=SecurityEventKind.API_TOKEN_REVOKED, request=request,
                        detail=f"“{api_token.name}”")
    messages.success(request, f"Token “{api_token.name}” is revoked.")
    return redirect("api_tokens", org_slug=org_slug)
