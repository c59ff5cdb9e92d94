from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alignment_portal.data_export import services
from alignment_portal.data_export.models import OrganizationExport
from alignment_portal.data_export.storage import path_of
from alignment_portal.organizations import security_log
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role, SecurityEventKind

RECENT_EXPORTS = 10


@login_required
def export_page(request, org_slug):
    """Owners ask for the organization's archive here and see the recent ones."""
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    if request.method == "POST":
        try:
            services.export_request(organization=organization, by=request.user,
                                    request=request)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, gettext("The archive is being built: a link comes to "
                                              "%(value)s by mail.") % {
                                                  "value": request.user.email or 'your address'})
        return redirect("data_export:page", org_slug=organization.slug)
    exports = list(OrganizationExport.objects.filter(organization=organization)
                   .select_related("requested_by", "organization")[:RECENT_EXPORTS])
    for export in exports:
        export.link = services.download_path(export) if export.is_downloadable else ""
    return render(request, "data_export/export.html", {
        "exports": exports, "link_days": services.link_lifetime().days})


@never_cache
@login_required
@require_GET
def export_download(request, org_slug, export_id):
    """The archive, for an owner of its organization holding a link whose signature holds."""
    membership = get_membership(request, org_slug, Role.OWNER)
    organization = membership.organization
    export = get_object_or_404(OrganizationExport, pk=export_id, organization=organization)
    path = path_of(export.file_name)
    if (not services.signature_is_valid(export, request.GET.get("s", ""))
            or not export.is_downloadable or path is None or not path.exists()):
        return render(request, "data_export/link_expired.html", status=410)
    security_log.record(organization=organization, kind=SecurityEventKind.EXPORT,
                        request=request, detail=f"whole organization archive {export.pk} "
                                                "downloaded")
    stamp = export.ready_at.date().isoformat()
    return FileResponse(path.open("rb"), as_attachment=True, content_type="application/zip",
                        filename=f"{organization.slug}-archive-{stamp}.zip")
