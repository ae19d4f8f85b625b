"""The groups app's Celery tasks: thin, explicitly named, run by celery beat (settings)."""

from celery import shared_task

from groups import digest, services


@shared_task(name="groups.lapse_offers")
def lapse_offers() -> int:
    """Offers past their answer-by time lapse; returns how many did."""
    return services.lapse_offers()


@shared_task(name="groups.start_groups")
def start_groups() -> int:
    """Forming groups whose opening meeting has ended are started; returns how many."""
    return services.start_groups()


@shared_task(name="groups.alert_short_groups")
def alert_short_groups() -> int:
    """Staff hear of forming groups two weeks from their start that still lack members."""
    return services.alert_short_groups()


@shared_task(name="groups.weekly_digest")
def weekly_digest() -> int:
    """The weekly summary to each centre's staff; returns how many were queued."""
    return digest.queue_weekly_digest()
