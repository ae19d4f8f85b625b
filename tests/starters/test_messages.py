"""The starters' messages: templates for every kind, reminders at 08:00 Oslo time across
daylight-saving changes, English for English speakers, and nothing about any participant."""

import logging
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.template.loader import get_template

from groups import services as groups
from intake.enums import Status
from selvhjelp import outbox
from selvhjelp.enums import Channel
from selvhjelp.models import Notification
from starters import services, tasks
from tests.factories import ApplicationFactory, StaffMembershipFactory
from tests.privacy import assert_marker_absent, places_with
from tests.starters.test_services import (  # noqa: F401
    _setup,
    at,
    mail_to,
    make_group,
    queued,
    send,
    starter,
    to,
)

pytestmark = pytest.mark.django_db

KINDS = {
    "starters.invitation": "Invitasjon til en ny igangsetter",
    "starters.assignment": "En igangsetter blir spurt om å starte en gruppe",
    "starters.reminder": "Påminnelse til en igangsetter om et møte",
    "starters.meeting_changed": "Et møte for en igangsetter er endret",
    "starters.staff_alert": "Varsel til de ansatte om igangsettere",
}
MARKER = "MARKØR-3b7e-sorg-og-angst"


def test_every_starters_message_has_its_templates_and_a_label():
    for key, label in KINDS.items():
        kind = outbox.get_kind(key)
        assert (kind.template, str(kind.label)) == (f"starters/{key.split('.')[1]}", label)
        for part in ["subject.txt", "body.txt", "body.html", "sms.txt"]:
            get_template(f"notifications/{kind.template}/{part}")


# Reminders across daylight-saving changes ---------------------------------------------------


@pytest.mark.parametrize(
    ("start", "due_utc", "subject", "line"),
    [
        # Summer time starts on Sunday 28 March 2027: 08:00 is 07:00 UTC before, 06:00 after.
        (
            date(2027, 3, 23),
            [
                datetime(2027, 3, 20, 7, 0, tzinfo=UTC),
                datetime(2027, 3, 23, 7, 0, tzinfo=UTC),
                datetime(2027, 3, 27, 7, 0, tzinfo=UTC),
                datetime(2027, 3, 30, 6, 0, tzinfo=UTC),
            ],
            "I dag kl. 18:00: gruppa «Vårgruppa»",
            "tirsdag 30. mars 2027 kl. 18:00–20:00",
        ),
        # Summer time ends on Sunday 31 October 2027.
        (
            date(2027, 10, 26),
            [
                datetime(2027, 10, 23, 6, 0, tzinfo=UTC),
                datetime(2027, 10, 26, 6, 0, tzinfo=UTC),
                datetime(2027, 10, 30, 6, 0, tzinfo=UTC),
                datetime(2027, 11, 2, 7, 0, tzinfo=UTC),
            ],
            "I dag kl. 18:00: gruppa «Vårgruppa»",
            "tirsdag 2. november 2027 kl. 18:00–20:00",
        ),
    ],
)
def test_reminders_come_at_eight_in_the_morning_oslo_time_across_a_clock_change(
    centre_1, staff_1, start, due_utc, subject, line
):
    centre_1.starter_opening_meetings = 2
    centre_1.save(update_fields=["starter_opening_meetings"])
    group = make_group(centre_1, staff_1, name="Vårgruppa", on=start)
    kari = starter(centre_1, "Kari")
    services.accept_assignment(services.assign_starter(group, kari, staff=staff_1), user=kari.user)
    rows = Notification.objects.filter(kind="starters.reminder").order_by("due_at")
    assert [row.due_at for row in rows][:4] == due_utc
    send()
    mail.outbox.clear()
    with time_machine.travel(due_utc[3], tick=False):
        send()
    # The one three days before is still due too; the one of the past meeting is not sent.
    (before, reminder) = mail.outbox
    assert before.subject.startswith("Påminnelse: gruppa «Vårgruppa» ")
    assert reminder.subject == subject
    assert f"{line}, Rom for Vårgruppa, Storgata 1, 0155 Oslo (et møte)" in reminder.body


def test_the_reminder_three_days_before_says_the_date(centre_1, staff_1):
    group = make_group(centre_1, staff_1)
    kari = starter(centre_1, "Kari")
    services.assign_starter(group, kari, staff=staff_1)
    send()
    with time_machine.travel(at(date(2026, 11, 28), 8), tick=False):
        send()
    reminder = mail_to("kari@example.no")[-1]
    assert reminder.subject == "Påminnelse: gruppa «Tirsdagsgruppa» 1. desember 2026"
    assert "En påminnelse om at du er igangsetter i gruppa «Tirsdagsgruppa»:" in reminder.body
    # Not answered yet: the reminder asks for an answer too.
    assert "Du har ikke svart ennå om du kan komme." in reminder.body


def test_an_english_speaking_starter_reads_english(centre_1, staff_1):
    group = make_group(centre_1, staff_1)
    tom = starter(centre_1, "Tom", language="en")
    assignment = services.assign_starter(group, tom, staff=staff_1)
    send()
    groups.move_meeting(
        group.meetings.get(index=4), day=date(2026, 12, 30), start_time=time(18), staff=staff_1
    )
    send()
    with time_machine.travel(at(date(2026, 12, 1), 8), tick=False):
        send()
    assert assignment.starter.language == "en"
    assert [m.subject for m in mail_to("tom@example.no")] == [
        "Can you help open the group “Tirsdagsgruppa”?",
        "A meeting of the group “Tirsdagsgruppa” has moved to Dec. 30, 2026",
        "Reminder: the group “Tirsdagsgruppa” on Dec. 1, 2026",
        "Today at 18:00: the group “Tirsdagsgruppa”",
    ]
    assert f"{'https://selvhjelp.example.no'}/en/igangsetter/" in mail_to("tom@example.no")[0].body


# Nothing about any participant ------------------------------------------------------------------


@pytest.fixture
def members(centre_1, staff_1):
    """A group with three members who wrote something private, and an open offer."""
    group = make_group(centre_1, staff_1)
    people = []
    for n, name in enumerate(["Siri", "Tove", "Unni", "Vera"]):
        person = ApplicationFactory(
            centre=centre_1,
            status=Status.WAITING,
            availability=["tue-evening"],
            first_name=name,
            last_name=f"{name}sdatter",
            email=f"{name.lower()}@example.no",
            phone=f"+4791{n:06d}",
            about=f"{MARKER} {name}",
            areas=["grief", "anxiety"],
        )
        offer = groups.place_applicant(group, person, staff=staff_1)
        if name != "Vera":
            groups.accept_offer(offer)
        people.append(person)
    return group, people


def test_no_starters_message_carries_anything_about_a_participant(
    members, centre_1, staff_1, caplog
):
    caplog.set_level(logging.DEBUG)
    group, people = members
    invited = services.invite_starter(
        centre_1, first_name="Ny", last_name="Starter", email="ny@example.no", staff=staff_1
    )
    ola, kari, per = (starter(centre_1, name) for name in ["Ola", "Kari", "Per"])
    declined = services.assign_starter(group, ola, staff=staff_1)
    services.assign_starter(group, kari, staff=staff_1)
    services.decline_assignment(declined, user=ola.user)
    tasks.check_coverage.apply()
    send()  # staff hear of the decline and the gap before it is filled
    services.replace_starter(declined, per, staff=staff_1)
    other = make_group(centre_1, staff_1, name="Onsdagsgruppa", weekday=2, on=date(2026, 12, 2))
    services.assign_starter(other, kari, staff=staff_1)
    meetings = list(group.meetings.order_by("index"))
    groups.move_meeting(meetings[4], day=date(2026, 12, 30), start_time=time(18), staff=staff_1)
    groups.cancel_meeting(meetings[0], staff=staff_1)
    groups.change_pattern(group, staff=staff_1, from_date=date(2027, 1, 4), start_time=time(17))
    send()
    for day in [date(2026, 12, 5), date(2026, 12, 8)]:
        with time_machine.travel(at(day, 8), tick=False):
            send()
    # Ended before the follow-up on 5 January: the starters hear that too.
    with time_machine.travel(at(date(2027, 1, 2), 9), tick=False):
        groups.end_group(group, ended_on=date(2027, 1, 2), staff=staff_1)
        send()
    assert invited.user.email == "ny@example.no"
    sent = set(
        Notification.objects.filter(kind__startswith="starters.", state="sent").values_list(
            "kind", flat=True
        )
    )
    assert sent == set(KINDS)
    changes = set(
        Notification.objects.filter(kind="starters.meeting_changed", state="sent").values_list(
            "params__change", flat=True
        )
    )
    assert changes == {"moved", "cancelled", "replanned", "ended"}
    alerts = set(
        Notification.objects.filter(kind="starters.staff_alert", state="sent").values_list(
            "params__alert", flat=True
        )
    )
    assert alerts == {"declined", "short", "clash"}
    assert_marker_absent(MARKER, caplog)
    # No participant's name, address or number either, in any channel.
    private = [MARKER]
    for person in people:
        private += [person.first_name, person.last_name, person.email, str(person.phone)]
    # E-mails as they were sent; text messages as the rows render now, where they still do.
    shown = []
    participants = {person.email for person in people}
    starters_mail = [m for m in mail.outbox if to(m) not in participants]
    for message in starters_mail:
        shown += [message.subject, message.body]
        shown += [str(content) for content, _mimetype in message.alternatives]
        shown += [str(attachment.content) for attachment in message.attachments]
    for row in Notification.objects.filter(kind__startswith="starters.", state="sent"):
        row.channel = Channel.SMS
        rendered = outbox.render(row)
        if rendered is not None:
            shown.append(rendered.text)
    assert len(starters_mail) > 15
    text = "\n".join(shown)
    assert [word for word in private if word in text] == []


def test_the_scan_reads_calendar_attachments_too(monkeypatch, centre_1):
    """tests/privacy.py decodes attachments: a marker in a calendar file is found."""
    leaky = outbox.Kind(
        "starters.test_leaky",
        "Leaky",
        "core/test_message",
        context=lambda n: {},
        attachments=lambda n: [("mote.ics", f"SUMMARY:{MARKER}".encode(), "text/calendar")],
    )
    monkeypatch.setitem(outbox._kinds, leaky.key, leaky)
    with transaction.atomic():
        row = outbox.notify(
            "starters.test_leaky", recipient=outbox.Recipient("a@example.no", "nb"), key="leak"
        )
    send()
    assert places_with(MARKER) == [
        f"notification {row.pk} (starters.test_leaky) as rendered",
        "e-mail 0: 'Testmelding fra Selvhjelp'",
    ]


def test_staff_alerts_go_to_staff_of_the_groups_centre_who_want_them(
    centre_1, centre_2, staff_1, staff_2
):
    StaffMembershipFactory(centre=centre_1, wants_alerts=False)
    make_group(centre_1, staff_1)
    services.alert_short_groups(date(2026, 11, 23))
    assert queued("starters.staff_alert") == [(staff_1.email, at(date(2026, 11, 23), 9), "pending")]
