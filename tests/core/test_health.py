"""/helse/: 200 and JSON while the database answers; the broker is reported, never required."""

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import DatabaseError
from django.test import override_settings

from selvhjelp import health
from selvhjelp.models import Heartbeat

URL = "/helse/"
NOON = datetime(2025, 10, 26, 11, 0, tzinfo=UTC)  # the day summer time ends in Oslo
NO_BROKER = override_settings(CELERY_BROKER_URL="")
# Port 1 (tcpmux) is closed on any ordinary machine: the connection is refused at once.
REFUSING_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def silent_broker_url():
    """A port that accepts TCP connections and never says a word, like a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def get_health(client):
    started = time.monotonic()
    response = client.get(URL)
    return response, time.monotonic() - started


@NO_BROKER
def test_healthy_without_a_broker(client, db):
    response, _ = get_health(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "worker_seen_seconds_ago": None,
        "overdue_notifications": 0,
    }


@pytest.mark.services
def test_reachable_broker_is_ok(client, db, require_broker):
    response, _ = get_health(client)

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_refused_broker_is_unreachable_and_the_site_still_healthy(client, db):
    with override_settings(CELERY_BROKER_URL=REFUSING_BROKER):
        response, took = get_health(client)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "unreachable",
        "worker_seen_seconds_ago": None,
        "overdue_notifications": 0,
    }
    assert took < 3


def test_hung_broker_is_unreachable_within_the_timeout(client, db, silent_broker_url):
    with override_settings(CELERY_BROKER_URL=silent_broker_url):
        response, took = get_health(client)

    assert response.status_code == 200
    assert response.json()["broker"] == "unreachable"
    assert health.BROKER_TIMEOUT_SECONDS <= took < health.BROKER_TIMEOUT_SECONDS + 2


@pytest.mark.parametrize(
    "url", ["nosuchtransport://127.0.0.1/0", "redis://127.0.0.1:notaport/0", "redis://[::1:6379/0"]
)
def test_broker_check_never_raises(url):
    with override_settings(CELERY_BROKER_URL=url):
        assert health.broker_state() == "unreachable"


@pytest.mark.allow_error_logs
@NO_BROKER
def test_database_down_gives_503(client, db, monkeypatch, caplog):
    monkeypatch.setattr(health, "database_ok", lambda: False)

    response, _ = get_health(client)

    # Django logs every 5xx response; the operator's log shows the outage.
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("django.request", "ERROR", "Service Unavailable: /helse/")
    ]

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unreachable",
        "broker": "in-process",
        "worker_seen_seconds_ago": None,
        "overdue_notifications": None,
    }


def test_database_ok_is_false_when_the_query_fails(monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())

    assert health.database_ok() is False


@pytest.mark.parametrize(
    ("beat_at", "expected"),
    [
        (NOON - timedelta(seconds=90), 90),
        (NOON - timedelta(hours=2, seconds=1), 7201),
        (NOON, 0),
        # A worker whose clock runs ahead never makes the answer negative.
        (NOON + timedelta(seconds=30), 0),
    ],
)
@NO_BROKER
def test_worker_seen_seconds_ago(client, db, beat_at, expected):
    Heartbeat.objects.create(name="worker", at=beat_at)
    # Only the periodic job's own heartbeat counts.
    Heartbeat.objects.create(name="ci-worker", at=NOON)

    with time_machine.travel(NOON, tick=False):
        response, _ = get_health(client)

    assert response.status_code == 200
    assert response.json()["worker_seen_seconds_ago"] == expected


@NO_BROKER
def test_other_heartbeats_do_not_count_as_the_worker(client, db):
    Heartbeat.objects.create(name="ci-worker", at=NOON)

    with time_machine.travel(NOON, tick=False):
        response, _ = get_health(client)

    assert response.json()["worker_seen_seconds_ago"] is None


def test_overdue_notifications_count_open_messages_past_the_grace(client, db, settings):
    from selvhjelp.models import Notification

    # Only the settings fixture here: mixing it with override_settings leaks on teardown.
    settings.CELERY_BROKER_URL = ""
    settings.OUTBOX_OVERDUE_MINUTES = 10

    def row(key, due, state="pending"):
        Notification.objects.create(
            idempotency_key=key,
            kind="core.test_message",
            channel="email",
            to_address="a@example.no",
            language="nb",
            due_at=due,
            state=state,
            lease_expires_at=NOON if state == "sending" else None,
            sent_at=NOON if state == "sent" else None,
        )

    row("late", NOON - timedelta(minutes=11))
    row("late-sending", NOON - timedelta(minutes=30), "sending")
    row("within-grace", NOON - timedelta(minutes=9))
    row("future", NOON + timedelta(hours=1))
    row("sent", NOON - timedelta(hours=1), "sent")
    row("failed", NOON - timedelta(hours=1), "failed")

    with time_machine.travel(NOON, tick=False):
        response, _ = get_health(client)

    assert response.json()["overdue_notifications"] == 2
