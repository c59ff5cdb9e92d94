"""A consultant's profile: the firm name, logo and contact line printed on the quarterly
reports they prepared (selectors.prepared_by says which those are)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.lib.text import single_line


def logo_path(instance, filename: str) -> str:
    # A fresh random name each upload: nothing of the uploaded name reaches the disk.
    return f"logos/{uuid.uuid4().hex}.png"


class ConsultantProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="consultant_profile")
    firm_name = models.CharField(max_length=120, validators=[single_line],
                                 help_text=_("Printed on the reports you prepare."))
    contact_line = models.CharField(
        max_length=200, blank=True, validators=[single_line],
        help_text=_("One line under the firm name, e.g. “jo@firm.example · +44 20 7946 0000”."))
    # Always a PNG re-encoded by logo.clean_logo, under MEDIA_ROOT/logos/.
    logo = models.FileField(upload_to=logo_path, blank=True, max_length=120)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.firm_name
