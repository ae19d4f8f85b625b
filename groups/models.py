from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Expression, F, IntegerField, Q
from django.utils.translation import gettext_lazy as _

from groups.enums import Frequency, GroupStatus, LeaveReason, MeetingStatus, NoticeKind, OfferStatus
from intake.models import Application
from selvhjelp.enums import Language
from selvhjelp.models import Centre, Theme


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


class GroupQuerySet(models.QuerySet):
    def for_centre(self, centre):
        return self.filter(centre=centre)

    def for_staff(self, user):
        return self.filter(centre__in=Centre.objects.for_staff(user))

    def running(self):
        return self.filter(status__in=GroupStatus.running())

    def forming(self):
        return self.filter(status=GroupStatus.FORMING)

    def with_seats(self, now):
        """Annotated with `members_count` and `offered_count` (open offers not yet lapsed),
        counted in subqueries of this one query, never per group."""
        return self.annotate(
            members_count=_SeatCount(Membership, "{t}.left_on IS NULL"),
            offered_count=_SeatCount(
                Offer, "{t}.status IN (%s) AND {t}.expires_at > %s", (OfferStatus.OPEN, now)
            ),
        )


class _SeatCount(Expression):
    """(SELECT COUNT(*) FROM <model's table> WHERE group_id = <the outer group> AND ...).

    The SQL an ORM Subquery(...).annotate(Count) makes, written once: building and compiling
    those two subqueries cost as much as the rest of a page's group query. The outer group
    is the query's own base table, whatever alias it has (also inside another query)."""

    output_field = IntegerField()

    def __init__(self, model, condition: str, params=()):
        super().__init__()
        self.model, self.condition, self.params = model, condition, tuple(params)

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        outer = compiler.quote_name(compiler.query.get_initial_alias())
        # Only quoted names and this module's fixed conditions go into the text; values are
        # parameters.
        sql = (
            f"(SELECT COUNT(*) FROM {table} WHERE {table}.{quote('group_id')} = "  # noqa: S608
            f"{outer}.{quote('id')} AND {self.condition.format(t=table)})"
        )
        adapt = connection.ops.adapt_datetimefield_value
        params = [adapt(v) if isinstance(v, datetime) else v for v in self.params]
        return sql, params

    def get_group_by_cols(self):
        return []


class Group(models.Model):
    """A closed self-help group: a fixed weekly slot, a room, 5–8 members."""

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="groups", verbose_name=_("centre")
    )
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(
        _("status"), max_length=12, choices=GroupStatus, default=GroupStatus.FORMING
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
        verbose_name=_("room"),
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
        verbose_name=_("theme group"),
        help_text=_("Empty: a mixed group."),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.NORWEGIAN
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    start_time = models.TimeField(_("starts at"))
    meeting_minutes = models.PositiveSmallIntegerField(_("meeting length (minutes)"))
    opening_minutes = models.PositiveSmallIntegerField(_("opening meeting length (minutes)"))
    start_date = models.DateField(_("opening meeting"))
    frequency = models.CharField(
        _("how often"), max_length=12, choices=Frequency, default=Frequency.WEEKLY
    )
    fortnightly_from = models.DateField(_("every other week from"), null=True, blank=True)
    # The centre's policy when the group was made: later policy changes do not move it.
    min_size = models.PositiveSmallIntegerField(_("smallest size to start"))
    max_size = models.PositiveSmallIntegerField(_("largest size"))
    fragile_below = models.PositiveSmallIntegerField(_("fragile below"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["start_date", "name"]
        indexes = [models.Index(fields=["centre", "status", "start_date"], name="group_list_idx")]
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="group_name_unique_per_centre"),
            models.CheckConstraint(name="group_weekday_range", condition=Q(weekday__lte=6)),
            models.CheckConstraint(
                name="group_minutes_range",
                condition=Q(meeting_minutes__gte=30, meeting_minutes__lte=180)
                & Q(opening_minutes__gte=F("meeting_minutes"), opening_minutes__lte=180),
                violation_error_message=_(
                    "Meetings last at most 3 hours, the opening meeting at least as long."
                ),
            ),
            models.CheckConstraint(
                name="group_sizes_ordered",
                condition=Q(fragile_below__lte=F("min_size"))
                & Q(min_size__gte=4, min_size__lte=F("max_size"))
                & Q(max_size__lte=8),
                violation_error_message=_("A group holds at most 8, and needs at least 4."),
            ),
            models.CheckConstraint(
                name="group_fortnightly_has_date",
                condition=Q(frequency=Frequency.WEEKLY, fortnightly_from__isnull=True)
                | Q(frequency=Frequency.FORTNIGHTLY, fortnightly_from__isnull=False),
            ),
            models.CheckConstraint(
                name="group_status_valid", condition=Q(status__in=GroupStatus.values)
            ),
            models.CheckConstraint(
                name="group_ended_has_date",
                condition=~Q(status=GroupStatus.ENDED) | Q(ended_on__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    def with_seat_flags(self) -> "Group":
        """Seats and warning flags for a group fetched through GroupQuerySet.with_seats()."""
        members, offered = self.members_count, self.offered_count
        self.seats = {
            "members": members,
            "offered": offered,
            "free": max(0, self.max_size - members - offered),
        }
        # Forming with fewer than the minimum, even if everyone offered says yes.
        self.is_short = self.status == GroupStatus.FORMING and members + offered < self.min_size
        # Running with fewer members than the group can carry on with.
        self.is_fragile = self.status in GroupStatus.running() and members < self.fragile_below
        return self


class MeetingQuerySet(models.QuerySet):
    def planned(self):
        return self.filter(status=MeetingStatus.PLANNED)

    def upcoming(self, now):
        return self.planned().filter(ends_at__gt=now)


class Meeting(models.Model):
    """One meeting of a group, at an aware time built from its local date and wall clock."""

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("group")
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("room")
    )
    index = models.PositiveSmallIntegerField(_("number"))
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    is_opening = models.BooleanField(_("opening meeting"), default=False)
    is_followup = models.BooleanField(_("follow-up meeting"), default=False)
    holiday = models.CharField(_("public holiday"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus, default=MeetingStatus.PLANNED
    )
    # Raised each time the meeting moves (iCalendar SEQUENCE).
    sequence = models.PositiveSmallIntegerField(default=0)
    moved_from = models.DateTimeField(_("originally"), null=True, blank=True)
    change_note = models.CharField(_("why it changed"), max_length=200, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at"]
        indexes = [
            models.Index(
                fields=["room", "starts_at"],
                name="meeting_room_time_idx",
                condition=Q(status="planned"),
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["group", "index"], name="meeting_index_unique"),
            models.CheckConstraint(
                name="meeting_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            ),
            models.CheckConstraint(
                name="meeting_status_valid", condition=Q(status__in=MeetingStatus.values)
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(is_followup=True, status="planned"),
                name="meeting_one_followup_per_group",
            ),
            # On PostgreSQL an exclusion constraint also refuses overlapping planned meetings in
            # one room (groups/migrations/0003); the service checks it under a lock everywhere.
        ]

    def __str__(self):
        return f"{self.group} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def local_date(self) -> date:
        from django.utils import timezone

        return timezone.localtime(self.starts_at).date()


class OfferQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=OfferStatus.OPEN)


class Offer(models.Model):
    """A place offered to someone on the waiting list; they answer on their own page."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="offers", verbose_name=_("applicant")
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="offers", verbose_name=_("group")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus, default=OfferStatus.OPEN
    )
    created_at = models.DateTimeField(_("offered"), auto_now_add=True)
    expires_at = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offered by"),
    )

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="open"),
                name="offer_one_open_per_applicant",
                violation_error_message=_("This person already has an open offer."),
            ),
            models.CheckConstraint(
                name="offer_status_valid", condition=Q(status__in=OfferStatus.values)
            ),
            models.CheckConstraint(
                name="offer_answered_has_time",
                condition=Q(status="open") | Q(answered_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.application} → {self.group}"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """Someone's place in a group, from joining until they leave or the group ends."""

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("group")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("participant"),
    )
    joined_on = models.DateField(_("joined"))
    left_on = models.DateField(_("left"), null=True, blank=True)
    leave_reason = models.CharField(
        _("why they left"), max_length=15, choices=LeaveReason, blank=True
    )
    confidentiality_signed_on = models.DateField(
        _("signed the confidentiality declaration"), null=True, blank=True
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(left_on__isnull=True),
                name="membership_one_active_group",
                violation_error_message=_("This person is already in a group."),
            ),
            models.CheckConstraint(
                name="membership_left_after_joined",
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
            ),
            models.CheckConstraint(
                name="membership_left_has_reason",
                condition=Q(left_on__isnull=True) | ~Q(leave_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.application} in {self.group}"

    @property
    def twelve_weeks_on(self) -> date:
        from groups.schedule import membership_dates

        return membership_dates(self.joined_on)[0]

    @property
    def six_months_on(self) -> date:
        from groups.schedule import membership_dates

        return membership_dates(self.joined_on)[1]


class GroupOpening(models.Model):
    """A started group's own decision to let new members in (it then counts as restarting)."""

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="openings", verbose_name=_("group")
    )
    decided_on = models.DateField(_("decided on"))
    reason = models.CharField(_("why"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision to open the group")
        verbose_name_plural = _("decisions to open the group")
        ordering = ["-decided_on"]

    def __str__(self):
        return f"{self.group} {self.decided_on}"


class AbsenceNotice(models.Model):
    """The notice duty: a participant tells the group they cannot come, or want to stop."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="notices", verbose_name=_("member")
    )
    kind = models.CharField(_("notice"), max_length=10, choices=NoticeKind)
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="absence_notices",
        verbose_name=_("meeting"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence notice")
        verbose_name_plural = _("absence notices")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="notice_absent_names_meeting",
                condition=Q(kind=NoticeKind.LEAVING) | Q(meeting__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["membership", "meeting"],
                condition=Q(kind="absent"),
                name="notice_once_per_meeting",
            ),
        ]

    def __str__(self):
        return f"{self.membership} {self.kind}"
