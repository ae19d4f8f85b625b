"""Consent names the privacy notice version it was given to; a new version changes no old one."""

import json
from datetime import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client

from intake import services
from intake.models import Application
from selvhjelp import outbox
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

FIRST = datetime(2026, 11, 23, 10, 0, tzinfo=outbox.OSLO)
LATER = datetime(2027, 3, 1, 10, 0, tzinfo=outbox.OSLO)


def application_form(email: str, key: str) -> dict:
    return {
        "first_name": "Kari",
        "last_name": "Nordmann",
        "email": email,
        "phone": "+47 412 34 567",
        "birth_date": "1980-05-17",
        "availability": ["tue-evening"],
        "theme": "mixed",
        "confirm_own_choice": "on",
        "confirm_weekly": "on",
        "confirm_commitment": "on",
        "consent": "on",
        "submission_key": key,
    }


def staff_form(email: str) -> dict:
    return {
        "first_name": "Nora",
        "last_name": "Dahl",
        "email": email,
        "phone": "412 34 568",
        "birth_date": "1988-03-14",
        "availability": ["wed-day"],
        "theme": "mixed",
        "source": "phone",
        "language": "nb",
        "confirmed": "on",
    }


def version_line(client) -> str:
    page = client.get("/personvern/").content.decode()
    return page.split('<p class="policy-version">')[1].split("</p>")[0]


def test_a_new_notice_version_leaves_old_consents_and_applies_to_new_ones(
    staff_1_client, centre_1, staff_1, monkeypatch
):
    client = Client()  # the applicants' browser (staff_1_client is the staff member's)
    assert services.POLICY_VERSION == "2026-11"
    with time_machine.travel(FIRST, tick=False):
        staff_1_client.force_login(staff_1)  # a fresh session: staff sessions expire
        client.post("/soknad/", application_form("old@example.no", "1" * 32))
        staff_1_client.post("/stab/soknader/ny/", staff_form("old-phone@example.no"))
    old_web = Application.objects.get(email="old@example.no")
    old_phone = Application.objects.get(email="old-phone@example.no")
    assert version_line(client) == "Versjon 2026-11"

    monkeypatch.setattr(services, "POLICY_VERSION", "2027-03")
    with time_machine.travel(LATER, tick=False):
        staff_1_client.force_login(staff_1)
        client.post("/soknad/", application_form("new@example.no", "2" * 32))
        staff_1_client.post("/stab/soknader/ny/", staff_form("new-phone@example.no"))
        # The old applicants go on: details change, status moves; their consent stays.
        services.update_details(
            old_web, email="old@example.no", phone="+4741234567", availability=["mon-day"]
        )
        services.start_dialogue(old_phone, staff=staff_1)
    consents = {
        a.email: (a.consent_version, a.consent_at) for a in Application.objects.order_by("email")
    }
    assert consents == {
        "new-phone@example.no": ("2027-03", LATER),
        "new@example.no": ("2027-03", LATER),
        "old-phone@example.no": ("2026-11", FIRST),
        "old@example.no": ("2026-11", FIRST),
    }
    assert version_line(client) == "Versjon 2027-03"
    # The person sees the version they agreed to in their data, and staff on the page.
    data = json.loads(client.get(f"/soknad/{old_web.token}/data.json").content)
    assert data["intake"]["application"]["consent_version"] == "2026-11"
    staff_1_client.force_login(staff_1)
    page = staff_1_client.get(f"/stab/soknader/{old_phone.pk}/").content.decode()
    assert "Personvernerklæring versjon 2026-11" in page


def test_the_database_refuses_an_application_without_a_consent_version(centre_1):
    application = ApplicationFactory(centre=centre_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(consent_version="")
