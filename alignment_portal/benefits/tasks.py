"""Celery interfaces for the benefit ledger: thin."""

from celery import shared_task

from alignment_portal.benefits.models import BenefitImport
from alignment_portal.lib import staged


@shared_task(name="benefits.purge_unconfirmed_imports")
def purge_unconfirmed_imports() -> int:
    """Hourly: delete uploaded CSV files of realised benefits whose preview was never
    confirmed within a day."""
    return staged.purge_unconfirmed(BenefitImport)
