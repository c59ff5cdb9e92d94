from celery import shared_task


@shared_task(name="organizations.ping")
def ping() -> str:
    """A task with no side effect: proves a round trip through the broker and a worker."""
    return "pong"
