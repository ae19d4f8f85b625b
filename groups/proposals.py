"""Matching, between the database and the pure matcher (groups/matching.py).

This module loads plain data (the waiting list, rooms, booked meetings) in a fixed number of
queries, calls the matcher, and turns its answer back into applications, rooms and dates;
`accept_proposal` saves an accepted proposal through groups.services, all or nothing.

Theme keys given to the matcher are theme ids as strings: the matcher only compares them.
What people want to work on (their areas) goes into the matcher, and only counts come out:
reasons never name an area.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from groups import matching, schedule, services
from groups.enums import GroupStatus
from groups.models import Group, Meeting, Membership, Offer, Room
from intake.enums import Status
from intake.models import AREAS, Application
from selvhjelp import bitsets
from selvhjelp.enums import DayPart, Weekday
from selvhjelp.models import Centre, Theme

DEFAULT_START = {DayPart.DAY: time(11, 0), DayPart.EVENING: time(18, 0)}
CANDIDATES_SHOWN = 100  # the best-fitting candidates listed on the candidates page
TIME_LIMIT = 2.0  # seconds the matcher may search on a page request (issue 6: 2 s)

PERSON_FIELDS = [
    "centre_id",
    "status",
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "applied_at",
    "availability_mask",
    "areas_mask",
    "theme_id",
]


class LeftOutReason:
    """Why someone is not in any proposed group (the matcher's codes, made more exact)."""

    NO_PEOPLE = "no_people"  # none of their times has enough people waiting
    NO_ROOM = "no_room"  # enough people at one of their times, but no free room
    TOO_FEW = "too_few"  # groups at their times could not all reach their minimum
    NOT_CHOSEN = "not_chosen"  # a group meets at one of their times, but it is full


def policy_of(centre: Centre) -> matching.Policy:
    return matching.Policy(
        age_span_years=centre.age_span_years if centre.age_span_enabled else None
    )


def theme_key(theme_id: int | None) -> str | None:
    return None if theme_id is None else str(theme_id)


def person_of(application: Application, now: datetime) -> matching.Person:
    return matching.Person(
        id=application.pk,
        slots=frozenset(bitsets.from_mask(application.availability_mask, bitsets.SLOTS)),
        age=application.age,
        gender=application.gender,
        areas=frozenset(bitsets.from_mask(application.areas_mask, AREAS)),
        waited_days=max((now - application.applied_at).days, 0),
        theme=theme_key(application.theme_id),
    )


def weeks_waited(application: Application, now: datetime) -> int:
    return max((now - application.applied_at).days // 7, 0)


def slot_key(weekday: int, start: time) -> str:
    return bitsets.slot_at(weekday, start)


def weekday_of(slot: str) -> int:
    return Weekday.values.index(slot.split("-")[0])


def part_of(slot: str) -> str:
    return slot.split("-")[1]


def can_meet(application: Application, slot: str) -> bool:
    return slot in bitsets.from_mask(application.availability_mask, bitsets.SLOTS)


# Candidates for one forming group --------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    application: Application
    weeks: int
    reasons: tuple  # matching reasons (code, good, value), best-fitting person first


def candidates_for(group: Group, now: datetime) -> list[Candidate]:
    """The centre's waiting people who can meet at the group's slot, best fit first.

    Hard rules (same centre, waiting, available at the slot) are in the query; the theme is
    soft: someone who asked for another kind of group is listed, with that as a reason.
    One query, however many people wait.
    """
    if group.status not in GroupStatus.accepting():
        return []
    slot = slot_key(group.weekday, group.start_time)
    # A union of ids, not an OR of two subqueries: the OR made PostgreSQL scan every
    # application in the country (make bench, EXPLAIN).
    ids = (
        Membership.objects.active()
        .filter(group=group)
        .values("application")
        .union(Offer.objects.open().filter(group=group).values("application"))
    )
    waiting = (
        Application.objects.filter(centre_id=group.centre_id)
        .waiting()
        .available_at([slot])
        .only(*PERSON_FIELDS)
        .order_by()
    )
    # The group's people (placed, or offered a place) and the waiting in one statement; a
    # member is never waiting, so the status tells them apart.
    people = (
        Application.objects.filter(pk__in=ids)
        .only(*PERSON_FIELDS)
        .order_by()
        .union(waiting)
        .order_by("applied_at", "pk")
    )
    members, by_id = [], {}
    for application in people:
        if application.status == Status.WAITING:
            by_id[application.pk] = application
        else:
            members.append(application)
    facts = matching.GroupFacts(
        slot=slot,
        theme=theme_key(group.theme_id),
        min_size=group.min_size,
        max_size=group.max_size,
    )
    ranked = matching.rank_candidates(
        facts,
        [person_of(application, now) for application in members],
        [person_of(application, now) for application in by_id.values()],
        policy_of(group.centre),
    )
    return [
        Candidate(
            application=by_id[rank.person_id],
            weeks=weeks_waited(by_id[rank.person_id], now),
            reasons=tuple(rank.reasons),
        )
        for rank in ranked
    ]


# What the proposals are made from ---------------------------------------------------------------


@dataclass(frozen=True)
class Busy:
    """A planned meeting in one of the centre's rooms."""

    starts_at: datetime
    ends_at: datetime
    group_name: str


@dataclass
class WaitingList:
    """Everything a proposal is made from and checked against, loaded in five queries."""

    centre: Centre
    now: datetime
    waiting: dict[int, Application]  # the centre's waiting people, longest waiting first
    rooms: dict[int, Room]  # active rooms, in the order they are offered
    themes: dict[int, Theme]  # every theme of the centre (people may wish a closed one)
    group_names: set[str]  # names the centre's groups already use (lower case)
    start_times: dict[str, time]  # part of day -> the usual start time
    busy: dict[int, dict[date, list[Busy]]] = field(default_factory=dict)  # room -> day -> ...

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    @property
    def active_themes(self) -> dict[int, Theme]:
        return {pk: theme for pk, theme in self.themes.items() if theme.is_active}

    def people(self) -> list[matching.Person]:
        return [person_of(application, self.now) for application in self.waiting.values()]

    def earliest_start(self) -> date:
        # The opening comes after every offer has had time to be answered, and a week more.
        return self.today + timedelta(days=self.centre.offer_reply_days + 7)

    def start_date_for(self, weekday: int) -> date:
        earliest = self.earliest_start()
        return earliest + timedelta(days=(weekday - earliest.weekday()) % 7)

    def room_clash(
        self, room_id: int, weekday: int, start: time, start_date: date, also=()
    ) -> Busy | None:
        """The first booked meeting a new weekly group would collide with in this room.

        `also` holds the meetings of groups proposed alongside (room id, Busy) pairs.
        The services check the same under the room's row lock when the group is created.
        """
        taken = self.busy.get(room_id, {})
        extra: dict[date, list[Busy]] = defaultdict(list)
        for other_room, meeting in also:
            if other_room == room_id:
                extra[timezone.localtime(meeting.starts_at).date()].append(meeting)
        for meeting in series_for(self.centre, weekday, start, start_date):
            day = meeting.date
            for other in [*taken.get(day, ()), *extra.get(day, ())]:
                if other.starts_at < meeting.ends_at and meeting.starts_at < other.ends_at:
                    return other
        return None


def series_for(centre: Centre, weekday: int, start: time, start_date: date):
    pattern = schedule.Pattern(
        weekday=weekday,
        start=start,
        minutes=centre.meeting_minutes,
        opening_minutes=max(centre.opening_meeting_minutes, centre.meeting_minutes),
        start_date=start_date,
    )
    # Holidays only label meetings; the clash check does not need them.
    return schedule.series(pattern, until=start_date + services.HORIZON, holidays={})


def meetings_as_busy(centre: Centre, name: str, weekday, start, start_date) -> list[Busy]:
    return [
        Busy(meeting.starts_at, meeting.ends_at, name)
        for meeting in series_for(centre, weekday, start, start_date)
    ]


def _usual_start_times(starts: list[time]) -> dict[str, time]:
    """Per part of day, the start time the centre's groups use most (earliest on a tie)."""
    usual = dict(DEFAULT_START)
    for part in DayPart.values:
        counted = Counter(start for start in starts if part_of(bitsets.slot_at(0, start)) == part)
        if counted:
            usual[part] = min(counted, key=lambda start: (-counted[start], start))
    return usual


def load(centre: Centre, now: datetime | None = None) -> WaitingList:
    now = now or timezone.now()
    waiting = {
        application.pk: application
        for application in Application.objects.filter(centre=centre)
        .waiting()
        .only(*PERSON_FIELDS)
        .order_by("applied_at", "pk")
    }
    rooms = {
        room.pk: room
        for room in Room.objects.for_centre(centre)
        .active()
        .filter(capacity__gte=centre.group_min_size)
        .order_by("name", "pk")
    }
    themes = {theme.pk: theme for theme in Theme.objects.filter(centre=centre).order_by("name")}
    groups = list(Group.objects.for_centre(centre).values_list("name", "start_time"))
    busy: dict[int, dict[date, list[Busy]]] = defaultdict(lambda: defaultdict(list))
    booked = (
        Meeting.objects.planned()
        .filter(room__centre=centre, ends_at__gt=now)
        .values_list("room_id", "starts_at", "ends_at", "group__name")
    )
    for room_id, starts_at, ends_at, group_name in booked:
        busy[room_id][timezone.localtime(starts_at).date()].append(
            Busy(starts_at, ends_at, group_name)
        )
    return WaitingList(
        centre=centre,
        now=now,
        waiting=waiting,
        rooms=rooms,
        themes=themes,
        group_names={name.lower() for name, _start in groups},
        start_times=_usual_start_times([start for _name, start in groups]),
        busy=busy,
    )


# Proposed new groups ----------------------------------------------------------------------------


@dataclass
class Plan:
    """One group to open: what accept_proposal needs (also an adjusted one from the form)."""

    name: str
    weekday: int
    start_time: time
    start_date: date
    room: Room
    theme: Theme | None
    member_ids: list[int]

    @property
    def slot(self) -> str:
        return slot_key(self.weekday, self.start_time)


@dataclass
class Proposal:
    plans: list[Plan]
    left_out: list[tuple[Application, str]]  # (person, LeftOutReason)
    score: object  # matching.Score of the proposal
    optimal: bool


@dataclass(frozen=True)
class _Opening:
    """A group the matcher may open: its slot, theme, room and start."""

    slot: matching.Slot
    room: Room
    start_time: time
    start_date: date


def _openings(data: WaitingList, people: list[matching.Person]) -> tuple[list[_Opening], set]:
    """Every group worth offering the matcher, and the slots that had people but no room.

    Per availability slot with at least the minimum number of people: one mixed group and
    one per theme at least the minimum asked for, then second copies and so on, as long as
    the people and the free rooms last. Each copy gets its own free room.
    """
    centre = data.centre
    min_size, max_size = centre.group_min_size, centre.group_max_size
    openings, roomless = [], set()
    for slot in bitsets.SLOTS:
        there = [person for person in people if slot in person.slots]
        if len(there) < min_size:
            continue
        weekday = weekday_of(slot)
        start = data.start_times[part_of(slot)]
        start_date = data.start_date_for(weekday)
        free = [
            room
            for room in data.rooms.values()
            if data.room_clash(room.pk, weekday, start, start_date) is None
        ]
        # Rooms seating a whole group first, the centre's own before borrowed ones (these
        # have an address of their own and often a limited use), then by name.
        free.sort(key=lambda room: (room.capacity < max_size, bool(room.street_address), room.name))
        if not free:
            roomless.add(slot)
            continue
        wishes = Counter(person.theme for person in there if person.theme is not None)
        themed = sorted(
            (
                (key, count)
                for key, count in wishes.items()
                if count >= min_size and int(key) in data.active_themes
            ),
            key=lambda item: (-item[1], item[0]),
        )
        kinds = [(None, len(there)), *themed]
        copies = []
        for copy in range(len(there) // min_size):
            copies += [(key, copy) for key, count in kinds if count // min_size > copy]
        for (key, copy), room in zip(copies, free, strict=False):
            openings.append(
                _Opening(
                    slot=matching.Slot(
                        id=f"{slot}:{key or 'mixed'}:{copy}",
                        slot=slot,
                        theme=key,
                        min_size=min_size,
                        max_size=min(max_size, room.capacity),
                    ),
                    room=room,
                    start_time=start,
                    start_date=start_date,
                )
            )
    return openings, roomless


def suggested_name(weekday: int, start_date: date, theme: Theme | None, taken: set[str]) -> str:
    """A name like "Tirsdagsgruppa desember 2026", unique among `taken` (lower case)."""
    day = str(Weekday(Weekday.values[weekday]).label)
    month = formats.date_format(start_date, "F Y")
    if theme is None:
        name = _("%(weekday)s group %(month)s") % {"weekday": capfirst(day), "month": month}
    else:
        name = _("%(theme)s %(weekday)s %(month)s") % {
            "theme": theme.display_name,
            "weekday": day.lower(),
            "month": month,
        }
    name, number = str(name)[:94], 2
    unique = name
    while unique.lower() in taken:
        unique = f"{name} ({number})"
        number += 1
    taken.add(unique.lower())
    return unique


def propose_for(centre: Centre, *, data: WaitingList | None = None, now=None) -> Proposal:
    """New groups from the centre's whole waiting list, with names suggested."""
    data = data or load(centre, now)
    people = data.people()
    openings, roomless = _openings(data, people)
    by_id = {opening.slot.id: opening for opening in openings}
    result = matching.propose(
        people, [opening.slot for opening in openings], policy_of(centre), time_limit=TIME_LIMIT
    )
    taken = set(data.group_names)
    plans = []
    for proposed in result.groups:
        opening = by_id[proposed.slot_id]
        weekday = weekday_of(opening.slot.slot)
        theme = data.themes[int(opening.slot.theme)] if opening.slot.theme else None
        plans.append(
            Plan(
                name=suggested_name(weekday, opening.start_date, theme, taken),
                weekday=weekday,
                start_time=opening.start_time,
                start_date=opening.start_date,
                room=opening.room,
                theme=theme,
                member_ids=list(proposed.member_ids),
            )
        )
    plans.sort(key=lambda plan: (plan.weekday, plan.start_time, plan.name))
    enough = {
        slot
        for slot in bitsets.SLOTS
        if sum(slot in person.slots for person in people) >= centre.group_min_size
    }
    left_out = []
    for gone in result.left_out:
        application = data.waiting[gone.person_id]
        reason = str(gone.reason)
        if reason == matching.Reason.NO_SLOT:
            mine = set(bitsets.from_mask(application.availability_mask, bitsets.SLOTS))
            reason = LeftOutReason.NO_ROOM if mine & enough & roomless else LeftOutReason.NO_PEOPLE
        left_out.append((application, reason))
    left_out.sort(key=lambda item: (item[0].applied_at, item[0].pk))
    return Proposal(plans=plans, left_out=left_out, score=result.score, optimal=result.optimal)


def score_of(plans: list[Plan], data: WaitingList):
    """The matcher's score of an adjusted proposal, or None if it breaks a matcher rule
    (e.g. a group below the minimum size)."""
    centre = data.centre
    slots, groups = [], {}
    for n, plan in enumerate(plans):
        key = f"plan{n}"
        slots.append(
            matching.Slot(
                id=key,
                slot=plan.slot,
                theme=theme_key(plan.theme.pk if plan.theme else None),
                min_size=centre.group_min_size,
                max_size=min(centre.group_max_size, plan.room.capacity),
            )
        )
        groups[key] = plan.member_ids
    try:
        return matching.score(groups, data.people(), slots, policy_of(centre))
    except ValueError:
        return None


# Accepting ----------------------------------------------------------------------------------------


class ProposalStale(services.GroupError):
    message = _(
        "%(name)s is no longer waiting for a group: someone may have offered them a place "
        "in the meantime."
    )


class CannotMeet(services.GroupError):
    message = _("%(name)s cannot meet %(slot)s.")


@transaction.atomic
def accept_proposal(centre: Centre, *, groups: list[Plan], staff, request=None) -> list[Group]:
    """Create every group and offer each chosen person a place, all or nothing.

    A GroupError anywhere (a room taken meanwhile, someone no longer waiting, a full group)
    rolls back everything, the groups already made in this call included.
    """
    ids = [pk for plan in groups for pk in plan.member_ids]
    if len(ids) != len(set(ids)):
        raise services.GroupError(_("Someone is in more than one of the groups."))
    people = Application.objects.select_for_update().filter(centre=centre, pk__in=ids).in_bulk()
    created = []
    for plan in groups:
        if plan.theme is not None and plan.theme.centre_id != centre.pk:
            raise services.GroupError(_("That centre does not run this theme group."))
        group = services.create_group(
            centre,
            name=plan.name,
            room=plan.room,
            weekday=plan.weekday,
            start_time=plan.start_time,
            start_date=plan.start_date,
            theme=plan.theme,
            staff=staff,
            request=request,
        )
        for pk in plan.member_ids:
            application = people.get(pk)
            if application is None:
                raise services.WrongCentre
            name = f"{application.first_name} {application.last_name}"
            if not can_meet(application, plan.slot):
                raise CannotMeet(name=name, slot=bitsets.slot_label(plan.slot))
            try:
                services.place_applicant(group, application, staff=staff, request=request)
            except services.NotWaiting as error:
                raise ProposalStale(name=name) from error
        created.append(group)
    return created
