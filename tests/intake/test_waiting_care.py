"""Waiting-list care: asked once after the centre's limit, set aside without an answer,
and back with one click (or by staff)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from intake import services
from intake.models import Application
from selvhjelp.models import AuditEvent, Notification
from tests.factories import ApplicationFactory, CentreFactory

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
START = datetime(2026, 1, 5, 9, 0, tzinfo=OSLO)


@pytest.fixture
def centre(db):
    return CentreFactory(waiting_limit_weeks=8)


def waiting(centre, **fields):
    return ApplicationFactory(
        centre=centre, status="waiting", applied_at=START, status_changed_at=START, **fields
    )


def care(when):
    with time_machine.travel(when, tick=False):
        return services.care_for_waiting_list()


def questions(application):
    return Notification.objects.filter(
        kind="intake.still_waiting", recipient_id=str(application.pk)
    )


def test_asked_once_after_the_limit_and_not_before(centre):
    kari = waiting(centre)
    assert care(START + timedelta(weeks=8) - timedelta(minutes=1)) == {"asked": 0, "set_aside": 0}
    assert care(START + timedelta(weeks=8)) == {"asked": 1, "set_aside": 0}
    assert care(START + timedelta(weeks=9)) == {"asked": 0, "set_aside": 0}
    assert questions(kari).count() == 1
    kari.refresh_from_db()
    assert kari.still_waiting_asked_at == START + timedelta(weeks=8)
    assert AuditEvent.objects.filter(action="application.asked_still_waiting").count() == 1


def test_the_question_goes_by_the_chosen_channel_and_holds_only_ids(centre):
    kari = waiting(centre, reminder_channel="sms", about="MARKER-private")
    care(START + timedelta(weeks=8))
    message = questions(kari).get()
    assert message.channel == "sms"
    assert message.params == {"application_id": kari.pk}


def test_no_answer_within_the_limit_sets_them_aside_not_deleted(centre):
    kari = waiting(centre)
    care(START + timedelta(weeks=8))
    assert care(START + timedelta(weeks=16) - timedelta(minutes=1))["set_aside"] == 0
    assert care(START + timedelta(weeks=16)) == {"asked": 0, "set_aside": 1}
    kari.refresh_from_db()
    assert kari.status == "inactive"
    assert Application.objects.filter(pk=kari.pk).exists()


def test_yes_keeps_them_and_the_next_question_comes_a_full_limit_later(client, centre):
    kari = waiting(centre)
    care(START + timedelta(weeks=8))
    with time_machine.travel(START + timedelta(weeks=9), tick=False):
        response = client.post(f"/soknad/{kari.token}/venter/", {"answer": "yes"})
    assert response.status_code == 302
    kari.refresh_from_db()
    assert (kari.status, kari.still_waiting_asked_at) == ("waiting", None)
    assert care(START + timedelta(weeks=16)) == {"asked": 0, "set_aside": 0}
    assert care(START + timedelta(weeks=17)) == {"asked": 1, "set_aside": 0}


def test_no_withdraws(client, centre):
    kari = waiting(centre)
    care(START + timedelta(weeks=8))
    client.post(f"/soknad/{kari.token}/venter/", {"answer": "no"})
    kari.refresh_from_db()
    assert kari.status == "withdrawn"


def test_someone_set_aside_comes_back_with_one_click_in_the_same_place(client, centre):
    kari = waiting(centre)
    care(START + timedelta(weeks=8))
    care(START + timedelta(weeks=16))
    page = client.get(f"/soknad/{kari.token}/").content.decode()
    assert "Vil du fortsatt ha plass i en gruppe?" in page
    client.post(f"/soknad/{kari.token}/venter/", {"answer": "yes"})
    kari.refresh_from_db()
    assert kari.status == "waiting"
    assert kari.applied_at == START  # the place in the queue is kept


def test_the_page_asks_only_while_the_question_is_open(client, centre):
    kari = waiting(centre)
    question = "Vil du fortsatt ha plass i en gruppe?"
    assert question not in client.get(f"/soknad/{kari.token}/").content.decode()
    care(START + timedelta(weeks=8))
    assert question in client.get(f"/soknad/{kari.token}/").content.decode()


@pytest.mark.parametrize("answer", ["", "maybe", "yes\x00"])
def test_a_garbled_answer_changes_nothing(client, centre, answer):
    kari = waiting(centre)
    care(START + timedelta(weeks=8))
    response = client.post(f"/soknad/{kari.token}/venter/", {"answer": answer}, follow=True)
    assert response.status_code == 200
    kari.refresh_from_db()
    assert kari.status == "waiting"
    assert kari.still_waiting_asked_at is not None


def test_answering_needs_post(client, centre):
    kari = waiting(centre)
    assert client.get(f"/soknad/{kari.token}/venter/").status_code == 405


@pytest.mark.parametrize("status", ["received", "in_dialogue", "offered", "placed", "withdrawn"])
def test_only_waiting_people_are_asked(centre, status):
    ApplicationFactory(centre=centre, status=status, applied_at=START, status_changed_at=START)
    assert care(START + timedelta(weeks=30)) == {"asked": 0, "set_aside": 0}


def test_an_offer_in_between_cancels_the_question_and_the_clock(centre):
    kari = waiting(centre)
    care(START + timedelta(weeks=8))
    with time_machine.travel(START + timedelta(weeks=9), tick=False):
        services.mark_offered(kari)
        services.return_to_waiting(kari)  # declined: back on the list, a new waiting period
    kari.refresh_from_db()
    assert kari.still_waiting_asked_at is None
    assert care(START + timedelta(weeks=16)) == {"asked": 0, "set_aside": 0}


def test_each_centre_uses_its_own_limit(centre):
    quick = CentreFactory(waiting_limit_weeks=4)
    waiting(centre)
    waiting(quick)
    assert care(START + timedelta(weeks=4)) == {"asked": 1, "set_aside": 0}


def test_staff_can_bring_someone_back(staff_1_client, centre_1):
    kari = waiting(centre_1)
    care(START + timedelta(weeks=8))
    care(START + timedelta(weeks=16))
    response = staff_1_client.post(
        f"/stab/soknader/{kari.pk}/status/", {"to": "waiting"}, follow=True
    )
    assert response.status_code == 200
    kari.refresh_from_db()
    assert (kari.status, kari.still_waiting_asked_at) == ("waiting", None)


def test_a_second_run_on_the_same_day_sends_nothing_more(centre):
    waiting(centre)
    care(START + timedelta(weeks=8))
    care(START + timedelta(weeks=8, hours=1))
    assert Notification.objects.filter(kind="intake.still_waiting").count() == 1
