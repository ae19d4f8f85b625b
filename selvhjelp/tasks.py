from celery import shared_task
from django.utils import timezone

from selvhjelp.models import Heartbeat


@shared_task(name="selvhjelp.heartbeat")
def heartbeat(name: str = "worker") -> str:
    """Record that a worker ran a periodic job; /helse/ reports how long ago."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now})
    return now.isoformat()
