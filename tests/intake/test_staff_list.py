"""The staff waiting list (/stab/soknader/): own centre only, filters, paging, query count."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.enums import Status
from selvhjelp.models import AuditEvent, Theme
from tests.factories import ApplicationFactory, CentreFactory, StaffMembershipFactory
from tests.fetching import no_lazy_loads

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=OSLO)
URL = "/stab/soknader/"
INVALID = "Noen filtre var ugyldige og er ikke brukt: "


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def listed(response) -> list[int]:
    """The applications in the table, in the order shown."""
    return [int(pk) for pk in re.findall(r'<td><a href="/stab/soknader/(\d+)/">', text(response))]


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def apply(centre, *, days_ago=10, **kwargs):
    # In UTC: Oslo wall-clock arithmetic would add an hour across the change to winter time.
    applied = NOW.astimezone(UTC) - timedelta(days=days_ago)
    return ApplicationFactory(centre=centre, applied_at=applied, **kwargs)


# --- Who sees what -------------------------------------------------------------------------


def test_the_list_shows_the_centres_open_applications_oldest_first(
    frozen, staff_1_client, centre_1, centre_2
):
    newer = apply(centre_1, days_ago=3, first_name="Nyere")
    older = apply(centre_1, days_ago=40, first_name="Eldre")
    middle = apply(centre_1, days_ago=20, first_name="Midt")
    apply(centre_2, days_ago=50, first_name="Annetsenter")

    response = staff_1_client.get(URL)

    assert response.status_code == 200
    assert listed(response) == [older.pk, middle.pk, newer.pk]
    assert "Annetsenter" not in text(response)
    assert '<p id="result-count" role="status">\n    3 søknader\n  </p>' in text(response)
    assert "no-store" in response["Cache-Control"]


def test_newest_first_on_request(frozen, staff_1_client, centre_1):
    older = apply(centre_1, days_ago=40)
    newer = apply(centre_1, days_ago=3)

    assert listed(staff_1_client.get(URL, {"order": "newest"})) == [newer.pk, older.pk]


def test_a_row_shows_name_age_status_date_weeks_availability_group_and_source(
    frozen, staff_1_client, centre_1
):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    application = apply(
        centre_1,
        days_ago=22,
        first_name="Kari",
        last_name="Berg",
        birth_date=date(1980, 5, 1),
        availability=["mon-evening", "thu-day"],
        status=Status.IN_DIALOGUE,
        source="phone",
        theme=theme,
    )

    row = re.search(r"<tr>\s*<td><a href=.*?</tr>", text(staff_1_client.get(URL)), re.S).group(0)
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]

    assert cells == [
        "Kari Berg",
        "46",
        "I dialog",
        "29.10.2026 (3 uker)",
        "man kveld, tor dag",
        "Sorggruppe",
        "På telefon",
    ]
    assert f'href="/stab/soknader/{application.pk}/"' in row


def test_the_list_shows_no_health_data_and_records_no_read(frozen, staff_1_client, centre_1):
    apply(centre_1, about="MARKØR-om-meg", areas=["grief", "anxiety"])

    response = staff_1_client.get(URL)

    assert "MARKØR-om-meg" not in text(response)
    assert AuditEvent.objects.filter(action="application.viewed").count() == 0


def test_listing_by_area_records_a_read_for_each_person_shown_and_not_the_area(
    frozen, staff_1, staff_1_client, centre_1
):
    grieving = [apply(centre_1, days_ago=n, areas=["grief"]) for n in range(52)]
    apply(centre_1, areas=["anxiety"])

    response = staff_1_client.get(URL, {"area": "grief"})

    shown = listed(response)
    assert len(shown) == 50
    events = AuditEvent.objects.filter(action="application.listed_by_area").all
    assert sorted(int(e.object_id) for e in events()) == sorted(shown)
    assert {(e.actor, e.centre, e.object_type, repr(e.detail)) for e in events()} == {
        (staff_1, centre_1, "intake.application", "{}")
    }
    second = staff_1_client.get(URL, {"area": "grief", "page": "2"})
    assert len(listed(second)) == 2, messages_of(second)
    assert events().count() == 52
    assert {int(e.object_id) for e in events()} == {a.pk for a in grieving}
    staff_1_client.get(URL, {"status": "all"})
    assert events().count() == 52  # no area filter, no read of health data
    timeline = staff_1_client.get(f"{URL}{grieving[0].pk}/").content.decode()
    assert "så søknaden i ventelisten filtrert på hva folk vil jobbe med" in timeline


def test_staff_of_several_centres_see_all_of_theirs_and_can_pick_one(
    frozen, staff_1, client, centre_1, centre_2
):
    StaffMembershipFactory(user=staff_1, centre=centre_2)
    third = CentreFactory(slug="vest")
    north = apply(centre_1, days_ago=30)
    south = apply(centre_2, days_ago=20)
    apply(third, days_ago=40)
    client.force_login(staff_1)

    assert listed(client.get(URL)) == [north.pk, south.pk]
    assert listed(client.get(URL, {"centre": "sor"})) == [south.pk]
    response = client.get(URL, {"centre": "vest"})
    assert listed(response) == [north.pk, south.pk]
    assert messages_of(response) == [INVALID + "Senter."]


# --- Filters -------------------------------------------------------------------------------


@pytest.fixture
def by_status(frozen, centre_1):
    return {
        status: apply(centre_1, days_ago=70 - n, status=status)
        for n, status in enumerate(Status.values)
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["received", "in_dialogue", "waiting", "offered"]),
        ({"status": "open"}, ["received", "in_dialogue", "waiting", "offered"]),
        ({"status": "waiting"}, ["waiting"]),
        ({"status": "placed"}, ["placed"]),
        ({"status": "not_suitable"}, ["not_suitable"]),
        ({"status": "inactive"}, ["inactive"]),
        (
            {"status": "all"},
            [
                "received",
                "in_dialogue",
                "waiting",
                "offered",
                "placed",
                "withdrawn",
                "not_suitable",
                "inactive",
            ],
        ),
    ],
)
def test_status_filter(staff_1_client, by_status, query, expected):
    assert listed(staff_1_client.get(URL, query)) == [by_status[s].pk for s in expected]


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        (["mon-evening"], ["monday", "both"]),
        (["thu-day"], ["thursday", "both"]),
        (["mon-evening", "sat-day"], ["monday", "both", "saturday"]),
        (["sun-evening"], []),
    ],
)
def test_availability_filter_matches_any_chosen_slot(
    frozen, staff_1_client, centre_1, slots, expected
):
    made = {
        "monday": apply(centre_1, days_ago=40, availability=["mon-evening"]),
        "thursday": apply(centre_1, days_ago=30, availability=["thu-day"]),
        "both": apply(centre_1, days_ago=20, availability=["mon-evening", "thu-day"]),
        "saturday": apply(centre_1, days_ago=10, availability=["sat-day"]),
    }

    response = staff_1_client.get(URL, {"availability": slots})

    assert listed(response) == [made[name].pk for name in expected]


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("18-29", ["18 today", "29 until tomorrow"]),
        ("30-39", ["30 today", "39"]),
        ("60-69", ["69 until tomorrow"]),
        ("70-", ["70 today", "85"]),
    ],
)
def test_age_band_filter_counts_birthdays_exactly(frozen, staff_1_client, centre_1, band, expected):
    # Today is 20 November 2026.
    birth_dates = {
        "18 today": date(2008, 11, 20),
        "29 until tomorrow": date(1996, 11, 21),
        "30 today": date(1996, 11, 20),
        "39": date(1987, 1, 1),
        "69 until tomorrow": date(1956, 11, 21),
        "70 today": date(1956, 11, 20),
        "85": date(1941, 3, 3),
    }
    made = {
        name: apply(centre_1, days_ago=0, birth_date=born) for name, born in birth_dates.items()
    }

    response = staff_1_client.get(URL, {"age": band})

    assert listed(response) == [made[name].pk for name in expected]


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        ("4", [91, 57, 29]),
        ("8", [91, 57]),
        ("12", [91]),
    ],
)
def test_waiting_time_filter(frozen, staff_1_client, centre_1, weeks, expected):
    made = {days: apply(centre_1, days_ago=days) for days in (91, 57, 29, 28, 3)}

    response = staff_1_client.get(URL, {"waited": weeks})

    assert listed(response) == [made[days].pk for days in expected]


def test_theme_filter(frozen, staff_1_client, centre_1, centre_2):
    grief = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    carers = Theme.objects.create(centre=centre_1, slug="parorende", name="Pårørende")
    mixed = apply(centre_1, days_ago=30)
    in_grief = apply(centre_1, days_ago=20, theme=grief)
    in_carers = apply(centre_1, days_ago=10, theme=carers)

    assert listed(staff_1_client.get(URL, {"theme": "mixed"})) == [mixed.pk]
    assert listed(staff_1_client.get(URL, {"theme": grief.pk})) == [in_grief.pk]
    assert listed(staff_1_client.get(URL, {"theme": carers.pk})) == [in_carers.pk]
    assert listed(staff_1_client.get(URL, {"theme": ""})) == [mixed.pk, in_grief.pk, in_carers.pk]


def test_area_filter(frozen, staff_1_client, centre_1):
    grief = apply(centre_1, days_ago=30, areas=["grief"])
    both = apply(centre_1, days_ago=20, areas=["anxiety", "grief"])
    apply(centre_1, days_ago=10, areas=[])

    assert listed(staff_1_client.get(URL, {"area": "grief"})) == [grief.pk, both.pk]
    assert listed(staff_1_client.get(URL, {"area": "anxiety"})) == [both.pk]
    assert listed(staff_1_client.get(URL, {"area": "carer"})) == []


def test_filters_combine(frozen, staff_1_client, centre_1):
    match = apply(centre_1, days_ago=70, availability=["tue-day"], status=Status.WAITING)
    apply(centre_1, days_ago=70, availability=["tue-day"], status=Status.RECEIVED)
    apply(centre_1, days_ago=10, availability=["tue-day"], status=Status.WAITING)
    apply(centre_1, days_ago=70, availability=["wed-day"], status=Status.WAITING)

    response = staff_1_client.get(
        URL, {"status": "waiting", "availability": "tue-day", "waited": "8"}
    )

    assert listed(response) == [match.pk]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"status": "bogus"}, "Status"),
        ({"availability": "mon-night"}, "Kan møte på minst ett av disse tidspunktene"),
        ({"age": "5-10"}, "Alder"),
        ({"waited": "3"}, "Ventetid"),
        ({"area": "<script>"}, "Vil jobbe med"),
        ({"order": "random"}, "Rekkefølge"),
        ({"status": "x", "age": "y"}, "Status, Alder"),
    ],
)
def test_bad_filter_values_give_a_message_and_the_default_list(
    frozen, staff_1_client, centre_1, query, fields
):
    older = apply(centre_1, days_ago=40)
    newer = apply(centre_1, days_ago=4)

    response = staff_1_client.get(URL, query)

    assert response.status_code == 200
    assert messages_of(response) == [f"{INVALID}{fields}."]
    assert listed(response) == [older.pk, newer.pk]


def test_another_centres_theme_is_not_a_valid_filter(frozen, staff_1_client, centre_1, centre_2):
    theirs = Theme.objects.create(centre=centre_2, slug="sorg", name="Sorggruppe")
    mine = apply(centre_1, days_ago=40)

    response = staff_1_client.get(URL, {"theme": theirs.pk})

    assert messages_of(response) == [INVALID + "Gruppe."]
    assert listed(response) == [mine.pk]


def test_a_bad_page_number_shows_a_page(frozen, staff_1_client, centre_1):
    only = apply(centre_1)

    assert listed(staff_1_client.get(URL, {"page": "abc"})) == [only.pk]
    assert listed(staff_1_client.get(URL, {"page": "99"})) == [only.pk]


# --- Paging and query count ----------------------------------------------------------------


def test_fifty_a_page_and_the_filters_stay_on_the_next_page(frozen, staff_1_client, centre_1):
    made = [apply(centre_1, days_ago=200 - n, availability=["fri-day"]) for n in range(52)]

    first = staff_1_client.get(URL, {"availability": "fri-day"})
    second = staff_1_client.get(URL, {"availability": "fri-day", "page": "2"})

    assert listed(first) == [a.pk for a in made[:50]]
    assert 'href="?availability=fri-day&amp;page=2"' in text(first)
    assert "Side 1 av 2" in text(first)
    assert listed(second) == [a.pk for a in made[50:]]
    assert '<p id="result-count" role="status">\n    52 søknader\n  </p>' in text(second)


def test_the_list_takes_the_same_number_of_queries_for_1_and_50_rows(
    frozen, staff_1_client, centre_1
):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    apply(centre_1, theme=theme)

    def count():
        with CaptureQueriesContext(connection) as queries, no_lazy_loads():
            response = staff_1_client.get(URL, {"status": "all"})
        assert response.status_code == 200
        return len(listed(response)), len(queries)

    one = count()
    for n in range(49):
        apply(centre_1, days_ago=n, theme=theme if n % 2 else None, status=Status.values[n % 7])
    fifty = count()

    # session, user, the staff's centres (the staff check too), themes, count, page; the
    # staff frame shows no public centre, so the site context asks for none
    assert one == (1, 6)
    assert fifty == (50, 6)
