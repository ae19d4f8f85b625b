"""Checks behind /helse/: the database must answer; the broker is reported, not required."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from selvhjelp.models import Heartbeat


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_state() -> str:
    """'in-process' without a broker, else 'ok' or 'unreachable' (checked within ~2 s)."""
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    from selvhjelp.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return "ok"
    except Exception:
        return "unreachable"


def worker_seen_seconds_ago() -> int | None:
    beat = Heartbeat.objects.filter(name="worker").values_list("at", flat=True).first()
    if beat is None:
        return None
    return max(0, int((timezone.now() - beat).total_seconds()))
