from collections import Counter
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from groups.enums import GroupStatus, MeetingStatus
from groups.models import Group, Meeting, Membership, Offer, Room
from intake.enums import Status
from intake.models import Application
from selvhjelp.models import AuditEvent, Centre
from selvhjelp.models.notifications import Notification

TINY = [
    "--centres=3",
    "--applications=200",
    "--groups=12",
    "--memberships=40",
    "--meetings=240",
    "--seed=7",
    "--batch=50",
]


def seed(*extra):
    out = StringIO()
    call_command("seed_scale", *TINY, *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


@pytest.mark.django_db
def test_seeds_exact_counts_that_satisfy_the_rules(debug_on):
    output = seed()

    assert "Scale data seeded in" in output
    assert Centre.objects.count() == 3
    assert set(Centre.objects.values_list("slug", flat=True)) == {
        "skala-001",
        "skala-002",
        "skala-003",
    }
    assert Room.objects.count() == 12
    assert Group.objects.count() == 12
    assert Meeting.objects.count() == 240
    assert Application.objects.count() == 200
    assert Membership.objects.count() == 40
    assert Offer.objects.count() == 0

    # Every applicant belongs to a scale centre; statuses are valid and realistic.
    assert not Application.objects.exclude(centre__slug__startswith="skala-").exists()
    statuses = Counter(Application.objects.values_list("status", flat=True))
    assert set(statuses) <= set(Status.values)
    assert statuses[Status.PLACED] == 40
    assert statuses[Status.WAITING] + statuses[Status.RECEIVED] + statuses[Status.IN_DIALOGUE] > 80
    assert not Application.objects.filter(status=Status.NOT_SUITABLE, not_suitable_reason="")
    assert Application.objects.values("access_key").distinct().count() == 200

    # Placed applicants are exactly the members, each in one group of their own centre.
    assert set(Membership.objects.values_list("application_id", flat=True)) == set(
        Application.objects.filter(status=Status.PLACED).values_list("id", flat=True)
    )
    assert not Membership.objects.exclude(group__centre=F("application__centre")).exists()
    assert Membership.objects.count() <= Group.objects.count() * 8
    for group in Group.objects.annotate(n=Count("memberships")):
        assert group.n <= group.max_size
        assert group.status in {GroupStatus.FORMING, GroupStatus.STARTED, GroupStatus.ENDED}
        assert group.start_date.weekday() == group.weekday
        assert group.meetings.count() == 20  # 240 meetings over 12 groups
        assert group.meetings.filter(is_followup=True, status=MeetingStatus.PLANNED).count() <= 1

    # One room per group, and no two planned meetings in a room overlap (PostgreSQL refuses).
    for room in Room.objects.all():
        times = sorted(
            room.meetings.planned().values_list("starts_at", "ends_at"), key=lambda pair: pair[0]
        )
        for (_, ends), (starts, _) in pairwise(times):
            assert ends <= starts
    assert not Meeting.objects.exclude(room=F("group__room")).exists()

    # Only rows were written: no messages queued, nothing audited.
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_same_seed_gives_the_same_data(debug_on):
    seed()
    first = list(Application.objects.order_by("email").values_list("email", "status", "phone"))
    seed("--replace")
    second = list(Application.objects.order_by("email").values_list("email", "status", "phone"))
    assert first == second


@pytest.mark.django_db
def test_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not Centre.objects.exists()

    seed("--force")
    assert Application.objects.count() == 200


@pytest.mark.django_db
def test_second_run_refuses_and_replace_starts_over(debug_on):
    seed()
    with pytest.raises(CommandError, match="--replace"):
        seed()
    assert Application.objects.count() == 200

    output = seed("--replace")
    assert "Deleted the earlier scale data" in output
    assert Centre.objects.count() == 3
    assert Application.objects.count() == 200
    assert Meeting.objects.count() == 240
    assert Membership.objects.count() == 40
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_replace_leaves_other_centres_alone(debug_on):
    other = Centre.objects.create(name="Selvhjelp Demo", slug="demo")
    seed()
    seed("--replace")
    assert Centre.objects.filter(pk=other.pk).exists()
    assert not Application.objects.filter(centre=other).exists()


@pytest.mark.django_db
def test_refuses_impossible_sizes(debug_on):
    with pytest.raises(CommandError, match="per group"):
        call_command("seed_scale", "--groups=2", "--memberships=17", "--applications=50")
    with pytest.raises(CommandError, match="applications"):
        call_command("seed_scale", "--groups=10", "--memberships=20", "--applications=10")
    assert not Centre.objects.exists()
