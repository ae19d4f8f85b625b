from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    RECEIVED = "received", _("received")
    IN_DIALOGUE = "in_dialogue", _("in dialogue")
    WAITING = "waiting", _("waiting for a group")
    OFFERED = "offered", _("offered a place")
    PLACED = "placed", _("placed in a group")
    WITHDRAWN = "withdrawn", _("withdrawn")
    NOT_SUITABLE = "not_suitable", _("not suitable")
    # Waited past the centre's limit and did not answer whether they still want a place.
    INACTIVE = "inactive", _("set aside (no answer)")

    @classmethod
    def open(cls):
        """Still on the waiting list in some form."""
        return [cls.RECEIVED, cls.IN_DIALOGUE, cls.WAITING, cls.OFFERED]

    @classmethod
    def closed(cls):
        return [cls.PLACED, cls.WITHDRAWN, cls.NOT_SUITABLE, cls.INACTIVE]


# Which status may follow which, and who moves it (see intake/services.py).
TRANSITIONS = {
    Status.RECEIVED: {Status.IN_DIALOGUE, Status.WAITING, Status.WITHDRAWN, Status.NOT_SUITABLE},
    Status.IN_DIALOGUE: {Status.WAITING, Status.WITHDRAWN, Status.NOT_SUITABLE},
    Status.WAITING: {
        Status.IN_DIALOGUE,
        Status.OFFERED,
        Status.WITHDRAWN,
        Status.NOT_SUITABLE,
        Status.INACTIVE,
    },
    Status.OFFERED: {Status.WAITING, Status.PLACED, Status.WITHDRAWN},
    Status.PLACED: {Status.WITHDRAWN},
    Status.WITHDRAWN: set(),
    Status.NOT_SUITABLE: {Status.WAITING},
    Status.INACTIVE: {Status.WAITING, Status.WITHDRAWN},
}


class Gender(models.TextChoices):
    WOMAN = "woman", pgettext_lazy("gender", "Woman")
    MAN = "man", pgettext_lazy("gender", "Man")
    OTHER = "other", pgettext_lazy("gender", "Other")
    UNSPECIFIED = "unspecified", pgettext_lazy("gender", "Prefer not to say")


class Area(models.TextChoices):
    """What the applicant wants to work on (health-related: staff of the centre only)."""

    GRIEF = "grief", _("Grief")
    ANXIETY = "anxiety", _("Anxiety")
    LONELINESS = "loneliness", _("Loneliness")
    DEPRESSION = "depression", _("Depression")
    BURNOUT = "burnout", _("Burnout")
    ILLNESS = "illness", _("Illness or a diagnosis")
    SUBSTANCE = "substance", _("Alcohol, drugs or other substance use")
    WORK = "work", _("Work life")
    TRANSITION = "transition", _("A big change in life")
    CARER = "carer", _("Being a carer for someone close")
    OTHER = "other", _("Something else")


class Source(models.TextChoices):
    WEB = "web", _("the web form")
    PHONE = "phone", _("by phone")
    IN_PERSON = "in_person", _("in person")
