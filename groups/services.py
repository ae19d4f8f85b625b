"""Every change to groups, meetings, offers and memberships: one function per transition.

Capacity and room bookings are checked under row locks (the group row, the room row), so
two staff members acting at the same moment cannot both take the last seat or the same
room; on PostgreSQL an exclusion constraint also refuses overlapping meetings in a room.
"""

import dataclasses
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups import schedule, signals
from groups.enums import Frequency, GroupStatus, LeaveReason, MeetingStatus, NoticeKind, OfferStatus
from groups.models import (
    AbsenceNotice,
    Group,
    GroupOpening,
    Meeting,
    Membership,
    Offer,
    Room,
)
from intake import services as intake
from intake.enums import Status
from selvhjelp import audit, outbox
from selvhjelp.enums import Channel
from selvhjelp.models import Centre

HORIZON = timedelta(weeks=26)  # meetings are planned half a year ahead


class GroupError(Exception):
    """A rule stopped the change; `message` says why in the user's language."""

    message = _("This cannot be done.")

    def __init__(self, message=None, **params):
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


class RoomTaken(GroupError):
    message = _("%(room)s is booked by the group “%(group)s” at %(when)s.")


class RoomTakenElsewhere(GroupError):
    message = _("%(room)s is already booked at %(when)s.")


class GroupFull(GroupError):
    message = _("The group is full: %(count)s of %(max)s places are taken or offered.")


class GroupClosed(GroupError):
    message = _(
        "The group has started and is closed. Record the group's own decision to open "
        "before anyone new is added."
    )


class NotWaiting(GroupError):
    message = _("Only people waiting for a group can be offered a place.")


class WrongCentre(GroupError):
    message = _("The person applied to another centre.")


class OfferNotOpen(GroupError):
    message = _("This offer is no longer open.")


class BadPattern(GroupError):
    message = _(
        "These meeting times do not add up: check that the date falls on the weekday and "
        "that the meetings last at most three hours."
    )


class GroupEnded(GroupError):
    message = _("The group has ended; its meetings can no longer be changed.")


def _not_ended(group: Group) -> None:
    if group.status == GroupStatus.ENDED:
        raise GroupEnded


# Meetings -------------------------------------------------------------------------------


def _pattern(group: Group) -> schedule.Pattern:
    return schedule.Pattern(
        weekday=group.weekday,
        start=group.start_time,
        minutes=group.meeting_minutes,
        opening_minutes=group.opening_minutes,
        start_date=group.start_date,
        fortnightly_from=group.fortnightly_from,
    )


def _check_room(room: Room, slots: list[tuple[datetime, datetime]], *, group: Group, staff_centre):
    """Refuse if any slot overlaps a planned meeting of another group in this room.

    The caller holds the room's row lock, so no one books it between check and insert.
    """
    if not slots:
        return
    first, last = min(s for s, _ in slots), max(e for _, e in slots)
    taken = list(
        Meeting.objects.planned()
        .filter(room=room, starts_at__lt=last, ends_at__gt=first)
        .exclude(group=group)
        .select_related("group")
        .only("starts_at", "ends_at", "group__name", "group__centre_id")
    )
    for start, end in slots:
        for other in taken:
            if other.starts_at < end and start < other.ends_at:
                when = timezone.localtime(other.starts_at).strftime("%d.%m.%Y %H:%M")
                if other.group.centre_id == staff_centre.pk:
                    raise RoomTaken(room=room.name, group=other.group.name, when=when)
                raise RoomTakenElsewhere(room=room.name, when=when)


def _mark_followup(group: Group) -> bool:
    """Flag the follow-up meeting by the centre's rule; True if another meeting has it now."""
    before = set(group.meetings.filter(is_followup=True).values_list("pk", flat=True))
    held = list(group.meetings.planned().order_by("starts_at").values_list("index", "starts_at"))
    tuples = [(index, timezone.localtime(start).date()) for index, start in held]
    centre = group.centre
    index = schedule.followup_index(
        tuples, centre.followup_rule, centre.followup_after, group.start_date
    )
    group.meetings.filter(is_followup=True).exclude(index=index).update(is_followup=False)
    if index is not None:
        group.meetings.filter(index=index).update(is_followup=True)
    return before != set(group.meetings.filter(is_followup=True).values_list("pk", flat=True))


def _plan(group: Group, *, from_date: date, skip=frozenset()) -> list[Meeting]:
    """(Re)plan the meetings from `from_date` on; earlier ones are left as they are."""
    if group.room_id is None:
        return []
    room = Room.objects.select_for_update().get(pk=group.room_id)
    pattern = _pattern(group)
    if from_date > group.start_date:
        # Later meetings follow the (possibly new) weekday from `from_date` on.
        first = from_date + timedelta(days=(group.weekday - from_date.weekday()) % 7)
        switch = pattern.fortnightly_from
        if switch is not None and switch < first:
            # Keep the fortnightly rhythm: the next meeting in step with the first one after
            # the switch.
            anchor = switch + timedelta(days=(group.weekday - switch.weekday()) % 7)
            switch = anchor + timedelta(weeks=2 * -(-(first - anchor).days // 14))
        pattern = dataclasses.replace(pattern, start_date=first, fortnightly_from=switch)
    try:
        planned = schedule.series(
            pattern, until=max(from_date, group.start_date) + HORIZON, skip=skip
        )
    except schedule.PatternError as error:
        raise BadPattern from error
    keep = group.meetings.filter(starts_at__date__lt=from_date)
    start_index = (keep.order_by("-index").values_list("index", flat=True).first() or -1) + 1
    future = [m for m in planned if m.date >= from_date]
    _check_room(
        room,
        [(m.starts_at, m.ends_at) for m in future],
        group=group,
        staff_centre=group.centre,
    )
    group.meetings.filter(starts_at__date__gte=from_date).delete()
    created = Meeting.objects.bulk_create(
        Meeting(
            group=group,
            room=room,
            index=start_index + n,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            is_opening=m.opening and start_index == 0,
            holiday=m.holiday,
        )
        for n, m in enumerate(future)
    )
    _mark_followup(group)
    return created


@transaction.atomic
def create_group(
    centre: Centre,
    *,
    name: str,
    room: Room | None,
    weekday: int,
    start_time: time,
    start_date: date,
    staff,
    theme=None,
    language: str = "nb",
    meeting_minutes: int | None = None,
    opening_minutes: int | None = None,
    request=None,
) -> Group:
    if room is not None and room.centre_id != centre.pk:
        raise GroupError(_("The room belongs to another centre."))
    if Group.objects.filter(centre=centre, name=name).exists():
        raise GroupError(_("The centre already has a group called “%(name)s”."), name=name)
    group = Group.objects.create(
        centre=centre,
        name=name,
        room=room,
        theme=theme,
        language=language,
        weekday=weekday,
        start_time=start_time,
        start_date=start_date,
        meeting_minutes=meeting_minutes or centre.meeting_minutes,
        opening_minutes=opening_minutes
        or max(centre.opening_meeting_minutes, meeting_minutes or 0),
        min_size=centre.group_min_size,
        max_size=centre.group_max_size,
        fragile_below=centre.group_fragile_below,
    )
    _plan(group, from_date=start_date)
    audit.record("group.created", request=request, actor=staff, centre=centre, obj=group)
    return group


@transaction.atomic
def change_pattern(
    group: Group,
    *,
    staff,
    from_date: date,
    weekday: int | None = None,
    start_time: time | None = None,
    room: Room | None = None,
    fortnightly_from: date | None = None,
    request=None,
) -> Group:
    """Change the weekday, time, room or frequency; only meetings from `from_date` move."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    _not_ended(group)
    if weekday is not None:
        group.weekday = weekday
        if group.start_date >= from_date:  # not started yet: the opening moves too
            group.start_date = from_date + timedelta(days=(weekday - from_date.weekday()) % 7)
    if start_time is not None:
        group.start_time = start_time
    if room is not None:
        group.room = room
    if fortnightly_from is not None:
        group.frequency = Frequency.FORTNIGHTLY
        group.fortnightly_from = fortnightly_from
    group.save(
        update_fields=[
            "weekday",
            "start_time",
            "room",
            "frequency",
            "fortnightly_from",
            "start_date",
        ]
    )
    old = {m.pk for m in group.meetings.filter(starts_at__date__gte=from_date)}
    for meeting_pk in old:
        outbox.cancel_pending(about=Meeting(pk=meeting_pk))
    _plan(group, from_date=from_date)
    signals.meetings_replanned.send(sender=Group, group=group)
    audit.record(
        "group.pattern_changed", request=request, actor=staff, centre=group.centre, obj=group
    )
    _tell_members(group, "groups.schedule_changed", key=f"pattern:{timezone.now():%Y%m%d%H%M%S}")
    _remind_members(group)
    return group


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, staff, note: str = "", request=None) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("group__centre").get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    _not_ended(meeting.group)
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.change_note = note[:200]
    meeting.save(update_fields=["status", "sequence", "change_note"])
    outbox.cancel_pending(about=meeting)
    followup_changed = _mark_followup(meeting.group)
    signals.meeting_cancelled.send(sender=Meeting, meeting=meeting)
    if followup_changed:
        signals.meetings_replanned.send(sender=Group, group=meeting.group)
    audit.record(
        "meeting.cancelled", request=request, actor=staff, centre=meeting.group.centre, obj=meeting
    )
    _tell_members(
        meeting.group,
        "groups.meeting_cancelled",
        key=f"m{meeting.pk}:s{meeting.sequence}",
        about=meeting,
    )
    _remind_members(meeting.group)  # a cancelled opening or follow-up moves the role on
    return meeting


@transaction.atomic
def move_meeting(
    meeting: Meeting,
    *,
    day: date,
    start_time: time,
    staff,
    room: Room | None = None,
    note: str = "",
    request=None,
) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("group__centre").get(pk=meeting.pk)
    _not_ended(meeting.group)
    if meeting.status == MeetingStatus.CANCELLED:
        raise GroupError(_("A cancelled meeting cannot be moved."))
    room = room or meeting.room
    if room.centre_id != meeting.group.centre_id:
        raise GroupError(_("The room belongs to another centre."))
    length = meeting.ends_at - meeting.starts_at
    starts_at = datetime.combine(day, start_time, tzinfo=schedule.OSLO)
    Room.objects.select_for_update().get(pk=room.pk)
    _check_room(
        room,
        [(starts_at, starts_at + length)],
        group=meeting.group,
        staff_centre=meeting.group.centre,
    )
    clash_in_group = (
        meeting.group.meetings.planned()
        .exclude(pk=meeting.pk)
        .filter(starts_at__lt=starts_at + length, ends_at__gt=starts_at)
    )
    if clash_in_group.exists():
        raise GroupError(_("The group already meets at that time."))
    if meeting.moved_from is None:
        meeting.moved_from = meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.room = starts_at, starts_at + length, room
    meeting.holiday = schedule.norwegian_holidays(day.year).get(day, "")
    meeting.sequence += 1
    meeting.change_note = note[:200]
    meeting.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "room",
            "moved_from",
            "sequence",
            "change_note",
            "holiday",
        ]
    )
    outbox.cancel_pending(about=meeting)
    followup_changed = _mark_followup(meeting.group)
    signals.meeting_moved.send(sender=Meeting, meeting=meeting)
    if followup_changed:
        signals.meetings_replanned.send(sender=Group, group=meeting.group)
    audit.record(
        "meeting.moved", request=request, actor=staff, centre=meeting.group.centre, obj=meeting
    )
    _tell_members(
        meeting.group,
        "groups.meeting_moved",
        key=f"m{meeting.pk}:s{meeting.sequence}",
        about=meeting,
    )
    _remind_members(meeting.group)
    return meeting


# Offers and memberships -----------------------------------------------------------------


def _seats_taken(group: Group) -> int:
    taken = seats(group)
    return taken["members"] + taken["offered"]


@transaction.atomic
def place_applicant(group: Group, application, *, staff, request=None) -> Offer:
    """Offer a waiting applicant a place. The group's row lock makes the seat count exact."""
    group = Group.objects.select_for_update().select_related("centre").get(pk=group.pk)
    if application.centre_id != group.centre_id:
        raise WrongCentre
    if group.status not in GroupStatus.accepting():
        raise GroupClosed
    taken = _seats_taken(group)
    if taken >= group.max_size:
        raise GroupFull(count=taken, max=group.max_size)
    try:
        intake.mark_offered(application, actor=staff, request=request)
    except intake.TransitionNotAllowed as error:
        raise NotWaiting from error
    offer = Offer.objects.create(
        application=application,
        group=group,
        expires_at=timezone.now() + timedelta(days=group.centre.offer_reply_days),
        created_by=staff,
    )
    audit.record("offer.made", request=request, actor=staff, centre=group.centre, obj=offer)
    outbox.notify(
        "groups.offer",
        recipient=outbox.Recipient(
            application.email, application.language, application.first_name, ref=application
        ),
        key=f"groups.offer:{offer.pk}",
        about=offer,
        centre=group.centre,
        params={"offer_id": offer.pk},
    )
    _remind_about_offer(offer, group.centre)
    return offer


def _lock_open_offer(offer: Offer) -> Offer:
    offer = (
        Offer.objects.select_for_update()
        .select_related("group__centre", "application")
        .get(pk=offer.pk)
    )
    if offer.status != OfferStatus.OPEN:
        raise OfferNotOpen
    return offer


def accept_offer(offer: Offer, *, request=None) -> Membership:
    with transaction.atomic():
        offer = _lock_open_offer(offer)
        if offer.expires_at > timezone.now():
            return _accept(offer, request=request)
        # Too late: record the lapse (it commits), then say so.
        _close_offer(offer, OfferStatus.LAPSED, request=request)
    raise OfferNotOpen


def _accept(offer: Offer, *, request=None) -> Membership:
    group = Group.objects.select_for_update().get(pk=offer.group_id)
    now = timezone.now()
    offer.status, offer.answered_at = OfferStatus.ACCEPTED, now
    offer.save(update_fields=["status", "answered_at"])
    membership = Membership.objects.create(
        group=group,
        application=offer.application,
        joined_on=max(timezone.localdate(), group.start_date),
    )
    intake.mark_placed(offer.application, request=request)
    outbox.cancel_pending(about=offer)
    _remind_members(group, memberships=[membership])
    audit.record("offer.accepted", request=request, centre=group.centre, obj=offer)
    if group.memberships.active().count() == group.min_size:
        _alert_staff(group, "ready")
    return membership


def _close_offer(offer: Offer, status: str, *, request=None, staff=None) -> Offer:
    offer.status, offer.answered_at = status, timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    intake.return_to_waiting(offer.application, actor=staff, request=request)
    outbox.cancel_pending(about=offer)
    audit.record(
        f"offer.{status}", request=request, actor=staff, centre=offer.group.centre, obj=offer
    )
    return offer


@transaction.atomic
def decline_offer(offer: Offer, *, request=None) -> Offer:
    return _close_offer(_lock_open_offer(offer), OfferStatus.DECLINED, request=request)


@transaction.atomic
def withdraw_offer(offer: Offer, *, staff, request=None) -> Offer:
    return _close_offer(
        _lock_open_offer(offer), OfferStatus.WITHDRAWN, request=request, staff=staff
    )


def lapse_offers(now: datetime | None = None) -> int:
    """Offers past their answer-by time lapse; the applicant goes back to waiting."""
    now = now or timezone.now()
    lapsed = 0
    for pk in Offer.objects.open().filter(expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            try:
                offer = _lock_open_offer(Offer(pk=pk))
            except OfferNotOpen:
                continue
            _close_offer(offer, OfferStatus.LAPSED)
            lapsed += 1
    return lapsed


@transaction.atomic
def leave_group(
    membership: Membership, *, reason: str, left_on: date | None = None, staff=None, request=None
) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("group__centre").get(pk=membership.pk)
    )
    if membership.left_on is not None:
        return membership
    if reason not in LeaveReason.values:
        raise GroupError(_("Choose why the person left."))
    membership.left_on = max(left_on or timezone.localdate(), membership.joined_on)
    membership.leave_reason = reason
    membership.save(update_fields=["left_on", "leave_reason"])
    outbox.cancel_pending(recipient=membership.application)
    audit.record(
        "membership.ended",
        request=request,
        actor=staff,
        centre=membership.group.centre,
        obj=membership,
        reason=reason,
    )
    group = membership.group
    if (
        group.status in GroupStatus.running()
        and group.memberships.active().count() < group.fragile_below
    ):
        _alert_staff(group, "fragile")
    return membership


@transaction.atomic
def record_opening(
    group: Group, *, decided_on: date, reason: str, staff, request=None
) -> GroupOpening:
    """The group itself decided to let new members in: record it, then it counts as restarting."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.status not in GroupStatus.running():
        raise GroupError(_("Only a started group can decide to open."))
    if not reason.strip():
        raise GroupError(_("Say what the group decided, and why."))
    opening = GroupOpening.objects.create(
        group=group, decided_on=decided_on, reason=reason.strip()[:300], recorded_by=staff
    )
    group.status = GroupStatus.RESTARTING
    group.save(update_fields=["status"])
    audit.record("group.opened", request=request, actor=staff, centre=group.centre, obj=group)
    return opening


@transaction.atomic
def close_again(group: Group, *, staff, request=None) -> Group:
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.status != GroupStatus.RESTARTING:
        raise GroupError(_("The group is not open for new members."))
    group.status = GroupStatus.STARTED
    group.save(update_fields=["status"])
    audit.record("group.closed", request=request, actor=staff, centre=group.centre, obj=group)
    return group


def start_groups(now: datetime | None = None) -> int:
    """Forming groups whose opening meeting has ended are started, and so closed."""
    now = now or timezone.now()
    started = 0
    due = Group.objects.forming().filter(
        meetings__is_opening=True,
        meetings__status=MeetingStatus.PLANNED,
        meetings__ends_at__lte=now,
    )
    for pk in due.values_list("pk", flat=True).distinct():
        with transaction.atomic():
            group = Group.objects.select_for_update().get(pk=pk)
            if group.status != GroupStatus.FORMING:
                continue
            group.status = GroupStatus.STARTED
            group.save(update_fields=["status"])
            audit.record("group.started", centre=group.centre, obj=group)
            started += 1
    return started


@transaction.atomic
def end_group(group: Group, *, ended_on: date, staff, request=None) -> Group:
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.status == GroupStatus.ENDED:
        return group
    for membership in group.memberships.active():
        membership.left_on = max(ended_on, membership.joined_on)
        membership.leave_reason = LeaveReason.GROUP_ENDED
        membership.save(update_fields=["left_on", "leave_reason"])
    for offer in group.offers.open():
        _close_offer(offer, OfferStatus.WITHDRAWN, staff=staff, request=request)
    future = group.meetings.planned().filter(starts_at__date__gt=ended_on)
    for meeting in future:
        outbox.cancel_pending(about=meeting)
    future.update(status=MeetingStatus.CANCELLED)
    group.status, group.ended_on = GroupStatus.ENDED, ended_on
    group.save(update_fields=["status", "ended_on"])
    signals.group_ended.send(sender=Group, group=group)
    audit.record("group.ended", request=request, actor=staff, centre=group.centre, obj=group)
    return group


@transaction.atomic
def record_signature(membership: Membership, *, signed_on: date, staff, request=None) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("group__centre").get(pk=membership.pk)
    )
    if membership.left_on is not None:
        raise GroupError(_("The person is no longer in the group."))
    if membership.confidentiality_signed_on is not None:
        return membership
    membership.confidentiality_signed_on = signed_on
    membership.save(update_fields=["confidentiality_signed_on"])
    audit.record(
        "membership.signed",
        request=request,
        actor=staff,
        centre=membership.group.centre,
        obj=membership,
    )
    return membership


# The notice duty --------------------------------------------------------------------------


@transaction.atomic
def send_notice(
    membership: Membership, *, kind: str, meeting: Meeting | None = None, request=None
) -> AbsenceNotice:
    """A participant tells the group they cannot come (to one meeting) or want to stop.

    The other members hear it by first name only; staff see it on the group page.
    """
    membership = Membership.objects.select_related("group__centre", "application").get(
        pk=membership.pk
    )
    if membership.left_on is not None:
        raise GroupError(_("You are no longer in this group."))
    if kind == NoticeKind.ABSENT:
        if (
            meeting is None
            or meeting.group_id != membership.group_id
            or meeting.status != MeetingStatus.PLANNED
            or meeting.starts_at <= timezone.now()
        ):
            raise GroupError(_("Choose one of the group's coming meetings."))
        notice, created = AbsenceNotice.objects.get_or_create(
            membership=membership, meeting=meeting, kind=kind
        )
        if not created:
            return notice
    elif kind == NoticeKind.LEAVING:
        notice = AbsenceNotice.objects.create(membership=membership, kind=kind)
        _alert_staff(membership.group, "leaving", member=membership.pk)
    else:
        raise GroupError(_("Choose what you want to tell the group."))
    audit.record(
        "notice.sent", request=request, centre=membership.group.centre, obj=notice, kind=kind
    )
    others = (
        membership.group.memberships.active()
        .exclude(pk=membership.pk)
        .select_related("application")
    )
    for other in others:
        person = other.application
        outbox.notify(
            "groups.absence",
            recipient=outbox.Recipient(
                person.email, person.language, person.first_name, ref=person
            ),
            key=f"groups.absence:{notice.pk}:{other.pk}",
            about=notice,
            centre=membership.group.centre,
            params={"notice_id": notice.pk},
        )
    return notice


# Messages to members and staff -----------------------------------------------------------


def _reminder_recipient(application) -> tuple[outbox.Recipient, str]:
    """Reminders go by the channel the person chose (a text message to their mobile, or
    e-mail)."""
    channel = application.reminder_channel
    address = str(application.phone) if channel == Channel.SMS else application.email
    recipient = outbox.Recipient(
        address, application.language, application.first_name, ref=application
    )
    return recipient, channel


def _remind_about_offer(offer: Offer, centre: Centre) -> None:
    if not centre.offer_reminder_days:
        return
    due = offer.created_at + timedelta(days=centre.offer_reminder_days)
    if due >= offer.expires_at:
        return
    recipient, channel = _reminder_recipient(offer.application)
    outbox.notify(
        "groups.offer_reminder",
        recipient=recipient,
        channel=channel,
        key=f"groups.offer_reminder:{offer.pk}",
        due_at=due,
        about=offer,
        centre=centre,
        params={"offer_id": offer.pk},
    )


REMINDER_HOUR = time(10, 0)  # the days-before reminder, at a friendly hour
MORNING_HOUR = time(8, 0)  # the morning of the opening meeting


def _meeting_reminders(meeting: Meeting, centre: Centre, now: datetime):
    """(which, due) of the participant reminders for an opening or follow-up meeting."""
    day = timezone.localtime(meeting.starts_at).date()
    before = day - timedelta(days=centre.meeting_reminder_days)
    due = [("before", datetime.combine(before, REMINDER_HOUR, tzinfo=schedule.OSLO))]
    if meeting.is_opening:
        morning = datetime.combine(day, MORNING_HOUR, tzinfo=schedule.OSLO)
        if morning < meeting.starts_at - timedelta(hours=1):
            due.append(("morning", morning))
    return [(which, at) for which, at in due if at > now]


def _remind_members(group: Group, *, memberships=None) -> None:
    """Queue the participants' reminders for the group's coming opening and follow-up
    meetings. Keys carry the meeting's sequence, so a moved meeting gets new ones (its old
    ones were cancelled with it) and calling this twice adds nothing."""
    now = timezone.now()
    centre = group.centre
    meetings = list(
        group.meetings.planned()
        .filter(Q(is_opening=True) | Q(is_followup=True), starts_at__gt=now)
        .only("starts_at", "is_opening", "is_followup", "sequence", "group")
    )
    if not meetings:
        return
    if memberships is None:
        memberships = group.memberships.active().select_related("application")
    for membership in memberships:
        recipient, channel = _reminder_recipient(membership.application)
        for meeting in meetings:
            for which, due in _meeting_reminders(meeting, centre, now):
                outbox.notify(
                    "groups.meeting_reminder",
                    recipient=recipient,
                    channel=channel,
                    key=(
                        f"groups.meeting_reminder:{membership.pk}:{meeting.pk}:"
                        f"{meeting.sequence}:{which}"
                    ),
                    due_at=due,
                    about=meeting,
                    centre=centre,
                    params={"meeting_id": meeting.pk, "sequence": meeting.sequence, "which": which},
                )


def _tell_members(group: Group, kind: str, *, key: str, about=None) -> None:
    for membership in group.memberships.active().select_related("application"):
        person = membership.application
        outbox.notify(
            kind,
            recipient=outbox.Recipient(
                person.email, person.language, person.first_name, ref=person
            ),
            key=f"{kind}:{key}:{membership.pk}",
            about=about or group,
            centre=group.centre,
            params={"group_id": group.pk, "meeting_id": getattr(about, "pk", None)},
        )


def _alert_staff(group: Group, alert: str, *, once: bool = False, **params) -> None:
    """Tell the centre's staff (those who want alerts). `once`: at most once per group."""
    stamp = "once" if once else timezone.now().strftime("%Y%m%d%H%M%S%f")
    for user in outbox.staff_of(group.centre):
        outbox.notify(
            "groups.staff_alert",
            recipient=outbox.Recipient(
                user.email, group.centre.default_language, user.first_name, ref=user
            ),
            key=f"groups.staff_alert:{alert}:{group.pk}:{user.pk}:{stamp}",
            about=group,
            centre=group.centre,
            params={"group_id": group.pk, "alert": alert, **params},
        )


SHORT_WARNING = timedelta(weeks=2)


def alert_short_groups(now: datetime | None = None) -> int:
    """Forming groups that start within two weeks with too few members (counting open
    offers): staff hear it once per group. Daily, by beat."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    alerted = 0
    soon = (
        Group.objects.with_seats(now)
        .filter(
            status=GroupStatus.FORMING,
            start_date__gte=today,
            start_date__lte=today + SHORT_WARNING,
        )
        .select_related("centre")
    )
    for group in soon:
        if group.with_seat_flags().is_short:
            with transaction.atomic():
                _alert_staff(group, "short", once=True)
            alerted += 1
    return alerted


def seats(group: Group) -> dict:
    """How full the group is: members, open offers not yet lapsed, free places."""
    return Group.objects.with_seats(timezone.now()).get(pk=group.pk).with_seat_flags().seats


def waiting_applications(group: Group):
    """Applicants of the group's centre waiting for a group (matching ranks them later)."""
    from intake.models import Application

    return Application.objects.filter(centre=group.centre, status=Status.WAITING).filter(
        Q(theme=group.theme) if group.theme_id else Q(theme__isnull=True)
    )
