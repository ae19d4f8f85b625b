"""A forming group's candidates (/stab/grupper/<pk>/kandidater/): ranked by fit, with reasons,
and offered places several at once."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.models import Offer
from intake.enums import Area
from selvhjelp.models import Notification, Theme
from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    RoomFactory,
)
from tests.fetching import no_lazy_loads
from tests.privacy import assert_marker_absent

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)
MARKER = "Hemmelig-tekst-7731"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group(centre_1):
    room = RoomFactory(centre=centre_1, name="Peisestua")
    return GroupFactory(centre=centre_1, name="Mandagsgruppa", room=room, start_date=MONDAY)


def page_of(group) -> str:
    return f"/stab/grupper/{group.pk}/kandidater/"


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def table_rows(body: str, css_class: str) -> list[list[str]]:
    table = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', body, re.S)
    tbody = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S).group(1)
    return [
        [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]


def waiting(centre, *, weeks=0, **kwargs):
    kwargs.setdefault("availability", ["mon-evening"])
    applied = timezone.now() - timedelta(weeks=weeks)
    return ApplicationFactory(centre=centre, status="waiting", applied_at=applied, **kwargs)


def messages_after(client, response) -> list[str]:
    assert response.status_code == 302
    return [str(message) for message in client.get(response.url).context["messages"]]


@pytest.fixture
def two_women(group):
    """The group so far: two women of 40 and 44 who want to work on grief and anxiety."""
    for age, area in [(40, "grief"), (44, "anxiety")]:
        MembershipFactory(
            group=group,
            application__age=age,
            application__gender="woman",
            application__areas=[area],
        )


@pytest.fixture
def cast(centre_1, centre_2, group, two_women):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    people = {
        "Kari": waiting(
            centre_1, first_name="Kari", age=41, gender="woman", areas=["grief"], weeks=10
        ),
        "Ola": waiting(
            centre_1, first_name="Ola", age=70, gender="man", areas=["burnout"], weeks=8
        ),
        "Per": waiting(centre_1, first_name="Per", age=42, gender="man", areas=["work"], weeks=3),
        "Sam": waiting(centre_1, first_name="Sam", age=43, areas=["loneliness"], weeks=5),
        "Tea": waiting(centre_1, first_name="Tea", age=45, areas=["carer"], weeks=12, theme=theme),
    }
    # Never candidates: another time, another centre, not yet waiting, offered elsewhere.
    waiting(centre_1, first_name="Dagtid", availability=["mon-day"], weeks=20)
    waiting(centre_2, first_name="Sør", weeks=20)
    ApplicationFactory(centre=centre_1, first_name="Mottatt", availability=["mon-evening"])
    OfferFactory(group__centre=centre_1, application__first_name="Tilbudt")
    return people


# --- Ranking and reasons ---------------------------------------------------------------------


def test_candidates_are_ranked_by_fit_with_their_reasons(staff_1_client, group, cast):
    response = staff_1_client.get(page_of(group))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "5 personer kan bli med" in plain(body)
    rows = [row[1:] for row in table_rows(body, "candidates")]
    assert rows == [
        [
            "Tea Hansen",
            "45",
            "Vil ikke oppgi",
            "12 uker",
            "+ Taler for: alderen passer: aldersspennet blir 5 år "
            "+ Taler for: tar med 1 nytt område å jobbe med "
            "− Å tenke på: ønsket en annen type gruppe",
        ],
        [
            "Sam Hansen",
            "43",
            "Vil ikke oppgi",
            "5 uker",
            "+ Taler for: alderen passer: aldersspennet blir 4 år "
            "+ Taler for: tar med 1 nytt område å jobbe med "
            "+ Taler for: ønsket denne typen gruppe",
        ],
        [
            "Per Hansen",
            "42",
            "Mann",
            "3 uker",
            "+ Taler for: alderen passer: aldersspennet blir 4 år "
            "+ Taler for: jevner ut kvinner og menn "
            "+ Taler for: tar med 1 nytt område å jobbe med "
            "+ Taler for: ønsket denne typen gruppe",
        ],
        [
            "Ola Hansen",
            "70",
            "Mann",
            "8 uker",
            "− Å tenke på: gjør aldersspennet større: 30 år "
            "+ Taler for: jevner ut kvinner og menn "
            "+ Taler for: tar med 1 nytt område å jobbe med "
            "+ Taler for: ønsket denne typen gruppe",
        ],
        [
            "Kari Hansen",
            "41",
            "Kvinne",
            "10 uker",
            "+ Taler for: alderen passer: aldersspennet blir 4 år "
            "− Å tenke på: gjør fordelingen av kvinner og menn skjevere "
            "− Å tenke på: tar ikke med noe nytt område å jobbe med "
            "+ Taler for: ønsket denne typen gruppe",
        ],
    ]


def test_with_the_age_goal_switched_off_age_is_never_a_reason(staff_1_client, group, cast):
    group.centre.age_span_enabled = False
    group.centre.save(update_fields=["age_span_enabled"])

    body = staff_1_client.get(page_of(group)).content.decode()

    names = [row[1] for row in table_rows(body, "candidates")]
    assert names == ["Tea Hansen", "Ola Hansen", "Sam Hansen", "Per Hansen", "Kari Hansen"]
    assert "aldersspenn" not in body


def test_the_group_overview_sends_staff_to_the_candidates_while_seats_are_free(
    staff_1_client, centre_1, group
):
    waiting(centre_1, first_name="Venter")
    MembershipFactory.create_batch(5, group=group)

    body = staff_1_client.get(f"/stab/grupper/{group.pk}/").content.decode()

    assert "3 plasser er ledige." in plain(body)
    assert f'<a class="btn btn-primary" href="/stab/grupper/{group.pk}/kandidater/">' in body
    assert "Venter" not in body  # the candidates and their reasons are on their own tab

    MembershipFactory.create_batch(3, group=group)
    full = plain(staff_1_client.get(f"/stab/grupper/{group.pk}/").content.decode())
    assert "Gruppa er full: alle plassene er tatt eller tilbudt." in full
    assert "Velg blant kandidatene" not in full


def test_a_started_group_has_no_candidates(staff_1_client, centre_1):
    group = GroupFactory(centre=centre_1, start_date=MONDAY, status="started")
    person = waiting(centre_1)

    body = plain(staff_1_client.get(page_of(group)).content.decode())
    assert "Gruppa har startet og er lukket." in body
    response = staff_1_client.post(page_of(group), {"people": [person.pk]})

    assert messages_after(staff_1_client, response) == [
        "Ingen fikk tilbud om plass: Gruppa er i gang og er lukket. Registrer gruppas eget "
        "vedtak om å åpne før noen nye legges til."
    ]
    assert Offer.objects.count() == 0


# --- Offering places -------------------------------------------------------------------------


def test_several_are_offered_a_place_at_once_until_the_group_is_full(
    staff_1_client, staff_1, centre_1, group
):
    MembershipFactory.create_batch(6, group=group)
    first = waiting(centre_1, first_name="Kari", last_name="Berg", weeks=9)
    second = waiting(centre_1, first_name="Ola", last_name="Dahl", weeks=6)
    third = waiting(centre_1, first_name="Per", last_name="Lund", weeks=2)

    response = staff_1_client.post(page_of(group), {"people": [third.pk, first.pk, second.pk]})

    assert response.url == page_of(group)
    assert messages_after(staff_1_client, response) == [
        "Fikk tilbud om plass: Kari Berg, Ola Dahl. Svarfristen på egen side er 08.10.2026.",
        "Fikk ikke tilbud om plass: Per Lund: Gruppa er full: 8 av 8 plasser er tatt eller "
        "tilbudt.",
    ]
    offers = Offer.objects.order_by("application__first_name")
    assert [(o.application, o.group, o.created_by, o.status) for o in offers] == [
        (first, group, staff_1, "open"),
        (second, group, staff_1, "open"),
    ]
    third.refresh_from_db()
    assert third.status == "waiting"
    assert Notification.objects.filter(kind="groups.offer").count() == 2


def test_someone_who_stopped_waiting_is_named_and_the_rest_are_offered(
    staff_1_client, centre_1, group
):
    kept = waiting(centre_1, first_name="Kari", last_name="Berg")
    gone = waiting(centre_1, first_name="Ola", last_name="Dahl")
    OfferFactory(group__centre=centre_1, application=gone)  # offered elsewhere meanwhile
    gone.status = "offered"
    gone.save(update_fields=["status"])

    response = staff_1_client.post(page_of(group), {"people": [gone.pk, kept.pk]})

    assert messages_after(staff_1_client, response) == [
        "Fikk tilbud om plass: Kari Berg. Svarfristen på egen side er 08.10.2026.",
        "Fikk ikke tilbud om plass: Ola Dahl: venter ikke lenger på gruppe, eller kan ikke "
        "møtes på dette tidspunktet.",
    ]
    assert list(Offer.objects.filter(group=group).values_list("application", flat=True)) == [
        kept.pk
    ]


def test_someone_who_cannot_meet_at_the_time_is_not_offered(staff_1_client, centre_1, group):
    person = waiting(centre_1, first_name="Dag", last_name="Tid", availability=["mon-day"])

    response = staff_1_client.post(page_of(group), {"people": [person.pk]})

    assert messages_after(staff_1_client, response) == [
        "Fikk ikke tilbud om plass: Dag Tid: venter ikke lenger på gruppe, eller kan ikke "
        "møtes på dette tidspunktet."
    ]
    assert Offer.objects.count() == 0


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ([], "Velg minst én person."),
        (["abc"], "Velg personer fra listen."),
        (["999999"], "Velg personer fra listen."),
        (["1e3"], "Velg personer fra listen."),
        (["²"], "Velg personer fra listen."),
    ],
)
def test_a_bad_choice_offers_nobody(staff_1_client, centre_1, group, people, message):
    waiting(centre_1)

    response = staff_1_client.post(page_of(group), {"people": people})

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        f"Ingen fikk tilbud om plass: {message}"
    ]
    assert Offer.objects.count() == 0


def test_another_centres_applicant_makes_the_whole_choice_fail(
    staff_1_client, centre_1, centre_2, group
):
    ours = waiting(centre_1)
    theirs = waiting(centre_2)

    other = waiting(centre_1)

    response = staff_1_client.post(page_of(group), {"people": [ours.pk, theirs.pk]})

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Ingen fikk tilbud om plass: Velg personer fra listen."
    ]
    assert Offer.objects.count() == 0
    body = response.content.decode()
    # The list comes back with the choice as it was, to be corrected.
    checked = re.findall(r'<input[^>]*value="(\d+)"[^>]*\bchecked>', body)
    assert checked == [str(ours.pk)]
    assert f'value="{other.pk}"' in body


def test_another_centres_group_is_not_found(client, staff_2, centre_2, group):
    person = waiting(group.centre)
    client.force_login(staff_2)

    assert client.get(page_of(group)).status_code == 404
    assert client.post(page_of(group), {"people": [person.pk]}).status_code == 404
    assert Offer.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login(client, group):
    response = client.get(page_of(group))

    assert response.status_code == 302
    assert response.url == f"{reverse('staff-login')}?next={page_of(group)}"


# --- Privacy and speed -----------------------------------------------------------------------


def test_the_page_never_shows_what_people_want_to_work_on(staff_1_client, centre_1, group, caplog):
    areas = [area.value for area in Area]
    MembershipFactory(group=group, application__areas=areas, application__about=MARKER)
    person = waiting(centre_1, areas=areas, about=MARKER)

    pages = [
        staff_1_client.get(page_of(group)).content.decode(),
        staff_1_client.get(f"/stab/grupper/{group.pk}/").content.decode(),
    ]
    staff_1_client.post(page_of(group), {"people": [person.pk]})

    for body in pages:
        assert MARKER not in body
        for area in Area:
            assert str(area.label) not in body
    assert_marker_absent(MARKER, caplog)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries, no_lazy_loads():
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_both_pages_make_the_same_queries_for_one_candidate_as_for_sixty(
    staff_1_client, centre_1, group
):
    MembershipFactory(group=group)
    OfferFactory(group=group)
    waiting(centre_1)
    one = [
        _queries(staff_1_client, page_of(group)),
        _queries(staff_1_client, f"/stab/grupper/{group.pk}/"),
    ]

    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    for n in range(59):
        waiting(
            centre_1,
            weeks=n % 13,
            age=20 + n,
            gender=["woman", "man", "other"][n % 3],
            areas=[Area.values[n % 11]],
            theme=theme if n % 4 == 0 else None,
        )
    MembershipFactory.create_batch(3, group=group)
    many = [
        _queries(staff_1_client, page_of(group)),
        _queries(staff_1_client, f"/stab/grupper/{group.pk}/"),
    ]

    body = staff_1_client.get(page_of(group)).content.decode()
    assert len(table_rows(body, "candidates")) == 60
    assert many == one


def test_the_page_works_in_english(staff_1_client, group, cast):
    body = plain(staff_1_client.get(f"/en{page_of(group)}").content.decode())

    assert "Candidates for Mandagsgruppa" in body
    assert (
        "Kari Hansen 41 Woman 10 weeks + In favour: age fits: the span stays within 4 years "
        "− To weigh: tips the balance of women and men − To weigh: brings no new area to work "
        "on + In favour: asked for this kind of group"
    ) in body
