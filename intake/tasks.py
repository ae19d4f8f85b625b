from celery import shared_task

from intake import services


@shared_task(name="intake.waiting_list_care")
def waiting_list_care() -> dict[str, int]:
    return services.care_for_waiting_list()
