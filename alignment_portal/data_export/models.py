from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.organizations.models import Organization


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class OrganizationExport(models.Model):
    """One archive of everything of an organization, asked by an owner, built by a task.

    The file lives under DATA_EXPORT_DIR (`file_name`, relative); it is served only to the
    organization's owners with a signed link, and deleted when the link expires.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    table_count = models.PositiveIntegerField(default=0)
    row_count = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["organization", "-requested_at"]),
                   models.Index(fields=["status", "expires_at"])]
        constraints = [models.CheckConstraint(
            condition=Q(status__in=ExportStatus.values), name="export_status_valid")]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.organization_id} ({self.status})"

    @property
    def is_downloadable(self) -> bool:
        return (self.status == ExportStatus.READY and self.expires_at is not None
                and self.expires_at > timezone.now())
