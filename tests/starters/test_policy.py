"""The meetings a starter attends follow the centre's policy: the first N meetings (1–6) and
the follow-up after a number of held meetings, weeks or months; they follow it again when
meetings are cancelled or move."""

from datetime import date, time

import pytest

from groups import services as groups
from selvhjelp.enums import FollowUpRule
from selvhjelp.models import Notification
from starters import services
from tests.starters.test_services import _setup, at, booked, make_group, starter  # noqa: F401

pytestmark = pytest.mark.django_db

TUESDAYS = [
    date(2026, 12, 1),  # 0, the opening meeting
    date(2026, 12, 8),
    date(2026, 12, 15),
    date(2026, 12, 22),
    date(2026, 12, 29),  # 4: after four held meetings
    date(2027, 1, 5),
    date(2027, 1, 12),  # 6: six weeks after the start
    date(2027, 1, 19),
    date(2027, 1, 26),
    date(2027, 2, 2),  # 9: the first meeting two months after the start (1 February)
]


def policy(centre, *, opening: int = 1, rule=FollowUpRule.AFTER_MEETINGS, after: int = 4):
    centre.starter_opening_meetings = opening
    centre.followup_rule = rule
    centre.followup_after = after
    centre.save(update_fields=["starter_opening_meetings", "followup_rule", "followup_after"])


def attended(assignment) -> list[tuple[int, date]]:
    return [(index, starts.date()) for index, starts, active in booked(assignment) if active]


@pytest.mark.parametrize(
    ("opening", "rule", "after", "indexes"),
    [
        (1, FollowUpRule.AFTER_MEETINGS, 4, [0, 4]),
        (5, FollowUpRule.AFTER_MEETINGS, 4, [0, 1, 2, 3, 4]),  # the follow-up is the fifth
        (1, FollowUpRule.AFTER_WEEKS, 6, [0, 6]),
        (1, FollowUpRule.AFTER_MONTHS, 2, [0, 9]),
        (5, FollowUpRule.AFTER_WEEKS, 6, [0, 1, 2, 3, 4, 6]),
        (5, FollowUpRule.AFTER_MONTHS, 2, [0, 1, 2, 3, 4, 9]),
    ],
)
def test_the_centres_policy_decides_the_meetings(centre_1, staff_1, opening, rule, after, indexes):
    policy(centre_1, opening=opening, rule=rule, after=after)
    group = make_group(centre_1, staff_1)
    assert [m.index for m in services.meetings_to_attend(group)] == indexes
    assignment = services.assign_starter(group, starter(centre_1, "Ola"), staff=staff_1)
    assert attended(assignment) == [(i, TUESDAYS[i]) for i in indexes]
    # Each booked meeting has its two reminders.
    reminders = Notification.objects.filter(kind="starters.reminder", state="pending")
    assert reminders.count() == 2 * len(indexes)


def test_a_cancelled_opening_meeting_passes_its_role_to_the_next(centre_1, staff_1):
    group = make_group(centre_1, staff_1)
    assignment = services.assign_starter(group, starter(centre_1, "Ola"), staff=staff_1)
    groups.cancel_meeting(group.meetings.get(index=0), staff=staff_1)
    # The first planned meeting is now the second; the follow-up counts one meeting later.
    assert attended(assignment) == [(1, TUESDAYS[1]), (5, TUESDAYS[5])]


def test_a_follow_up_that_moves_to_another_meeting_takes_the_starters_along(centre_1, staff_1):
    policy(centre_1, rule=FollowUpRule.AFTER_WEEKS, after=6)
    group = make_group(centre_1, staff_1)
    assignment = services.assign_starter(group, starter(centre_1, "Ola"), staff=staff_1)
    assert attended(assignment) == [(0, TUESDAYS[0]), (6, TUESDAYS[6])]
    # Moved to the day before the six weeks are up: the next meeting becomes the follow-up.
    groups.move_meeting(
        group.meetings.get(index=6), day=date(2027, 1, 11), start_time=time(18, 0), staff=staff_1
    )
    assert attended(assignment) == [(0, TUESDAYS[0]), (7, TUESDAYS[7])]
    assert [(i, active) for i, _at, active in booked(assignment)] == [
        (0, True),
        (6, False),
        (7, True),
    ]


def test_a_new_pattern_books_the_new_meetings(centre_1, staff_1):
    group = make_group(centre_1, staff_1)
    assignment = services.assign_starter(group, starter(centre_1, "Ola"), staff=staff_1)
    groups.change_pattern(
        group, staff=staff_1, from_date=date(2026, 12, 1), weekday=3, start_time=time(17, 0)
    )
    # Thursdays from 3 December at 17:00; the old meetings and their bookings are gone.
    assert [(i, starts) for i, starts, _active in booked(assignment)] == [
        (0, at(date(2026, 12, 3), 17)),
        (4, at(date(2026, 12, 31), 17)),
    ]
