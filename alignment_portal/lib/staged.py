"""An uploaded CSV kept between its preview and its confirmation, for every import that
previews first (metric values, realised benefits).

The file is kept in the database (not on one web server's disk), so the confirmation can reach
any process; confirming claims the row under a lock, so a second confirmation (a double click,
a reload) imports nothing again; a file never confirmed is purged after a day, and a confirmed
one keeps its summary without the file.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils import timezone

from alignment_portal.lib.text import header_text

UNCONFIRMED_LIFETIME = timedelta(days=1)


class StagedUpload(models.Model):
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"


def stage(model: type[StagedUpload], *, organization, user, filename: str,
          content: bytes) -> StagedUpload:
    """Keep an uploaded file until its preview is confirmed."""
    return model.objects.create(organization=organization, uploaded_by=user,
                                filename=header_text(filename, limit=255), content=content)


UNKNOWN_IMPORT = "That import is unknown: upload the file again."


def staged_for(model: type[StagedUpload], import_id: str, *,
               organization) -> StagedUpload | None:
    """The organization's staged upload named by a posted id: None for an id that is not a
    number (say UNKNOWN_IMPORT), 404 for one that is not one of its uploads."""
    if not import_id.isdigit() or len(import_id) > 18:
        return None
    try:
        return model.objects.get(pk=int(import_id), organization=organization)
    except model.DoesNotExist:
        raise Http404(UNKNOWN_IMPORT) from None


def claim(staged: StagedUpload) -> StagedUpload | None:
    """Lock the staged row (inside the caller's transaction); None if it was confirmed."""
    locked = type(staged).objects.select_for_update().get(pk=staged.pk)
    return None if locked.confirmed_at is not None else locked


def mark_confirmed(locked: StagedUpload, *, result, refused: int) -> None:
    """Keep the import's summary, not its file: the rows are in."""
    locked.confirmed_at = timezone.now()
    locked.summary = {"created": result.created, "replaced": result.replaced,
                      "unchanged": result.unchanged, "refused": refused}
    locked.content = b""
    locked.save(update_fields=["confirmed_at", "summary", "content"])


def purge_unconfirmed(*models_: type[StagedUpload], now=None) -> int:
    """Delete the files never confirmed within a day (the preview is long gone; the file held
    every row of it). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - UNCONFIRMED_LIFETIME
    return sum(model.objects.filter(confirmed_at=None, uploaded_at__lt=cutoff).delete()[0]
               for model in models_)
