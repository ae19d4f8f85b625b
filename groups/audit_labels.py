"""What the groups app's audit actions mean, in words staff read in timelines."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "group.created": _("created the group"),
    "group.pattern_changed": _("changed the group's meeting times"),
    "group.started": _("the group started"),
    "group.opened": _("recorded the group's decision to open"),
    "group.closed": _("closed the group again"),
    "group.ended": _("ended the group"),
    "meeting.cancelled": _("cancelled a meeting"),
    "meeting.moved": _("moved a meeting"),
    "offer.made": _("made an offer of a place"),
    "offer.accepted": _("accepted an offer"),
    "offer.declined": _("declined an offer"),
    "offer.lapsed": _("an offer lapsed unanswered"),
    "offer.withdrawn": _("withdrew an offer"),
    "membership.ended": _("recorded that a member left"),
    "membership.signed": _("recorded a signed confidentiality declaration"),
    "notice.sent": _("a member sent a notice to the group"),
    "room.created": _("added a room"),
    "room.changed": _("changed a room"),
}
