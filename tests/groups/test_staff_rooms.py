"""Rooms (/stab/rom/): the centre's rooms, adding and changing them, friendly refusals."""

import re

import pytest

from groups.models import Room
from selvhjelp.models import AuditEvent
from tests.factories import RoomFactory, StaffMembershipFactory

LIST = "/stab/rom/"
NEW = "/stab/rom/ny/"


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def rows(response) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", text(response), re.S).group(1)
    return [
        [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def errors_of(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def room_data(**overrides) -> dict:
    data = {
        "name": "Peisestua",
        "street_address": "",
        "capacity": "12",
        "accessibility": "Heis, teleslynge.",
        "notes": "Nøkkel i skranken.",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_the_list_shows_the_centres_rooms_in_use_first(staff_1_client, centre_1, centre_2):
    RoomFactory(
        centre=centre_1,
        name="Biblioteket",
        capacity=8,
        is_active=False,
        street_address="Schous plass 10, 0552 Oslo",
    )
    RoomFactory(centre=centre_1, name="Peisestua", capacity=12, accessibility="Heis")
    RoomFactory(centre=centre_2, name="Sørrommet")

    response = staff_1_client.get(LIST)

    assert response.status_code == 200
    assert rows(response) == [
        ["Peisestua", "Storgata 1, 0155 Oslo", "12", "Heis", "Ja"],
        ["Biblioteket", "Schous plass 10, 0552 Oslo", "8", "–", "Nei"],
    ]
    assert "Sørrommet" not in text(response)


def test_staff_add_a_room(staff_1_client, centre_1):
    response = staff_1_client.post(NEW, room_data())

    assert response.status_code == 302
    assert response.url == LIST
    room = Room.objects.get()
    assert (room.centre, room.name, room.street_address, room.capacity) == (
        centre_1,
        "Peisestua",
        "",
        12,
    )
    assert (room.accessibility, room.notes, room.is_active) == (
        "Heis, teleslynge.",
        "Nøkkel i skranken.",
        True,
    )
    assert messages_of(staff_1_client.get(LIST)) == ["Rommet «Peisestua» er lagret."]
    event = AuditEvent.objects.get(action="room.created")
    assert (event.object_id, event.actor_label) == (str(room.pk), "stab-nord")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"capacity": "3"}, "capacity", "Et rom har plass til mellom 4 og 200 personer."),
        ({"capacity": "201"}, "capacity", "Et rom har plass til mellom 4 og 200 personer."),
        ({"capacity": "mange"}, "capacity", "Skriv antall plasser som et helt tall."),
        ({"name": "   "}, "name", "Gi rommet et navn."),
        ({"name": "loftet"}, "name", "Senteret har allerede et rom som heter «loftet»."),
    ],
)
def test_a_room_that_breaks_a_rule_is_refused_kindly(
    staff_1_client, centre_1, overrides, field, message
):
    RoomFactory(centre=centre_1, name="Loftet")

    response = staff_1_client.post(NEW, room_data(**overrides))

    assert response.status_code == 200
    assert errors_of(response) == {field: [message]}
    assert Room.objects.count() == 1


def test_another_centre_may_use_the_same_room_name(client, staff_1, centre_1, centre_2):
    StaffMembershipFactory(user=staff_1, centre=centre_2)
    RoomFactory(centre=centre_1, name="Peisestua")
    client.force_login(staff_1)

    response = client.post(NEW, room_data(centre=str(centre_2.pk)))

    assert response.status_code == 302
    assert list(Room.objects.filter(name="Peisestua").values_list("centre__slug", flat=True)) == [
        "nord",
        "sor",
    ]


def test_staff_of_several_centres_must_choose_the_centre(client, staff_1, centre_2):
    StaffMembershipFactory(user=staff_1, centre=centre_2)
    client.force_login(staff_1)

    response = client.post(NEW, room_data())

    assert errors_of(response) == {"centre": ["Dette feltet er påkrevd."]}
    assert Room.objects.count() == 0


def test_staff_change_a_room(staff_1_client, centre_1):
    room = RoomFactory(centre=centre_1, name="Peisestua", capacity=12)

    page = staff_1_client.get(f"/stab/rom/{room.pk}/")
    response = staff_1_client.post(
        f"/stab/rom/{room.pk}/", room_data(capacity="14", is_active="", street_address="Loftet")
    )

    assert page.status_code == 200
    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.name, room.capacity, room.is_active, room.street_address) == (
        "Peisestua",
        14,
        False,
        "Loftet",
    )
    assert AuditEvent.objects.filter(action="room.changed", object_id=str(room.pk)).count() == 1


def test_a_change_to_a_taken_name_is_refused(staff_1_client, centre_1):
    RoomFactory(centre=centre_1, name="Peisestua")
    room = RoomFactory(centre=centre_1, name="Loftet")

    response = staff_1_client.post(f"/stab/rom/{room.pk}/", room_data(name="Peisestua"))

    assert errors_of(response) == {"name": ["Senteret har allerede et rom som heter «Peisestua»."]}
    assert "<h1>Loftet</h1>" in text(response)
    room.refresh_from_db()
    assert room.name == "Loftet"


def test_another_centres_room_is_not_found(staff_1_client, centre_2):
    room = RoomFactory(centre=centre_2, name="Sørrommet", capacity=10)

    assert staff_1_client.get(f"/stab/rom/{room.pk}/").status_code == 404
    assert staff_1_client.post(f"/stab/rom/{room.pk}/", room_data()).status_code == 404
    room.refresh_from_db()
    assert (room.name, room.capacity) == ("Sørrommet", 10)
