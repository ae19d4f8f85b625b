"""Meeting calendars: Europe/Oslo with its VTIMEZONE, stable UIDs, wall-clock times kept."""

from datetime import datetime

import icalendar
import pytest

from selvhjelp import ics
from selvhjelp.outbox import OSLO


def event(start, **kwargs):
    return ics.CalendarEvent(
        uid="meeting-42@selvhjelp.example.no",
        start=start,
        end=start.replace(hour=start.hour + 2),
        summary="Selvhjelpsgruppe",
        location="Kirkeveien 61, 0368 Oslo",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("start", "utc_hour"),
    [
        (datetime(2026, 3, 24, 18, 0, tzinfo=OSLO), 17),  # winter time, CET
        (datetime(2026, 3, 31, 18, 0, tzinfo=OSLO), 16),  # summer time, CEST
        (datetime(2026, 10, 27, 18, 0, tzinfo=OSLO), 17),
    ],
)
def test_meetings_keep_their_local_time_across_daylight_saving(start, utc_hour):
    parsed = icalendar.Calendar.from_ical(ics.calendar([event(start)]))
    (vevent,) = parsed.walk("VEVENT")
    dtstart = vevent.decoded("dtstart")
    assert (dtstart.hour, dtstart.minute) == (18, 0)
    assert dtstart.utcoffset().total_seconds() / 3600 == 18 - utc_hour
    assert str(vevent["dtstart"].params["TZID"]) == "Europe/Oslo"
    assert [str(tz["tzid"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Oslo"]
    assert str(vevent["uid"]) == "meeting-42@selvhjelp.example.no"
    assert str(vevent["location"]) == "Kirkeveien 61, 0368 Oslo"


def test_a_moved_meeting_raises_sequence_and_a_cancelled_one_says_so():
    start = datetime(2026, 12, 1, 18, 0, tzinfo=OSLO)
    name, content, mimetype = ics.attachment(event(start, sequence=2, cancelled=True))
    parsed = icalendar.Calendar.from_ical(content)
    (vevent,) = parsed.walk("VEVENT")
    assert name == "mote.ics"
    assert mimetype == "text/calendar; method=CANCEL"
    assert str(parsed["method"]) == "CANCEL"
    assert vevent.decoded("sequence") == 2
    assert str(vevent["status"]) == "CANCELLED"
