from celery import shared_task


@shared_task(name="organizations.ping")
def ping() -> str:
    """A task with no side effect: proves a round trip through the broker and a worker."""
    return "pong"


@shared_task(name="organizations.purge_unconfirmed_accounts")
def purge_unconfirmed_accounts() -> int:
    """Daily: delete accounts whose sign-up was never confirmed, with their organization."""
    from alignment_portal.organizations.services import unconfirmed_accounts_purge

    return unconfirmed_accounts_purge()


@shared_task(name="organizations.purge_security_log")
def purge_security_log() -> int:
    """Daily: delete security log events older than 13 months."""
    from alignment_portal.organizations import security_log

    return security_log.purge()


@shared_task(name="organizations.delete_due_organizations")
def delete_due_organizations() -> int:
    """Hourly: delete the organizations whose 14 days' notice is over (deletion.py)."""
    from alignment_portal.organizations import deletion

    return deletion.delete_due()
