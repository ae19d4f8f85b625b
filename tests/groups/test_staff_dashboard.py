"""The groups section on the staff overview (/stab/)."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    StaffMembershipFactory,
)
from tests.fetching import no_lazy_loads

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def section_of(response) -> str:
    body = response.content.decode()
    return re.search(r'<section class="groups-dashboard.*?</section>', body, re.S).group(0)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def by_id(html: str, element_id: str) -> str:
    return plain(re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|ul)>', html, re.S).group(1))


def rows(html: str, css_class: str) -> list[list[str]]:
    table = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', html, re.S)
    tbody = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S).group(1)
    return [
        [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]


def applied(centre, weeks: int, **kwargs):
    # In UTC: Oslo wall-clock arithmetic would add an hour across a daylight-saving change.
    moment = NOW.astimezone(UTC) - timedelta(weeks=weeks, hours=1)
    return ApplicationFactory(centre=centre, applied_at=moment, **kwargs)


def test_the_waiting_list_size_and_waiting_times(staff_1_client, centre_1, centre_2):
    for weeks, status in [(2, "received"), (4, "waiting"), (9, "in_dialogue"), (20, "waiting")]:
        applied(centre_1, weeks, status=status)
    applied(centre_1, 40, status="placed")
    applied(centre_2, 60, status="waiting")

    html = section_of(staff_1_client.get("/stab/"))

    assert by_id(html, "dashboard-waiting") == "4 åpne søknader (2 klare for en gruppe)"
    # The median of 2, 4, 9 and 20 weeks is 6.5 weeks; the longest is 20 weeks.
    assert by_id(html, "dashboard-wait-times") == (
        "Halvparten har ventet 6 uker eller mer. Den som har ventet lengst, har ventet 20 uker."
    )


def test_an_empty_waiting_list(staff_1_client):
    html = section_of(staff_1_client.get("/stab/"))

    assert by_id(html, "dashboard-waiting") == "0 åpne søknader (0 klare for en gruppe)"
    assert 'id="dashboard-wait-times"' not in html
    assert "Alle gruppene har nok deltakere." in html


def test_groups_forming_and_started_with_those_that_need_attention(
    staff_1_client, centre_1, centre_2
):
    short = GroupFactory(centre=centre_1, name="Mandagsgruppa", start_date=date(2026, 10, 19))
    MembershipFactory.create_batch(2, group=short)
    OfferFactory(group=short)
    enough = GroupFactory(
        centre=centre_1,
        name="Tirsdagsgruppa",
        weekday=1,
        start_time=time(11, 0),
        start_date=date(2026, 10, 20),
    )
    MembershipFactory.create_batch(4, group=enough)
    OfferFactory(group=enough)
    fragile = GroupFactory(centre=centre_1, name="Onsdagsgruppa", weekday=2, status="started")
    MembershipFactory.create_batch(3, group=fragile)
    steady = GroupFactory(centre=centre_1, name="Torsdagsgruppa", weekday=3, status="restarting")
    MembershipFactory.create_batch(6, group=steady)
    GroupFactory(centre=centre_1, name="Fredagsgruppa", weekday=4, status="ended")
    GroupFactory(centre=centre_2, name="Sørgruppa")

    html = section_of(staff_1_client.get("/stab/"))

    assert by_id(html, "dashboard-groups") == "2 under oppstart, 2 i gang"
    assert by_id(html, "dashboard-attention") == (
        "Mandagsgruppa : for få til å starte (3 av 5, tilbud medregnet) "
        "Onsdagsgruppa : sårbar: færre enn 4 deltakere (nå 3)"
    )
    assert rows(html, "dashboard-forming") == [
        ["Mandagsgruppa", "Mandag 18:00", "19.10.2026", "2", "1", "5"],
        ["Tirsdagsgruppa", "Tirsdag 11:00", "20.10.2026", "4", "1", "3"],
    ]
    running = plain(
        re.search(r'<ul class="columns-list dashboard-running">(.*?)</ul>', html, re.S).group(1)
    )
    assert running == (
        "Torsdagsgruppa torsdag 18:00, 6 deltakere, åpen for nye deltakere "
        "Onsdagsgruppa onsdag 18:00, 3 deltakere"
    )
    assert "Fredagsgruppa" not in html
    assert "Sørgruppa" not in html


def test_opening_and_follow_up_meetings_in_the_next_four_weeks(staff_1_client, centre_1):
    # The follow-up comes after 4 held meetings: for this group 2 November, too late.
    early = GroupFactory(centre=centre_1, name="Tidlig", start_date=date(2026, 10, 5))
    late = GroupFactory(centre=centre_1, name="Sen", weekday=1, start_date=date(2026, 10, 6))
    # Opened in September: its follow-up on 26 October is inside the four weeks.
    started = GroupFactory(
        centre=centre_1, name="Startet", start_date=date(2026, 9, 28), status="started"
    )
    # The four weeks end on 29 October at 09:00: an opening that evening is too late.
    GroupFactory(centre=centre_1, name="Etterpå", weekday=3, start_date=date(2026, 10, 29))
    centre_1.followup_after = 1
    centre_1.save()
    quick = GroupFactory(centre=centre_1, name="Rask", weekday=2, start_date=date(2026, 10, 7))

    html = section_of(staff_1_client.get("/stab/"))

    assert rows(html, "dashboard-upcoming") == [
        ["man 05.10.2026 18:00", "Tidlig", "Første møte", early.room.name],
        ["tir 06.10.2026 18:00", "Sen", "Første møte", late.room.name],
        ["ons 07.10.2026 18:00", "Rask", "Første møte", quick.room.name],
        ["ons 14.10.2026 18:00", "Rask", "Oppfølgingsmøte", quick.room.name],
        ["man 26.10.2026 18:00", "Startet", "Oppfølgingsmøte", started.room.name],
    ]


def test_staff_of_two_centres_see_both_with_the_centre_named(client, staff_1, centre_1, centre_2):
    StaffMembershipFactory(user=staff_1, centre=centre_2)
    GroupFactory(centre=centre_1, name="Nordgruppa", start_date=date(2026, 10, 5))
    GroupFactory(centre=centre_2, name="Sørgruppa", start_date=date(2026, 10, 12))
    client.force_login(staff_1)

    html = section_of(client.get("/stab/"))

    assert [row[0] for row in rows(html, "dashboard-forming")] == ["Nordgruppa", "Sørgruppa"]
    assert [row[-1] for row in rows(html, "dashboard-forming")] == [
        "Selvhjelpshuset Nord",
        "Selvhjelpshuset Sør",
    ]


def test_the_overview_makes_the_same_queries_for_one_group_as_for_many(staff_1_client, centre_1):
    applied(centre_1, 3, status="waiting")
    group = GroupFactory(centre=centre_1, start_date=date(2026, 10, 5))
    MembershipFactory(group=group)
    with CaptureQueriesContext(connection) as one:
        staff_1_client.get("/stab/")

    for weeks in range(2, 9):
        applied(centre_1, weeks, status="waiting")
    for weekday, status in enumerate(["forming", "started", "restarting", "forming", "started"]):
        more = GroupFactory(
            centre=centre_1,
            weekday=weekday,
            status=status,
            start_date=date(2026, 10, 5) + timedelta(days=weekday),
        )
        MembershipFactory.create_batch(2, group=more)
        OfferFactory(group=more)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        html = section_of(staff_1_client.get("/stab/"))

    assert len(rows(html, "dashboard-upcoming")) == 6
    assert len(many) == len(one)
