"""Every change to an application: one function per transition, each audited.

Views and other apps call these; nothing else writes `Application.status`.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.enums import TRANSITIONS, Gender, Source, Status
from intake.models import AREAS, Application, IntakeNote
from selvhjelp import audit, bitsets, outbox, registry
from selvhjelp.enums import Channel
from selvhjelp.models import Centre, Notification, Theme

POLICY_VERSION = "2026-11"  # the privacy notice applicants consent to (intake/privacy page)


class TransitionNotAllowed(Exception):
    """The application is not in a state where this can happen (someone got there first)."""

    def __init__(self, application: Application, to: str):
        self.current = application.status
        self.to = to
        super().__init__(f"{application.status} → {to}")

    @property
    def message(self) -> str:
        return _("This cannot be done now: the application is “%(status)s”.") % {
            "status": Status(self.current).label
        }


@dataclass
class ApplicationData:
    """What the form (or staff on the phone) collected; validated before it gets here."""

    centre: Centre
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: date
    availability: list[str]
    gender: str = Gender.UNSPECIFIED
    theme: Theme | None = None
    areas: list[str] = field(default_factory=list)
    about: str = ""
    language: str = "nb"
    reminder_channel: str = Channel.EMAIL


def _create(data: ApplicationData, **extra) -> Application:
    now = timezone.now()
    return Application.objects.create(
        centre=data.centre,
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone=data.phone,
        birth_date=data.birth_date,
        gender=data.gender or Gender.UNSPECIFIED,
        availability_mask=bitsets.to_mask(data.availability, bitsets.SLOTS),
        theme=data.theme,
        areas_mask=bitsets.to_mask(data.areas, AREAS),
        about=data.about,
        language=data.language,
        reminder_channel=data.reminder_channel,
        confirm_own_choice=True,
        confirm_weekly=True,
        confirm_commitment=True,
        consent_version=POLICY_VERSION,
        consent_at=now,
        applied_at=now,
        status_changed_at=now,
        **extra,
    )


def _send_receipt(application: Application) -> None:
    outbox.notify(
        "intake.receipt",
        recipient=outbox.Recipient(
            application.email, application.language, application.first_name, ref=application
        ),
        key=f"intake.receipt:{application.pk}",
        about=application,
        centre=application.centre,
        params={"application_id": application.pk},
    )


def submit_application(data: ApplicationData, *, submission_key: uuid.UUID, request=None):
    """A person applies on the website. Returns (application, created).

    The same form posted twice (a double click, a reloaded page) carries the same
    submission key and gives the first application back instead of a second one.
    """
    try:
        with transaction.atomic():
            application = _create(data, submission_key=submission_key, source=Source.WEB)
            audit.record(
                "application.submitted", request=request, centre=data.centre, obj=application
            )
            _send_receipt(application)
    except IntegrityError:
        existing = Application.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return application, True


@transaction.atomic
def register_application(data: ApplicationData, *, source: str, staff, request=None):
    """Staff register someone who phoned or came in and asked for a place themselves.

    The confirmations and the consent were given orally; who recorded them, and when, is
    kept on the application and in the audit log.
    """
    application = _create(data, source=source, registered_by=staff)
    audit.record(
        "application.registered",
        request=request,
        actor=staff,
        centre=data.centre,
        obj=application,
        source=source,
    )
    _send_receipt(application)
    return application


# What staff may do by hand on the application page; offers and places belong to the groups
# app (an offered application goes back to waiting only when its offer is declined or lapses).
STAFF_MOVES = {
    Status.IN_DIALOGUE: {Status.RECEIVED, Status.WAITING},
    Status.WAITING: {Status.RECEIVED, Status.IN_DIALOGUE, Status.NOT_SUITABLE, Status.INACTIVE},
    Status.NOT_SUITABLE: {Status.RECEIVED, Status.IN_DIALOGUE, Status.WAITING},
    Status.WITHDRAWN: {
        Status.RECEIVED,
        Status.IN_DIALOGUE,
        Status.WAITING,
        Status.OFFERED,
        Status.PLACED,
        Status.INACTIVE,
    },
}


def staff_moves(application: Application) -> list[str]:
    """The statuses staff can move this application to from its page, in workflow order."""
    return [to for to, sources in STAFF_MOVES.items() if application.status in sources]


def _transition(
    application: Application, to: str, *, actor=None, request=None, only_from=None, **fields
):
    """Move to `to` if allowed from the current status, under a row lock."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    allowed = to in TRANSITIONS[locked.status] and (only_from is None or locked.status in only_from)
    if not allowed:
        raise TransitionNotAllowed(locked, to)
    previous = locked.status
    if to == Status.WAITING:
        fields["still_waiting_asked_at"] = None  # a new waiting period: the question resets
    locked.status = to
    locked.status_changed_at = timezone.now()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", "status_changed_at", *fields])
    audit.record(
        f"application.{to}",
        request=request,
        actor=actor,
        centre=locked.centre,
        obj=locked,
        previous=previous,
    )
    application.status = locked.status
    application.status_changed_at = locked.status_changed_at
    for name, value in fields.items():
        setattr(application, name, value)
    return application


@transaction.atomic
def start_dialogue(application, *, staff, request=None):
    return _transition(
        application,
        Status.IN_DIALOGUE,
        actor=staff,
        request=request,
        only_from=STAFF_MOVES[Status.IN_DIALOGUE],
    )


@transaction.atomic
def mark_waiting(application, *, staff, request=None):
    """Ready for a group (after the intake conversation, or taken back from not suitable)."""
    return _transition(
        application,
        Status.WAITING,
        actor=staff,
        request=request,
        only_from=STAFF_MOVES[Status.WAITING],
        not_suitable_reason="",
    )


@transaction.atomic
def mark_not_suitable(application, *, staff, reason: str, request=None):
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required.")
    application = _transition(
        application,
        Status.NOT_SUITABLE,
        actor=staff,
        request=request,
        not_suitable_reason=reason[:300],
    )
    outbox.cancel_pending(recipient=application)
    return application


@transaction.atomic
def withdraw_application(application, *, request=None, staff=None):
    """The applicant withdraws (themselves, or staff record that they said so)."""
    application = _transition(application, Status.WITHDRAWN, actor=staff, request=request)
    outbox.cancel_pending(recipient=application)
    return application


# For the groups app: offers and places.


@transaction.atomic
def mark_offered(application, *, actor=None, request=None):
    return _transition(application, Status.OFFERED, actor=actor, request=request)


@transaction.atomic
def mark_placed(application, *, actor=None, request=None):
    return _transition(application, Status.PLACED, actor=actor, request=request)


@transaction.atomic
def return_to_waiting(application, *, actor=None, request=None):
    """An offer was declined or lapsed: back on the list with the original date."""
    return _transition(
        application, Status.WAITING, actor=actor, request=request, only_from={Status.OFFERED}
    )


# Waiting-list care: someone who has waited past the centre's limit is asked once whether
# they still want a place; with no answer within the limit again they are set aside.


def _ask_still_waiting(application: Application, now: datetime) -> bool:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != Status.WAITING or locked.still_waiting_asked_at is not None:
        return False  # answered, offered or asked in the meantime
    locked.still_waiting_asked_at = now
    locked.save(update_fields=["still_waiting_asked_at"])
    audit.record("application.asked_still_waiting", centre=locked.centre, obj=locked)
    outbox.notify(
        "intake.still_waiting",
        recipient=outbox.Recipient(locked.email, locked.language, locked.first_name, ref=locked),
        key=f"intake.still_waiting:{locked.pk}:{now:%Y%m%d}",
        about=locked,
        centre=locked.centre,
        channel=locked.reminder_channel,
        params={"application_id": locked.pk},
    )
    return True


def _weeks_before(now: datetime, weeks: int) -> datetime:
    """Whole weeks back on the Oslo wall clock (the same hour across a DST change)."""
    return timezone.localtime(now) - timedelta(weeks=weeks)


def waiting_too_long(centre: Centre, now: datetime):
    """Waiting applicants of the centre past its limit since they began waiting or last said
    yes (not yet asked)."""
    since = _weeks_before(now, centre.waiting_limit_weeks)
    return Application.objects.filter(
        centre=centre,
        status=Status.WAITING,
        status_changed_at__lte=since,
        still_waiting_asked_at__isnull=True,
    ).filter(Q(still_waiting_confirmed_at__isnull=True) | Q(still_waiting_confirmed_at__lte=since))


def care_for_waiting_list(now: datetime | None = None) -> dict[str, int]:
    """Ask, and set aside those who never answered. Daily, by beat; safe to run twice."""
    now = now or timezone.now()
    asked = set_aside = 0
    for centre in Centre.objects.filter(is_active=True):
        centre_asked = centre_set_aside = 0
        for application in waiting_too_long(centre, now).only("pk"):
            with transaction.atomic():
                centre_asked += _ask_still_waiting(application, now)
        unanswered = Application.objects.filter(
            centre=centre,
            status=Status.WAITING,
            still_waiting_asked_at__lte=_weeks_before(now, centre.waiting_limit_weeks),
        )
        for application in unanswered.only("pk", "status"):
            with transaction.atomic():
                try:
                    _transition(application, Status.INACTIVE, only_from={Status.WAITING})
                except TransitionNotAllowed:
                    continue
                centre_set_aside += 1
        if centre_asked or centre_set_aside:
            _tell_staff_about_waiting(centre, now, asked=centre_asked, set_aside=centre_set_aside)
        asked += centre_asked
        set_aside += centre_set_aside
    return {"asked": asked, "set_aside": set_aside}


def _tell_staff_about_waiting(centre: Centre, now: datetime, *, asked: int, set_aside: int):
    """Staff hear, once a day at most, who has now waited past the limit (counts only)."""
    for user in outbox.staff_of(centre):
        outbox.notify(
            "intake.staff_waiting",
            recipient=outbox.Recipient(
                user.email, centre.default_language, user.first_name, ref=user
            ),
            key=f"intake.staff_waiting:{centre.pk}:{user.pk}:{timezone.localdate(now):%Y%m%d}",
            centre=centre,
            params={"centre_id": centre.pk, "asked": asked, "set_aside": set_aside},
        )


@transaction.atomic
def confirm_still_waiting(application, *, request=None, staff=None):
    """'Yes, keep me': back on (or still on) the list; the next question comes after
    another full waiting limit."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status == Status.INACTIVE:
        _transition(locked, Status.WAITING, actor=staff, request=request)
    elif locked.status != Status.WAITING:
        raise TransitionNotAllowed(locked, Status.WAITING)
    locked.still_waiting_asked_at = None
    locked.still_waiting_confirmed_at = timezone.now()
    locked.save(update_fields=["still_waiting_asked_at", "still_waiting_confirmed_at"])
    audit.record(
        "application.still_waiting", request=request, actor=staff, centre=locked.centre, obj=locked
    )
    application.status = locked.status
    application.still_waiting_asked_at = None
    application.still_waiting_confirmed_at = locked.still_waiting_confirmed_at
    return application


# Changes the applicant makes on their own page.


@transaction.atomic
def update_details(application, *, email, phone, availability, reminder_channel=None, request=None):
    application.email = email
    application.phone = phone
    application.availability_mask = bitsets.to_mask(availability, bitsets.SLOTS)
    if reminder_channel is not None:
        application.reminder_channel = reminder_channel
    application.save(update_fields=["email", "phone", "availability_mask", "reminder_channel"])
    _readdress(application)
    audit.record(
        "application.details_changed", request=request, centre=application.centre, obj=application
    )
    return application


def _readdress(application) -> None:
    """Messages not sent yet follow the person's new address and name."""
    for channel, address in (
        (Channel.EMAIL, application.email),
        (Channel.SMS, str(application.phone) if application.phone else ""),
    ):
        if address:
            outbox.readdress(
                application, channel=channel, address=address, name=application.first_name
            )


# Fields staff may correct when the person says their application is wrong.
CORRECTABLE = {
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "gender",
    "availability_mask",
    "theme_id",
    "areas_mask",
    "about",
    "language",
}


@transaction.atomic
def correct_details(application, *, staff, request=None, **values) -> list[str]:
    """Staff correct what the person says is wrong on their application (the right to
    rectification). Returns the names of the fields that changed; the audit event names
    them, never their old or new values."""
    unknown = set(values) - CORRECTABLE
    if unknown:
        raise TypeError(f"Not correctable here: {sorted(unknown)}")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    changed = sorted(name for name, value in values.items() if getattr(locked, name) != value)
    if not changed:
        return []
    for name in changed:
        setattr(locked, name, values[name])
    locked.save(update_fields=changed)
    if {"email", "phone", "first_name"} & set(changed):
        _readdress(locked)
    audit.record(
        "application.corrected",
        request=request,
        actor=staff,
        centre=locked.centre,
        obj=locked,
        fields=changed,
    )
    return changed


@transaction.atomic
def add_note(application, *, staff, text: str, request=None) -> IntakeNote:
    note = IntakeNote.objects.create(application=application, author=staff, text=text.strip())
    audit.record(
        "application.note_added",
        request=request,
        actor=staff,
        centre=application.centre,
        obj=application,
    )
    return note


def record_sensitive_read(application, *, request) -> None:
    """Staff opened the parts of an application that are health data."""
    audit.record("application.viewed", request=request, centre=application.centre, obj=application)


def record_listed_by_area(applications, *, request) -> None:
    """Staff listed applications by an area people want to work on: each person shown has
    had that much of their health data read. Which area stays out of the log (it outlives
    the application)."""
    if applications:
        audit.record_each("application.listed_by_area", applications, request=request)


# The applicant's data, everywhere (through the core registry).


def export_data(application, *, request=None) -> dict:
    audit.record(
        "application.exported", request=request, centre=application.centre, obj=application
    )
    return registry.export_personal_data(application)


@transaction.atomic
def erase(application, *, request=None, staff=None, rule: str = "") -> None:
    """Remove everything personal about this person from every app, then the application.

    The applicant asks on their own page, staff on the application page (the person asked
    them), or the retention purge names its `rule`.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    detail = {"rule": rule} if rule else {}
    audit.record(
        "application.erased",
        request=request,
        actor=staff,
        centre=locked.centre,
        obj=locked,
        **detail,
    )
    registry.erase_personal_data(locked)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _export_intake(application) -> dict:
    return {
        "application": {
            "centre": application.centre.name,
            "status": application.status,
            "applied_at": application.applied_at.isoformat(),
            "source": application.source,
            "first_name": application.first_name,
            "last_name": application.last_name,
            "email": application.email,
            "phone": application.phone.as_e164 if application.phone else "",
            "birth_date": application.birth_date.isoformat(),
            "gender": application.gender,
            "availability": application.availability,
            "theme": application.theme.slug if application.theme else "mixed",
            "areas": application.areas,
            "about": application.about,
            "language": application.language,
            "consent_version": application.consent_version,
            "consent_at": application.consent_at.isoformat(),
            "confirm_own_choice": application.confirm_own_choice,
            "confirm_weekly": application.confirm_weekly,
            "confirm_commitment": application.confirm_commitment,
            "status_changed_at": application.status_changed_at.isoformat(),
            "not_suitable_reason": application.not_suitable_reason,
            "reminder_channel": application.reminder_channel,
            "still_waiting_asked_at": _iso(application.still_waiting_asked_at),
            "still_waiting_confirmed_at": _iso(application.still_waiting_confirmed_at),
        },
        "intake_notes": [
            {"written": note.created_at.isoformat(), "text": note.text}
            for note in application.notes.all()
        ],
        "messages": [
            {
                "kind": n.kind,
                "channel": n.channel,
                "to": n.to_address,
                "due": n.due_at.isoformat(),
                "state": n.state,
                "sent": _iso(n.sent_at),
            }
            for n in Notification.objects.to_recipient(application).order_by("due_at")
        ],
    }


def _erase_intake(application) -> None:
    Notification.objects.to_recipient(application).delete()
    Notification.objects.concerning(application).delete()
    application.notes.all().delete()
    application.delete()
