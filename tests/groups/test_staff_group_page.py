"""One group's page (/stab/grupper/<pk>/) and everything staff do from it."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.models import AbsenceNotice, GroupOpening, Meeting, Offer
from selvhjelp.models import AuditEvent, Theme
from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    RoomFactory,
)
from tests.fetching import no_lazy_loads

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def room(centre_1):
    return RoomFactory(centre=centre_1, name="Peisestua", street_address="Loftet, Storgata 1")


@pytest.fixture
def group(centre_1, room):
    return GroupFactory(centre=centre_1, name="Mandagsgruppa", room=room, start_date=MONDAY)


def page_of(group) -> str:
    return f"/stab/grupper/{group.pk}/"


def meetings_of(group) -> str:
    return f"/stab/grupper/{group.pk}/moter/"


def text(response) -> str:
    return response.content.decode()


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def messages_after(client, response) -> list[str]:
    assert response.status_code == 302
    return [str(message) for message in client.get(response.url).context["messages"]]


def table_rows(body: str, css_class: str) -> list[list[str]]:
    table = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', body, re.S)
    tbody = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S).group(1)
    return [
        [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]


def waiting(centre, **kwargs):
    kwargs.setdefault("availability", ["mon-evening"])
    return ApplicationFactory(centre=centre, status="waiting", **kwargs)


# --- What the page shows -------------------------------------------------------------------


def test_the_page_shows_the_group_its_slot_room_and_seats(staff_1_client, group):
    MembershipFactory(group=group)
    OfferFactory(group=group)

    response = staff_1_client.get(page_of(group))
    body = text(response)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert '<h1 class="mb-0 me-2">Mandagsgruppa</h1>' in body
    assert '<span class="badge text-bg-info">Under oppstart</span>' in body
    facts = plain(re.search(r'<dl class="row group-facts">(.*?)</dl>', body, re.S).group(1))
    assert facts == (
        "Møtes Mandag kl. 18:00, hver uke "
        "Første møte 19.10.2026 "
        "Rom Peisestua, Loftet, Storgata 1 "
        "Plasser I gruppa: 1 · Tilbudt: 1 · Ledige: 6 (av 8) "
        "Type gruppe En blandet gruppe · Norsk "
        "Møtelengde 120 minutter (første møte: 120 minutter) "
        "Senter Selvhjelpshuset Nord"
    )
    assert (
        "For få til å starte: 2 av de 5 gruppa trenger for å starte, åpne tilbud medregnet."
        in plain(body)
    )
    assert f'href="/stab/grupper/{group.pk}/taushetserklaering/"' in body
    assert f'href="/stab/grupper/{group.pk}/deltakerliste/"' in body


def test_members_show_their_dates_and_signature(staff_1_client, group):
    signed = MembershipFactory(
        group=group,
        application__first_name="Kari",
        application__last_name="Berg",
        confidentiality_signed_on=date(2026, 10, 19),
    )
    MembershipFactory(
        group=group,
        application__first_name="Ola",
        application__last_name="Dahl",
        joined_on=date(2026, 11, 30),
    )
    MembershipFactory(
        group=group,
        application__first_name="Per",
        application__last_name="Lund",
        left_on=date(2026, 10, 26),
        leave_reason="needs_met",
    )

    body = text(staff_1_client.get(page_of(group)))

    rows = [row[:5] for row in table_rows(body, "members")]
    assert rows == [
        ["Kari Berg", "19.10.2026", "11.01.2027", "19.04.2027", "Ja, 19.10.2026"],
        ["Ola Dahl", "30.11.2026", "22.02.2027", "30.05.2027", "Nei Skrev under i dag"],
    ]
    assert f"/stab/medlemmer/{signed.pk}/signert/" not in body
    assert "Tidligere deltakere" in body
    assert "Per Lund" in body
    assert "Fikk det de trengte" in body


def test_a_group_whose_members_all_left_says_so_rather_than_nobody_joined(staff_1_client, centre_1):
    group = GroupFactory(centre=centre_1, start_date=MONDAY)
    empty = plain(text(staff_1_client.get(page_of(group))))
    MembershipFactory(group=group, left_on=MONDAY, leave_reason="other")

    left = plain(text(staff_1_client.get(page_of(group))))

    assert "Ingen har blitt med ennå." in empty
    assert "Ingen er med i gruppa nå." in left
    assert "Ingen har blitt med ennå." not in left


def test_the_place_list_ranks_the_waiting_people_who_can_meet_at_the_slot(
    staff_1_client, centre_1, centre_2, group
):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    applied = timezone.now() - timedelta(weeks=5)
    waiting(centre_1, first_name="Anne", last_name="Aas", age=44, applied_at=applied)
    waiting(centre_1, first_name="Bjørn", last_name="Bakke", age=51)
    waiting(centre_1, first_name="Dagtid", availability=["mon-day"])
    waiting(centre_1, first_name="Tema", last_name="Toft", theme=theme)
    waiting(centre_2, first_name="Sør")
    ApplicationFactory(centre=centre_1, first_name="Mottatt", availability=["mon-evening"])

    rows = table_rows(text(staff_1_client.get(f"{page_of(group)}kandidater/")), "candidates")

    assert [row[1:4] for row in rows] == [
        ["Anne Aas", "44", "Vil ikke oppgi"],
        ["Bjørn Bakke", "51", "Vil ikke oppgi"],
        ["Tema Toft", "35", "Vil ikke oppgi"],
    ]
    assert rows[2][5].endswith("Å tenke på: ønsket en annen type gruppe")


def test_the_meetings_show_their_kind_holiday_and_changes(staff_1_client, centre_1, room):
    group = GroupFactory(centre=centre_1, room=room, start_date=date(2026, 12, 17), weekday=3)
    meetings = list(group.meetings.order_by("starts_at"))
    other = RoomFactory(centre=centre_1, name="Loftet")
    Meeting.objects.filter(pk=meetings[1].pk).update(status="cancelled", change_note="Juleferie")
    Meeting.objects.filter(pk=meetings[2].pk).update(
        moved_from=meetings[2].starts_at,
        starts_at=meetings[2].starts_at + timedelta(days=2),
        ends_at=meetings[2].ends_at + timedelta(days=2),
        room=other,
        change_note="Lånt rom",
    )

    rows = table_rows(text(staff_1_client.get(f"{meetings_of(group)}?vis=alle")), "meetings")

    assert rows[0][:4] == ["tor 17.12.2026", "18:00–20:00", "Første møte", "Planlagt"]
    assert rows[0][4] == "Flytt eller avlys (17.12.2026)"
    assert rows[1][2:] == ["", "Avlyst Juleferie", ""]
    assert rows[2][:4] == [
        "lør 02.01.2027",
        "18:00–20:00",
        "I Loftet",
        "Flyttet fra 31.12.2026 18:00 Lånt rom",
    ]
    holiday = next(row for row in rows if row[0] == "tor 25.03.2027")
    assert holiday[2] == "Helligdag: Skjærtorsdag"
    assert holiday[4] == "Flytt eller avlys (25.03.2027)"
    holiday_page = text(staff_1_client.get(f"/stab/moter/{meetings[14].pk}/"))
    assert "Hopp over (helligdag)" in holiday_page
    assert sum(row[2].startswith("Helligdag") for row in rows) == 2  # and Ascension Day


def test_the_page_lists_the_meetings_around_today_and_all_on_request(
    staff_1_client, centre_1, room
):
    # Started seven weeks before NOW (1 October 2026); the series runs on into 2027.
    group = GroupFactory(
        centre=centre_1, room=room, start_date=date(2026, 8, 13), weekday=3, status="started"
    )
    meetings = list(group.meetings.order_by("starts_at"))
    held = [m for m in meetings if m.starts_at <= NOW]
    assert len(held) == 7
    assert len(meetings) == 27

    body = text(staff_1_client.get(meetings_of(group)))
    rows = table_rows(body, "meetings")
    expected = held[-3:] + meetings[7:17]  # three held, ten coming
    assert [row[0] for row in rows] == [row_date(m) for m in expected]
    assert [row[3] for row in rows[:4]] == ["Holdt", "Holdt", "Holdt", "Planlagt"]
    assert f"Viser de 13 møtene rundt i dag. Vis alle {len(meetings)} møtene" in plain(body)
    assert 'href="?vis=alle#meetings"' in body

    every = text(staff_1_client.get(f"{meetings_of(group)}?vis=alle"))
    assert [row[0] for row in table_rows(every, "meetings")] == [row_date(m) for m in meetings]
    assert f'href="{meetings_of(group)}#meetings"' in every
    assert "Vis bare møtene rundt i dag" in plain(every)


def row_date(meeting) -> str:
    weekday = ["man", "tir", "ons", "tor", "fre", "lør", "søn"]
    local = meeting.starts_at.astimezone(OSLO)
    return f"{weekday[local.weekday()]} {local:%d.%m.%Y}"


def test_absence_notices_show_first_name_meeting_and_kind(staff_1_client, group):
    membership = MembershipFactory(group=group, application__first_name="Kari")
    meeting = group.meetings.order_by("starts_at")[1]
    AbsenceNotice.objects.create(membership=membership, kind="absent", meeting=meeting)
    AbsenceNotice.objects.create(membership=membership, kind="leaving")

    rows = table_rows(text(staff_1_client.get(meetings_of(group))), "notices")

    assert [row[:3] for row in rows] == [
        ["Kari", "–", "Ønsker å slutte"],
        ["Kari", "26.10.2026", "Kan ikke komme på et møte"],
    ]
    assert [row[3] for row in rows] == ["01.10.2026 10:00", "01.10.2026 10:00"]


def test_the_overview_makes_the_same_queries_for_one_member_as_for_many(
    staff_1_client, staff_1, centre_1, room
):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY)
    MembershipFactory(group=group)
    OfferFactory(group=group)
    with CaptureQueriesContext(connection) as one:
        staff_1_client.get(page_of(group))

    MembershipFactory.create_batch(4, group=group, confidentiality_signed_on=MONDAY)
    MembershipFactory(group=group, left_on=MONDAY, leave_reason="other")
    OfferFactory.create_batch(2, group=group)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        body = text(staff_1_client.get(page_of(group)))

    assert len(table_rows(body, "members")) == 5
    assert len(table_rows(body, "offers")) == 3
    assert len(many) == len(one) == 6


def test_a_running_group_overview_adds_one_query_for_its_decisions_to_open(
    staff_1_client, staff_1, centre_1, room
):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY, status="started")
    MembershipFactory(group=group)
    with CaptureQueriesContext(connection) as one:
        staff_1_client.get(page_of(group))

    MembershipFactory.create_batch(4, group=group)
    for reason in ("Vi har plass", "Vi vil bli flere"):
        GroupOpening.objects.create(
            group=group, decided_on=MONDAY, reason=reason, recorded_by=staff_1
        )
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        body = plain(text(staff_1_client.get(page_of(group))))

    assert "19.10.2026: Vi har plass" in body
    assert len(many) == len(one) == 7


def test_the_meetings_tab_makes_the_same_queries_for_one_meeting_as_for_many(
    staff_1_client, centre_1, room
):
    lone = GroupFactory(centre=centre_1, room=room, start_date=MONDAY)
    Meeting.objects.filter(group=lone).exclude(index=0).delete()
    AbsenceNotice.objects.create(membership=MembershipFactory(group=lone), kind="leaving")
    with CaptureQueriesContext(connection) as one:
        body = text(staff_1_client.get(f"{meetings_of(lone)}?vis=alle"))
    assert len(table_rows(body, "meetings")) == 1

    group = GroupFactory(centre=centre_1, room=RoomFactory(centre=centre_1), start_date=MONDAY)
    other = RoomFactory(centre=centre_1, name="Loftet")
    for meeting in group.meetings.order_by("starts_at")[1:4]:
        Meeting.objects.filter(pk=meeting.pk).update(room=other, moved_from=meeting.starts_at)
    for member in MembershipFactory.create_batch(5, group=group):
        AbsenceNotice.objects.create(
            membership=member, kind="absent", meeting=group.meetings.order_by("starts_at")[2]
        )
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        body = text(staff_1_client.get(f"{meetings_of(group)}?vis=alle"))

    assert len(table_rows(body, "meetings")) == group.meetings.count() > 20
    assert len(table_rows(body, "notices")) == 5
    assert len(many) == len(one) == 6


# --- Offering a place ----------------------------------------------------------------------


def test_staff_offer_a_waiting_person_a_place(staff_1_client, staff_1, centre_1, group):
    person = waiting(centre_1, first_name="Kari", last_name="Berg")

    response = staff_1_client.post(f"{page_of(group)}plasser/", {"application": person.pk})

    offer = Offer.objects.get()
    assert (offer.group, offer.application, offer.status, offer.created_by) == (
        group,
        person,
        "open",
        staff_1,
    )
    assert offer.expires_at == timezone.now() + timedelta(days=7)
    person.refresh_from_db()
    assert person.status == "offered"
    assert response.url == f"{page_of(group)}#offers"
    assert messages_after(staff_1_client, response) == [
        "Kari Berg har fått tilbud om plass og kan svare på sin egen side innen 08.10.2026."
    ]


def test_a_full_group_refuses_another_offer(staff_1_client, centre_1, group):
    MembershipFactory.create_batch(7, group=group)
    OfferFactory(group=group)
    person = waiting(centre_1)

    response = staff_1_client.post(f"{page_of(group)}plasser/", {"application": person.pk})

    assert messages_after(staff_1_client, response) == [
        "Gruppa er full: 8 av 8 plasser er tatt eller tilbudt."
    ]
    assert Offer.objects.filter(application=person).count() == 0
    person.refresh_from_db()
    assert person.status == "waiting"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("received", "Bare personer som venter på gruppe, kan få tilbud om plass."),
        ("offered", "Bare personer som venter på gruppe, kan få tilbud om plass."),
    ],
)
def test_only_waiting_people_can_be_offered_a_place(
    staff_1_client, centre_1, group, status, message
):
    person = ApplicationFactory(centre=centre_1, status=status)

    response = staff_1_client.post(f"{page_of(group)}plasser/", {"application": person.pk})

    assert messages_after(staff_1_client, response) == [message]
    assert Offer.objects.count() == 0


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_a_bad_choice_on_the_place_form_changes_nothing(staff_1_client, group, value):
    response = staff_1_client.post(f"{page_of(group)}plasser/", {"application": value})

    assert messages_after(staff_1_client, response) == [
        "Ingenting ble endret: Velg en person fra ventelisten."
    ]
    assert Offer.objects.count() == 0


def test_another_centres_applicant_cannot_be_placed(staff_1_client, centre_2, group):
    person = waiting(centre_2)

    response = staff_1_client.post(f"{page_of(group)}plasser/", {"application": person.pk})

    assert messages_after(staff_1_client, response) == [
        "Ingenting ble endret: Velg en person fra ventelisten."
    ]
    assert Offer.objects.count() == 0


def test_a_started_group_takes_someone_new_only_after_it_decides_to_open(
    staff_1_client, centre_1, room
):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY, status="started")
    person = waiting(centre_1)
    place = f"{page_of(group)}plasser/"

    closed = staff_1_client.post(place, {"application": person.pk})
    assert messages_after(staff_1_client, closed) == [
        "Gruppa er i gang og er lukket. Registrer gruppas eget vedtak om å åpne før noen nye "
        "legges til."
    ]
    assert Offer.objects.count() == 0
    assert "Registrer vedtaket om å åpne" in text(staff_1_client.get(page_of(group)))

    opened = staff_1_client.post(
        f"{page_of(group)}apne/",
        {"decided_on": "2026-09-28", "reason": "Vi vil gjerne bli to til."},
    )
    assert messages_after(staff_1_client, opened) == [
        "Gruppas vedtak er registrert. Gruppa er åpen for nye deltakere til du lukker den."
    ]
    group.refresh_from_db()
    assert group.status == "restarting"
    opening = GroupOpening.objects.get()
    assert (opening.decided_on, opening.reason) == (date(2026, 9, 28), "Vi vil gjerne bli to til.")

    placed = staff_1_client.post(place, {"application": person.pk})
    assert len(messages_after(staff_1_client, placed)) == 1
    assert Offer.objects.get().application == person

    closed_again = staff_1_client.post(f"{page_of(group)}lukk/")
    assert messages_after(staff_1_client, closed_again) == ["Gruppa er lukket igjen."]
    group.refresh_from_db()
    assert group.status == "started"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"decided_on": "2026-10-02", "reason": "Snart"},
            "Ingenting ble endret: Registrer vedtaket når gruppa har gjort det.",
        ),
        (
            {"decided_on": "2026-09-28", "reason": "  "},
            "Ingenting ble endret: Skriv hva gruppa bestemte, og hvorfor.",
        ),
    ],
)
def test_an_opening_without_date_or_reason_is_refused(
    staff_1_client, centre_1, room, data, message
):
    group = GroupFactory(centre=centre_1, room=room, start_date=MONDAY, status="started")

    response = staff_1_client.post(f"{page_of(group)}apne/", data)

    assert messages_after(staff_1_client, response) == [message]
    group.refresh_from_db()
    assert group.status == "started"
    assert GroupOpening.objects.count() == 0


def test_a_forming_group_cannot_record_an_opening(staff_1_client, group):
    response = staff_1_client.post(
        f"{page_of(group)}apne/", {"decided_on": "2026-09-28", "reason": "Vi vil"}
    )

    assert messages_after(staff_1_client, response) == [
        "Bare en gruppe som er i gang, kan bestemme seg for å åpne."
    ]
    assert GroupOpening.objects.count() == 0


def test_staff_withdraw_an_offer(staff_1_client, group):
    offer = OfferFactory(group=group, application__first_name="Kari")

    response = staff_1_client.post(f"/stab/tilbud/{offer.pk}/trekk/")

    assert messages_after(staff_1_client, response) == [
        "Tilbudet til Kari er trukket tilbake, og personen står på ventelisten igjen."
    ]
    offer.refresh_from_db()
    offer.application.refresh_from_db()
    assert (offer.status, offer.application.status) == ("withdrawn", "waiting")
    again = staff_1_client.post(f"/stab/tilbud/{offer.pk}/trekk/")
    assert messages_after(staff_1_client, again) == ["Dette tilbudet er ikke lenger åpent."]


# --- Members -------------------------------------------------------------------------------


def test_staff_record_that_someone_left_and_why(staff_1_client, group):
    membership = MembershipFactory(
        group=group, application__first_name="Kari", application__last_name="Berg"
    )

    response = staff_1_client.post(
        f"/stab/medlemmer/{membership.pk}/slutt/", {"reason": "life_changed", "left_on": ""}
    )

    assert response.url == f"{page_of(group)}#members"
    assert messages_after(staff_1_client, response) == [
        "Kari Berg har sluttet i gruppa. Grunn: livet endret seg (jobb, flytting, helse)."
    ]
    membership.refresh_from_db()
    assert (membership.left_on, membership.leave_reason) == (MONDAY, "life_changed")
    assert AuditEvent.objects.filter(action="membership.ended").count() == 1


def test_leaving_is_recorded_on_a_page_of_its_own(staff_1_client, group):
    membership = MembershipFactory(
        group=group, application__first_name="Kari", application__last_name="Berg"
    )
    overview = text(staff_1_client.get(page_of(group)))
    assert f'<a href="/stab/medlemmer/{membership.pk}/slutt/">Har sluttet' in overview

    response = staff_1_client.get(f"/stab/medlemmer/{membership.pk}/slutt/")

    body = text(response)
    assert response.status_code == 200
    heading = re.search(r"<h1>(.*?)</h1>", body, re.S).group(1)
    assert plain(heading) == "Registrer at Kari Berg har sluttet i Mandagsgruppa"
    assert '<select name="reason"' in body
    assert f'href="{page_of(group)}#members"' in body
    membership.refresh_from_db()
    assert membership.left_on is None


def test_the_leave_page_of_someone_who_left_goes_back_to_the_group(staff_1_client, group):
    membership = MembershipFactory(group=group, left_on=MONDAY, leave_reason="other")

    response = staff_1_client.get(f"/stab/medlemmer/{membership.pk}/slutt/")

    assert response.url == f"{page_of(group)}#members"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "left_on": ""}, "Ingenting ble endret: Velg hvorfor personen sluttet."),
        (
            {"reason": "group_ended", "left_on": ""},
            "Ingenting ble endret: Velg hvorfor personen sluttet.",
        ),
        (
            {"reason": "own_choice", "left_on": "2026-10-05"},
            "Ingenting ble endret: Registrer at noen har sluttet når det har skjedd.",
        ),
        (
            {"reason": "own_choice", "left_on": "i går"},
            "Ingenting ble endret: Skriv datoen som dag.måned.år, for eksempel 24.11.2026.",
        ),
    ],
)
def test_leaving_without_a_good_reason_or_date_changes_nothing(
    staff_1_client, group, data, message
):
    membership = MembershipFactory(group=group)

    response = staff_1_client.post(f"/stab/medlemmer/{membership.pk}/slutt/", data)

    assert response.url == f"/stab/medlemmer/{membership.pk}/slutt/"
    assert messages_after(staff_1_client, response) == [message]
    membership.refresh_from_db()
    assert (membership.left_on, membership.leave_reason) == (None, "")


def test_staff_record_a_signature_today(staff_1_client, group):
    membership = MembershipFactory(group=group, application__first_name="Kari")

    response = staff_1_client.post(f"/stab/medlemmer/{membership.pk}/signert/")

    assert messages_after(staff_1_client, response) == [
        "Kari Hansen skrev under taushetserklæringen i dag."
    ]
    membership.refresh_from_db()
    assert membership.confidentiality_signed_on == date(2026, 10, 1)


# --- Meetings ------------------------------------------------------------------------------


def test_staff_cancel_a_meeting_with_a_note(staff_1_client, group):
    meeting = group.meetings.order_by("starts_at")[2]

    response = staff_1_client.post(f"/stab/moter/{meeting.pk}/avlys/", {"note": "Stengt"})

    assert response.url == f"{meetings_of(group)}?vis=alle#meeting-{meeting.pk}"
    assert messages_after(staff_1_client, response) == [
        "Møtet 02.11.2026 er avlyst. Deltakerne har fått beskjed."
    ]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.change_note) == ("cancelled", "Stengt")
    again = staff_1_client.post(f"/stab/moter/{meeting.pk}/avlys/", {"note": ""})
    assert messages_after(staff_1_client, again) == ["Møtet var allerede avlyst."]


def test_staff_move_a_meeting_to_another_day_time_and_room(staff_1_client, centre_1, group):
    meeting = group.meetings.order_by("starts_at")[2]
    original = meeting.starts_at
    other = RoomFactory(centre=centre_1, name="Loftet")

    response = staff_1_client.post(
        f"/stab/moter/{meeting.pk}/flytt/",
        {"day": "2026-11-04", "start_time": "17:00", "room": str(other.pk), "note": "Maling"},
    )

    assert messages_after(staff_1_client, response) == [
        "Møtet er flyttet til 04.11.2026 kl. 17:00. Deltakerne har fått beskjed."
    ]
    meeting.refresh_from_db()
    assert timezone.localtime(meeting.starts_at) == datetime(2026, 11, 4, 17, 0, tzinfo=OSLO)
    assert timezone.localtime(meeting.ends_at) == datetime(2026, 11, 4, 19, 0, tzinfo=OSLO)
    assert (meeting.room, meeting.moved_from, meeting.change_note) == (other, original, "Maling")


def test_a_move_into_a_booked_room_is_refused(staff_1_client, centre_1, room, group):
    GroupFactory(
        centre=centre_1, name="Onsdagsgruppa", room=room, weekday=2, start_date=date(2026, 10, 21)
    )
    meeting = group.meetings.order_by("starts_at")[2]
    before = (meeting.starts_at, meeting.room_id)

    response = staff_1_client.post(
        f"/stab/moter/{meeting.pk}/flytt/",
        {"day": "2026-11-04", "start_time": "19:00", "room": "", "note": ""},
    )

    assert messages_after(staff_1_client, response) == [
        "Peisestua er booket av gruppa «Onsdagsgruppa» 04.11.2026 18:00."
    ]
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.room_id, meeting.moved_from) == (*before, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"day": "2026-09-30", "start_time": "18:00"},
            "Ingenting ble endret: Velg et tidspunkt som ikke har vært ennå.",
        ),
        (
            {"day": "2026-11-04", "start_time": "25:00"},
            "Ingenting ble endret: Skriv klokkeslettet som timer:minutter, for eksempel 18:00.",
        ),
        ({"day": "", "start_time": "18:00"}, "Ingenting ble endret: Velg en dato."),
    ],
)
def test_a_move_with_a_bad_time_changes_nothing(staff_1_client, group, data, message):
    meeting = group.meetings.order_by("starts_at")[2]
    before = meeting.starts_at

    response = staff_1_client.post(f"/stab/moter/{meeting.pk}/flytt/", data)

    assert messages_after(staff_1_client, response) == [message]
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.moved_from) == (before, None)


def test_another_centres_room_cannot_be_used_for_a_move(staff_1_client, centre_2, group):
    meeting = group.meetings.order_by("starts_at")[2]
    other = RoomFactory(centre=centre_2, name="Sørrommet")

    response = staff_1_client.post(
        f"/stab/moter/{meeting.pk}/flytt/",
        {"day": "2026-11-04", "start_time": "18:00", "room": str(other.pk)},
    )

    assert messages_after(staff_1_client, response) == [
        "Ingenting ble endret: Velg ett av senterets rom."
    ]
    meeting.refresh_from_db()
    assert meeting.moved_from is None


# --- Ending the group ----------------------------------------------------------------------


def test_staff_end_a_group(staff_1_client, group):
    membership = MembershipFactory(group=group)
    offer = OfferFactory(group=group)

    response = staff_1_client.post(f"{page_of(group)}avslutt/", {"ended_on": "2026-11-02"})

    assert messages_after(staff_1_client, response) == [
        "Gruppa er avsluttet. Deltakerne har sluttet, og senere møter er avlyst."
    ]
    group.refresh_from_db()
    membership.refresh_from_db()
    offer.refresh_from_db()
    assert (group.status, group.ended_on) == ("ended", date(2026, 11, 2))
    assert (membership.left_on, membership.leave_reason) == (date(2026, 11, 2), "group_ended")
    assert offer.status == "withdrawn"
    assert group.meetings.planned().count() == 3
    page = text(staff_1_client.get(page_of(group)))
    assert "Avslutt gruppa" not in page
    assert "Endre møtetidene" not in page


def test_a_meeting_of_an_ended_group_cannot_be_changed(staff_1_client, centre_1):
    group = GroupFactory(centre=centre_1, status="ended")
    meeting = group.meetings.order_by("starts_at").first()

    response = staff_1_client.post(
        f"/stab/moter/{meeting.pk}/flytt/", {"day": "2026-11-04", "start_time": "18:00"}
    )

    assert messages_after(staff_1_client, response) == [
        "Gruppa er avsluttet, og møtene kan ikke lenger endres."
    ]
    meeting.refresh_from_db()
    assert meeting.moved_from is None


def test_a_meeting_is_moved_or_cancelled_from_its_own_page(staff_1_client, centre_1, room):
    group = GroupFactory(centre=centre_1, room=room, start_date=date(2026, 12, 17), weekday=3)
    meeting = group.meetings.order_by("starts_at").first()
    RoomFactory(centre=centre_1, name="Loftet")
    body = text(staff_1_client.get(f"/stab/moter/{meeting.pk}/"))
    assert f'action="/stab/moter/{meeting.pk}/flytt/"' in body
    assert f'action="/stab/moter/{meeting.pk}/avlys/"' in body
    assert ">Loftet</option>" in body
    assert f'href="/stab/grupper/{group.pk}/moter/?vis=alle#meeting-{meeting.pk}"' in body


def test_a_held_or_cancelled_meeting_offers_no_changes(staff_1_client, centre_1, room):
    group = GroupFactory(centre=centre_1, room=room, start_date=date(2026, 12, 17), weekday=3)
    meeting = group.meetings.order_by("starts_at").first()
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled")
    body = text(staff_1_client.get(f"/stab/moter/{meeting.pk}/"))
    assert "/flytt/" not in body
    assert "kan ikke lenger endres" in body


def test_another_centres_meeting_page_is_not_found(staff_1_client, centre_2):
    group = GroupFactory(centre=centre_2, start_date=date(2026, 12, 17), weekday=3)
    meeting = group.meetings.first()
    assert staff_1_client.get(f"/stab/moter/{meeting.pk}/").status_code == 404


# --- The tabs ------------------------------------------------------------------------------


def tabs_of(body: str) -> list[tuple[str, str, bool]]:
    nav = re.search(r'<ul class="nav nav-tabs group-tabs">(.*?)</ul>', body, re.S).group(1)
    return [
        (href, plain(label), "aria-current" in attrs)
        for href, attrs, label in re.findall(r'href="([^"]+)"([^>]*)>(.*?)</a>', nav, re.S)
    ]


@pytest.mark.parametrize(
    ("tab", "current"),
    [
        ("", "Oversikt"),
        ("moter/", "Møter"),
        ("kandidater/", "Kandidater"),
        ("igangsettere/", "Igangsettere"),
    ],
)
def test_every_page_of_a_group_shows_its_tabs_and_which_is_open(
    staff_1_client, group, tab, current
):
    body = text(staff_1_client.get(f"{page_of(group)}{tab}"))

    base = page_of(group)
    assert tabs_of(body) == [
        (base, "Oversikt", current == "Oversikt"),
        (f"{base}moter/", "Møter", current == "Møter"),
        (f"{base}kandidater/", "Kandidater", current == "Kandidater"),
        (f"{base}igangsettere/", "Igangsettere", current == "Igangsettere"),
    ]
    assert '<h1 class="mb-0 me-2">Mandagsgruppa</h1>' in body


def test_an_ended_group_has_no_candidates_tab_and_an_unknown_tab_is_not_found(
    staff_1_client, centre_1
):
    group = GroupFactory(centre=centre_1, start_date=MONDAY, status="ended")

    labels = [label for _href, label, _current in tabs_of(text(staff_1_client.get(page_of(group))))]

    assert labels == ["Oversikt", "Møter", "Igangsettere"]
    assert staff_1_client.get(f"{page_of(group)}ukjent/").status_code == 404
