"""The opening-meeting kit (/igangsetter/grupper/<pk>/startpakke/): printable, first names
only, and only for a starter asked to start the group."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from starters import services
from tests.factories import (
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    RoomFactory,
    StarterFactory,
)

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group(centre_1):
    room = RoomFactory(centre=centre_1, name="Peisestua", street_address="Loftet, Storgata 1")
    return GroupFactory(centre=centre_1, name="Mandagsgruppa", room=room, start_date=MONDAY)


@pytest.fixture
def ola(centre_1):
    return StarterFactory(centre=centre_1, user__username="ola", user__first_name="Ola")


@pytest.fixture
def ola_client(client, ola):
    client.force_login(ola.user)
    return client


def kit_url(group) -> str:
    return f"/igangsetter/grupper/{group.pk}/startpakke/"


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def members(group):
    people = [("Kari", "Berg"), ("Ahmed", "Ali"), ("Silje", "Haugen")]
    made = [
        MembershipFactory(group=group, application__first_name=first, application__last_name=last)
        for first, last in people
    ]
    MembershipFactory(
        group=group,
        application__first_name="Per",
        left_on=MONDAY,
        leave_reason="other",
        joined_on=MONDAY,
    )
    OfferFactory(group=group, application__first_name="Tilbudt")
    return made


def test_the_kit_has_the_dates_the_framework_and_a_declaration_with_first_names(
    ola_client, ola, group
):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    members(group)

    response = ola_client.get(kit_url(group))
    body = response.content.decode()

    assert response.status_code == 200
    assert "/static/css/print.css" in body
    assert plain(re.search(r'<dl class="row kit-facts">(.*?)</dl>', body, re.S).group(1)) == (
        "Møtes Hver mandag kl. 18:00 Rom Peisestua, Loftet, Storgata 1 "
        "Første møte 19.10.2026 Oppfølgingsmøte 16.11.2026 18:00 Senter Selvhjelpshuset Nord"
    )
    assert "<strong>5–8 personer.</strong>" in body
    assert "Samme tid hver uke:</strong> Hver mandag kl. 18:00, i 120 minutter." in body
    assert "Snakk ut fra deg selv" in body  # the principles, as on the public page
    dates = re.findall(r'<li id="kit-meeting-\d+">(.*?)</li>', body, re.S)
    assert [plain(d) for d in dates][:2] == [
        "19.10.2026 18:00 – oppstartsmøte · du kommer",
        "26.10.2026 18:00",
    ]
    assert plain(dates[4]) == "16.11.2026 18:00 – oppfølgingsmøte · du kommer"
    assert len(dates) == 12  # the first twelve weeks
    signatures = re.search(r'<table class="table signatures">(.*?)</table>', body, re.S).group(1)
    names = [
        plain(cell) for cell in re.findall(r'<td class="signature-name">(.*?)</td>', signatures)
    ]
    assert names == ["Kari", "Ahmed", "Silje"]
    assert signatures.count("<tr>") == 1 + 8  # the heading and a line for every seat
    for absent in ("Berg", "Ali", "Haugen", "Per", "Tilbudt"):
        assert absent not in plain(signatures)


def test_without_written_declarations_the_names_are_listed_without_signature_lines(
    ola_client, ola, group, centre_1
):
    centre_1.written_confidentiality = False
    centre_1.save(update_fields=["written_confidentiality"])
    AssignmentFactory(group=group, starter=ola, status="accepted")
    members(group)

    body = ola_client.get(kit_url(group)).content.decode()

    assert "signatures" not in body
    assert "Ved dette senteret gir dere løftet muntlig på oppstartsmøtet." in body
    names = re.search(r'<p class="kit-names">(.*?)</p>', body, re.S).group(1)
    assert plain(names) == "I gruppa: Kari, Ahmed, Silje"


def test_a_starter_asked_but_not_answered_sees_the_kit_with_a_reminder_to_answer(
    ola_client, ola, group
):
    AssignmentFactory(group=group, starter=ola)

    body = ola_client.get(kit_url(group)).content.decode()

    assert "Du har ikke svart ennå om du vil sette i gang denne gruppa." in body


def test_an_english_group_gets_the_kit_in_english(ola_client, ola, centre_1):
    group = GroupFactory(centre=centre_1, name="Monday group", start_date=MONDAY, language="en")
    AssignmentFactory(group=group, starter=ola, status="accepted")

    body = ola_client.get(kit_url(group)).content.decode()

    assert '<h1 id="kit-heading">Opening-meeting kit: Monday group</h1>' in body
    assert "Speak from yourself" in body
    assert "<strong>The same time every week:</strong> Every Monday at 18:00, for 120" in body
    # The bar on the screen stays in the starter's language.
    assert "Tilbake til timeplanen min" in body


def test_the_kit_is_not_found_for_a_group_the_starter_does_not_start(
    ola_client, ola, centre_1, centre_2, group, staff_1
):
    kari = StarterFactory(centre=centre_1)
    AssignmentFactory(group=group, starter=kari, status="accepted")
    other_centre = GroupFactory(centre=centre_2, start_date=MONDAY)
    AssignmentFactory(group=other_centre, starter=StarterFactory(centre=centre_2))
    declined = GroupFactory(centre=centre_1, weekday=1, start_date=date(2026, 10, 20))
    AssignmentFactory(group=declined, starter=ola, status="declined")
    released_unanswered = GroupFactory(centre=centre_1, weekday=2, start_date=date(2026, 10, 21))
    AssignmentFactory(group=released_unanswered, starter=ola, status="released")

    for shut in (group, other_centre, declined, released_unanswered):
        assert ola_client.get(kit_url(shut)).status_code == 404, shut.name
    assert ola_client.get("/igangsetter/grupper/999999/startpakke/").status_code == 404


def test_a_starter_released_after_saying_yes_can_still_print_the_kit(
    ola_client, ola, group, staff_1
):
    assignment = AssignmentFactory(group=group, starter=ola, status="accepted")
    services.release_assignment(assignment, staff=staff_1)
    assert ola_client.get(kit_url(group)).status_code == 200
