"""The outbox against real services: a Celery worker process, Redis and an SMTP server."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from selvhjelp import outbox
from selvhjelp.enums import Channel, NotificationState
from selvhjelp.models import Notification

ROOT = Path(__file__).resolve().parents[2]


class Sink:
    """An SMTP server on loopback that records each accepted message's Message-ID."""

    def __init__(self, stall_on: int | None = None):
        self.message_ids: list[str] = []
        self.stall_on = stall_on
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            count = len(self.message_ids) + 1
            self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        if count == self.stall_on:
            # The server has the message; the worker is killed before it hears "250".
            self.stalled.set()
            await _wait(self.release)
        return "250 OK"


async def _wait(event: threading.Event):
    import asyncio

    while not event.is_set():
        await asyncio.sleep(0.05)


@pytest.fixture
def smtp_sink():
    sinks = []

    def start(**kwargs):
        sink = Sink(**kwargs)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        sinks.append(controller)
        return sink, port

    yield start
    for controller in sinks:
        controller.stop()


def _database_url() -> str:
    """The database this test run uses (the test database), for worker processes."""
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{host}:{port}/{s['NAME']}"


def _worker(broker: str, smtp_port: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "selvhjelp.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "OUTBOX_LEASE_SECONDS": "5",
        "DEBUG": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "selvhjelp",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}")


def _queue(count: int) -> list[str]:
    with transaction.atomic():
        for n in range(count):
            outbox.notify(
                "core.test_message",
                recipient=outbox.Recipient(f"p{n}@example.no", "nb"),
                key=f"crash:{n}",
            )
    return [outbox.message_id(n) for n in Notification.objects.order_by("pk")]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_loses_nothing_and_duplicates_only_inside_the_window(
    require_postgres, require_broker, smtp_sink, settings, tmp_path
):
    from selvhjelp.celery import app

    sink, port = smtp_sink(stall_on=5)
    expected = _queue(12)
    log_path = tmp_path / "worker.log"
    log = log_path.open("ab")
    worker = _worker(settings.CELERY_BROKER_URL, port, log)
    try:
        app.send_task("selvhjelp.dispatch_notifications")
        assert sink.stalled.wait(60), log_path.read_text()
        worker.send_signal(signal.SIGKILL)  # dies with message 5 accepted but unrecorded
        worker.wait(10)
        sink.release.set()
        assert Notification.objects.filter(state=NotificationState.SENT).count() == 4

        worker = _worker(settings.CELERY_BROKER_URL, port, log)
        time.sleep(5.5)  # the dead worker's lease runs out

        def all_sent():
            app.send_task("selvhjelp.dispatch_notifications")
            return Notification.objects.filter(state=NotificationState.SENT).count() == 12

        _wait_for(all_sent, 60, "every message to be sent after the restart")
    finally:
        worker.kill()
        worker.wait(10)
        log.close()
    assert sorted(set(sink.message_ids)) == sorted(expected)
    duplicates = [mid for mid in set(sink.message_ids) if sink.message_ids.count(mid) > 1]
    # The one message the server took in the instant before the crash came again,
    # recognisable by its Message-ID; nothing else did.
    assert duplicates == [expected[4]]
    assert len(sink.message_ids) == 13


@pytest.mark.django_db(transaction=True)
def test_a_change_commits_while_the_broker_is_down_and_its_message_goes_out_later(
    require_postgres, require_broker, smtp_sink, settings, tmp_path
):
    from selvhjelp.celery import app

    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        started = time.monotonic()
        with transaction.atomic():
            outbox.notify(
                "core.test_message",
                recipient=outbox.Recipient("kari@example.no", "nb"),
                key="while-broker-down",
            )
        assert time.monotonic() - started < 1  # nothing waited for the broker
    row = Notification.objects.get()
    assert row.state == NotificationState.PENDING

    sink, port = smtp_sink()
    log = (tmp_path / "worker.log").open("ab")
    worker = _worker(settings.CELERY_BROKER_URL, port, log)
    try:

        def sent():
            app.send_task("selvhjelp.dispatch_notifications")
            return Notification.objects.filter(state=NotificationState.SENT).exists()

        _wait_for(sent, 60, "the message to go out once the broker is back")
    finally:
        worker.kill()
        worker.wait(10)
        log.close()
    assert sink.message_ids == [outbox.message_id(row)]


@pytest.mark.django_db
def test_a_test_message_reaches_a_real_smtp_server_exactly_once(smtp_sink):
    sink, port = smtp_sink()
    mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
    }
    with override_settings(MAILERS={"default": mailer}):
        with transaction.atomic():
            row = outbox.notify(
                "core.test_message",
                recipient=outbox.Recipient("kari@example.no", "nb"),
                key="smtp-once",
                channel=Channel.EMAIL,
            )
        outbox.dispatch_due()
        outbox.dispatch_due()
    assert sink.message_ids == [outbox.message_id(row)]
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
    assert row.sent_at <= timezone.now()
