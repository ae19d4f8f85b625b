"""The Celery app: tasks run in-process without a broker, and on a real worker with Redis."""

import logging
import os
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.conf import settings
from django.utils import timezone

from selvhjelp.celery import app as celery_app
from selvhjelp.models import Heartbeat
from selvhjelp.tasks import dispatch_notifications, heartbeat

NOON = datetime(2025, 3, 30, 10, 0, tzinfo=UTC)  # 12:00 in Oslo, the day summer time starts


@pytest.fixture
def celery_conf():
    """Change the Celery app's configuration for one test and put it back afterwards.

    Celery reads the Django settings once, so `override_settings` does not reach it.
    """
    changed: dict[str, object] = {}

    def set_conf(**values):
        for key, value in values.items():
            changed.setdefault(key, celery_app.conf[key])
            celery_app.conf[key] = value

    yield set_conf
    for key, value in changed.items():
        celery_app.conf[key] = value


def test_app_is_configured_from_django_settings():
    assert celery_app.main == "selvhjelp"
    assert celery_app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.timezone == "Europe/Oslo"


def test_heartbeat_is_registered_and_scheduled():
    assert heartbeat.name == "selvhjelp.heartbeat"
    assert celery_app.tasks["selvhjelp.heartbeat"].name == "selvhjelp.heartbeat"
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["heartbeat"]["task"] == "selvhjelp.heartbeat"
    assert schedule["heartbeat"]["schedule"] == timedelta(minutes=1)
    # Every scheduled job names a task a worker knows, or beat sends messages nobody runs.
    assert {job["task"] for job in schedule.values()} <= set(celery_app.tasks)


def test_eager_heartbeat_writes_the_row(db, celery_conf):
    celery_conf(task_always_eager=True)
    with time_machine.travel(NOON, tick=False):
        result = heartbeat.delay()

    assert result.get() == "2025-03-30T10:00:00+00:00"
    assert list(Heartbeat.objects.values_list("name", "at")) == [("worker", NOON)]


def test_eager_heartbeat_updates_the_same_row(db, celery_conf):
    celery_conf(task_always_eager=True)
    with time_machine.travel(NOON, tick=False):
        heartbeat.delay("beat-check")
    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        heartbeat.delay("beat-check")

    assert list(Heartbeat.objects.values_list("name", "at")) == [
        ("beat-check", NOON + timedelta(minutes=1))
    ]


def test_eager_dispatch_with_nothing_due_sends_nothing(db, celery_conf):
    celery_conf(task_always_eager=True)

    result = dispatch_notifications.delay()

    assert dispatch_notifications.name == "selvhjelp.dispatch_notifications"
    assert result.get() == {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}


@contextmanager
def logging_left_as_it_was():
    """Undo what an embedded worker does to logging when it starts.

    start_worker sets up logging as for a worker process: the root logger's level (to the
    worker's), handlers and `propagate = False` on celery.task, and some environment
    variables. Without this, later tests would silently lose their INFO and WARNING logs.
    """
    manager = logging.Logger.manager
    loggers = [logging.getLogger()]
    loggers += [lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers]
    environ = dict(os.environ)
    try:
        yield
    finally:
        for logger, level, handlers, propagate, disabled in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.disabled = disabled
        for key in set(os.environ) - set(environ):
            del os.environ[key]
        os.environ.update(environ)


def _purge_default_queue() -> None:
    """Drop messages left on the broker by an earlier, interrupted run."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)


@pytest.mark.services
def test_worker_runs_heartbeat_sent_through_redis(require_broker, transactional_db, celery_conf):
    # transactional_db: the worker thread has its own database connection and only sees
    # committed rows. The Django fix-up in Celery closes that connection after each task,
    # so the test database can be dropped at the end of the session.
    celery_conf(task_always_eager=False)
    _purge_default_queue()

    with (
        logging_left_as_it_was(),
        start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=30,
        ),
    ):
        sent_at = timezone.now()
        result = heartbeat.delay("ci-worker")
        assert not isinstance(result, EagerResult)  # it went through Redis
        deadline = time.monotonic() + 20
        beat = None
        while beat is None and time.monotonic() < deadline:
            beat = Heartbeat.objects.filter(name="ci-worker").first()
            if beat is None:
                time.sleep(0.1)

    assert beat is not None, "the worker did not run selvhjelp.heartbeat within 20 s"
    assert sent_at <= beat.at <= timezone.now()
    assert beat.at - sent_at < timedelta(seconds=20)
    assert list(Heartbeat.objects.values_list("name", flat=True)) == ["ci-worker"]


@pytest.mark.services
def test_the_worker_test_leaves_logging_as_it_found_it(require_broker, transactional_db):
    root = logging.getLogger()
    before = (root.level, list(root.handlers), logging.getLogger("celery.task").propagate)

    with logging_left_as_it_was(), start_worker(celery_app, perform_ping_check=False):
        assert root.level == logging.ERROR  # what start_worker does, and what must be undone

    assert (root.level, list(root.handlers), logging.getLogger("celery.task").propagate) == before
