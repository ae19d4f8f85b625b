"""Staff correct an application when the person says it is wrong (/stab/soknader/<pk>/rett/)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from intake import services
from intake.models import Application
from selvhjelp import outbox
from selvhjelp.enums import Channel
from selvhjelp.models import AuditEvent, Notification, Theme
from tests.factories import ApplicationFactory

MARKER = "MARKØR-jeg-sover-dårlig"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def theme(centre_1):
    return Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")


@pytest.fixture
def application(centre_1, theme):
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
        applied_at=datetime(2026, 9, 1, 8, 30, tzinfo=UTC),
    )


def url(application) -> str:
    return f"/stab/soknader/{application.pk}/rett/"


def form_data(**changes) -> dict:
    data = {
        "first_name": "Kari",
        "last_name": "Berg",
        "email": "kari@example.no",
        "phone": "412 34 567",
        "birth_date": "1980-05-01",
        "gender": "woman",
        "language": "nb",
        "availability": ["mon-evening", "thu-day"],
        "theme": "",
        "areas": ["grief", "loneliness"],
        "about": MARKER,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def corrections():
    return AuditEvent.objects.filter(action="application.corrected")


def test_the_form_shows_the_details_as_they_are_and_opening_it_is_a_read(
    staff_1_client, application, theme
):
    detail = staff_1_client.get(f"/stab/soknader/{application.pk}/").content.decode()
    assert f'href="{url(application)}"' in detail
    reads = AuditEvent.objects.filter(action="application.viewed").count()

    response = staff_1_client.get(url(application))

    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'value="Kari"' in body
    assert 'value="kari@example.no"' in body
    assert 'value="1980-05-01"' in body
    assert f'<option value="{theme.pk}" selected>Sorggruppe</option>' in body
    assert MARKER in body
    assert AuditEvent.objects.filter(action="application.viewed").count() == reads + 1


def test_staff_correct_the_details_and_the_history_names_the_fields_only(
    staff_1, staff_1_client, application
):
    response = staff_1_client.post(
        url(application),
        form_data(
            last_name="Berg-Lund",
            birth_date="01.05.1981",
            gender="unspecified",
            theme="mixed",
            areas=["grief"],
            about="Jeg sover bedre nå.",
            availability=["tue-evening"],
        ),
    )

    assert response.url == f"/stab/soknader/{application.pk}/"
    application.refresh_from_db()
    assert (application.last_name, application.birth_date, application.gender) == (
        "Berg-Lund",
        date(1981, 5, 1),
        "unspecified",
    )
    assert (application.theme, application.areas, application.availability) == (
        None,
        ["grief"],
        ["tue-evening"],
    )
    assert application.about == "Jeg sover bedre nå."
    (event,) = corrections()
    assert (event.actor, event.object_id) == (staff_1, str(application.pk))
    assert event.detail == {
        "fields": [
            "about",
            "areas_mask",
            "availability_mask",
            "birth_date",
            "gender",
            "last_name",
            "theme_id",
        ]
    }
    page = staff_1_client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == ["Opplysningene er rettet."]
    assert "rettet opplysningene etter ønske fra personen" in page.content.decode()


def test_a_corrected_address_and_name_reach_the_messages_not_yet_sent(staff_1_client, application):
    outbox.notify(
        "intake.receipt",
        recipient=outbox.Recipient("kari@example.no", "nb", "Kari", ref=application),
        key="receipt-before",
        channel=Channel.EMAIL,
        about=application,
        centre=application.centre,
    )
    outbox.notify(
        "intake.receipt",
        recipient=outbox.Recipient("+4741234567", "nb", "Kari", ref=application),
        key="sms-before",
        channel=Channel.SMS,
        about=application,
        centre=application.centre,
    )

    staff_1_client.post(
        url(application),
        form_data(first_name="Karin", email="karin@example.no", phone="987 65 432"),
    )

    rows = Notification.objects.order_by("channel").values_list("channel", "to_address", "to_name")
    assert list(rows) == [
        ("email", "karin@example.no", "Karin"),
        ("sms", "+4798765432", "Karin"),
    ]


def test_a_gender_left_empty_is_stored_as_not_said(staff_1_client, application):
    response = staff_1_client.post(url(application), form_data(gender=""))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.gender == "unspecified"


def test_saving_what_is_already_there_changes_nothing_and_records_nothing(
    staff_1_client, application, theme
):
    response = staff_1_client.post(url(application), form_data(theme=str(theme.pk)))

    page = staff_1_client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == [
        "Ingenting var annerledes, så ingenting ble endret."
    ]
    assert not corrections().exists()


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        (
            {"birth_date": "2008-12-01"},
            "birth_date",
            "Selvhjelpsgrupper er for voksne: personen må ha fylt 18 år for å søke.",
        ),
        (
            {"birth_date": "2008-10-01"},
            "birth_date",
            "Med denne fødselsdatoen var personen under 18 år da søknaden kom (01.09.2026).",
        ),
        ({"first_name": "  "}, "first_name", "Dette feltet er påkrevd."),
        ({"availability": []}, "availability", None),
        ({"areas": ["flying"]}, "areas", None),
        ({"email": "ikke-en-adresse"}, "email", None),
        ({"theme": "999999"}, "theme", None),
    ],
)
def test_a_bad_correction_is_shown_again_and_changes_nothing(
    staff_1_client, application, changes, field, error
):
    before = Application.objects.values().get(pk=application.pk)

    response = staff_1_client.post(url(application), form_data(**changes))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if error is not None:
        assert error in errors[field][0]
    assert Application.objects.values().get(pk=application.pk) == before
    assert not corrections().exists()


def test_another_centres_theme_cannot_be_chosen(staff_1_client, application, centre_2):
    other = Theme.objects.create(centre=centre_2, slug="angst", name="Angstgruppe")

    response = staff_1_client.post(url(application), form_data(theme=str(other.pk)))

    assert list(response.context["form"].errors) == ["theme"]
    application.refresh_from_db()
    assert application.theme.slug == "sorg"


def test_the_database_refuses_someone_who_was_under_18_when_they_applied(application):
    with pytest.raises(IntegrityError), transaction.atomic():
        services.correct_details(application, staff=None, birth_date=date(2008, 10, 1))


def test_only_the_applications_own_centre_may_correct_it(client, staff_2, application):
    client.force_login(staff_2)

    assert client.get(url(application)).status_code == 404
    assert client.post(url(application), form_data(last_name="X")).status_code == 404
    application.refresh_from_db()
    assert application.last_name == "Berg"
