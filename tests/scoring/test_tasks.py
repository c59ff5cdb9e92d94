"""Recompute through Celery: after commit, in-process without a broker, through real Redis
and a worker with one, and caught up by the sweep after the broker was down."""

import time
from datetime import timedelta

import pytest
from celery import Celery
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alignment_portal.organizations import recompute
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import engine, triggers
from alignment_portal.scoring.models import Flag, OrganizationScore, ScoreSnapshot
from alignment_portal.scoring.tasks import (
    recompute_organization,
    snapshot_scores,
    sweep_recomputes,
)
from metrics.models import MetricValue
from tests.celery_support import needs_broker, worker_process
from tests.celery_support import test_database_url as worker_database_url
from tests.factories import (
    AlignmentLinkFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
    OrganizationFactory,
)


def stale_organization(slug="bakery"):
    """An organization whose one metric in use was last logged 60 days ago: STALE_DATA."""
    org = OrganizationFactory(slug=slug)
    metric = MetricFactory(organization=org, name="Orders shipped on time", frequency="weekly")
    MetricValueFactory(metric=metric, period=timezone.localdate() - timedelta(days=60))
    initiative = InitiativeFactory(organization=org)
    AlignmentLinkFactory(initiative=initiative, goal=GoalFactory(cycle__organization=org))
    MeasurementLinkFactory(initiative=initiative, metric=metric)
    engine.recompute(org.pk)
    assert stale_flag(org, metric).exists()
    return org, metric


def stale_flag(org, metric):
    return Flag.objects.filter(organization=org, code="STALE_DATA", subject_type="metric",
                               subject_id=str(metric.pk), resolved_at=None)


def log_value(org, metric):
    """What the metrics service does: the value, and the recompute request, in one
    transaction."""
    with transaction.atomic():
        MetricValue.objects.create(organization=org, metric=metric,
                                   period=timezone.localdate(), value=42)
        recompute.request_recompute(org)


class BrokerDown:
    """Publish through a Celery app whose broker is a closed port, with the production publish
    settings (as tests/organizations/test_celery.py does), until `back_up()`."""

    def __init__(self, request):
        self.patch = pytest.MonkeyPatch()
        request.addfinalizer(self.patch.undo)
        # Celery lets the CELERY_BROKER_URL environment variable win over the constructor.
        self.patch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
        # Not the current app: shared tasks resolve against the current one.
        self.app = Celery("down", broker="redis://127.0.0.1:1/0", set_as_current=False)
        self.app.conf.update(
            task_publish_retry=settings.CELERY_TASK_PUBLISH_RETRY,
            broker_connection_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
            broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS)
        self.patch.setattr(real_task(), "apply_async", self.apply_async)

    def apply_async(self, args=None, kwargs=None, **options):
        return self.app.send_task("scoring.recompute_organization", args=args, kwargs=kwargs)

    def back_up(self):
        self.patch.undo()


def real_task():
    from alignment_portal.celery import app

    return app.tasks["scoring.recompute_organization"]


def resolved_within(org, metric, seconds=45) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not stale_flag(org, metric).exists():
            return True
        time.sleep(0.3)
    return False


# --- Without a broker (in-process, the development default) ---------------------------------

def test_logging_a_value_resolves_the_stale_flag_in_process(db,
                                                           django_capture_on_commit_callbacks):
    org, metric = stale_organization()
    with django_capture_on_commit_callbacks(execute=True):
        log_value(org, metric)
    assert not stale_flag(org, metric).exists()
    assert Flag.objects.filter(organization=org, code="STALE_DATA",
                               resolved_at__isnull=False).exists()
    assert not triggers.organizations_awaiting_recompute().exists()


def test_with_the_broker_down_saving_works_and_the_sweep_catches_up(
        db, request, django_capture_on_commit_callbacks):
    org, metric = stale_organization()
    broker = BrokerDown(request)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        log_value(org, metric)
    assert time.monotonic() - started < 15  # the publish gave up instead of hanging
    assert MetricValue.objects.filter(metric=metric, value=42).exists()  # saved
    org.refresh_from_db()
    assert org.recompute_queued_at is None  # the failed publish does not block the next one
    assert list(triggers.organizations_to_sweep()) == [org]
    assert stale_flag(org, metric).exists()

    broker.back_up()
    assert sweep_recomputes() == 1
    assert not stale_flag(org, metric).exists()
    assert sweep_recomputes() == 0


def test_the_nightly_snapshot_keeps_one_row_per_organization_and_day(db):
    org, _ = stale_organization()
    other = OrganizationFactory(slug="empty")
    assert snapshot_scores() >= 2
    snapshot_scores()
    assert ScoreSnapshot.objects.filter(organization=org, cycle=None).count() == 1
    assert ScoreSnapshot.objects.filter(organization=other).count() == 1
    snapshot = ScoreSnapshot.objects.get(organization=org)
    score = OrganizationScore.objects.get(organization=org)
    assert snapshot.rung == score.rung and snapshot.taken_on == timezone.localdate()


def test_the_task_is_idempotent(db):
    org, _ = stale_organization()
    Organization.objects.filter(pk=org.pk).update(recompute_generation=1)
    assert recompute_organization.apply(args=(org.pk,)).get() == "done"
    assert recompute_organization.apply(args=(org.pk,)).get() == "up_to_date"
    assert recompute_organization.apply(args=(10**9,)).get() == "missing"


def test_the_beat_schedule_has_the_sweep_and_the_nightly_snapshot():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"scoring.sweep_recomputes", "scoring.snapshot_scores"} <= tasks


# --- Through real Redis and a worker ----------------------------------------------------------

@pytest.fixture
def real_broker(monkeypatch):
    """Publish for real to CELERY_BROKER_URL, on a queue only our worker listens to."""
    from alignment_portal.celery import app

    with worker_process(extra_env={"DATABASE_URL": worker_database_url()}) as (_, queue):
        app.conf.task_always_eager = False  # the autouse _eager_celery fixture restores it
        monkeypatch.setattr(real_task(), "queue", queue, raising=False)
        monkeypatch.setattr(real_task(), "_exec_options", None)  # Celery caches the queue
        yield queue


@needs_broker
@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_logging_a_value_resolves_the_stale_flag_through_a_worker(real_broker):
    org, metric = stale_organization()
    log_value(org, metric)  # commits: the task goes to Redis, the worker recomputes
    assert resolved_within(org, metric)
    deadline = time.monotonic() + 15
    while org.recompute_started_at is not None or org.recomputed_at is None:
        assert time.monotonic() < deadline, "the worker did not release its claim"
        time.sleep(0.2)
        org.refresh_from_db()
    assert org.recomputed_generation == org.recompute_generation
    assert org.recompute_queued_at is None and org.recompute_started_at is None


@needs_broker
@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_catches_up_once_the_broker_is_back(real_broker, request):
    org, metric = stale_organization()
    broker = BrokerDown(request)
    log_value(org, metric)
    assert MetricValue.objects.filter(metric=metric, value=42).exists()  # saved
    time.sleep(1)
    assert stale_flag(org, metric).exists()  # nothing reached the worker

    broker.back_up()
    assert sweep_recomputes() == 1
    assert resolved_within(org, metric)
