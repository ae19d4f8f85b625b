"""A starter's own schedule (/igangsetter/): answers first, then meetings, changes told."""

import re
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import services as groups
from starters import services
from starters.models import Assignment, Booking, Starter
from tests.factories import (
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    RoomFactory,
    StarterFactory,
    UserFactory,
)
from tests.fetching import no_lazy_loads

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)  # opening meeting; the follow-up is the fifth meeting, 16.11
URL = "/igangsetter/"


@pytest.fixture(autouse=True)
def frozen():
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
    return StarterFactory(
        centre=centre_1, user__username="ola", user__first_name="Ola", user__last_name="Hansen"
    )


@pytest.fixture
def ola_client(client, ola):
    client.force_login(ola.user)
    return client


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def section(body: str, name: str) -> str:
    found = re.search(rf'<section[^>]*id="{name}"[^>]*>(.*?)</section>', body, re.S)
    return found.group(1) if found else ""


def cards(body: str, name: str) -> list[str]:
    """The text of each card in a section (cards hold lists of their own)."""
    parts = re.split(r'<li class="card[^"]*"[^>]*>', section(body, name))[1:]
    return [
        plain(part.rsplit("</ul>", 1)[0] if n == len(parts) - 1 else part)
        for n, part in enumerate(parts)
    ]


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def messages_after(client, response) -> list[str]:
    assert response.status_code == 302
    return [str(message) for message in client.get(response.url).context["messages"]]


def test_coming_meetings_show_when_where_which_group_how_many_and_what_kind(ola_client, ola, group):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    MembershipFactory.create_batch(3, group=group)
    OfferFactory(group=group)

    body = page(ola_client)

    assert cards(body, "upcoming") == [
        "Mandag 19. oktober 2026 18:00–20:00 Mandagsgruppa Oppstartsmøte "
        "Peisestua, Loftet, Storgata 1 3 deltakere så langt, og 1 til har fått tilbud om plass "
        "Startpakken til oppstartsmøtet",
        "Mandag 16. november 2026 18:00–20:00 Mandagsgruppa Oppfølgingsmøte "
        "Peisestua, Loftet, Storgata 1 3 deltakere så langt, og 1 til har fått tilbud om plass",
    ]
    assert f'href="/igangsetter/grupper/{group.pk}/startpakke/"' in body
    assert section(body, "pending") == ""
    assert "Ingen tidligere møter ennå." in plain(section(body, "past"))
    assert "Hei, Ola!" in body


def test_an_assignment_waiting_for_an_answer_comes_first_with_the_meetings_asked_for(
    ola_client, ola, group
):
    assignment = AssignmentFactory(group=group, starter=ola)

    body = page(ola_client)

    assert cards(body, "pending") == [
        "Vil du sette i gang «Mandagsgruppa»? Når Hver mandag kl. 18:00 "
        "Første møte Mandag 19. oktober 2026 Hvor Peisestua, Loftet, Storgata 1 "
        "Senter Selvhjelpshuset Nord Du blir spurt om å komme på disse møtene: "
        "Mandag 19.10.2026, 18:00–20:00 (oppstartsmøte) "
        "Mandag 16.11.2026, 18:00–20:00 (oppfølgingsmøte) "
        "Ja, jeg setter i gang gruppa Nei, jeg kan ikke denne gangen "
        "Startpakken til oppstartsmøtet"
    ]
    assert f'action="/igangsetter/oppdrag/{assignment.pk}/svar/"' in body
    assert body.index('id="pending"') < body.index('id="upcoming"')
    # Not yet among the meetings the starter attends.
    assert cards(body, "upcoming") == []


def test_the_starter_says_yes(ola_client, ola, group):
    assignment = AssignmentFactory(group=group, starter=ola)

    response = ola_client.post(f"/igangsetter/oppdrag/{assignment.pk}/svar/", {"answer": "accept"})

    assert messages_after(ola_client, response) == [
        "Takk for at du setter i gang «Mandagsgruppa»! Møtene står i timeplanen din nedenfor."
    ]
    assignment.refresh_from_db()
    assert assignment.status == "accepted"
    assert len(cards(page(ola_client), "upcoming")) == 2


def test_the_starter_says_no_and_the_meetings_are_released(ola_client, ola, group):
    assignment = AssignmentFactory(group=group, starter=ola)

    response = ola_client.post(f"/igangsetter/oppdrag/{assignment.pk}/svar/", {"answer": "decline"})

    assert messages_after(ola_client, response) == [
        "Takk for at du sa fra. Senteret finner en annen igangsetter til «Mandagsgruppa»."
    ]
    assignment.refresh_from_db()
    assert assignment.status == "declined"
    assert list(assignment.bookings.values_list("is_active", flat=True)) == [False, False]
    body = page(ola_client)
    assert (section(body, "pending"), cards(body, "upcoming")) == ("", [])


@pytest.mark.parametrize("answer", ["", "maybe", "accept'--"])
def test_an_answer_that_is_neither_yes_nor_no_changes_nothing(ola_client, ola, group, answer):
    assignment = AssignmentFactory(group=group, starter=ola)

    response = ola_client.post(f"/igangsetter/oppdrag/{assignment.pk}/svar/", {"answer": answer})

    assert messages_after(ola_client, response) == ["Svar ja eller nei."]
    assert Assignment.objects.get(pk=assignment.pk).status == "pending"


def test_an_answer_already_given_cannot_be_changed(ola_client, ola, group):
    assignment = AssignmentFactory(group=group, starter=ola, status="declined")

    response = ola_client.post(f"/igangsetter/oppdrag/{assignment.pk}/svar/", {"answer": "accept"})

    assert messages_after(ola_client, response) == ["Dette oppdraget venter ikke lenger på svar."]
    assert Assignment.objects.get(pk=assignment.pk).status == "declined"


def test_another_starters_assignment_is_not_found(ola_client, centre_1, centre_2, group):
    kari = StarterFactory(centre=centre_1)
    theirs = AssignmentFactory(group=group, starter=kari)
    elsewhere = AssignmentFactory(
        group=GroupFactory(centre=centre_2, start_date=MONDAY),
        starter=StarterFactory(centre=centre_2),
    )

    for assignment in (theirs, elsewhere):
        response = ola_client.post(
            f"/igangsetter/oppdrag/{assignment.pk}/svar/", {"answer": "decline"}
        )
        assert response.status_code == 404
        assert Assignment.objects.get(pk=assignment.pk).status == "pending"
    assert (
        ola_client.post("/igangsetter/oppdrag/999999/svar/", {"answer": "accept"}).status_code
        == 404
    )


def test_answers_are_post_only(ola_client, ola, group):
    assignment = AssignmentFactory(group=group, starter=ola)
    assert ola_client.get(f"/igangsetter/oppdrag/{assignment.pk}/svar/").status_code == 405


def test_a_moved_and_a_cancelled_meeting_are_told_clearly(ola_client, ola, group, staff_1):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    opening, followup = (
        Booking.objects.filter(starter=ola).order_by("starts_at").select_related("meeting")
    )
    groups.move_meeting(
        opening.meeting, day=date(2026, 10, 20), start_time=time(18, 30), staff=staff_1
    )
    groups.cancel_meeting(followup.meeting, staff=staff_1, note="Rommet er stengt")

    body = page(ola_client)

    changes = plain(re.search(r'<div[^>]*id="changes"[^>]*>(.*?)</div>', body, re.S).group(1))
    assert changes == (
        "Endringer i møtene dine "
        "Mandagsgruppa: møtet er flyttet fra 19.10.2026 kl. 18:00 til 20.10.2026 kl. 18:30. "
        "Mandagsgruppa: møtet 16.11.2026 kl. 18:00 er avlyst."
    )
    assert cards(body, "upcoming") == [
        "Tirsdag 20. oktober 2026 18:30–20:30 Mandagsgruppa Oppstartsmøte Flyttet "
        "Flyttet fra 19.10.2026 kl. 18:00 til 20.10.2026 kl. 18:30. "
        "Peisestua, Loftet, Storgata 1 0 deltakere så langt Startpakken til oppstartsmøtet",
        # (a cancelled meeting is no longer the follow-up)
        "Mandag 16. november 2026 18:00–20:00 Mandagsgruppa Gruppemøte Avlyst "
        "Dette møtet er avlyst. Du trenger ikke komme. Rommet er stengt "
        "Peisestua, Loftet, Storgata 1",
        # The next meeting became the follow-up: the starter is booked into it instead.
        "Mandag 23. november 2026 18:00–20:00 Mandagsgruppa Oppfølgingsmøte "
        "Peisestua, Loftet, Storgata 1 0 deltakere så langt",
    ]


def test_meetings_that_have_been_held_move_to_earlier_meetings(ola_client, ola, group, frozen):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    frozen.move_to(datetime(2026, 10, 20, 9, 0, tzinfo=OSLO))
    ola_client.force_login(ola.user)  # the session ended while the clock moved on

    body = page(ola_client)

    assert plain(section(body, "past")) == (
        "Tidligere møter 19.10.2026 18:00 – Mandagsgruppa (oppstartsmøte), Peisestua"
    )
    assert [card.split(" Mandagsgruppa")[0] for card in cards(body, "upcoming")] == [
        "Mandag 16. november 2026 18:00–20:00"
    ]


def test_a_released_starter_keeps_the_meetings_held_and_loses_the_rest(
    ola_client, ola, group, staff_1, frozen
):
    assignment = AssignmentFactory(group=group, starter=ola, status="accepted")
    frozen.move_to(datetime(2026, 10, 20, 9, 0, tzinfo=OSLO))

    services.release_assignment(assignment, staff=staff_1)
    ola_client.force_login(ola.user)

    body = page(ola_client)

    assert "19.10.2026 18:00 – Mandagsgruppa (oppstartsmøte)" in plain(section(body, "past"))
    assert cards(body, "upcoming") == []


def test_the_page_makes_the_same_queries_for_one_meeting_as_for_many(
    ola_client, ola, centre_1, staff_1, room
):
    first = GroupFactory(centre=centre_1, room=room, start_date=MONDAY)
    AssignmentFactory(group=first, starter=ola, status="accepted")
    pending = GroupFactory(centre=centre_1, start_date=MONDAY + timedelta(days=1), weekday=1)
    AssignmentFactory(group=pending, starter=ola)
    with CaptureQueriesContext(connection) as one:
        page(ola_client)

    ola.max_groups = 6
    ola.save(update_fields=["max_groups"])
    for weekday in (2, 3, 4):
        other = GroupFactory(
            centre=centre_1, weekday=weekday, start_date=MONDAY + timedelta(days=weekday)
        )
        MembershipFactory.create_batch(2, group=other)
        OfferFactory(group=other)
        AssignmentFactory(group=other, starter=ola, status="accepted" if weekday < 4 else "pending")
    meetings = Booking.objects.filter(starter=ola, assignment__status="accepted").order_by(
        "starts_at"
    )
    groups.move_meeting(
        meetings[1].meeting, day=date(2026, 10, 28), start_time=time(12), staff=staff_1
    )
    groups.cancel_meeting(meetings[2].meeting, staff=staff_1)
    AssignmentFactory(
        group=GroupFactory(centre=centre_1, weekday=5, start_date=date(2026, 10, 24)),
        starter=StarterFactory(centre=centre_1),
        staff=UserFactory(),
    )
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        body = page(ola_client)

    assert len(cards(body, "pending")) == 2
    assert len(cards(body, "upcoming")) == 7  # 3 groups × 2, and one cancelled
    assert len(many) == len(one)


# The demo ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_starter_sees_a_real_schedule_and_answers_of_every_kind(client, settings, frozen):
    settings.DEBUG = True
    frozen.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=OSLO))  # a Monday
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # a second run changes nothing

    demo = {
        (a.starter.user.first_name, a.group.name, a.status, a.replaces is not None)
        for a in Assignment.objects.select_related("starter__user", "group", "replaces")
    }
    assert demo == {
        ("Ola", "Tirsdagsgruppa", "pending", False),
        ("Ingrid", "Tirsdagsgruppa", "accepted", False),
        ("Ola", "Torsdagsgruppa", "declined", False),
        ("Ingrid", "Torsdagsgruppa", "accepted", True),
        ("Nils", "Torsdagsgruppa", "released", False),
        ("Ola", "Torsdagsgruppa", "accepted", True),
    }
    assert sorted(
        (s.user.first_name, s.is_active) for s in Starter.objects.select_related("user")
    ) == [("Ingrid", True), ("Nils", False), ("Ola", True), ("Sara", False)]

    signed_in = client.post(
        "/igangsetter/logg-inn/", {"username": "demo-igangsetter", "password": "selvhjelp-demo"}
    )
    assert signed_in.url == "/igangsetter/"
    body = page(client)
    assert [card.split("?")[0] for card in cards(body, "pending")] == [
        "Vil du sette i gang «Tirsdagsgruppa»"
    ]
    assert "Tirsdag 08.12.2026, 18:00–20:00 (oppstartsmøte)" in cards(body, "pending")[0]
    assert plain(section(body, "past")) == (
        "Tidligere møter 12.11.2026 17:30 – Torsdagsgruppa (oppfølgingsmøte), Peisestua"
    )
