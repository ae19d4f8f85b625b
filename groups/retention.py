"""The groups app's retention: people who were in a group and no longer are.

A person whose memberships have all ended (they left, or the group ended) more than the
centre's months ago, and who is not on the waiting list, offered a place or in a running
group, is erased whole (application, memberships, notices, offers, messages) through the
same path as the applicant's own "delete my data".

Such a person is held from intake's shorter rule for ended applications: this rule decides.
"""

from datetime import date

from django.db.models import Case, Exists, OuterRef, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from groups.enums import GroupStatus
from groups.models import Membership, Offer
from intake.enums import Status
from intake.models import Application
from intake.retention import erase_applications
from selvhjelp import retention

KEY = "groups.past_participants"
# Statuses of someone who is done with us; any other (waiting, offered, set aside to be
# asked again…) keeps them, however long ago their groups ended.
DONE = [Status.PLACED, Status.WITHDRAWN, Status.NOT_SUITABLE, Status.INACTIVE]


def _memberships():
    return Membership.objects.filter(application=OuterRef("pk"))


def past_participants(centre, today: date, months: int):
    kept_from = retention.kept_from(today, months)
    # When a membership ended: the day they left, or the day its group ended.
    ended_on = Coalesce(
        "left_on", Case(When(group__status=GroupStatus.ENDED, then="group__ended_on"))
    )
    still_in = _memberships().filter(left_on__isnull=True).exclude(group__status=GroupStatus.ENDED)
    ended_lately = _memberships().alias(ended_on=ended_on).filter(ended_on__gte=kept_from)
    open_offer = Offer.objects.open().filter(application=OuterRef("pk"))
    return (
        Application.objects.filter(centre=centre, status__in=DONE)
        .filter(Exists(_memberships()))
        .exclude(Exists(still_in))
        .exclude(Exists(ended_lately))
        .exclude(Exists(open_offer))
    )


def has_been_in_a_group():
    return Exists(_memberships())


HOLD = retention.Hold(
    key="groups.has_been_in_a_group", model="intake.application", condition=has_been_in_a_group
)

RULE = retention.RetentionRule(
    key=KEY,
    label=_("people no longer in any group (with their offers, memberships and notices)"),
    setting="RETENTION_PAST_PARTICIPANT_MONTHS",
    centre_field="retention_past_participant_months",
    select=past_participants,
    apply=lambda queryset: erase_applications(queryset, rule=KEY),
    order=20,
)
