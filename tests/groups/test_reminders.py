"""Participant reminders: an unanswered offer, and the opening and follow-up meetings.

Each is created by its cause, sent by the chosen channel at Europe/Oslo wall-clock times,
moves with a moved meeting, and never reaches someone who left or a cancelled meeting.
"""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from groups import services
from selvhjelp import outbox
from selvhjelp.models import Notification
from tests.factories import RoomFactory
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


def reminders(kind, **filters):
    return list(
        Notification.objects.filter(kind=kind, **filters)
        .order_by("due_at", "id")
        .values_list("to_address", "channel", "due_at", "state")
    )


def local(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO)


# Offers -------------------------------------------------------------------------------------


def test_an_open_offer_gets_one_reminder_after_the_centres_days(group, centre_1, staff_1):
    kari = person(centre_1, "Kari")
    offer = offer_to(group, kari, staff_1)
    assert reminders("groups.offer_reminder") == [
        ("kari@example.no", "email", offer.created_at + timedelta(days=3), "pending")
    ]


def test_no_offer_reminder_when_the_centre_turned_it_off(group, centre_1, staff_1):
    centre_1.offer_reminder_days = 0
    centre_1.save()
    offer_to(group, person(centre_1, "Kari"), staff_1)
    assert reminders("groups.offer_reminder") == []


def test_an_answered_offer_is_not_reminded(group, centre_1, staff_1):
    offer = offer_to(group, person(centre_1, "Kari"), staff_1)
    services.decline_offer(offer)
    assert [r[3] for r in reminders("groups.offer_reminder")] == ["cancelled"]
    with time_machine.travel(TODAY + timedelta(days=4), tick=False):
        outbox.dispatch_due()
    assert [m.subject for m in mail.outbox if "Påminnelse" in m.subject] == []


def test_the_offer_reminder_is_sent_by_text_message_when_chosen(group, centre_1, staff_1):
    from selvhjelp.channels import MemorySMSBackend

    MemorySMSBackend.sent.clear()
    kari = person(centre_1, "Kari", reminder_channel="sms", phone="+4791234567")
    offer_to(group, kari, staff_1)
    with time_machine.travel(TODAY + timedelta(days=3, minutes=1), tick=False):
        outbox.dispatch_due()
    texts = [sms["text"] for sms in MemorySMSBackend.sent if sms["to"] == "+4791234567"]
    assert len(texts) == 1
    assert "Tirsdagsgruppa" in texts[0]
    assert MARKER not in texts[0]


# Meetings ------------------------------------------------------------------------------------


def test_a_new_member_is_reminded_before_the_opening_and_the_follow_up(group, centre_1, staff_1):
    member(group, person(centre_1, "Kari"), staff_1)
    opening = group.meetings.get(is_opening=True)
    followup = group.meetings.get(is_followup=True)
    assert timezone_date(opening) == date(2026, 12, 1)
    assert reminders("groups.meeting_reminder") == [
        ("kari@example.no", "email", local(date(2026, 11, 29), 10), "pending"),
        ("kari@example.no", "email", local(date(2026, 12, 1), 8), "pending"),
        (
            "kari@example.no",
            "email",
            local(timezone_date(followup) - timedelta(days=2), 10),
            "pending",
        ),
    ]


def timezone_date(meeting):
    return meeting.starts_at.astimezone(OSLO).date()


def test_the_centres_reminder_days_are_used(group, centre_1, staff_1):
    centre_1.meeting_reminder_days = 5
    centre_1.save()
    member(group, person(centre_1, "Kari"), staff_1)
    first = reminders("groups.meeting_reminder")[0]
    assert first[2] == local(date(2026, 11, 26), 10)


def test_reminders_already_past_are_not_queued(group, centre_1, staff_1):
    kari = person(centre_1, "Kari")
    with time_machine.travel(local(date(2026, 11, 30), 12), tick=False):
        member(group, kari, staff_1)
    dues = [r[2] for r in reminders("groups.meeting_reminder")]
    assert local(date(2026, 11, 29), 10) not in dues
    assert local(date(2026, 12, 1), 8) in dues


def test_a_moved_opening_moves_its_reminders(group, centre_1, staff_1):
    member(group, person(centre_1, "Kari"), staff_1)
    opening = group.meetings.get(is_opening=True)
    services.move_meeting(opening, day=date(2026, 12, 3), start_time=time(18, 0), staff=staff_1)
    pending = [r[2] for r in reminders("groups.meeting_reminder", state="pending")]
    assert local(date(2026, 12, 1), 10) in pending  # two days before 3 December
    assert local(date(2026, 12, 3), 8) in pending
    assert local(date(2026, 11, 29), 10) not in pending
    assert local(date(2026, 12, 1), 8) not in pending


def test_someone_who_left_gets_no_reminder(group, centre_1, staff_1):
    kari = member(group, person(centre_1, "Kari"), staff_1)
    services.leave_group(kari, reason="life_changed")
    with time_machine.travel(local(date(2026, 12, 1), 8, 1), tick=False):
        outbox.dispatch_due()
    assert [m for m in mail.outbox if "kari@example.no" in m.to[0]] == []


def test_a_cancelled_opening_sends_nothing_for_it(group, centre_1, staff_1):
    member(group, person(centre_1, "Kari"), staff_1)
    opening = group.meetings.get(is_opening=True)
    mail.outbox.clear()
    services.cancel_meeting(opening, staff=staff_1)
    mail.outbox.clear()
    with time_machine.travel(local(date(2026, 12, 1), 8, 1), tick=False):
        outbox.dispatch_due()
    subjects = [m.subject for m in mail.outbox]
    assert not any("første møte" in s for s in subjects), subjects


def test_the_reminders_are_sent_at_their_time_in_norwegian(group, centre_1, staff_1):
    member(group, person(centre_1, "Kari"), staff_1)
    mail.outbox.clear()
    with time_machine.travel(local(date(2026, 11, 29), 9, 59), tick=False):
        outbox.dispatch_due()
    assert mail.outbox == []
    with time_machine.travel(local(date(2026, 11, 29), 10, 0), tick=False):
        outbox.dispatch_due()
    (message,) = mail.outbox
    assert message.subject == "Snart: gruppens første møte, 1. desember 2026"
    assert "18:00" in message.body
    assert "Samtalerommet" in message.body
    assert_marker_absent(message.subject + message.body)


def test_reminders_keep_local_time_across_the_change_to_summer_time(centre_1, staff_1):
    room = RoomFactory(centre=centre_1, name="Biblioteket")
    spring = make_group(centre_1, room, staff_1, name="Vårgruppa", start_date=date(2027, 3, 30))
    member(spring, person(centre_1, "Kari"), staff_1)
    dues = [r[2].astimezone(OSLO) for r in reminders("groups.meeting_reminder")]
    # 28 March 2027 is the first day of summer time; the reminder still comes at 10:00.
    assert dues[0] == local(date(2027, 3, 28), 10)
    assert dues[0].utcoffset() == timedelta(hours=2)
    assert dues[1] == local(date(2027, 3, 30), 8)
