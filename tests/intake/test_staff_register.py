"""Staff register an application for someone who phoned or came in (/stab/soknader/ny/)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from intake.enums import Source, Status
from intake.models import Application
from selvhjelp.models import AuditEvent, Notification, Theme
from tests.factories import StaffMembershipFactory

URL = "/stab/soknader/ny/"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
TOO_YOUNG = (
    "Selvhjelpsgrupper er for voksne: personen må ha fylt 18 år for å søke. Ingenting er lagret."
)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def valid(**changes) -> dict:
    data = {
        "first_name": "Nora",
        "last_name": "Dahl",
        "email": "Nora.Dahl@Example.no",
        "phone": "412 34 567",
        "birth_date": "1988-03-14",
        "gender": "woman",
        "availability": ["tue-evening", "wed-day"],
        "theme": "mixed",
        "areas": ["burnout", "work"],
        "about": "Sliten etter lang tid i jobb.",
        "source": "phone",
        "language": "nb",
        "confirmed": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def errors(response) -> list[str]:
    """The messages in the error summary at the top of the form."""
    summary = text(response).split('role="alert"')[1].split("</ul>")[0]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", summary, re.S)
    ]


def text(response) -> str:
    return response.content.decode()


def test_the_form_is_shown_and_not_cached(staff_1_client):
    response = staff_1_client.get(URL)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'name="source" value="phone"' in text(response)
    assert 'name="source" value="in_person"' in text(response)
    assert 'name="centre"' not in text(response)  # one centre: nothing to choose


def test_registering_creates_the_application_with_its_source_and_a_receipt(
    frozen, staff_1_client, staff_1, centre_1
):
    response = staff_1_client.post(URL, valid())

    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == f"/stab/soknader/{application.pk}/"
    assert {
        "centre": application.centre,
        "status": application.status,
        "source": application.source,
        "registered_by": application.registered_by,
        "name": (application.first_name, application.last_name),
        "email": application.email,
        "phone": application.phone.as_e164,
        "birth_date": application.birth_date,
        "gender": application.gender,
        "availability": application.availability,
        "theme": application.theme,
        "areas": application.areas,
        "about": application.about,
        "language": application.language,
        "confirmations": (
            application.confirm_own_choice,
            application.confirm_weekly,
            application.confirm_commitment,
        ),
        "consent": (application.consent_version, application.consent_at),
    } == {
        "centre": centre_1,
        "status": Status.RECEIVED,
        "source": Source.PHONE,
        "registered_by": staff_1,
        "name": ("Nora", "Dahl"),
        "email": "nora.dahl@example.no",
        "phone": "+4741234567",
        "birth_date": date(1988, 3, 14),
        "gender": "woman",
        "availability": ["tue-evening", "wed-day"],
        "theme": None,
        "areas": ["burnout", "work"],
        "about": "Sliten etter lang tid i jobb.",
        "language": "nb",
        "confirmations": (True, True, True),
        "consent": ("2026-11", NOW),
    }
    receipt = Notification.objects.get()
    assert (receipt.kind, receipt.to_address, receipt.params) == (
        "intake.receipt",
        "nora.dahl@example.no",
        {"application_id": application.pk},
    )
    event = AuditEvent.objects.get(action="application.registered")
    assert (event.actor, event.object_id, event.detail) == (
        staff_1,
        str(application.pk),
        {"source": "phone"},
    )
    page = staff_1_client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == [
        "Søknaden for Nora er registrert. En kvittering er på vei til nora.dahl@example.no."
    ]


def test_in_person_in_a_theme_group(frozen, staff_1_client, centre_1):
    theme = Theme.objects.create(centre=centre_1, slug="sorg", name="Sorggruppe")

    staff_1_client.post(URL, valid(source="in_person", theme=str(theme.pk), language="en"))

    application = Application.objects.get()
    assert (application.source, application.theme, application.language) == (
        Source.IN_PERSON,
        theme,
        "en",
    )


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        ("2008-11-21", "Fødselsdato: " + TOO_YOUNG),  # 18 tomorrow
        ("2015-01-01", "Fødselsdato: " + TOO_YOUNG),
        ("2027-01-01", "Fødselsdato: Fødselsdatoen kan ikke være fram i tid."),
        ("1900-01-01", "Fødselsdato: Sjekk årstallet: da ville personen vært over 110 år."),
        ("31.02.1990", "Fødselsdato: Skriv datoen som dag.måned.år, for eksempel 24.12.1980."),
    ],
)
def test_a_bad_birth_date_is_refused_and_nothing_is_stored(
    frozen, staff_1_client, birth_date, message
):
    response = staff_1_client.post(URL, valid(birth_date=birth_date))

    assert response.status_code == 200
    assert errors(response) == [message]
    assert Application.objects.count() == 0
    assert Notification.objects.count() == 0


def test_eighteen_today_may_apply(frozen, staff_1_client):
    staff_1_client.post(URL, valid(birth_date="2008-11-20"))

    assert Application.objects.get().birth_date == date(2008, 11, 20)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"confirmed": None},
            "Bekreft at personen ga disse bekreftelsene og sitt samtykke. Uten dem kan "
            "søknaden ikke registreres.",
        ),
        (
            {"source": None},
            "Hvordan tok personen kontakt?: Velg om personen ringte eller kom innom.",
        ),
        (
            {"source": "web"},
            "Hvordan tok personen kontakt?: Velg et gyldig valg. web er ikke et av de "
            "tilgjengelige valgene.",
        ),
        (
            {"availability": None},
            "Når kan personen møte?: Velg minst ett tidspunkt personen kan møte.",
        ),
        ({"first_name": "   "}, "Fornavn: Dette feltet er påkrevd."),
        ({"phone": "123"}, "Mobilnummer: Skriv et gyldig mobilnummer, for eksempel 412 34 567."),
    ],
)
def test_missing_or_wrong_answers_are_refused(frozen, staff_1_client, changes, message):
    response = staff_1_client.post(URL, valid(**changes))

    assert response.status_code == 200
    assert errors(response) == [message]
    assert Application.objects.count() == 0


def test_another_centres_theme_cannot_be_chosen(frozen, staff_1_client, centre_2):
    theirs = Theme.objects.create(centre=centre_2, slug="sorg", name="Sorggruppe")

    response = staff_1_client.post(URL, valid(theme=str(theirs.pk)))

    assert errors(response) == [
        f"Hva slags gruppe?: Velg et gyldig valg. {theirs.pk} er ikke et av de tilgjengelige "
        "valgene."
    ]
    assert Application.objects.count() == 0


def test_staff_of_several_centres_choose_the_centre(frozen, client, staff_1, centre_1, centre_2):
    StaffMembershipFactory(user=staff_1, centre=centre_2)
    south_theme = Theme.objects.create(centre=centre_2, slug="sorg", name="Sorggruppe")
    client.force_login(staff_1)

    missing = client.post(URL, valid())
    wrong_theme = client.post(URL, valid(centre="nord", theme=str(south_theme.pk)))
    client.post(URL, valid(centre="sor", theme=str(south_theme.pk)))

    assert errors(missing) == ["Senter: Dette feltet er påkrevd."]
    assert errors(wrong_theme) == ["Hva slags gruppe?: Det senteret har ikke denne temagruppen."]
    application = Application.objects.get()
    assert (application.centre, application.theme) == (centre_2, south_theme)
