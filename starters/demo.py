"""The starters app's part of the demo centre: starters with assignments in every state.

The demo starter login (demo-igangsetter, made by the core demo) gets a profile with:
a pending assignment for the forming group (Tirsdagsgruppa: the demo flow answers it), a
declined one for the opening of the started group (Torsdagsgruppa), and an accepted one as
the replacement of a starter who was released from that group before its follow-up
meeting. Three more starters: two active, one resting.

Everything is made through the services, as staff and starters would make it. Only what a
real group would have collected over the weeks is set afterwards: when things were asked
and answered, and the bookings of meetings that lie in the past now (the services only book
meetings ahead). Messages about those past events are not sent. Idempotent: a centre whose
groups already have assignments is left as it is.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from groups.models import Group
from selvhjelp import bitsets, outbox
from selvhjelp.demo import DEMO_STARTER
from starters import services
from starters.models import Assignment, Booking, Starter

FORMING, STARTED = "Tirsdagsgruppa", "Torsdagsgruppa"

# first, last, e-mail, availability, groups at once, note
MORE_STARTERS = [
    ("Ingrid", "Bakken", "ingrid.bakken@example.no", ["tue-evening", "thu-evening"], 2, ""),
    ("Nils", "Aune", "nils.aune@example.no", ["thu-evening", "mon-evening"], 1, ""),
    (
        "Sara",
        "Moen",
        "sara.moen@example.no",
        ["wed-day", "thu-day"],
        1,
        "Tar en pause til over nyttår.",
    ),
]


def _at(day, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=services.OSLO)


def _starter(centre, staff, first, last, email, slots, max_groups, note) -> Starter:
    starter = services.invite_starter(
        centre,
        first_name=first,
        last_name=last,
        email=email,
        availability=slots,
        max_groups=max_groups,
        note=note,
        staff=staff,
    )
    # The demo starters signed up long ago: no invitation goes out now.
    outbox.cancel_pending(about=starter)
    return starter


def _demo_login(centre) -> Starter:
    user = get_user_model().objects.get(username=DEMO_STARTER)
    starter, _ = Starter.objects.get_or_create(
        user=user,
        defaults={
            "phone": "+4791234567",
            "availability_mask": bitsets.to_mask(
                ["tue-evening", "thu-evening", "sat-day"], bitsets.SLOTS
            ),
            "max_groups": 2,
            "invited_at": timezone.now(),
        },
    )
    starter.centres.add(centre)
    return starter


def _backdate(assignment: Assignment, *, asked, answered=None, released=None) -> None:
    """When it happened in the demo's story (the services stamped it now)."""
    fields = {"created_at": _at(asked)}
    if answered is not None:
        fields["answered_at"] = _at(answered, 19)
    if released is not None:
        fields["released_at"] = _at(released, 9)
    Assignment.objects.filter(pk=assignment.pk).update(**fields)


def _attended(assignment: Assignment, meetings) -> None:
    """Bookings of meetings that lie in the past now, as they were booked back then."""
    Booking.objects.bulk_create(Booking.of(assignment, meeting) for meeting in meetings)


def _quiet(*assignments: Assignment) -> None:
    """No messages now about being asked weeks ago (reminders of coming meetings stay)."""
    for assignment in assignments:
        outbox.cancel_pending(about=assignment)


def _started_group(group: Group, staff, ola: Starter, ingrid: Starter, nils: Starter) -> None:
    """Ola declined the opening; Ingrid came instead. Nils came to the opening, then had to
    stop, and Ola took over the follow-up meeting."""
    declined = services.assign_starter(group, ola, staff=staff)
    services.decline_assignment(declined, user=ola.user)
    nils_part = services.assign_starter(group, nils, staff=staff)
    services.accept_assignment(nils_part, user=nils.user)
    ingrid_part = services.replace_starter(declined, ingrid, staff=staff)
    services.accept_assignment(ingrid_part, user=ingrid.user)
    ola_part = services.replace_starter(nils_part, ola, staff=staff)
    services.accept_assignment(ola_part, user=ola.user)
    services.set_active(nils, False, staff=staff)

    start = group.start_date
    released = start + timedelta(days=10)
    _backdate(declined, asked=start - timedelta(weeks=4), answered=start - timedelta(days=26))
    _backdate(
        nils_part,
        asked=start - timedelta(weeks=4),
        answered=start - timedelta(days=25),
        released=released,
    )
    _backdate(ingrid_part, asked=start - timedelta(days=25), answered=start - timedelta(days=24))
    _backdate(ola_part, asked=released, answered=released + timedelta(days=1))

    now = timezone.now()
    opening = group.meetings.planned().filter(is_opening=True).first()
    followup = group.meetings.planned().filter(is_followup=True).first()
    past = [m for m in (opening, followup) if m is not None and m.starts_at <= now]
    _attended(ingrid_part, past)
    _attended(nils_part, [m for m in past if m == opening])
    _attended(ola_part, [m for m in past if m != opening])
    _quiet(declined, nils_part, ingrid_part, ola_part)


def _forming_group(group: Group, staff, ola: Starter, ingrid: Starter) -> None:
    """Ingrid said yes; Ola has just been asked (the demo starter answers it)."""
    ingrid_part = services.assign_starter(group, ingrid, staff=staff)
    services.accept_assignment(ingrid_part, user=ingrid.user)
    _quiet(ingrid_part)
    services.assign_starter(group, ola, staff=staff)


@transaction.atomic
def fill(centre) -> None:
    if Assignment.objects.filter(group__centre=centre).exists():
        return
    groups = {g.name: g for g in Group.objects.filter(centre=centre, name__in=[FORMING, STARTED])}
    staff = get_user_model().objects.filter(staff_memberships__centre=centre).first()
    ola = _demo_login(centre)
    existing = {s.user.email: s for s in Starter.objects.for_centre(centre).select_related("user")}
    ingrid, nils, sara = (
        existing.get(email) or _starter(centre, staff, first, last, email, slots, most, note)
        for first, last, email, slots, most, note in MORE_STARTERS
    )
    services.set_active(sara, False, staff=staff)
    if STARTED in groups:
        _started_group(groups[STARTED], staff, ola, ingrid, nils)
    if FORMING in groups:
        _forming_group(groups[FORMING], staff, ola, ingrid)
