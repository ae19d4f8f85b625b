"""A starter's private calendar feed (/kalender/<token>.ics): no login, the token is the key.

One event per meeting the starter attends, with a UID that stays the same when the meeting
moves (its SEQUENCE rises) and STATUS:CANCELLED for a meeting cancelled in recent weeks.
Times in Europe/Oslo with its VTIMEZONE. Nothing about the participants: the group's name,
the room and its address, and the kind of meeting. Resetting the token ends the old URL.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groups.enums import MeetingStatus
from selvhjelp import ics, outbox
from starters.models import Starter
from starters.permissions import calendar_token
from starters.views.common import describe, shown_bookings, unique_meetings, with_meeting

HISTORY = timedelta(days=365)  # past meetings stay in the calendar for a year
CANCELLED_SHOWN = timedelta(weeks=4)  # a cancelled meeting is told for four weeks after


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "selvhjelp.localhost"


def meeting_uid(meeting_id: int) -> str:
    """The same UID as the meeting's e-mail attachments, so calendars see one event."""
    return f"meeting-{meeting_id}@{_host()}"


def _event(meeting: dict, schedule_url: str) -> ics.CalendarEvent:
    lines = [
        _("%(group)s at %(centre)s.")
        % {"group": meeting["group_name"], "centre": meeting["centre"].name}
    ]
    if meeting["cancelled"]:
        lines.append(_("This meeting is cancelled."))
    elif meeting["moved_from"]:
        lines.append(
            _("Moved from %(when)s.")
            % {"when": timezone.localtime(meeting["moved_from"]).strftime("%d.%m.%Y %H:%M")}
        )
    if meeting["change_note"]:
        lines.append(meeting["change_note"])
    lines.append(_("Your schedule: %(url)s") % {"url": schedule_url})
    return ics.CalendarEvent(
        uid=meeting_uid(meeting["meeting_id"]),
        start=meeting["starts_at"],
        end=meeting["ends_at"],
        summary=_("Self-help group: %(kind)s (%(group)s)")
        % {"kind": meeting["kind_label"], "group": meeting["group_name"]},
        location=", ".join(part for part in (meeting["room_name"], meeting["address"]) if part),
        description="\n".join(lines),
        sequence=meeting["sequence"],
        cancelled=meeting["cancelled"],
    )


@calendar_token
def feed(request, token):
    starter = (
        Starter.objects.filter(calendar_token=token, user__is_active=True)
        .only("pk", "language")
        .first()
    )
    if starter is None:
        raise Http404
    now = timezone.now()
    bookings = (
        with_meeting(shown_bookings(starter), now)
        .filter(meeting__starts_at__gte=now - HISTORY)
        .exclude(
            Q(meeting__status=MeetingStatus.CANCELLED)
            & Q(meeting__starts_at__lt=now - CANCELLED_SHOWN)
        )
    )
    with translation.override(starter.language):
        schedule_url = outbox.absolute(reverse("starter-schedule"))
        events = [
            _event(describe(booking, now), schedule_url) for booking in unique_meetings(bookings)
        ]
        body = ics.calendar(events, name=_("Self-help groups I start"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = 'inline; filename="selvhjelp.ics"'
    return response
