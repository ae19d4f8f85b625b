import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from groups.models import Group, Meeting
from selvhjelp import bitsets
from selvhjelp.enums import Language
from selvhjelp.models import Centre
from starters.enums import AssignmentStatus

MAX_GROUPS_AT_ONCE = 6


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class StarterQuerySet(models.QuerySet):
    def for_centre(self, centre):
        return self.filter(centres=centre)

    def for_staff(self, user):
        return self.filter(centres__in=Centre.objects.for_staff(user)).distinct()

    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Starter(models.Model):
    """A volunteer who opens groups: a user account with a profile at one or more centres."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="starter",
        verbose_name=_("user account"),
    )
    centres = models.ManyToManyField(Centre, related_name="starters", verbose_name=_("centres"))
    phone = PhoneNumberField(_("mobile number"), blank=True)
    availability_mask = models.PositiveSmallIntegerField(_("can usually come"), default=0)
    max_groups = models.PositiveSmallIntegerField(_("groups at once"), default=1)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Resting starters get no new groups.")
    )
    note = models.CharField(_("note for staff"), max_length=300, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.NORWEGIAN
    )
    # The private calendar feed URL; resetting it makes the old URL stop working at once.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = StarterQuerySet.as_manager()

    class Meta:
        verbose_name = _("starter")
        verbose_name_plural = _("starters")
        constraints = [
            models.CheckConstraint(
                name="starter_max_groups_range",
                condition=Q(max_groups__gte=1, max_groups__lte=MAX_GROUPS_AT_ONCE),
            ),
            models.CheckConstraint(
                name="starter_availability_in_range",
                condition=Q(availability_mask__lte=bitsets.full_mask(bitsets.SLOTS)),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def availability(self) -> list[str]:
        return bitsets.from_mask(self.availability_mask, bitsets.SLOTS)


class AssignmentQuerySet(models.QuerySet):
    def holding(self):
        return self.filter(status__in=AssignmentStatus.holding())


class Assignment(models.Model):
    """A starter asked to open a group; accepted or declined by the starter."""

    starter = models.ForeignKey(
        Starter, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("starter")
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        related_name="starter_assignments",
        verbose_name=_("group"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssignmentStatus, default=AssignmentStatus.PENDING
    )
    created_at = models.DateTimeField(_("assigned"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    # The assignment this one took over from (a replacement attends future meetings only).
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["group", "status"], name="assignment_group_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["starter", "group"],
                condition=Q(status__in=AssignmentStatus.holding()),
                name="assignment_one_holding_per_starter_group",
            ),
            models.CheckConstraint(
                name="assignment_status_valid", condition=Q(status__in=AssignmentStatus.values)
            ),
            # A released assignment keeps answered_at only if the starter had accepted it.
            models.CheckConstraint(
                name="assignment_answered_when_answered",
                condition=~Q(status__in=[AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED])
                | Q(answered_at__isnull=False),
            ),
            models.CheckConstraint(
                name="assignment_released_has_time",
                condition=~Q(status=AssignmentStatus.RELEASED) | Q(released_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.starter} → {self.group}"


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Booking(models.Model):
    """One meeting a starter attends for an assignment.

    Its times copy the meeting's so the database can refuse overlapping active bookings of
    one starter (PostgreSQL exclusion constraint, migration 0002); the assignment service
    checks the same rule under a row lock on the starter everywhere.
    """

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("assignment")
    )
    starter = models.ForeignKey(
        Starter, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("starter")
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="starter_bookings",
        verbose_name=_("meeting"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    is_active = models.BooleanField(_("booked"), default=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(
                fields=["starter", "starts_at"],
                name="booking_starter_time_idx",
                condition=Q(is_active=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["starter", "meeting"],
                condition=Q(is_active=True),
                name="booking_one_active_per_starter_meeting",
            ),
            models.CheckConstraint(
                name="booking_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
        ]

    def __str__(self):
        return f"{self.starter} @ {self.meeting}"

    @classmethod
    def of(cls, assignment: Assignment, meeting: Meeting) -> "Booking":
        """An unsaved booking of the meeting, its times copied for the exclusion rule."""
        return cls(
            assignment=assignment,
            starter_id=assignment.starter_id,
            meeting=meeting,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
        )
