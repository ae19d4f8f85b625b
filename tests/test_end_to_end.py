"""One group's whole life, end to end, and every message each person received.

The scenario runs on Europe/Oslo wall-clock time from Monday 15 February 2027 to the day
after the follow-up meeting on Tuesday 30 March 2027, across the change to summer time on
Sunday 28 March. Six people apply on the public form, staff accept a proposed group,
five accept their offer and one declines, two starters are assigned and accept, the
opening meeting is moved, a member sends an absence notice, and the group meets through
its opening and its follow-up. The clock advances step by step: to the next due message
or the next run of a beat job (at the times in CELERY_BEAT_SCHEDULE), whichever comes
first; at each step the beat jobs due then run and the outbox is dispatched.

It runs twice over the same scenario and the same expected list (EXPECTED):

* in-process: `outbox.dispatch_due()` in the test, to Django's locmem mailer and the
  memory SMS backend;
* services (REQUIRE_SERVICES=1 in CI): a real Celery worker process dispatches, reached
  through Redis, sending e-mail to an SMTP server (aiosmtpd) and texts to an HTTP SMS
  gateway (the product's HTTPGatewaySMSBackend) that both run in the test. The worker
  must see the scenario's clock, not the real one (SMS quiet hours and "due" depend on
  it), so each `selvhjelp.dispatch_notifications` message carries the scenario time in a
  header; tests/e2e_worker.py, the worker's entry point, freezes the worker's clock at that
  time for the one task (time_machine) and reports the task done on a Redis list. Nothing
  else is faked: the task goes through the broker, the worker claims the rows in
  PostgreSQL and talks SMTP and HTTP. (Moving rows' due_at to the real "now" instead
  would make SMS quiet hours, and so the list, depend on the hour CI runs at.)
"""

import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.utils import parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db.models import Min
from django.utils import timezone

from groups import digest
from groups import services as groups_services
from groups.enums import NoticeKind
from groups.models import Meeting, Membership, Offer
from groups.proposals import accept_proposal, propose_for
from intake import services as intake_services
from intake.models import Application
from selvhjelp import outbox
from selvhjelp.channels import MemorySMSBackend
from selvhjelp.enums import NotificationState
from selvhjelp.models import Notification
from starters import services as starters_services
from tests.factories import CentreFactory, RoomFactory, StaffMembershipFactory, StarterFactory
from tests.intake.test_apply import MARKER, valid
from tests.privacy import assert_marker_absent

OSLO = outbox.OSLO
ROOT = Path(__file__).resolve().parents[1]
START = datetime(2027, 2, 15, 9, 0, tzinfo=OSLO)  # a Monday
END = datetime(2027, 3, 31, 9, 0, tzinfo=OSLO)  # the morning after the follow-up


def at(day: str, clock: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=OSLO)


# name, e-mail, mobile, gender, birth date, language of the form, reminder channel
APPLICANTS = [
    ("Anna", "anna@example.no", "+47 412 34 501", "woman", "1981-03-02", "nb", "email"),
    ("Bjørn", "bjorn@example.no", "+47 412 34 502", "man", "1979-10-11", "nb", "email"),
    ("Cecilie", "cecilie@example.no", "+47 412 34 503", "woman", "1984-06-23", "nb", "email"),
    ("David", "david@example.no", "+47 412 34 504", "man", "1982-01-30", "en", "email"),
    ("Eva", "eva@example.no", "+47 412 34 505", "woman", "1980-08-14", "nb", "sms"),
    ("Frode", "frode@example.no", "+47 412 34 506", "man", "1983-12-05", "nb", "email"),
]


# The daily and weekly beat jobs, at their CELERY_BEAT_SCHEDULE times. The hourly and
# quarter-hourly ones (lapse_offers, start_groups) run at every step instead: later than
# in production at night, which changes no message, since nothing is sent in between.
def _daily_jobs():
    return [
        (time(7, 30), 0, digest.queue_weekly_digest),  # Mondays only
        (time(8, 0), None, lambda: starters_services.alert_short_groups(timezone.localdate())),
        (time(9, 0), None, groups_services.alert_short_groups),
        (time(10, 0), None, intake_services.care_for_waiting_list),
    ]


def _next_beat(after: datetime) -> datetime:
    """The first daily-job time strictly after `after`."""
    local = timezone.localtime(after, OSLO)
    candidates = []
    for day in (local.date(), local.date() + timedelta(days=1), local.date() + timedelta(days=7)):
        for clock, weekday, _job in _daily_jobs():
            if weekday is not None and day.weekday() != weekday:
                continue
            moment = datetime.combine(day, clock, tzinfo=OSLO)
            if moment > after:
                candidates.append(moment)
    return min(candidates)


# Transports --------------------------------------------------------------------------------


@dataclass
class Sent:
    """One message as it left: to whom, what it said first, and its key for the row."""

    address: str
    channel: str
    subject: str  # the e-mail subject, or a text message's first words
    key: str  # Message-ID of an e-mail, idempotency key of a text
    raw: str  # everything that went over the wire


def _email_text(raw: bytes) -> str:
    """Every header and every part of an e-mail, decoded (a marker could hide in base64)."""
    message = message_from_bytes(raw, policy=email_policy.default)
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if not part.is_multipart():
            parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(parts)


def _first_words(text: str, count: int = 8) -> str:
    return " ".join(text.split()[:count])


class InProcess:
    """outbox.dispatch_due() in the test; Django's locmem mailer and the memory SMS backend."""

    name = "in-process"

    def __init__(self):
        mail.outbox.clear()
        MemorySMSBackend.sent.clear()
        self._mail_seen = self._sms_seen = 0

    def dispatch(self, now: datetime) -> list[Sent]:
        outbox.dispatch_due()
        sent = [
            Sent(
                parseaddr(m.to[0])[1],
                "email",
                m.subject,
                m.extra_headers["Message-ID"],
                _email_text(m.message().as_bytes()),
            )
            for m in mail.outbox[self._mail_seen :]
        ]
        sent += [
            Sent(t["to"], "sms", _first_words(t["text"]), t["key"], t["text"])
            for t in MemorySMSBackend.sent[self._sms_seen :]
        ]
        self._mail_seen, self._sms_seen = len(mail.outbox), len(MemorySMSBackend.sent)
        return sent

    def close(self):
        pass


@dataclass
class _Inbox:
    """What the SMTP server and the SMS gateway in the test received."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: list[Sent] = field(default_factory=list)

    def add(self, sent: Sent):
        with self.lock:
            self.messages.append(sent)

    def take(self) -> list[Sent]:
        with self.lock:
            taken, self.messages[:] = list(self.messages), []
        return taken


class _SMTPHandler:
    def __init__(self, inbox: _Inbox):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        for address in envelope.rcpt_tos:
            self.inbox.add(
                Sent(
                    address,
                    "email",
                    str(message["Subject"]),
                    message["Message-ID"],
                    _email_text(envelope.content),
                )
            )
        return "250 OK"


def _gateway(inbox: _Inbox) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            text = body["text"]
            inbox.add(Sent(body["to"], "sms", _first_words(text), body["reference"], text))
            answer = json.dumps({"id": body["reference"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # keep the test output quiet
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThroughServices:
    """A Celery worker process, reached through Redis, sending to SMTP and an SMS gateway."""

    name = "services"

    def __init__(self, broker: str, log_path: Path):
        import redis
        from aiosmtpd.controller import Controller

        from tests.core.test_outbox_services import _database_url

        self.inbox = _Inbox()
        smtp_port = _free_port()
        self.smtp = Controller(_SMTPHandler(self.inbox), hostname="127.0.0.1", port=smtp_port)
        self.smtp.start()
        self.gateway = _gateway(self.inbox)
        threading.Thread(target=self.gateway.serve_forever, daemon=True).start()
        self.redis = redis.Redis.from_url(broker)
        # Its own queue and list: other tests' workers may share this Redis.
        self.queue = f"e2e-{uuid.uuid4().hex}"
        self.done_list = f"{self.queue}:done"
        self.log_path = log_path
        self.log = log_path.open("ab")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "selvhjelp.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "SMS_BACKEND": "http",
            "SMS_GATEWAY_URL": f"http://127.0.0.1:{self.gateway.server_port}/sms",
            "SMS_GATEWAY_TOKEN": "e2e",
            "E2E_DONE_LIST": self.done_list,
            "E2E_QUEUE": self.queue,
            "DEBUG": "1",
        }
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e_worker"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def dispatch(self, now: datetime) -> list[Sent]:
        from selvhjelp.tasks import dispatch_notifications

        if not Notification.objects.claimable(now).exists():
            return []
        result = dispatch_notifications.apply_async(
            queue=self.queue, headers={"e2e_now": now.isoformat()}
        )
        answer = self.redis.blpop([self.done_list], timeout=60)
        assert answer is not None, self.log_path.read_text()
        assert answer[1].decode() == result.id
        return self.inbox.take()

    def close(self):
        self.worker.terminate()
        try:
            self.worker.wait(20)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            self.worker.wait(10)
        self.log.close()
        self.smtp.stop()
        self.gateway.shutdown()
        self.gateway.server_close()
        self.redis.delete(self.done_list, self.queue)


# The scenario --------------------------------------------------------------------------------


class Scenario:
    def __init__(self, transport, traveller):
        self.transport = transport
        self.traveller = traveller
        self.received: list[tuple] = []

    def step(self, moment: datetime):
        """Travel to `moment`, run the beat jobs due there, and dispatch what is due."""
        self.traveller.move_to(moment)
        local = timezone.localtime(moment, OSLO)
        for clock, weekday, job in _daily_jobs():
            if local.time() == clock and weekday in (None, local.weekday()):
                job()
        groups_services.lapse_offers()
        groups_services.start_groups()
        self.dispatch()

    def dispatch(self):
        moment = timezone.now()
        for sent in self.transport.dispatch(moment):
            self.received.append((moment, sent))

    def run_until(self, until: datetime):
        """Every step (a message falls due, a beat job runs) up to `until`, then travel
        there. A beat job at exactly `until` runs before what the scenario does then."""
        self.dispatch()
        while True:
            now = timezone.now()
            due = Notification.objects.filter(
                state=NotificationState.PENDING, due_at__gt=now
            ).aggregate(first=Min("due_at"))["first"]
            moment = min(_next_beat(now), due or until + timedelta(days=1))
            if moment > until:
                break
            self.step(moment)
        self.traveller.move_to(until)

    def at(self, moment: datetime):
        self.run_until(moment)
        return self


def _apply(client, person):
    name, email, phone, gender, born, language, channel = person
    prefix = "/en" if language == "en" else ""
    data = valid(
        first_name=name,
        last_name="Berg",
        email=email,
        phone=phone,
        gender=gender,
        birth_date=born,
        availability=["tue-evening"],
        reminder_channel=channel,
        submission_key=str(uuid.uuid4()),
    )
    response = client.post(f"{prefix}/soknad/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def run_scenario(transport, client) -> list[tuple]:
    with time_machine.travel(START, tick=False) as traveller:
        scenario = Scenario(transport, traveller)
        centre = CentreFactory(name="Selvhjelpshuset Vest", slug="vest")
        staff = StaffMembershipFactory(
            centre=centre,
            user__username="stab-vest",
            user__first_name="Siri",
            user__email="siri@vest.example.no",
        ).user
        room = RoomFactory(centre=centre, name="Peisestua", capacity=10)
        starters = [
            StarterFactory(
                centre=centre,
                user__username=f"igangsetter-{first.lower()}",
                user__first_name=first,
                user__email=f"{first.lower()}@frivillig.example.no",
                availability=["tue-evening", "wed-evening"],
            )
            for first in ("Tor", "Unni")
        ]

        # 1. Six people apply, a few minutes apart; staff put them on the waiting list.
        for n, person in enumerate(APPLICANTS):
            scenario.at(START + timedelta(minutes=5 * n))
            _apply(client, person)
            scenario.dispatch()
        people = {a.first_name: a for a in Application.objects.filter(centre=centre).order_by("pk")}
        assert [people[name].language for name, *_ in APPLICANTS] == [
            "nb",
            "nb",
            "nb",
            "en",
            "nb",
            "nb",
        ]
        assert people["Eva"].reminder_channel == "sms"
        scenario.at(at("2027-02-15", "11:00"))
        for application in people.values():
            intake_services.mark_waiting(application, staff=staff)

        # 2. A proposal: one Tuesday-evening group with all six, accepted as proposed.
        scenario.at(at("2027-02-15", "11:30"))
        proposal = propose_for(centre)
        assert [
            (plan.weekday, plan.start_time, plan.start_date, plan.room, sorted(plan.member_ids))
            for plan in proposal.plans
        ] == [(1, time(18, 0), date(2027, 3, 2), room, sorted(a.pk for a in people.values()))]
        assert proposal.left_out == []
        (group,) = accept_proposal(centre, groups=proposal.plans, staff=staff)
        scenario.dispatch()

        # 3. Offers answered on each person's own page.
        def answer(name, what):
            offer = Offer.objects.get(application=people[name], group=group)
            response = client.post(
                f"/soknad/{people[name].token}/tilbud/{offer.pk}/", {"answer": what}
            )
            assert response.status_code == 302
            scenario.dispatch()

        scenario.at(at("2027-02-16", "19:00"))
        for name in ("Anna", "Bjørn", "Cecilie"):
            answer(name, "accept")
        scenario.at(at("2027-02-16", "21:15"))
        answer("Frode", "decline")
        scenario.at(at("2027-02-17", "08:40"))
        answer("David", "accept")
        # Eva answers after her reminder (a text message, as she chose).
        scenario.at(at("2027-02-18", "13:00"))
        answer("Eva", "accept")

        # 4. Both starters assigned; they accept.
        scenario.at(at("2027-02-19", "10:00"))
        assignments = [
            starters_services.assign_starter(group, starter, staff=staff) for starter in starters
        ]
        scenario.dispatch()
        scenario.at(at("2027-02-19", "20:30"))
        for assignment in assignments:
            starters_services.accept_assignment(assignment, user=assignment.starter.user)
        scenario.dispatch()

        # 5. The opening meeting moves a day; later, Cecilie cannot come on 16 March.
        scenario.at(at("2027-02-22", "12:00"))
        opening = group.meetings.get(is_opening=True)
        assert opening.starts_at == at("2027-03-02", "18:00")
        groups_services.move_meeting(
            opening, day=date(2027, 3, 3), start_time=time(18, 0), staff=staff
        )
        scenario.dispatch()
        scenario.at(at("2027-03-09", "12:00"))
        absent_from = group.meetings.get(starts_at=at("2027-03-16", "18:00"))
        response = client.post(
            f"/soknad/{people['Cecilie'].token}/beskjed/",
            {"kind": NoticeKind.ABSENT, "meeting": absent_from.pk},
        )
        assert response.status_code == 302
        scenario.dispatch()

        # 6. On through the opening and the follow-up (after summer time began).
        followup = group.meetings.get(is_followup=True)
        assert followup.starts_at == at("2027-03-30", "18:00")
        scenario.run_until(END)
        group.refresh_from_db()
        assert group.status == "started"
        assert Membership.objects.filter(group=group, left_on__isnull=True).count() == 5
        moved = Meeting.objects.filter(group=group, moved_from__isnull=False)
        assert list(moved.values_list("pk", "moved_from")) == [
            (opening.pk, at("2027-03-02", "18:00"))
        ]

    return scenario.received


def _readable(received) -> list[tuple]:
    """(address, local send time, channel, language, subject or a text's first words)."""
    rows = {}
    for notification in Notification.objects.all():
        rows[outbox.message_id(notification)] = notification
        rows[notification.idempotency_key] = notification
    return [
        (
            sent.address,
            timezone.localtime(moment, OSLO).strftime("%Y-%m-%d %H:%M"),
            sent.channel,
            rows[sent.key].language,
            sent.subject,
        )
        for moment, sent in received
    ]


def by_person(lines) -> dict[str, list[tuple]]:
    people: dict[str, list[tuple]] = {}
    for address, *rest in lines:
        people.setdefault(address, []).append(tuple(rest))
    return people


EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    # Anna, Bjørn, Cecilie, David (English) and Eva accept; Frode declines. Each gets the
    # receipt and the offer; no offer reminder once they answered before it was due.
    # The moved opening meeting: a notice of the move, and reminders at its new time only
    # (Monday 1 March 10:00, Wednesday 3 March 08:00), never at the old Tuesday's.
    # The follow-up reminder two days before at 10:00, on the day summer time began.
    "anna@example.no": [
        ("2027-02-15 09:00", "email", "nb", "Vi har fått søknaden din"),
        ("2027-02-15 11:30", "email", "nb", "Du har fått tilbud om plass i en gruppe"),
        ("2027-02-22 12:00", "email", "nb", "Et gruppemøte er flyttet til 3. mars 2027"),
        ("2027-03-01 10:00", "email", "nb", "Snart: gruppens første møte, 3. mars 2027"),
        ("2027-03-03 08:00", "email", "nb", "I dag: gruppens første møte"),
        ("2027-03-09 12:00", "email", "nb", "Beskjed fra gruppa di"),
        ("2027-03-28 10:00", "email", "nb", "Snart: gruppens oppfølgingsmøte, 30. mars 2027"),
    ],
    "bjorn@example.no": [
        ("2027-02-15 09:05", "email", "nb", "Vi har fått søknaden din"),
        ("2027-02-15 11:30", "email", "nb", "Du har fått tilbud om plass i en gruppe"),
        ("2027-02-22 12:00", "email", "nb", "Et gruppemøte er flyttet til 3. mars 2027"),
        ("2027-03-01 10:00", "email", "nb", "Snart: gruppens første møte, 3. mars 2027"),
        ("2027-03-03 08:00", "email", "nb", "I dag: gruppens første møte"),
        ("2027-03-09 12:00", "email", "nb", "Beskjed fra gruppa di"),
        ("2027-03-28 10:00", "email", "nb", "Snart: gruppens oppfølgingsmøte, 30. mars 2027"),
    ],
    # Cecilie sent the absence notice herself: the others hear of it, she does not.
    "cecilie@example.no": [
        ("2027-02-15 09:10", "email", "nb", "Vi har fått søknaden din"),
        ("2027-02-15 11:30", "email", "nb", "Du har fått tilbud om plass i en gruppe"),
        ("2027-02-22 12:00", "email", "nb", "Et gruppemøte er flyttet til 3. mars 2027"),
        ("2027-03-01 10:00", "email", "nb", "Snart: gruppens første møte, 3. mars 2027"),
        ("2027-03-03 08:00", "email", "nb", "I dag: gruppens første møte"),
        ("2027-03-28 10:00", "email", "nb", "Snart: gruppens oppfølgingsmøte, 30. mars 2027"),
    ],
    "david@example.no": [
        ("2027-02-15 09:15", "email", "en", "We have received your application"),
        ("2027-02-15 11:30", "email", "en", "You have been offered a place in a group"),
        ("2027-02-22 12:00", "email", "en", "A group meeting has moved to March 3, 2027"),
        ("2027-03-01 10:00", "email", "en", "Soon: the first meeting of your group, March 3, 2027"),
        ("2027-03-03 08:00", "email", "en", "Today: the first meeting of your group"),
        ("2027-03-09 12:00", "email", "en", "A message from your group"),
        (
            "2027-03-28 10:00",
            "email",
            "en",
            "Soon: the follow-up meeting of your group, March 30, 2027",
        ),
    ],
    # Eva chose text messages: her reminders come as SMS (below); e-mails that are not
    # reminders (receipt, offer, the move, the absence notice) still come by e-mail.
    "eva@example.no": [
        ("2027-02-15 09:20", "email", "nb", "Vi har fått søknaden din"),
        ("2027-02-15 11:30", "email", "nb", "Du har fått tilbud om plass i en gruppe"),
        ("2027-02-22 12:00", "email", "nb", "Et gruppemøte er flyttet til 3. mars 2027"),
        ("2027-03-09 12:00", "email", "nb", "Beskjed fra gruppa di"),
    ],
    # Frode declined on 16 February: nothing after that.
    "frode@example.no": [
        ("2027-02-15 09:25", "email", "nb", "Vi har fått søknaden din"),
        ("2027-02-15 11:30", "email", "nb", "Du har fått tilbud om plass i en gruppe"),
    ],
    # Staff: short of starters two weeks before the (then) 2 March start, at 08:00 by the
    # coverage job; enough members when Eva, the fifth, accepted; the Monday digest.
    # Not short of members (open offers count), nobody waiting past the limit.
    "siri@vest.example.no": [
        (
            "2027-02-16 08:00",
            "email",
            "nb",
            "Gruppa «Tirsdagsgruppa mars 2027» starter 2. mars 2027 og mangler fortsatt "
            "igangsettere",
        ),
        (
            "2027-02-18 13:00",
            "email",
            "nb",
            "Gruppa «Tirsdagsgruppa mars 2027» har nok deltakere til å starte",
        ),
        ("2027-02-22 07:30", "email", "nb", "Denne uken hos Selvhjelpshuset Vest"),
        ("2027-03-01 07:30", "email", "nb", "Denne uken hos Selvhjelpshuset Vest"),
        ("2027-03-08 07:30", "email", "nb", "Denne uken hos Selvhjelpshuset Vest"),
        ("2027-03-15 07:30", "email", "nb", "Denne uken hos Selvhjelpshuset Vest"),
        ("2027-03-22 07:30", "email", "nb", "Denne uken hos Selvhjelpshuset Vest"),
        ("2027-03-29 07:30", "email", "nb", "Denne uken hos Selvhjelpshuset Vest"),
    ],
    # Eva's texts: the offer reminder three days after the offer, the opening reminders
    # (the 08:00 one right at the end of SMS quiet hours) and the follow-up reminder.
    "+4741234505": [
        ("2027-02-18 11:30", "sms", "nb", "Påminnelse: Det venter en plass til deg i"),
        (
            "2027-03-01 10:00",
            "sms",
            "nb",
            "Gruppen «Tirsdagsgruppa mars 2027» møtes for første gang",
        ),
        (
            "2027-03-03 08:00",
            "sms",
            "nb",
            "Gruppen «Tirsdagsgruppa mars 2027» møtes for første gang",
        ),
        (
            "2027-03-28 10:00",
            "sms",
            "nb",
            "Oppfølgingsmøte i gruppen «Tirsdagsgruppa mars 2027» 30. mars",
        ),
    ],
    # The starters: asked, told of the move, and reminded at 08:00 three days before and
    # on the day of the meetings they attend (the opening at its new time, the follow-up:
    # Saturday 27 March in winter time, Tuesday 30 March in summer time).
    "tor@frivillig.example.no": [
        (
            "2027-02-19 10:00",
            "email",
            "nb",
            "Kan du hjelpe til med å starte gruppa «Tirsdagsgruppa mars 2027»?",
        ),
        (
            "2027-02-22 12:00",
            "email",
            "nb",
            "Et møte i gruppa «Tirsdagsgruppa mars 2027» er flyttet til 3. mars 2027",
        ),
        (
            "2027-02-28 08:00",
            "email",
            "nb",
            "Påminnelse: gruppa «Tirsdagsgruppa mars 2027» 3. mars 2027",
        ),
        ("2027-03-03 08:00", "email", "nb", "I dag kl. 18:00: gruppa «Tirsdagsgruppa mars 2027»"),
        (
            "2027-03-27 08:00",
            "email",
            "nb",
            "Påminnelse: gruppa «Tirsdagsgruppa mars 2027» 30. mars 2027",
        ),
        ("2027-03-30 08:00", "email", "nb", "I dag kl. 18:00: gruppa «Tirsdagsgruppa mars 2027»"),
    ],
    "unni@frivillig.example.no": [
        (
            "2027-02-19 10:00",
            "email",
            "nb",
            "Kan du hjelpe til med å starte gruppa «Tirsdagsgruppa mars 2027»?",
        ),
        (
            "2027-02-22 12:00",
            "email",
            "nb",
            "Et møte i gruppa «Tirsdagsgruppa mars 2027» er flyttet til 3. mars 2027",
        ),
        (
            "2027-02-28 08:00",
            "email",
            "nb",
            "Påminnelse: gruppa «Tirsdagsgruppa mars 2027» 3. mars 2027",
        ),
        ("2027-03-03 08:00", "email", "nb", "I dag kl. 18:00: gruppa «Tirsdagsgruppa mars 2027»"),
        (
            "2027-03-27 08:00",
            "email",
            "nb",
            "Påminnelse: gruppa «Tirsdagsgruppa mars 2027» 30. mars 2027",
        ),
        ("2027-03-30 08:00", "email", "nb", "I dag kl. 18:00: gruppa «Tirsdagsgruppa mars 2027»"),
    ],
}


@pytest.fixture
def transport(request, settings, tmp_path):
    if request.param == "services":
        request.getfixturevalue("require_postgres")
        request.getfixturevalue("require_broker")
        made = ThroughServices(settings.CELERY_BROKER_URL, tmp_path / "worker.log")
    else:
        # Without a broker nothing dispatches on commit; the test dispatches itself.
        settings.CELERY_BROKER_URL = ""
        made = InProcess()
    yield made
    made.close()


@pytest.mark.parametrize(
    "transport",
    [
        pytest.param("in-process", marks=pytest.mark.django_db),
        pytest.param(
            "services", marks=[pytest.mark.services, pytest.mark.django_db(transaction=True)]
        ),
    ],
    indirect=True,
)
def test_one_groups_whole_life(transport, client, caplog):
    received = run_scenario(transport, client)
    assert by_person(_readable(received)) == EXPECTED
    # What an applicant wrote about themselves went nowhere: not in a row, a rendered
    # message, anything that went over the wire, nor a log line.
    assert [sent.address for _moment, sent in received if MARKER in sent.raw] == []
    # ... and that scan reads decoded text: Bjørn's name is in his offer as written.
    assert "Hei Bjørn" in next(s.raw for _m, s in received if s.address == "bjorn@example.no")
    assert_marker_absent(MARKER, caplog)
