"""Celery interfaces for metrics: thin, they call a service."""

from celery import shared_task

from metrics import services


@shared_task(name="metrics.purge_unconfirmed_imports")
def purge_unconfirmed_imports() -> int:
    """Hourly: delete uploaded CSV files whose preview was never confirmed within a day."""
    return services.value_imports_purge()
