"""Every change to an application: one function per transition, each audited.

Views and other apps call these; nothing else writes `Application.status`.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.enums import TRANSITIONS, Gender, Source, Status
from intake.models import AREAS, Application, IntakeNote
from selvhjelp import audit, bitsets, outbox, registry
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
    Status.WAITING: {Status.RECEIVED, Status.IN_DIALOGUE, Status.NOT_SUITABLE},
    Status.NOT_SUITABLE: {Status.RECEIVED, Status.IN_DIALOGUE, Status.WAITING},
    Status.WITHDRAWN: {
        Status.RECEIVED,
        Status.IN_DIALOGUE,
        Status.WAITING,
        Status.OFFERED,
        Status.PLACED,
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


# Changes the applicant makes on their own page.


@transaction.atomic
def update_details(application, *, email, phone, availability, request=None):
    application.email = email
    application.phone = phone
    application.availability_mask = bitsets.to_mask(availability, bitsets.SLOTS)
    application.save(update_fields=["email", "phone", "availability_mask"])
    audit.record(
        "application.details_changed", request=request, centre=application.centre, obj=application
    )
    return application


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


# The applicant's data, everywhere (through the core registry).


def export_data(application, *, request=None) -> dict:
    audit.record(
        "application.exported", request=request, centre=application.centre, obj=application
    )
    return registry.export_personal_data(application)


@transaction.atomic
def erase(application, *, request=None, staff=None) -> None:
    """Remove everything personal about this person from every app, then the application."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    audit.record(
        "application.erased", request=request, actor=staff, centre=locked.centre, obj=locked
    )
    registry.erase_personal_data(locked)


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
            }
            for n in Notification.objects.to_recipient(application).order_by("due_at")
        ],
    }


def _erase_intake(application) -> None:
    Notification.objects.to_recipient(application).delete()
    Notification.objects.concerning(application).delete()
    application.notes.all().delete()
    application.delete()
