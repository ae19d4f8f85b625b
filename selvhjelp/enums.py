from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FollowUpRule(models.TextChoices):
    """When the starters come back for the follow-up meeting."""

    AFTER_MEETINGS = "meetings", _("after a number of held meetings")
    AFTER_WEEKS = "weeks", _("after a number of weeks")
    AFTER_MONTHS = "months", _("after a number of months")


class Language(models.TextChoices):
    NORWEGIAN = "nb", pgettext_lazy("language", "Norwegian")
    ENGLISH = "en", pgettext_lazy("language", "English")


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("text message")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")

    @classmethod
    def open(cls):
        """States a message can still leave from."""
        return [cls.PENDING, cls.SENDING]

    @classmethod
    def final(cls):
        return [cls.SENT, cls.FAILED, cls.CANCELLED]


class Weekday(models.TextChoices):
    MON = "mon", _("Monday")
    TUE = "tue", _("Tuesday")
    WED = "wed", _("Wednesday")
    THU = "thu", _("Thursday")
    FRI = "fri", _("Friday")
    SAT = "sat", _("Saturday")
    SUN = "sun", _("Sunday")


class DayPart(models.TextChoices):
    DAY = "day", pgettext_lazy("part of day", "daytime")
    EVENING = "evening", pgettext_lazy("part of day", "evening")
