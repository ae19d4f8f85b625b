"""What the starters app's audit actions mean, in words staff read in timelines."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "starter.invited": _("invited a new starter"),
    "starter.invited_again": _("sent a starter a new link to choose a password"),
    "starter.added": _("added a starter to the centre"),
    "starter.changed": _("changed a starter's profile"),
    "starter.activated": _("made a starter active again"),
    "starter.rested": _("set a starter to resting"),
    "starter.calendar_reset": _("made a new calendar address"),
    "assignment.created": _("asked a starter to open a group"),
    "assignment.replacement": _("asked a starter to take over a group"),
    "assignment.accepted": _("said yes to opening a group"),
    "assignment.declined": _("said no to opening a group"),
    "assignment.released": _("took a starter off a group"),
}
