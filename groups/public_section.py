"""The groups section on the applicant's own page: an open offer, or their group.

What it shows is the person's own: the group's slot, room and dates, and their own
notices. Nothing about the other members. A constant number of queries: at most five,
however many meetings, members or notices there are.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.enums import Frequency, GroupStatus, MeetingStatus, NoticeKind
from groups.models import AbsenceNotice, Group, Meeting, Membership, Offer
from selvhjelp.enums import Weekday

OFFER_MEETINGS = 4  # the first meetings shown with an offer
NEXT_MEETINGS = 6  # the coming meetings shown to a member


def weekday_name(weekday: int) -> str:
    """The weekday's name in the active language (0 = Monday): "tirsdag", "Tuesday"."""
    return str(list(Weekday)[weekday].label)


def describe_slot(group: Group) -> str:
    """When the group meets, in the active language: "Every Tuesday at 18:00"."""
    values = {"weekday": weekday_name(group.weekday), "time": group.start_time.strftime("%H:%M")}
    if group.frequency == Frequency.FORTNIGHTLY:
        return _("Every other %(weekday)s at %(time)s") % values
    return _("Every %(weekday)s at %(time)s") % values


def describe_room(room) -> dict:
    """A room's name and address (the centre's, when the room is at the centre)."""
    if room is None:
        return {"name": "", "address": ""}
    return {"name": room.name, "address": room.address}


def describe_meeting(meeting: Meeting) -> dict:
    return {
        "pk": meeting.pk,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "room": describe_room(meeting.room),
        "is_opening": meeting.is_opening,
        "is_followup": meeting.is_followup,
        "holiday": meeting.holiday,
        "cancelled": meeting.status == MeetingStatus.CANCELLED,
        "moved_from": meeting.moved_from,
        "change_note": meeting.change_note,
        "absent": False,  # the member told the group they cannot come
    }


def _coming(group: Group, now, *, limit: int, include_cancelled: bool) -> list[Meeting]:
    meetings = group.meetings.filter(ends_at__gt=now)
    if not include_cancelled:
        meetings = meetings.filter(status=MeetingStatus.PLANNED)
    return list(meetings.select_related("room__centre").order_by("starts_at")[:limit])


def _offer(offer: Offer, token: str, now) -> dict:
    group = offer.group
    return {
        "pk": offer.pk,
        "group_name": group.name,
        "slot": describe_slot(group),
        "room": describe_room(group.room),
        "start_date": group.start_date,
        "expires_at": offer.expires_at,
        "meetings": [
            describe_meeting(m)
            for m in _coming(group, now, limit=OFFER_MEETINGS, include_cancelled=False)
        ],
        "answer_url": reverse("offer-answer", args=[token, offer.pk]),
    }


def _membership(membership: Membership, token: str, now) -> dict:
    group = membership.group
    meetings = _coming(group, now, limit=NEXT_MEETINGS, include_cancelled=True)
    notices = list(
        AbsenceNotice.objects.filter(membership=membership).values_list("kind", "meeting_id")
    )
    told = {meeting_id for kind, meeting_id in notices if kind == NoticeKind.ABSENT}
    shown = []
    for meeting in meetings:
        item = describe_meeting(meeting)
        item["absent"] = meeting.pk in told
        shown.append(item)
    return {
        "group_name": group.name,
        "forming": group.status == GroupStatus.FORMING,
        "slot": describe_slot(group),
        "room": describe_room(group.room),
        "start_date": group.start_date,
        "joined_on": membership.joined_on,
        "twelve_weeks_on": membership.twelve_weeks_on,
        "six_months_on": membership.six_months_on,
        "meetings": shown,
        "can_be_absent_from": [
            item
            for item in shown
            if not item["cancelled"] and not item["absent"] and item["starts_at"] > now
        ],
        "leaving_sent": any(kind == NoticeKind.LEAVING for kind, _meeting in notices),
        "notice_url": reverse("notice-send", args=[token]),
    }


def context(application, request) -> dict | None:
    """The section's context, or None when the person has no open offer and no group."""
    now = timezone.now()
    offer = (
        Offer.objects.open()
        .filter(application=application, expires_at__gt=now)
        .select_related("group__room__centre")
        .first()
    )
    membership = (
        Membership.objects.active()
        .filter(application=application)
        .select_related("group__room__centre")
        .first()
    )
    if offer is None and membership is None:
        return None
    token = application.token
    return {
        "offer": _offer(offer, token, now) if offer else None,
        "membership": _membership(membership, token, now) if membership else None,
    }
