"""Proposed new groups (/stab/grupper/forslag/): made from the whole waiting list, adjusted by
staff, and accepted in one step (groups.proposals)."""

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from groups import proposals, services
from groups.models import Group, Meeting, Offer
from intake.enums import Area
from intake.models import Application
from selvhjelp.models import AuditEvent, Centre, Notification, Theme
from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    RoomFactory,
    StaffMembershipFactory,
)
from tests.fetching import no_lazy_loads
from tests.privacy import assert_marker_absent

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)  # a Thursday; groups start from 15 October
PAGE = "/stab/grupper/forslag/"
MARKER = "Hemmelig-tekst-5519"


@pytest.fixture(autouse=True)
def frozen():
    # Services name groups in the active language: Norwegian, as on an unprefixed page.
    with time_machine.travel(NOW, tick=False), translation.override("nb"):
        yield


def waiting(centre, name, *, slots, age=40, gender="unspecified", weeks=1, **kwargs):
    first, last = name.split()
    return ApplicationFactory(
        centre=centre,
        status="waiting",
        first_name=first,
        last_name=last,
        availability=slots,
        age=age,
        gender=gender,
        applied_at=timezone.now() - timedelta(weeks=weeks),
        **kwargs,
    )


@pytest.fixture
def rooms(centre_1):
    return {
        "Loftet": RoomFactory(centre=centre_1, name="Loftet"),
        "Peisestua": RoomFactory(centre=centre_1, name="Peisestua"),
    }


@pytest.fixture
def people(centre_1, rooms):
    """Five who can meet on Monday daytime, nine on Tuesday evening, one on Saturdays."""
    cast = {}
    for n, (name, age, gender) in enumerate(
        [
            ("Berit Aas", 62, "woman"),
            ("Arne Berg", 66, "man"),
            ("Grete Dahl", 70, "woman"),
            ("Odd Eide", 64, "man"),
            ("Randi Foss", 68, "woman"),
        ]
    ):
        cast[name] = waiting(
            centre_1, name, slots=["mon-day"], age=age, gender=gender, weeks=10 + n
        )
    for n, (name, age, gender) in enumerate(
        [
            ("Anne Lie", 31, "woman"),
            ("Jon Moe", 33, "man"),
            ("Kari Nes", 35, "woman"),
            ("Lars Ruud", 37, "man"),
            ("Mia Sand", 39, "woman"),
            ("Nils Tveit", 41, "man"),
            ("Ole Vik", 34, "man"),
            ("Pia Wold", 36, "woman"),
        ]
    ):
        cast[name] = waiting(
            centre_1, name, slots=["tue-evening"], age=age, gender=gender, weeks=9 - n
        )
    cast["Siv Ask"] = waiting(centre_1, "Siv Ask", slots=["tue-evening"], age=32, weeks=0)
    cast["Tone Ulv"] = waiting(centre_1, "Tone Ulv", slots=["sat-day"], weeks=4)
    return cast


def ids(people, *names) -> list[int]:
    return sorted(people[name].pk for name in names)


MONDAY_GROUP = ["Arne Berg", "Berit Aas", "Grete Dahl", "Odd Eide", "Randi Foss"]
TUESDAY_GROUP = [
    "Anne Lie",
    "Jon Moe",
    "Kari Nes",
    "Lars Ruud",
    "Mia Sand",
    "Nils Tveit",
    "Ole Vik",
    "Pia Wold",
]


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def table_rows(body: str, css_class: str) -> list[list[str]]:
    found = []
    for table in re.findall(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', body, re.S):
        tbody = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
        found.append(
            [
                [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
            ]
        )
    return found


def form_data(response, action="accept") -> dict:
    """The page's form as a browser would post it, untouched."""
    formset = response.context["formset"]
    data = {
        "centre": response.context["centre"].slug,
        "action": action,
        "g-TOTAL_FORMS": str(len(formset.forms)),
        "g-INITIAL_FORMS": str(formset.initial_form_count()),
        "g-MIN_NUM_FORMS": "0",
        "g-MAX_NUM_FORMS": "30",
    }
    for n, form in enumerate(formset.forms):
        initial = form.initial
        data.update(
            {
                f"g-{n}-name": initial["name"],
                f"g-{n}-theme": initial["theme"],
                f"g-{n}-weekday": str(initial["weekday"]),
                f"g-{n}-start_time": initial["start_time"].strftime("%H:%M"),
                f"g-{n}-start_date": initial["start_date"].isoformat(),
                f"g-{n}-room": str(initial["room"]),
                f"g-{n}-members": [str(pk) for pk in initial["members"]],
                f"g-{n}-add": "",
            }
        )
    return data


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def nothing_saved():
    assert Group.objects.count() == 0
    assert Meeting.objects.count() == 0
    assert Offer.objects.count() == 0
    assert Notification.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=["group.created", "offer.made"]).exists()
    assert set(Application.objects.values_list("status", flat=True)) == {"waiting"}


# --- The proposal ----------------------------------------------------------------------------


def test_the_proposal_from_a_crafted_waiting_list(centre_1, rooms, people):
    proposal = proposals.propose_for(centre_1)

    shown = [
        (
            plan.name,
            plan.weekday,
            plan.start_time,
            plan.start_date,
            plan.room.name,
            plan.theme,
            plan.member_ids,
        )
        for plan in proposal.plans
    ]
    assert shown == [
        (
            "Mandagsgruppa oktober 2026",
            0,
            time(11, 0),
            date(2026, 10, 19),
            "Loftet",
            None,
            ids(people, *MONDAY_GROUP),
        ),
        (
            "Tirsdagsgruppa oktober 2026",
            1,
            time(18, 0),
            date(2026, 10, 20),
            "Loftet",
            None,
            ids(people, *TUESDAY_GROUP),
        ),
    ]
    assert [(a.first_name, reason) for a, reason in proposal.left_out] == [
        ("Tone", "no_people"),
        ("Siv", "not_chosen"),
    ]


def test_groups_start_at_the_time_the_centres_groups_usually_use(centre_1, rooms, people):
    GroupFactory(centre=centre_1, weekday=4, start_time=time(17, 30), status="ended")
    GroupFactory(centre=centre_1, weekday=3, start_time=time(10, 15))

    plans = proposals.propose_for(centre_1).plans

    assert [(plan.weekday, plan.start_time) for plan in plans] == [
        (0, time(10, 15)),
        (1, time(17, 30)),
    ]


def test_a_theme_group_is_proposed_when_enough_asked_for_it(centre_1, rooms):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    wished = [
        waiting(centre_1, f"Sorg {n}", slots=["thu-evening"], theme=theme, weeks=n)
        for n in range(5)
    ]
    mixed = [waiting(centre_1, f"Blandet {n}", slots=["thu-evening"], weeks=n) for n in range(2)]

    (plan,) = proposals.propose_for(centre_1).plans

    assert (plan.name, plan.theme, plan.weekday, plan.start_date) == (
        "Sorggruppe torsdag oktober 2026",
        theme,
        3,
        date(2026, 10, 15),
    )
    assert plan.member_ids == sorted(person.pk for person in wished + mixed)


def test_people_whose_times_have_no_free_room_are_told_so(staff_1_client, centre_1, rooms):
    for room in rooms.values():
        GroupFactory(centre=centre_1, room=room, weekday=2, start_time=time(18, 0))
    for n in range(5):
        waiting(centre_1, f"Onsdag {n}", slots=["wed-evening"], weeks=n)

    proposal = proposals.propose_for(centre_1)
    body = staff_1_client.get(PAGE).content.decode()

    assert proposal.plans == []
    assert {reason for _person, reason in proposal.left_out} == {"no_room"}
    assert "Ventelisten gir ikke grunnlag for noen ny gruppe akkurat nå." in plain(body)
    (rows,) = table_rows(body, "left-out")
    assert [row[0] for row in rows] == [f"Onsdag {n}" for n in (4, 3, 2, 1, 0)]
    assert {row[4] for row in rows} == {"Ingen rom er ledige på tidspunktene de kan møtes."}


def test_a_suggested_name_already_in_use_gets_a_number(centre_1, rooms, people):
    GroupFactory(centre=centre_1, name="Mandagsgruppa oktober 2026", weekday=4)

    names = [plan.name for plan in proposals.propose_for(centre_1).plans]

    assert names == ["Mandagsgruppa oktober 2026 (2)", "Tirsdagsgruppa oktober 2026"]


# --- The page --------------------------------------------------------------------------------


def test_the_page_shows_each_group_its_people_and_who_is_left_out(
    staff_1_client, centre_1, rooms, people
):
    response = staff_1_client.get(PAGE)
    body = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = plain(body)
    assert "15 personer venter på gruppe ved Selvhjelpshuset Nord." in text
    assert "Forslaget gir 13 av dem tilbud om plass." in text
    assert "Gruppe 1: mandag dagtid" in text
    assert (
        "Personer 5 (en gruppe trenger 5 til 8) Alder 62 til 70 år (et spenn på 8 år) "
        "Kvinner og menn Kvinner: 3 · Menn: 2 Blanding 0 ulike områder å jobbe med"
    ) in text
    monday, tuesday = table_rows(body, "proposal-members")
    assert [row[1:] for row in monday] == [
        ["Berit Aas", "62", "Kvinne", "10 uker"],
        ["Arne Berg", "66", "Mann", "11 uker"],
        ["Grete Dahl", "70", "Kvinne", "12 uker"],
        ["Odd Eide", "64", "Mann", "13 uker"],
        ["Randi Foss", "68", "Kvinne", "14 uker"],
    ]
    assert [row[1] for row in tuesday] == TUESDAY_GROUP
    (left_out,) = table_rows(body, "left-out")
    assert left_out == [
        [
            "Tone Ulv",
            "40",
            "Vil ikke oppgi",
            "4 uker",
            "Ingen av tidspunktene de kan møtes, har nok personer som venter.",
        ],
        [
            "Siv Ask",
            "32",
            "Vil ikke oppgi",
            "0 uker",
            "En gruppe møtes på et av tidspunktene deres, men den er full eller andre har "
            "ventet lenger.",
        ],
    ]
    # Siv can be added to the Tuesday group, nobody to the Monday group.
    options = re.findall(r'<option value="(\d+)">', body)
    assert options.count(str(people["Siv Ask"].pk)) == 1
    assert "Ingen andre på ventelisten kan møtes på dette tidspunktet" in body


def test_the_nav_links_to_the_proposals(staff_1_client, rooms):
    body = staff_1_client.get("/stab/grupper/").content.decode()

    assert f'<a href="{PAGE}">Gruppeforslag</a>' in body


def test_an_empty_waiting_list_proposes_nothing(staff_1_client, rooms):
    body = plain(staff_1_client.get(PAGE).content.decode())

    assert "0 personer venter på gruppe ved Selvhjelpshuset Nord." in body
    assert "Ventelisten gir ikke grunnlag for noen ny gruppe akkurat nå." in body
    assert "Alle som venter, har plass i en foreslått gruppe." in body


# --- Accepting -------------------------------------------------------------------------------


def test_accepting_creates_the_groups_meetings_and_offers(
    staff_1_client, staff_1, centre_1, rooms, people
):
    response = staff_1_client.post(PAGE, form_data(staff_1_client.get(PAGE)))

    assert response.status_code == 302
    assert response.url == "/stab/grupper/"
    assert [str(m) for m in staff_1_client.get(response.url).context["messages"]] == [
        "2 grupper ble opprettet: Mandagsgruppa oktober 2026, Tirsdagsgruppa oktober 2026. "
        "13 personer har fått tilbud om plass og svarer på sin egen side."
    ]
    groups = list(Group.objects.order_by("weekday"))
    assert [
        (g.name, g.status, g.weekday, g.start_time, g.start_date, g.room.name, g.theme)
        for g in groups
    ] == [
        (
            "Mandagsgruppa oktober 2026",
            "forming",
            0,
            time(11, 0),
            date(2026, 10, 19),
            "Loftet",
            None,
        ),
        (
            "Tirsdagsgruppa oktober 2026",
            "forming",
            1,
            time(18, 0),
            date(2026, 10, 20),
            "Loftet",
            None,
        ),
    ]
    assert [group.meetings.count() for group in groups] == [27, 27]
    for group, names in zip(groups, [MONDAY_GROUP, TUESDAY_GROUP], strict=True):
        offers = group.offers.all()
        assert sorted(offer.application_id for offer in offers) == ids(people, *names)
        assert {(offer.status, offer.created_by) for offer in offers} == {("open", staff_1)}
    assert Notification.objects.filter(kind="groups.offer", state="pending").count() == 13
    statuses = {a.first_name: a.status for a in Application.objects.all()}
    assert statuses == {
        **{name.split()[0]: "offered" for name in MONDAY_GROUP + TUESDAY_GROUP},
        "Siv": "waiting",
        "Tone": "waiting",
    }


def test_a_failure_in_the_middle_leaves_nothing_behind(
    staff_1_client, centre_1, rooms, people, monkeypatch
):
    data = form_data(staff_1_client.get(PAGE))
    place, calls = services.place_applicant, []

    def failing(group, application, **kwargs):
        calls.append(application.pk)
        if len(calls) == 8:  # in the second group, after the first group was made
            raise services.GroupFull(count=8, max=8)
        return place(group, application, **kwargs)

    monkeypatch.setattr(services, "place_applicant", failing)
    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "Ingenting ble lagret: Gruppa er full: 8 av 8 plasser er tatt eller tilbudt."
    ]
    assert len(calls) == 8
    nothing_saved()


def test_accepting_refuses_someone_placed_in_the_meantime(
    staff_1_client, staff_1, centre_1, rooms, people
):
    data = form_data(staff_1_client.get(PAGE))
    other = GroupFactory(centre=centre_1, weekday=1, start_time=time(18, 0), name="Annen gruppe")
    services.place_applicant(other, people["Kari Nes"], staff=staff_1)

    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "Ingenting ble lagret. Se på det som er merket nedenfor, endre det og sjekk på nytt."
    ]
    assert (
        "Venter ikke lenger på gruppe (de kan ha fått tilbud om plass i mellomtiden): Kari Nes. "
        "Ta dem ut og sjekk på nytt."
    ) in plain(response.content.decode())
    assert list(Group.objects.values_list("name", flat=True)) == ["Annen gruppe"]
    assert Offer.objects.count() == 1


def test_the_service_refuses_a_stale_proposal_as_a_whole(centre_1, staff_1, rooms, people):
    plans = proposals.propose_for(centre_1).plans
    Application.objects.filter(pk=people["Ole Vik"].pk).update(status="in_dialogue")

    with pytest.raises(proposals.ProposalStale) as refused:
        proposals.accept_proposal(centre_1, groups=plans, staff=staff_1)

    assert str(refused.value) == (
        "Ole Vik venter ikke lenger på gruppe. Noen kan ha tilbudt plass i mellomtiden."
    )
    assert Group.objects.count() == 0
    assert Offer.objects.count() == 0


def test_the_service_refuses_someone_who_cannot_meet(centre_1, staff_1, rooms, people):
    (monday, tuesday) = proposals.propose_for(centre_1).plans
    monday.member_ids = [*monday.member_ids, people["Anne Lie"].pk]
    tuesday.member_ids.remove(people["Anne Lie"].pk)

    with pytest.raises(proposals.CannotMeet) as refused:
        proposals.accept_proposal(centre_1, groups=[monday, tuesday], staff=staff_1)

    assert str(refused.value) == "Anne Lie kan ikke møtes mandag dagtid."
    assert Group.objects.count() == 0


# --- Adjusting -------------------------------------------------------------------------------


def test_staff_remove_someone_check_and_accept(staff_1_client, centre_1, rooms, people):
    data = form_data(staff_1_client.get(PAGE), action="check")
    data["g-1-members"].remove(str(people["Ole Vik"].pk))

    checked = staff_1_client.post(PAGE, data)

    assert checked.status_code == 200
    assert shown_messages(checked) == ["Alt stemmer. Godta gruppene når du er klar."]
    body = checked.content.decode()
    assert (
        "Med dine endringer: 12. "
        "Sammenlignet med forslaget: endringene dine gir plass til færre personer."
    ) in plain(body)
    (left_out,) = table_rows(body, "left-out")
    assert [(row[0], row[4]) for row in left_out] == [
        ("Tone Ulv", "Ingen av tidspunktene de kan møtes, har nok personer som venter."),
        ("Ole Vik", "Tatt ut av de foreslåtte gruppene."),
        (
            "Siv Ask",
            "En gruppe møtes på et av tidspunktene deres, men den er full eller andre har "
            "ventet lenger.",
        ),
    ]
    assert Group.objects.count() == 0

    accepted = staff_1_client.post(PAGE, {**data, "action": "accept"})

    assert accepted.status_code == 302
    tuesday = Group.objects.get(weekday=1)
    names = sorted(tuesday.offers.values_list("application__first_name", flat=True))
    assert names == ["Anne", "Jon", "Kari", "Lars", "Mia", "Nils", "Pia"]


def test_checking_the_proposal_untouched_says_it_meets_the_goals(
    staff_1_client, centre_1, rooms, people
):
    checked = staff_1_client.post(PAGE, form_data(staff_1_client.get(PAGE), action="check"))

    assert shown_messages(checked) == ["Alt stemmer. Godta gruppene når du er klar."]
    assert "Endringene dine oppfyller målene like godt som forslaget." in plain(
        checked.content.decode()
    )
    assert Group.objects.count() == 0


def test_a_group_below_the_minimum_can_be_made_with_a_warning(
    staff_1_client, centre_1, rooms, people
):
    data = form_data(staff_1_client.get(PAGE), action="check")
    data["g-0-members"] = data["g-0-members"][:2]

    checked = staff_1_client.post(PAGE, data)

    assert shown_messages(checked) == ["Alt stemmer. Godta gruppene når du er klar."]
    assert (
        "En gruppe har færre enn 5 personer. Den kan opprettes, men trenger flere før den "
        "kan starte."
    ) in plain(checked.content.decode())
    staff_1_client.post(PAGE, {**data, "action": "accept"})
    assert Group.objects.get(weekday=0).offers.count() == 2


def test_staff_swap_someone_in_with_the_add_field(staff_1_client, centre_1, rooms, people):
    data = form_data(staff_1_client.get(PAGE), action="check")
    data["g-1-members"].remove(str(people["Pia Wold"].pk))
    data["g-1-add"] = str(people["Siv Ask"].pk)

    checked = staff_1_client.post(PAGE, data)

    assert shown_messages(checked) == ["Alt stemmer. Godta gruppene når du er klar."]
    assert (
        "Sammenlignet med forslaget: endringene dine gir plass til dem som har ventet kortere."
        in plain(checked.content.decode())
    )
    _monday, tuesday = table_rows(checked.content.decode(), "proposal-members")
    assert [row[1] for row in tuesday] == [*TUESDAY_GROUP[:-1], "Siv Ask"]

    staff_1_client.post(PAGE, {**data, "action": "accept"})

    offered = Offer.objects.filter(group__weekday=1).values_list("application", flat=True)
    assert sorted(offered) == ids(people, *TUESDAY_GROUP[:-1], "Siv Ask")
    assert Application.objects.get(pk=people["Pia Wold"].pk).status == "waiting"


def test_staff_change_the_time_room_date_and_name(staff_1_client, centre_1, rooms, people):
    data = form_data(staff_1_client.get(PAGE))
    data.update(
        {
            "g-0-name": "Mandagstreffet",
            "g-0-start_time": "13:00",
            "g-0-start_date": "2026-11-02",
            "g-0-room": str(rooms["Peisestua"].pk),
        }
    )

    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 302
    group = Group.objects.get(weekday=0)
    assert (group.name, group.start_time, group.start_date, group.room) == (
        "Mandagstreffet",
        time(13, 0),
        date(2026, 11, 2),
        rooms["Peisestua"],
    )
    assert group.meetings.order_by("starts_at").first().starts_at == datetime(
        2026, 11, 2, 13, 0, tzinfo=OSLO
    )


def test_staff_move_a_group_to_another_day_everyone_can_meet(staff_1_client, centre_1, rooms):
    people = [
        waiting(centre_1, f"Person {n}", slots=["mon-day", "fri-day"], weeks=n) for n in range(5)
    ]
    data = form_data(staff_1_client.get(PAGE))
    weekday = 4 if data["g-0-weekday"] == "0" else 0
    data["g-0-weekday"] = str(weekday)
    data["g-0-start_date"] = "2026-10-23" if weekday == 4 else "2026-10-19"

    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 302
    group = Group.objects.get()
    assert (group.weekday, group.offers.count()) == (weekday, len(people))


def test_staff_leave_a_group_out(staff_1_client, centre_1, rooms, people):
    data = form_data(staff_1_client.get(PAGE))
    data["g-0-drop"] = "on"
    data["g-0-weekday"] = "garbage"  # a group left out is not checked

    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 302
    assert list(Group.objects.values_list("name", flat=True)) == ["Tirsdagsgruppa oktober 2026"]


def test_leaving_every_group_out_saves_nothing(staff_1_client, centre_1, rooms, people):
    data = form_data(staff_1_client.get(PAGE))
    data["g-0-drop"] = data["g-1-drop"] = "on"

    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 200
    assert shown_messages(response) == ["Ingenting ble lagret: alle gruppene var valgt bort."]
    nothing_saved()


# --- Hostile and broken posts ----------------------------------------------------------------


def _post_changed(client, changes: dict):
    data = form_data(client.get(PAGE))
    data.update(changes)
    return client.post(PAGE, data)


def test_someone_who_cannot_meet_at_the_time_is_refused(staff_1_client, centre_1, rooms, people):
    response = _post_changed(staff_1_client, {"g-1-add": str(people["Tone Ulv"].pk)})

    assert response.status_code == 200
    assert "Kan ikke møtes tirsdag kveld: Tone Ulv." in plain(response.content.decode())
    nothing_saved()


def test_the_same_person_in_two_groups_is_refused(staff_1_client, centre_1, rooms, people):
    data = form_data(staff_1_client.get(PAGE))
    # Both groups on Tuesday evening, in different rooms, with Anne in both.
    data.update(
        {
            "g-0-weekday": "1",
            "g-0-start_time": "18:00",
            "g-0-start_date": "2026-10-20",
            "g-0-room": str(rooms["Peisestua"].pk),
            "g-0-members": [str(people["Anne Lie"].pk)],
        }
    )

    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 200
    assert "Står i mer enn én gruppe: Anne Lie. La hver person være i én gruppe." in plain(
        response.content.decode()
    )
    nothing_saved()


def test_two_groups_in_one_room_at_the_same_time_are_refused(
    staff_1_client, centre_1, rooms, people
):
    response = _post_changed(
        staff_1_client,
        {
            "g-0-weekday": "1",
            "g-0-start_time": "19:00",
            "g-0-start_date": "2026-10-20",
            "g-0-members": [str(people["Siv Ask"].pk)],
        },
    )

    assert response.status_code == 200
    text = plain(response.content.decode())
    assert "Loftet er booket av «Mandagsgruppa oktober 2026» 20.10.2026 19:00." in text
    nothing_saved()


def test_a_room_booked_by_an_existing_group_is_refused(staff_1_client, centre_1, rooms, people):
    GroupFactory(
        centre=centre_1,
        name="Kveldsgruppa",
        room=rooms["Peisestua"],
        weekday=1,
        start_time=time(18, 30),
        start_date=date(2026, 10, 6),
    )
    response = _post_changed(staff_1_client, {"g-1-room": str(rooms["Peisestua"].pk)})

    assert response.status_code == 200
    assert "Peisestua er booket av «Kveldsgruppa» 20.10.2026 18:30." in plain(
        response.content.decode()
    )
    assert list(Group.objects.values_list("name", flat=True)) == ["Kveldsgruppa"]


def test_another_centres_person_is_refused(staff_1_client, centre_1, centre_2, rooms, people):
    stranger = waiting(centre_2, "Sør Person", slots=["tue-evening"])
    data = form_data(staff_1_client.get(PAGE))
    data["g-1-members"] = [*data["g-1-members"][:7], str(stranger.pk)]

    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 200
    assert "Velg personer fra senterets venteliste." in plain(response.content.decode())
    assert Group.objects.count() == 0
    assert Offer.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"g-1-members": ["abc"]}, "Velg personer fra senterets venteliste."),
        ({"g-1-members": ["²"]}, "Velg personer fra senterets venteliste."),
        ({"g-1-add": "99999999"}, "Velg en person fra ventelisten."),
        ({"g-1-weekday": "9"}, "Velg hvilken ukedag gruppa møtes."),
        (
            {"g-1-start_time": "25:99"},
            "Skriv klokkeslettet som timer:minutter, for eksempel 18:00.",
        ),
        ({"g-1-start_date": "i morgen"}, "Skriv datoen som dag.måned.år, for eksempel 24.11.2026."),
        (
            {"g-1-start_date": "2026-10-21"},
            "21.10.2026 er en onsdag. Det første møtet må være på gruppas ukedag, tirsdag.",
        ),
        ({"g-1-start_date": "2026-09-29"}, "Det første møtet kan ikke være tilbake i tid."),
        ({"g-1-room": "abc"}, "Velg ett av senterets rom."),
        ({"g-1-name": "  "}, "Gi gruppa et navn."),
        ({"g-1-members": []}, "Velg minst én person, eller la være å opprette gruppa."),
        ({"g-TOTAL_FORMS": "31"}, "Vennligst send inn maks 30 skjemaer."),
    ],
)
def test_broken_posts_save_nothing_and_say_why(
    staff_1_client, centre_1, rooms, people, changes, message
):
    response = _post_changed(staff_1_client, changes)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "Ingenting ble lagret. Se på det som er merket nedenfor, endre det og sjekk på nytt."
    ]
    assert message in plain(response.content.decode())
    nothing_saved()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "accept", "g-0-name": "X"},
        {"action": "accept", "g-TOTAL_FORMS": "x", "g-INITIAL_FORMS": "0"},
    ],
)
def test_a_post_without_the_page_form_shows_the_proposal_again(
    staff_1_client, centre_1, rooms, people, data
):
    response = staff_1_client.post(PAGE, data)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "Ingenting ble lagret. Se på det som er merket nedenfor, endre det og sjekk på nytt."
    ]
    assert response.context["formset"].is_bound is False
    assert len(table_rows(response.content.decode(), "proposal-members")) == 2
    nothing_saved()


def test_a_name_already_in_use_is_refused(staff_1_client, centre_1, rooms, people):
    GroupFactory(centre=centre_1, name="Onsdagsgruppa", weekday=2)

    response = _post_changed(staff_1_client, {"g-0-name": "onsdagsgruppa"})

    assert response.status_code == 200
    assert "Senteret har allerede en gruppe som heter «onsdagsgruppa»." in plain(
        response.content.decode()
    )


# --- Who sees what ---------------------------------------------------------------------------


def test_another_centres_staff_can_neither_see_nor_accept(
    client, staff_2, centre_1, centre_2, rooms, people
):
    client.force_login(staff_2)

    assert client.get(f"{PAGE}?centre={centre_1.slug}").status_code == 404
    own = client.get(PAGE)
    assert own.context["centre"] == centre_2
    assert "Berit" not in own.content.decode()

    staff_1 = StaffMembershipFactory(centre=centre_1).user
    other = client.__class__()
    other.force_login(staff_1)
    data = form_data(other.get(PAGE))
    assert client.post(PAGE, data).status_code == 404
    nothing_saved()


def test_staff_of_two_centres_choose_the_centre(client, centre_1, centre_2, rooms, people):
    user = StaffMembershipFactory(centre=centre_1).user
    StaffMembershipFactory(centre=centre_2, user=user)
    waiting(centre_2, "Sør Person", slots=["sat-day"])
    client.force_login(user)

    first = client.get(PAGE)
    second = client.get(f"{PAGE}?centre={centre_2.slug}")

    assert first.context["centre"] == centre_1
    selector = re.search(r'<select[^>]*name="centre".*?</select>', first.content.decode(), re.S)
    assert re.findall(r'<option value="([a-z]+)"( selected)?>', selector.group(0)) == [
        ("nord", " selected"),
        ("sor", ""),
    ]
    assert second.context["centre"] == centre_2
    assert "Sør Person" in plain(second.content.decode())
    assert "Berit Aas" not in second.content.decode()


def test_the_page_never_shows_what_people_want_to_work_on(staff_1_client, centre_1, rooms, caplog):
    every = [area.value for area in Area]
    for n in range(6):
        waiting(centre_1, f"Person {n}", slots=["tue-evening"], areas=every, about=MARKER)
    response = staff_1_client.get(PAGE)
    checked = staff_1_client.post(PAGE, form_data(response, action="check"))
    staff_1_client.post(PAGE, form_data(response))

    assert Group.objects.count() == 1
    for body in [response.content.decode(), checked.content.decode()]:
        assert MARKER not in body
        with translation.override("nb"):
            for area in Area:
                assert str(area.label) not in body
    assert_marker_absent(MARKER, caplog)


def test_the_page_makes_the_same_queries_for_one_waiting_person_as_for_sixty(
    staff_1_client, centre_1, rooms
):
    GroupFactory(centre=centre_1, room=rooms["Loftet"], weekday=2)
    waiting(centre_1, "En Person", slots=["mon-day"])
    with CaptureQueriesContext(connection) as one:
        assert staff_1_client.get(PAGE).status_code == 200

    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    slots = ["mon-day", "tue-evening", "wed-evening", "thu-day", "sat-day"]
    for n in range(59):
        waiting(
            centre_1,
            f"Person {n}",
            slots=[slots[n % 5], slots[(n + 2) % 5]],
            age=20 + n,
            gender=["woman", "man", "other"][n % 3],
            weeks=n % 17,
            areas=[Area.values[n % 11]],
            theme=theme if n % 6 == 0 else None,
        )
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        response = staff_1_client.get(PAGE)

    # Many groups and people on the page (how many exactly is the matcher's business).
    shown = sum(row["facts"]["size"] for row in response.context["rows"])
    assert shown == response.context["proposed_count"] >= 56
    assert len(many) == len(one)


# --- The demo --------------------------------------------------------------------------------


def test_the_demo_waiting_list_gives_a_sensible_proposal(settings):
    settings.DEBUG = True
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=OSLO), tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        proposal = proposals.propose_for(Centre.objects.get(slug="demo"))

    def names(pks):
        return sorted(Application.objects.filter(pk__in=pks).values_list("first_name", flat=True))

    assert [(plan.name, plan.room.name, names(plan.member_ids)) for plan in proposal.plans] == [
        (
            "Mandagsgruppa desember 2026",
            "Peisestua",
            ["Arne", "Bjørg", "Hanne", "Knut", "Solveig"],
        ),
        (
            "Onsdagsgruppa desember 2026",
            "Peisestua",
            ["Anders", "Camilla", "Espen", "Ida", "Jon", "Magnus", "Sara", "Thea"],
        ),
    ]
    assert [(a.first_name, reason) for a, reason in proposal.left_out] == [
        ("Vilde", "no_people"),
        ("Eirik", "no_people"),
        ("Sigrid", "no_people"),
        ("Mona", "not_chosen"),
    ]


def test_the_page_works_in_english(staff_1_client, centre_1, rooms, people):
    response = staff_1_client.get(f"/en{PAGE}")
    data = form_data(response, action="check")
    data["g-1-members"].remove(str(people["Ole Vik"].pk))
    checked = staff_1_client.post(f"/en{PAGE}", data)

    text = plain(checked.content.decode())
    assert "Group 1: Monday daytime" in plain(response.content.decode())
    assert (
        "With your changes: 12. Compared with the proposal, your changes place fewer people."
    ) in text
    assert "Taken out of the proposed groups." in text
