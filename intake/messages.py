"""The messages intake sends (through the core outbox)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from selvhjelp import outbox


def _application(notification):
    from intake.models import Application

    return (
        Application.objects.select_related("centre")
        .filter(pk=notification.params.get("application_id"))
        .first()
    )


def receipt_context(notification) -> dict | None:
    application = _application(notification)
    if application is None:  # erased before the receipt went out
        return None
    return {
        "first_name": application.first_name,
        "centre": application.centre,
        "typical_wait_weeks": application.centre.typical_wait_weeks,
        "link": outbox.absolute(reverse("applicant", args=[application.token])),
    }


def lost_link_context(notification) -> dict | None:
    application = _application(notification)
    if application is None:
        return None
    return {
        "first_name": application.first_name,
        "centre": application.centre,
        "link": outbox.absolute(reverse("applicant", args=[application.token])),
    }


def register() -> None:
    outbox.register_kind(
        outbox.Kind(
            "intake.receipt",
            label=_("Receipt for an application"),
            template="intake/receipt",
            context=receipt_context,
        )
    )
    outbox.register_kind(
        outbox.Kind(
            "intake.lost_link",
            label=_("The link to an applicant's own page"),
            template="intake/lost_link",
            context=lost_link_context,
        )
    )
