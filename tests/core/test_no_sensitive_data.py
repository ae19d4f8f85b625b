"""The scan the apps' privacy tests rely on finds a leak wherever it is, and the core's own
tasks and messages carry no free text."""

import logging

import pytest
from django.db import transaction

from selvhjelp import outbox
from tests.privacy import assert_marker_absent, places_with, task_parameters

pytestmark = pytest.mark.django_db
MARKER = "MARKØR-7c1e-angst-og-sorg"


def test_the_core_tasks_take_no_free_text():
    assert task_parameters() == {
        "groups.lapse_offers": [],
        "groups.alert_short_groups": [],
        "groups.start_groups": [],
        "groups.weekly_digest": [],
        "intake.waiting_list_care": [],
        "selvhjelp.clear_sessions": [],
        "selvhjelp.dispatch_notifications": [],
        "selvhjelp.heartbeat": ["name"],
        "selvhjelp.purge_personal_data": [],
        "starters.check_coverage": [],
    }


def test_the_scan_finds_a_leak_in_a_rendered_message_an_email_and_a_log_line(
    monkeypatch, caplog, settings
):
    settings.CELERY_BROKER_URL = ""
    leaky = outbox.Kind(
        "core.test_leaky",
        "Leaky",
        "core/test_message",
        context=lambda n: {"site_url": MARKER},
    )
    monkeypatch.setitem(outbox._kinds, leaky.key, leaky)
    caplog.set_level(logging.INFO)
    with transaction.atomic():
        row = outbox.notify(
            "core.test_leaky", recipient=outbox.Recipient("a@example.no", "nb"), key="l"
        )
    outbox.dispatch_due()
    logging.getLogger("selvhjelp.test").info("applicant wrote %s", MARKER)
    assert places_with(MARKER, caplog.records) == [
        f"notification {row.pk} (core.test_leaky) as rendered",
        "e-mail 0: 'Testmelding fra Selvhjelp'",
        "log line from selvhjelp.test",
    ]


def test_core_messages_carry_nothing_they_were_not_given(caplog):
    caplog.set_level(logging.DEBUG)
    with transaction.atomic():
        outbox.notify(
            "core.test_message", recipient=outbox.Recipient("a@example.no", "nb"), key="t"
        )
    outbox.dispatch_due()
    assert_marker_absent(MARKER, caplog)
