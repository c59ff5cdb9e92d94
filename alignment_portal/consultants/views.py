"""The consultant's profile page and the logo, served safely: only to who may see it (404
otherwise), always as the PNG the upload was re-encoded to, never sniffed, never a page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from alignment_portal.consultants import selectors, services
from alignment_portal.consultants.forms import ProfileForm
from alignment_portal.consultants.models import ConsultantProfile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    current = selectors.profile_of(request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=current)
    refused = getattr(request, "upload_refused", "")
    if refused:
        form.add_error(None, refused)
    elif request.method == "POST" and form.is_valid():
        try:
            services.profile_save(user=request.user, firm_name=form.cleaned_data["firm_name"],
                                  contact_line=form.cleaned_data["contact_line"],
                                  logo=form.cleaned_data.get("logo_upload"),
                                  remove_logo=form.cleaned_data.get("remove_logo", False))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("logo_upload", exc.messages)
        else:
            messages.success(request, gettext("Profile saved: reports you prepare carry it."))
            return redirect("consultants:profile")
    return render(request, "consultants/profile.html", {
        "form": form, "profile": current, "preview": selectors.as_prepared_by(current)},
        status=400 if form.errors else 200)


@login_required
@require_GET
def logo(request, profile_id):
    profile = ConsultantProfile.objects.filter(pk=profile_id).first()
    if profile is None or not profile.logo or not selectors.may_see_logo(
            viewer=request.user, profile=profile):
        raise Http404(gettext("No such logo"))
    try:
        handle = profile.logo.open("rb")
    except FileNotFoundError:
        raise Http404(gettext("No such logo")) from None
    response = FileResponse(handle, content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="logo.png"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=86400"
    return response
