"""The list of groups, starting a group and changing its meeting times (/stab/grupper/)."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.models import Group, Meeting
from selvhjelp.models import AuditEvent, Theme
from tests.factories import (
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    RoomFactory,
    StaffMembershipFactory,
)
from tests.fetching import no_lazy_loads

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)  # a Thursday; summer time ends 25 October
MONDAY = date(2026, 10, 19)
LIST = "/stab/grupper/"
NEW = "/stab/grupper/ny/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def section_rows(response, heading: str) -> list[list[str]]:
    """The table rows of one section of the list (forming, running or ended)."""
    section = re.search(
        rf'<section[^>]*aria-labelledby="{heading}">(.*?)</section>', text(response), re.S
    ).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S)
    if body is None:
        return []
    return [
        [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def local(moment) -> datetime:
    return timezone.localtime(moment, OSLO)


# --- The list ------------------------------------------------------------------------------


def test_the_list_sorts_the_centres_groups_by_status_with_seats_and_flags(
    staff_1_client, centre_1, centre_2
):
    room = RoomFactory(centre=centre_1, name="Peisestua")
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    short = GroupFactory(centre=centre_1, name="Mandagsgruppa", room=room, start_date=MONDAY)
    full_enough = GroupFactory(
        centre=centre_1,
        name="Tirsdagsgruppa",
        weekday=1,
        start_time=time(11, 30),
        start_date=date(2026, 10, 20),
        theme=theme,
    )
    MembershipFactory.create_batch(4, group=full_enough)
    OfferFactory(group=full_enough)
    fragile = GroupFactory(centre=centre_1, name="Onsdagsgruppa", weekday=2, status="started")
    MembershipFactory.create_batch(3, group=fragile)
    restarting = GroupFactory(
        centre=centre_1, name="Torsdagsgruppa", weekday=3, status="restarting"
    )
    MembershipFactory.create_batch(5, group=restarting)
    ended = GroupFactory(centre=centre_1, name="Fredagsgruppa", weekday=4, status="ended")
    GroupFactory(centre=centre_2, name="Sørgruppa")

    response = staff_1_client.get(LIST)

    assert response.status_code == 200
    assert section_rows(response, "forming-heading") == [
        [
            "Mandagsgruppa",
            "Mandag kl. 18:00",
            "Peisestua",
            "19.10.2026",
            "0",
            "0",
            "8",
            "For få til å starte",
        ],
        [
            "Tirsdagsgruppa Sorggruppe",
            "Tirsdag kl. 11:30",
            full_enough.room.name,
            "20.10.2026",
            "4",
            "1",
            "3",
            "",
        ],
    ]
    assert section_rows(response, "running-heading") == [
        [
            "Torsdagsgruppa åpen for nye deltakere",
            "Torsdag kl. 18:00",
            restarting.room.name,
            "15.10.2026",
            "5",
            "0",
            "3",
            "",
        ],
        [
            "Onsdagsgruppa",
            "Onsdag kl. 18:00",
            fragile.room.name,
            "21.10.2026",
            "3",
            "0",
            "5",
            "Sårbar",
        ],
    ]
    assert section_rows(response, "ended-heading") == [
        [
            "Fredagsgruppa",
            "Fredag kl. 18:00",
            ended.room.name,
            "16.10.2026 avsluttet 01.10.2026",
            "0",
            "0",
            "–",
            "",
        ],
    ]
    assert "Sørgruppa" not in text(response)
    assert f'href="/stab/grupper/{short.pk}/"' in text(response)
    assert "no-store" in response["Cache-Control"]


def test_an_expired_offer_does_not_take_a_seat(staff_1_client, centre_1):
    group = GroupFactory(centre=centre_1, name="Mandagsgruppa", start_date=MONDAY)
    OfferFactory(group=group, expires_at=timezone.now())

    [row] = section_rows(staff_1_client.get(LIST), "forming-heading")

    assert row[4:7] == ["0", "0", "8"]


def test_the_list_makes_the_same_queries_for_one_group_as_for_many(staff_1_client, centre_1):
    group = GroupFactory(centre=centre_1)
    MembershipFactory(group=group)
    with CaptureQueriesContext(connection) as one:
        staff_1_client.get(LIST)
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    for weekday, status in enumerate(["forming", "started", "restarting", "ended", "forming"]):
        more = GroupFactory(centre=centre_1, weekday=weekday, status=status, theme=theme)
        MembershipFactory.create_batch(2, group=more)
        OfferFactory(group=more)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        response = staff_1_client.get(LIST)

    assert len(re.findall(r'href="/stab/grupper/\d+/"', text(response))) == 6
    assert len(many) == len(one)


# --- Starting a group ----------------------------------------------------------------------


@pytest.fixture
def room(centre_1):
    return RoomFactory(centre=centre_1, name="Peisestua")


def group_data(the_room, **overrides) -> dict:
    data = {
        "name": "Mandagsgruppa",
        "room": str(the_room.pk),
        "weekday": "0",
        "start_time": "18:00",
        "start_date": "2026-10-19",
        "theme": "mixed",
        "language": "nb",
        "meeting_minutes": "120",
        "opening_minutes": "150",
    }
    data.update(overrides)
    return data


def test_the_form_offers_the_centres_rooms_in_use_and_its_policy(staff_1_client, centre_1, room):
    RoomFactory(centre=centre_1, name="Gammelt rom", is_active=False)
    RoomFactory(name="Et annet senters rom")
    centre_1.meeting_minutes, centre_1.opening_meeting_minutes = 90, 150
    centre_1.save()

    form = staff_1_client.get(NEW).context["form"]

    assert [label for _, label in form.fields["room"].choices] == ["Velg et rom", "Peisestua"]
    assert (form["meeting_minutes"].value(), form["opening_minutes"].value()) == (90, 150)


def test_staff_start_a_group_and_its_meetings_are_planned(staff_1_client, centre_1, room):
    response = staff_1_client.post(NEW, group_data(room))

    group = Group.objects.get()
    assert response.status_code == 302
    assert response.url == f"/stab/grupper/{group.pk}/"
    assert (group.centre, group.room, group.theme, group.status) == (
        centre_1,
        room,
        None,
        "forming",
    )
    assert (group.weekday, group.start_time, group.start_date) == (0, time(18, 0), MONDAY)
    assert (group.meeting_minutes, group.opening_minutes) == (120, 150)
    assert (group.min_size, group.max_size, group.fragile_below) == (5, 8, 4)
    meetings = list(group.meetings.order_by("starts_at"))
    assert len(meetings) == 27  # the opening meeting and 26 weeks after it
    first, second = meetings[0], meetings[1]
    assert (first.is_opening, local(first.starts_at), local(first.ends_at)) == (
        True,
        datetime(2026, 10, 19, 18, 0, tzinfo=OSLO),
        datetime(2026, 10, 19, 20, 30, tzinfo=OSLO),
    )
    # After the change to winter time the meeting still starts at 18:00 in Oslo.
    assert (second.is_opening, local(second.starts_at).time(), local(second.ends_at).time()) == (
        False,
        time(18, 0),
        time(20, 0),
    )
    assert second.starts_at.astimezone(ZoneInfo("UTC")).hour == 17
    assert [m.is_opening for m in meetings].count(True) == 1
    page = staff_1_client.get(response.url)
    assert messages_of(page) == ["Gruppa «Mandagsgruppa» er opprettet med 27 planlagte møter."]
    assert AuditEvent.objects.filter(action="group.created", object_id=str(group.pk)).count() == 1


def test_a_theme_group_in_english(staff_1_client, centre_1, room):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")

    staff_1_client.post(NEW, group_data(room, theme=str(theme.pk), language="en"))

    group = Group.objects.get()
    assert (group.theme, group.language) == (theme, "en")


def test_a_room_taken_by_another_group_is_refused_and_names_it(staff_1_client, centre_1, room):
    GroupFactory(centre=centre_1, name="Tidligere gruppe", room=room, start_date=MONDAY)
    meetings_before = Meeting.objects.count()

    response = staff_1_client.post(
        NEW, group_data(room, start_time="19:00", start_date="2026-11-02")
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Peisestua er booket av gruppa «Tidligere gruppe» 02.11.2026 18:00."
    ]
    assert "Tidligere gruppe" in text(response)
    assert list(Group.objects.values_list("name", flat=True)) == ["Tidligere gruppe"]
    assert Meeting.objects.count() == meetings_before
    assert AuditEvent.objects.filter(action="group.created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_date": "2026-10-20"},
            "start_date",
            "20.10.2026 er en tirsdag. Det første møtet må være på gruppas ukedag, mandag.",
        ),
        (
            {"start_date": "2026-09-28"},
            "start_date",
            "Det første møtet kan ikke være tilbake i tid.",
        ),
        (
            {"opening_minutes": "90"},
            "opening_minutes",
            "Det første møtet må være minst like langt som de andre.",
        ),
        (
            {"meeting_minutes": "200"},
            "meeting_minutes",
            "Et møte varer høyst 180 minutter (3 timer).",
        ),
        (
            {"start_time": "kveld"},
            "start_time",
            "Skriv klokkeslettet som timer:minutter, for eksempel 18:00.",
        ),
        ({"name": " "}, "name", "Gi gruppa et navn."),
    ],
)
def test_a_group_that_breaks_a_rule_is_refused_kindly(
    staff_1_client, room, overrides, field, message
):
    response = staff_1_client.post(NEW, group_data(room, **overrides))

    assert response.status_code == 200
    assert {name: list(errors) for name, errors in response.context["form"].errors.items()} == {
        field: [message]
    }
    assert Group.objects.count() == 0
    assert Meeting.objects.count() == 0


def test_a_name_already_in_use_is_refused(staff_1_client, centre_1, room):
    GroupFactory(centre=centre_1, name="Mandagsgruppa", weekday=2)

    response = staff_1_client.post(NEW, group_data(room))

    assert response.context["form"].non_field_errors() == [
        "Senteret har allerede en gruppe som heter «Mandagsgruppa»."
    ]
    assert Group.objects.count() == 1


def test_another_centres_room_cannot_be_chosen(staff_1_client, centre_2, room):
    other = RoomFactory(centre=centre_2, name="Sørrommet")

    response = staff_1_client.post(NEW, group_data(room, room=str(other.pk)))

    assert list(response.context["form"].errors) == ["room"]
    assert Group.objects.count() == 0


def test_staff_of_several_centres_choose_the_centre_and_its_room(
    client, staff_1, centre_1, centre_2, room
):
    StaffMembershipFactory(user=staff_1, centre=centre_2)
    client.force_login(staff_1)

    refused = client.post(NEW, group_data(room, centre=str(centre_2.pk)))
    accepted = client.post(NEW, group_data(room, centre=str(centre_1.pk)))

    assert refused.context["form"].errors == {"room": ["Rommet hører til et annet senter."]}
    assert accepted.status_code == 302
    assert Group.objects.get().centre == centre_1


# --- Changing the meeting times ------------------------------------------------------------


def planned_times(group) -> list[tuple[date, time]]:
    return [
        (local(m.starts_at).date(), local(m.starts_at).time())
        for m in group.meetings.planned().order_by("starts_at")
    ]


def test_a_new_time_applies_to_meetings_from_the_chosen_date(client, staff_1, centre_1, room):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY, status="started")
    edit = f"/stab/grupper/{group.pk}/endre/"

    with time_machine.travel(datetime(2026, 11, 3, 9, 0, tzinfo=OSLO), tick=False):
        client.force_login(staff_1)
        page = client.get(edit)
        response = client.post(
            edit,
            {
                "weekday": "0",
                "start_time": "17:30",
                "room": str(room.pk),
                "fortnightly_from": "",
                "from_date": "2026-11-09",
            },
        )

    assert page.status_code == 200
    assert response.status_code == 302
    assert response.url == f"/stab/grupper/{group.pk}/moter/#meetings"
    times = planned_times(group)
    assert times[:4] == [
        (date(2026, 10, 19), time(18, 0)),
        (date(2026, 10, 26), time(18, 0)),
        (date(2026, 11, 2), time(18, 0)),
        (date(2026, 11, 9), time(17, 30)),
    ]
    assert {start for day, start in times if day >= date(2026, 11, 9)} == {time(17, 30)}
    group.refresh_from_db()
    assert group.start_time == time(17, 30)


def test_a_group_can_move_to_every_other_week_and_another_room(staff_1_client, centre_1, room):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY)
    other = RoomFactory(centre=centre_1, name="Loftet")

    response = staff_1_client.post(
        f"/stab/grupper/{group.pk}/endre/",
        {
            "weekday": "0",
            "start_time": "18:00",
            "room": str(other.pk),
            "fortnightly_from": "2026-11-16",
            "from_date": "2026-11-16",
        },
    )

    assert response.status_code == 302
    dates = [day for day, _ in planned_times(group)]
    assert dates[:7] == [
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 30),
        date(2026, 12, 14),
    ]
    rooms = set(
        group.meetings.filter(starts_at__date__gte=date(2026, 11, 16)).values_list(
            "room__name", flat=True
        )
    )
    assert rooms == {"Loftet"}
    assert group.meetings.get(starts_at__date=date(2026, 11, 9)).room == room


def test_a_forming_group_can_move_to_another_weekday(staff_1_client, centre_1, room):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY)

    response = staff_1_client.post(
        f"/stab/grupper/{group.pk}/endre/",
        {
            "weekday": "2",
            "start_time": "18:00",
            "room": str(room.pk),
            "fortnightly_from": "",
            "from_date": "2026-10-19",
        },
    )

    assert response.status_code == 302
    assert planned_times(group)[:2] == [
        (date(2026, 10, 21), time(18, 0)),
        (date(2026, 10, 28), time(18, 0)),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"from_date": "2026-09-30"}, "En endring kan tidligst gjelde fra i dag."),
        (
            {"fortnightly_from": "2026-10-12"},
            "Annenhver uke kan tidligst begynne fra det første møtet (19.10.2026).",
        ),
        ({}, "Ingenting er endret. Endre ukedag, klokkeslett, rom eller hvor ofte gruppa møtes."),
    ],
)
def test_a_pattern_change_that_cannot_be_made_is_refused(
    staff_1_client, centre_1, room, overrides, message
):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY)
    before = planned_times(group)
    data = {
        "weekday": "0",
        "start_time": "18:00",
        "room": str(room.pk),
        "fortnightly_from": "",
        "from_date": "2026-10-19",
    }
    data.update(overrides)

    response = staff_1_client.post(f"/stab/grupper/{group.pk}/endre/", data)

    assert response.status_code == 200
    errors = [str(e) for errors in response.context["form"].errors.values() for e in errors]
    assert errors == [message]
    assert planned_times(group) == before


def test_a_new_time_that_clashes_in_the_room_is_refused(staff_1_client, centre_1, room):
    GroupFactory(centre=centre_1, name="Kveldsgruppa", room=room, start_date=MONDAY)
    group = GroupFactory(
        centre=centre_1, room=room, start_date=MONDAY, start_time=time(10, 0), name="Formiddag"
    )
    before = planned_times(group)

    response = staff_1_client.post(
        f"/stab/grupper/{group.pk}/endre/",
        {
            "weekday": "0",
            "start_time": "19:00",
            "room": str(room.pk),
            "fortnightly_from": "",
            "from_date": "2026-10-26",
        },
    )

    assert response.context["form"].non_field_errors() == [
        "Peisestua er booket av gruppa «Kveldsgruppa» 26.10.2026 18:00."
    ]
    assert planned_times(group) == before
    group.refresh_from_db()
    assert group.start_time == time(10, 0)


def test_an_ended_group_keeps_its_meeting_times(staff_1_client, centre_1):
    group = GroupFactory(centre=centre_1, status="ended")

    response = staff_1_client.get(f"/stab/grupper/{group.pk}/endre/")

    assert response.status_code == 302
    assert messages_of(staff_1_client.get(response.url)) == [
        "Gruppa er avsluttet, og møtene kan ikke lenger endres."
    ]
