"""Celery interfaces to the scoring engine: they take ids and call the engine."""

from celery import shared_task

from alignment_portal.scoring import engine


@shared_task(name="scoring.recompute_organization", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True,
             retry_kwargs={"max_retries": 5})
def recompute_organization(organization_id: int) -> None:
    engine.recompute(organization_id)
