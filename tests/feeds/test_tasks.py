"""Feed runs as Celery tasks: idempotent, retried with backoff, and through real Redis and a
worker."""

import time

import pytest
from django.conf import settings
from django.db import transaction

from alignment_portal.feeds import services, tasks
from alignment_portal.feeds.models import FeedRun, RunStatus
from metrics.models import MetricValue
from tests.celery_support import needs_broker, worker_process
from tests.celery_support import test_database_url as worker_database_url
from tests.feeds.conftest import monday, pull_feed


def test_the_task_is_idempotent(feed_server, bakery):
    url = feed_server.serve("/till.csv", f"metric,date,value\nLoaves wasted,{monday(1)},27\n")
    feed = pull_feed(bakery["org"], url)
    run = FeedRun.objects.create(organization=bakery["org"], feed=feed, trigger="manual")
    assert tasks.run_feed.apply(args=(run.pk,)).get() == RunStatus.OK
    assert tasks.run_feed.apply(args=(run.pk,)).get() == "skipped"
    assert MetricValue.objects.filter(metric=bakery["waste"]).count() == 1
    assert feed_server.hits["/till.csv"] == 1


def test_the_task_is_acks_late_and_retries_with_backoff():
    assert tasks.run_feed.acks_late and tasks.run_feed.reject_on_worker_lost
    assert tasks.run_feed.max_retries == 3
    assert 30 <= tasks.backoff(0) < 36 and 120 <= tasks.backoff(2) < 126
    assert tasks.backoff(10) <= 605


def test_a_transient_failure_is_queued_again_for_the_retry(feed_server, bakery):
    url = feed_server.serve("/till.csv", "busy", status=503, etag=False)
    feed = pull_feed(bakery["org"], url)
    run = FeedRun.objects.create(organization=bakery["org"], feed=feed, trigger="schedule")
    with pytest.raises(services.RetryLater, match="503"):
        services.execute_run(run.pk, may_retry=True)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.attempts == 1 and "503" in run.error
    final = services.execute_run(run.pk, may_retry=False)  # the last attempt records it
    assert final.status == RunStatus.FAILED and final.attempts == 2


def test_the_beat_schedule_runs_due_feeds():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "feeds.run_due_feeds" in tasks_scheduled


@pytest.fixture
def real_worker(monkeypatch, feed_server):
    from alignment_portal.celery import app

    env = {"DATABASE_URL": worker_database_url(), "FEEDS_ALLOWED_HOSTS": "127.0.0.1"}
    with worker_process(extra_env=env) as (_, queue):
        app.conf.task_always_eager = False  # the autouse _eager_celery fixture restores it
        task = app.tasks["feeds.run_feed"]
        monkeypatch.setattr(task, "queue", queue, raising=False)
        monkeypatch.setattr(task, "_exec_options", None)
        yield queue


@needs_broker
@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_goes_through_redis_and_a_worker(real_worker, feed_server, bakery):
    url = feed_server.serve("/till.csv", f"metric,date,value\nLoaves wasted,{monday(1)},27\n")
    feed = pull_feed(bakery["org"], url)
    with transaction.atomic():
        run = services.feed_queue_run(feed=feed)
    deadline = time.monotonic() + 60
    while not run.is_finished:
        assert time.monotonic() < deadline, "the worker did not run the feed"
        time.sleep(0.3)
        run.refresh_from_db()
    assert (run.status, run.stored) == (RunStatus.OK, 1), run.error
    assert MetricValue.objects.get(metric=bakery["waste"]).value == 27
