"""Asking for an organization's archive, building it, mailing the link, and purging it.

The link is the download URL with a signature (django.core.signing, salted per use) that
expires with the archive (DATA_EXPORT_LINK_DAYS); the download view also checks that the
person is an owner of the organization, so a forwarded link is useless to anyone else.
"""

import logging
import secrets
from datetime import UTC, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from alignment_portal.data_export.archive import write_archive
from alignment_portal.data_export.models import ExportStatus, OrganizationExport
from alignment_portal.data_export.storage import export_dir, path_of, remove_file
from alignment_portal.data_export.tasks import build_export
from alignment_portal.lib.mail import send_one
from alignment_portal.lib.queue import enqueue_on_commit
from alignment_portal.lib.text import header_text
from alignment_portal.organizations import security_log
from alignment_portal.organizations.language import language_for
from alignment_portal.organizations.models import Organization, SecurityEventKind

log = logging.getLogger(__name__)

LINK_SALT = "data_export.download"
# An archive still queued or being built after this is taken as lost (a worker died).
STUCK_AFTER = timedelta(hours=1)


def link_lifetime() -> timedelta:
    return timedelta(days=settings.DATA_EXPORT_LINK_DAYS)


def download_signature(export: OrganizationExport) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{export.organization_id}:{export.pk}")


def signature_is_valid(export: OrganizationExport, signature: str) -> bool:
    try:
        value = signing.TimestampSigner(salt=LINK_SALT).unsign(
            signature or "", max_age=link_lifetime())
    except signing.BadSignature:  # SignatureExpired is one
        return False
    return value == f"{export.organization_id}:{export.pk}"


def download_path(export: OrganizationExport) -> str:
    return (reverse("data_export:download", args=[export.organization.slug, export.pk])
            + "?s=" + download_signature(export))


@transaction.atomic
def export_request(*, organization: Organization, by, request=None) -> OrganizationExport:
    """Queue an archive of `organization` for `by` (an owner); the link comes by mail."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    in_progress = OrganizationExport.objects.filter(
        organization=organization, status__in=[ExportStatus.QUEUED, ExportStatus.BUILDING],
        requested_at__gt=timezone.now() - STUCK_AFTER)
    if in_progress.exists():
        raise ValidationError(gettext("An archive is already being built; its link comes by mail."))
    export = OrganizationExport.objects.create(organization=organization, requested_by=by)
    security_log.record(organization=organization, kind=SecurityEventKind.EXPORT,
                        request=request, actor=by, detail="whole organization archive asked")
    enqueue_on_commit(build_export, export.pk)
    return export


def export_build(*, export_id: int) -> OrganizationExport | None:
    """Build the archive of a queued export and mail its link. Claims the export first: a
    second run (or a second worker) finds it claimed and does nothing."""
    claimed = OrganizationExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.BUILDING, started_at=timezone.now())
    if not claimed:
        return None
    export = OrganizationExport.objects.select_related("organization", "requested_by").get(
        pk=export_id)
    organization = export.organization
    folder = export_dir() / str(organization.pk)
    folder.mkdir(parents=True, exist_ok=True)
    file_name = f"{organization.pk}/{secrets.token_hex(16)}.zip"
    final, partial = path_of(file_name), path_of(file_name + ".part")
    try:
        summary = write_archive(organization=organization, requested_by=export.requested_by,
                                path=partial)
        partial.replace(final)
    except Exception as exc:
        log.exception("could not build export %s", export_id)
        remove_file(file_name + ".part")
        OrganizationExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=header_text(f"{type(exc).__name__}: {exc}",
                                                          limit=300))
        export.refresh_from_db()
        _mail(export, failed=True)
        return export
    now = timezone.now()
    OrganizationExport.objects.filter(pk=export_id).update(
        status=ExportStatus.READY, ready_at=now, expires_at=now + link_lifetime(),
        file_name=file_name, size_bytes=final.stat().st_size,
        table_count=len(summary.tables), row_count=summary.row_count)
    export.refresh_from_db()
    _mail(export)
    return export


def _mail(export: OrganizationExport, *, failed: bool = False) -> None:
    person = export.requested_by
    if person is None or not person.email:
        return
    organization = export.organization
    with translation.override(language_for(person)):
        if failed:
            subject = gettext("The archive of %(organization)s could not be built") % {
                "organization": organization.name}
            body = gettext("Building the archive failed; nothing was sent. Ask for it again "
                           "from the organization's export page; if it fails again, tell us.")
        else:
            words = {"organization": organization.name, "tables": export.table_count,
                     "rows": export.row_count, "size": export.size_bytes // 1024 + 1,
                     "link": settings.SITE_URL.rstrip("/") + download_path(export),
                     "until": date_format(export.expires_at.astimezone(UTC), "d F Y, H:i")}
            subject = gettext("The archive of %(organization)s is ready") % words
            body = gettext(
                "Everything of %(organization)s: %(tables)s tables (%(rows)s rows) as CSV, the "
                "quarterly reports and a manifest, in one zip (%(size)s KB).\n\n%(link)s\n\n"
                "The link works until %(until)s UTC, for owners of %(organization)s who are "
                "signed in. Then the archive is deleted.") % words
        error = send_one(subject=subject, body=body, to=person.email, kind="data export")
    OrganizationExport.objects.filter(pk=export.pk).update(
        emailed_at=None if error else timezone.now(), email_error=error)


def exports_purge(*, now=None) -> int:
    """Delete the archives whose link expired (and mark them). Returns how many."""
    now = now or timezone.now()
    expired = list(OrganizationExport.objects.filter(status=ExportStatus.READY,
                                                     expires_at__lte=now))
    for export in expired:
        remove_file(export.file_name)
    OrganizationExport.objects.filter(pk__in=[e.pk for e in expired]).update(
        status=ExportStatus.EXPIRED, file_name="")
    # A queued or building export whose worker died is failed, so a new one can be asked.
    OrganizationExport.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.BUILDING],
        requested_at__lte=now - STUCK_AFTER).update(status=ExportStatus.FAILED,
                                                    error="not built in time")
    return len(expired)
