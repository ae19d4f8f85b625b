"""Erasure leaves nothing: after a person's data is erased, no table holds a trace of it.

A marker goes into every free-text field an applicant or staff can write about a person
(names, what they wrote, intake notes, the reason it was not suitable), messages are queued
and sent, and the person takes part in a group (offers, membership, notices). Then the data
is erased, by the applicant on their own page or by staff on request, and every column of
every table in the database is read with raw SQL (sessions decoded too) for the marker, the
e-mail address and the phone number. The audit log is scanned with the rest: it must never
have held them.
"""

from datetime import date, datetime, time

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client

from groups import services as group_services
from groups.models import AbsenceNotice, Membership
from intake.models import Application
from selvhjelp import outbox
from selvhjelp.models import AuditEvent, Notification
from tests.factories import ApplicationFactory, RoomFactory

pytestmark = pytest.mark.django_db

OSLO = outbox.OSLO
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)  # a Monday; the group starts 1 December
MARKER = "Qzøvrimark"
EMAIL = "Qz.Sporlos@Example.no"
PHONE = "+47 412 98 765"
PHONE_DIGITS = "41298765"
NEEDLES = [MARKER, EMAIL, PHONE_DIGITS]


@pytest.fixture(autouse=True)
def _monday(settings):
    settings.CELERY_BROKER_URL = ""  # the outbox sends in-process
    with time_machine.travel(NOW, tick=False):
        yield


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return repr(value)


def places(*needles: str) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every column of every table that holds a needle."""
    found = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (names from the DB)
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    texts = [_text(value)]
                    if table == "django_session" and column == "session_data":
                        texts.append(repr(SessionStore().decode(value)))
                    for needle in needles:
                        if any(needle.lower() in text.lower() for text in texts):
                            found.add((table, column, needle))
    return found


def test_the_scan_reads_every_table_and_finds_what_is_there():
    tables = set(connection.introspection.table_names())
    assert {"intake_application", "core_auditevent", "core_notification", "django_session"} <= (
        tables
    )
    ApplicationFactory(first_name=MARKER, email=EMAIL.lower(), phone=PHONE)
    session = SessionStore()
    session["note"] = f"about {MARKER}"
    session.save()
    assert places(*NEEDLES) == {
        ("intake_application", "first_name", MARKER),
        ("intake_application", "email", EMAIL),
        ("intake_application", "phone", PHONE_DIGITS),
        ("django_session", "session_data", MARKER),
    }


def application_form(**changes) -> dict:
    data = {
        "first_name": MARKER,
        "last_name": f"{MARKER}sen",
        "email": EMAIL,
        "phone": PHONE,
        "birth_date": "1979-02-11",
        "gender": "man",
        "availability": ["tue-evening", "thu-day"],
        "theme": "mixed",
        "areas": ["grief", "substance"],
        "about": f"Faren min døde i vinter, og jeg drikker for mye. {MARKER}",
        "confirm_own_choice": "on",
        "confirm_weekly": "on",
        "confirm_commitment": "on",
        "consent": "on",
        "submission_key": "0b7e7c1e-5a0e-4b8b-9d55-5c1f3e0f6a01",
    }
    data.update(changes)
    return data


@pytest.fixture
def group(centre_1, staff_1):
    return group_services.create_group(
        centre_1,
        name="Tirsdagsgruppa",
        room=RoomFactory(centre=centre_1, name="Peisestua"),
        weekday=1,
        start_time=time(18, 0),
        start_date=date(2026, 12, 1),
        staff=staff_1,
    )


@pytest.fixture
def per(centre_1, group, staff_1):
    """Another member, who hears about the person's notices and must keep his own data."""
    someone = ApplicationFactory(
        centre=centre_1, status="waiting", availability=["tue-evening"], first_name="Per"
    )
    group_services.accept_offer(group_services.place_applicant(group, someone, staff=staff_1))
    return someone


def test_the_applicants_own_erasure_leaves_nothing(staff_1_client, staff_1, group, per):
    client = Client()  # the applicant's browser (staff_1_client is the staff member's)
    # Applies on the website.
    assert client.post("/soknad/", application_form()).status_code == 302
    applicant = Application.objects.get(email__iexact=EMAIL)
    # Staff read it, talk with them, note it, and put them on the list.
    assert staff_1_client.get(f"/stab/soknader/{applicant.pk}/").status_code == 200
    note = f"Samtale om sorg og alkohol. {MARKER} ringer tilbake på {PHONE_DIGITS}."
    staff_1_client.post(f"/stab/soknader/{applicant.pk}/notat/", {"text": note}, follow=True)
    staff_1_client.post(f"/stab/soknader/{applicant.pk}/status/", {"to": "waiting"}, follow=True)
    # Offered a place, accepted on their own page, signed, then sent both kinds of notice.
    offer = group_services.place_applicant(group, applicant, staff=staff_1)
    page = f"/soknad/{applicant.token}/"
    client.post(f"{page}tilbud/{offer.pk}/", {"answer": "accept"}, follow=True)
    membership = Membership.objects.get(application=applicant)
    group_services.record_signature(membership, signed_on=date(2026, 12, 1), staff=staff_1)
    second = group.meetings.order_by("starts_at")[1]
    client.post(f"{page}beskjed/", {"kind": "absent", "meeting": second.pk}, follow=True)
    client.post(f"{page}beskjed/", {"kind": "leaving"}, follow=True)
    # Lost the link and asked for it again; sees and downloads the data.
    client.post("/soknad/mistet-lenke/", {"email": EMAIL})
    assert client.get(f"{page}data/").status_code == 200
    assert client.get(f"{page}data.json").status_code == 200
    outbox.dispatch_due()
    # Everything above happened (a silently refused post would make the test prove nothing).
    assert applicant.notes.count() == 1
    assert AbsenceNotice.objects.filter(membership=membership).count() == 2
    assert (
        Notification.objects.filter(
            to_address__iexact=EMAIL, state="sent", kind__in=["intake.receipt", "intake.lost_link"]
        ).count()
        == 2
    )
    assert Notification.objects.filter(kind="groups.absence", state="sent").count() == 2
    membership.refresh_from_db()
    assert membership.confidentiality_signed_on == date(2026, 12, 1)

    before = places(*NEEDLES)
    assert {
        ("intake_application", "first_name", MARKER),
        ("intake_application", "about", MARKER),
        ("intake_intakenote", "text", MARKER),
        ("intake_intakenote", "text", PHONE_DIGITS),
        ("core_notification", "to_name", MARKER),
        ("core_notification", "to_address", EMAIL),
    } <= before

    response = client.post(f"{page}slett/", {"confirm": "yes"})
    assert response["Location"] == "/soknad/slettet/"
    assert places(*NEEDLES) == set()
    # Per keeps his place and his messages; the erasure is on record, without the person.
    assert list(Application.objects.values_list("pk", flat=True)) == [per.pk]
    assert Membership.objects.get().application == per
    erased = AuditEvent.objects.get(action="application.erased")
    assert (erased.object_id, erased.actor, erased.detail) == (str(applicant.pk), None, {})


def staff_form(**changes) -> dict:
    data = {
        "first_name": MARKER,
        "last_name": f"{MARKER}sen",
        "email": EMAIL,
        "phone": PHONE,
        "birth_date": "1985-09-30",
        "gender": "woman",
        "availability": ["mon-evening"],
        "theme": "mixed",
        "areas": ["anxiety"],
        "about": f"Ringte selv. Engstelig i store grupper. {MARKER}",
        "source": "phone",
        "language": "nb",
        "confirmed": "on",
    }
    data.update(changes)
    return data


def test_staff_erasure_on_request_leaves_nothing(staff_1_client, staff_1, per):
    response = staff_1_client.post("/stab/soknader/ny/", staff_form(), follow=True)
    assert response.status_code == 200
    applicant = Application.objects.get(email__iexact=EMAIL)
    url = f"/stab/soknader/{applicant.pk}/"
    staff_1_client.post(f"{url}notat/", {"text": f"{MARKER} vil tenke seg om."}, follow=True)
    staff_1_client.post(
        f"{url}status/",
        {"to": "not_suitable", "reason": f"{MARKER} trenger behandling først."},
        follow=True,
    )
    applicant.refresh_from_db()
    assert applicant.status == "not_suitable"
    outbox.dispatch_due()
    assert ("intake_application", "not_suitable_reason", MARKER) in places(MARKER)

    page = staff_1_client.get(url).content.decode()
    assert f'action="{url}slett/"' in page
    response = staff_1_client.post(f"{url}slett/", {"confirm": "on"}, follow=True)
    assert response.redirect_chain == [("/stab/soknader/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Alt vi hadde lagret om personen, er slettet."
    ]
    assert places(*NEEDLES) == set()
    assert list(Application.objects.values_list("pk", flat=True)) == [per.pk]
    erased = AuditEvent.objects.get(action="application.erased")
    assert (erased.object_id, erased.actor, erased.centre.slug) == (
        str(applicant.pk),
        staff_1,
        "nord",
    )


def test_staff_erasure_needs_the_confirmation(staff_1_client, centre_1):
    applicant = ApplicationFactory(centre=centre_1)
    url = f"/stab/soknader/{applicant.pk}/slett/"
    response = staff_1_client.post(url, {}, follow=True)
    assert response.redirect_chain == [(f"/stab/soknader/{applicant.pk}/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Ingenting ble slettet: Kryss av for å bekrefte at personen har bedt om det."
    ]
    assert Application.objects.filter(pk=applicant.pk).exists()
    assert not AuditEvent.objects.filter(action="application.erased").exists()


def test_staff_erasure_is_a_post_by_staff_of_the_same_centre(staff_1_client, centre_2):
    other = ApplicationFactory(centre=centre_2)
    url = f"/stab/soknader/{other.pk}/slett/"
    assert staff_1_client.post(url, {"confirm": "on"}).status_code == 404
    assert staff_1_client.get(url).status_code == 405
    assert Client().post(url, {"confirm": "on"}).status_code == 302  # to the sign-in page
    assert Application.objects.filter(pk=other.pk).exists()
