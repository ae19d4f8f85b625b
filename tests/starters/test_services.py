"""Starters' services: profiles, suggestions, assignments, answers, replacements, coverage.

The other starters test modules import the helpers at the top of this one.
"""

from datetime import date, datetime, time
from email.utils import parseaddr

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from groups import services as groups
from groups.models import Group
from selvhjelp import outbox
from selvhjelp.models import AuditEvent, Notification
from starters import services, tasks
from starters.enums import AssignmentStatus
from starters.models import Assignment, Starter
from tests.factories import (
    CentreFactory,
    RoomFactory,
    StaffMembershipFactory,
    StarterFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OSLO = services.OSLO
TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)  # a Monday; Tirsdagsgruppa starts 1 December
SITE = "https://selvhjelp.example.no"


# Helpers (shared with the other starters test modules) -----------------------------------------


def make_group(
    centre, staff, *, name="Tirsdagsgruppa", room=None, weekday=1, start=time(18, 0), on=None
):
    """A group of `centre` meeting weekly from `on` (default: Tuesday 1 December 2026)."""
    return groups.create_group(
        centre,
        name=name,
        room=room or RoomFactory(centre=centre, name=f"Rom for {name}"),
        weekday=weekday,
        start_time=start,
        start_date=on or date(2026, 12, 1),
        staff=staff,
    )


def starter(centre, first_name, *, availability=("tue-evening", "wed-evening"), **kwargs):
    return StarterFactory(
        centre=centre,
        availability=availability,
        user__username=first_name.lower(),
        user__first_name=first_name,
        user__last_name="Hansen",
        user__email=f"{first_name.lower()}@example.no",
        **kwargs,
    )


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, OSLO)


def booked(assignment) -> list[tuple[int, datetime, bool]]:
    """(meeting index, local start, active) of an assignment's bookings, in time order."""
    return [
        (b.meeting.index, local(b.starts_at), b.is_active)
        for b in assignment.bookings.select_related("meeting").order_by("starts_at", "pk")
    ]


def at(day: date, hour: int = 18, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO)


def queued(kind: str, **filters) -> list[tuple[str, datetime, str]]:
    """(recipient, local due time, state) of the messages of one kind, by due time."""
    rows = Notification.objects.filter(kind=kind, **filters).order_by("due_at", "pk")
    return [(n.to_address, local(n.due_at), n.state) for n in rows]


def send():
    return outbox.dispatch_due()


def to(message) -> str:
    (recipient,) = message.to
    return parseaddr(recipient)[1]


def mail_to(address: str) -> list:
    return [m for m in mail.outbox if to(m) == address]


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.SITE_URL = SITE
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def group(centre_1, staff_1):
    return make_group(centre_1, staff_1)


@pytest.fixture
def ola(centre_1):
    return starter(centre_1, "Ola")


@pytest.fixture
def kari(centre_1):
    return starter(centre_1, "Kari")


# Which meetings -------------------------------------------------------------------------------


def test_by_default_starters_come_to_the_opening_and_the_follow_up_after_four_meetings(group):
    meetings = services.meetings_to_attend(group)
    assert [(m.index, local(m.starts_at), m.is_opening, m.is_followup) for m in meetings] == [
        (0, at(date(2026, 12, 1)), True, False),
        (4, at(date(2026, 12, 29)), False, True),
    ]


# Assigning -------------------------------------------------------------------------------------


def test_assigning_books_the_meetings_and_queues_the_message_and_the_reminders(group, ola, staff_1):
    assignment = services.assign_starter(group, ola, staff=staff_1)
    assert (assignment.status, assignment.created_by, assignment.replaces) == (
        AssignmentStatus.PENDING,
        staff_1,
        None,
    )
    assert booked(assignment) == [
        (0, at(date(2026, 12, 1)), True),
        (4, at(date(2026, 12, 29)), True),
    ]
    assert queued("starters.assignment") == [("ola@example.no", TODAY, "pending")]
    # Three days before and on the morning of each meeting, at 08:00 Oslo time.
    assert queued("starters.reminder") == [
        ("ola@example.no", at(date(2026, 11, 28), 8), "pending"),
        ("ola@example.no", at(date(2026, 12, 1), 8), "pending"),
        ("ola@example.no", at(date(2026, 12, 26), 8), "pending"),
        ("ola@example.no", at(date(2026, 12, 29), 8), "pending"),
    ]
    event = AuditEvent.objects.get(action="assignment.created")
    assert (event.actor, event.centre, event.object_id) == (
        staff_1,
        group.centre,
        str(assignment.pk),
    )


def test_the_assignment_message_lists_the_meetings_and_carries_them_as_a_calendar(
    group, ola, staff_1
):
    import icalendar

    services.assign_starter(group, ola, staff=staff_1)
    send()
    (message,) = mail.outbox
    assert to(message) == "ola@example.no"
    assert message.subject == "Kan du hjelpe til med å starte gruppa «Tirsdagsgruppa»?"
    assert (
        "Selvhjelpshuset Nord spør om du vil være igangsetter for den nye gruppa "
        "«Tirsdagsgruppa»." in message.body
    )
    assert (
        "- tirsdag 1. desember 2026 kl. 18:00–20:00, Rom for Tirsdagsgruppa, Storgata 1, "
        "0155 Oslo (oppstartsmøtet)\n"
        "- tirsdag 29. desember 2026 kl. 18:00–20:00, Rom for Tirsdagsgruppa, Storgata 1, "
        "0155 Oslo (oppfølgingsmøtet)\n" in message.body
    )
    assert f"{SITE}/igangsetter/" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("igangsetting.ics", "text/calendar; method=PUBLISH")
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    meetings = services.meetings_to_attend(group)
    assert [(str(e["uid"]), e.decoded("dtstart"), str(e["summary"])) for e in events] == [
        (
            f"meeting-{meetings[0].pk}@selvhjelp.example.no",
            at(date(2026, 12, 1)),
            "Igangsetter på oppstartsmøtet: Tirsdagsgruppa",
        ),
        (
            f"meeting-{meetings[1].pk}@selvhjelp.example.no",
            at(date(2026, 12, 29)),
            "Igangsetter på oppfølgingsmøtet: Tirsdagsgruppa",
        ),
    ]


def test_a_group_takes_the_policy_number_of_starters_and_no_more(group, ola, kari, staff_1):
    per = starter(group.centre, "Per")
    services.assign_starter(group, ola, staff=staff_1)
    services.assign_starter(group, kari, staff=staff_1)
    with pytest.raises(services.StarterError) as refused:
        services.assign_starter(group, per, staff=staff_1)
    assert str(refused.value) == "Gruppa har allerede 2 igangsettere, slik senteret ønsker."
    group.centre.starters_per_group = 0
    group.centre.save(update_fields=["starters_per_group"])
    with pytest.raises(services.StarterError) as none_wanted:
        services.assign_starter(group, per, staff=staff_1)
    assert str(none_wanted.value) == "Ved dette senteret starter gruppene uten igangsettere."
    assert Assignment.objects.filter(starter=per).count() == 0


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("other centre", "Siv Hansen er ikke igangsetter ved dette senteret."),
        ("resting", "Siv Hansen har pause og får ingen nye grupper nå."),
        ("twice", "Siv Hansen er allerede spurt om å starte denne gruppa."),
    ],
)
def test_who_cannot_be_assigned(group, centre_2, staff_1, who, message):
    siv = starter(centre_2 if who == "other centre" else group.centre, "Siv")
    if who == "resting":
        Starter.objects.filter(pk=siv.pk).update(is_active=False)
    if who == "twice":
        services.assign_starter(group, siv, staff=staff_1)
    with pytest.raises(services.StarterError) as refused:
        services.assign_starter(group, siv, staff=staff_1)
    assert str(refused.value) == message
    assert Assignment.objects.filter(starter=siv).count() == (1 if who == "twice" else 0)


def test_an_ended_group_gets_no_starters(group, ola, staff_1):
    groups.end_group(group, ended_on=date(2026, 11, 23), staff=staff_1)
    with pytest.raises(services.StarterError) as refused:
        services.assign_starter(group, ola, staff=staff_1)
    assert str(refused.value) == "Gruppa er avsluttet."


# Answers ---------------------------------------------------------------------------------------


def test_the_starter_accepts_once_and_only_their_own(group, ola, kari, staff_1):
    assignment = services.assign_starter(group, ola, staff=staff_1)
    with pytest.raises(services.StarterError) as refused:
        services.accept_assignment(assignment, user=kari.user)
    assert str(refused.value) == "Dette oppdraget er til en annen igangsetter."
    accepted = services.accept_assignment(assignment, user=ola.user)
    again = services.accept_assignment(assignment, user=ola.user)
    assert (accepted.status, accepted.answered_at) == (AssignmentStatus.ACCEPTED, TODAY)
    assert again.answered_at == TODAY
    assert AuditEvent.objects.filter(action="assignment.accepted").count() == 1
    with pytest.raises(services.NotOpen) as closed:
        services.decline_assignment(assignment, user=ola.user)
    assert str(closed.value) == "Dette oppdraget venter ikke lenger på svar."


def test_a_decline_releases_the_bookings_and_alerts_staff_naming_the_next_best(
    group, ola, kari, staff_1, staff_2
):
    quiet = StaffMembershipFactory(centre=group.centre, wants_alerts=False).user
    assignment = services.assign_starter(group, ola, staff=staff_1)
    declined = services.decline_assignment(assignment, user=ola.user)
    assert (declined.status, declined.answered_at) == (AssignmentStatus.DECLINED, TODAY)
    assert [active for _i, _at, active in booked(assignment)] == [False, False]
    # Nothing more goes to Ola about this group: the message and reminders are stopped.
    assert {n.state for n in Notification.objects.filter(to_address="ola@example.no")} == {
        "cancelled"
    }
    assert queued("starters.staff_alert") == [(staff_1.email, TODAY, "pending")]
    assert quiet.email not in {n.to_address for n in Notification.objects.all()}
    send()
    (alert,) = mail.outbox
    assert to(alert) == staff_1.email
    assert alert.subject == "Ola Hansen sa nei til å starte gruppa «Tirsdagsgruppa»"
    assert (
        "Ola Hansen kan ikke være igangsetter for gruppa «Tirsdagsgruppa». Den starter "
        "1. desember 2026 og har 0 av 2 igangsettere som senteret ønsker. Neste forslag er "
        "Kari Hansen, som vanligvis kan komme på det tidspunktet." in alert.body
    )
    assert f"{SITE}/stab/grupper/{group.pk}/" in alert.body
    # A starter who said no is not suggested for the group again.
    assert [s.starter for s in services.suggest_starters(group)] == [kari]


def test_a_decline_with_nobody_left_says_so(group, ola, staff_1):
    services.decline_assignment(services.assign_starter(group, ola, staff=staff_1), user=ola.user)
    send()
    (alert,) = mail.outbox
    assert "Det er ingen andre aktive igangsettere ved senteret å spørre." in alert.body


def test_a_decline_already_replaced_when_the_alert_goes_sends_nothing(group, ola, kari, staff_1):
    assignment = services.assign_starter(group, ola, staff=staff_1)
    services.decline_assignment(assignment, user=ola.user)
    services.replace_starter(assignment, kari, staff=staff_1)
    report = send()
    assert [to(m) for m in mail.outbox] == ["kari@example.no"]
    assert (report.sent, report.cancelled) == (1, 1)


# Release and replacement -----------------------------------------------------------------------


def test_a_released_starter_keeps_past_meetings_and_loses_the_coming_ones(group, ola, staff_1):
    assignment = services.accept_assignment(
        services.assign_starter(group, ola, staff=staff_1), user=ola.user
    )
    with time_machine.travel(at(date(2026, 12, 2), 12), tick=False):
        released = services.release_assignment(assignment, staff=staff_1)
        assert (released.status, released.released_at) == (
            AssignmentStatus.RELEASED,
            at(date(2026, 12, 2), 12),
        )
        with pytest.raises(services.StarterError) as again:
            services.release_assignment(assignment, staff=staff_1)
    assert str(again.value) == "Denne igangsetteren har ikke lenger gruppa."
    assert booked(assignment) == [
        (0, at(date(2026, 12, 1)), True),
        (4, at(date(2026, 12, 29)), False),
    ]
    assert [state for *_r, state in queued("starters.reminder")] == [
        "pending",
        "pending",
        "cancelled",
        "cancelled",
    ]


def test_a_replacement_takes_over_the_coming_meetings_only(group, ola, kari, staff_1):
    old = services.accept_assignment(
        services.assign_starter(group, ola, staff=staff_1), user=ola.user
    )
    with time_machine.travel(at(date(2026, 12, 2), 12), tick=False):
        new = services.replace_starter(old, kari, staff=staff_1)
    old.refresh_from_db()
    assert (old.status, new.status, new.replaces) == (
        AssignmentStatus.RELEASED,
        AssignmentStatus.PENDING,
        old,
    )
    assert booked(old) == [(0, at(date(2026, 12, 1)), True), (4, at(date(2026, 12, 29)), False)]
    assert booked(new) == [(4, at(date(2026, 12, 29)), True)]
    assert list(
        AuditEvent.objects.filter(action__startswith="assignment.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "assignment.created",
        "assignment.accepted",
        "assignment.released",
        "assignment.replacement",
    ]


def test_a_declined_starter_is_replaced_for_every_meeting_still_ahead(group, ola, kari, staff_1):
    old = services.decline_assignment(
        services.assign_starter(group, ola, staff=staff_1), user=ola.user
    )
    new = services.replace_starter(old, kari, staff=staff_1)
    assert booked(new) == [(0, at(date(2026, 12, 1)), True), (4, at(date(2026, 12, 29)), True)]
    with pytest.raises(services.StarterError) as twice:
        services.replace_starter(old, starter(group.centre, "Per"), staff=staff_1)
    assert str(twice.value) == "Denne igangsetteren er allerede erstattet."
    mail.outbox.clear()
    send()
    to_kari = mail_to("kari@example.no")
    assert len(to_kari) == 1
    assert (
        "Selvhjelpshuset Nord spør om du vil ta over som igangsetter for gruppa "
        "«Tirsdagsgruppa» etter en annen igangsetter." in to_kari[0].body
    )


# Suggestions -----------------------------------------------------------------------------------


@pytest.fixture
def cast(centre_1, centre_2, staff_1, group):
    """Starters of every kind, and the groups that give them load, experience and clashes."""
    people = {
        name: starter(centre_1, name) for name in ["Anne", "Bjørn", "Cecilie", "Eva", "Ida", "Gro"]
    }
    people["Dag"] = starter(centre_1, "Dag", max_groups=1)
    people["Frode"] = starter(centre_1, "Frode", availability=["mon-day"])
    people["Hans"] = starter(centre_2, "Hans")
    Starter.objects.filter(pk=people["Gro"].pk).update(is_active=False)
    # Anne opened two groups that started before this one.
    for n, day in enumerate([date(2026, 9, 1), date(2026, 9, 8)]):
        old = make_group(centre_1, staff_1, name=f"Gammel {n}", on=day)
        services.accept_assignment(
            services.assign_starter(old, people["Anne"], staff=staff_1), user=people["Anne"].user
        )
    # Cecilie and Dag are booked with a Wednesday group (load 1, no clash).
    wednesday = make_group(centre_1, staff_1, name="Onsdagsgruppa", weekday=2, on=date(2026, 12, 2))
    for name in ["Cecilie", "Dag"]:
        services.assign_starter(wednesday, people[name], staff=staff_1)
    # Eva is booked with another Tuesday group at the same time.
    evening = make_group(centre_1, staff_1, name="Kveldsgruppa")
    services.assign_starter(evening, people["Eva"], staff=staff_1)
    services.decline_assignment(
        services.assign_starter(group, people["Ida"], staff=staff_1), user=people["Ida"].user
    )
    return people


def test_suggestions_rank_by_availability_clash_room_load_and_experience(group, cast):
    suggestions = services.suggest_starters(group, limit=10)
    assert [
        (s.starter.user.first_name, s.available, s.clash, s.load, s.max_groups, s.experience)
        for s in suggestions
    ] == [
        ("Anne", True, None, 0, 2, 2),
        ("Bjørn", True, None, 0, 2, 0),
        ("Cecilie", True, None, 1, 2, 0),
        ("Dag", True, None, 1, 1, 0),
        ("Eva", True, "«Kveldsgruppa» 01.12.2026 18:00", 1, 2, 0),
        ("Frode", False, None, 0, 2, 0),
    ]
    assert [s.fits for s in suggestions] == [True, True, True, False, False, False]
    assert [s.starter.user.first_name for s in services.suggest_starters(group)] == [
        "Anne",
        "Bjørn",
        "Cecilie",
        "Dag",
        "Eva",
    ]


def test_suggestions_take_the_same_queries_for_one_starter_and_for_many(centre_1, staff_1, group):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = services.suggest_starters(group, limit=50)
        return len(found), len(queries)

    lone = starter(centre_1, "Lone")
    services.assign_starter(make_group(centre_1, staff_1, name="Kveld"), lone, staff=staff_1)
    one = count()
    for n in range(10):
        busy = starter(centre_1, f"Starter{n}", max_groups=1 + n % 3)
        if n % 2:
            services.assign_starter(
                make_group(centre_1, staff_1, name=f"G{n}"), busy, staff=staff_1
            )
    many = count()
    # Its meetings (the first ones and the follow-up), the starters, their bookings; the
    # group's centre is loaded already.
    assert one == (1, 4)
    assert many == (11, 4)


def test_suggestions_reuse_the_meetings_and_starters_a_page_has_loaded(centre_1, staff_1, group):
    for n in range(3):
        starter(centre_1, f"Starter{n}")
    group = Group.objects.select_related("centre").get(pk=group.pk)
    meetings = list(group.meetings.order_by("starts_at"))
    starters = services.centre_starters(group)
    with CaptureQueriesContext(connection) as queries:
        given = services.suggest_starters(group, meetings=meetings, starters=starters)
    assert len(queries) == 1  # only the bookings that could clash
    assert given == services.suggest_starters(Group.objects.get(pk=group.pk))
    assert services.meetings_to_attend(group, meetings) == services.meetings_to_attend(group)


# Coverage --------------------------------------------------------------------------------------


def test_coverage_lists_groups_short_of_starters_open_declines_and_each_load(
    centre_1, staff_1, group, ola, kari
):
    per = starter(centre_1, "Per")
    wednesday = make_group(centre_1, staff_1, name="Onsdagsgruppa", weekday=2, on=date(2026, 12, 2))
    services.assign_starter(wednesday, ola, staff=staff_1)
    services.assign_starter(wednesday, kari, staff=staff_1)
    thursday = make_group(centre_1, staff_1, name="Torsdagsgruppa", weekday=3, on=date(2026, 12, 3))
    services.assign_starter(thursday, kari, staff=staff_1)
    declined = services.decline_assignment(
        services.assign_starter(thursday, per, staff=staff_1), user=per.user
    )
    # Past its follow-up: no starters needed any more. Ended: none either.
    make_group(centre_1, staff_1, name="Gammel", on=date(2026, 9, 1))
    ended = make_group(centre_1, staff_1, name="Slutt", weekday=4, on=date(2026, 12, 4))
    groups.end_group(ended, ended_on=date(2026, 11, 23), staff=staff_1)
    make_group(CentreFactory(slug="annet"), staff_1, name="Et annet senter")

    found = services.coverage(centre_1, today=date(2026, 11, 23))
    assert [(s.group.name, s.holding, s.needed) for s in found["short_groups"]] == [
        ("Tirsdagsgruppa", 0, 2),
        ("Torsdagsgruppa", 1, 2),
    ]
    assert found["open_declines"] == [declined]
    # Opening and follow-up meetings within eight weeks: 2 and 30 December, 3 and 31 December.
    assert [(s.starter.name, s.bookings, s.groups) for s in found["starters"]] == [
        ("Kari Hansen", 4, 2),
        ("Ola Hansen", 2, 1),
        ("Per Hansen", 0, 0),
    ]
    assert (found["weeks"], found["needed"]) == (8, 2)


def test_coverage_takes_the_same_queries_for_one_group_and_for_many(centre_1, staff_1):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = services.coverage(centre_1, today=date(2026, 11, 23))
        return len(found["short_groups"]), len(queries)

    first = make_group(centre_1, staff_1, name="Gruppe 0")
    services.decline_assignment(
        services.assign_starter(first, starter(centre_1, "Nei0"), staff=staff_1),
        user=Starter.objects.get(user__username="nei0").user,
    )
    one = count()
    for n in range(1, 6):
        more = make_group(centre_1, staff_1, name=f"Gruppe {n}")
        services.assign_starter(more, starter(centre_1, f"Ja{n}"), staff=staff_1)
    many = count()
    assert one == (1, 3)
    assert many == (6, 3)


def test_staff_hear_once_about_a_group_two_weeks_from_its_start_still_short(
    centre_1, staff_1, group, ola, kari
):
    full = make_group(centre_1, staff_1, name="Full", weekday=2, on=date(2026, 12, 2))
    services.assign_starter(full, ola, staff=staff_1)
    services.assign_starter(full, kari, staff=staff_1)
    make_group(centre_1, staff_1, name="Senere", weekday=3, on=date(2026, 12, 10))
    assert tasks.check_coverage.apply().get() == 1  # Tirsdagsgruppa, 1 December
    assert tasks.check_coverage.apply().get() == 1  # the same alert, not a new one
    assert queued("starters.staff_alert") == [(staff_1.email, TODAY, "pending")]
    send()
    (alert,) = mail_to(staff_1.email)
    assert alert.subject == (
        "Gruppa «Tirsdagsgruppa» starter 1. desember 2026 og mangler fortsatt igangsettere"
    )
    assert (
        "Den starter 1. desember 2026 og har 0 av 2 igangsettere som senteret ønsker." in alert.body
    )


def test_a_short_alert_for_a_group_that_got_its_starters_is_not_sent(group, ola, kari, staff_1):
    services.alert_short_groups(date(2026, 11, 23))
    services.assign_starter(group, ola, staff=staff_1)
    services.assign_starter(group, kari, staff=staff_1)
    Notification.objects.filter(kind="starters.assignment").update(state="cancelled")
    assert send().cancelled == 1
    assert mail.outbox == []


# Profiles ------------------------------------------------------------------------------------


def test_inviting_a_new_starter_makes_an_account_without_a_password(centre_1, staff_1):
    siv = services.invite_starter(
        centre_1,
        first_name="Siv",
        last_name="Berg",
        email=" Siv.Berg@Example.no ",
        phone="+4741234567",
        availability=["tue-evening", "thu-day"],
        max_groups=2,
        note="Helst kveld",
        staff=staff_1,
    )
    user = siv.user
    assert (user.username, user.email, user.get_full_name(), user.has_usable_password()) == (
        "siv.berg@example.no",
        "siv.berg@example.no",
        "Siv Berg",
        False,
    )
    assert (siv.availability, siv.max_groups, siv.note, str(siv.phone), siv.invited_at) == (
        ["tue-evening", "thu-day"],
        2,
        "Helst kveld",
        "+4741234567",
        TODAY,
    )
    assert list(siv.centres.all()) == [centre_1]
    assert AuditEvent.objects.get(action="starter.invited").object_id == str(siv.pk)
    send()
    (message,) = mail.outbox
    assert message.subject == "Velkommen som igangsetter ved Selvhjelpshuset Nord"
    assert "Velg ditt eget passord her. Lenken virker én gang, i 3 dager:" in message.body
    link = next(line for line in message.body.splitlines() if "/velkommen/" in line)
    prefix = f"{SITE}/igangsetter/velkommen/"
    assert link.startswith(prefix)
    uid, token = link.removeprefix(prefix).strip("/").split("/")
    assert force_str(urlsafe_base64_decode(uid)) == str(user.pk)
    assert default_token_generator.check_token(user, token)
    assert "Brukernavnet ditt er siv.berg@example.no." in message.body


def test_an_invitation_sent_after_the_password_is_set_links_to_the_login(centre_1, staff_1):
    siv = services.invite_starter(
        centre_1, first_name="Siv", last_name="Berg", email="siv@example.no", staff=staff_1
    )
    siv.user.set_password("et-langt-passord-9")
    siv.user.save()
    send()
    (message,) = mail.outbox
    assert "Logg inn her:\n" + f"{SITE}/igangsetter/logg-inn/" in message.body


def test_an_existing_starter_is_added_to_another_centre_and_told(centre_1, centre_2, staff_2):
    siv = starter(centre_1, "Siv")
    again = services.invite_starter(
        centre_2, first_name="S", last_name="B", email="SIV@example.no", staff=staff_2
    )
    assert again == siv
    assert set(siv.centres.all()) == {centre_1, centre_2}
    assert siv.user.get_full_name() == "Siv Hansen"  # the profile is the starter's own
    send()
    (message,) = mail.outbox
    assert message.subject == "Du er nå også igangsetter ved Selvhjelpshuset Sør"
    with pytest.raises(services.StarterError) as twice:
        services.invite_starter(
            centre_2, first_name="S", last_name="B", email="siv@example.no", staff=staff_2
        )
    assert str(twice.value) == "Siv Hansen er allerede igangsetter ved dette senteret."


@pytest.mark.parametrize("kind", ["staff", "plain user", "superuser"])
def test_an_address_of_another_kind_of_account_is_refused(centre_1, staff_1, kind):
    if kind == "staff":
        StaffMembershipFactory(centre=centre_1, user__email="ansatt@example.no")
    else:
        UserFactory(email="ansatt@example.no", is_superuser=kind == "superuser")
    with pytest.raises(services.StarterError) as refused:
        services.invite_starter(
            centre_1, first_name="A", last_name="B", email="Ansatt@example.no", staff=staff_1
        )
    assert str(refused.value) == (
        "E-postadressen ansatt@example.no hører til en konto som ikke er en igangsetter. "
        "Bruk en annen adresse, eller spør en administrator."
    )
    assert Starter.objects.count() == 0


def test_updating_a_profile_saves_and_audits_what_changed(ola, staff_1, staff_2):
    services.update_starter(
        ola,
        staff=staff_1,
        first_name="Ola",
        phone="+4790000000",
        availability=["mon-day"],
        max_groups=3,
        note="  Ny merknad ",
    )
    ola.refresh_from_db()
    assert (ola.availability, ola.max_groups, ola.note, str(ola.phone)) == (
        ["mon-day"],
        3,
        "Ny merknad",
        "+4790000000",
    )
    event = AuditEvent.objects.get(action="starter.changed")
    assert event.detail == {"fields": ["availability_mask", "max_groups", "note", "phone"]}
    with pytest.raises(services.StarterError) as other:
        services.update_starter(ola, staff=staff_2, note="x")
    assert str(other.value) == "Denne igangsetteren hører ikke til ditt senter."
    with pytest.raises(services.StarterError) as too_many:
        services.update_starter(ola, staff=staff_1, max_groups=7)
    assert str(too_many.value) == "En igangsetter tar mellom 1 og 6 grupper om gangen."
    taken = UserFactory(email="tatt@example.no")
    with pytest.raises(services.StarterError) as email:
        services.update_starter(ola, staff=staff_1, email="TATT@example.no")
    assert str(email.value) == f"E-postadressen {taken.email} hører til en annen konto."


def test_resting_and_active_again(group, ola, staff_1):
    services.set_active(ola, False, staff=staff_1)
    services.set_active(ola, False, staff=staff_1)
    assert services.suggest_starters(group) == []
    services.set_active(ola, True, staff=staff_1)
    assert [s.starter for s in services.suggest_starters(group)] == [ola]
    assert list(
        AuditEvent.objects.filter(action__startswith="starter.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["starter.rested", "starter.activated"]


def test_a_new_calendar_address_replaces_the_old_one(ola):
    old = ola.calendar_token
    services.reset_calendar_token(ola)
    ola.refresh_from_db()
    assert ola.calendar_token != old
    assert len(ola.calendar_token) == 43
    assert not Starter.objects.filter(calendar_token=old).exists()
    assert AuditEvent.objects.get(action="starter.calendar_reset").actor == ola.user


def test_a_new_link_lets_a_starter_choose_a_password_again(centre_1, staff_1, staff_2):
    siv = services.invite_starter(
        centre_1, first_name="Siv", last_name="Berg", email="siv@example.no", staff=staff_1
    )
    siv.user.set_password("et-langt-passord-9")
    siv.user.save()
    services.resend_invitation(siv, staff=staff_1)
    # The first invitation, not sent yet, is not needed any more.
    assert [state for *_r, state in queued("starters.invitation")] == ["cancelled", "pending"]
    send()
    (message,) = mail.outbox
    assert message.subject == "En ny lenke for å velge passord"
    link = next(line for line in message.body.splitlines() if "/velkommen/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert default_token_generator.check_token(siv.user, token)
    with pytest.raises(services.StarterError) as other:
        services.resend_invitation(siv, staff=staff_2)
    assert str(other.value) == "Denne igangsetteren hører ikke til ditt senter."


def test_a_new_address_becomes_the_user_name_it_was_invited_with(centre_1, staff_1):
    siv = services.invite_starter(
        centre_1, first_name="Siv", last_name="Berg", email="siv@example.no", staff=staff_1
    )
    services.update_starter(siv, staff=staff_1, email="Siv.Berg@Example.no")
    siv.user.refresh_from_db()
    assert (siv.user.username, siv.user.email) == ("siv.berg@example.no", "siv.berg@example.no")
    assert AuditEvent.objects.get(action="starter.changed").detail == {
        "fields": ["email", "username"]
    }
