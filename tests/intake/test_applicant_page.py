"""The applicant's own page: their data only, behind an unguessable signed link."""

import json

import pytest
from django.core import mail
from django.db import connection

from intake.models import Application
from selvhjelp import outbox, registry
from selvhjelp.models import AuditEvent, Notification
from tests.factories import CentreFactory
from tests.intake.test_apply import MARKER, valid

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(db):
    return CentreFactory(name="Selvhjelpshuset", slug="selvhjelpshuset")


def apply(client, **changes) -> Application:
    key = f"00000000-0000-4000-8000-{Application.objects.count() + 1:012d}"
    response = client.post("/soknad/", valid(submission_key=key, **changes))
    assert response.status_code == 302
    return Application.objects.order_by("-pk").first()


@pytest.fixture
def kari(client, centre):
    return apply(client)


@pytest.fixture
def per(client, centre):
    return apply(
        client,
        first_name="Per",
        last_name="Lunde",
        email="per@example.no",
        about="Per sin tekst",
        areas=["work"],
    )


def everything_stored() -> str:
    """Every row of every table, as text."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


def test_the_page_shows_the_applicants_own_status_and_details(client, kari, per):
    page = client.get(f"/soknad/{kari.token}/").content.decode()
    assert "Hei, Kari" in page
    assert "Vi har fått søknaden din." in page
    assert "kari.nordmann@example.no" in page
    assert "41 23 45 67" in page
    assert "tirsdag kveld, torsdag dagtid" in page
    assert "per@example.no" not in page
    assert "Lunde" not in page
    assert "no-store" in client.get(f"/soknad/{kari.token}/")["Cache-Control"]
    assert 'name="robots" content="noindex, nofollow"' in page


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token:at-all",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbb",
    ],
)
def test_a_wrong_link_is_a_plain_404(client, kari, token):
    response = client.get(f"/soknad/{token}/")
    assert response.status_code == 404
    assert "Kari" not in response.content.decode()


def test_a_link_with_a_forged_signature_or_someone_elses_key_is_a_404(client, kari, per):
    key, signature = kari.token.split(":")
    other_key, other_signature = per.token.split(":")
    assert client.get(f"/soknad/{key}:{other_signature}/").status_code == 404
    assert client.get(f"/soknad/{other_key}:{signature}/").status_code == 404
    assert client.get(f"/soknad/{key}:{signature[:-1]}x/").status_code in (404,)


def test_the_applicant_changes_contact_details_and_availability(client, kari):
    response = client.post(
        f"/soknad/{kari.token}/endre/",
        {"email": "kari@example.com", "phone": "98765432", "availability": ["mon-day"]},
    )
    assert response.status_code == 302
    kari.refresh_from_db()
    assert (kari.email, kari.phone.as_e164, kari.availability) == (
        "kari@example.com",
        "+4798765432",
        ["mon-day"],
    )
    assert AuditEvent.objects.filter(action="application.details_changed").count() == 1


def test_messages_not_yet_sent_follow_the_new_address_and_sent_ones_keep_theirs(client, kari):
    pending = Notification.objects.get()
    sent = Notification.objects.create(
        kind=pending.kind,
        channel=pending.channel,
        to_address=pending.to_address,
        to_name=pending.to_name,
        language=pending.language,
        recipient_type=pending.recipient_type,
        recipient_id=pending.recipient_id,
        idempotency_key="sent-before",
        sent_at=pending.due_at,
        due_at=pending.due_at,
        state="sent",
    )

    client.post(
        f"/soknad/{kari.token}/endre/",
        {"email": "kari@example.com", "phone": "98765432", "availability": ["mon-day"]},
    )

    pending.refresh_from_db()
    sent.refresh_from_db()
    assert (pending.to_address, sent.to_address) == ("kari@example.com", "kari.nordmann@example.no")


def test_bad_details_change_nothing(client, kari):
    response = client.post(
        f"/soknad/{kari.token}/endre/", {"email": "nope", "phone": "12", "availability": []}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"email", "phone", "availability"}
    kari.refresh_from_db()
    assert kari.email == "kari.nordmann@example.no"


def test_the_applicant_withdraws_and_pending_messages_stop(client, kari):
    assert Notification.objects.get().state == "pending"
    assert client.get(f"/soknad/{kari.token}/trekk/").status_code == 200
    response = client.post(f"/soknad/{kari.token}/trekk/", follow=True)
    kari.refresh_from_db()
    assert kari.status == "withdrawn"
    assert "Søknaden din er trukket." in response.content.decode()
    assert Notification.objects.get().state == "cancelled"
    # Nothing left to withdraw or change.
    page = client.get(f"/soknad/{kari.token}/").content.decode()
    assert f"/soknad/{kari.token}/trekk/" not in page
    assert f"/soknad/{kari.token}/endre/" not in page
    again = client.post(f"/soknad/{kari.token}/trekk/", follow=True)
    assert "Dette kan ikke gjøres nå" in again.content.decode()


def test_the_applicant_sees_and_downloads_everything_stored(client, kari, settings):
    settings.CELERY_BROKER_URL = ""
    outbox.dispatch_due()
    page = client.get(f"/soknad/{kari.token}/data/").content.decode()
    assert MARKER in page
    response = client.get(f"/soknad/{kari.token}/data.json")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="mine-opplysninger.json"'
    data = json.loads(response.content)
    assert data["intake"]["application"]["about"] == MARKER
    assert data["intake"]["application"]["areas"] == ["grief", "loneliness"]
    assert data["intake"]["messages"][0]["kind"] == "intake.receipt"
    assert data["intake"]["messages"][0]["state"] == "sent"
    assert AuditEvent.objects.filter(action="application.exported").count() == 2


def test_erasing_leaves_the_marker_in_no_table(client, kari, per, settings):
    settings.CELERY_BROKER_URL = ""
    outbox.dispatch_due()
    assert MARKER in everything_stored()
    assert client.get(f"/soknad/{kari.token}/slett/").status_code == 200
    # Without the confirmation nothing happens.
    client.post(f"/soknad/{kari.token}/slett/", {})
    assert Application.objects.filter(pk=kari.pk).exists()
    response = client.post(f"/soknad/{kari.token}/slett/", {"confirm": "yes"})
    assert response["Location"] == "/soknad/slettet/"
    stored = everything_stored()
    assert MARKER not in stored
    assert "kari.nordmann@example.no" not in stored
    assert "Nordmann" not in stored
    assert client.get(f"/soknad/{kari.token}/").status_code == 404
    # Per is untouched; the erasure itself is on record without personal data.
    assert Application.objects.get() == per
    event = AuditEvent.objects.get(action="application.erased")
    assert event.object_id == str(kari.pk)


def test_a_lost_link_is_sent_again_and_the_answer_never_tells_who_applied(client, kari, settings):
    settings.CELERY_BROKER_URL = ""
    outbox.dispatch_due()
    mail.outbox.clear()
    known = client.post("/soknad/mistet-lenke/", {"email": "KARI.nordmann@example.no"})
    unknown = client.post("/soknad/mistet-lenke/", {"email": "nobody@example.no"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    client.post("/soknad/mistet-lenke/", {"email": "kari.nordmann@example.no"})  # asked twice
    outbox.dispatch_due()
    (email,) = mail.outbox
    assert email.subject == "Lenken til din egen side"
    assert f"/soknad/{kari.token}/" in email.body


def test_sections_registered_by_other_apps_appear_on_the_page(client, kari, monkeypatch):
    monkeypatch.setattr(registry, "_sections", {})
    registry.register_applicant_section(
        registry.ApplicantSection(
            "test.offer", "partials/messages.html", lambda app, request: {"x": app.pk}
        )
    )
    registry.register_applicant_section(
        registry.ApplicantSection("test.none", "does/not/exist.html", lambda app, request: None)
    )
    response = client.get(f"/soknad/{kari.token}/")
    assert response.status_code == 200
    assert [s["context"] for s in response.context["sections"]] == [{"x": kari.pk}]
