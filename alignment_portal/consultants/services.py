"""Writes of consultant profiles."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.consultants.logo import clean_logo
from alignment_portal.consultants.models import ConsultantProfile


def _delete_file_after_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def profile_save(*, user, firm_name: str, contact_line: str = "", logo=None,
                 remove_logo: bool = False) -> ConsultantProfile:
    """Create or change `user`'s profile. A new logo is validated and re-encoded
    (logo.clean_logo) before anything is stored; the file it replaces is deleted once the
    change has committed, so a failure keeps the old one."""
    png = clean_logo(logo) if logo is not None else None
    profile = ConsultantProfile.objects.select_for_update().filter(user=user).first() \
        or ConsultantProfile(user=user)
    profile.firm_name = (firm_name or "").strip()
    profile.contact_line = (contact_line or "").strip()
    if not profile.firm_name:
        raise ValidationError({"firm_name": gettext("Enter the firm name the reports should "
                                                    "carry.")})
    old_name = profile.logo.name if profile.logo else ""
    storage = profile.logo.storage
    if png is not None:
        profile.logo.save("logo.png", ContentFile(png), save=False)
        _delete_file_after_commit(storage, old_name)
    elif remove_logo and old_name:
        profile.logo = ""
        _delete_file_after_commit(storage, old_name)
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile.save()
    return profile
