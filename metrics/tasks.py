"""Celery interfaces for metrics: thin, they call a service."""

from celery import shared_task

from alignment_portal.lib import staged
from metrics.models import ValueImport


@shared_task(name="metrics.purge_unconfirmed_imports")
def purge_unconfirmed_imports() -> int:
    """Hourly: delete uploaded CSV files of values whose preview was never confirmed within a
    day."""
    return staged.purge_unconfirmed(ValueImport)
