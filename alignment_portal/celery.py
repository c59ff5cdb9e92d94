"""The Celery application. Its configuration is the CELERY_* names in settings.py."""

import os

from celery import Celery, signals

from alignment_portal.lib.runtime import tune_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment_portal.settings")

app = Celery("alignment_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks([
    "alignment_portal.organizations", "alignment_portal.scoring", "alignment_portal.feeds",
    "alignment_portal.notifications", "metrics", "goals", "initiatives",
])


@signals.worker_init.connect
@signals.worker_process_init.connect
def _tune_worker(**kwargs) -> None:
    """A worker process (the main one for the solo and thread pools, each child of the
    prefork pool) collects garbage as the web workers do (lib/runtime.py)."""
    tune_gc()
