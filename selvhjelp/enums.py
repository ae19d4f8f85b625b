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
