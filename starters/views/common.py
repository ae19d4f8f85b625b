"""Pieces the starter pages and the calendar feed share: which bookings to show, and how.

Everything a starter sees of a meeting: its time, room and address, the group's name, how
many are expected and the kind of meeting. Never who the participants are.
"""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from groups.enums import MeetingStatus
from groups.models import Membership, Offer
from starters.enums import AssignmentStatus
from starters.models import Booking

OPENING, FOLLOWUP, REGULAR = "opening", "followup", "regular"
KIND_LABELS = {
    OPENING: _("opening meeting"),
    FOLLOWUP: _("follow-up meeting"),
    REGULAR: _("group meeting"),
}


def meeting_kind(meeting) -> str:
    if meeting.is_opening:
        return OPENING
    if meeting.is_followup:
        return FOLLOWUP
    return REGULAR


def _per_group(queryset, now=None):
    counted = queryset.filter(group=OuterRef("meeting__group_id"))
    if now is not None:
        counted = counted.filter(expires_at__gt=now)
    counted = counted.order_by().values("group").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_meeting(bookings, now):
    """Bookings with their meeting, group, room and centre, and the group's head count
    (`members_count`, `offered_count`) counted in the same query."""
    return bookings.select_related(
        "assignment", "meeting__group__centre", "meeting__room__centre"
    ).annotate(
        members_count=_per_group(Membership.objects.active()),
        offered_count=_per_group(Offer.objects.open(), now),
    )


def shown_bookings(starter):
    """The meetings a starter said yes to: those they attend (or attended), and those of
    their groups that were cancelled after they were booked, so they hear about it.
    Meetings of an assignment not yet answered are shown with the question instead."""
    return (
        Booking.objects.filter(starter=starter)
        .exclude(assignment__status=AssignmentStatus.PENDING)
        .filter(
            Q(is_active=True)
            | Q(
                meeting__status=MeetingStatus.CANCELLED,
                assignment__status=AssignmentStatus.ACCEPTED,
            )
        )
    )


def unique_meetings(bookings) -> list:
    """One booking per meeting (an active one before a released one)."""
    seen, kept = set(), []
    for booking in sorted(bookings, key=lambda b: not b.is_active):
        if booking.meeting_id not in seen:
            seen.add(booking.meeting_id)
            kept.append(booking)
    return sorted(kept, key=lambda b: (b.meeting.starts_at, b.meeting_id))


def describe(booking, now) -> dict:
    """A booked meeting as the starter's pages show it."""
    meeting = booking.meeting
    group = meeting.group
    kind = meeting_kind(meeting)
    return {
        "meeting_id": meeting.pk,
        "group_id": group.pk,
        "group_name": group.name,
        "centre": group.centre,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "room_name": meeting.room.name,
        "address": meeting.room.address,
        "accessibility": meeting.room.accessibility,
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "members": booking.members_count,
        "offered": booking.offered_count,
        "cancelled": meeting.status == MeetingStatus.CANCELLED,
        "moved_from": meeting.moved_from,
        "change_note": meeting.change_note,
        "sequence": meeting.sequence,
        "is_past": meeting.ends_at <= now,
    }
