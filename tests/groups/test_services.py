"""Groups, meetings, seats and the closed-group rule, through the services."""

import contextlib
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from groups import services
from groups.enums import GroupStatus, LeaveReason, MeetingStatus, OfferStatus
from groups.models import Group, Meeting, Membership, Offer
from intake.enums import Status
from intake.models import Application
from selvhjelp.enums import FollowUpRule
from selvhjelp.models import Notification
from tests.factories import ApplicationFactory, RoomFactory

pytestmark = pytest.mark.django_db

OSLO = services.schedule.OSLO
TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)  # a Monday


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def room(centre_1):
    return RoomFactory(centre=centre_1, name="Samtalerommet")


def make_group(
    centre,
    room,
    staff,
    *,
    name="Tirsdagsgruppa",
    weekday=1,
    start=time(18, 0),
    start_date=date(2026, 12, 1),
    **kwargs,
):
    return services.create_group(
        centre,
        name=name,
        room=room,
        weekday=weekday,
        start_time=start,
        start_date=start_date,
        staff=staff,
        **kwargs,
    )


def waiting(centre, n=1, **kwargs):
    return [
        ApplicationFactory(
            centre=centre, status=Status.WAITING, availability=["tue-evening"], **kwargs
        )
        for _ in range(n)
    ]


def local(dt):
    return timezone.localtime(dt, OSLO)


def test_a_new_group_gets_half_a_year_of_meetings_in_local_time(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    meetings = list(group.meetings.order_by("index"))
    assert len(meetings) == 27  # 1 December 2026 … 1 June 2027, every Tuesday
    assert [m.index for m in meetings] == list(range(27))
    assert {(local(m.starts_at).hour, local(m.starts_at).minute) for m in meetings} == {(18, 0)}
    assert [m.index for m in meetings if m.is_opening] == [0]
    # Summer time from 28 March 2027: 18:00 local is 16:00 UTC instead of 17:00.
    assert meetings[0].starts_at.astimezone(UTC).hour == 17
    assert meetings[-1].starts_at.astimezone(UTC).hour == 16
    assert [m.index for m in meetings if m.is_followup] == [4]  # after 4 held meetings
    assert (group.min_size, group.max_size, group.fragile_below) == (5, 8, 4)
    # Christmas Eve is not a public holiday, but 29 December is not either; 22 Dec is normal.
    flagged = {local(m.starts_at).date(): m.holiday for m in meetings if m.holiday}
    assert date(2027, 5, 25) not in flagged  # a Tuesday, not a holiday in 2027


@pytest.mark.parametrize(
    ("rule", "after", "followup_date"),
    [
        (FollowUpRule.AFTER_MEETINGS, 4, date(2026, 12, 29)),
        (FollowUpRule.AFTER_WEEKS, 6, date(2027, 1, 12)),
        (FollowUpRule.AFTER_MONTHS, 2, date(2027, 2, 2)),
    ],
)
def test_the_follow_up_follows_the_centres_policy(
    centre_1, room, staff_1, rule, after, followup_date
):
    centre_1.followup_rule, centre_1.followup_after = rule, after
    centre_1.save()
    group = make_group(centre_1, room, staff_1)
    (followup,) = group.meetings.filter(is_followup=True)
    assert local(followup.starts_at).date() == followup_date


def test_cancelling_a_meeting_moves_the_follow_up_to_the_next_held_one(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    third = group.meetings.get(index=2)
    services.cancel_meeting(third, staff=staff_1, note="Juleferie")
    (followup,) = group.meetings.filter(is_followup=True)
    assert local(followup.starts_at).date() == date(2027, 1, 5)
    third.refresh_from_db()
    assert (third.status, third.sequence, third.change_note) == ("cancelled", 1, "Juleferie")


def test_a_room_holds_one_group_at_a_time(centre_1, room, staff_1):
    make_group(centre_1, room, staff_1)
    with pytest.raises(services.RoomTaken) as clash:
        make_group(centre_1, room, staff_1, name="Kveldsgruppa", start=time(19, 0))
    assert str(clash.value) == (
        "Samtalerommet er booket av gruppa «Tirsdagsgruppa» 01.12.2026 18:00."
    )
    assert Group.objects.count() == 1
    # Right after the other group is fine.
    make_group(centre_1, room, staff_1, name="Sen kveld", start=time(20, 0))
    assert Group.objects.count() == 2


def test_the_database_refuses_overlapping_meetings_in_a_room(
    require_postgres, centre_1, room, staff_1
):
    group = make_group(centre_1, room, staff_1)
    first = group.meetings.get(index=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            group=group,
            room=room,
            index=99,
            starts_at=first.starts_at + timedelta(minutes=30),
            ends_at=first.ends_at + timedelta(minutes=30),
        )
    # A cancelled meeting frees the room, also for the database.
    services.cancel_meeting(first, staff=staff_1)
    Meeting.objects.create(
        group=group, room=room, index=99, starts_at=first.starts_at, ends_at=first.ends_at
    )


def test_changing_the_pattern_moves_only_future_meetings(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1, start_date=date(2026, 11, 3))
    past = list(group.meetings.filter(starts_at__lt=timezone.now()).values_list("pk", "starts_at"))
    assert len(past) == 3
    services.change_pattern(
        group, staff=staff_1, from_date=date(2026, 11, 23), weekday=3, start_time=time(17, 30)
    )
    assert (
        list(group.meetings.filter(starts_at__lt=timezone.now()).values_list("pk", "starts_at"))
        == past
    )
    future = list(group.meetings.filter(starts_at__gte=timezone.now()).order_by("starts_at"))
    assert local(future[0].starts_at) == datetime(2026, 11, 26, 17, 30, tzinfo=OSLO)
    assert {local(m.starts_at).weekday() for m in future} == {3}
    assert [m.index for m in group.meetings.order_by("starts_at")] == list(
        range(group.meetings.count())
    )


def test_fortnightly_from_a_date(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    services.change_pattern(
        group, staff=staff_1, from_date=date(2027, 1, 1), fortnightly_from=date(2027, 1, 5)
    )
    dates = [local(m.starts_at).date() for m in group.meetings.order_by("starts_at")][:8]
    assert dates == [
        date(2026, 12, 1),
        date(2026, 12, 8),
        date(2026, 12, 15),
        date(2026, 12, 22),
        date(2026, 12, 29),
        date(2027, 1, 5),
        date(2027, 1, 19),
        date(2027, 2, 2),
    ]


def test_moving_a_meeting_keeps_its_length_and_refuses_a_taken_room(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    other_room = RoomFactory(centre=centre_1, name="Peisestua")
    make_group(
        centre_1,
        other_room,
        staff_1,
        name="Onsdagsgruppa",
        weekday=2,
        start_date=date(2026, 12, 2),
    )
    meeting = group.meetings.get(index=3)
    with pytest.raises(services.RoomTaken):
        services.move_meeting(
            meeting, day=date(2026, 12, 23), start_time=time(18, 30), room=other_room, staff=staff_1
        )
    moved = services.move_meeting(
        meeting, day=date(2026, 12, 23), start_time=time(12, 0), staff=staff_1
    )
    assert local(moved.starts_at) == datetime(2026, 12, 23, 12, 0, tzinfo=OSLO)
    assert moved.ends_at - moved.starts_at == timedelta(hours=2)
    assert moved.sequence == 1
    assert local(moved.moved_from) == datetime(2026, 12, 22, 18, 0, tzinfo=OSLO)


class TestSeats:
    def test_a_group_never_holds_more_than_its_maximum(self, centre_1, room, staff_1):
        group = make_group(centre_1, room, staff_1)
        people = waiting(centre_1, 9)
        for person in people[:8]:
            services.place_applicant(group, person, staff=staff_1)
        with pytest.raises(services.GroupFull) as full:
            services.place_applicant(group, people[8], staff=staff_1)
        assert "8" in str(full.value)
        assert Offer.objects.count() == 8
        people[8].refresh_from_db()
        assert people[8].status == Status.WAITING

    def test_only_waiting_people_of_the_same_centre(self, centre_1, centre_2, room, staff_1):
        group = make_group(centre_1, room, staff_1)
        with pytest.raises(services.NotWaiting):
            services.place_applicant(
                group, ApplicationFactory(centre=centre_1, status=Status.RECEIVED), staff=staff_1
            )
        with pytest.raises(services.WrongCentre):
            services.place_applicant(
                group, ApplicationFactory(centre=centre_2, status=Status.WAITING), staff=staff_1
            )
        assert Offer.objects.count() == 0

    def test_an_accepted_offer_becomes_a_membership_with_its_dates(self, centre_1, room, staff_1):
        group = make_group(centre_1, room, staff_1)
        (person,) = waiting(centre_1)
        offer = services.place_applicant(group, person, staff=staff_1)
        person.refresh_from_db()
        assert person.status == Status.OFFERED
        membership = services.accept_offer(offer)
        person.refresh_from_db()
        assert person.status == Status.PLACED
        assert membership.joined_on == date(2026, 12, 1)
        assert (membership.twelve_weeks_on, membership.six_months_on) == (
            date(2027, 2, 23),
            date(2027, 6, 1),
        )
        with pytest.raises(services.OfferNotOpen):
            services.decline_offer(offer)

    def test_a_declined_or_lapsed_offer_frees_the_seat_and_keeps_the_place_in_the_queue(
        self, centre_1, room, staff_1
    ):
        group = make_group(centre_1, room, staff_1)
        first, second = waiting(centre_1, 2)
        applied = first.applied_at
        services.decline_offer(services.place_applicant(group, first, staff=staff_1))
        first.refresh_from_db()
        assert (first.status, first.applied_at) == (Status.WAITING, applied)
        offer = services.place_applicant(group, second, staff=staff_1)
        assert offer.expires_at == TODAY + timedelta(days=7)
        assert services.lapse_offers() == 0
        with time_machine.travel(TODAY + timedelta(days=7, seconds=1), tick=False):
            assert services.seats(group)["offered"] == 0  # an expired offer holds no seat
            assert services.lapse_offers() == 1
        offer.refresh_from_db()
        second.refresh_from_db()
        assert (offer.status, second.status) == (OfferStatus.LAPSED, Status.WAITING)

    def test_reaching_the_minimum_tells_staff_the_group_can_start(self, centre_1, room, staff_1):
        group = make_group(centre_1, room, staff_1)
        for person in waiting(centre_1, 5):
            services.accept_offer(services.place_applicant(group, person, staff=staff_1))
        alerts = Notification.objects.filter(kind="groups.staff_alert")
        assert [(n.to_address, n.params["alert"]) for n in alerts] == [(staff_1.email, "ready")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [True, False])
def test_two_staff_placing_the_last_seat_at_once(
    require_postgres, centre_1, room, staff_1, monkeypatch, locked
):
    """With the group's row lock exactly one wins; without it (control run) both do."""
    group = make_group(centre_1, room, staff_1)
    for person in waiting(centre_1, 7):
        services.place_applicant(group, person, staff=staff_1)
    last_two = waiting(centre_1, 2)
    barrier = threading.Barrier(2, timeout=3)
    real_seats_taken = services._seats_taken

    def seats_taken_then_wait(g):
        taken = real_seats_taken(g)
        if threading.current_thread().name.startswith("placer"):
            # Both have counted before either inserts (with the lock the second never gets here
            # until the first commits, and the barrier times out).
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return taken

    monkeypatch.setattr(services, "_seats_taken", seats_taken_then_wait)
    if not locked:
        # The control run: the same code with the group's row lock taken away.
        monkeypatch.setattr(
            services.Group.objects.__class__, "select_for_update", lambda self, *a, **k: self.all()
        )
    results = []

    def place(person):
        try:
            services.place_applicant(group, person, staff=staff_1)
            results.append("placed")
        except services.GroupFull:
            results.append("full")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=place, args=(p,), name=f"placer-{n}")
        for n, p in enumerate(last_two)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if locked:
        assert sorted(results) == ["full", "placed"]
        assert Offer.objects.count() == 8
    else:
        assert results == ["placed", "placed"]  # the race the lock prevents
        assert Offer.objects.count() == 9


class TestClosedGroup:
    def test_a_started_group_takes_no_one_until_it_decides_to_open(self, centre_1, room, staff_1):
        group = make_group(centre_1, room, staff_1, start_date=date(2026, 11, 17))
        assert services.start_groups() == 1
        group.refresh_from_db()
        assert group.status == GroupStatus.STARTED
        (person,) = waiting(centre_1)
        with pytest.raises(services.GroupClosed):
            services.place_applicant(group, person, staff=staff_1)
        with pytest.raises(services.GroupError):
            services.record_opening(
                group, decided_on=date(2026, 11, 17), reason="  ", staff=staff_1
            )
        services.record_opening(
            group, decided_on=date(2026, 11, 17), reason="To har sluttet.", staff=staff_1
        )
        group.refresh_from_db()
        assert group.status == GroupStatus.RESTARTING
        services.place_applicant(group, person, staff=staff_1)
        services.close_again(group, staff=staff_1)
        with pytest.raises(services.GroupClosed):
            services.place_applicant(group, waiting(centre_1)[0], staff=staff_1)

    def test_a_group_that_falls_below_fragile_alerts_staff(self, centre_1, room, staff_1):
        group = make_group(centre_1, room, staff_1, start_date=date(2026, 11, 17))
        memberships = [
            services.accept_offer(services.place_applicant(group, p, staff=staff_1))
            for p in waiting(centre_1, 4)
        ]
        services.start_groups()
        Notification.objects.all().delete()
        services.leave_group(memberships[0], reason=LeaveReason.OWN_CHOICE, staff=staff_1)
        assert list(Notification.objects.values_list("params__alert", flat=True)) == ["fragile"]
        memberships[0].refresh_from_db()
        assert (memberships[0].left_on, memberships[0].leave_reason) == (
            date(2026, 11, 23),
            "own_choice",
        )

    def test_ending_a_group_ends_memberships_and_future_meetings(self, centre_1, room, staff_1):
        group = make_group(centre_1, room, staff_1, start_date=date(2026, 11, 17))
        membership = services.accept_offer(
            services.place_applicant(group, waiting(centre_1)[0], staff=staff_1)
        )
        services.end_group(group, ended_on=date(2026, 11, 23), staff=staff_1)
        membership.refresh_from_db()
        assert (membership.left_on, membership.leave_reason) == (date(2026, 11, 23), "group_ended")
        assert not group.meetings.planned().filter(starts_at__gt=timezone.now()).exists()
        assert group.meetings.filter(status=MeetingStatus.PLANNED).count() == 1  # 17 Nov stays


def test_the_database_keeps_one_active_group_per_person(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    (person,) = waiting(centre_1)
    services.accept_offer(services.place_applicant(group, person, staff=staff_1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(group=group, application=person, joined_on=date(2026, 12, 1))
    Offer.objects.create(application=person, group=group, expires_at=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(application=person, group=group, expires_at=TODAY)
    assert Application.objects.get(pk=person.pk).status == Status.PLACED


def test_an_ended_groups_meetings_cannot_change(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    meeting = group.meetings.get(index=5)
    services.end_group(group, ended_on=date(2026, 12, 1), staff=staff_1)
    with pytest.raises(services.GroupEnded):
        services.move_meeting(meeting, day=date(2027, 1, 6), start_time=time(18, 0), staff=staff_1)
    with pytest.raises(services.GroupEnded):
        services.change_pattern(group, staff=staff_1, from_date=date(2027, 1, 1), weekday=2)


def test_a_meeting_moved_onto_a_public_holiday_is_flagged(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    meeting = group.meetings.get(index=3)  # 22 December
    moved = services.move_meeting(
        meeting, day=date(2026, 12, 26), start_time=time(12, 0), staff=staff_1
    )
    assert moved.holiday == "Andre juledag"


def test_a_signature_is_recorded_once_and_only_for_members(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1)
    membership = services.accept_offer(
        services.place_applicant(group, waiting(centre_1)[0], staff=staff_1)
    )
    services.record_signature(membership, signed_on=date(2026, 12, 1), staff=staff_1)
    services.record_signature(membership, signed_on=date(2026, 12, 8), staff=staff_1)
    membership.refresh_from_db()
    assert membership.confidentiality_signed_on == date(2026, 12, 1)
    services.leave_group(membership, reason=LeaveReason.OWN_CHOICE, staff=staff_1)
    other = services.accept_offer(
        services.place_applicant(group, waiting(centre_1)[0], staff=staff_1)
    )
    services.leave_group(other, reason=LeaveReason.OWN_CHOICE, staff=staff_1)
    with pytest.raises(services.GroupError):
        services.record_signature(other, signed_on=date(2026, 12, 1), staff=staff_1)
