"""Celery interfaces for metrics: thin, they call a service."""

from celery import shared_task

from metrics import services


@shared_task(name="metrics.send_value_reminders", autoretry_for=(ConnectionError,),
             retry_backoff=True, retry_kwargs={"max_retries": 3})
def send_value_reminders() -> int:
    """Daily: email each metric owner the values due today or overdue."""
    return services.reminders_send()


@shared_task(name="metrics.purge_unconfirmed_imports")
def purge_unconfirmed_imports() -> int:
    """Hourly: delete uploaded CSV files whose preview was never confirmed within a day."""
    return services.value_imports_purge()
