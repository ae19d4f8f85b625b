"""No personal data in log lines (issue 9, item 8).

Every log record is captured (the root logger at DEBUG, and django.request, django.security,
celery and the outbox's loggers on their own in case they stop propagating) through a whole
flow: an application through the form (and one refused), staff reading it and moving it on,
a phoned-in application registered by staff, a place offered and accepted, messages sent (by
e-mail and text message, one send failing for a while and one for good), a meeting moved, an
absence notice, a starter accepting an assignment and fetching the calendar feed and the
kit, the periodic tasks, a lost link, an erasure, and a retention dry run a few years on.

Then what the applicant wrote (a marker string), their e-mail address, phone number (in
every format) and surname occur in no log message, argument, traceback or extra field.
The marker is also held to tests/privacy.py's wider scan (messages, mail, SMS).
"""

import io
import logging
import traceback
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from groups.models import Meeting, Offer
from intake.models import Application
from selvhjelp import channels, outbox
from selvhjelp.celery import app as celery_app
from tests.factories import GroupFactory, StarterFactory
from tests.intake.test_apply import valid
from tests.privacy import places_with

pytestmark = pytest.mark.django_db

MARKER = "MARKØR-logg-9f3a-sorg-og-angst"
SURNAME = "Loggmarkørsen"
EMAIL = "Marker.Person.9f3a@Example.no"
PHONE = "+47 412 98 765"
CALLER_EMAIL = "ringte.inn.9f3a@example.no"
CALLER_PHONE = "934 71 268"

# The loggers to hold on to besides the root, in case one is set not to propagate.
NAMED = [
    "django",
    "django.request",
    "django.security",
    "django.server",
    "celery",
    "celery.app.trace",
    "celery.task",
    "selvhjelp",
    "selvhjelp.outbox",
    "intake",
    "groups",
    "starters",
]
# A LogRecord's own attributes; anything else on a record is an `extra` and is scanned too.
STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 1, "x", None, None))) | {
    "message",
    "asctime",
}


def phone_forms(number: str) -> list[str]:
    """A Norwegian mobile number in the ways it may be written."""
    digits = "".join(ch for ch in number if ch.isdigit()).removeprefix("47")
    assert len(digits) == 8, number
    spaced = f"{digits[:3]} {digits[3:5]} {digits[5:]}"
    pairs = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    return [
        f"+47{digits}",
        f"0047{digits}",
        f"47{digits}",
        digits,
        spaced,
        pairs,
        f"+47 {spaced}",
        f"+47 {pairs}",
    ]


PERSONAL = [
    MARKER,
    SURNAME,
    EMAIL.lower(),
    CALLER_EMAIL,
    *phone_forms(PHONE),
    *phone_forms(CALLER_PHONE),
]


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._seen: set[int] = set()

    def emit(self, record):
        if id(record) not in self._seen:  # a record reaches the root and a named logger
            self._seen.add(id(record))
            self.records.append(record)


@contextmanager
def every_log_record():
    """All records at every level, from the root and the named loggers alike."""
    capture = _Capture()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in NAMED)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(capture)
    try:
        yield capture.records
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(capture)
            logger.setLevel(level)


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write: the message, its arguments, a traceback, a stack,
    and any extra fields."""
    parts = [record.getMessage(), repr(record.args), str(record.msg)]
    if record.exc_info and record.exc_info[1] is not None:
        parts += traceback.format_exception(record.exc_info[1])
    parts += [record.exc_text or "", record.stack_info or ""]
    parts += [repr(value) for key, value in vars(record).items() if key not in STANDARD]
    return "\n".join(parts)


def leaks(records) -> list[str]:
    found = []
    for record in records:
        text = record_text(record).lower()
        found += [
            f"{value!r} in {record.name}: {record.getMessage()[:200]!r}"
            for value in PERSONAL
            if value.lower() in text
        ]
    return found


# The flow ------------------------------------------------------------------------------------


def _dispatch(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.dispatch_due()


def _post(client, path, data, hooks, expect=302):
    # Run what the request left for after its commit (the in-process message dispatch).
    with hooks(execute=True):
        response = client.post(path, data)
    assert response.status_code == expect, (path, response.status_code)
    return response


def _get(client, path, expect=200):
    response = client.get(path)
    assert response.status_code == expect, (path, response.status_code)
    return response


def _failing_sends(monkeypatch, error):
    """The mail server turns down the next sends, naming the address as servers do."""

    def refuse(notification, rendered, mail_connection):
        raise error(f"550 5.1.1 <{notification.to_address}>: recipient refused")

    monkeypatch.setattr(channels, "send", refuse)


def run_the_flow(client, staff_client, starter_client, centre, staff, hooks, monkeypatch) -> dict:
    """Application → staff → group → offer → messages → meeting moved → notice → starter
    → tasks → lost link → erasure → retention dry run. Returns what it made."""
    # The applicant applies, wanting reminders by text message.
    _post(
        client,
        "/soknad/",
        valid(
            about=MARKER,
            last_name=SURNAME,
            email=EMAIL,
            phone=PHONE,
            reminder_channel="sms",
            availability=["mon-evening"],
        ),
        hooks,
    )
    application = Application.objects.get(email=EMAIL.lower())
    token = application.token
    # A refused application (too young) and a mistyped link: a form error and a 404.
    too_young = (timezone.localdate() - timedelta(days=365 * 15)).isoformat()
    refused = valid(about=MARKER, email=EMAIL, phone=PHONE, birth_date=too_young)
    _post(client, "/soknad/", {**refused, "submission_key": ""}, hooks, expect=200)
    _get(client, f"/soknad/{token[:-2]}xx/", expect=404)
    _get(client, f"/soknad/{token}/")
    _get(client, f"/soknad/{token}/data.json")

    # Staff read it, write a note, and move it on to the waiting list.
    _get(staff_client, "/stab/soknader/")
    _get(staff_client, f"/stab/soknader/{application.pk}/")
    _post(staff_client, f"/stab/soknader/{application.pk}/notat/", {"text": MARKER}, hooks)
    for to in ["in_dialogue", "waiting"]:
        _post(staff_client, f"/stab/soknader/{application.pk}/status/", {"to": to}, hooks)

    # A person phones in; staff register their application.
    _post(
        staff_client,
        "/stab/soknader/ny/",
        {
            "first_name": "Per",
            "last_name": SURNAME,
            "email": CALLER_EMAIL,
            "phone": CALLER_PHONE,
            "birth_date": "1971-04-02",
            "availability": ["mon-evening"],
            "theme": "mixed",
            "about": MARKER,
            "source": "phone",
            "language": "nb",
            "confirmed": "on",
        },
        hooks,
    )
    caller = Application.objects.get(email=CALLER_EMAIL)

    # A group; the applicant is offered a place and says yes on their own page.
    group = GroupFactory(centre=centre, name="Mandagsgruppa", staff=staff)
    _post(
        staff_client, f"/stab/grupper/{group.pk}/plasser/", {"application": application.pk}, hooks
    )
    _get(staff_client, f"/stab/grupper/{group.pk}/")
    _get(staff_client, f"/stab/grupper/{group.pk}/kandidater/")
    offer = Offer.objects.get(application=application)
    _post(client, f"/soknad/{token}/tilbud/{offer.pk}/", {"answer": "accept"}, hooks)

    # Messages go out. The applicant tells the group they cannot come; a meeting moves, and
    # its messages meet a mail server that refuses for a while, then for good.
    _dispatch(hooks)
    meetings = list(Meeting.objects.filter(group=group).order_by("starts_at"))
    _post(client, f"/soknad/{token}/beskjed/", {"kind": "absent", "meeting": meetings[1].pk}, hooks)
    later = meetings[2]
    new_day = timezone.localtime(later.starts_at).date() + timedelta(days=1)
    _failing_sends(monkeypatch, outbox.TransientError)
    _post(
        staff_client,
        f"/stab/moter/{later.pk}/flytt/",
        {"day": new_day.isoformat(), "start_time": "17:00", "room": "", "note": "Nytt rom"},
        hooks,
    )
    _dispatch(hooks)
    _failing_sends(monkeypatch, outbox.PermanentError)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        _dispatch(hooks)
    monkeypatch.undo()

    # A starter is asked, says yes, and fetches the calendar feed and the kit.
    starter = StarterFactory(centre=centre, user__username="ola")
    starter_client.force_login(starter.user)
    _post(
        staff_client,
        f"/stab/igangsettere/grupper/{group.pk}/tildel/",
        {"starter": starter.pk},
        hooks,
    )
    assignment = starter.assignments.get()
    _post(
        starter_client, f"/igangsetter/oppdrag/{assignment.pk}/svar/", {"answer": "accept"}, hooks
    )
    _get(starter_client, "/igangsetter/")
    _get(starter_client, f"/kalender/{starter.calendar_token}.ics")
    _get(starter_client, f"/igangsetter/grupper/{group.pk}/startpakke/")

    # The periodic tasks, as beat runs them, and the messages they leave: now, and at noon
    # the day before the opening meeting (the reminders, the applicant's by text message).
    celery_app.loader.import_default_modules()
    opening = timezone.localtime(meetings[0].starts_at)
    for moment in [timezone.now(), opening.replace(hour=12, minute=0) - timedelta(days=1)]:
        with time_machine.travel(moment):
            for name in sorted(celery_app.tasks):
                if not name.startswith("celery.") and name != "selvhjelp.heartbeat":
                    celery_app.tasks[name].apply()
            celery_app.tasks["selvhjelp.heartbeat"].apply(args=["logtest"])
            _dispatch(hooks)

    # A lost link; the phoned-in person asks the centre to delete everything.
    _post(client, "/soknad/mistet-lenke/", {"email": EMAIL}, hooks, expect=200)
    _post(staff_client, f"/stab/soknader/{caller.pk}/slett/", {"confirm": "on"}, hooks)
    _dispatch(hooks)

    # Years on, a retention dry run lists what would go.
    out = io.StringIO()
    with time_machine.travel(timezone.now() + timedelta(days=3 * 365)):
        call_command("purge_personal_data", "--dry-run", stdout=out)
    return {"application": application, "group": group, "purge_output": out.getvalue()}


def test_no_log_line_carries_what_a_person_wrote_or_how_to_reach_them(
    staff_1_client,
    centre_1,
    staff_1,
    django_capture_on_commit_callbacks,
    monkeypatch,
    settings,
):
    from django.test import Client

    from selvhjelp.channels import MemorySMSBackend

    settings.CELERY_BROKER_URL = ""
    settings.APPLY_RATE_LIMIT = 100
    monkeypatch.setattr(MemorySMSBackend, "sent", [])
    with every_log_record() as records:
        made = run_the_flow(
            Client(),  # the applicant (the `client` fixture is staff_1_client's)
            staff_1_client,
            Client(),
            centre_1,
            staff_1,
            django_capture_on_commit_callbacks,
            monkeypatch,
        )

    # The flow did what it says: it logged, sent, failed and retried.
    from django.core import mail

    from selvhjelp.models import Notification

    assert made["application"].memberships.count() == 1
    assert len(mail.outbox) >= 3
    # Only the applicant asked for text messages.
    assert phone_forms(PHONE)[0] in {text["to"] for text in MemorySMSBackend.sent}
    assert Notification.objects.filter(state="failed").exists()
    names = {record.name for record in records}
    assert {"selvhjelp.outbox", "celery.app.trace", "django.request"} <= names, names
    assert any("will be retried" in record.getMessage() for record in records)
    assert any("failed permanently" in record.getMessage() for record in records)
    assert "Dry run" in made["purge_output"]

    assert leaks(records) == []
    assert places_with(MARKER, records) == []
    assert all(value not in made["purge_output"] for value in PERSONAL)


def test_the_scan_finds_personal_data_in_a_message_an_argument_a_traceback_and_an_extra():
    with every_log_record() as records:
        logger = logging.getLogger("selvhjelp.outbox")
        logger.debug("sent to %s", EMAIL.lower())
        logging.getLogger("celery.app.trace").info("Task done: %r", {"about": MARKER})
        try:
            raise ValueError(f"duplicate phone {phone_forms(PHONE)[0]}")
        except ValueError:
            logging.getLogger("django.request").warning("Bad request", exc_info=True)
        logging.getLogger("intake").info("saved", extra={"person": SURNAME})
        logging.getLogger("groups").info("nothing personal here")
    assert [line.split(" in ")[0] for line in leaks(records)] == [
        repr(EMAIL.lower()),
        repr(MARKER),
        "'+4741298765'",
        "'4741298765'",
        "'41298765'",
        repr(SURNAME),
    ]
    assert len(records) == 5


def test_sql_is_never_logged_even_at_debug_level(settings):
    """SQL logging would carry every parameter (what applicants wrote among them): the
    database logger stays above DEBUG whatever LOG_LEVEL says."""
    assert settings.LOGGING["loggers"]["django.db.backends"]["level"] == "INFO"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/soknad/", {"about", "email", "phone", "first_name", "last_name", "birth_date"}),
        ("/stab/soknader/ny/", {"about", "email", "phone", "first_name", "last_name"}),
    ],
)
def test_error_reports_hide_what_the_forms_post(staff_1_client, path, fields):
    """Django's error reports (mail_admins, if ADMINS is ever set) mask these posted fields."""
    response = staff_1_client.post(path, {"about": "x"})
    assert fields <= set(response.wsgi_request.sensitive_post_parameters)
