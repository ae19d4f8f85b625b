"""seed_scale's starters part (starters/scale.py): accounts, assignments and bookings."""

from collections import Counter, defaultdict
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from groups.enums import GroupStatus
from groups.models import Group
from starters import services
from starters.enums import AssignmentStatus
from starters.models import Assignment, Booking, Starter
from tests.factories import StarterFactory
from tests.groups.test_seed_scale import TINY


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def seed(*extra) -> str:
    out = StringIO()
    call_command("seed_scale", *TINY, *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_starters_are_spread_over_the_centres_and_open_the_groups():
    output = seed("--starters=20")

    assert Starter.objects.count() == 20
    assert "starters" in output
    assert "bookings" in output
    per_centre = Counter(Starter.objects.values_list("centres__slug", flat=True))
    assert sum(per_centre.values()) == 20
    assert min(per_centre.values()) >= 2
    users = get_user_model().objects.filter(starter__isnull=False)
    assert not any(user.has_usable_password() for user in users)

    # Nobody opens a group twice, no group gets more starters than its centre asks for.
    for group in Group.objects.select_related("centre"):
        holding = group.starter_assignments.holding()
        assert holding.count() <= group.centre.starters_per_group
    assert Assignment.objects.holding().exists()
    # Bookings are exactly the meetings the centre's policy has each holder attend.
    for assignment in Assignment.objects.select_related("group__centre"):
        booked = sorted(b.meeting_id for b in assignment.bookings.all())
        if assignment.status in AssignmentStatus.holding():
            expected = sorted(m.pk for m in services.meetings_to_attend(assignment.group))
            assert booked == expected
        else:
            assert booked == []
    # No starter is booked twice at once, and no running group is over a starter's limit.
    times = defaultdict(list)
    for booking in Booking.objects.active():
        times[booking.starter_id].append((booking.starts_at, booking.ends_at))
    for slots in times.values():
        for (_, end), (start, _) in pairwise(sorted(slots)):
            assert end <= start
    for starter in Starter.objects.all():
        running = starter.assignments.holding().exclude(group__status=GroupStatus.ENDED)
        assert running.count() <= starter.max_groups


@pytest.mark.django_db
def test_replace_removes_the_earlier_starters_and_no_one_else(centre_1):
    own = StarterFactory(centre=centre_1)
    seed("--starters=10")
    first = set(Starter.objects.exclude(pk=own.pk).values_list("user__username", flat=True))
    seed("--starters=6", "--replace")

    assert Starter.objects.exclude(pk=own.pk).count() == 6
    assert Starter.objects.filter(pk=own.pk).exists()
    usernames = set(Starter.objects.exclude(pk=own.pk).values_list("user__username", flat=True))
    assert len(first) == 10
    assert len(usernames) == 6


@pytest.mark.django_db
def test_no_starters_when_asked_for_none_and_negative_is_refused():
    seed("--starters=0")
    assert not Starter.objects.exists()
    assert not Assignment.objects.exists()
    with pytest.raises(CommandError, match="negative"):
        seed("--starters=-1", "--replace")
