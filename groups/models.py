from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from selvhjelp.models import Centre


class RoomQuerySet(models.QuerySet):
    def for_centre(self, centre):
        return self.filter(centre=centre)

    def active(self):
        return self.filter(is_active=True)


class Room(models.Model):
    """A room a centre uses or borrows for group meetings (one group at a time)."""

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("centre")
    )
    name = models.CharField(_("name"), max_length=100)
    street_address = models.CharField(
        _("address"), max_length=200, blank=True, help_text=_("Leave empty if at the centre.")
    )
    capacity = models.PositiveSmallIntegerField(_("seats"), default=10)
    accessibility = models.CharField(
        _("accessibility"), max_length=200, blank=True, help_text=_("E.g. step-free, lift.")
    )
    notes = models.TextField(_("notes for staff"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["centre", "name"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="room_name_unique_per_centre"),
            models.CheckConstraint(
                name="room_capacity_range",
                condition=Q(capacity__gte=4, capacity__lte=200),
                violation_error_message=_("A room seats between 4 and 200 people."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def address(self) -> str:
        return self.street_address or self.centre.postal_address
