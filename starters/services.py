"""Every change to starters, assignments and bookings: one function per transition.

A starter is never booked into two overlapping meetings, in any group: every function that
books takes the starter's row lock first and checks their active bookings under it; on
PostgreSQL an exclusion constraint (migrations/0002) refuses what would slip past. Locks are
taken in one order, group before starter, so two services never wait on each other.

Meetings belong to groups, which may not import starters: groups sends signals
(groups/signals.py) and starters/receivers.py calls the `follow_*` functions here, inside
the transaction of the change.
"""

import dataclasses
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import to_python as to_phone

from groups.enums import GroupStatus, MeetingStatus
from groups.models import Group, Meeting
from selvhjelp import audit, bitsets, outbox
from selvhjelp.enums import Language
from selvhjelp.models import Centre
from starters.enums import AssignmentStatus
from starters.models import MAX_GROUPS_AT_ONCE, Assignment, Booking, Starter, new_calendar_token

OSLO = outbox.OSLO
REMINDER_DAYS_BEFORE = 3
REMINDER_AT = time(8, 0)  # local wall clock, for both reminders
COVERAGE_WEEKS = 8
SHORT_ALERT_DAYS = 14  # staff hear about a group still short this long before it starts


class StarterError(Exception):
    """A rule stopped the change; str(error) says why in the user's language."""

    message = _("This cannot be done.")

    def __init__(self, message=None, **params):
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


class DoubleBooked(StarterError):
    """The starter is booked elsewhere at that time; the group is named only in one centre."""

    message = _("%(starter)s is already booked with the group “%(group)s” at %(when)s.")


class DoubleBookedElsewhere(DoubleBooked):
    message = _("%(starter)s is already booked with another group at %(when)s.")


class NotOpen(StarterError):
    message = _("This assignment is no longer waiting for an answer.")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment, OSLO).strftime("%d.%m.%Y %H:%M")


def _staff_users(centre: Centre):
    """Staff of the centre who want alerts by e-mail (one membership row matches both)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_memberships__centre=centre,
            staff_memberships__wants_alerts=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def _recipient(starter: Starter) -> outbox.Recipient:
    return outbox.Recipient(
        starter.user.email, starter.language, starter.user.first_name, ref=starter
    )


# Which meetings a starter attends ---------------------------------------------------------


def meetings_to_attend(group: Group, meetings: list[Meeting] | None = None) -> list[Meeting]:
    """The centre's policy: the first `starter_opening_meetings` planned meetings by index
    (the opening meeting first), plus the planned follow-up meeting. In time order.

    `meetings`, when given, are all the group's meetings already loaded (the group page has
    them): the choice is then made from them without a query."""
    centre = group.centre
    if meetings is not None:
        planned = sorted(
            (m for m in meetings if m.status == MeetingStatus.PLANNED), key=lambda m: m.index
        )
        first = planned[: centre.starter_opening_meetings]
        chosen = {m.pk for m in first}
        followup = next((m for m in planned if m.is_followup and m.pk not in chosen), None)
    else:
        planned = group.meetings.planned().select_related("room__centre", "group")
        first = list(planned.order_by("index")[: centre.starter_opening_meetings])
        followup = planned.filter(is_followup=True).exclude(pk__in=[m.pk for m in first]).first()
    attended = first + ([followup] if followup else [])
    return sorted(attended, key=lambda m: m.starts_at)


def _ahead(meetings: list[Meeting]) -> list[Meeting]:
    """Only meetings not yet started: nobody is booked into the past."""
    now = timezone.now()
    return [m for m in meetings if m.starts_at > now]


def _clash(starter_id: int, slots: list[tuple[datetime, datetime]], *, ignore=()):
    """The first active booking of the starter that overlaps any of the slots, or None."""
    if not slots:
        return None
    first, last = min(s for s, _ in slots), max(e for _, e in slots)
    taken = list(
        Booking.objects.active()
        .filter(starter_id=starter_id, starts_at__lt=last, ends_at__gt=first)
        .exclude(pk__in=list(ignore))
        .select_related("meeting__group")
        .order_by("starts_at")
    )
    for start, end in sorted(slots):
        for booking in taken:
            if booking.starts_at < end and start < booking.ends_at:
                return booking
    return None


def _refuse_clash(starter: Starter, booking: Booking, centre_id: int) -> None:
    group = booking.meeting.group
    when = _when(booking.starts_at)
    if group.centre_id == centre_id:
        raise DoubleBooked(starter=starter.name, group=group.name, when=when)
    raise DoubleBookedElsewhere(starter=starter.name, when=when)


def _book(assignment: Assignment, meetings: list[Meeting]) -> list[Booking]:
    """Create the bookings (the caller holds the starter's lock and checked for clashes)."""
    if not meetings:
        return []
    try:
        with transaction.atomic():
            bookings = Booking.objects.bulk_create(
                Booking.of(assignment, meeting) for meeting in meetings
            )
    except IntegrityError as error:
        # Only reachable if someone booked without the lock: the database said no.
        raise StarterError(
            _("%(starter)s is already booked at one of these times."),
            starter=assignment.starter.name,
        ) from error
    for booking, meeting in zip(bookings, meetings, strict=True):
        booking.meeting = meeting
        _queue_reminders(booking, assignment.starter)
    return bookings


def _unbook(bookings) -> int:
    """Deactivate bookings and stop their messages not yet sent."""
    pks = [b.pk for b in bookings]
    for booking in bookings:
        outbox.cancel_pending(about=booking)
    return Booking.objects.filter(pk__in=pks, is_active=True).update(is_active=False)


# Reminders ---------------------------------------------------------------------------------


def reminder_times(starts_at: datetime) -> dict[str, datetime]:
    """08:00 local three days before and on the morning of the meeting (the wall clock stays
    08:00 across daylight-saving changes). A morning reminder is left out if the meeting
    starts before it."""
    day = timezone.localtime(starts_at, OSLO).date()
    times = {
        "before": datetime.combine(day - timedelta(days=REMINDER_DAYS_BEFORE), REMINDER_AT, OSLO),
        "morning": datetime.combine(day, REMINDER_AT, OSLO),
    }
    return {which: due for which, due in times.items() if due < starts_at}


def _queue_reminders(booking: Booking, starter: Starter) -> None:
    meeting = booking.meeting
    now = timezone.now()
    for which, due in reminder_times(meeting.starts_at).items():
        if due <= now:
            continue
        outbox.notify(
            "starters.reminder",
            recipient=_recipient(starter),
            key=f"starters.reminder:{booking.pk}:s{meeting.sequence}:{which}",
            due_at=due,
            about=booking,
            centre=meeting.group.centre,
            params={"booking_id": booking.pk, "sequence": meeting.sequence, "which": which},
        )


# Starter profiles -------------------------------------------------------------------------


def _check_profile(*, availability=None, max_groups=None, language=None, phone=None):
    if availability is not None and not set(availability) <= set(bitsets.SLOTS):
        raise StarterError(_("Choose when the starter can come from the list."))
    if max_groups is not None and not 1 <= int(max_groups) <= MAX_GROUPS_AT_ONCE:
        raise StarterError(
            _("A starter takes between 1 and %(max)s groups at once."), max=MAX_GROUPS_AT_ONCE
        )
    if language is not None and language not in Language.values:
        raise StarterError(_("Choose Norwegian or English."))
    if phone:
        number = to_phone(phone)
        if number is None or not number.is_valid():
            raise StarterError(_("Enter a valid mobile number, for example 412 34 567."))


def _shared_centre(starter: Starter, staff) -> Centre:
    """The staff user's centre that the starter belongs to (the audit event's centre)."""
    centre = Centre.objects.for_staff(staff).filter(starters=starter).order_by("pk").first()
    if centre is None:
        raise StarterError(_("This starter does not belong to your centre."))
    return centre


def _invite(starter: Starter, centre: Centre, *, added: bool, again: bool = False) -> None:
    key = f"starters.invitation:{starter.pk}:{centre.pk}"
    if again:
        key += f":{timezone.now():%Y%m%d%H%M%S%f}"
    outbox.notify(
        "starters.invitation",
        recipient=_recipient(starter),
        key=key,
        about=starter,
        centre=centre,
        params={
            "starter_id": starter.pk,
            "centre_id": centre.pk,
            "added": added,
            "new_password": again,
        },
    )


@transaction.atomic
def invite_starter(
    centre: Centre,
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    availability=(),
    max_groups: int = 1,
    note: str = "",
    language: str = "nb",
    staff,
    request=None,
) -> Starter:
    """A new starter: an account without a password and a profile at the centre. The
    invitation carries a link where they choose their own password (made when it is sent).

    An address that already belongs to a starter adds them to this centre; one that belongs
    to staff or anyone else is refused, so no account changes what it may do by accident.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise StarterError(_("Enter the starter's e-mail address."))
    _check_profile(availability=availability, max_groups=max_groups, language=language, phone=phone)
    user = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()
    if user is not None:
        starter = Starter.objects.filter(user=user).first()
        if starter is None or user.is_staff or user.is_superuser or user.staff_memberships.exists():
            raise StarterError(
                _(
                    "The e-mail address %(email)s belongs to an account that is not a "
                    "starter. Use another address, or ask an administrator."
                ),
                email=email,
            )
        if starter.centres.filter(pk=centre.pk).exists():
            raise StarterError(
                _("%(name)s is already a starter at this centre."), name=starter.name
            )
        starter.centres.add(centre)
        audit.record("starter.added", request=request, actor=staff, centre=centre, obj=starter)
        _invite(starter, centre, added=True)
        return starter
    user = User(
        username=email, email=email, first_name=first_name.strip(), last_name=last_name.strip()
    )
    user.set_unusable_password()
    user.save()
    starter = Starter.objects.create(
        user=user,
        phone=phone,
        availability_mask=bitsets.to_mask(availability, bitsets.SLOTS),
        max_groups=max_groups,
        note=note.strip()[:300],
        language=language,
        invited_at=timezone.now(),
    )
    starter.centres.add(centre)
    audit.record("starter.invited", request=request, actor=staff, centre=centre, obj=starter)
    _invite(starter, centre, added=False)
    return starter


@transaction.atomic
def resend_invitation(starter: Starter, *, staff, request=None) -> Starter:
    """A new link to choose a password (the first one was lost, expired or the password
    forgotten). The link is made when the message is sent and works once."""
    starter = Starter.objects.select_related("user").get(pk=starter.pk)
    centre = _shared_centre(starter, staff)
    if not starter.user.is_active:
        raise StarterError(_("This account is closed. Ask an administrator."))
    outbox.cancel_pending(about=starter)  # an older invitation not yet sent is not needed
    _invite(starter, centre, added=False, again=True)
    audit.record("starter.invited_again", request=request, actor=staff, centre=centre, obj=starter)
    return starter


PROFILE_FIELDS = {"phone", "availability", "max_groups", "note", "language"}
USER_FIELDS = {"first_name", "last_name", "email"}


@transaction.atomic
def update_starter(starter: Starter, *, staff, request=None, **fields) -> Starter:
    """Change the profile: first_name, last_name, email, phone, availability (slots),
    max_groups, note, language. Only what changed is saved and named in the audit log."""
    unknown = set(fields) - PROFILE_FIELDS - USER_FIELDS
    if unknown:
        raise TypeError(f"update_starter() got unknown fields: {sorted(unknown)}")
    starter = (
        Starter.objects.select_for_update(of=("self",)).select_related("user").get(pk=starter.pk)
    )
    centre = _shared_centre(starter, staff)
    _check_profile(
        availability=fields.get("availability"),
        max_groups=fields.get("max_groups"),
        language=fields.get("language"),
        phone=fields.get("phone"),
    )
    user = starter.user
    old_email = user.email
    changed_user, changed_profile = [], []
    for name in USER_FIELDS & set(fields):
        value = fields[name].strip()
        if name == "email":
            value = get_user_model().objects.normalize_email(value).lower()
            if not value:
                raise StarterError(_("Enter the starter's e-mail address."))
            taken = get_user_model().objects.filter(email__iexact=value).exclude(pk=user.pk)
            if taken.exists():
                raise StarterError(
                    _("The e-mail address %(email)s belongs to another account."), email=value
                )
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed_user.append(name)
    for name in PROFILE_FIELDS & set(fields):
        value = fields[name]
        if name == "availability":
            name, value = "availability_mask", bitsets.to_mask(value, bitsets.SLOTS)
        elif name == "note":
            value = value.strip()[:300]
        elif name == "max_groups":
            value = int(value)
        if getattr(starter, name) != value:
            setattr(starter, name, value)
            changed_profile.append(name)
    if "email" in changed_user and user.username.casefold() == old_email.casefold():
        # The user name was the address it was invited with: it follows the address.
        taken = get_user_model().objects.filter(username__iexact=user.email).exclude(pk=user.pk)
        if taken.exists():
            raise StarterError(
                _("The e-mail address %(email)s belongs to another account."), email=user.email
            )
        user.username = user.email
        changed_user.append("username")
    if changed_user:
        user.save(update_fields=sorted(changed_user))
    if changed_profile:
        starter.save(update_fields=sorted(changed_profile))
    if changed_user or changed_profile:
        audit.record(
            "starter.changed",
            request=request,
            actor=staff,
            centre=centre,
            obj=starter,
            fields=sorted(changed_user + changed_profile),
        )
    return starter


@transaction.atomic
def set_active(starter: Starter, active: bool, *, staff, request=None) -> Starter:
    """Active or resting. A resting starter gets no new groups but keeps the ones they have."""
    starter = (
        Starter.objects.select_for_update(of=("self",)).select_related("user").get(pk=starter.pk)
    )
    centre = _shared_centre(starter, staff)
    if starter.is_active != active:
        starter.is_active = active
        starter.save(update_fields=["is_active"])
        audit.record(
            "starter.activated" if active else "starter.rested",
            request=request,
            actor=staff,
            centre=centre,
            obj=starter,
        )
    return starter


@transaction.atomic
def reset_calendar_token(starter: Starter, *, request=None) -> Starter:
    """A new private feed address; the old one stops working at once."""
    starter = (
        Starter.objects.select_for_update(of=("self",)).select_related("user").get(pk=starter.pk)
    )
    starter.calendar_token = new_calendar_token()
    starter.save(update_fields=["calendar_token"])
    actor = request.user if request is not None and request.user.is_authenticated else None
    audit.record(
        "starter.calendar_reset", request=request, actor=actor or starter.user, obj=starter
    )
    return starter


# Suggestions -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Suggestion:
    starter: Starter
    available: bool  # can usually come at the group's weekday and time of day
    load: int  # groups they are still booked for (pending or accepted)
    max_groups: int
    experience: int  # groups they said yes to that started before this one
    clash: str | None  # booked elsewhere at one of the meetings, or None

    @property
    def has_room(self) -> bool:
        return self.load < self.max_groups

    @property
    def fits(self) -> bool:
        return self.available and self.clash is None and self.has_room


def _count(queryset, field: str = "starter") -> Coalesce:
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _current_load(now):
    """Holding assignments the starter still has a coming meeting for."""
    return _count(
        Assignment.objects.holding().filter(
            Exists(Booking.objects.active().filter(assignment=OuterRef("pk"), ends_at__gt=now))
        )
    )


def _experience(before):
    return _count(
        Assignment.objects.filter(group__start_date__lt=before).filter(
            Q(status=AssignmentStatus.ACCEPTED)
            | Q(status=AssignmentStatus.RELEASED, answered_at__isnull=False)
        )
    )


def _clash_label(booking: Booking, centre_id: int) -> str:
    group = booking.meeting.group
    when = _when(booking.starts_at)
    if group.centre_id == centre_id:
        return gettext("“%(group)s” at %(when)s") % {"group": group.name, "when": when}
    return gettext("another group at %(when)s") % {"when": when}


def centre_starters(group: Group) -> list[Starter]:
    """The active starters of the group's centre in name order, each with `load`,
    `experience` and `asked` (holds, or has declined, an assignment in this group). One
    query."""
    asked = Assignment.objects.filter(group=group, starter=OuterRef("pk")).filter(
        Q(status__in=AssignmentStatus.holding()) | Q(status=AssignmentStatus.DECLINED)
    )
    return list(
        Starter.objects.active()
        .for_centre(group.centre_id)
        .select_related("user")
        .annotate(
            load=_current_load(timezone.now()),
            experience=_experience(group.start_date),
            asked=Exists(asked),
        )
        .order_by("user__first_name", "user__last_name", "pk")
    )


def suggest_starters(
    group: Group,
    *,
    limit: int = 5,
    meetings: list[Meeting] | None = None,
    starters: list[Starter] | None = None,
) -> list[Suggestion]:
    """Active starters of the group's centre, best first: available at the group's slot, no
    clash with the meetings they would attend, room for another group, lower load, more
    experience. Starters holding or having declined an assignment in the group are left
    out. At most five queries, however many starters and bookings there are: none for the
    meetings when the caller passes the group's meetings (see meetings_to_attend), none for
    the starters when it passes centre_starters(group) (the group page needs them twice)."""
    if not Group.centre.is_cached(group):
        group = Group.objects.select_related("centre").get(pk=group.pk)
    meetings = _ahead(meetings_to_attend(group, meetings))
    bit = 1 << bitsets.SLOTS.index(bitsets.slot_at(group.weekday, group.start_time))
    if starters is None:
        starters = centre_starters(group)
    candidates = [s for s in starters if not s.asked]
    clashes: dict[int, Booking] = {}
    if meetings and candidates:
        taken = (
            Booking.objects.active()
            .filter(
                starter__in=[s.pk for s in candidates],
                starts_at__lt=max(m.ends_at for m in meetings),
                ends_at__gt=min(m.starts_at for m in meetings),
            )
            .select_related("meeting__group")
            .order_by("starts_at")
        )
        for booking in taken:
            if booking.starter_id in clashes:
                continue
            overlaps = (
                m.starts_at < booking.ends_at and booking.starts_at < m.ends_at for m in meetings
            )
            if any(overlaps):
                clashes[booking.starter_id] = booking
    suggestions = [
        Suggestion(
            starter=s,
            available=bool(s.availability_mask & bit),
            load=s.load,
            max_groups=s.max_groups,
            experience=s.experience,
            clash=_clash_label(clashes[s.pk], group.centre_id) if s.pk in clashes else None,
        )
        for s in candidates
    ]
    suggestions.sort(
        key=lambda s: (
            not s.available,
            s.clash is not None,
            not s.has_room,
            s.load,
            -s.experience,
            s.starter.name.casefold(),
            s.starter.pk,
        )
    )
    return suggestions[:limit]


# Assignments ------------------------------------------------------------------------------


def _holding_count(group: Group) -> int:
    return group.starter_assignments.holding().count()


@transaction.atomic
def assign_starter(
    group: Group, starter: Starter, *, staff, request=None, replaces: Assignment | None = None
) -> Assignment:
    """Ask a starter to open a group; they are booked into the meetings they would attend
    (those not yet started) and get a message with a calendar file."""
    group = Group.objects.select_for_update(of=("self",)).select_related("centre").get(pk=group.pk)
    starter = (
        Starter.objects.select_for_update(of=("self",)).select_related("user").get(pk=starter.pk)
    )
    centre = group.centre
    if group.status == GroupStatus.ENDED:
        raise StarterError(_("The group has ended."))
    if not starter.centres.filter(pk=centre.pk).exists():
        raise StarterError(_("%(name)s is not a starter at this centre."), name=starter.name)
    if not (starter.is_active and starter.user.is_active):
        raise StarterError(
            _("%(name)s is resting and gets no new groups just now."), name=starter.name
        )
    if group.starter_assignments.holding().filter(starter=starter).exists():
        raise StarterError(_("%(name)s is already asked to open this group."), name=starter.name)
    if replaces is not None:
        replaces = Assignment.objects.select_for_update().get(pk=replaces.pk)
        if replaces.group_id != group.pk or replaces.status in AssignmentStatus.holding():
            raise StarterError(_("Only a declined or released starter can be replaced."))
        if replaces.replaced_by.exists():
            raise StarterError(_("This starter has already been replaced."))
    needed = centre.starters_per_group
    if not needed:
        raise StarterError(_("This centre's groups start without starters."))
    if _holding_count(group) >= needed:
        raise StarterError(
            ngettext(
                "The group already has the %(count)s starter the centre's policy asks for.",
                "The group already has the %(count)s starters the centre's policy asks for.",
                needed,
            ),
            count=needed,
        )
    meetings = _ahead(meetings_to_attend(group))
    clash = _clash(starter.pk, [(m.starts_at, m.ends_at) for m in meetings])
    if clash is not None:
        _refuse_clash(starter, clash, centre.pk)
    assignment = Assignment.objects.create(
        starter=starter, group=group, created_by=staff, replaces=replaces
    )
    _book(assignment, meetings)
    audit.record(
        "assignment.replacement" if replaces else "assignment.created",
        request=request,
        actor=staff,
        centre=centre,
        obj=assignment,
        starter=starter.pk,
    )
    outbox.notify(
        "starters.assignment",
        recipient=_recipient(starter),
        key=f"starters.assignment:{assignment.pk}",
        about=assignment,
        centre=centre,
        params={"assignment_id": assignment.pk},
    )
    return assignment


# Locks name only their own row (of=self): a join would also lock the centre's row and make
# every assignment in the centre wait for each other.
def _lock_assignment(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("starter__user", "group__centre")
        .get(pk=assignment.pk)
    )


def _own(assignment: Assignment, user) -> None:
    if assignment.starter.user_id != getattr(user, "pk", None):
        raise StarterError(_("This assignment is for another starter."))


@transaction.atomic
def accept_assignment(assignment: Assignment, *, user, request=None) -> Assignment:
    assignment = _lock_assignment(assignment)
    _own(assignment, user)
    if assignment.status == AssignmentStatus.ACCEPTED:
        return assignment
    if assignment.status != AssignmentStatus.PENDING:
        raise NotOpen
    assignment.status, assignment.answered_at = AssignmentStatus.ACCEPTED, timezone.now()
    assignment.save(update_fields=["status", "answered_at"])
    audit.record(
        "assignment.accepted",
        request=request,
        actor=user,
        centre=assignment.group.centre,
        obj=assignment,
    )
    return assignment


@transaction.atomic
def decline_assignment(assignment: Assignment, *, user, request=None) -> Assignment:
    """The starter says no: their bookings are released and staff hear of it, with the next
    best starter named."""
    assignment = _lock_assignment(assignment)
    _own(assignment, user)
    if assignment.status == AssignmentStatus.DECLINED:
        return assignment
    if assignment.status != AssignmentStatus.PENDING:
        raise NotOpen
    assignment.status, assignment.answered_at = AssignmentStatus.DECLINED, timezone.now()
    assignment.save(update_fields=["status", "answered_at"])
    _unbook(list(assignment.bookings.active()))
    outbox.cancel_pending(about=assignment)
    group = assignment.group
    audit.record(
        "assignment.declined", request=request, actor=user, centre=group.centre, obj=assignment
    )
    _alert_staff(group, "declined", key=str(assignment.pk), assignment_id=assignment.pk)
    return assignment


@transaction.atomic
def release_assignment(assignment: Assignment, *, staff, request=None) -> Assignment:
    """Staff take the starter off the group: they keep the meetings already started and
    lose the coming ones."""
    assignment = _lock_assignment(assignment)
    if assignment.status not in AssignmentStatus.holding():
        raise StarterError(_("This starter no longer holds the group."))
    _release(assignment)
    audit.record(
        "assignment.released",
        request=request,
        actor=staff,
        centre=assignment.group.centre,
        obj=assignment,
    )
    return assignment


def _release(assignment: Assignment) -> None:
    assignment.status, assignment.released_at = AssignmentStatus.RELEASED, timezone.now()
    assignment.save(update_fields=["status", "released_at"])
    _unbook(list(assignment.bookings.active().filter(starts_at__gt=timezone.now())))
    outbox.cancel_pending(about=assignment)


@transaction.atomic
def replace_starter(
    assignment: Assignment, new_starter: Starter, *, staff, request=None
) -> Assignment:
    """Another starter takes over: the old one keeps past meetings and loses the coming
    ones, the new one is booked into the coming ones. Works on a declined assignment too."""
    Group.objects.select_for_update().get(pk=assignment.group_id)  # group before starter
    old = _lock_assignment(assignment)
    if old.starter_id == new_starter.pk:
        raise StarterError(_("Choose another starter."))
    if old.status in AssignmentStatus.holding():
        _release(old)
        audit.record(
            "assignment.released", request=request, actor=staff, centre=old.group.centre, obj=old
        )
    return assign_starter(old.group, new_starter, staff=staff, request=request, replaces=old)


# Staff alerts -----------------------------------------------------------------------------


def _alert_staff(group: Group, alert: str, *, key: str, **params) -> None:
    for user in _staff_users(group.centre):
        outbox.notify(
            "starters.staff_alert",
            recipient=outbox.Recipient(
                user.email, group.centre.default_language, user.first_name, ref=user
            ),
            key=f"starters.staff_alert:{alert}:{key}:{user.pk}",
            about=group,
            centre=group.centre,
            params={"alert": alert, "group_id": group.pk, **params},
        )


def _alert_clash(assignment: Assignment, meeting: Meeting) -> None:
    """Once per assignment and meeting time: the starter is booked elsewhere then."""
    _alert_staff(
        meeting.group,
        "clash",
        key=f"{assignment.pk}:{meeting.pk}:s{meeting.sequence}",
        assignment_id=assignment.pk,
        meeting_id=meeting.pk,
    )


def _short_groups(queryset):
    return queryset.annotate(
        starters_holding=_count(Assignment.objects.holding(), field="group")
    ).filter(starters_holding__lt=F("centre__starters_per_group"))


def alert_short_groups(today) -> int:
    """Staff hear once about each forming group starting within two weeks that still has
    fewer starters than its centre's policy. Returns how many groups they heard about."""
    soon = Group.objects.forming().filter(
        start_date__gte=today, start_date__lte=today + timedelta(days=SHORT_ALERT_DAYS)
    )
    alerted = 0
    for group in _short_groups(soon).select_related("centre").order_by("pk"):
        with transaction.atomic():
            _alert_staff(group, "short", key=str(group.pk))
        alerted += 1
    return alerted


# Coverage for staff pages -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ShortGroup:
    group: Group
    holding: int  # starters asked or said yes
    needed: int  # the centre's policy


@dataclasses.dataclass(frozen=True)
class StarterLoad:
    starter: Starter
    bookings: int  # meetings booked in the coming weeks
    groups: int  # groups those meetings belong to


def coverage(centre: Centre, *, today) -> dict:
    """Where starters are missing, and how busy each starter is. Three queries.

    - `short_groups`: groups not ended that still have meetings for starters ahead (or are
      forming) and fewer starters holding them than the policy number, by start date;
    - `open_declines`: declined assignments in those groups nobody has replaced yet;
    - `starters`: every starter of the centre with their active bookings from `today` for
      `weeks` weeks (in any centre: it is their load).
    """
    start = datetime.combine(today, time(0, 0), OSLO)
    until = start + timedelta(weeks=COVERAGE_WEEKS)
    needed = centre.starters_per_group
    short = []
    if needed:
        planned = Meeting.objects.planned().filter(group=OuterRef("pk"))
        groups = (
            Group.objects.for_centre(centre)
            .exclude(status=GroupStatus.ENDED)
            .annotate(
                starters_holding=_count(Assignment.objects.holding(), field="group"),
                held=_count(Meeting.objects.planned().filter(starts_at__lt=start), field="group"),
                followup_ahead=Exists(planned.filter(is_followup=True, starts_at__gte=start)),
            )
            .filter(starters_holding__lt=needed)
            .filter(
                Q(status=GroupStatus.FORMING, start_date__gte=today)
                | Q(held__lt=centre.starter_opening_meetings)
                | Q(followup_ahead=True)
            )
            .select_related("room")
            .order_by("start_date", "name")
        )
        short = [ShortGroup(g, g.starters_holding, needed) for g in groups]
    declines = []
    if short:
        declines = list(
            Assignment.objects.filter(
                group__in=[s.group.pk for s in short], status=AssignmentStatus.DECLINED
            )
            .filter(~Exists(Assignment.objects.filter(replaces=OuterRef("pk"))))
            .select_related("starter__user", "group")
            .order_by("answered_at", "pk")
        )
    window = Booking.objects.active().filter(starts_at__gte=start, starts_at__lt=until)
    starters = (
        Starter.objects.for_centre(centre)
        .select_related("user")
        .annotate(
            bookings_ahead=_count(window),
            groups_ahead=Coalesce(
                Subquery(
                    window.filter(starter=OuterRef("pk"))
                    .order_by()
                    .values("starter")
                    .annotate(n=Count("meeting__group", distinct=True))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .order_by("user__first_name", "user__last_name", "pk")
    )
    return {
        "short_groups": short,
        "open_declines": declines,
        "starters": [StarterLoad(s, s.bookings_ahead, s.groups_ahead) for s in starters],
        "weeks": COVERAGE_WEEKS,
        "needed": needed,
    }


# Keeping bookings true when meetings change (called by starters/receivers.py) ----------------


def _tell_starter(booking: Booking, change: str, *, key: str, **params) -> None:
    starter = booking.starter
    outbox.notify(
        "starters.meeting_changed",
        recipient=_recipient(starter),
        key=f"starters.meeting_changed:{change}:{key}",
        about=booking,
        centre=booking.meeting.group.centre,
        params={"change": change, "booking_id": booking.pk, **params},
    )


def _lock_starters(pks) -> None:
    list(Starter.objects.select_for_update().filter(pk__in=sorted(set(pks))).order_by("pk"))


def follow_meeting_moved(meeting: Meeting) -> None:
    """The starters' bookings take the meeting's new time; a starter booked elsewhere at the
    new time loses this one booking (and staff hear of it). Old reminders make way for new."""
    meeting = Meeting.objects.select_related("group__centre", "room__centre").get(pk=meeting.pk)
    bookings = list(
        Booking.objects.active()
        .filter(meeting=meeting)
        .select_related("starter__user", "assignment")
        .order_by("starter_id")
    )
    _lock_starters(b.starter_id for b in bookings)
    for booking in bookings:
        booking.meeting = meeting
        outbox.cancel_pending(about=booking)
        clash = _clash(
            booking.starter_id, [(meeting.starts_at, meeting.ends_at)], ignore=[booking.pk]
        )
        if clash is not None:
            Booking.objects.filter(pk=booking.pk).update(is_active=False)
            _alert_clash(booking.assignment, meeting)
            _tell_starter(booking, "moved", key=f"{booking.pk}:s{meeting.sequence}", released=True)
            continue
        booking.starts_at, booking.ends_at = meeting.starts_at, meeting.ends_at
        booking.save(update_fields=["starts_at", "ends_at"])
        if booking.assignment.status in AssignmentStatus.holding():
            _queue_reminders(booking, booking.starter)
        _tell_starter(booking, "moved", key=f"{booking.pk}:s{meeting.sequence}", released=False)
    follow_policy(meeting.group)


def follow_meeting_cancelled(meeting: Meeting) -> None:
    """Bookings of a cancelled meeting end; the starter is told, nothing more is sent for it.
    Another meeting may take its place in the policy (the next one, a new follow-up)."""
    meeting = Meeting.objects.select_related("group__centre").get(pk=meeting.pk)
    bookings = list(
        Booking.objects.active().filter(meeting=meeting).select_related("starter__user")
    )
    _unbook(bookings)
    for booking in bookings:
        booking.meeting = meeting
        _tell_starter(booking, "cancelled", key=f"{booking.pk}:s{meeting.sequence}")
    follow_policy(meeting.group)


def follow_policy(group: Group) -> None:
    """Each starter holding the group is booked into exactly the coming meetings the policy
    asks for (after a new pattern, a moved follow-up, a cancelled opening meeting). A
    meeting that clashes with another booking is left out and staff hear of it."""
    group = Group.objects.select_related("centre").get(pk=group.pk)
    assignments = list(
        group.starter_assignments.holding().select_related("starter__user").order_by("starter_id")
    )
    if not assignments:
        return
    _lock_starters(a.starter_id for a in assignments)
    wanted = _ahead(meetings_to_attend(group))
    now = timezone.now()
    for assignment in assignments:
        current = list(
            assignment.bookings.active().filter(starts_at__gt=now).select_related("meeting")
        )
        booked = {b.meeting_id for b in current}
        dropped = [b for b in current if b.meeting_id not in {m.pk for m in wanted}]
        added = []
        for meeting in wanted:
            if meeting.pk in booked:
                continue
            clash = _clash(assignment.starter_id, [(meeting.starts_at, meeting.ends_at)])
            if clash is not None:
                _alert_clash(assignment, meeting)
                continue
            added.append(meeting)
        _unbook(dropped)
        _book(assignment, added)
        if dropped or added:
            outbox.notify(
                "starters.meeting_changed",
                recipient=_recipient(assignment.starter),
                key=(
                    f"starters.meeting_changed:replanned:{assignment.pk}:"
                    f"{timezone.now():%Y%m%d%H%M%S%f}"
                ),
                about=assignment,
                centre=group.centre,
                params={"change": "replanned", "assignment_id": assignment.pk},
            )


def follow_group_ended(group: Group) -> None:
    """An ended group's meetings after its last day are cancelled: so are those bookings."""
    group = Group.objects.select_related("centre").get(pk=group.pk)
    bookings = list(
        Booking.objects.active()
        .filter(meeting__group=group, meeting__status=MeetingStatus.CANCELLED)
        .select_related("starter__user", "assignment")
    )
    _unbook(bookings)
    told = set()
    for booking in bookings:
        if booking.assignment_id in told:
            continue
        told.add(booking.assignment_id)
        outbox.notify(
            "starters.meeting_changed",
            recipient=_recipient(booking.starter),
            key=f"starters.meeting_changed:ended:{booking.assignment_id}",
            about=booking.assignment,
            centre=group.centre,
            params={"change": "ended", "assignment_id": booking.assignment_id},
        )


def forget_booking(booking: Booking) -> None:
    """A deleted booking (its meeting was re-planned away) leaves no message behind."""
    outbox.cancel_pending(about=booking)
