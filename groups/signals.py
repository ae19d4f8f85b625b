"""What groups tells the apps to its right about meetings, without importing them.

Sent from groups/services.py inside the transaction of the change, after the change is
saved: a receiver's writes commit or roll back with it. Receivers get the object by keyword.
"""

from django.dispatch import Signal

meeting_moved = Signal()  # meeting=: its new time is saved (sequence raised)
meeting_cancelled = Signal()  # meeting=
meetings_replanned = Signal()  # group=: new pattern, or the follow-up meeting changed
group_ended = Signal()  # group=: meetings after its last day are cancelled
