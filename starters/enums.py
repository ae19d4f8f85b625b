from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the starter's answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    # Staff took the starter off the group, or a replacement took over future meetings.
    RELEASED = "released", _("released")

    @classmethod
    def holding(cls):
        """Assignments that hold a place (and bookings) in the group."""
        return [cls.PENDING, cls.ACCEPTED]
