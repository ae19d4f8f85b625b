from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionRun(models.Model):
    """One run of the retention purge: when, whether it was a dry run, and how much went.

    Counts only, per rule and centre: never ids, names or anything else about a person.
    """

    class Trigger(models.TextChoices):
        TASK = "task", _("the nightly task")
        COMMAND = "command", _("the purge_personal_data command")

    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run (nothing removed)"), default=False)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger)
    scope = models.CharField(
        _("centre"), max_length=60, blank=True, help_text=_("Empty: every centre.")
    )
    counts = models.JSONField(
        _("removed per rule and centre"),
        default=dict,
        blank=True,
        help_text=_("{rule: {centre: count}}; a dry run counts what it would remove."),
    )
    total = models.PositiveIntegerField(_("removed in all"), default=0)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="retention_run_trigger_valid",
                condition=models.Q(trigger__in=["task", "command"]),
            ),
        ]

    def __str__(self):
        return (
            f"{self.started_at:%Y-%m-%d %H:%M} {self.trigger}{' (dry run)' if self.dry_run else ''}"
        )
