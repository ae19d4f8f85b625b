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


def still_waiting_context(notification) -> dict | None:
    application = _application(notification)
    # Only while the question is open: someone offered a place meanwhile gets nothing.
    if application is None or application.status != "waiting":
        return None
    if application.still_waiting_asked_at is None:
        return None
    return {
        "first_name": application.first_name,
        "centre": application.centre,
        "weeks": application.centre.waiting_limit_weeks,
        "link": outbox.absolute(reverse("applicant", args=[application.token])),
    }


def staff_waiting_context(notification) -> dict | None:
    from selvhjelp.models import Centre

    centre = Centre.objects.filter(pk=notification.params.get("centre_id")).first()
    if centre is None:
        return None
    return {
        "centre": centre,
        "weeks": centre.waiting_limit_weeks,
        "asked": int(notification.params.get("asked", 0)),
        "set_aside": int(notification.params.get("set_aside", 0)),
        "link": outbox.absolute(
            reverse("staff-applications") + f"?status=waiting&waited={centre.waiting_limit_weeks}"
        ),
    }


def register() -> None:
    outbox.register_kind(
        outbox.Kind(
            "intake.staff_waiting",
            label=_("People waiting longer than the limit (to staff)"),
            template="intake/staff_waiting",
            context=staff_waiting_context,
        )
    )
    outbox.register_kind(
        outbox.Kind(
            "intake.still_waiting",
            label=_("Do you still want a place?"),
            template="intake/still_waiting",
            context=still_waiting_context,
        )
    )
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
