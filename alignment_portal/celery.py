"""The Celery application. Its configuration is the CELERY_* names in settings.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment_portal.settings")

app = Celery("alignment_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks([
    "alignment_portal.organizations", "alignment_portal.scoring", "alignment_portal.feeds",
    "alignment_portal.notifications", "metrics", "goals", "initiatives",
])
