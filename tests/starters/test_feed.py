"""The private calendar feed (/kalender/<token>.ics) and the page that hands it out."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import services as groups
from starters.models import Booking, Starter
from tests.factories import (
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    RoomFactory,
    StarterFactory,
)
from tests.fetching import no_lazy_loads

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)  # summer time; daylight saving ends on 25 October
FOLLOWUP = date(2026, 11, 16)  # winter time


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.SITE_URL = "https://selvhjelp.example.no"
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


@pytest.fixture
def room(centre_1):
    return RoomFactory(centre=centre_1, name="Peisestua", street_address="Loftet, Storgata 1")


@pytest.fixture
def group(centre_1, room):
    return GroupFactory(centre=centre_1, name="Mandagsgruppa", room=room, start_date=MONDAY)


@pytest.fixture
def ola(centre_1):
    return StarterFactory(centre=centre_1, user__username="ola", user__first_name="Ola")


def feed_of(client, starter):
    response = client.get(f"/kalender/{starter.calendar_token}.ics")
    assert response.status_code == 200
    return response


def events_of(client, starter) -> list:
    parsed = icalendar.Calendar.from_ical(feed_of(client, starter).content)
    return sorted(parsed.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))


def when(event) -> tuple:
    start = event.decoded("dtstart")
    return (start.date(), start.time(), start.utcoffset(), str(event["dtstart"].params["TZID"]))


def test_one_event_per_meeting_in_oslo_time_across_daylight_saving(client, ola, group):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    opening, followup = group.meetings.filter(pk__in=ola.bookings.values("meeting")).order_by(
        "starts_at"
    )

    response = feed_of(client, ola)
    parsed = icalendar.Calendar.from_ical(response.content)
    events = sorted(parsed.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert [str(tz["tzid"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Oslo"]
    assert [when(event) for event in events] == [
        (MONDAY, time(18, 0), timedelta(hours=2), "Europe/Oslo"),
        (FOLLOWUP, time(18, 0), timedelta(hours=1), "Europe/Oslo"),
    ]
    assert [str(event["uid"]) for event in events] == [
        f"meeting-{opening.pk}@selvhjelp.example.no",
        f"meeting-{followup.pk}@selvhjelp.example.no",
    ]
    assert [str(event["summary"]) for event in events] == [
        "Selvhjelpsgruppe: oppstartsmøte (Mandagsgruppa)",
        "Selvhjelpsgruppe: oppfølgingsmøte (Mandagsgruppa)",
    ]
    assert {str(event["location"]) for event in events} == {"Peisestua, Loftet, Storgata 1"}
    assert [str(event["status"]) for event in events] == ["CONFIRMED", "CONFIRMED"]
    assert [event.decoded("sequence") for event in events] == [0, 0]
    assert str(events[0]["description"]) == (
        "Mandagsgruppa ved Selvhjelpshuset Nord.\n"
        "Timeplanen din: https://selvhjelp.example.no/igangsetter/"
    )


def test_a_moved_meeting_keeps_its_uid_and_raises_its_sequence(client, ola, group, staff_1):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    before = events_of(client, ola)
    opening = group.meetings.get(is_opening=True)

    groups.move_meeting(opening, day=date(2026, 10, 27), start_time=time(17, 0), staff=staff_1)
    after = events_of(client, ola)

    assert [str(e["uid"]) for e in after] == [str(e["uid"]) for e in before]
    assert when(after[0]) == (date(2026, 10, 27), time(17, 0), timedelta(hours=1), "Europe/Oslo")
    assert after[0].decoded("sequence") == 1
    assert str(after[0]["description"]).splitlines()[1] == "Flyttet fra 19.10.2026 18:00."
    assert after[1].decoded("sequence") == 0


def test_a_cancelled_meeting_says_so_for_four_weeks_then_leaves(
    client, ola, group, staff_1, frozen
):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    followup = group.meetings.get(is_followup=True)

    groups.cancel_meeting(followup, staff=staff_1)
    events = events_of(client, ola)

    cancelled = [
        e for e in events if str(e["uid"]) == f"meeting-{followup.pk}@selvhjelp.example.no"
    ]
    assert [(str(e["status"]), e.decoded("sequence")) for e in cancelled] == [("CANCELLED", 1)]
    # The next meeting became the follow-up, and the starter is booked into it.
    assert [when(e)[0] for e in events] == [MONDAY, FOLLOWUP, date(2026, 11, 23)]

    frozen.move_to(datetime(2026, 12, 15, 9, 0, tzinfo=OSLO))
    assert [when(e)[0] for e in events_of(client, ola)] == [MONDAY, date(2026, 11, 23)]


def test_only_meetings_the_starter_said_yes_to(client, ola, centre_1, group):
    AssignmentFactory(group=group, starter=ola)  # not answered yet
    declined = GroupFactory(centre=centre_1, weekday=2, start_date=MONDAY + timedelta(days=2))
    AssignmentFactory(group=declined, starter=ola, status="declined")
    assert events_of(client, ola) == []


def test_an_english_starter_gets_the_feed_in_english(client, centre_1, group):
    anna = StarterFactory(centre=centre_1, language="en")
    AssignmentFactory(group=group, starter=anna, status="accepted")

    events = events_of(client, anna)

    assert str(events[0]["summary"]) == "Self-help group: opening meeting (Mandagsgruppa)"


@pytest.mark.parametrize("token", ["x" * 43, "kort", "a/b", "%00" * 8, "' OR 1=1 --" + "a" * 20])
def test_an_unknown_token_is_not_found(client, ola, token):
    assert client.get(f"/kalender/{token}.ics").status_code == 404


def test_a_starter_whose_account_is_closed_has_no_feed(client, ola, group):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    ola.user.is_active = False
    ola.user.save(update_fields=["is_active"])
    assert client.get(f"/kalender/{ola.calendar_token}.ics").status_code == 404


def test_a_new_address_stops_the_old_one_at_once(client, ola):
    client.force_login(ola.user)
    old = ola.calendar_token

    response = client.post("/igangsetter/kalender/ny-adresse/")

    assert response.status_code == 302
    assert response.url == "/igangsetter/kalender/"
    new = Starter.objects.get(pk=ola.pk).calendar_token
    assert new != old
    assert client.get(f"/kalender/{old}.ics").status_code == 404
    assert client.get(f"/kalender/{new}.ics").status_code == 200
    page = client.get(response.url).content.decode()
    assert f'value="https://selvhjelp.example.no/kalender/{new}.ics"' in page
    assert old not in page


def test_the_calendar_page_gives_the_address_to_subscribe_to(client, ola):
    client.force_login(ola.user)

    response = client.get("/igangsetter/kalender/")
    body = response.content.decode()

    assert response.status_code == 200
    assert f'href="webcal://selvhjelp.example.no/kalender/{ola.calendar_token}.ics"' in body
    assert f'value="https://selvhjelp.example.no/kalender/{ola.calendar_token}.ics"' in body
    assert re.search(r'<form method="post" action="/igangsetter/kalender/ny-adresse/">', body)
    # The English page hands out the same address (the feed speaks the starter's language).
    english = client.get("/en/igangsetter/kalender/").content.decode()
    assert f'value="https://selvhjelp.example.no/kalender/{ola.calendar_token}.ics"' in english


def test_making_a_new_address_is_post_only(client, ola):
    client.force_login(ola.user)
    old = ola.calendar_token
    assert client.get("/igangsetter/kalender/ny-adresse/").status_code == 405
    assert Starter.objects.get(pk=ola.pk).calendar_token == old


def test_the_feed_makes_the_same_queries_for_one_meeting_as_for_many(
    client, ola, centre_1, group, staff_1
):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    with CaptureQueriesContext(connection) as one:
        feed_of(client, ola)

    ola.max_groups = 6
    ola.save(update_fields=["max_groups"])
    for weekday in (2, 3, 4, 5):
        other = GroupFactory(
            centre=centre_1, weekday=weekday, start_date=MONDAY + timedelta(days=weekday)
        )
        MembershipFactory.create_batch(2, group=other)
        AssignmentFactory(group=other, starter=ola, status="accepted")
    booked = Booking.objects.filter(starter=ola).order_by("starts_at")
    groups.move_meeting(
        booked[1].meeting, day=date(2026, 10, 28), start_time=time(9), staff=staff_1
    )
    groups.cancel_meeting(booked[2].meeting, staff=staff_1)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        events = events_of(client, ola)

    assert len(events) == 11  # 5 groups × 2, and the cancelled one
    assert len(many) == len(one)
