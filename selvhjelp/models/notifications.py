from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from selvhjelp.enums import Channel, Language, NotificationState
from selvhjelp.models.centres import Centre


class NotificationQuerySet(models.QuerySet):
    def for_centre(self, centre):
        return self.filter(centre=centre)

    def claimable(self, now):
        """Due and waiting, or claimed by a worker whose lease ran out (it died)."""
        return self.filter(
            Q(state=NotificationState.PENDING, due_at__lte=now)
            | Q(state=NotificationState.SENDING, lease_expires_at__lt=now)
        )

    def overdue(self, now, grace):
        """Open messages that should have left more than `grace` ago."""
        return self.filter(state__in=NotificationState.open(), due_at__lt=now - grace)

    def concerning(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def to_recipient(self, obj):
        return self.filter(recipient_type=obj._meta.label_lower, recipient_id=str(obj.pk))


class Notification(models.Model):
    """One message in the outbox: written with its cause, sent once by the dispatcher.

    The row holds addresses and ids, never the text: the body is rendered when it is sent,
    from the kind's templates, so it reflects the current time and place and never stores
    what an applicant wrote about themselves.
    """

    idempotency_key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel)
    centre = models.ForeignKey(
        Centre,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("centre"),
    )
    # Who receives it: their address now, and the object they are (to stop messages when
    # they leave), e.g. intake.application:12 or auth.user:3.
    to_address = models.CharField(_("to"), max_length=254)
    to_name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language)
    recipient_type = models.CharField(max_length=60, blank=True)
    recipient_id = models.CharField(max_length=40, blank=True)
    # What it is about (a meeting, an offer…), to cancel all its messages in one call.
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    params = models.JSONField(
        _("parameters"), default=dict, blank=True, help_text=_("Ids and flags only.")
    )

    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=NotificationState, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    message_id = models.CharField(_("message id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="notification_pending_due_idx",
                condition=Q(state__in=["pending", "sending"]),
            ),
            models.Index(fields=["object_type", "object_id"], name="notification_object_idx"),
            models.Index(
                fields=["recipient_type", "recipient_id"], name="notification_recipient_idx"
            ),
            models.Index(fields=["centre", "-due_at"], name="notification_centre_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="notification_sending_has_lease",
                condition=~Q(state="sending") | Q(lease_expires_at__isnull=False),
            ),
            models.CheckConstraint(
                name="notification_sent_has_time",
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
            ),
            models.CheckConstraint(
                name="notification_state_valid",
                condition=Q(state__in=[s.value for s in NotificationState]),
            ),
            models.CheckConstraint(
                name="notification_channel_valid",
                condition=Q(channel__in=[c.value for c in Channel]),
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to_name or self.channel} ({self.get_state_display()})"

    @property
    def kind_label(self) -> str:
        from selvhjelp.outbox import kind_label

        return kind_label(self.kind)
