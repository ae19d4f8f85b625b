"""What an applicant writes about their problem stays in the staff views of their centre."""

import logging

import pytest

from selvhjelp import outbox
from tests.factories import CentreFactory
from tests.intake.test_apply import MARKER, valid
from tests.privacy import assert_marker_absent

pytestmark = pytest.mark.django_db


def test_applying_sends_and_logs_nothing_of_what_was_written(client, caplog, settings):
    settings.CELERY_BROKER_URL = ""
    caplog.set_level(logging.DEBUG)
    CentreFactory()
    assert client.post("/soknad/", valid(about=MARKER)).status_code == 302
    client.post("/soknad/mistet-lenke/", {"email": "kari.nordmann@example.no"})
    outbox.dispatch_due()
    assert_marker_absent(MARKER, caplog)


def test_the_areas_chosen_never_appear_in_messages(client, settings):
    settings.CELERY_BROKER_URL = ""
    CentreFactory()
    client.post("/soknad/", valid(areas=["substance"], about=""))
    client.post(
        "/en/soknad/",
        valid(
            areas=["substance"],
            about="",
            email="k2@example.no",
            submission_key="4b0c7a52-8f0e-4d5f-9b1a-2f1e6c3d9a11",
        ),
    )
    outbox.dispatch_due()
    from django.core import mail

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        text = message.subject + message.body + message.alternatives[0][0]
        for word in ["substance", "rus", "Alcohol", "Alkohol"]:
            assert word not in text
