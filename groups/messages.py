"""The messages the groups app sends (through the core outbox).

Each context builder loads fresh data by the ids in the notification's params when the
message is sent, and returns None when it is no longer wanted: the offer is no longer open,
the meeting or group is gone, or the recipient has left the group. Nothing about what a
person wants to work on (areas, free text) is ever loaded here; the absence message names
the sender by first name only.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groups.digest import digest_context
from groups.enums import GroupStatus, MeetingStatus, NoticeKind, OfferStatus
from groups.models import AbsenceNotice, Group, Meeting, Membership, Offer
from groups.public_section import describe_meeting, describe_room, describe_slot
from selvhjelp import ics, outbox

APPLICATION = "intake.application"
COMING_MEETINGS = 3


# Shared pieces -----------------------------------------------------------------------------


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "selvhjelp.localhost"


def _own_page(application) -> str:
    return outbox.absolute(reverse("applicant", args=[application.token]))


def _is_member(notification, group: Group) -> bool:
    """The recipient is (still) an active member of the group."""
    if notification.recipient_type != APPLICATION or not notification.recipient_id.isdigit():
        return False
    return (
        Membership.objects.active()
        .filter(group=group, application_id=int(notification.recipient_id))
        .exists()
    )


def _coming(group: Group, *, limit: int = COMING_MEETINGS) -> list[Meeting]:
    return list(
        group.meetings.planned()
        .filter(starts_at__gt=timezone.now())
        .select_related("room__centre")
        .order_by("starts_at")[:limit]
    )


def meeting_event(meeting: Meeting, *, cancelled: bool = False) -> ics.CalendarEvent:
    """The calendar entry for a meeting; the UID stays the same when it moves."""
    room = describe_room(meeting.room)
    return ics.CalendarEvent(
        uid=f"meeting-{meeting.pk}@{_host()}",
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=gettext("Self-help group: %(name)s") % {"name": meeting.group.name},
        location=", ".join(part for part in (room["name"], room["address"]) if part),
        sequence=meeting.sequence,
        cancelled=cancelled,
    )


def _meeting(notification) -> Meeting | None:
    return (
        Meeting.objects.select_related("group__centre", "room__centre")
        .filter(pk=outbox.param_id(notification, "meeting_id"))
        .first()
    )


def _group_context(group: Group) -> dict:
    return {
        "group_name": group.name,
        "slot": describe_slot(group),
        "room": describe_room(group.room),
        "centre": group.centre,
    }


# groups.offer ----------------------------------------------------------------------------


def _open_offer(notification) -> Offer | None:
    offer = (
        Offer.objects.select_related("group__centre", "group__room__centre", "application")
        .filter(pk=outbox.param_id(notification, "offer_id"))
        .first()
    )
    if offer is None or offer.status != OfferStatus.OPEN or offer.expires_at <= timezone.now():
        return None
    return offer


def offer_context(notification) -> dict | None:
    offer = _open_offer(notification)
    if offer is None:
        return None
    group = offer.group
    first = _coming(group, limit=1)
    return {
        **_group_context(group),
        "first_name": offer.application.first_name,
        "start_date": group.start_date,
        "first_meeting": describe_meeting(first[0]) if first else None,
        "expires_at": offer.expires_at,
        "link": _own_page(offer.application),
    }


def offer_attachments(notification) -> list:
    offer = _open_offer(notification)
    if offer is None:
        return []
    first = _coming(offer.group, limit=1)
    return [ics.attachment(meeting_event(first[0]))] if first else []


# groups.offer_reminder and groups.meeting_reminder -----------------------------------------


def offer_reminder_context(notification) -> dict | None:
    return offer_context(notification)  # the same facts; None once answered or lapsed


def meeting_reminder_context(notification) -> dict | None:
    """Only for a planned opening or follow-up meeting at the time it was queued for, and
    only while the recipient is still a member."""
    meeting = _meeting(notification)
    if (
        meeting is None
        or meeting.status != MeetingStatus.PLANNED
        or meeting.sequence != notification.params.get("sequence")
        or not (meeting.is_opening or meeting.is_followup)
        or meeting.starts_at <= timezone.now()
        or not _is_member(notification, meeting.group)
    ):
        return None
    return {
        **_meeting_context(notification, meeting),
        "first_name": notification.to_name,
        "is_opening": meeting.is_opening,
        "on_the_day": notification.params.get("which") == "morning",
    }


# groups.meeting_cancelled and groups.meeting_moved -----------------------------------------


def _member_meeting(notification, status: str) -> Meeting | None:
    meeting = _meeting(notification)
    if (
        meeting is None
        or meeting.status != status
        or meeting.ends_at <= timezone.now()
        or not _is_member(notification, meeting.group)
    ):
        return None
    return meeting


def _meeting_context(notification, meeting: Meeting) -> dict:
    from intake.models import Application

    application = Application.objects.get(pk=int(notification.recipient_id))
    return {
        **_group_context(meeting.group),
        "meeting": describe_meeting(meeting),
        "link": _own_page(application),
    }


def cancelled_context(notification) -> dict | None:
    meeting = _member_meeting(notification, MeetingStatus.CANCELLED)
    if meeting is None:
        return None
    return {**_meeting_context(notification, meeting), "next_meetings": _next(meeting)}


def _next(meeting: Meeting) -> list[dict]:
    """The meeting the group has instead: the next one after the cancelled one."""
    after = (
        meeting.group.meetings.planned()
        .filter(starts_at__gt=max(meeting.starts_at, timezone.now()))
        .select_related("room__centre")
        .order_by("starts_at")
        .first()
    )
    return [describe_meeting(after)] if after else []


def cancelled_attachments(notification) -> list:
    meeting = _member_meeting(notification, MeetingStatus.CANCELLED)
    if meeting is None:
        return []
    return [ics.attachment(meeting_event(meeting, cancelled=True))]


def moved_context(notification) -> dict | None:
    meeting = _member_meeting(notification, MeetingStatus.PLANNED)
    if meeting is None:
        return None
    return _meeting_context(notification, meeting)


def moved_attachments(notification) -> list:
    meeting = _member_meeting(notification, MeetingStatus.PLANNED)
    if meeting is None:
        return []
    return [ics.attachment(meeting_event(meeting))]


# groups.schedule_changed -------------------------------------------------------------------


def schedule_changed_context(notification) -> dict | None:
    from intake.models import Application

    group = (
        Group.objects.select_related("centre", "room__centre")
        .filter(pk=outbox.param_id(notification, "group_id"))
        .first()
    )
    if group is None or group.status == GroupStatus.ENDED or not _is_member(notification, group):
        return None
    application = Application.objects.get(pk=int(notification.recipient_id))
    return {
        **_group_context(group),
        "next_meetings": [describe_meeting(m) for m in _coming(group)],
        "link": _own_page(application),
    }


# groups.absence ---------------------------------------------------------------------------


def absence_context(notification) -> dict | None:
    notice = (
        AbsenceNotice.objects.select_related(
            "membership__group__centre", "membership__application", "meeting"
        )
        .filter(pk=outbox.param_id(notification, "notice_id"))
        .first()
    )
    if notice is None:
        return None
    sender = notice.membership
    group = sender.group
    if (
        not _is_member(notification, group)
        or notification.recipient_id == str(sender.application_id)
        or group.status == GroupStatus.ENDED
    ):
        return None
    meeting = notice.meeting
    if notice.kind == NoticeKind.ABSENT and (
        meeting is None
        or meeting.status != MeetingStatus.PLANNED
        or meeting.starts_at <= timezone.now()
    ):
        return None
    return {
        "group_name": group.name,
        "centre": group.centre,
        # The sender's first name, and nothing else about them.
        "sender": sender.application.first_name,
        "leaving": notice.kind == NoticeKind.LEAVING,
        "meeting_starts_at": meeting.starts_at if meeting else None,
    }


# groups.staff_alert -----------------------------------------------------------------------

ALERTS = {"ready", "fragile", "leaving", "short"}


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
        or not outbox.to_staff_of(notification, group.centre_id)
    ):
        return None
    member = ""
    if alert == "leaving":
        member_id = outbox.param_id(notification, "member") or outbox.param_id(
            notification, "member_id"
        )
        membership = (
            Membership.objects.select_related("application")
            .filter(pk=member_id, group=group)
            .first()
        )
        if membership is None:  # erased in the meantime
            return None
        member = membership.application.first_name
    return {
        "alert": alert,
        "group_name": group.name,
        "centre": group.centre,
        "members": group.memberships.active().count(),
        "offered": group.offers.open().filter(expires_at__gt=timezone.now()).count(),
        "start_date": group.start_date,
        "min_size": group.min_size,
        "member": member,
        "link": outbox.absolute(reverse("staff-group", args=[group.pk])),
    }


# Registration -----------------------------------------------------------------------------

KINDS = [
    outbox.Kind(
        "groups.offer",
        label=_("An offer of a place in a group"),
        template="groups/offer",
        context=offer_context,
        attachments=offer_attachments,
    ),
    outbox.Kind(
        "groups.offer_reminder",
        label=_("Reminder of an offer not yet answered"),
        template="groups/offer_reminder",
        context=offer_reminder_context,
    ),
    outbox.Kind(
        "groups.meeting_reminder",
        label=_("Reminder before the opening or follow-up meeting"),
        template="groups/meeting_reminder",
        context=meeting_reminder_context,
    ),
    outbox.Kind(
        "groups.meeting_cancelled",
        label=_("A meeting is cancelled"),
        template="groups/meeting_cancelled",
        context=cancelled_context,
        attachments=cancelled_attachments,
    ),
    outbox.Kind(
        "groups.meeting_moved",
        label=_("A meeting has moved"),
        template="groups/meeting_moved",
        context=moved_context,
        attachments=moved_attachments,
    ),
    outbox.Kind(
        "groups.schedule_changed",
        label=_("The group's meeting times have changed"),
        template="groups/schedule_changed",
        context=schedule_changed_context,
    ),
    outbox.Kind(
        "groups.absence",
        label=_("A member cannot come, or wants to stop"),
        template="groups/absence",
        context=absence_context,
    ),
    outbox.Kind(
        "groups.digest",
        label=_("Weekly summary for staff"),
        template="groups/digest",
        context=digest_context,
    ),
    outbox.Kind(
        "groups.staff_alert",
        label=_("Alert to staff about a group"),
        template="groups/staff_alert",
        context=staff_alert_context,
    ),
]


def register() -> None:
    for kind in KINDS:
        outbox.register_kind(kind)
