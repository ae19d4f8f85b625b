"""Checks behind /helse/: the database must answer; the broker is reported, not required.

Every check returns a value and never raises: a health check that fails with a 500 tells
the operator less than one that says which part is down.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from selvhjelp.models import Heartbeat, Notification

# The broker check runs inside a web request: it may take at most about this long.
BROKER_TIMEOUT_SECONDS = 2.0


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_state() -> str:
    """'in-process' without a broker, else 'ok' or 'unreachable', within about 2 s.

    One connection attempt with short connect and read timeouts, no retries: kombu's
    defaults would retry with growing pauses and hold the request for much longer.
    """
    url = settings.CELERY_BROKER_URL
    if not url:
        return "in-process"
    from selvhjelp.celery import app

    try:
        with app.connection_for_write(
            url,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            # Read by the Redis transport, which ignores connect_timeout.
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
                "retry_on_timeout": False,
            },
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception:
        return "unreachable"
    return "ok"


def worker_seen_seconds_ago() -> int | None:
    """Seconds since the periodic heartbeat task last ran on a worker; None if never."""
    try:
        beat = Heartbeat.objects.filter(name="worker").values_list("at", flat=True).first()
    except Exception:
        return None
    if beat is None:
        return None
    return max(0, int((timezone.now() - beat).total_seconds()))


def overdue_notifications() -> int:
    """Messages still unsent OUTBOX_OVERDUE_MINUTES after they fell due: a stuck dispatcher."""
    grace = timedelta(minutes=settings.OUTBOX_OVERDUE_MINUTES)
    return Notification.objects.overdue(timezone.now(), grace).count()
