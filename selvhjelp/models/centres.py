from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from selvhjelp.enums import FollowUpRule, Language

DEFAULT_URGENT_HELP = (
    "Akutt fare for liv eller helse: ring 113.\n"
    "Legevakt: 116 117.\n"
    "Mental Helses hjelpetelefon: 116 123 (døgnåpen).\n"
    "Kirkens SOS: 22 40 00 40 (døgnåpen)."
)


# A centre's own retention times: field -> (setting with the default, fewest, most months).
RETENTION_MONTHS = {
    "retention_ended_application_months": (
        "RETENTION_ENDED_APPLICATION_MONTHS",
        1,
        24,
        _("Ended applications can be kept for 1–24 months."),
    ),
    "retention_past_participant_months": (
        "RETENTION_PAST_PARTICIPANT_MONTHS",
        1,
        36,
        _("Past participants can be kept for 1–36 months."),
    ),
    "retention_finished_message_months": (
        "RETENTION_FINISHED_MESSAGE_MONTHS",
        1,
        12,
        _("Sent messages can be kept for 1–12 months."),
    ),
}


class CentreQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_staff(self, user):
        """The centres this user works for (none for anyone else)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(staff_memberships__user=user)


class Centre(models.Model):
    """A self-help centre and its policy for the groups it starts."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    directions = models.CharField(
        _("how to find us"), max_length=200, blank=True, help_text=_("E.g. floor, entrance.")
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    urgent_help = models.TextField(
        _("where to find urgent help"),
        default=DEFAULT_URGENT_HELP,
        help_text=_("Shown on every public page; one line each."),
    )
    offer_reply_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"),
        default=7,
        help_text=_("An offer not answered in this many days lapses and the seat is freed."),
    )
    offer_reminder_days = models.PositiveSmallIntegerField(
        _("remind about an open offer after (days)"),
        default=3,
        help_text=_("One reminder if it is still not answered; fewer than the days to answer."),
    )
    meeting_reminder_days = models.PositiveSmallIntegerField(
        _("remind participants before the opening and follow-up meetings (days)"),
        default=2,
    )
    waiting_limit_weeks = models.PositiveSmallIntegerField(
        _("ask if they still want a place after (weeks)"),
        default=8,
        help_text=_(
            "Someone waiting this long is asked once; with no answer in as many weeks again "
            "they are set aside (staff can bring them back)."
        ),
    )
    typical_wait_weeks = models.PositiveSmallIntegerField(
        _("typical wait for a group (weeks)"),
        default=8,
        help_text=_("Told to applicants on the receipt; 0 to say nothing about it."),
    )
    default_language = models.CharField(
        _("default language"), max_length=2, choices=Language, default=Language.NORWEGIAN
    )

    # Group policy (see SPEC, domain rules).
    group_min_size = models.PositiveSmallIntegerField(_("smallest group that can start"), default=5)
    group_target_size = models.PositiveSmallIntegerField(_("preferred group size"), default=8)
    group_max_size = models.PositiveSmallIntegerField(_("largest group"), default=8)
    group_fragile_below = models.PositiveSmallIntegerField(
        _("fragile below"),
        default=4,
        help_text=_("Staff are alerted when a started group has fewer members than this."),
    )
    age_span_enabled = models.BooleanField(_("aim for a limited age span"), default=True)
    age_span_years = models.PositiveSmallIntegerField(_("recommended age span (years)"), default=15)
    meeting_minutes = models.PositiveSmallIntegerField(_("meeting length (minutes)"), default=120)
    opening_meeting_minutes = models.PositiveSmallIntegerField(
        _("opening meeting length (minutes)"), default=120
    )
    starters_per_group = models.PositiveSmallIntegerField(_("starters per group"), default=2)
    starter_opening_meetings = models.PositiveSmallIntegerField(
        _("meetings the starters attend at the start"), default=1
    )
    followup_rule = models.CharField(
        _("follow-up meeting"),
        max_length=10,
        choices=FollowUpRule,
        default=FollowUpRule.AFTER_MEETINGS,
    )
    followup_after = models.PositiveSmallIntegerField(
        _("follow-up after"),
        default=4,
        help_text=_("Held meetings, weeks or months, by the rule above."),
    )
    written_confidentiality = models.BooleanField(
        _("signed confidentiality declaration at the opening meeting"), default=True
    )

    # Retention (selvhjelp/retention.py): empty means the default in settings (RETENTION_*).
    retention_ended_application_months = models.PositiveSmallIntegerField(
        _("keep ended applications (months)"),
        null=True,
        blank=True,
        help_text=_(
            "Applications withdrawn or not suitable, of people never in a group, are deleted "
            "this many months after they ended. 1–24; empty: the default."
        ),
    )
    retention_past_participant_months = models.PositiveSmallIntegerField(
        _("keep past participants (months)"),
        null=True,
        blank=True,
        help_text=_(
            "Everything about a person no longer in any group is deleted this many months "
            "after they left or their last group ended. 1–36; empty: the default."
        ),
    )
    retention_finished_message_months = models.PositiveSmallIntegerField(
        _("keep sent messages (months)"),
        null=True,
        blank=True,
        help_text=_(
            "Messages sent, failed or cancelled are deleted this many months later. "
            "1–12; empty: the default."
        ),
    )

    objects = CentreQuerySet.as_manager()

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="centre_group_sizes_ordered",
                condition=Q(group_fragile_below__gte=2)
                & Q(group_fragile_below__lte=F("group_min_size"))
                & Q(group_min_size__gte=4)
                & Q(group_min_size__lte=F("group_target_size"))
                & Q(group_target_size__lte=F("group_max_size"))
                & Q(group_max_size__lte=8),
                violation_error_message=_(
                    "Group sizes must satisfy 2 ≤ fragile ≤ minimum, 4 ≤ minimum ≤ preferred "
                    "≤ largest ≤ 8."
                ),
            ),
            models.CheckConstraint(
                name="centre_offer_reply_days_range",
                condition=Q(offer_reply_days__gte=1, offer_reply_days__lte=30),
                violation_error_message=_("An offer can be open for 1–30 days."),
            ),
            models.CheckConstraint(
                name="centre_offer_reminder_before_lapse",
                condition=Q(offer_reminder_days=0)
                | Q(offer_reminder_days__lt=F("offer_reply_days")),
                violation_error_message=_(
                    "The reminder must come before the offer lapses (0: no reminder)."
                ),
            ),
            models.CheckConstraint(
                name="centre_reminder_ranges",
                condition=Q(meeting_reminder_days__gte=1, meeting_reminder_days__lte=7)
                & Q(waiting_limit_weeks__gte=2, waiting_limit_weeks__lte=52),
                violation_error_message=_(
                    "Meeting reminders come 1–7 days before; the waiting limit is 2–52 weeks."
                ),
            ),
            models.CheckConstraint(
                name="centre_age_span_range",
                condition=Q(age_span_years__gte=5, age_span_years__lte=60),
                violation_error_message=_("The age span must be between 5 and 60 years."),
            ),
            models.CheckConstraint(
                name="centre_meeting_minutes_range",
                condition=Q(meeting_minutes__gte=60)
                & Q(meeting_minutes__lte=180)
                & Q(opening_meeting_minutes__gte=F("meeting_minutes"))
                & Q(opening_meeting_minutes__lte=180),
                violation_error_message=_(
                    "Meetings last 1–3 hours, and the opening meeting at least as long as the "
                    "others and at most 3 hours."
                ),
            ),
            models.CheckConstraint(
                name="centre_starters_range",
                condition=Q(starters_per_group__lte=2)
                & Q(starter_opening_meetings__gte=1)
                & Q(starter_opening_meetings__lte=6),
                violation_error_message=_(
                    "A group has at most two starters, who attend the first 1–6 meetings."
                ),
            ),
            models.CheckConstraint(
                name="centre_followup_range",
                condition=(
                    Q(followup_rule=FollowUpRule.AFTER_MEETINGS, followup_after__range=(1, 12))
                    | Q(followup_rule=FollowUpRule.AFTER_WEEKS, followup_after__range=(1, 26))
                    | Q(followup_rule=FollowUpRule.AFTER_MONTHS, followup_after__range=(1, 6))
                ),
                violation_error_message=_(
                    "The follow-up comes after 1–12 meetings, 1–26 weeks or 1–6 months."
                ),
            ),
            *[
                models.CheckConstraint(
                    name=f"centre_{field}_range",
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gte": least, f"{field}__lte": most}),
                    violation_error_message=message,
                )
                for field, (_setting, least, most, message) in RETENTION_MONTHS.items()
            ],
        ]

    def __str__(self):
        return self.name

    @property
    def urgent_help_lines(self) -> list[str]:
        return [line.strip() for line in self.urgent_help.splitlines() if line.strip()]

    def retention_months(self, field: str) -> int:
        """The centre's own time for this retention field, or the default in settings."""
        own = getattr(self, field)
        return own if own is not None else getattr(settings, RETENTION_MONTHS[field][0])

    @property
    def ended_application_months(self) -> int:
        return self.retention_months("retention_ended_application_months")

    @property
    def past_participant_months(self) -> int:
        return self.retention_months("retention_past_participant_months")

    @property
    def finished_message_months(self) -> int:
        return self.retention_months("retention_finished_message_months")

    @property
    def postal_address(self) -> str:
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.street_address, place) if part)


class StaffMembership(models.Model):
    """A user who coordinates groups for a centre (staff see only their own centres)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("user"),
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="staff_memberships", verbose_name=_("centre")
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    wants_alerts = models.BooleanField(
        _("alerts by e-mail"),
        default=True,
        help_text=_("Groups short of people, people waiting long, messages that failed."),
    )
    wants_digest = models.BooleanField(_("weekly summary by e-mail"), default=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "centre"], name="staff_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} – {self.centre}"


class ThemeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Theme(models.Model):
    """A theme group a centre runs (most groups are mixed; some centres also run these)."""

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="themes", verbose_name=_("centre")
    )
    slug = models.SlugField(_("short name in addresses"), max_length=60)
    name = models.CharField(_("name (Norwegian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.CharField(_("who it is for"), max_length=300, blank=True)
    is_active = models.BooleanField(_("open for applications"), default=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme group")
        verbose_name_plural = _("theme groups")
        ordering = ["centre", "name"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "slug"], name="theme_slug_unique_per_centre"),
            models.CheckConstraint(
                name="theme_slug_not_mixed",
                condition=~Q(slug="mixed"),
                violation_error_message=_("“mixed” means a group without a theme."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if get_language() == "en" and self.name_en else self.name
