"""The weekly summary for a centre's staff: the waiting list, forming groups and the
opening and follow-up meetings of the next two weeks. Counts and group names only."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from groups.enums import GroupStatus
from groups.models import Group, Meeting
from intake.enums import Status
from intake.models import Application
from selvhjelp import outbox
from selvhjelp.models import Centre

AHEAD = timedelta(weeks=2)


def queue_weekly_digest(now=None) -> int:
    """One digest per active centre and staff member who wants it; keyed by ISO week, so a
    second run in the same week adds nothing."""
    now = now or timezone.now()
    year, week, _ = timezone.localdate(now).isocalendar()
    queued = 0
    for centre in Centre.objects.filter(is_active=True):
        with transaction.atomic():
            for user in outbox.staff_of(centre, digest=True):
                outbox.notify(
                    "groups.digest",
                    recipient=outbox.Recipient(
                        user.email, centre.default_language, user.first_name, ref=user
                    ),
                    key=f"groups.digest:{centre.pk}:{user.pk}:{year}-W{week:02d}",
                    centre=centre,
                    params={"centre_id": centre.pk},
                )
                queued += 1
    return queued


def _still_wanted(notification, centre: Centre) -> bool:
    return (
        notification.recipient_type == "auth.user"
        and notification.recipient_id.isdigit()
        and outbox.staff_of(centre, digest=True).filter(pk=int(notification.recipient_id)).exists()
    )


def digest_context(notification) -> dict | None:
    centre = Centre.objects.filter(pk=notification.params.get("centre_id")).first()
    if centre is None or not _still_wanted(notification, centre):
        return None
    now = timezone.now()
    limit = timezone.localtime(now) - timedelta(weeks=centre.waiting_limit_weeks)
    applications = Application.objects.filter(centre=centre)
    forming = [
        group.with_seat_flags()
        for group in Group.objects.with_seats(now)
        .filter(centre=centre, status=GroupStatus.FORMING)
        .order_by("start_date", "name")
    ]
    meetings = list(
        Meeting.objects.planned()
        .filter(group__centre=centre, starts_at__gte=now, starts_at__lt=now + AHEAD)
        .filter(Q(is_opening=True) | Q(is_followup=True))
        .select_related("group", "room")
        .order_by("starts_at")
    )
    return {
        "centre": centre,
        "waiting": applications.filter(status=Status.WAITING).count(),
        "waiting_long": applications.filter(status=Status.WAITING, applied_at__lte=limit).count(),
        "limit_weeks": centre.waiting_limit_weeks,
        "new": applications.filter(status=Status.RECEIVED).count(),
        "set_aside": applications.filter(status=Status.INACTIVE).count(),
        "forming": forming,
        "meetings": meetings,
        "link": outbox.absolute(reverse("staff-home")),
    }
