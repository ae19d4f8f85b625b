"""The outbox: written with its cause, claimed under a lease, sent once."""

import gc
import smtplib
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone

from selvhjelp import outbox
from selvhjelp.channels import MemorySMSBackend
from selvhjelp.enums import Channel, NotificationState
from selvhjelp.models import Notification
from tests.factories import CentreFactory

pytestmark = pytest.mark.django_db

OSLO = outbox.OSLO


def oslo(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


def queue(key="k1", *, channel=Channel.EMAIL, address="kari@example.no", **kwargs):
    if channel == Channel.SMS and address == "kari@example.no":
        address = "+4741234567"
    return outbox.notify(
        "core.test_message",
        recipient=outbox.Recipient(address=address, language="nb", name="Kari"),
        key=key,
        channel=channel,
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _empty_sms():
    MemorySMSBackend.sent.clear()
    yield
    MemorySMSBackend.sent.clear()


# Writing -----------------------------------------------------------------------------------


def test_a_rolled_back_change_leaves_no_message():
    def change_that_fails():
        with transaction.atomic():
            queue()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert Notification.objects.count() == 0


def test_a_committed_change_leaves_exactly_one_and_the_same_key_twice_gives_one():
    with transaction.atomic():
        first = queue("offer:1")
    with transaction.atomic():
        second = queue("offer:1", address="someone-else@example.no")
    assert first.pk == second.pk
    assert Notification.objects.get().to_address == "kari@example.no"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown notification kind"):
        outbox.notify(
            "core.no_such_kind", recipient=outbox.Recipient("a@example.no", "nb"), key="x"
        )
    assert Notification.objects.count() == 0


def test_without_a_broker_the_message_is_sent_right_after_the_commit(
    django_capture_on_commit_callbacks, settings
):
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        queue()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Kari <kari@example.no>"]
    assert message.subject == "Testmelding fra Selvhjelp"
    assert Notification.objects.get().state == NotificationState.SENT


def test_cancel_by_object_stops_every_open_message_about_it_in_one_call():
    centre, other = CentreFactory(), CentreFactory()
    queue("a", about=centre)
    queue("b", about=centre, due_at=timezone.now() + timedelta(days=3))
    queue("c", about=other)
    assert outbox.cancel_pending(about=centre) == 2
    outbox.dispatch_due()
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [
        outbox.message_id(Notification.objects.get(idempotency_key="c"))
    ]
    states = dict(Notification.objects.values_list("idempotency_key", "state"))
    assert states == {"a": "cancelled", "b": "cancelled", "c": "sent"}


def test_cancel_by_recipient_stops_messages_to_a_person_who_left():
    person = CentreFactory()  # any model instance can stand for the person
    outbox.notify(
        "core.test_message",
        recipient=outbox.Recipient("kari@example.no", "nb", ref=person),
        key="reminder",
        due_at=timezone.now() + timedelta(days=1),
    )
    assert outbox.cancel_pending(recipient=person) == 1
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        outbox.dispatch_due()
    assert mail.outbox == []


def test_a_kind_that_no_longer_wants_its_message_cancels_it(monkeypatch):
    kind = outbox.Kind("core.test_gone", "Gone", "core/test_message", context=lambda n: None)
    monkeypatch.setitem(outbox._kinds, kind.key, kind)
    outbox.notify("core.test_gone", recipient=outbox.Recipient("a@example.no", "nb"), key="g")
    report = outbox.dispatch_due()
    assert (report.sent, report.cancelled) == (0, 1)
    assert Notification.objects.get().state == NotificationState.CANCELLED
    assert mail.outbox == []


# Sending -----------------------------------------------------------------------------------


def test_messages_render_in_the_recipients_language_with_a_stable_message_id(settings):
    settings.SITE_URL = "https://selvhjelp.example.no"
    outbox.notify("core.test_message", recipient=outbox.Recipient("a@example.no", "en"), key="en-1")
    queue("nb-1")
    outbox.dispatch_due()
    by_to = {m.to[0]: m for m in mail.outbox}
    english, norwegian = by_to["a@example.no"], by_to["Kari <kari@example.no>"]
    assert english.subject == "Test message from Selvhjelp"
    assert "https://selvhjelp.example.no" in english.body
    assert norwegian.subject == "Testmelding fra Selvhjelp"
    expected = outbox.message_id(Notification.objects.get(idempotency_key="en-1"))
    assert english.extra_headers["Message-ID"] == expected
    assert expected.endswith("@selvhjelp.example.no>")
    assert Notification.objects.get(idempotency_key="en-1").message_id == expected
    html = {mimetype: body for body, mimetype in english.alternatives}["text/html"]
    assert "https://selvhjelp.example.no" in html


def test_a_message_not_yet_due_waits():
    queue(due_at=timezone.now() + timedelta(hours=2))
    assert outbox.dispatch_due().sent == 0
    with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
        assert outbox.dispatch_due().sent == 1
    assert len(mail.outbox) == 1


class FlakyBackend:
    """A mail backend that fails as told, then succeeds."""

    failures: list[Exception] = []
    sent: list = []

    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass

    def send_messages(self, messages):
        if FlakyBackend.failures:
            raise FlakyBackend.failures.pop(0)
        FlakyBackend.sent.extend(messages)
        return len(messages)


@pytest.fixture
def flaky(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.core.test_outbox.FlakyBackend"}}
    FlakyBackend.failures, FlakyBackend.sent = [], []
    return FlakyBackend


def test_transient_failures_retry_with_growing_delays_then_succeed(flaky):
    flaky.failures = [
        smtplib.SMTPServerDisconnected("gone"),
        smtplib.SMTPResponseException(451, b"try later"),
        ConnectionRefusedError(),
    ]
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    delays = []
    with time_machine.travel(start, tick=False) as clock:
        queue()
        for _ in range(3):
            assert outbox.dispatch_due().retry == 1
            row = Notification.objects.get()
            assert row.state == NotificationState.PENDING
            delays.append(row.due_at - timezone.now())
            assert outbox.dispatch_due().retry == 0  # not due yet
            clock.move_to(row.due_at)
        assert outbox.dispatch_due().sent == 1
    assert delays == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25)]
    row = Notification.objects.get()
    assert (row.state, row.attempts, row.last_error) == (NotificationState.SENT, 4, "")
    assert len(flaky.sent) == 1


def test_a_permanent_failure_ends_failed_with_its_reason_and_can_be_retried(flaky):
    flaky.failures = [smtplib.SMTPRecipientsRefused({"kari@example.no": (550, b"no such user")})]
    queue()
    assert outbox.dispatch_due().failed == 1
    row = Notification.objects.get()
    assert row.state == NotificationState.FAILED
    assert row.last_error == "The address was refused ([550])."
    assert outbox.dispatch_due().failed == 0  # stays failed
    assert outbox.retry(row) is True
    assert outbox.dispatch_due().sent == 1
    assert Notification.objects.get().state == NotificationState.SENT


def test_transient_failures_give_up_after_the_cap(flaky):
    flaky.failures = [OSError("down")] * outbox.MAX_ATTEMPTS
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False) as clock:
        queue()
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.dispatch_due()
            clock.shift(outbox.BACKOFF_CAP)
    row = Notification.objects.get()
    assert row.state == NotificationState.FAILED
    assert row.attempts == outbox.MAX_ATTEMPTS
    assert row.last_error.startswith(f"Gave up after {outbox.MAX_ATTEMPTS} attempts")


def test_backoff_grows_and_is_capped():
    assert [outbox.backoff(n) for n in range(1, 7)] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=25),
        timedelta(minutes=125),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


# Crashes: leases ---------------------------------------------------------------------------


def test_an_email_whose_worker_died_mid_send_is_sent_again_with_the_same_message_id(settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        queue()
        claimed, _ = outbox.claim(10, timezone.now())  # a worker claims, then dies
        assert len(claimed) == 1
        assert outbox.dispatch_due().sent == 0  # the lease still holds
        clock.shift(timedelta(seconds=61))
        assert outbox.dispatch_due().sent == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get().attempts == 2


def test_a_text_whose_worker_died_mid_send_is_never_sent_again(settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    with time_machine.travel(oslo(2026, 11, 23, 12, 0), tick=False) as clock:
        queue(channel=Channel.SMS)
        outbox.claim(10, timezone.now())
        clock.shift(timedelta(seconds=61))
        assert outbox.dispatch_due().failed == 1
    row = Notification.objects.get()
    assert row.state == NotificationState.FAILED
    assert "not sent again" in row.last_error
    assert MemorySMSBackend.sent == []


# SMS and quiet hours -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (oslo(2026, 11, 23, 8, 0), oslo(2026, 11, 23, 8, 0)),
        (oslo(2026, 11, 23, 20, 59), oslo(2026, 11, 23, 20, 59)),
        (oslo(2026, 11, 23, 21, 0), oslo(2026, 11, 24, 8, 0)),
        (oslo(2026, 11, 23, 7, 59), oslo(2026, 11, 23, 8, 0)),
        (oslo(2026, 11, 23, 0, 30), oslo(2026, 11, 23, 8, 0)),
        # Spring forward (29 March 2026): 08:00 is CEST, 06:00 UTC.
        (oslo(2026, 3, 28, 22, 30), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        # Fall back (25 October 2026): 08:00 is CET, 07:00 UTC.
        (oslo(2026, 10, 24, 23, 0), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    ],
)
def test_sms_quiet_hours_hold_across_daylight_saving(due, expected):
    queue(channel=Channel.SMS, due_at=due)
    assert Notification.objects.get().due_at == expected


def test_an_sms_is_sent_by_the_backend_in_the_recipients_language():
    with time_machine.travel(oslo(2026, 11, 23, 12, 0), tick=False):
        queue(channel=Channel.SMS)
        assert outbox.dispatch_due().sent == 1
    assert MemorySMSBackend.sent == [
        {
            "to": "+4741234567",
            "text": "Testmelding fra Selvhjelp (http://127.0.0.1:8000): "
            "tekstmeldinger kommer fram til dette nummeret.",
            "key": "k1",
        }
    ]


def test_a_retry_that_lands_in_quiet_hours_waits_for_morning():
    with time_machine.travel(oslo(2026, 11, 23, 20, 0), tick=False) as clock:
        queue(channel=Channel.SMS)
        outbox.claim(10, timezone.now())
        Notification.objects.update(lease_expires_at=oslo(2026, 11, 23, 21, 5))
        clock.move_to(oslo(2026, 11, 23, 21, 10))
        # The lease expired at night on a text: it is given up, not sent at night.
        assert outbox.dispatch_due().failed == 1
    assert MemorySMSBackend.sent == []


# Concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_racing_dispatchers_send_every_row_exactly_once(require_postgres):
    Notification.objects.bulk_create(
        Notification(
            idempotency_key=f"race:{n}",
            kind="core.test_message",
            channel=Channel.EMAIL,
            to_address=f"p{n}@example.no",
            language="nb",
            due_at=timezone.now(),
        )
        for n in range(120)
    )
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            outbox.dispatch_due(batch=7)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(ids) == 120
    assert len(set(ids)) == 120
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


# Django never closes an in-memory SQLite connection (the test database here), so the
# timer thread's connection is reported when collected; on a real database it is closed.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_timer_in_the_web_process_sends_what_falls_due_later(
    settings, monkeypatch
):
    settings.CELERY_BROKER_URL = ""
    monkeypatch.setattr(outbox, "_timer", None)
    with transaction.atomic():
        queue(due_at=timezone.now() + timedelta(milliseconds=300))
    timer = outbox.start_in_process_timer(interval=0.1)
    try:
        assert outbox.start_in_process_timer(interval=0.1) is None  # only one timer
        deadline = timezone.now() + timedelta(seconds=10)
        while not mail.outbox and timezone.now() < deadline:
            threading.Event().wait(0.05)
    finally:
        timer.stop()
        gc.collect()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().state == NotificationState.SENT


def test_a_message_that_keeps_killing_its_worker_is_given_up(settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False) as clock:
        queue()
        for _ in range(outbox.MAX_ATTEMPTS):
            assert len(outbox.claim(10, timezone.now())[0]) == 1  # claimed, then the worker dies
            clock.shift(timedelta(seconds=61))
        assert outbox.dispatch_due().failed == 1
    row = Notification.objects.get()
    assert (row.state, row.attempts) == (NotificationState.FAILED, outbox.MAX_ATTEMPTS)
    assert row.last_error == f"Sending was interrupted {outbox.MAX_ATTEMPTS} times; given up."
    assert mail.outbox == []
