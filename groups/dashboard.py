"""The groups section on the staff overview (/stab/).

Every number comes from a fixed handful of queries, however many groups and applications a
centre has: seats are counted in subqueries of the group query, never per group.
"""

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from groups.enums import GroupStatus
from groups.forms import weekday_label
from groups.models import Group, Meeting
from intake.enums import Status
from intake.models import Application

UPCOMING_DAYS = 28
UPCOMING_SHOWN = 30
# What the overview shows of a group and a meeting: whole centre rows (dozens of policy
# columns) per group are not loaded.
GROUP_FIELDS = [
    "name",
    "status",
    "weekday",
    "start_time",
    "start_date",
    "min_size",
    "max_size",
    "fragile_below",
    "centre__name",
]
MEETING_FIELDS = [
    "starts_at",
    "is_opening",
    "is_followup",
    "group__name",
    "group__centre__name",
    "room__name",
]


def _weeks(since, now) -> int:
    return max((now - since).days // 7, 0)


def _waiting(centres, now) -> dict:
    """The waiting list: open applications, how many are ready, and how long they have waited."""
    open_applications = Application.objects.filter(centre__in=centres, status__in=Status.open())
    totals = open_applications.aggregate(
        total=Count("pk"),
        ready=Count("pk", filter=Q(status=Status.WAITING)),
        oldest=Min("applied_at"),
    )
    total = totals["total"]
    median_weeks = longest_weeks = None
    if total:
        middle = list(
            open_applications.order_by("applied_at", "id").values_list("applied_at", flat=True)[
                (total - 1) // 2 : total // 2 + 1
            ]
        )
        median_at = middle[0] + (middle[-1] - middle[0]) / 2
        median_weeks = _weeks(median_at, now)
        longest_weeks = _weeks(totals["oldest"], now)
    return {
        "total": total,
        "ready": totals["ready"],
        "median_weeks": median_weeks,
        "longest_weeks": longest_weeks,
    }


def context(request, centres) -> dict | None:
    if not centres:
        return None
    now = timezone.now()
    groups = [
        group.with_seat_flags()
        for group in Group.objects.filter(
            centre__in=centres, status__in=[GroupStatus.FORMING, *GroupStatus.running()]
        )
        .select_related("centre")
        .only(*GROUP_FIELDS)
        .with_seats(now)
        .order_by("start_date", "name")
    ]
    weekdays = {}
    for group in groups:
        if group.weekday not in weekdays:
            weekdays[group.weekday] = weekday_label(group.weekday)
        group.weekday_name = weekdays[group.weekday]
    forming = [group for group in groups if group.status == GroupStatus.FORMING]
    running = [group for group in groups if group.status in GroupStatus.running()]
    upcoming = list(
        Meeting.objects.planned()
        .filter(
            group__centre__in=centres,
            starts_at__gte=now,
            starts_at__lt=now + timedelta(days=UPCOMING_DAYS),
        )
        .filter(Q(is_opening=True) | Q(is_followup=True))
        .exclude(group__status=GroupStatus.ENDED)
        .select_related("group__centre", "room")
        .only(*MEETING_FIELDS)
        .order_by("starts_at")[:UPCOMING_SHOWN]
    )
    return {
        "waiting": _waiting(centres, now),
        "forming": forming,
        "running": running,
        "short": [group for group in forming if group.is_short],
        "fragile": [group for group in running if group.is_fragile],
        "upcoming": upcoming,
        "upcoming_days": UPCOMING_DAYS,
        "several_centres": len(centres) > 1,
    }
