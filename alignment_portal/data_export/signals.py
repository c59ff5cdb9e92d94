"""An export's file goes with its row, however the row goes (its organization's deletion
cascades to it)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from alignment_portal.data_export.models import OrganizationExport
from alignment_portal.data_export.storage import remove_file


@receiver(post_delete, sender=OrganizationExport, dispatch_uid="data_export_remove_file")
def _remove_file(sender, instance, **kwargs):
    remove_file(instance.file_name)
