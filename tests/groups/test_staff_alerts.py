"""Time-based alerts and the weekly summary for staff (switchable per staff member)."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from groups import digest, services
from selvhjelp import outbox
from selvhjelp.models import Notification, StaffMembership
from tests.factories import ApplicationFactory, RoomFactory
from tests.groups.test_participant import MARKER, OSLO, TODAY, make_group, member, offer_to, person
from tests.privacy import assert_marker_absent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def group(centre_1, staff_1):
    return make_group(centre_1, RoomFactory(centre=centre_1, name="Samtalerommet"), staff_1)


def alerts(alert):
    return list(
        Notification.objects.filter(kind="groups.staff_alert", params__alert=alert)
        .order_by("id")
        .values_list("to_address", flat=True)
    )


def test_a_group_two_weeks_from_its_start_and_short_alerts_staff_once(
    group, centre_1, staff_1, staff_2
):
    # Starts 1 December; on 23 November it is 8 days away with 1 member and 1 offer.
    member(group, person(centre_1, "Kari"), staff_1)
    offer_to(group, person(centre_1, "Per"), staff_1)
    assert services.alert_short_groups() == 1
    assert services.alert_short_groups() == 1  # still short, but told only once
    assert alerts("short") == [staff_1.email]
    outbox.dispatch_due()
    (sent,) = [m for m in mail.outbox if "mangler" in m.subject]
    assert sent.subject == "Gruppen «Tirsdagsgruppa» starter snart og mangler fortsatt deltakere"
    assert "1 deltakere og 1 åpne tilbud" in sent.body


def test_a_full_enough_group_or_one_starting_later_is_not_alerted(group, centre_1, staff_1):
    later = make_group(
        centre_1, RoomFactory(centre=centre_1), staff_1, name="Senere", start_date=date(2027, 1, 5)
    )
    for name in ["A", "B", "C", "D", "E"]:
        offer_to(group, person(centre_1, name), staff_1)
    assert services.alert_short_groups() == 0
    assert alerts("short") == []
    assert later.status == "forming"


def test_staff_who_turned_alerts_off_get_none(group, staff_1):
    StaffMembership.objects.filter(user=staff_1).update(wants_alerts=False)
    services.alert_short_groups()
    assert alerts("short") == []


def test_the_weekly_summary(group, centre_1, staff_1, staff_2):
    member(group, person(centre_1, "Kari"), staff_1)
    ApplicationFactory(
        centre=centre_1, status="waiting", applied_at=datetime(2026, 8, 1, 12, 0, tzinfo=OSLO)
    )
    ApplicationFactory(centre=centre_1, status="received", about=MARKER)
    assert digest.queue_weekly_digest() == 2  # one to each centre's staff member
    assert digest.queue_weekly_digest() == 2  # same week: the same keys, nothing new
    assert Notification.objects.filter(kind="groups.digest").count() == 2
    mail.outbox.clear()
    outbox.dispatch_due()
    (sent,) = [m for m in mail.outbox if staff_1.email in m.to[0]]
    assert sent.subject == f"Denne uken hos {centre_1.name}"
    body = sent.body
    assert "1 person venter på en gruppe" in body
    assert "1 av dem søkte for mer enn 8 uker siden" in body
    assert "1 ny søknad som ikke er besvart" in body
    assert "Tirsdagsgruppa: starter 1. desember 2026, 1 deltakere og 0 åpne tilbud" in body
    assert "tirsdag 1. desember 18:00: Tirsdagsgruppa (oppstartsmøte)" in body
    assert_marker_absent(sent.subject + body)


def test_the_summary_can_be_turned_off(centre_1, staff_1):
    StaffMembership.objects.filter(user=staff_1).update(wants_digest=False)
    assert digest.queue_weekly_digest() == 0


def test_the_summary_is_not_sent_to_someone_who_left_the_centre(centre_1, staff_1):
    digest.queue_weekly_digest()
    StaffMembership.objects.filter(user=staff_1).delete()
    report = outbox.dispatch_due()
    assert (report.sent, report.cancelled) == (0, 1)


def test_a_new_week_gets_a_new_summary(centre_1, staff_1):
    digest.queue_weekly_digest()
    with time_machine.travel(TODAY + timedelta(weeks=1), tick=False):
        digest.queue_weekly_digest()
    assert Notification.objects.filter(kind="groups.digest").count() == 2


def test_the_meeting_times_in_the_summary_are_local(group, centre_1, staff_1):
    context = digest.digest_context(Notification.objects.get(pk=_queued(staff_1).pk))
    (opening,) = [m for m in context["meetings"] if m.is_opening]
    assert opening.starts_at.astimezone(OSLO).time() == time(18, 0)


def _queued(user):
    digest.queue_weekly_digest()
    return Notification.objects.get(kind="groups.digest", recipient_id=str(user.pk))
