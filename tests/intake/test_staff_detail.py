"""One application for staff (/stab/soknader/<pk>/): details, audit, notes, status changes."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from intake.enums import Status
from intake.models import Application, IntakeNote
from selvhjelp.models import AuditEvent, Theme
from tests.factories import (
    ApplicationFactory,
    IntakeNoteFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.fetching import no_lazy_loads

MARKER = "MARKØR-jeg-sover-dårlig"


def url(application, suffix="") -> str:
    return f"/stab/soknader/{application.pk}/{suffix}"


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def actions(application) -> list[tuple[str, str]]:
    events = AuditEvent.objects.for_object("intake.application", application.pk).order_by("id")
    return [(event.action, event.actor_label) for event in events]


def status_buttons(response) -> list[str]:
    return re.findall(r'<input type="hidden" name="to" value="([a-z_]+)">', text(response))


@pytest.fixture
def application(centre_1):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")
    with time_machine.travel(datetime(2026, 9, 1, 8, 30, tzinfo=UTC), tick=False):
        return ApplicationFactory(
            centre=centre_1,
            first_name="Kari",
            last_name="Berg",
            email="kari@example.no",
            phone="+4741234567",
            birth_date=date(1980, 5, 1),
            gender="woman",
            availability=["mon-evening", "thu-day"],
            theme=theme,
            areas=["grief", "loneliness"],
            about=MARKER,
        )


# --- Reading -------------------------------------------------------------------------------


def test_the_page_shows_everything_and_is_not_cached(staff_1_client, application):
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        response = staff_1_client.get(url(application))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))
    for expected in [
        "Kari Berg",
        "kari@example.no",
        "41 23 45 67",
        "01.05.1980 (46 år)",
        "Kvinne",
        "Mandag kveld",
        "Torsdag dagtid",
        "Sorggruppe",
        "01.09.2026 10:30 (har ventet 11 uker)",
        "Nettskjemaet",
        "Personvernerklæring versjon 2026-11",
        "Sorg",
        "Ensomhet",
        MARKER,
    ]:
        assert expected in page, expected
    assert "registrert av" not in page


def test_every_view_is_recorded_as_a_read_of_health_data(staff_1_client, staff_1, application):
    staff_1_client.get(url(application))
    staff_1_client.get(url(application))

    viewed = AuditEvent.objects.filter(action="application.viewed")
    assert [(e.actor_id, e.centre_id, e.object_id) for e in viewed] == [
        (staff_1.pk, application.centre_id, str(application.pk)),
        (staff_1.pk, application.centre_id, str(application.pk)),
    ]


def test_another_centres_application_is_not_found(staff_1_client, centre_2):
    theirs = ApplicationFactory(centre=centre_2, about=MARKER)

    for response in [
        staff_1_client.get(url(theirs)),
        staff_1_client.post(url(theirs, "notat/"), {"text": "Hei"}),
        staff_1_client.post(url(theirs, "status/"), {"to": "waiting"}),
    ]:
        assert response.status_code == 404
        assert MARKER not in text(response)
    theirs.refresh_from_db()
    assert theirs.status == Status.RECEIVED
    assert IntakeNote.objects.count() == 0
    assert AuditEvent.objects.filter(object_id=str(theirs.pk)).count() == 0


def test_a_signed_in_user_who_is_not_staff_is_refused(client, application):
    client.force_login(UserFactory(username="ikke-stab"))

    for response in [
        client.get("/stab/soknader/"),
        client.get("/stab/soknader/ny/"),
        client.get(url(application)),
        client.post(url(application, "notat/"), {"text": "Hei"}),
        client.post(url(application, "status/"), {"to": "waiting"}),
    ]:
        assert response.status_code == 403
        assert MARKER not in text(response)
    assert AuditEvent.objects.filter(action="application.viewed").count() == 0


def test_staff_registered_applications_say_by_whom(staff_1_client, centre_1):
    registered = ApplicationFactory(
        centre=centre_1,
        staff_registered=True,
        registered_by__username="ola",
        registered_by__first_name="Ola",
        registered_by__last_name="Nordmann",
    )

    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(staff_1_client.get(url(registered)))))

    assert "På telefon, registrert av Ola Nordmann" in page
    assert "(gitt muntlig)" in page


def test_the_timeline_lists_events_and_notes_newest_first(staff_1_client, application):
    colleague = StaffMembershipFactory(
        centre=application.centre,
        user__username="kollega",
        user__first_name="Per",
        user__last_name="Lund",
    ).user
    other_client = Client()
    other_client.force_login(colleague)
    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=UTC), tick=False):
        other_client.post(url(application, "notat/"), {"text": "Ringte, avtalte samtale."})
    with time_machine.travel(datetime(2026, 11, 3, 9, tzinfo=UTC), tick=False):
        staff_1_client.post(url(application, "status/"), {"to": "in_dialogue"})
    with time_machine.travel(datetime(2026, 11, 4, 9, tzinfo=UTC), tick=False):
        response = staff_1_client.get(url(application))

    timeline = text(response).split('id="timeline-heading"')[1]
    entries = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", entry)).strip()
        for entry in re.findall(r"<li[^>]*>(.*?)</li>", timeline, re.S)
    ]
    assert entries == [
        "04.11.2026 10:00 stab-nord: åpnet søknaden",
        "03.11.2026 10:00 stab-nord: startet samtalen",
        "02.11.2026 10:00 kollega: skrev et notat fra samtalen",
        "02.11.2026 10:00 Notat fra samtalen, skrevet av Per Lund Ringte, avtalte samtale.",
    ]


def test_the_page_takes_the_same_number_of_queries_however_long_its_history(
    staff_1_client, application
):
    def count():
        with CaptureQueriesContext(connection) as queries, no_lazy_loads():
            assert staff_1_client.get(url(application)).status_code == 200
        return len(queries)

    first = count()
    IntakeNoteFactory.create_batch(10, application=application)
    for _ in range(5):
        staff_1_client.get(url(application))

    # session, user, staff check, application, audit insert, events, notes
    assert (first, count()) == (7, 7)


# --- Notes ---------------------------------------------------------------------------------


def test_a_note_is_saved_audited_and_shown(staff_1_client, staff_1, application):
    response = staff_1_client.post(
        url(application, "notat/"), {"text": "  Snakket i telefonen.\nVil helst ha kveld.  "}
    )

    assert response.status_code == 302
    assert response.url == url(application)
    note = IntakeNote.objects.get()
    assert (note.application, note.author, note.text) == (
        application,
        staff_1,
        "Snakket i telefonen.\nVil helst ha kveld.",
    )
    assert ("application.note_added", "stab-nord") in actions(application)
    page = staff_1_client.get(response.url)
    assert messages_of(page) == ["Notatet er lagret."]
    assert "<p>Snakket i telefonen.<br>Vil helst ha kveld.</p>" in text(page)


@pytest.mark.parametrize("note", ["", "   \n  "])
def test_an_empty_note_is_refused(staff_1_client, application, note):
    response = staff_1_client.post(url(application, "notat/"), {"text": note}, follow=True)

    assert messages_of(response) == [
        "Notatet ble ikke lagret: Skriv noe i notatet før du lagrer det."
    ]
    assert IntakeNote.objects.count() == 0


def test_a_note_over_the_limit_is_refused(staff_1_client, application):
    response = staff_1_client.post(url(application, "notat/"), {"text": "x" * 4001}, follow=True)

    assert messages_of(response) == [
        "Notatet ble ikke lagret: Et notat kan ha høyst 4000 tegn (dette har 4001)."
    ]
    assert IntakeNote.objects.count() == 0


def test_notes_and_status_changes_only_take_posts(staff_1_client, application):
    assert staff_1_client.get(url(application, "notat/")).status_code == 405
    assert staff_1_client.get(url(application, "status/")).status_code == 405


# --- Status --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        (Status.RECEIVED, ["in_dialogue", "waiting", "not_suitable", "withdrawn"]),
        (Status.IN_DIALOGUE, ["waiting", "not_suitable", "withdrawn"]),
        (Status.WAITING, ["in_dialogue", "not_suitable", "withdrawn"]),
        (Status.OFFERED, ["withdrawn"]),  # back to waiting only through the offer
        (Status.PLACED, ["withdrawn"]),
        (Status.NOT_SUITABLE, ["waiting"]),
        (Status.WITHDRAWN, []),
    ],
)
def test_only_allowed_status_changes_are_offered(staff_1_client, centre_1, status, buttons):
    application = ApplicationFactory(centre=centre_1, status=status)

    assert status_buttons(staff_1_client.get(url(application))) == buttons


@pytest.mark.parametrize(
    ("start", "to", "post", "message"),
    [
        (Status.RECEIVED, Status.IN_DIALOGUE, {}, "Statusen er nå «i dialog»."),
        (Status.RECEIVED, Status.WAITING, {}, "Statusen er nå «venter på gruppe»."),
        (Status.IN_DIALOGUE, Status.WAITING, {}, "Statusen er nå «venter på gruppe»."),
        (Status.WAITING, Status.IN_DIALOGUE, {}, "Statusen er nå «i dialog»."),
        (Status.NOT_SUITABLE, Status.WAITING, {}, "Statusen er nå «venter på gruppe»."),
        (Status.OFFERED, Status.WITHDRAWN, {}, "Statusen er nå «trukket»."),
        (Status.RECEIVED, Status.WITHDRAWN, {}, "Statusen er nå «trukket»."),
        (
            Status.IN_DIALOGUE,
            Status.NOT_SUITABLE,
            {"reason": " Ønsker individuell oppfølging først. "},
            "Statusen er nå «ikke aktuell».",
        ),
    ],
)
def test_allowed_status_changes_go_through(staff_1_client, centre_1, start, to, post, message):
    application = ApplicationFactory(centre=centre_1, status=start)

    response = staff_1_client.post(url(application, "status/"), {"to": to, **post}, follow=True)

    application.refresh_from_db()
    assert application.status == to
    assert application.not_suitable_reason == (
        "Ønsker individuell oppfølging først." if to == Status.NOT_SUITABLE else ""
    )
    assert messages_of(response) == [message]
    assert actions(application)[0] == (f"application.{to}", "stab-nord")


@pytest.mark.parametrize(
    ("start", "to", "label"),
    [
        (Status.WITHDRAWN, Status.IN_DIALOGUE, "trukket"),
        (Status.WITHDRAWN, Status.WAITING, "trukket"),
        (Status.PLACED, Status.IN_DIALOGUE, "har plass i gruppe"),
        (Status.NOT_SUITABLE, Status.WITHDRAWN, "ikke aktuell"),
        (Status.OFFERED, Status.IN_DIALOGUE, "tilbudt plass"),
    ],
)
def test_a_status_change_the_rules_do_not_allow_changes_nothing(
    staff_1_client, centre_1, start, to, label
):
    application = ApplicationFactory(centre=centre_1, status=start)

    response = staff_1_client.post(url(application, "status/"), {"to": to}, follow=True)

    application.refresh_from_db()
    assert application.status == start
    assert messages_of(response) == [f"Dette kan ikke gjøres nå: søknaden har status «{label}»."]
    assert [action for action, _ in actions(application)] == ["application.viewed"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_not_suitable_needs_a_reason(staff_1_client, centre_1, reason):
    application = ApplicationFactory(centre=centre_1, status=Status.IN_DIALOGUE)

    response = staff_1_client.post(
        url(application, "status/"), {"to": "not_suitable", "reason": reason}, follow=True
    )

    application.refresh_from_db()
    assert application.status == Status.IN_DIALOGUE
    assert messages_of(response) == [
        "Statusen ble ikke endret: Skriv hvorfor søknaden ikke er aktuell før du markerer den slik."
    ]


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"to": "offered"}, "Statusen ble ikke endret: Den statusen kan ikke settes her."),
        ({"to": "placed"}, "Statusen ble ikke endret: Den statusen kan ikke settes her."),
        ({"to": "received"}, "Statusen ble ikke endret: Den statusen kan ikke settes her."),
        ({}, "Statusen ble ikke endret: Velg hva statusen skal endres til."),
        (
            {"to": "not_suitable", "reason": "x" * 301},
            "Statusen ble ikke endret: Begrunnelsen kan ha høyst 300 tegn.",
        ),
    ],
)
def test_bad_status_input_changes_nothing(staff_1_client, centre_1, post, message):
    application = ApplicationFactory(centre=centre_1, status=Status.WAITING)

    response = staff_1_client.post(url(application, "status/"), post, follow=True)

    application.refresh_from_db()
    assert application.status == Status.WAITING
    assert messages_of(response) == [message]
    assert [action for action, _ in actions(application)] == ["application.viewed"]


def test_a_stale_page_cannot_move_an_application_someone_else_already_moved(
    staff_1_client, centre_1
):
    application = ApplicationFactory(centre=centre_1, status=Status.RECEIVED)
    Application.objects.filter(pk=application.pk).update(status=Status.WITHDRAWN)

    response = staff_1_client.post(url(application, "status/"), {"to": "waiting"}, follow=True)

    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert messages_of(response) == ["Dette kan ikke gjøres nå: søknaden har status «trukket»."]
