"""Staff pages for starters (/stab/igangsettere/) and the starters block on a group's page."""

import re
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from selvhjelp import outbox
from selvhjelp.models import AuditEvent, Notification
from starters.models import Assignment, Starter
from tests.factories import (
    AssignmentFactory,
    GroupFactory,
    RoomFactory,
    StarterFactory,
    UserFactory,
)
from tests.fetching import no_lazy_loads

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group(centre_1):
    room = RoomFactory(centre=centre_1, name="Peisestua")
    return GroupFactory(centre=centre_1, name="Mandagsgruppa", room=room, start_date=MONDAY)


def starter(centre, first, last, **kwargs):
    return StarterFactory(
        centre=centre,
        user__username=first.lower(),
        user__first_name=first,
        user__last_name=last,
        **kwargs,
    )


@pytest.fixture
def ola(centre_1):
    return starter(centre_1, "Ola", "Hansen", availability=["mon-evening"])


@pytest.fixture
def kari(centre_1):
    return starter(centre_1, "Kari", "Lie", availability=["tue-day"])


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def rows(body: str, css_class: str) -> list[list[str]]:
    table = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', body, re.S)
    tbody = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S).group(1)
    return [
        [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]


def messages_after(client, response) -> list[str]:
    assert response.status_code == 302
    return [str(message) for message in client.get(response.url).context["messages"]]


# The list ---------------------------------------------------------------------------------------


def test_the_list_shows_own_starters_their_load_and_the_gaps(
    staff_1_client, centre_1, centre_2, group, ola, kari
):
    starter(centre_2, "Sør", "Starter")
    AssignmentFactory(group=group, starter=ola, status="accepted")
    declined = GroupFactory(
        centre=centre_1, name="Tirsdagsgruppa", weekday=1, start_date=MONDAY + timedelta(days=1)
    )
    AssignmentFactory(group=declined, starter=kari, status="declined")
    kari.is_active = False
    kari.save(update_fields=["is_active"])

    response = staff_1_client.get("/stab/igangsettere/")
    body = response.content.decode()

    assert response.status_code == 200
    assert rows(body, "starters") == [
        ["Kari Lie", "Tar en pause", "0 av høyst 2", "0", "tir dag"],
        ["Ola Hansen", "Aktiv", "1 av høyst 2 Mandagsgruppa", "2", "man kveld"],
    ]
    assert rows(body, "short-groups") == [
        ["Mandagsgruppa", "19.10.2026", "1 av 2"],
        ["Tirsdagsgruppa", "20.10.2026", "0 av 2"],
    ]
    assert f'href="/stab/grupper/{declined.pk}/igangsettere/"' in body
    declines = plain(re.search(r'<ul class="open-declines">(.*?)</ul>', body, re.S).group(1))
    assert declines == "Kari Lie sa nei til «Tirsdagsgruppa» 01.10.2026. Finn en erstatter"
    assert "Sør" not in body


def test_the_list_makes_the_same_queries_for_one_starter_as_for_many(
    staff_1_client, centre_1, group, ola
):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    with CaptureQueriesContext(connection) as one:
        staff_1_client.get("/stab/igangsettere/")

    for n in range(5):
        other = starter(centre_1, f"Navn{n}", "Etternavn")
        later = GroupFactory(centre=centre_1, weekday=n % 5, start_date=MONDAY + timedelta(days=n))
        AssignmentFactory(group=later, starter=other, status="accepted" if n % 2 else "declined")
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        body = staff_1_client.get("/stab/igangsettere/").content.decode()

    assert len(rows(body, "starters")) == 6
    assert len(many) == len(one)


# Inviting ---------------------------------------------------------------------------------------


def invitation(**changes) -> dict:
    data = {
        "first_name": "Ingrid",
        "last_name": "Bakken",
        "email": "ingrid@example.no",
        "phone": "412 34 567",
        "language": "nb",
        "availability": ["tue-evening"],
        "max_groups": "2",
        "note": "Kan ikke i påsken",
    }
    return {**data, **changes}


def test_staff_invite_a_starter(staff_1_client, centre_1):
    page = staff_1_client.get("/stab/igangsettere/ny/")
    assert page.status_code == 200
    assert 'name="centre"' in page.content.decode()  # hidden: staff of one centre

    response = staff_1_client.post("/stab/igangsettere/ny/", invitation(centre=centre_1.pk))

    new = Starter.objects.select_related("user").get()
    assert response.url == f"/stab/igangsettere/{new.pk}/"
    assert messages_after(staff_1_client, response) == [
        "Ingrid Bakken er nå igangsetter ved Selvhjelpshuset Nord. En invitasjon med lenke for "
        "å velge passord er på vei til ingrid@example.no."
    ]
    assert (new.user.first_name, new.user.email, str(new.phone), new.max_groups) == (
        "Ingrid",
        "ingrid@example.no",
        "+4741234567",
        2,
    )
    assert (new.availability, new.note, list(new.centres.all())) == (
        ["tue-evening"],
        "Kan ikke i påsken",
        [centre_1],
    )
    assert Notification.objects.filter(kind="starters.invitation").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"email": "ikke-en-adresse"}, "email", "Oppgi en gyldig e-postadresse"),
        ({"first_name": "   "}, "first_name", "Dette feltet er påkrevd."),
        ({"max_groups": "9"}, "max_groups", "Velg et tall fra lista."),
        ({"availability": ["fri-night"]}, "availability", None),
        ({"phone": "123"}, "phone", "Skriv et gyldig mobilnummer, for eksempel 412 34 567."),
    ],
)
def test_a_bad_invitation_is_shown_again_and_nothing_is_made(
    staff_1_client, centre_1, changes, field, error
):
    response = staff_1_client.post(
        "/stab/igangsettere/ny/", invitation(centre=centre_1.pk, **changes)
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if error is not None:
        assert errors[field] == [error]
    assert Starter.objects.count() == 0


def test_an_address_of_a_staff_account_is_refused_with_the_reason(
    staff_1_client, centre_1, staff_1
):
    response = staff_1_client.post(
        "/stab/igangsettere/ny/", invitation(centre=centre_1.pk, email=staff_1.email)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"E-postadressen {staff_1.email} hører til en konto som ikke er en igangsetter. "
        "Bruk en annen adresse, eller spør en administrator."
    ]


def test_staff_send_a_starter_a_new_link_to_choose_a_password(
    staff_1_client, staff_1, ola, mailoutbox
):
    ola.user.email = "ola@example.no"
    ola.user.save()
    page = staff_1_client.get(f"/stab/igangsettere/{ola.pk}/").content.decode()
    assert f'action="/stab/igangsettere/{ola.pk}/ny-lenke/"' in page

    response = staff_1_client.post(f"/stab/igangsettere/{ola.pk}/ny-lenke/")

    assert response.url == f"/stab/igangsettere/{ola.pk}/"
    assert messages_after(staff_1_client, response) == [
        "Ola Hansen får en ny lenke for å velge passord, sendt til ola@example.no."
    ]
    outbox.dispatch_due()
    (message,) = mailoutbox
    assert (parseaddr(message.to[0])[1], message.subject) == (
        "ola@example.no",
        "En ny lenke for å velge passord",
    )
    assert "/igangsetter/velkommen/" in message.body
    event = AuditEvent.objects.get(action="starter.invited_again")
    assert (event.actor, event.object_id) == (staff_1, str(ola.pk))


def test_a_closed_account_gets_no_new_link(staff_1_client, ola, mailoutbox):
    ola.user.is_active = False
    ola.user.save()
    assert "/ny-lenke/" not in staff_1_client.get(f"/stab/igangsettere/{ola.pk}/").content.decode()

    response = staff_1_client.post(f"/stab/igangsettere/{ola.pk}/ny-lenke/")

    assert messages_after(staff_1_client, response) == [
        "Denne kontoen er stengt. Spør en administrator."
    ]
    outbox.dispatch_due()
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="starter.invited_again").exists()


def test_another_centres_starter_gets_no_new_link(client, staff_2, ola):
    client.force_login(staff_2)

    assert client.post(f"/stab/igangsettere/{ola.pk}/ny-lenke/").status_code == 404
    assert not AuditEvent.objects.filter(action="starter.invited_again").exists()


def test_staff_cannot_invite_to_another_centre(staff_1_client, centre_2):
    response = staff_1_client.post("/stab/igangsettere/ny/", invitation(centre=centre_2.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["centre"] == ["Velg ett av sentrene dine."]
    assert Starter.objects.count() == 0


# The profile ------------------------------------------------------------------------------------


def test_staff_change_a_profile_and_rest_a_starter(staff_1_client, ola, group):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    page = staff_1_client.get(f"/stab/igangsettere/{ola.pk}/")
    body = page.content.decode()
    boxes = dict(
        re.findall(r'<input type="checkbox"[^>]*value="([a-z]+-[a-z]+)"[^>]*?( checked)?>', body)
    )
    assert [slot for slot, checked in boxes.items() if checked] == ["mon-evening"]
    assert len(boxes) == 14
    assert rows(body, "starter-assignments") == [["Mandagsgruppa", "19.10.2026", "Takket ja"]]

    response = staff_1_client.post(
        f"/stab/igangsettere/{ola.pk}/",
        {
            "phone": "+47 415 55 555",
            "availability": ["thu-evening", "sat-day"],
            "max_groups": "3",
            "state": "resting",
            "note": "Flytter til Bergen i mars",
        },
    )

    assert messages_after(staff_1_client, response) == ["Profilen til Ola Hansen er lagret."]
    ola.refresh_from_db()
    assert (str(ola.phone), ola.availability, ola.max_groups, ola.is_active, ola.note) == (
        "+4741555555",
        ["thu-evening", "sat-day"],
        3,
        False,
        "Flytter til Bergen i mars",
    )
    assert sorted(
        AuditEvent.objects.filter(action__startswith="starter.").values_list("action", flat=True)
    ) == ["starter.changed", "starter.rested"]


def test_a_bad_profile_is_shown_again_unchanged(staff_1_client, ola):
    response = staff_1_client.post(
        f"/stab/igangsettere/{ola.pk}/",
        {"phone": "", "availability": [], "max_groups": "0", "state": "sleeping", "note": "x"},
    )
    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["max_groups", "state"]
    ola.refresh_from_db()
    assert (ola.max_groups, ola.is_active) == (2, True)


def test_another_centres_starter_is_not_found(staff_1_client, centre_2):
    theirs = starter(centre_2, "Sør", "Starter")
    assert staff_1_client.get(f"/stab/igangsettere/{theirs.pk}/").status_code == 404
    response = staff_1_client.post(
        f"/stab/igangsettere/{theirs.pk}/",
        {"max_groups": "1", "state": "resting", "availability": [], "phone": "", "note": ""},
    )
    assert response.status_code == 404
    assert Starter.objects.get(pk=theirs.pk).is_active is True


# The starters block on a group's page -----------------------------------------------------------


def starters_tab(client, group) -> str:
    response = client.get(f"/stab/grupper/{group.pk}/igangsettere/")
    assert response.status_code == 200
    return response.content.decode()


def starters_block(body: str) -> str:
    return re.search(r'<section[^>]*id="starters"[^>]*>(.*?)</section>', body, re.S).group(1)


def test_the_starters_tab_shows_the_starters_the_policy_and_suggestions(
    staff_1_client, group, ola, kari
):
    AssignmentFactory(group=group, starter=kari, status="accepted")

    block = starters_block(starters_tab(staff_1_client, group))

    assert plain(
        re.search(r'<div class="alert[^"]*starters-short"[^>]*>(.*?)</div>', block, re.S).group(1)
    ) == (
        "Senteret har 2 igangsettere per gruppe; denne gruppa har 1. "
        "Færre er lov, men sjekk at det er nok."
    )
    assert [row[:3] for row in rows(block, "group-starters")] == [
        ["Kari Lie", "Takket ja, 01.10.2026", "01.10.2026"]
    ]
    suggestion = plain(
        re.search(r'<li class="mb-3" id="suggestion-\d+">(.*?)</ul>', block, re.S).group(1)
    )
    assert suggestion == (
        "Ola Hansen Spør Kan vanligvis komme på dette tidspunktet Har 0 grupper nå, høyst 2 "
        "Har satt i gang 0 grupper før"
    )


def test_staff_assign_a_suggested_starter(staff_1_client, group, ola):
    response = staff_1_client.post(
        f"/stab/igangsettere/grupper/{group.pk}/tildel/", {"starter": ola.pk}
    )

    assert response.url == f"/stab/grupper/{group.pk}/igangsettere/"
    assert messages_after(staff_1_client, response) == [
        "Ola Hansen er spurt om å sette i gang gruppa og får en melding med datoene."
    ]
    assignment = Assignment.objects.get()
    assert (assignment.starter, assignment.status, assignment.bookings.count()) == (
        ola,
        "pending",
        2,
    )


def test_a_full_group_says_so_and_offers_no_more_suggestions(
    staff_1_client, group, ola, kari, centre_1
):
    AssignmentFactory(group=group, starter=ola)
    AssignmentFactory(group=group, starter=kari)
    third = starter(centre_1, "Tredje", "Person")

    block = starters_block(starters_tab(staff_1_client, group))
    response = staff_1_client.post(
        f"/stab/igangsettere/grupper/{group.pk}/tildel/", {"starter": third.pk}
    )

    assert "2 av 2 igangsettere, slik senteret har bestemt." in plain(block)
    assert "Forslag til igangsettere" not in block
    assert messages_after(staff_1_client, response) == [
        "Gruppa har allerede 2 igangsettere, slik senteret ønsker."
    ]
    assert Assignment.objects.filter(starter=third).count() == 0


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_assigning_someone_not_on_the_list_changes_nothing(staff_1_client, group, value):
    response = staff_1_client.post(
        f"/stab/igangsettere/grupper/{group.pk}/tildel/", {"starter": value}
    )
    assert messages_after(staff_1_client, response)[0].startswith("Ingenting ble endret: ")
    assert Assignment.objects.count() == 0


def test_another_centres_starter_cannot_be_assigned(staff_1_client, group, centre_2):
    theirs = starter(centre_2, "Sør", "Starter")
    response = staff_1_client.post(
        f"/stab/igangsettere/grupper/{group.pk}/tildel/", {"starter": theirs.pk}
    )
    assert messages_after(staff_1_client, response) == [
        "Ingenting ble endret: Velg en av senterets aktive igangsettere."
    ]
    assert Assignment.objects.count() == 0


def test_staff_release_a_starter(staff_1_client, group, ola):
    assignment = AssignmentFactory(group=group, starter=ola, status="accepted")

    response = staff_1_client.post(f"/stab/igangsettere/oppdrag/{assignment.pk}/frigi/")

    assert messages_after(staff_1_client, response) == [
        "Ola Hansen setter ikke lenger i gang gruppa. De kommende møtene er frigitt."
    ]
    assignment.refresh_from_db()
    assert assignment.status == "released"
    assert list(assignment.bookings.values_list("is_active", flat=True)) == [False, False]


def test_staff_replace_a_starter_who_declined(staff_1_client, group, ola, kari):
    declined = AssignmentFactory(group=group, starter=kari, status="declined")
    block = starters_block(starters_tab(staff_1_client, group))
    assert "Venter på en erstatter" in plain(block)

    response = staff_1_client.post(
        f"/stab/igangsettere/oppdrag/{declined.pk}/erstatt/", {"starter": ola.pk}
    )

    assert messages_after(staff_1_client, response) == [
        "Ola Hansen tar over etter Kari Lie og er spurt om å komme på de kommende møtene."
    ]
    new = Assignment.objects.get(starter=ola)
    assert (new.replaces, new.status) == (declined, "pending")
    block = starters_block(starters_tab(staff_1_client, group))
    assert "Venter på en erstatter" not in plain(block)


def test_another_centres_group_and_assignment_are_not_found(staff_1_client, centre_2, ola):
    theirs = GroupFactory(centre=centre_2, start_date=MONDAY)
    assignment = AssignmentFactory(group=theirs, starter=starter(centre_2, "Sør", "Starter"))
    for path, data in [
        (f"/stab/igangsettere/grupper/{theirs.pk}/tildel/", {"starter": ola.pk}),
        (f"/stab/igangsettere/oppdrag/{assignment.pk}/frigi/", {}),
        (f"/stab/igangsettere/oppdrag/{assignment.pk}/erstatt/", {"starter": ola.pk}),
    ]:
        assert staff_1_client.post(path, data).status_code == 404, path
    assert list(Assignment.objects.values_list("status", flat=True)) == ["pending"]


def test_changes_are_post_only(staff_1_client, group, ola):
    assignment = AssignmentFactory(group=group, starter=ola)
    for path in (
        f"/stab/igangsettere/grupper/{group.pk}/tildel/",
        f"/stab/igangsettere/oppdrag/{assignment.pk}/frigi/",
        f"/stab/igangsettere/oppdrag/{assignment.pk}/erstatt/",
    ):
        assert staff_1_client.get(path).status_code == 405, path


def test_the_starters_tab_makes_the_same_queries_with_one_starter_as_with_many(
    staff_1_client, centre_1, group, ola
):
    AssignmentFactory(group=group, starter=ola, status="accepted")
    starter(centre_1, "Ledig", "Starter")  # one to suggest
    with CaptureQueriesContext(connection) as one:
        starters_tab(staff_1_client, group)

    for n in range(4):
        other = starter(centre_1, f"Navn{n}", "Etternavn")
        if n == 0:
            AssignmentFactory(group=group, starter=other, status="declined")
        elif n == 1:
            # Declined too: the group stays one short, so suggestions are still worked out.
            AssignmentFactory(group=group, starter=other, status="declined")
        else:
            busy = GroupFactory(centre=centre_1, weekday=0, start_date=MONDAY, staff=UserFactory())
            AssignmentFactory(group=busy, starter=other)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        body = starters_tab(staff_1_client, group)

    assert len(rows(starters_block(body), "group-starters")) == 3
    assert len(many) == len(one)
