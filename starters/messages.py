"""The messages the starters app sends (through the core outbox).

Each context builder loads fresh data by the ids in the notification's params when the
message is sent, and returns None when it is no longer wanted: the booking was released,
the meeting cancelled or moved again, the assignment answered, the recipient no longer a
starter there. Starters and staff read about groups and meetings here: times, rooms,
addresses and counts. Nothing about any participant is loaded (not even a first name).
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups.enums import GroupStatus, MeetingStatus
from groups.messages import meeting_event
from groups.models import Group, Meeting
from groups.public_section import describe_meeting, describe_room, describe_slot
from selvhjelp import ics, outbox
from selvhjelp.models import Centre
from starters.enums import AssignmentStatus
from starters.models import Assignment, Booking, Starter

STARTER = "starters.starter"
CHANGES = {"moved", "cancelled", "replanned", "ended"}
ALERTS = {"declined", "short", "clash"}


def _schedule_link() -> str:
    return outbox.absolute(reverse("starter-schedule"))


def _is_recipient(notification, starter: Starter) -> bool:
    """The message is to this starter, and their account still works."""
    return (
        notification.recipient_type == STARTER
        and notification.recipient_id == str(starter.pk)
        and starter.user.is_active
    )


def _group_context(group: Group) -> dict:
    return {
        "group_name": group.name,
        "slot": describe_slot(group),
        "room": describe_room(group.room),
        "start_date": group.start_date,
        "centre": group.centre,
    }


def _expected(group: Group) -> int:
    """How many participants are expected: members and open offers (a count, no names)."""
    seats = Group.objects.with_seats(timezone.now()).get(pk=group.pk)
    return seats.members_count + seats.offered_count


# starters.invitation -----------------------------------------------------------------------


def invitation_context(notification) -> dict | None:
    starter = (
        Starter.objects.select_related("user")
        .filter(pk=outbox.param_id(notification, "starter_id"))
        .first()
    )
    centre = Centre.objects.filter(pk=outbox.param_id(notification, "centre_id")).first()
    if (
        starter is None
        or centre is None
        or not _is_recipient(notification, starter)
        or not starter.centres.filter(pk=centre.pk).exists()
    ):
        return None
    user = starter.user
    # The password link is made now, not stored: it stops working once it is used.
    needs_password = not user.has_usable_password() or bool(notification.params.get("new_password"))
    if needs_password:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = outbox.absolute(reverse("starter-welcome", args=[uid, token]))
    else:
        link = outbox.absolute(reverse("starter-login"))
    return {
        "centre": centre,
        "added": bool(notification.params.get("added")),
        "again": bool(notification.params.get("new_password")),
        "needs_password": needs_password,
        "username": user.get_username(),
        "link": link,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }


# starters.assignment -----------------------------------------------------------------------


def _holding_assignment(notification) -> Assignment | None:
    assignment = (
        Assignment.objects.select_related("starter__user", "group__centre", "group__room__centre")
        .filter(pk=outbox.param_id(notification, "assignment_id"))
        .first()
    )
    if (
        assignment is None
        or assignment.status not in AssignmentStatus.holding()
        or assignment.group.status == GroupStatus.ENDED
        or not _is_recipient(notification, assignment.starter)
    ):
        return None
    return assignment


def _booked_meetings(assignment: Assignment) -> list[Meeting]:
    bookings = (
        assignment.bookings.active()
        .filter(starts_at__gt=timezone.now(), meeting__status=MeetingStatus.PLANNED)
        .select_related("meeting__room__centre", "meeting__group")
        .order_by("starts_at")
    )
    return [b.meeting for b in bookings]


def assignment_context(notification) -> dict | None:
    assignment = _holding_assignment(notification)
    if assignment is None:
        return None
    group = assignment.group
    return {
        **_group_context(group),
        "pending": assignment.status == AssignmentStatus.PENDING,
        "replacement": assignment.replaces_id is not None,
        "meetings": [describe_meeting(m) for m in _booked_meetings(assignment)],
        "expected": _expected(group),
        "link": _schedule_link(),
    }


def starter_event(meeting: Meeting, *, cancelled: bool = False) -> ics.CalendarEvent:
    """The meeting as the starter's calendar shows it (same UID as in their feed)."""
    event = meeting_event(meeting, cancelled=cancelled)
    if meeting.is_opening:
        summary = gettext("Starter at the opening meeting: %(group)s")
    elif meeting.is_followup:
        summary = gettext("Starter at the follow-up meeting: %(group)s")
    else:
        summary = gettext("Starter at a meeting: %(group)s")
    summary %= {"group": meeting.group.name}
    return ics.CalendarEvent(
        uid=event.uid,
        start=event.start,
        end=event.end,
        summary=summary,
        location=event.location,
        sequence=event.sequence,
        cancelled=cancelled,
    )


def assignment_attachments(notification) -> list:
    assignment = _holding_assignment(notification)
    if assignment is None:
        return []
    meetings = _booked_meetings(assignment)
    if not meetings:
        return []
    content = ics.calendar([starter_event(m) for m in meetings])
    return [("igangsetting.ics", content, "text/calendar; method=PUBLISH")]


# starters.reminder -------------------------------------------------------------------------


def _booking(notification) -> Booking | None:
    return (
        Booking.objects.select_related(
            "starter__user", "assignment", "meeting__group__centre", "meeting__room__centre"
        )
        .filter(pk=outbox.param_id(notification, "booking_id"))
        .first()
    )


def reminder_context(notification) -> dict | None:
    booking = _booking(notification)
    if booking is None:
        return None
    meeting = booking.meeting
    if (
        not booking.is_active
        or booking.assignment.status not in AssignmentStatus.holding()
        or meeting.status != MeetingStatus.PLANNED
        or meeting.sequence != outbox.param_id(notification, "sequence")
        or meeting.starts_at <= timezone.now()
        or meeting.group.status == GroupStatus.ENDED
        or not _is_recipient(notification, booking.starter)
    ):
        return None
    return {
        **_group_context(meeting.group),
        "meeting": describe_meeting(meeting),
        "today": notification.params.get("which") == "morning",
        "pending": booking.assignment.status == AssignmentStatus.PENDING,
        "expected": _expected(meeting.group),
        "link": _schedule_link(),
    }


# starters.meeting_changed ------------------------------------------------------------------


def _changed_booking(notification, change: str) -> Booking | None:
    booking = _booking(notification)
    if booking is None or not _is_recipient(notification, booking.starter):
        return None
    meeting = booking.meeting
    if meeting.ends_at <= timezone.now():
        return None
    if change == "moved" and (
        meeting.status != MeetingStatus.PLANNED
        # Released because of a clash: the booking ended on purpose, the message says so.
        or booking.is_active == bool(notification.params.get("released"))
    ):
        return None
    if change == "cancelled" and meeting.status != MeetingStatus.CANCELLED:
        return None
    return booking


def meeting_changed_context(notification) -> dict | None:
    change = notification.params.get("change")
    if change not in CHANGES:
        return None
    if change in ("moved", "cancelled"):
        booking = _changed_booking(notification, change)
        if booking is None:
            return None
        return {
            **_group_context(booking.meeting.group),
            "change": change,
            "released": bool(notification.params.get("released")),
            "meeting": describe_meeting(booking.meeting),
            "meetings": [],
            "link": _schedule_link(),
        }
    assignment = (
        Assignment.objects.select_related("starter__user", "group__centre", "group__room__centre")
        .filter(pk=outbox.param_id(notification, "assignment_id"))
        .first()
    )
    if assignment is None or not _is_recipient(notification, assignment.starter):
        return None
    if change == "replanned" and (
        assignment.status not in AssignmentStatus.holding()
        or assignment.group.status == GroupStatus.ENDED
    ):
        return None
    return {
        **_group_context(assignment.group),
        "change": change,
        "released": False,
        "meeting": None,
        "meetings": [describe_meeting(m) for m in _booked_meetings(assignment)],
        "link": _schedule_link(),
    }


def meeting_changed_attachments(notification) -> list:
    change = notification.params.get("change")
    if change not in ("moved", "cancelled"):
        return []
    booking = _changed_booking(notification, change)
    if booking is None:
        return []
    # A released booking leaves the starter's calendar like a cancelled meeting.
    gone = change == "cancelled" or bool(notification.params.get("released"))
    return [ics.attachment(starter_event(booking.meeting, cancelled=gone))]


# starters.staff_alert ----------------------------------------------------------------------


def _is_short(group: Group) -> bool:
    return group.starter_assignments.holding().count() < group.centre.starters_per_group


def _next_best(group: Group):
    from starters.services import suggest_starters

    best = suggest_starters(group, limit=1)
    return best[0] if best else None


def staff_alert_context(notification) -> dict | None:
    alert = notification.params.get("alert")
    group = (
        Group.objects.select_related("centre")
        .filter(pk=outbox.param_id(notification, "group_id"))
        .first()
    )
    if (
        alert not in ALERTS
        or group is None
        or group.status == GroupStatus.ENDED
        or not outbox.to_staff_of(notification, group.centre_id)
    ):
        return None
    context = {
        "alert": alert,
        "group_name": group.name,
        "centre": group.centre,
        "start_date": group.start_date,
        "holding": group.starter_assignments.holding().count(),
        "needed": group.centre.starters_per_group,
        "starter": "",
        "meeting": None,
        "suggestion": None,
        "link": outbox.absolute(reverse("staff-group", args=[group.pk])),
    }
    if alert == "short":
        if group.status != GroupStatus.FORMING or not _is_short(group):
            return None
    elif alert == "declined":
        assignment = (
            Assignment.objects.select_related("starter__user")
            .filter(pk=outbox.param_id(notification, "assignment_id"), group=group)
            .first()
        )
        if (
            assignment is None
            or assignment.status != AssignmentStatus.DECLINED
            or assignment.replaced_by.exists()
        ):
            return None
        context["starter"] = assignment.starter.name
        context["suggestion"] = _next_best(group)
    else:  # clash: a moved or newly planned meeting falls when the starter is booked elsewhere
        assignment = (
            Assignment.objects.select_related("starter__user")
            .filter(pk=outbox.param_id(notification, "assignment_id"), group=group)
            .first()
        )
        meeting = (
            group.meetings.select_related("room__centre")
            .filter(pk=outbox.param_id(notification, "meeting_id"))
            .first()
        )
        if (
            assignment is None
            or meeting is None
            or assignment.status not in AssignmentStatus.holding()
            or meeting.status != MeetingStatus.PLANNED
            or meeting.ends_at <= timezone.now()
            # Solved in the meantime: the starter is booked for it after all.
            or assignment.bookings.active().filter(meeting=meeting).exists()
        ):
            return None
        context["starter"] = assignment.starter.name
        context["meeting"] = describe_meeting(meeting)
    return context


# Registration -----------------------------------------------------------------------------

KINDS = [
    outbox.Kind(
        "starters.invitation",
        label=_("An invitation to a new starter"),
        template="starters/invitation",
        context=invitation_context,
    ),
    outbox.Kind(
        "starters.assignment",
        label=_("A starter is asked to open a group"),
        template="starters/assignment",
        context=assignment_context,
        attachments=assignment_attachments,
    ),
    outbox.Kind(
        "starters.reminder",
        label=_("A reminder to a starter about a meeting"),
        template="starters/reminder",
        context=reminder_context,
    ),
    outbox.Kind(
        "starters.meeting_changed",
        label=_("A starter's meeting has changed"),
        template="starters/meeting_changed",
        context=meeting_changed_context,
        attachments=meeting_changed_attachments,
    ),
    outbox.Kind(
        "starters.staff_alert",
        label=_("Alert to staff about starters"),
        template="starters/staff_alert",
        context=staff_alert_context,
    ),
]


def register() -> None:
    for kind in KINDS:
        outbox.register_kind(kind)
