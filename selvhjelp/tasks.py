"""The core's Celery tasks: thin, explicitly named, and run by celery beat (settings)."""

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from selvhjelp import outbox
from selvhjelp.models import Heartbeat


@shared_task(name="selvhjelp.heartbeat")
def heartbeat(name: str = "worker") -> str:
    """Record that a worker ran a periodic job; /helse/ reports how long ago."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now})
    return now.isoformat()


@shared_task(name="selvhjelp.dispatch_notifications")
def dispatch_notifications() -> dict[str, int]:
    """Send the outbox's due notifications; returns how many ended each way."""
    return asdict(outbox.dispatch_due())


@shared_task(name="selvhjelp.purge_personal_data")
def purge_personal_data() -> dict[str, int]:
    """Nightly: remove personal data whose retention time is up (selvhjelp/retention.py)."""
    from selvhjelp import retention

    report = retention.purge(dry_run=False, trigger="task")
    return {"run": report.run.pk, "removed": report.total}


@shared_task(name="selvhjelp.clear_sessions")
def clear_sessions() -> None:
    """Nightly: delete expired sessions (they name who was signed in, and when)."""
    from django.core.management import call_command

    call_command("clearsessions")
