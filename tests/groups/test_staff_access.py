"""Every staff page for groups and rooms: login, own centre only, POST for changes, no cache."""

import re
from datetime import date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import resolve

from groups.models import AbsenceNotice, Group, GroupOpening, Meeting, Membership, Offer, Room
from selvhjelp.models import AuditEvent
from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
)

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_cast(centre, name: str) -> dict:
    """A group with a member, an offer, a meeting and a room, and someone waiting."""
    group = GroupFactory(centre=centre, name=name, start_date=date(2026, 10, 19))
    return {
        "group": group,
        "membership": MembershipFactory(group=group, application__about="MARKØR"),
        "offer": OfferFactory(group=group),
        "meeting": group.meetings.order_by("starts_at")[1],
        "room": group.room,
        "waiting": ApplicationFactory(centre=centre, status="waiting"),
    }


@pytest.fixture
def cast(centre_1):
    return make_cast(centre_1, "Nordgruppa")


@pytest.fixture
def other_cast(centre_2):
    return make_cast(centre_2, "Sørgruppa")


GETS = [
    "/stab/grupper/",
    "/stab/grupper/ny/",
    "/stab/grupper/{group}/",
    "/stab/grupper/{group}/endre/",
    "/stab/grupper/{group}/taushetserklaering/",
    "/stab/grupper/{group}/deltakerliste/",
    "/stab/rom/",
    "/stab/rom/ny/",
    "/stab/rom/{room}/",
]

# Each change, with data that would be accepted.
POSTS = [
    (
        "/stab/grupper/ny/",
        {
            "name": "Ny",
            "room": "{room}",
            "weekday": "0",
            "start_time": "10:00",
            "start_date": "2026-10-26",
            "theme": "mixed",
            "language": "nb",
            "meeting_minutes": "120",
            "opening_minutes": "120",
        },
    ),
    (
        "/stab/grupper/{group}/endre/",
        {
            "weekday": "0",
            "start_time": "17:00",
            "room": "{room}",
            "fortnightly_from": "",
            "from_date": "2026-10-19",
        },
    ),
    ("/stab/grupper/{group}/plasser/", {"application": "{waiting}"}),
    ("/stab/grupper/{group}/apne/", {"decided_on": "2026-09-30", "reason": "Vi vil"}),
    ("/stab/grupper/{group}/lukk/", {}),
    ("/stab/grupper/{group}/avslutt/", {"ended_on": "2026-10-01"}),
    ("/stab/moter/{meeting}/avlys/", {"note": "x"}),
    ("/stab/moter/{meeting}/flytt/", {"day": "2026-10-27", "start_time": "18:00"}),
    ("/stab/tilbud/{offer}/trekk/", {}),
    ("/stab/medlemmer/{membership}/slutt/", {"reason": "other", "left_on": ""}),
    ("/stab/medlemmer/{membership}/signert/", {}),
    ("/stab/rom/ny/", {"name": "Nytt rom", "capacity": "8"}),
    ("/stab/rom/{room}/", {"name": "Endret", "capacity": "8"}),
]

POST_ONLY = [
    "/stab/grupper/{group}/plasser/",
    "/stab/grupper/{group}/apne/",
    "/stab/grupper/{group}/lukk/",
    "/stab/grupper/{group}/avslutt/",
    "/stab/moter/{meeting}/avlys/",
    "/stab/moter/{meeting}/flytt/",
    "/stab/tilbud/{offer}/trekk/",
    "/stab/medlemmer/{membership}/signert/",
]


def fill(template: str, cast) -> str:
    return template.format(**{key: value.pk for key, value in cast.items()})


def state() -> dict:
    """Everything a change could touch, to prove nothing changed."""
    return {
        "groups": list(Group.objects.values_list("name", "status", "start_time", "ended_on")),
        "meetings": list(
            Meeting.objects.order_by("pk").values_list("status", "starts_at", "room_id")
        ),
        "offers": list(Offer.objects.values_list("status")),
        "memberships": list(Membership.objects.values_list("left_on", "confidentiality_signed_on")),
        "openings": GroupOpening.objects.count(),
        "rooms": list(Room.objects.order_by("pk").values_list("name", "capacity")),
        "notices": AbsenceNotice.objects.count(),
    }


def test_anonymous_visitors_are_sent_to_the_login_page(client, cast):
    before = state()
    events = AuditEvent.objects.count()
    requests = [("get", fill(path, cast), None) for path in GETS] + [
        ("post", fill(path, cast), {k: fill(v, cast) for k, v in data.items()})
        for path, data in POSTS
    ]
    for method, path, data in requests:
        response = getattr(client, method)(path, data)

        assert response.status_code == 302, path
        assert response.url == f"/stab/logg-inn/?next={quote(path, safe='/')}", path
    assert state() == before
    assert AuditEvent.objects.count() == events


def test_every_view_is_declared_staff_only(cast):
    for path in GETS + [path for path, _ in POSTS]:
        assert resolve(fill(path, cast)).func.access == "staff", path


def test_another_centres_things_are_not_found(staff_1_client, other_cast):
    before = state()
    events = AuditEvent.objects.count()

    for path in GETS[2:6] + GETS[8:]:
        assert staff_1_client.get(fill(path, other_cast)).status_code == 404, path
    for path, data in POSTS[1:11] + POSTS[12:]:
        response = staff_1_client.post(
            fill(path, other_cast), {k: fill(v, other_cast) for k, v in data.items()}
        )
        assert response.status_code == 404, path

    assert state() == before
    # Nothing changed; each refusal is recorded (issue 9: refused authorisations are audited).
    assert AuditEvent.objects.exclude(action="access.refused").count() == events
    assert AuditEvent.objects.filter(action="access.refused").count() == (
        len(GETS[2:6] + GETS[8:]) + len(POSTS[1:11] + POSTS[12:])
    )


def test_another_centres_room_and_applicant_cannot_be_used(staff_1_client, cast, other_cast):
    """A group of one's own centre with another centre's room or applicant: refused."""
    before = state()
    group, meeting = cast["group"].pk, cast["meeting"].pk

    staff_1_client.post(
        "/stab/grupper/ny/",
        {k: fill(v, other_cast) for k, v in POSTS[0][1].items()},
    )
    staff_1_client.post(
        f"/stab/grupper/{group}/endre/",
        {k: fill(v, other_cast) for k, v in POSTS[1][1].items()},
    )
    staff_1_client.post(
        f"/stab/grupper/{group}/plasser/", {"application": other_cast["waiting"].pk}
    )
    staff_1_client.post(
        f"/stab/moter/{meeting}/flytt/",
        {"day": "2026-10-27", "start_time": "18:00", "room": other_cast["room"].pk},
    )

    assert state() == before


def test_another_centres_groups_and_rooms_are_not_listed(staff_1_client, other_cast):
    groups = staff_1_client.get("/stab/grupper/").content.decode()
    rooms = staff_1_client.get("/stab/rom/").content.decode()
    overview = staff_1_client.get("/stab/").content.decode()

    assert "Sørgruppa" not in groups
    assert "Sørgruppa" not in overview
    assert other_cast["room"].name not in rooms


@pytest.mark.parametrize("path", POST_ONLY)
def test_changes_are_post_only(staff_1_client, cast, path):
    before = state()

    response = staff_1_client.get(fill(path, cast))

    assert response.status_code == 405
    assert state() == before


@pytest.mark.parametrize("path", GETS)
def test_pages_are_never_cached_and_carry_no_inline_code(staff_1_client, cast, path):
    response = staff_1_client.get(fill(path, cast))
    body = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", body, re.I) == []
    assert re.findall(r"<[^>]+\sstyle\s*=", body, re.I) == []
    assert "<style" not in body.lower()
    assert "MARKØR" not in body


def test_the_staff_menu_links_to_groups_and_rooms(staff_1_client):
    groups = staff_1_client.get("/stab/grupper/").content.decode()
    rooms = staff_1_client.get("/stab/rom/").content.decode()

    assert '<li><a href="/stab/grupper/" aria-current="page">Grupper</a></li>' in groups
    assert '<li><a href="/stab/rom/">Rom</a></li>' in groups
    assert '<li><a href="/stab/rom/" aria-current="page">Rom</a></li>' in rooms


def test_the_pages_speak_english_under_en(staff_1_client, cast):
    group = cast["group"]

    listing = staff_1_client.get("/en/stab/grupper/").content.decode()
    page = staff_1_client.get(f"/en/stab/grupper/{group.pk}/").content.decode()

    assert "<h1>Groups</h1>" in listing
    assert "Offer someone a place" in page
    assert "Monday at 18:00" in page
