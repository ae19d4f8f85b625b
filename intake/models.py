import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from intake.enums import Area, Gender, Source, Status
from selvhjelp import bitsets
from selvhjelp.enums import Channel, Language
from selvhjelp.models import Centre, Theme

AREAS: list[str] = Area.values  # order is stored in areas_mask: only append
ABOUT_MAX_LENGTH = 2000


TOKEN_SALT = "intake.applicant-page"  # noqa: S105 (a signing salt, not a secret)


def new_access_key() -> str:
    return secrets.token_urlsafe(24)


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class ApplicationQuerySet(models.QuerySet):
    def for_centre(self, centre):
        return self.filter(centre=centre)

    def for_staff(self, user):
        return self.filter(centre__in=Centre.objects.for_staff(user))

    def open(self):
        return self.filter(status__in=Status.open())

    def waiting(self):
        return self.filter(status=Status.WAITING)

    def available_at(self, slots) -> "ApplicationQuerySet":
        return bitsets.overlapping(self, "availability_mask", bitsets.to_mask(slots, bitsets.SLOTS))

    def wanting_to_work_on(self, areas) -> "ApplicationQuerySet":
        return bitsets.overlapping(self, "areas_mask", bitsets.to_mask(areas, AREAS))

    def born_between(self, earliest: date, latest: date):
        return self.filter(birth_date__gte=earliest, birth_date__lte=latest)

    def by_token(self, token: str):
        """The application a private link opens, or none (a bad or stale link)."""
        try:
            key = signing.Signer(salt=TOKEN_SALT).unsign(token)
        except signing.BadSignature:
            return self.none()
        return self.filter(access_key=key)


class Application(models.Model):
    """Someone who asked, for themselves, for a place in a self-help group.

    `areas_mask` and `about` are health-related (GDPR art. 9): shown only to the centre's
    staff, every read audited, never in a message, log line, task argument or URL.
    """

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="applications", verbose_name=_("centre")
    )
    # The private link is this key signed with SECRET_KEY: unguessable, and a leaked
    # database alone does not open anyone's page. A new key ends the old link at once.
    access_key = models.CharField(
        max_length=40, unique=True, default=new_access_key, editable=False
    )
    submission_key = models.UUIDField(
        unique=True, null=True, blank=True, editable=False, help_text=_("Stops double posts.")
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status, default=Status.RECEIVED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now, db_index=True)
    source = models.CharField(_("received"), max_length=10, choices=Source, default=Source.WEB)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.NORWEGIAN
    )

    first_name = models.CharField(_("first name"), max_length=60)
    last_name = models.CharField(_("last name"), max_length=80)
    email = models.EmailField(_("e-mail"))
    phone = PhoneNumberField(_("mobile number"), region="NO")
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(
        _("gender"), max_length=12, choices=Gender, default=Gender.UNSPECIFIED
    )
    availability_mask = models.PositiveSmallIntegerField(_("can meet"))
    theme = models.ForeignKey(
        Theme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("theme group"),
        help_text=_("Empty: a mixed group."),
    )
    areas_mask = models.PositiveSmallIntegerField(_("wants to work on"), default=0)
    about = models.TextField(_("in their own words"), max_length=ABOUT_MAX_LENGTH, blank=True)

    confirm_own_choice = models.BooleanField(_("applies by own choice"))
    confirm_weekly = models.BooleanField(_("can come every week"))
    confirm_commitment = models.BooleanField(_("commits to the first 12 weeks"))
    consent_version = models.CharField(_("privacy notice version"), max_length=20)
    consent_at = models.DateTimeField(_("consent given"))
    # Staff-registered applications: consent and confirmations were given orally.
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    not_suitable_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reminder_channel = models.CharField(
        _("reminders by"), max_length=5, choices=Channel, default=Channel.EMAIL
    )
    # Waiting-list care: when they were asked whether they still want a place, and when
    # they last said yes (the waiting-time clock for the next question starts there).
    still_waiting_asked_at = models.DateTimeField(
        _("asked if still waiting"), null=True, blank=True
    )
    still_waiting_confirmed_at = models.DateTimeField(
        _("said they still want a place"), null=True, blank=True
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["applied_at", "id"]
        indexes = [
            models.Index(fields=["centre", "status", "applied_at"], name="application_list_idx"),
            # The age filter with the status: a per-centre range, not all open applications.
            models.Index(
                fields=["centre", "status", "birth_date"], name="application_status_age_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="application_confirmed_and_consented",
                condition=Q(confirm_own_choice=True, confirm_weekly=True, confirm_commitment=True)
                & ~Q(consent_version=""),
                violation_error_message=_("All confirmations and the consent are required."),
            ),
            models.CheckConstraint(
                name="application_availability_valid",
                condition=Q(
                    availability_mask__gte=1,
                    availability_mask__lte=bitsets.full_mask(bitsets.SLOTS),
                ),
                violation_error_message=_("Choose at least one time you can meet."),
            ),
            models.CheckConstraint(
                name="application_areas_valid",
                condition=Q(areas_mask__gte=0, areas_mask__lte=bitsets.full_mask(AREAS)),
            ),
            models.CheckConstraint(
                name="application_status_valid", condition=Q(status__in=Status.values)
            ),
            models.CheckConstraint(
                name="application_gender_valid", condition=Q(gender__in=Gender.values)
            ),
            models.CheckConstraint(
                name="application_adult_at_application",
                # 18 years are at least 6 570 days: a bound every engine can check; the
                # form checks the exact birthday.
                condition=Q(birth_date__lte=models.F("applied_at__date") - timedelta(days=6570)),
            ),
            models.CheckConstraint(
                name="application_not_suitable_has_reason",
                condition=~Q(status=Status.NOT_SUITABLE) | ~Q(not_suitable_reason=""),
                violation_error_message=_("Say why the application is not suitable."),
            ),
            models.CheckConstraint(
                name="application_source_valid", condition=Q(source__in=Source.values)
            ),
            models.CheckConstraint(
                name="application_reminder_channel_valid",
                condition=Q(reminder_channel__in=Channel.values),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def availability(self) -> list[str]:
        return bitsets.from_mask(self.availability_mask, bitsets.SLOTS)

    @property
    def areas(self) -> list[str]:
        return bitsets.from_mask(self.areas_mask, AREAS)

    @property
    def age(self) -> int:
        return age_on(self.birth_date, timezone.localdate())

    @property
    def token(self) -> str:
        """The signed token in the applicant's private link (/soknad/<token>/)."""
        return signing.Signer(salt=TOKEN_SALT).sign(self.access_key)


class IntakeNote(models.Model):
    """What staff noted from the intake conversation (sensitive, like the application)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="notes", verbose_name=_("application")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("intake note")
        verbose_name_plural = _("intake notes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.application_id} {self.created_at:%Y-%m-%d}"
