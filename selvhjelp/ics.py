"""iCalendar (RFC 5545) for meetings: e-mail attachments now, the starter feed later."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from icalendar import Calendar, Event

PRODID = "-//Selvhjelp//Selvhjelp//NB"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable for the meeting, e.g. "meeting-42@selvhjelp.example.no"
    start: datetime  # aware
    end: datetime
    summary: str
    location: str = ""
    description: str = ""
    sequence: int = 0  # raised each time the meeting moves
    cancelled: bool = False


def calendar(events: list[CalendarEvent], *, method: str = "PUBLISH", name: str = "") -> bytes:
    """A calendar in Europe/Oslo time, with its VTIMEZONE, for the given events."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", timezone.localtime(item.start))
        event.add("dtend", timezone.localtime(item.end))
        event.add("summary", item.summary)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def attachment(event: CalendarEvent, filename: str = "mote.ics") -> tuple[str, bytes, str]:
    """An e-mail attachment that calendar programs offer to add (or to remove, if cancelled)."""
    method = "CANCEL" if event.cancelled else "PUBLISH"
    return filename, calendar([event], method=method), f"text/calendar; method={method}"
