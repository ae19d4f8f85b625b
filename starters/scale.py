"""Starters' part of `seed_scale` (registered in apps.py): volunteer accounts spread over the
scale centres, two assignments per group as the centre's policy asks, and the bookings of
the meetings each starter attends.

Bulk inserts only, like the rest of seed_scale. The bookings keep the PostgreSQL exclusion
constraint: a starter is never given two groups meeting on the same day, so no two of their
bookings can overlap.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Q

from groups.enums import GroupStatus, MeetingStatus
from groups.models import Meeting
from groups.schedule import OSLO
from selvhjelp import bitsets
from starters.enums import AssignmentStatus
from starters.models import Assignment, Booking, Starter

USERNAME_PREFIX = "skala-igangsetter-"
DEFAULT_STARTERS = 1_500
SIZES = (("starters", DEFAULT_STARTERS, "volunteer starters, spread over the centres"),)
FIRST_NAMES = ["Randi", "Terje", "Gunn", "Arne", "Liv", "Odd", "Berit", "Rune", "Wenche", "Kjell"]
LAST_NAMES = ["Aasen", "Bråten", "Dale", "Eide", "Foss", "Grande", "Holm", "Kvam", "Li", "Ruud"]


def delete(centres, using: str) -> dict[str, int]:
    """Raw deletes, children first: bookings, assignments, starters and their accounts."""
    starters = Starter.objects.filter(user__username__startswith=USERNAME_PREFIX)
    ours, in_centres = Q(starter__in=starters), Q(group__centre__in=centres)
    steps = [
        ("bookings", Booking.objects.filter(ours | Q(meeting__group__centre__in=centres))),
        ("assignments", Assignment.objects.filter(ours | in_centres)),
        ("starter centres", Starter.centres.through.objects.filter(starter__in=starters)),
        ("starters", starters),
        ("users", get_user_model().objects.filter(username__startswith=USERNAME_PREFIX)),
    ]  # fmt: skip
    return {label: queryset._raw_delete(using) for label, queryset in steps}


def fill(run) -> None:
    """Starters for every scale centre, in proportion to its groups (at least two each)."""
    rng, total = run.rng, run.options.get("starters", DEFAULT_STARTERS)
    centres, groups = run.centres_created, run.groups_created
    if not total or not centres:
        return
    per_centre = defaultdict(list)
    for group in groups:
        per_centre[group.centre_id].append(group)
    shares = _shares(total, [max(len(per_centre[c.pk]), 1) for c in centres])
    # One unusable password hash for all: nobody signs in as a synthetic starter.
    password = make_password(None)
    users, profiles, homes = [], [], []
    for centre, count in zip(centres, shares, strict=True):
        for _ in range(count):
            n = len(users) + 1
            users.append(
                get_user_model()(
                    username=f"{USERNAME_PREFIX}{n:05d}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=f"{rng.choice(LAST_NAMES)} {n}",
                    email=f"igangsetter{n}@example.no",
                    password=password,
                    date_joined=run.now,
                )
            )
            homes.append(centre)
    users = run.bulk(get_user_model(), users)
    for user in users:
        slots = rng.sample(bitsets.SLOTS, rng.randint(2, 6))
        profiles.append(
            Starter(
                user=user,
                availability_mask=bitsets.to_mask(slots, bitsets.SLOTS),
                max_groups=rng.randint(1, 3),
                is_active=rng.random() > 0.1,
                created_at=run.now,
            )
        )
    profiles = run.bulk(Starter, profiles)
    Starter.centres.through.objects.bulk_create(
        [
            Starter.centres.through(starter_id=s.pk, centre_id=c.pk)
            for s, c in zip(profiles, homes, strict=True)
        ],
        batch_size=run.batch,
    )
    by_centre = defaultdict(list)
    for starter, centre in zip(profiles, homes, strict=True):
        by_centre[centre.pk].append(starter)
    _assign(run, centres, per_centre, by_centre)


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, at least two each where total allows."""
    floor = min(2, total // len(weights))
    rest = total - floor * len(weights)
    whole = sum(weights)
    shares = [floor + rest * w // whole for w in weights]
    for i in range(total - sum(shares)):
        shares[i % len(shares)] += 1
    return shares


def _assign(run, centres, per_centre, by_centre) -> None:
    """Up to the centre's number of starters per group, never two groups on one day for
    one starter; bookings for the meetings the centre's policy has starters attend."""
    rng = run.rng
    attended = _attended_meetings(run, centres)
    busy: dict[int, set] = defaultdict(set)  # starter -> days with a booking
    load: dict[int, int] = defaultdict(int)  # starter -> groups not ended they hold
    assignments, plans = [], []
    for centre in centres:
        starters = by_centre[centre.pk]
        for group in per_centre[centre.pk]:
            meetings = attended.get(group.pk, [])
            days = {m.starts_at.date() for m in meetings}
            running = group.status != GroupStatus.ENDED
            free = [
                s
                for s in starters
                if s.is_active
                and not busy[s.pk] & days
                and not (running and load[s.pk] >= s.max_groups)
            ]
            rng.shuffle(free)
            asked = min(run.now, datetime.combine(group.start_date, time(10), tzinfo=OSLO))
            asked -= timedelta(days=rng.randint(14, 35))
            for starter in free[: centre.starters_per_group]:
                status = _status(rng, group)
                answered = asked + timedelta(days=rng.randint(1, 5))
                assignments.append(
                    assignment := Assignment(
                        starter=starter,
                        group=group,
                        status=status,
                        created_at=asked,
                        answered_at=None if status == AssignmentStatus.PENDING else answered,
                        released_at=answered if status == AssignmentStatus.RELEASED else None,
                    )
                )
                if status in AssignmentStatus.holding():
                    busy[starter.pk] |= days
                    load[starter.pk] += running
                    plans.append((assignment, meetings))
    run.bulk(Assignment, assignments)
    bookings = [
        Booking.of(assignment, meeting) for assignment, meetings in plans for meeting in meetings
    ]
    for offset in range(0, len(bookings), run.batch):
        run.bulk(Booking, bookings[offset : offset + run.batch])


def _status(rng, group) -> str:
    if group.status == GroupStatus.FORMING:
        return rng.choices(
            [AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED],
            weights=[40, 50, 10],
        )[0]
    return rng.choices([AssignmentStatus.ACCEPTED, AssignmentStatus.RELEASED], weights=[95, 5])[0]


def _attended_meetings(run, centres) -> dict[int, list[Meeting]]:
    """Per group: its first planned meetings by the centre's policy, plus the follow-up."""
    most = max((c.starter_opening_meetings for c in centres), default=1)
    opening = {c.pk: c.starter_opening_meetings for c in centres}
    rows = (
        Meeting.objects.filter(group__in=[g.pk for g in run.groups_created])
        .filter(status=MeetingStatus.PLANNED)
        .filter(Q(index__lt=most) | Q(is_followup=True))
        .only("group", "index", "starts_at", "ends_at", "is_followup")
        .order_by("group", "index")
    )
    centre_of = {g.pk: g.centre_id for g in run.groups_created}
    attended: dict[int, list[Meeting]] = defaultdict(list)
    firsts: dict[int, int] = defaultdict(int)
    for meeting in rows.iterator(chunk_size=run.batch):
        if meeting.is_followup or firsts[meeting.group_id] < opening[centre_of[meeting.group_id]]:
            attended[meeting.group_id].append(meeting)
            firsts[meeting.group_id] += not meeting.is_followup
    return attended
