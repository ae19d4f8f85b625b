"""A starter is never booked into two overlapping meetings, in any group, and their bookings
follow the meetings when they move, are cancelled, re-planned or the group ends."""

import contextlib
import threading
from datetime import date, time

import icalendar
import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connections, transaction

from groups import services as groups
from selvhjelp.models import Notification
from starters import services
from starters.models import Assignment, Booking, Starter
from tests.starters.test_services import (  # noqa: F401
    TODAY,
    _setup,
    at,
    booked,
    mail_to,
    make_group,
    queued,
    send,
    starter,
    to,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(centre_1, staff_1):
    return make_group(centre_1, staff_1)


@pytest.fixture
def kari(centre_1):
    return starter(centre_1, "Kari")


# Double booking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "refused"), [(time(18, 0), True), (time(19, 0), True), (time(20, 0), False)]
)
def test_an_overlapping_meeting_in_the_same_centre_is_refused_and_named(
    group, kari, staff_1, start, refused
):
    services.assign_starter(group, kari, staff=staff_1)
    later = make_group(group.centre, staff_1, name="Kveldsgruppa", start=start)
    if not refused:  # right after the other meeting ends is fine
        assert services.assign_starter(later, kari, staff=staff_1).status == "pending"
        return
    with pytest.raises(services.DoubleBooked) as clash:
        services.assign_starter(later, kari, staff=staff_1)
    assert str(clash.value) == (
        "Kari Hansen er allerede booket med gruppa «Tirsdagsgruppa» 01.12.2026 18:00."
    )
    assert Assignment.objects.filter(group=later).count() == 0
    assert Booking.objects.filter(meeting__group=later).count() == 0


def test_a_clash_in_another_centre_is_refused_without_naming_its_group(
    group, kari, centre_2, staff_1, staff_2
):
    kari.centres.add(centre_2)
    south = make_group(centre_2, staff_2, name="Sørgruppa")
    services.assign_starter(south, kari, staff=staff_2)
    with pytest.raises(services.DoubleBooked) as clash:
        services.assign_starter(group, kari, staff=staff_1)
    assert (
        str(clash.value) == "Kari Hansen er allerede booket med en annen gruppe 01.12.2026 18:00."
    )
    assert "Sørgruppa" not in str(clash.value)
    # Suggestions say the same, without the name.
    (suggestion,) = services.suggest_starters(group)
    assert suggestion.clash == "en annen gruppe 01.12.2026 18:00"


def test_released_and_declined_bookings_free_the_time(group, kari, staff_1):
    first = services.assign_starter(group, kari, staff=staff_1)
    services.decline_assignment(first, user=kari.user)
    later = make_group(group.centre, staff_1, name="Kveldsgruppa")
    assert services.assign_starter(later, kari, staff=staff_1).status == "pending"


def test_the_database_refuses_overlapping_active_bookings_of_one_starter(
    require_postgres, group, kari, staff_1
):
    assignment = services.assign_starter(group, kari, staff=staff_1)
    other = make_group(group.centre, staff_1, name="Kveldsgruppa", start=time(19, 0))
    meeting = other.meetings.get(index=0)
    stray = Assignment.objects.create(starter=kari, group=other, created_by=staff_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            assignment=stray,
            starter=kari,
            meeting=meeting,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
        )
    # An inactive booking holds no time, for the database either.
    Booking.objects.filter(assignment=assignment).update(is_active=False)
    Booking.objects.create(
        assignment=stray,
        starter=kari,
        meeting=meeting,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [True, False])
def test_two_staff_assigning_one_starter_to_overlapping_groups_at_once(
    require_postgres, centre_1, staff_1, monkeypatch, locked
):
    """With the starter's row lock the second waits and sees the first booking; without it
    (control run) both pass the check and the exclusion constraint refuses the second."""
    kari = starter(centre_1, "Kari")
    tuesday = make_group(centre_1, staff_1, name="Tirsdagsgruppa")
    evening = make_group(centre_1, staff_1, name="Kveldsgruppa", start=time(19, 0))
    barrier = threading.Barrier(2, timeout=3)
    real_clash = services._clash

    def clash_then_wait(*args, **kwargs):
        found = real_clash(*args, **kwargs)
        if threading.current_thread().name.startswith("assigner"):
            # Both have checked before either books (with the lock the second only gets
            # here after the first committed, and the barrier times out).
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return found

    monkeypatch.setattr(services, "_clash", clash_then_wait)
    if not locked:
        monkeypatch.setattr(
            Starter.objects.__class__, "select_for_update", lambda self, *a, **k: self.all()
        )
    results = []

    def assign(group):
        try:
            services.assign_starter(group, kari, staff=staff_1)
            results.append("assigned")
        except services.DoubleBooked:
            results.append("double-booked")
        except services.StarterError:
            results.append("refused by the database")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=assign, args=(g,), name=f"assigner-{n}")
        for n, g in enumerate([tuesday, evening])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    expected = "double-booked" if locked else "refused by the database"
    assert sorted(results) == sorted(["assigned", expected])
    assert Assignment.objects.count() == 1
    assert Booking.objects.filter(is_active=True).count() == 2


# Meetings that move --------------------------------------------------------------------------


def test_a_moved_meeting_moves_the_bookings_the_reminders_and_tells_the_starter(
    group, kari, staff_1
):
    assignment = services.assign_starter(group, kari, staff=staff_1)
    send()
    followup = group.meetings.get(index=4)
    groups.move_meeting(followup, day=date(2026, 12, 30), start_time=time(17, 0), staff=staff_1)
    assert booked(assignment) == [
        (0, at(date(2026, 12, 1)), True),
        (4, at(date(2026, 12, 30), 17), True),
    ]
    assert queued("starters.reminder") == [
        ("kari@example.no", at(date(2026, 11, 28), 8), "pending"),
        ("kari@example.no", at(date(2026, 12, 1), 8), "pending"),
        ("kari@example.no", at(date(2026, 12, 26), 8), "cancelled"),
        ("kari@example.no", at(date(2026, 12, 27), 8), "pending"),
        ("kari@example.no", at(date(2026, 12, 29), 8), "cancelled"),
        ("kari@example.no", at(date(2026, 12, 30), 8), "pending"),
    ]
    send()
    (moved,) = [m for m in mail_to("kari@example.no") if "flyttet" in m.subject]
    assert moved.subject == "Et møte i gruppa «Tirsdagsgruppa» er flyttet til 30. desember 2026"
    assert (
        "onsdag 30. desember 2026 kl. 17:00–19:00, Rom for Tirsdagsgruppa, Storgata 1, 0155 Oslo"
        in moved.body
    )
    assert "Det var først satt opp tirsdag 29. desember 2026 kl. 18:00." in moved.body
    ((_name, content, _mimetype),) = moved.attachments
    (event,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert (str(event["uid"]), event["sequence"], event.decoded("dtstart")) == (
        f"meeting-{followup.pk}@selvhjelp.example.no",
        1,
        at(date(2026, 12, 30), 17),
    )
    # At the old times nothing comes; at the new ones the reminders do.
    sent = []
    for day in [date(2026, 12, 26), date(2026, 12, 27), date(2026, 12, 29), date(2026, 12, 30)]:
        with time_machine.travel(at(day, 8), tick=False):
            before = len(mail.outbox)
            send()
            sent.append([m.subject for m in mail.outbox[before:]])
    assert sent == [
        [],
        ["Påminnelse: gruppa «Tirsdagsgruppa» 30. desember 2026"],
        [],
        ["I dag kl. 17:00: gruppa «Tirsdagsgruppa»"],
    ]


def test_a_meeting_moved_onto_another_booking_releases_that_one_booking(
    group, kari, centre_1, staff_1
):
    tuesday = services.assign_starter(group, kari, staff=staff_1)
    wednesday_group = make_group(
        centre_1, staff_1, name="Onsdagsgruppa", weekday=2, on=date(2026, 12, 2)
    )
    services.assign_starter(wednesday_group, kari, staff=staff_1)
    send()
    groups.move_meeting(
        group.meetings.get(index=4), day=date(2026, 12, 30), start_time=time(18, 30), staff=staff_1
    )
    assert booked(tuesday) == [
        (0, at(date(2026, 12, 1)), True),
        (4, at(date(2026, 12, 29)), False),  # not moved: it no longer holds the time
    ]
    alerts = Notification.objects.filter(kind="starters.staff_alert")
    assert [(n.to_address, n.params["alert"]) for n in alerts] == [(staff_1.email, "clash")]
    send()
    (alert,) = mail_to(staff_1.email)
    assert alert.subject == "Kari Hansen er dobbeltbooket på et møte i «Tirsdagsgruppa»"
    assert "onsdag 30. desember 2026 kl. 18:30–20:30" in alert.body
    (told,) = [m for m in mail_to("kari@example.no") if "flyttet" in m.subject]
    assert "Derfor er du ikke lenger satt opp på dette møtet." in told.body
    ((_name, content, _mimetype),) = told.attachments
    (event,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"


# Cancelled meetings, new patterns, ended groups ------------------------------------------------


def test_nothing_is_sent_for_a_cancelled_meeting_but_the_cancellation(group, kari, staff_1):
    assignment = services.assign_starter(group, kari, staff=staff_1)
    services.accept_assignment(assignment, user=kari.user)
    send()
    followup = group.meetings.get(index=4)
    groups.cancel_meeting(followup, staff=staff_1)
    send()
    subjects = [m.subject for m in mail_to("kari@example.no")][1:]
    assert subjects == [
        "Møtet i gruppa «Tirsdagsgruppa» 29. desember 2026 er avlyst",
        "Møtene dine med gruppa «Tirsdagsgruppa» er endret",  # the follow-up is now 5 January
    ]
    assert booked(assignment)[1:] == [
        (4, at(date(2026, 12, 29)), False),
        (5, at(date(2027, 1, 5)), True),
    ]
    for day in [date(2026, 12, 26), date(2026, 12, 29)]:
        with time_machine.travel(at(day, 8), tick=False):
            assert send().sent == 0
    assert len(mail_to("kari@example.no")) == 3


def test_the_last_guard_sends_no_reminder_for_a_released_booking(group, kari, staff_1):
    services.assign_starter(group, kari, staff=staff_1)
    send()
    # As if the booking ended without its messages being stopped: the reminder still knows.
    Booking.objects.update(is_active=False)
    with time_machine.travel(at(date(2026, 11, 28), 8), tick=False):
        report = send()
    assert (report.sent, report.cancelled) == (0, 1)


def test_a_new_pattern_cancels_the_old_reminders_and_tells_the_starter(group, kari, staff_1):
    assignment = services.assign_starter(group, kari, staff=staff_1)
    send()
    groups.change_pattern(group, staff=staff_1, from_date=date(2026, 12, 1), start_time=time(17, 0))
    assert [(starts, active) for _i, starts, active in booked(assignment)] == [
        (at(date(2026, 12, 1), 17), True),
        (at(date(2026, 12, 29), 17), True),
    ]
    # The first four belonged to bookings that went with the old meetings (same due times).
    assert [state for *_r, state in queued("starters.reminder")] == ["cancelled", "pending"] * 4
    send()
    (replanned,) = [m for m in mail_to("kari@example.no") if "endret" in m.subject]
    assert (
        "- tirsdag 1. desember 2026 kl. 17:00–19:00, Rom for Tirsdagsgruppa, Storgata 1, "
        "0155 Oslo (oppstartsmøtet)" in replanned.body
    )


def test_an_ended_group_ends_the_coming_bookings(group, kari, staff_1):
    assignment = services.accept_assignment(
        services.assign_starter(group, kari, staff=staff_1), user=kari.user
    )
    send()
    with time_machine.travel(at(date(2026, 12, 10), 12), tick=False):
        groups.end_group(group, ended_on=date(2026, 12, 10), staff=staff_1)
        send()
    assert booked(assignment) == [
        (0, at(date(2026, 12, 1)), True),
        (4, at(date(2026, 12, 29)), False),
    ]
    assert mail_to("kari@example.no")[-1].subject == "Gruppa «Tirsdagsgruppa» er avsluttet"
    # The coming ones were stopped with the booking, the past ones found nothing to remind of.
    assert [state for *_r, state in queued("starters.reminder")] == ["cancelled"] * 4
