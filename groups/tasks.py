"""The groups app's Celery tasks: thin, explicitly named, run by celery beat (settings)."""

from celery import shared_task

from groups import services


@shared_task(name="groups.lapse_offers")
def lapse_offers() -> int:
    """Offers past their answer-by time lapse; returns how many did."""
    return services.lapse_offers()


@shared_task(name="groups.start_groups")
def start_groups() -> int:
    """Forming groups whose opening meeting has ended are started; returns how many."""
    return services.start_groups()
