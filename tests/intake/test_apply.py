"""The public application form: every rule, and bad input changes nothing."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from intake.models import Application
from selvhjelp import outbox
from selvhjelp.models import AuditEvent, Notification, Theme
from tests.factories import CentreFactory

pytestmark = pytest.mark.django_db

MARKER = "MARKØR-sorg-etter-far-9d2f"
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=outbox.OSLO)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def centre(db):
    return CentreFactory(name="Selvhjelpshuset", slug="selvhjelpshuset")


def valid(**changes):
    data = {
        "first_name": "Kari",
        "last_name": "Nordmann",
        "email": "Kari.Nordmann@example.no",
        "phone": "+47 412 34 567",
        "birth_date": "1980-05-17",
        "gender": "woman",
        "availability": ["tue-evening", "thu-day"],
        "theme": "mixed",
        "areas": ["grief", "loneliness"],
        "about": MARKER,
        "confirm_own_choice": "on",
        "confirm_weekly": "on",
        "confirm_commitment": "on",
        "consent": "on",
        "submission_key": "4b0c7a52-8f0e-4d5f-9b1a-2f1e6c3d9a10",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_the_form_shows_the_contract_fields(client, centre):
    page = client.get("/soknad/").content.decode()
    for name in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "birth_date",
        "gender",
        "availability",
        "theme",
        "areas",
        "about",
        "confirm_own_choice",
        "confirm_weekly",
        "confirm_commitment",
        "consent",
    ]:
        assert f'name="{name}"' in page
    assert 'value="tue-evening"' in page
    assert 'name="centre"' in page  # hidden: there is only one centre
    assert 'type="hidden" name="centre"' in page
    assert 'href="/personvern/"' in page
    assert "113" in page


def test_a_person_applies_and_gets_a_receipt_without_what_they_wrote(
    client, centre, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/soknad/", valid())
    assert response.status_code == 302
    assert response["Location"] == "/soknad/mottatt/"
    application = Application.objects.get()
    assert (application.first_name, application.email) == ("Kari", "kari.nordmann@example.no")
    assert application.phone.as_e164 == "+4741234567"
    assert application.availability == ["tue-evening", "thu-day"]
    assert application.areas == ["grief", "loneliness"]
    assert application.about == MARKER
    assert (application.status, application.source, application.language) == (
        "received",
        "web",
        "nb",
    )
    assert application.consent_version == "2026-11"
    assert application.theme is None
    assert AuditEvent.objects.filter(action="application.submitted").count() == 1

    receipt = client.get("/soknad/mottatt/").content.decode()
    assert f'href="/soknad/{application.token}/"' in receipt
    assert "Takk" in receipt

    (email,) = mail.outbox
    assert email.to == ["Kari <kari.nordmann@example.no>"]
    assert email.subject == "Vi har fått søknaden din"
    assert f"http://127.0.0.1:8000/soknad/{application.token}/" in email.body
    assert "Selvhjelpshuset" in email.body
    assert "113" in email.body
    assert MARKER not in email.body
    assert MARKER not in email.alternatives[0][0]
    assert "grief" not in email.body
    row = Notification.objects.get()
    assert MARKER not in repr(row.__dict__)


def test_english_applicants_get_english_messages(client, centre, settings):
    settings.CELERY_BROKER_URL = ""
    client.post("/en/soknad/", valid())
    application = Application.objects.get()
    assert application.language == "en"
    outbox.dispatch_due()
    (email,) = mail.outbox
    assert email.subject == "We have received your application"
    assert f"http://127.0.0.1:8000/en/soknad/{application.token}/" in email.body


@pytest.mark.parametrize("phone", ["+47 412 34 567", "41234567", "0047 41234567", "412 34 567"])
def test_norwegian_mobile_numbers_in_their_usual_forms_are_accepted(client, centre, phone):
    assert client.post("/soknad/", valid(phone=phone)).status_code == 302
    assert Application.objects.get().phone.as_e164 == "+4741234567"


@pytest.mark.parametrize(
    ("language", "changes", "field", "message"),
    [
        ("nb", {"phone": "tolv tretti"}, "phone", "Skriv et gyldig mobilnummer"),
        ("nb", {"phone": "1234"}, "phone", "Skriv et gyldig mobilnummer"),
        ("en", {"phone": "1234"}, "phone", "Enter a valid mobile number, for example 412 34 567."),
        (
            "nb",
            {"birth_date": "2027-01-01"},
            "birth_date",
            "Fødselsdatoen kan ikke være fram i tid.",
        ),
        (
            "en",
            {"birth_date": "2027-01-01"},
            "birth_date",
            "The date of birth cannot be in the future.",
        ),
        ("nb", {"birth_date": "1910-01-01"}, "birth_date", "over 110"),
        ("nb", {"birth_date": "2008-11-24"}, "birth_date", "18 år"),
        ("en", {"birth_date": "2008-11-24"}, "birth_date", "you must be 18 to apply"),
        ("nb", {"birth_date": "17.05.1980x"}, "birth_date", "dag.måned.år"),
        ("nb", {"availability": None}, "availability", "Velg minst ett tidspunkt"),
        ("en", {"availability": None}, "availability", "Choose at least one time you can meet."),
        ("nb", {"availability": ["mon-night"]}, "availability", "gyldig valg"),
        ("nb", {"confirm_own_choice": None}, "confirm_own_choice", "ditt eget valg"),
        ("nb", {"confirm_weekly": None}, "confirm_weekly", "hver uke"),
        ("nb", {"confirm_commitment": None}, "confirm_commitment", "12 uker"),
        ("nb", {"consent": None}, "consent", "samtykke"),
        ("en", {"consent": None}, "consent", "We need your consent"),
        ("nb", {"email": "kari@"}, "email", "e-postadresse"),
        ("nb", {"first_name": "   "}, "first_name", "påkrevd"),
        ("nb", {"about": "x" * 2001}, "about", "2000"),
        ("nb", {"gender": "alien"}, "gender", "gyldig valg"),
        ("nb", {"theme": "finnes-ikke"}, "theme", "gyldig valg"),
        ("nb", {"areas": ["everything"]}, "areas", "gyldig valg"),
    ],
)
def test_each_rule_says_what_is_wrong_and_stores_nothing(
    client, centre, language, changes, field, message
):
    prefix = "/en" if language == "en" else ""
    response = client.post(f"{prefix}/soknad/", valid(**changes))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    page = response.content.decode()
    assert "error-summary" in page
    assert Application.objects.count() == 0
    assert Notification.objects.count() == 0


def test_someone_who_turns_18_today_may_apply(client, centre):
    assert client.post("/soknad/", valid(birth_date="2008-11-23")).status_code == 302


def test_the_gender_is_optional_and_unknown_by_default(client, centre):
    assert client.post("/soknad/", valid(gender=None)).status_code == 302
    assert Application.objects.get().gender == "unspecified"


def test_a_double_click_makes_one_application(client, centre):
    first = client.post("/soknad/", valid())
    second = client.post("/soknad/", valid())
    assert first.status_code == second.status_code == 302
    assert Application.objects.count() == 1
    assert Notification.objects.count() == 1
    # The second answer has no link (only the first post knew it) but says it is received.
    page = client.get("/soknad/mottatt/").content.decode()
    assert "Takk" in page


def test_a_bot_that_fills_the_honeypot_is_answered_like_a_person(client, centre):
    response = client.post("/soknad/", valid(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == "/soknad/mottatt/"
    assert Application.objects.count() == 0
    assert Notification.objects.count() == 0


def test_markup_is_shown_as_text(client, centre):
    client.post("/soknad/", valid(first_name="<b>Kari</b>", last_name="<script>x</script>"))
    application = Application.objects.get()
    page = client.get(f"/soknad/{application.token}/").content.decode()
    assert "&lt;b&gt;Kari&lt;/b&gt;" in page
    assert "<b>Kari</b>" not in page


def test_control_characters_are_removed_and_nul_refused(client, centre):
    refused = client.post("/soknad/", valid(first_name="Ka\x00ri"))
    assert refused.status_code == 200
    assert Application.objects.count() == 0
    client.post("/soknad/", valid(first_name="Kari\u200f", about="Hei\x07 der\x1b"))
    application = Application.objects.get()
    assert application.first_name == "Kari\u200f"  # a right-to-left mark is kept as text
    assert application.about == "Hei der"


class TestRateLimit:
    def post(self, client, n, **extra):
        return client.post(
            "/soknad/",
            valid(submission_key=f"00000000-0000-4000-8000-{n:012d}", email=f"p{n}@example.no"),
            **extra,
        )

    def test_accepted_applications_per_address_per_hour_are_limited(self, client, centre, settings):
        settings.APPLY_RATE_LIMIT = 2
        assert self.post(client, 1).status_code == 302
        assert client.post("/soknad/", valid(consent=None)).status_code == 200  # not counted
        assert self.post(client, 2).status_code == 302
        refused = self.post(client, 3)
        assert refused.status_code == 429
        assert "mange søknader" in refused.content.decode()
        assert Application.objects.count() == 2
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            assert self.post(client, 4).status_code == 302
        assert Application.objects.count() == 3

    def test_the_limit_is_per_client_behind_the_trusted_proxy(self, client, centre, settings):
        settings.APPLY_RATE_LIMIT = 1
        settings.TRUSTED_PROXY_COUNT = 1
        assert self.post(client, 1, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
        assert self.post(client, 2, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
        # Someone else behind the same proxy is not affected.
        assert self.post(client, 3, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
        # A client cannot dodge the limit by adding its own header entries.
        forged = "203.0.113.77, 198.51.100.1"
        assert self.post(client, 4, HTTP_X_FORWARDED_FOR=forged).status_code == 429


class TestSeveralCentres:
    def test_the_applicant_chooses_the_centre_and_its_theme_groups(self, client, centre):
        other = CentreFactory(name="Selvhjelp Vest", slug="vest")
        Theme.objects.create(centre=other, slug="sorg", name="Sorggruppe")
        page = client.get("/soknad/").content.decode()
        assert '<option value="vest">Selvhjelp Vest</option>' in page
        response = client.post("/soknad/", valid(centre=None))
        assert "centre" in response.context["form"].errors
        assert client.post("/soknad/", valid(centre="vest", theme="sorg")).status_code == 302
        application = Application.objects.get()
        assert (application.centre, application.theme.slug) == (other, "sorg")

    def test_a_theme_of_another_centre_is_refused(self, client, centre):
        other = CentreFactory(name="Selvhjelp Vest", slug="vest")
        Theme.objects.create(centre=other, slug="sorg", name="Sorggruppe")
        response = client.post(
            "/soknad/",
            valid(centre="selvhjelpshuset", theme="sorg", submission_key=None),
        )
        assert response.status_code == 200
        assert response.context["form"].errors["theme"] == [
            "Det senteret har ikke denne temagruppen."
        ]
        assert Application.objects.count() == 0


def test_without_an_open_centre_the_form_says_so(client):
    response = client.get("/soknad/")
    assert response.status_code == 200
    assert "tar ikke imot søknader" in response.content.decode()


def test_the_receipt_page_without_a_fresh_application_shows_no_link(client, centre):
    page = client.get("/soknad/mottatt/").content.decode()
    assert "/soknad/" in page
    assert "Gå til din egen side" not in page


def test_applications_from_today_are_not_backdated(client, centre):
    client.post("/soknad/", valid())
    assert Application.objects.get().applied_at == timezone.now()
