"""The groups app's messages: offers, meeting changes, absence notices and staff alerts."""

import logging
from datetime import date, datetime, time
from email.utils import parseaddr

import icalendar
import pytest
import time_machine
from django.core import mail

from groups import services
from groups.models import Meeting
from selvhjelp import outbox
from selvhjelp.enums import Channel
from selvhjelp.models import Notification
from tests.factories import StaffMembershipFactory
from tests.groups.test_participant import (
    MARKER,
    OSLO,
    TODAY,
    make_group,
    member,
    offer_to,
    person,
)
from tests.privacy import assert_marker_absent

pytestmark = pytest.mark.django_db

SITE = "https://selvhjelp.example.no"
HELP = "Akutt fare for liv eller helse: ring 113."


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.SITE_URL = SITE
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def room(centre_1):
    from tests.factories import RoomFactory

    return RoomFactory(centre=centre_1, name="Samtalerommet")


@pytest.fixture
def group(centre_1, room, staff_1):
    return make_group(centre_1, room, staff_1)


@pytest.fixture
def members(centre_1, group, staff_1):
    """Kari, Per and Ola are in the group; Lise was in it and left."""
    people = {name: person(centre_1, name) for name in ["Kari", "Per", "Ola", "Lise"]}
    memberships = {name: member(group, app, staff_1) for name, app in people.items()}
    services.leave_group(memberships["Lise"], reason="life_changed")
    send()
    mail.outbox.clear()
    return memberships


def send():
    return outbox.dispatch_due()


def calendar_of(message) -> tuple[str, icalendar.Calendar, icalendar.Event]:
    (attachment,) = message.attachments
    name, content, mimetype = attachment
    parsed = icalendar.Calendar.from_ical(content)
    (event,) = parsed.walk("VEVENT")
    assert name == "mote.ics"
    return mimetype, parsed, event


def address(message) -> str:
    (to,) = message.to
    return parseaddr(to)[1]


def recipients() -> list[str]:
    return sorted(address(message) for message in mail.outbox)


# The offer ------------------------------------------------------------------------------------


def test_the_offer_email_in_norwegian_with_the_opening_meeting_in_a_calendar_file(
    group, centre_1, staff_1
):
    kari = person(centre_1, "Kari")
    offer_to(group, kari, staff_1)
    assert send().sent == 1
    (message,) = mail.outbox
    assert message.to == ["Kari <kari@example.no>"]
    assert message.subject == "Du har fått tilbud om plass i en gruppe"
    body = message.body
    assert body.startswith(
        "Hei Kari,\n\nVi har en plass til deg i selvhjelpsgruppa «Tirsdagsgruppa»."
    )
    assert "Når: Hver tirsdag kl. 18:00\n" in body
    assert "Hvor: Samtalerommet, Storgata 1, 0155 Oslo\n" in body
    assert (
        "Første møte: tirsdag 1. desember 2026 kl. 18:00–20:00, "
        "Samtalerommet, Storgata 1, 0155 Oslo\n" in body
    )
    assert "Svar innen: mandag 30. november 2026 kl. 09:00\n" in body
    assert f"Svar ja eller nei på din egen side:\n{SITE}/soknad/{kari.token}/\n" in body
    assert HELP in body
    html = message.alternatives[0][0]
    assert f'<a href="{SITE}/soknad/{kari.token}/">Svar ja eller nei på din egen side</a>' in html
    assert "selvhjelpsgruppa «Tirsdagsgruppa»" in html

    mimetype, calendar, event = calendar_of(message)
    opening = group.meetings.get(is_opening=True)
    assert mimetype == "text/calendar; method=PUBLISH"
    assert str(calendar["method"]) == "PUBLISH"
    assert str(event["uid"]) == f"meeting-{opening.pk}@selvhjelp.example.no"
    assert str(event["summary"]) == "Selvhjelpsgruppe: Tirsdagsgruppa"
    assert str(event["location"]) == "Samtalerommet, Storgata 1, 0155 Oslo"
    assert str(event["dtstart"].params["TZID"]) == "Europe/Oslo"
    assert event.decoded("dtstart") == datetime(2026, 12, 1, 18, 0, tzinfo=OSLO)
    assert event.decoded("dtstart").utcoffset().total_seconds() == 3600
    assert event.decoded("dtend") == datetime(2026, 12, 1, 20, 0, tzinfo=OSLO)
    assert event.decoded("sequence") == 0


def test_the_offer_email_in_english_for_a_group_that_starts_in_summer_time(centre_1, room, staff_1):
    group = make_group(centre_1, room, staff_1, name="Vårgruppa", start_date=date(2027, 3, 30))
    kari = person(centre_1, "Kari", language="en")
    offer_to(group, kari, staff_1)
    send()
    (message,) = mail.outbox
    assert message.subject == "You have been offered a place in a group"
    body = message.body
    assert body.startswith(
        "Hello Kari,\n\nWe have a place for you in the self-help group “Vårgruppa”."
    )
    assert "When: Every Tuesday at 18:00\n" in body
    assert "First meeting: Tuesday March 30, 2027 at 18:00–20:00, Samtalerommet" in body
    assert "Answer by: Monday Nov. 30, 2026 at 09:00\n" in body
    assert f"{SITE}/en/soknad/{kari.token}/\n" in body
    _mimetype, _calendar, event = calendar_of(message)
    assert str(event["summary"]) == "Self-help group: Vårgruppa"
    start = event.decoded("dtstart")
    assert start == datetime(2027, 3, 30, 18, 0, tzinfo=OSLO)
    assert (start.hour, start.utcoffset().total_seconds()) == (18, 7200)


def test_an_offer_that_lapsed_before_it_was_sent_is_not_sent(group, centre_1, staff_1):
    offer_to(group, person(centre_1, "Kari"), staff_1)
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=OSLO), tick=False):
        report = send()
    assert (report.sent, report.cancelled) == (0, 2)  # the offer and its reminder
    assert mail.outbox == []


# The notice duty ------------------------------------------------------------------------------


def test_an_absence_notice_reaches_exactly_the_other_active_members_by_first_name(group, members):
    meeting = group.meetings.order_by("starts_at")[1]
    services.send_notice(members["Kari"], kind="absent", meeting=meeting)
    send()
    assert recipients() == ["ola@example.no", "per@example.no"]
    for message in mail.outbox:
        assert message.subject == "Beskjed fra gruppa di"
        assert "Kari kan ikke komme på møtet tirsdag 8. desember 2026.\n" in message.body
        everything = message.body + message.alternatives[0][0] + message.subject
        for private in ["Karisen", "kari@example.no", MARKER, "sorg", "grief", "anxiety"]:
            assert private not in everything
        assert message.attachments == []
    (per,) = [m for m in mail.outbox if address(m) == "per@example.no"]
    assert per.body.startswith("Hei Per,\n\nKari kan ikke komme på møtet tirsdag 8. desember 2026.")


def test_a_leaving_notice_tells_the_others_and_alerts_staff(group, members, staff_1):
    services.send_notice(members["Kari"], kind="leaving")
    send()
    assert recipients() == sorted(["ola@example.no", "per@example.no", staff_1.email])
    for message in mail.outbox:
        if address(message) != staff_1.email:
            assert "Kari ønsker å slutte i gruppa.\n" in message.body
    (alert,) = [m for m in mail.outbox if address(m) == staff_1.email]
    assert alert.subject == "En deltaker i «Tirsdagsgruppa» ønsker å slutte"
    assert "Kari i gruppa «Tirsdagsgruppa» har sagt fra til gruppa" in alert.body
    assert f"{SITE}/stab/grupper/{group.pk}/" in alert.body


def test_an_absence_notice_for_a_meeting_cancelled_before_sending_is_not_sent(
    group, members, staff_1
):
    meeting = group.meetings.order_by("starts_at")[1]
    services.send_notice(members["Kari"], kind="absent", meeting=meeting)
    services.cancel_meeting(meeting, staff=staff_1)
    send()
    assert {m.subject for m in mail.outbox} == {"Gruppemøtet 8. desember 2026 er avlyst"}
    assert set(
        Notification.objects.filter(kind="groups.absence").values_list("state", flat=True)
    ) == {"cancelled"}


# Meetings that move or are cancelled ----------------------------------------------------------


def test_a_moved_meeting_tells_the_active_members_with_an_updated_calendar_entry(
    group, members, staff_1
):
    meeting = group.meetings.order_by("starts_at")[2]
    services.move_meeting(
        meeting,
        day=date(2026, 12, 17),
        start_time=time(17, 0),
        staff=staff_1,
        note="Juleavslutning",
    )
    send()
    assert recipients() == ["kari@example.no", "ola@example.no", "per@example.no"]
    for message in mail.outbox:
        assert message.subject == "Et gruppemøte er flyttet til 17. desember 2026"
        assert (
            "torsdag 17. desember 2026 kl. 17:00–19:00, Samtalerommet, Storgata 1, 0155 Oslo\n"
            "Det var først satt opp tirsdag 15. desember 2026 kl. 18:00.\n" in message.body
        )
        assert "Fra oss: Juleavslutning\n" in message.body
        mimetype, _calendar, event = calendar_of(message)
        assert mimetype == "text/calendar; method=PUBLISH"
        assert str(event["uid"]) == f"meeting-{meeting.pk}@selvhjelp.example.no"
        assert event.decoded("sequence") == 1
        assert str(event["status"]) == "CONFIRMED"
        assert event.decoded("dtstart") == datetime(2026, 12, 17, 17, 0, tzinfo=OSLO)
    (kari,) = [m for m in mail.outbox if address(m) == "kari@example.no"]
    token = members["Kari"].application.token
    assert f"{SITE}/soknad/{token}/" in kari.body


def test_a_cancelled_meeting_tells_the_active_members_and_removes_the_calendar_entry(
    group, members, staff_1
):
    meeting = group.meetings.order_by("starts_at")[1]
    services.cancel_meeting(meeting, staff=staff_1, note="Rommet er opptatt.")
    send()
    assert recipients() == ["kari@example.no", "ola@example.no", "per@example.no"]
    for message in mail.outbox:
        assert message.subject == "Gruppemøtet 8. desember 2026 er avlyst"
        assert (
            "Dette møtet i gruppa «Tirsdagsgruppa» er avlyst:\n"
            "tirsdag 8. desember 2026 kl. 18:00–20:00, Samtalerommet, Storgata 1, 0155 Oslo\n"
            in message.body
        )
        assert "Neste møte: tirsdag 15. desember 2026 kl. 18:00–20:00" in message.body
        mimetype, calendar, event = calendar_of(message)
        assert mimetype == "text/calendar; method=CANCEL"
        assert str(calendar["method"]) == "CANCEL"
        assert str(event["status"]) == "CANCELLED"
        assert str(event["uid"]) == f"meeting-{meeting.pk}@selvhjelp.example.no"
        assert event.decoded("sequence") == 1


def test_nothing_earlier_is_sent_for_a_meeting_that_was_then_cancelled(group, members, staff_1):
    meeting = group.meetings.order_by("starts_at")[2]
    services.move_meeting(meeting, day=date(2026, 12, 17), start_time=time(17, 0), staff=staff_1)
    services.cancel_meeting(meeting, staff=staff_1)
    send()
    assert {m.subject for m in mail.outbox} == {"Gruppemøtet 17. desember 2026 er avlyst"}
    assert len(mail.outbox) == 3
    states = dict(
        Notification.objects.filter(object_type="groups.meeting", object_id=str(meeting.pk))
        .values_list("kind", "state")
        .distinct()
    )
    assert states == {"groups.meeting_moved": "cancelled", "groups.meeting_cancelled": "sent"}
    _mimetype, _calendar, event = calendar_of(mail.outbox[0])
    assert event.decoded("sequence") == 2


def test_someone_who_left_before_the_message_went_out_does_not_get_it(group, members, staff_1):
    meeting = group.meetings.order_by("starts_at")[1]
    services.cancel_meeting(meeting, staff=staff_1)
    services.leave_group(members["Per"], reason="own_choice")
    send()
    assert recipients() == ["kari@example.no", "ola@example.no"]


def test_new_meeting_times_are_told_to_the_members(group, members, staff_1):
    services.change_pattern(
        group, staff=staff_1, from_date=date(2026, 12, 14), start_time=time(17, 0)
    )
    send()
    assert recipients() == ["kari@example.no", "ola@example.no", "per@example.no"]
    message = mail.outbox[0]
    assert message.subject == "Nye møtetider for gruppa di"
    assert (
        "Gruppa «Tirsdagsgruppa» har fått nye møtetider. Fra nå av møtes gruppa:\n"
        "Hver tirsdag kl. 17:00, Samtalerommet, Storgata 1, 0155 Oslo\n" in message.body
    )
    assert (
        "De neste møtene:\n"
        "- tirsdag 1. desember 2026 kl. 18:00–20:00, Samtalerommet, Storgata 1, 0155 Oslo\n"
        "- tirsdag 8. desember 2026 kl. 18:00–20:00, Samtalerommet, Storgata 1, 0155 Oslo\n"
        "- tirsdag 15. desember 2026 kl. 17:00–19:00, Samtalerommet, Storgata 1, 0155 Oslo\n"
        in message.body
    )


# Staff alerts ---------------------------------------------------------------------------------


def test_staff_hear_when_the_group_reaches_its_minimum(group, centre_1, staff_1, staff_2):
    anna = StaffMembershipFactory(
        centre=centre_1, user__username="stab-nord-2", user__first_name="Anna"
    ).user
    for name in ["A", "B", "C", "D", "E"]:
        member(group, person(centre_1, name), staff_1)
    send()
    alerts = [m for m in mail.outbox if m.subject.startswith("Gruppa «Tirsdagsgruppa»")]
    assert sorted(address(m) for m in alerts) == sorted([staff_1.email, anna.email])
    assert alerts[0].subject == "Gruppa «Tirsdagsgruppa» har nok deltakere til å starte"
    assert "Gruppa «Tirsdagsgruppa» har nå 5 deltakere. Det er nok til å starte (minst 5)." in (
        alerts[0].body
    )
    assert f"{SITE}/stab/grupper/{group.pk}/" in alerts[0].body
    assert staff_2.email not in recipients()


def test_a_staff_member_who_left_the_centre_gets_no_alert(group, centre_1, staff_1):
    for name in ["A", "B", "C", "D", "E"]:
        member(group, person(centre_1, name), staff_1)
    staff_1.staff_memberships.all().delete()
    send()
    assert staff_1.email not in recipients()


# Nothing private, anywhere -------------------------------------------------------------------


def test_no_message_carries_what_anyone_wrote_about_themselves(
    group, centre_1, staff_1, members, caplog
):
    caplog.set_level(logging.DEBUG)
    offer_to(group, person(centre_1, "Siri"), staff_1)
    offer_to(group, person(centre_1, "Tove", language="en"), staff_1)
    meetings = list(group.meetings.order_by("starts_at"))
    services.send_notice(members["Kari"], kind="absent", meeting=meetings[3])
    services.send_notice(members["Per"], kind="leaving")
    services.move_meeting(
        meetings[2], day=date(2026, 12, 17), start_time=time(17, 0), staff=staff_1
    )
    services.cancel_meeting(meetings[1], staff=staff_1)
    services.change_pattern(
        group, staff=staff_1, from_date=date(2027, 1, 4), start_time=time(17, 0)
    )
    member(group, person(centre_1, "Unni"), staff_1)
    services.leave_group(members["Ola"], reason="own_choice")
    send()
    # Every kind also renders as a text message, with nothing private in it either.
    as_sms = set()
    for row in Notification.objects.filter(kind__startswith="groups.", state="sent"):
        row.channel = Channel.SMS
        rendered = outbox.render(row)
        if rendered is not None:
            assert rendered.text
            assert MARKER not in rendered.text
            as_sms.add(row.kind)
    with time_machine.travel(datetime(2026, 12, 5, tzinfo=OSLO), tick=False):
        services.lapse_offers()
        send()
    kinds = set(Notification.objects.filter(state="sent").values_list("kind", flat=True))
    assert (
        kinds
        == as_sms
        == {
            "groups.offer",
            "groups.absence",
            "groups.meeting_moved",
            "groups.meeting_cancelled",
            "groups.schedule_changed",
            "groups.staff_alert",
        }
    )
    assert len(mail.outbox) > 10
    assert_marker_absent(MARKER, caplog)


def test_every_groups_message_has_its_templates():
    from django.template.loader import get_template

    for kind in [
        "offer",
        "meeting_cancelled",
        "meeting_moved",
        "schedule_changed",
        "absence",
        "staff_alert",
    ]:
        for part in ["subject.txt", "body.txt", "body.html", "sms.txt"]:
            get_template(f"notifications/groups/{kind}/{part}")
        assert outbox.get_kind(f"groups.{kind}").template == f"groups/{kind}"


def test_a_meeting_that_is_gone_sends_nothing(group, members, staff_1):
    meeting = group.meetings.order_by("starts_at")[1]
    services.cancel_meeting(meeting, staff=staff_1)
    Meeting.objects.filter(pk=meeting.pk).delete()
    report = send()
    assert (report.sent, report.cancelled) == (0, 3)
