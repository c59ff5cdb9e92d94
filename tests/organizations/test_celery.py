import time
from unittest import mock

from celery import Celery
from django.conf import settings
from django.db import transaction

from alignment_portal.lib.queue import enqueue_on_commit, send_now
from alignment_portal.organizations.tasks import ping
from tests.celery_support import BROKER_URL, client_app, needs_broker, worker_process


def test_a_task_is_queued_only_after_the_transaction_commits(
        db, django_capture_on_commit_callbacks):
    with mock.patch.object(ping, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                enqueue_on_commit(ping)
                assert not apply_async.called
        assert apply_async.called


def test_a_rolled_back_transaction_queues_nothing(db, django_capture_on_commit_callbacks):
    with mock.patch.object(ping, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    enqueue_on_commit(ping)
                    raise RuntimeError("rollback")
            except RuntimeError:
                pass
        assert callbacks == []
        assert not apply_async.called


def test_without_a_broker_tasks_run_in_process(db):
    assert ping.delay().get() == "pong"


def test_a_broker_that_is_down_neither_hangs_nor_fails_the_request(monkeypatch):
    # The production publish settings, against a port where nothing listens. (Celery lets the
    # CELERY_BROKER_URL environment variable win over the constructor's argument.)
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app = Celery("down", broker="redis://127.0.0.1:1/0")
    app.conf.update(
        task_publish_retry=settings.CELERY_TASK_PUBLISH_RETRY,
        broker_connection_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        task_always_eager=False,
    )

    @app.task(name="down.noop")
    def noop():
        return None

    started = time.monotonic()
    assert send_now(noop) is False
    assert time.monotonic() - started < 15  # it gave up instead of hanging


def test_an_outage_logs_once_then_a_summary_not_a_line_per_request(monkeypatch, caplog):
    from alignment_portal.lib import queue

    monkeypatch.setattr(queue, "_outage", queue._Outage())
    clock = [1000.0]
    monkeypatch.setattr(queue.time, "monotonic", lambda: clock[0])
    caplog.set_level("INFO", logger="alignment_portal.lib.queue")
    with mock.patch.object(ping, "apply_async", side_effect=ConnectionRefusedError(111, "no")):
        for _ in range(500):
            assert send_now(ping) is False
        assert len(caplog.records) == 1 and "could not queue" in caplog.records[0].message
        clock[0] += queue.OUTAGE_LOG_SECONDS
        assert send_now(ping) is False
    assert len(caplog.records) == 2 and "500 more task(s)" in caplog.records[1].message
    with mock.patch.object(ping, "apply_async"):
        assert send_now(ping) is True
        assert send_now(ping) is True
    assert len(caplog.records) == 3
    assert "takes tasks again, after 501 failed" in caplog.records[2].message


@needs_broker
def test_round_trip_through_redis_and_a_worker():
    backend = BROKER_URL
    with worker_process(extra_env={"CELERY_RESULT_BACKEND": backend}) as (_, queue):
        result = client_app(backend).send_task("organizations.ping", queue=queue)
        assert result.get(timeout=30) == "pong"
