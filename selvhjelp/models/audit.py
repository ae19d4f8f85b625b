from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from selvhjelp.models.centres import Centre


class AuditEventQuerySet(models.QuerySet):
    """Append-only: rows can be added and read, never changed or removed from the app."""

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly

    def delete(self):
        raise AuditLogIsAppendOnly

    def for_centre(self, centre):
        return self.filter(centre=centre)

    def for_object(self, object_type: str, object_id):
        return self.filter(object_type=object_type, object_id=str(object_id))


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEvent(models.Model):
    """Who did what to which object, when and from where — never the sensitive values."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    centre = models.ForeignKey(
        Centre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("centre"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["centre", "-at"], name="audit_centre_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AuditLogIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly
