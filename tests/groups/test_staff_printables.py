"""The printables: the confidentiality declaration and the participant list."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import GroupFactory, MembershipFactory, OfferFactory, RoomFactory

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)
MARKER = "MARKØR-om-meg-7731"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group(centre_1):
    room = RoomFactory(centre=centre_1, name="Peisestua")
    group = GroupFactory(centre=centre_1, name="Mandagsgruppa", room=room, start_date=MONDAY)
    for first, last, phone in [("Kari", "Berg", "+4791234567"), ("Ola", "Dahl", "+4798765432")]:
        MembershipFactory(
            group=group,
            application__first_name=first,
            application__last_name=last,
            application__phone=phone,
            application__email=f"{first.lower()}@example.no",
            application__about=MARKER,
            application__areas=["grief", "anxiety"],
        )
    MembershipFactory(
        group=group,
        application__first_name="Per",
        application__last_name="Lund",
        left_on=MONDAY,
        leave_reason="other",
    )
    OfferFactory(group=group, application__first_name="Tilbudt")
    return group


def text(response) -> str:
    return response.content.decode()


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def rows(body: str, css_class: str) -> list[list[str]]:
    table = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', body, re.S)
    tbody = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S).group(1)
    return [
        [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]


def assert_clean_page(body: str) -> None:
    """A page for paper: our print styles, no staff menu, no footer, no health data."""
    assert '<link rel="stylesheet" href="/static/css/print.css">' in body
    assert "site-nav" not in body
    assert "<footer" not in body
    assert MARKER not in body
    for area in ("Sorg", "Angst", "Grief", "Anxiety"):
        assert area not in body


def test_the_declaration_has_one_line_per_member_by_first_name_only(staff_1_client, group):
    response = staff_1_client.get(f"/stab/grupper/{group.pk}/taushetserklaering/")
    body = text(response)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert_clean_page(body)
    assert rows(body, "signatures") == [["Kari", "", ""], ["Ola", "", ""]] + [["", "", ""]] * 6
    for not_shown in ("Berg", "Dahl", "Lund", "Tilbudt", "@example.no", "91 23 45 67"):
        assert not_shown not in body
    article = plain(re.search(r"<article.*?</article>", body, re.S).group(0))
    assert article.startswith(
        "Taushetserklæring Mandagsgruppa Første møte: 19.10.2026 "
        "Alle i gruppa har taushetsplikt. Det som blir delt i gruppa, blir i gruppa – og det "
        "gjør også hvem som er med."
    )
    assert "Løftet gjelder også etter at du har sluttet i gruppa" in article
    assert "Ved dette senteret gir deltakerne løftet om taushet muntlig" not in body


def test_the_declaration_speaks_the_groups_language(staff_1_client, centre_1):
    group = GroupFactory(centre=centre_1, language="en")
    MembershipFactory(group=group, application__first_name="Anna")

    body = text(staff_1_client.get(f"/stab/grupper/{group.pk}/taushetserklaering/"))

    assert '<h1 id="declaration-heading">Confidentiality declaration</h1>' in body
    assert "Everyone in the group has a duty of confidentiality." in body
    assert "Tilbake til gruppa" in body  # the staff's own bar stays in their language


def test_an_oral_declaration_centre_is_told_and_may_still_print(staff_1_client, group):
    group.centre.written_confidentiality = False
    group.centre.save()

    body = text(staff_1_client.get(f"/stab/grupper/{group.pk}/taushetserklaering/"))

    assert (
        "Ved dette senteret gir deltakerne løftet om taushet muntlig på det første møtet, og "
        "ingen trenger å skrive under."
    ) in plain(body)
    assert rows(body, "signatures")[:2] == [["Kari", "", ""], ["Ola", "", ""]]


def test_the_participant_list_has_contact_details_and_the_meeting_dates(staff_1_client, group):
    response = staff_1_client.get(f"/stab/grupper/{group.pk}/deltakerliste/")
    body = text(response)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert_clean_page(body)
    assert rows(body, "participants") == [
        ["Kari", "Berg", "91 23 45 67", "kari@example.no"],
        ["Ola", "Dahl", "98 76 54 32", "ola@example.no"],
    ]
    assert "Lund" not in body
    assert "Tilbudt" not in body
    meetings = rows(body, "meeting-dates")
    assert len(meetings) == 27
    assert meetings[0] == ["man 19.10.2026", "18:00–20:00", "Første møte"]
    assert meetings[1] == ["man 26.10.2026", "18:00–20:00", ""]
    assert ["man 29.03.2027", "18:00–20:00", "Helligdag: Andre påskedag"] in meetings


def test_a_cancelled_meeting_is_left_off_the_participant_list(staff_1_client, group):
    group.meetings.filter(starts_at__date=date(2026, 10, 26)).update(status="cancelled")

    meetings = rows(
        text(staff_1_client.get(f"/stab/grupper/{group.pk}/deltakerliste/")), "meeting-dates"
    )

    assert [row[0] for row in meetings[:2]] == ["man 19.10.2026", "man 02.11.2026"]
    assert len(meetings) == 26
