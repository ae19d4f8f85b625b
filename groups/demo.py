"""The groups app's part of the demo centre: rooms, and groups in every state.

Idempotent: a group that exists (by name) is left as it is, so running seed_demo twice
changes nothing. Everything is made through the services, as staff would make it; only the
dates a real group would have collected over weeks (when people joined) are set afterwards.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from groups import services
from groups.enums import NoticeKind
from groups.models import Group, Membership, Room
from intake import services as intake
from intake.enums import Source
from intake.models import Application
from selvhjelp.models import Theme

DEMO_ROOMS = [
    {"name": "Samtalerommet", "capacity": 10, "accessibility": "Trinnfri adkomst, heis."},
    {"name": "Peisestua", "capacity": 12, "accessibility": "Heis, teleslynge."},
    {
        "name": "Grünerløkka bibliotek, grupperom 2",
        "street_address": "Schous plass 10, 0552 Oslo",
        "capacity": 8,
        "accessibility": "Trinnfri adkomst.",
        "notes": "Lånes tirsdager og torsdager etter kl. 17. Nøkkel i skranken.",
    },
]

FORMING = "Tirsdagsgruppa"
STARTED = "Torsdagsgruppa"
ENDED = "Mandagsgruppa"

# Participants of the started and the ended group (the intake demo's waiting list is kept
# for the forming group and for matching): first, last, born, gender, availability.
STARTED_PEOPLE = [
    ("Silje", "Haugen", date(1987, 4, 9), "woman", ["thu-evening"]),
    ("Ahmed", "Ali", date(1983, 10, 14), "man", ["thu-evening", "tue-day"]),
    ("Kjersti", "Lie", date(1979, 1, 27), "woman", ["thu-evening"]),
    ("Tor", "Iversen", date(1974, 6, 3), "man", ["thu-evening", "wed-evening"]),
    ("Maria", "Johansen", date(1990, 12, 19), "woman", ["thu-evening"]),
    ("Guro", "Nygård", date(1985, 8, 30), "woman", ["thu-evening", "mon-evening"]),
]
ENDED_PEOPLE = [
    ("Bente", "Kristiansen", date(1966, 2, 11), "woman", ["mon-evening"]),
    ("Geir", "Pedersen", date(1961, 9, 5), "man", ["mon-evening"]),
    ("Linn", "Karlsen", date(1970, 3, 22), "woman", ["mon-evening", "wed-day"]),
    ("Ole", "Andersen", date(1968, 11, 8), "man", ["mon-evening"]),
    ("Randi", "Olsen", date(1959, 7, 16), "woman", ["mon-evening"]),
]


# More people waiting, so the proposed new groups have something to work with: a
# Wednesday evening with one person too many for a group, a Monday daytime group just
# big enough, and a few no group can take yet (alone at their times, or a theme group
# nobody else asked for). Added after the forming group is made, so it is not theirs.
# "first last", born, gender, availability, areas, weeks waited
MATCHING_PEOPLE = [
    ("Camilla Vik", "1985-02-14", "woman", "wed-evening thu-evening", "anxiety", 14),
    ("Espen Hagen", "1982-06-01", "man", "wed-evening", "work burnout", 13),
    ("Ida Sørensen", "1990-09-09", "woman", "wed-evening mon-evening", "loneliness", 12),
    ("Magnus Berge", "1987-03-03", "man", "wed-evening tue-evening", "depression", 10),
    ("Thea Lien", "1994-05-20", "woman", "wed-evening", "transition", 9),
    ("Anders Myhre", "1979-11-02", "man", "wed-evening thu-evening", "grief", 8),
    ("Sara Amundsen", "1983-07-07", "unspecified", "wed-evening tue-evening", "anxiety work", 4),
    ("Jon Rustad", "1996-01-25", "man", "wed-evening", "loneliness", 3),
    ("Mona Strøm", "1989-10-12", "woman", "wed-evening", "carer", 2),
    ("Bjørg Tangen", "1958-04-04", "woman", "mon-day", "illness", 16),
    ("Arne Bakken", "1956-08-18", "man", "mon-day wed-day", "carer", 12),
    ("Solveig Eriksen", "1961-12-05", "woman", "mon-day", "grief", 7),
    ("Knut Røed", "1964-02-28", "man", "mon-day thu-day", "illness other", 6),
    ("Vilde Nes", "2001-06-15", "woman", "sat-day", "anxiety", 6),
    ("Sigrid Moe", "1972-03-30", "woman", "fri-day", "grief", 5),
]
THEME_WISHES = {"Sigrid": "sorg"}  # a grief group nobody else asked for


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _rooms(centre) -> dict[str, Room]:
    rooms = {}
    for room in DEMO_ROOMS:
        defaults = {key: value for key, value in room.items() if key != "name"}
        rooms[room["name"]], _ = Room.objects.update_or_create(
            centre=centre, name=room["name"], defaults=defaults
        )
    return rooms


def _participant(centre, staff, person, applied: date, *, areas=(), theme=None) -> Application:
    """A demo participant who went through intake and waits for a group."""
    first, last, born, gender, slots = person
    email = f"{first}.{last}@example.no".lower().translate(
        str.maketrans({"å": "a", "ø": "o", "æ": "ae"})
    )
    application = Application.objects.filter(centre=centre, email=email).first()
    if application is not None:
        return application
    data = intake.ApplicationData(
        centre=centre,
        first_name=first,
        last_name=last,
        email=email,
        phone="+4741234567",
        birth_date=born,
        availability=slots,
        gender=gender,
        areas=list(areas),
        theme=theme,
    )
    # Like the intake demo: no receipt for a demo person who "applied" months ago.
    application = intake._create(data, source=Source.WEB)
    applied_at = datetime.combine(applied, time(10, 0), tzinfo=services.schedule.OSLO)
    Application.objects.filter(pk=application.pk).update(
        applied_at=applied_at, consent_at=applied_at, status_changed_at=applied_at
    )
    intake.start_dialogue(application, staff=staff)
    intake.mark_waiting(application, staff=staff)
    return application


def _join(group: Group, application: Application, staff, *, joined_on: date) -> Membership:
    offer = services.place_applicant(group, application, staff=staff)
    membership = services.accept_offer(offer)
    # A demo group has been together for a while: they joined at its opening meeting.
    Membership.objects.filter(pk=membership.pk).update(joined_on=joined_on)
    membership.joined_on = joined_on
    return membership


def _forming_group(centre, staff, room: Room, today: date) -> None:
    start = _on_or_after(today + timedelta(days=14), 1)  # a Tuesday about two weeks ahead
    group = services.create_group(
        centre,
        name=FORMING,
        room=room,
        weekday=1,
        start_time=time(18, 0),
        start_date=start,
        staff=staff,
    )
    candidates = list(
        services.waiting_applications(group)
        .available_at(["tue-evening"])
        .order_by("applied_at", "pk")[:5]
    )
    for application in candidates[:3]:
        services.accept_offer(services.place_applicant(group, application, staff=staff))
    for application in candidates[3:]:
        services.place_applicant(group, application, staff=staff)


def _started_group(centre, staff, room: Room, today: date) -> None:
    start = _on_or_before(today - timedelta(weeks=5), 3)  # a Thursday about five weeks ago
    group = services.create_group(
        centre,
        name=STARTED,
        room=room,
        weekday=3,
        start_time=time(17, 30),
        start_date=start,
        staff=staff,
    )
    members = [
        _join(
            group,
            _participant(centre, staff, person, start - timedelta(weeks=12 - n)),
            staff,
            joined_on=start,
        )
        for n, person in enumerate(STARTED_PEOPLE)
    ]
    services.start_groups()
    services.record_signature(members[0], signed_on=start, staff=staff)
    coming = group.meetings.planned().filter(starts_at__gt=timezone.now()).first()
    if coming is not None:
        services.send_notice(members[1], kind=NoticeKind.ABSENT, meeting=coming)


def _ended_group(centre, staff, room: Room, today: date) -> None:
    ended_on = today.replace(day=1) - timedelta(days=1)  # the last day of last month
    start = _on_or_before(ended_on - timedelta(weeks=26), 0)  # a Monday half a year before
    group = services.create_group(
        centre,
        name=ENDED,
        room=room,
        weekday=0,
        start_time=time(18, 0),
        start_date=start,
        staff=staff,
    )
    for n, person in enumerate(ENDED_PEOPLE):
        application = _participant(centre, staff, person, start - timedelta(weeks=10 - n))
        membership = _join(group, application, staff, joined_on=start)
        services.record_signature(membership, signed_on=start, staff=staff)
    services.start_groups()
    services.end_group(group, ended_on=ended_on, staff=staff)


def _waiting_list(centre, staff, today: date) -> None:
    themes = {theme.slug: theme for theme in Theme.objects.filter(centre=centre)}
    for name, born, gender, slots, areas, weeks in MATCHING_PEOPLE:
        first, last = name.split(" ")
        person = (first, last, date.fromisoformat(born), gender, slots.split())
        _participant(
            centre,
            staff,
            person,
            today - timedelta(weeks=weeks),
            areas=areas.split(),
            theme=themes.get(THEME_WISHES.get(first, "")),
        )


@transaction.atomic
def fill(centre) -> None:
    rooms = _rooms(centre)
    staff = get_user_model().objects.filter(staff_memberships__centre=centre).first()
    today = timezone.localdate()
    existing = set(Group.objects.filter(centre=centre).values_list("name", flat=True))
    if ENDED not in existing:
        _ended_group(centre, staff, rooms["Samtalerommet"], today)
    if STARTED not in existing:
        _started_group(centre, staff, rooms["Peisestua"], today)
    if FORMING not in existing:
        _forming_group(centre, staff, rooms["Samtalerommet"], today)
    _waiting_list(centre, staff, today)
