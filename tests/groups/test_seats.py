"""GroupQuerySet.with_seats(): members and open offers counted in the group's own query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import Group
from tests.factories import GroupFactory, MembershipFactory, OfferFactory

pytestmark = pytest.mark.django_db


def test_seats_count_active_members_and_offers_not_yet_lapsed(centre_1):
    now = timezone.now()
    busy = GroupFactory(centre=centre_1, name="Full")
    MembershipFactory.create_batch(3, group=busy)
    left = MembershipFactory(group=busy)
    type(left).objects.filter(pk=left.pk).update(
        left_on=left.joined_on, leave_reason="own_choice"
    )  # left: no seat
    OfferFactory(group=busy)
    OfferFactory(group=busy, expires_at=now - timedelta(minutes=1))  # lapsed: no seat
    OfferFactory(group=busy, status="declined", answered_at=now)
    empty = GroupFactory(centre=centre_1, name="Empty")

    counted = {g.name: (g.members_count, g.offered_count) for g in Group.objects.with_seats(now)}

    assert counted == {"Full": (3, 1), "Empty": (0, 0)}
    assert Group.objects.with_seats(now).get(pk=empty.pk).with_seat_flags().seats == {
        "members": 0,
        "offered": 0,
        "free": empty.max_size,
    }


def test_seats_refer_to_their_own_group_inside_another_query(centre_1):
    now = timezone.now()
    two = GroupFactory(centre=centre_1, name="Two")
    MembershipFactory.create_batch(2, group=two)
    GroupFactory(centre=centre_1, name="None")

    inner = Group.objects.with_seats(now).filter(members_count__gte=2).values("pk")
    outer = Group.objects.filter(pk__in=inner).with_seats(now)

    assert [(g.name, g.members_count) for g in outer] == [("Two", 2)]
