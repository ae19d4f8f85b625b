"""Starters follow what happens to meetings (groups sends the signals; see groups/signals.py).

Thin: each receiver calls a service, inside the transaction of the change that caused it.
"""

from django.db.models.signals import post_delete

from groups import signals
from groups.models import Group, Meeting
from starters import services
from starters.models import Booking


def meeting_moved(sender, *, meeting, **kwargs):
    services.follow_meeting_moved(meeting)


def meeting_cancelled(sender, *, meeting, **kwargs):
    services.follow_meeting_cancelled(meeting)


def meetings_replanned(sender, *, group, **kwargs):
    services.follow_policy(group)


def group_ended(sender, *, group, **kwargs):
    services.follow_group_ended(group)


def booking_deleted(sender, *, instance, **kwargs):
    # Re-planning deletes future meetings and with them their bookings.
    services.forget_booking(instance)


def connect() -> None:
    signals.meeting_moved.connect(meeting_moved, sender=Meeting, dispatch_uid="starters-moved")
    signals.meeting_cancelled.connect(
        meeting_cancelled, sender=Meeting, dispatch_uid="starters-cancelled"
    )
    signals.meetings_replanned.connect(
        meetings_replanned, sender=Group, dispatch_uid="starters-replanned"
    )
    signals.group_ended.connect(group_ended, sender=Group, dispatch_uid="starters-ended")
    post_delete.connect(booking_deleted, sender=Booking, dispatch_uid="starters-booking-deleted")
