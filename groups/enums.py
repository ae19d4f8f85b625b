from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class GroupStatus(models.TextChoices):
    FORMING = "forming", _("forming")
    STARTED = "started", _("started")
    RESTARTING = "restarting", _("open for new members")
    ENDED = "ended", pgettext_lazy("group", "ended")

    @classmethod
    def running(cls):
        return [cls.STARTED, cls.RESTARTING]

    @classmethod
    def accepting(cls):
        """Groups new people can be placed in (a started group must first decide to open)."""
        return [cls.FORMING, cls.RESTARTING]


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("every week")
    FORTNIGHTLY = "fortnightly", _("every other week")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    CANCELLED = "cancelled", _("cancelled")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    LAPSED = "lapsed", _("not answered in time")
    WITHDRAWN = "withdrawn", _("withdrawn by the centre")


class LeaveReason(models.TextChoices):
    OWN_CHOICE = "own_choice", _("chose to stop")
    NEEDS_MET = "needs_met", _("got what they needed")
    LIFE_CHANGED = "life_changed", _("circumstances changed (work, moving, health)")
    NOT_A_FIT = "not_a_fit", _("the group was not a good fit")
    NO_CONTACT = "no_contact", _("stopped coming without notice")
    GROUP_ENDED = "group_ended", _("the group ended")
    OTHER = "other", _("other")


class NoticeKind(models.TextChoices):
    ABSENT = "absent", _("cannot come to a meeting")
    LEAVING = "leaving", _("wants to stop")
