"""The starters app's Celery tasks: thin, explicitly named, run by celery beat (settings)."""

from celery import shared_task
from django.utils import timezone

from starters import services


@shared_task(name="starters.check_coverage")
def check_coverage() -> int:
    """Staff hear (once) about groups starting within two weeks still short of starters."""
    return services.alert_short_groups(timezone.localdate())
