"""The notification outbox: every message is a row written with its cause, sent once.

Delivery promise
----------------
* `notify()` writes the row in the caller's transaction: a rolled-back change leaves no
  message, a committed one exactly one (the idempotency key is unique).
* The dispatcher claims due rows under a lease (`select_for_update(skip_locked=True)` on
  PostgreSQL; SQLite's IMMEDIATE transactions serialise claims), sends, and records the
  result. A worker that dies mid-send leaves a row whose lease expires; it is claimed again.
* E-mail is at-least-once. The only possible duplicate is a message the mail server
  accepted in the instant before its state was saved; the resend carries the same
  Message-ID (derived from the idempotency key), so it is recognisable.
* SMS is at-most-once: a text whose send outcome is unknown (the worker died, or the
  gateway did not answer) is marked failed, never sent again.
* Nothing is sent once its row is cancelled, when its kind says the object or recipient
  no longer wants it, or during SMS quiet hours (it waits until morning).
* Requests never publish to the broker. With a broker, beat runs the dispatcher every
  minute; without one (the zero-set-up default) it runs in-process after each commit that
  wrote a message and on a short timer.
"""

import hashlib
import logging
import threading
import time as monotonic_clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from selvhjelp.enums import Channel, NotificationState
from selvhjelp.models import Notification

logger = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")
SMS_QUIET_START = time(21, 0)
SMS_QUIET_END = time(8, 0)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)


# Kinds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of message: its templates and how to build their context at send time.

    `context(notification)` returns the template context, or None when the message is no
    longer wanted (the meeting was cancelled, the person left): it is then cancelled.
    Templates: notifications/<template>/subject.txt, body.txt, body.html and sms.txt.
    """

    key: str
    label: str  # shown to staff, e.g. gettext_lazy("Offer of a place")
    template: str
    context: Callable[[Notification], dict | None]
    attachments: Callable[[Notification], list[tuple[str, bytes, str]]] | None = None


_kinds: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    if kind.key in _kinds and _kinds[kind.key] != kind:
        raise ValueError(f"Notification kind {kind.key!r} is already registered.")
    _kinds[kind.key] = kind


def kind_label(key: str) -> str:
    return str(_kinds[key].label) if key in _kinds else key


def get_kind(key: str) -> Kind:
    try:
        return _kinds[key]
    except KeyError:
        raise ValueError(f"Unknown notification kind {key!r}.") from None


# Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Where a message goes. `ref` is the object that is this person (an application, a
    user…), so their messages can be stopped when they leave."""

    address: str
    language: str
    name: str = ""
    ref: models.Model | None = None


def _label(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def outside_quiet_hours(when: datetime) -> datetime:
    """The first moment at or after `when` that an SMS may be sent (08:00–21:00 Oslo)."""
    local = timezone.localtime(when, OSLO)
    if SMS_QUIET_END <= local.time() < SMS_QUIET_START:
        return when
    day = local.date() if local.time() < SMS_QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, SMS_QUIET_END, tzinfo=OSLO)


def notify(
    kind: str,
    *,
    recipient: Recipient,
    key: str,
    channel: str = Channel.EMAIL,
    due_at: datetime | None = None,
    about: models.Model | None = None,
    centre=None,
    params: dict[str, Any] | None = None,
) -> Notification:
    """Queue one message in the caller's transaction. The same key twice gives one row.

    `params` carries ids and flags only; the text is rendered when the message is sent.
    """
    get_kind(kind)
    due = due_at or timezone.now()
    if channel == Channel.SMS:
        due = outside_quiet_hours(due)
    object_type, object_id = _label(about)
    recipient_type, recipient_id = _label(recipient.ref)
    notification, _ = Notification.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "kind": kind,
            "channel": channel,
            "centre": centre,
            "to_address": recipient.address,
            "to_name": recipient.name,
            "language": recipient.language,
            "recipient_type": recipient_type,
            "recipient_id": recipient_id,
            "object_type": object_type,
            "object_id": object_id,
            "params": params or {},
            "due_at": due,
        },
    )
    if not settings.CELERY_BROKER_URL:
        transaction.on_commit(_dispatch_in_process)
    return notification


def readdress(recipient: models.Model, *, channel: str, address: str, name: str) -> int:
    """The person's address (or name) for `channel` changed: their messages not sent yet,
    and failed ones that staff may retry, go to the new one. One query."""
    return (
        Notification.objects.filter(
            state__in=[NotificationState.PENDING, NotificationState.FAILED], channel=channel
        )
        .to_recipient(recipient)
        .exclude(to_address=address, to_name=name)
        .update(to_address=address, to_name=name)
    )


def cancel_pending(*, about: models.Model | None = None, recipient: models.Model | None = None):
    """Cancel every message not yet sent about an object or to a person. One call, one query."""
    if (about is None) == (recipient is None):
        raise ValueError("Give exactly one of about= or recipient=.")
    qs = Notification.objects.filter(state__in=NotificationState.open())
    qs = qs.concerning(about) if about is not None else qs.to_recipient(recipient)
    now = timezone.now()
    return qs.update(state=NotificationState.CANCELLED, finished_at=now, lease_expires_at=None)


def retry(notification: Notification) -> bool:
    """Send a failed message again (staff action)."""
    return bool(
        Notification.objects.filter(pk=notification.pk, state=NotificationState.FAILED).update(
            state=NotificationState.PENDING,
            due_at=timezone.now(),
            attempts=0,
            last_error="",
            finished_at=None,
        )
    )


def cancel(notification: Notification) -> bool:
    """Stop one message that has not left yet (staff action). False if it already left."""
    return bool(
        Notification.objects.filter(pk=notification.pk, state=NotificationState.PENDING).update(
            state=NotificationState.CANCELLED, finished_at=timezone.now(), lease_expires_at=None
        )
    )


def kinds() -> list[tuple[str, str]]:
    """Every registered kind as (key, label), for choosing in staff filters."""
    return sorted(((key, str(kind.label)) for key, kind in _kinds.items()), key=lambda k: k[1])


# Rendering ------------------------------------------------------------------------------


@dataclass
class Rendered:
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def absolute(path: str) -> str:
    """A link for a message: SITE_URL, since workers have no request to build it from."""
    return f"{settings.SITE_URL}{path}"


def message_id(notification: Notification) -> str:
    """Stable per idempotency key, so a resent duplicate is recognisable."""
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:32]
    domain = urlsplit(settings.SITE_URL).hostname or "selvhjelp.localhost"
    return f"<{digest}@{domain}>"


def render(notification: Notification) -> Rendered | None:
    kind = get_kind(notification.kind)
    base = f"notifications/{kind.template}"
    with translation.override(notification.language):
        # Inside the override, so links the context reverses carry the language prefix.
        context = kind.context(notification)
        if context is None:
            return None
        context = {
            "site_url": settings.SITE_URL,
            "recipient_name": notification.to_name,
            "centre": notification.centre,
            **context,
        }
        if notification.channel == Channel.SMS:
            return Rendered(text=render_to_string(f"{base}/sms.txt", context).strip())
        subject = " ".join(render_to_string(f"{base}/subject.txt", context).split())
        return Rendered(
            subject=subject,
            text=render_to_string(f"{base}/body.txt", context),
            html=render_to_string(f"{base}/body.html", context),
            attachments=kind.attachments(notification) if kind.attachments else [],
        )


# Dispatching ----------------------------------------------------------------------------


class TransientError(Exception):
    """Try again later."""


class PermanentError(Exception):
    """Will not succeed by trying again."""


class UncertainError(Exception):
    """The send may or may not have happened (only SMS cares: it is never repeated)."""


@dataclass
class DispatchReport:
    """How many rows ended each way (the attribute names are send_one's outcomes)."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    cancelled: int = 0

    def __iadd__(self, other):
        for name in ("sent", "retry", "failed", "cancelled"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_CAP, BACKOFF_BASE * 5 ** max(0, attempts - 1))


def lease_length() -> timedelta:
    return timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", 300))


def claim(batch: int, now: datetime) -> tuple[list[int], int]:
    """Take up to `batch` due rows under a lease. Returns (claimed ids, number given up)."""
    with transaction.atomic():
        rows = list(
            Notification.objects.claimable(now)
            .select_for_update(skip_locked=True)
            .order_by("due_at", "id")
            .values_list("id", "state", "channel", "attempts")[:batch]
        )
        interrupted = [row for row in rows if row[1] == NotificationState.SENDING]
        # A text that was being sent when its worker died may have gone out: never resend.
        lost_sms = [pk for pk, _s, channel, _a in interrupted if channel == Channel.SMS]
        # A message that keeps killing its worker must not stop the others for ever.
        crashing = [
            pk
            for pk, _s, channel, attempts in interrupted
            if channel != Channel.SMS and attempts >= MAX_ATTEMPTS
        ]
        for pks, error in [
            (lost_sms, "Sending was interrupted; the text is not sent again to avoid a duplicate."),
            (crashing, f"Sending was interrupted {MAX_ATTEMPTS} times; given up."),
        ]:
            if pks:
                Notification.objects.filter(pk__in=pks).update(
                    state=NotificationState.FAILED,
                    finished_at=now,
                    lease_expires_at=None,
                    last_error=error,
                )
        given_up = {*lost_sms, *crashing}
        ids = [row[0] for row in rows if row[0] not in given_up]
        Notification.objects.filter(pk__in=ids).update(
            state=NotificationState.SENDING,
            lease_expires_at=now + lease_length(),
            attempts=F("attempts") + 1,
        )
    return ids, len(given_up)


def _finish(pk: int, **values) -> bool:
    # Only the holder of the lease records a result; a cancel in between wins.
    return bool(
        Notification.objects.filter(pk=pk, state=NotificationState.SENDING).update(
            lease_expires_at=None, **values
        )
    )


def send_one(pk: int, mail_connection) -> str:
    """Send a claimed row and record the outcome: 'sent', 'retry', 'failed' or 'cancelled'."""
    from selvhjelp import channels

    notification = Notification.objects.select_related("centre").get(pk=pk)
    now = timezone.now()
    if notification.state != NotificationState.SENDING:
        return "cancelled"
    if notification.channel == Channel.SMS and outside_quiet_hours(now) != now:
        _finish(pk, state=NotificationState.PENDING, due_at=outside_quiet_hours(now))
        return "retry"
    try:
        rendered = render(notification)
        if rendered is None:
            _finish(pk, state=NotificationState.CANCELLED, finished_at=now)
            return "cancelled"
        provider_id = channels.send(notification, rendered, mail_connection)
    except TransientError as exc:
        if notification.attempts >= MAX_ATTEMPTS:
            return _fail(notification, f"Gave up after {notification.attempts} attempts: {exc}")
        _finish(
            pk,
            state=NotificationState.PENDING,
            due_at=now + backoff(notification.attempts),
            last_error=str(exc)[:500],
        )
        logger.warning("Notification %s (%s) will be retried", pk, notification.kind)
        return "retry"
    except (PermanentError, UncertainError) as exc:
        return _fail(notification, str(exc))
    except Exception as exc:
        # A bug (a template, a context) must not hold up the rest of the batch.
        logger.exception("Notification %s (%s) could not be rendered", pk, notification.kind)
        return _fail(notification, f"{type(exc).__name__}")
    _finish(
        pk,
        state=NotificationState.SENT,
        sent_at=timezone.now(),
        finished_at=timezone.now(),
        message_id=provider_id[:200],
        last_error="",
    )
    return "sent"


def _fail(notification: Notification, error: str) -> str:
    with transaction.atomic():
        failed = _finish(
            notification.pk,
            state=NotificationState.FAILED,
            finished_at=timezone.now(),
            last_error=error[:500],
        )
        if failed and notification.centre_id and notification.kind != FAILED_ALERT:
            _alert_failed(notification)
    logger.warning("Notification %s (%s) failed permanently", notification.pk, notification.kind)
    return "failed"


FAILED_ALERT = "core.failed_alert"


def staff_of(centre, *, digest: bool = False):
    """The centre's active staff who want its alerts (or its weekly digest) by e-mail."""
    from django.contrib.auth import get_user_model

    wants = {
        "staff_memberships__wants_digest" if digest else "staff_memberships__wants_alerts": True
    }
    return (
        get_user_model()
        .objects.filter(staff_memberships__centre=centre, is_active=True, **wants)
        .exclude(email="")
    )


def param_id(notification: Notification, name: str) -> int | None:
    """An id from a notification's params (None if missing or not an id)."""
    value = notification.params.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_staff_of(notification: Notification, centre_id: int) -> bool:
    """The message goes to a user who is (still) active staff of the centre."""
    from django.contrib.auth import get_user_model

    if notification.recipient_type != "auth.user" or not notification.recipient_id.isdigit():
        return False
    return (
        get_user_model()
        .objects.filter(
            pk=int(notification.recipient_id),
            is_active=True,
            staff_memberships__centre=centre_id,
        )
        .exists()
    )


def _alert_failed(notification: Notification) -> None:
    """Tell the centre's staff that a message could not be delivered (never about this kind
    itself, so a bad staff address cannot start a loop)."""
    centre = notification.centre
    for user in staff_of(centre):
        notify(
            FAILED_ALERT,
            recipient=Recipient(user.email, centre.default_language, user.first_name, ref=user),
            key=f"{FAILED_ALERT}:{notification.pk}:{user.pk}",
            centre=centre,
            params={"notification_id": notification.pk},
        )


def dispatch_due(*, batch: int = 50, time_budget: float = 50.0) -> DispatchReport:
    """Send everything due, batch by batch, for at most about `time_budget` seconds."""
    from selvhjelp import channels

    report = DispatchReport()
    started = monotonic_clock.monotonic()
    mail_connection = channels.email_connection()
    try:
        while monotonic_clock.monotonic() - started < time_budget:
            ids, lost = claim(batch, timezone.now())
            report.failed += lost
            if not ids:
                break
            for pk in ids:
                outcome = send_one(pk, mail_connection)
                setattr(report, outcome, getattr(report, outcome) + 1)
    finally:
        mail_connection.close()
    return report


# In-process mode (no broker) ------------------------------------------------------------

_inprocess_lock = threading.Lock()


def _dispatch_in_process() -> None:
    # One in-process dispatcher at a time; a busy one will pick up this message too.
    if not _inprocess_lock.acquire(blocking=False):
        return
    try:
        dispatch_due(time_budget=10)
    except Exception:
        logger.exception("In-process notification dispatch failed")
    finally:
        _inprocess_lock.release()


class InProcessTimer(threading.Thread):
    """Without a broker, sends messages that fall due later (reminders) from the web process."""

    def __init__(self, interval: float):
        super().__init__(name="outbox-timer", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self):
        from django.db import connections

        try:
            while not self.stopped.wait(self.interval):
                _dispatch_in_process()
        finally:
            connections.close_all()

    def stop(self):
        self.stopped.set()
        self.join()


_timer: InProcessTimer | None = None


def start_in_process_timer(interval: float = 30.0) -> InProcessTimer | None:
    """Start the timer once per process (None if it runs already or a broker is configured)."""
    global _timer
    if _timer is not None or settings.CELERY_BROKER_URL:
        return None
    _timer = InProcessTimer(interval)
    _timer.start()
    return _timer
