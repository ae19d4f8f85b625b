"""Intake's retention rule: applications that ended without a place in a group.

Withdrawn, not suitable or set aside (no answer when asked), and untouched for the
centre's months since the status changed, they are erased through the same path as the
applicant's own "delete my data" (every app's part, through the core registry; intake
notes and messages go with them). A person who has been in a group is held by the groups
app, whose own rule decides when they go.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from intake import services
from intake.enums import Status
from intake.models import Application
from selvhjelp import retention

KEY = "intake.ended_applications"


def ended_applications(centre, today: date, months: int):
    kept_from = retention.start_of_day(retention.kept_from(today, months))
    return retention.without_holds(
        Application.objects.filter(
            centre=centre,
            status__in=[Status.WITHDRAWN, Status.NOT_SUITABLE, Status.INACTIVE],
            status_changed_at__lt=kept_from,
        ),
        app="intake",
    )


def erase_applications(queryset, *, rule: str) -> int:
    """Erase each selected application if, under its row lock, it is still selected."""
    erased = 0
    for pk in list(queryset.values_list("pk", flat=True)):
        with transaction.atomic():
            application = queryset.select_for_update().filter(pk=pk).first()
            if application is None:  # changed since it was selected: it stays
                continue
            services.erase(application, rule=rule)
            erased += 1
    return erased


RULE = retention.RetentionRule(
    key=KEY,
    label=_("applications withdrawn or not suitable, of people never in a group"),
    setting="RETENTION_ENDED_APPLICATION_MONTHS",
    centre_field="retention_ended_application_months",
    select=ended_applications,
    apply=lambda queryset: erase_applications(queryset, rule=KEY),
    order=10,
)
