"""The centre's group policy: defaults from the SPEC, rules enforced by the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from selvhjelp.enums import FollowUpRule
from selvhjelp.models import Centre
from tests.factories import CentreFactory

pytestmark = pytest.mark.django_db


def test_policy_defaults_follow_the_spec():
    centre = Centre.objects.create(name="Selvhjelpshuset", slug="selvhjelpshuset")
    centre.refresh_from_db()
    assert (centre.group_min_size, centre.group_target_size, centre.group_max_size) == (5, 8, 8)
    assert centre.group_fragile_below == 4
    assert (centre.age_span_enabled, centre.age_span_years) == (True, 15)
    assert (centre.meeting_minutes, centre.opening_meeting_minutes) == (120, 120)
    assert (centre.starters_per_group, centre.starter_opening_meetings) == (2, 1)
    assert (centre.followup_rule, centre.followup_after) == (FollowUpRule.AFTER_MEETINGS, 4)
    assert centre.written_confidentiality is True
    assert centre.urgent_help_lines == [
        "Akutt fare for liv eller helse: ring 113.",
        "Legevakt: 116 117.",
        "Mental Helses hjelpetelefon: 116 123 (døgnåpen).",
        "Kirkens SOS: 22 40 00 40 (døgnåpen).",
    ]


@pytest.mark.parametrize(
    "values",
    [
        {"group_min_size": 3},  # below the national framework's 4
        {"group_max_size": 9},  # groups are at most 8
        {"group_min_size": 7, "group_target_size": 6},
        {"group_target_size": 8, "group_max_size": 7},
        {"group_fragile_below": 6},  # fragile above the minimum
        {"group_fragile_below": 1},
        {"age_span_years": 2},
        {"meeting_minutes": 30},
        {"meeting_minutes": 120, "opening_meeting_minutes": 90},
        {"opening_meeting_minutes": 200},
        {"starters_per_group": 3},
        {"starter_opening_meetings": 0},
        {"starter_opening_meetings": 7},
        {"followup_rule": FollowUpRule.AFTER_MEETINGS, "followup_after": 0},
        {"followup_rule": FollowUpRule.AFTER_MEETINGS, "followup_after": 13},
        {"followup_rule": FollowUpRule.AFTER_WEEKS, "followup_after": 27},
        {"followup_rule": FollowUpRule.AFTER_MONTHS, "followup_after": 7},
        {"followup_rule": "sometimes", "followup_after": 2},
    ],
)
def test_database_refuses_an_impossible_policy(values):
    centre = CentreFactory()
    for field, value in values.items():
        setattr(centre, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        centre.save()  # no full_clean: the database itself must refuse
    centre.refresh_from_db()
    assert centre.group_min_size == 5


@pytest.mark.parametrize(
    "values",
    [
        {"group_min_size": 4, "group_fragile_below": 3},
        {"group_min_size": 4, "group_target_size": 6, "group_max_size": 6},
        {"starters_per_group": 0},
        {"starter_opening_meetings": 5},
        {"followup_rule": FollowUpRule.AFTER_WEEKS, "followup_after": 6},
        {"followup_rule": FollowUpRule.AFTER_MONTHS, "followup_after": 2},
        {"age_span_enabled": False},
        {"opening_meeting_minutes": 180},
        {"written_confidentiality": False},
    ],
)
def test_database_accepts_the_policies_centres_use(values):
    centre = CentreFactory()
    for field, value in values.items():
        setattr(centre, field, value)
    centre.full_clean()
    centre.save()
    centre.refresh_from_db()
    for field, value in values.items():
        assert getattr(centre, field) == value


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "nb",
            "Gruppestørrelsene må oppfylle 2 ≤ sårbar ≤ minste, 4 ≤ minste ≤ ønsket ≤ største ≤ 8.",
        ),
        (
            "en",
            "Group sizes must satisfy 2 ≤ fragile ≤ minimum, 4 ≤ minimum ≤ preferred "
            "≤ largest ≤ 8.",
        ),
    ],
)
def test_validation_explains_the_rule_in_the_users_language(language, message):
    centre = CentreFactory.build(slug="ny", group_min_size=3)
    with translation.override(language), pytest.raises(ValidationError) as error:
        centre.full_clean()
    assert error.value.messages == [message]


def test_slug_is_unique():
    CentreFactory(slug="oslo")
    with pytest.raises(IntegrityError), transaction.atomic():
        Centre.objects.create(name="Et annet senter", slug="oslo")


def test_staff_see_only_their_own_centres(staff_1, centre_1, centre_2, staff_2):
    assert list(Centre.objects.for_staff(staff_1)) == [centre_1]
    assert list(Centre.objects.for_staff(staff_2)) == [centre_2]
    staff_1.is_active = False
    staff_1.save()
    assert list(Centre.objects.for_staff(staff_1)) == []
