"""The meeting series generator (groups.schedule): pure functions, tested directly."""

from datetime import UTC, date, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groups.schedule import (
    OSLO,
    Pattern,
    PatternError,
    PlannedMeeting,
    followup_index,
    membership_dates,
    norwegian_holidays,
    series,
)
from selvhjelp.enums import FollowUpRule

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def weekly(weekday, start_date, **kwargs):
    values = {"start": time(18, 0), "minutes": 120, "opening_minutes": 120}
    values.update(kwargs)
    return Pattern(weekday=weekday, start_date=start_date, **values)


def dates(meetings):
    return [m.date for m in meetings]


def flagged(meetings):
    return {m.date: m.holiday for m in meetings if m.holiday}


def held(meetings, *, cancelled=()):
    """What the service passes: (index, date) of the meetings that will be held."""
    return [(m.index, m.date) for m in meetings if m.date not in cancelled]


# --- wall-clock time across daylight saving ------------------------------------------------


def test_sunday_meetings_keep_18_local_across_spring_change():
    meetings = series(weekly(SUN, date(2026, 3, 22)), until=date(2026, 4, 5))

    assert [(m.date, m.starts_at.time(), m.starts_at.astimezone(UTC).hour) for m in meetings] == [
        (date(2026, 3, 22), time(18, 0), 17),
        (date(2026, 3, 29), time(18, 0), 16),  # the change happened at 02:00 that morning
        (date(2026, 4, 5), time(18, 0), 16),
    ]


def test_sunday_meetings_keep_18_local_across_autumn_change():
    meetings = series(weekly(SUN, date(2026, 10, 18)), until=date(2026, 11, 1))

    assert [(m.date, m.starts_at.time(), m.starts_at.astimezone(UTC).hour) for m in meetings] == [
        (date(2026, 10, 18), time(18, 0), 16),
        (date(2026, 10, 25), time(18, 0), 17),
        (date(2026, 11, 1), time(18, 0), 17),
    ]


def test_a_whole_year_of_wednesdays_is_17_utc_in_winter_and_16_utc_in_summer():
    meetings = series(weekly(WED, date(2026, 1, 7)), until=date(2026, 12, 30))

    assert len(meetings) == 52
    for m in meetings:
        summer = date(2026, 3, 29) <= m.date < date(2026, 10, 25)
        assert m.starts_at.tzinfo is OSLO
        assert m.starts_at.time() == time(18, 0)
        assert m.starts_at.astimezone(UTC).hour == (16 if summer else 17)
        assert m.ends_at.astimezone(OSLO).time() == time(20, 0)


def test_ends_at_is_start_plus_length():
    [m] = series(
        weekly(TUE, date(2026, 1, 6), start=time(17, 30), minutes=90, opening_minutes=90),
        until=date(2026, 1, 6),
    )

    assert m.ends_at - m.starts_at == timedelta(minutes=90)
    assert m.ends_at.time() == time(19, 0)


# --- holidays -------------------------------------------------------------------------------


def test_norwegian_holidays_2026_are_the_named_days_only_and_no_plain_sundays():
    assert norwegian_holidays(2026) == {
        date(2026, 1, 1): "Første nyttårsdag",
        date(2026, 4, 2): "Skjærtorsdag",
        date(2026, 4, 3): "Langfredag",
        date(2026, 4, 5): "Første påskedag",
        date(2026, 4, 6): "Andre påskedag",
        date(2026, 5, 1): "Arbeidernes dag",
        date(2026, 5, 14): "Kristi himmelfartsdag",
        date(2026, 5, 17): "Grunnlovsdag",
        date(2026, 5, 24): "Første pinsedag",
        date(2026, 5, 25): "Andre pinsedag",
        date(2026, 12, 25): "Første juledag",
        date(2026, 12, 26): "Andre juledag",
    }


def test_norwegian_holidays_takes_several_years():
    found = norwegian_holidays([2026, 2027])

    # 2027 has 11, not 12: Whit Monday falls on 17 May and the package joins the names.
    assert len(found) == 23
    assert found[date(2027, 3, 25)] == "Skjærtorsdag"
    assert found[date(2027, 5, 17)] == "Andre pinsedag; Grunnlovsdag"
    assert "Søndag" not in found.values()


@pytest.mark.parametrize(
    ("weekday", "start_date", "expected"),
    [
        (
            THU,
            date(2026, 1, 1),
            {
                date(2026, 1, 1): "Første nyttårsdag",
                date(2026, 4, 2): "Skjærtorsdag",
                date(2026, 5, 14): "Kristi himmelfartsdag",
            },
        ),
        (
            FRI,
            date(2026, 1, 2),
            {
                date(2026, 4, 3): "Langfredag",
                date(2026, 5, 1): "Arbeidernes dag",
                date(2026, 12, 25): "Første juledag",
            },
        ),
        (
            MON,
            date(2026, 1, 5),
            {date(2026, 4, 6): "Andre påskedag", date(2026, 5, 25): "Andre pinsedag"},
        ),
        (
            SUN,
            date(2026, 1, 4),
            {
                date(2026, 4, 5): "Første påskedag",
                date(2026, 5, 17): "Grunnlovsdag",
                date(2026, 5, 24): "Første pinsedag",
            },
        ),
        (SAT, date(2026, 1, 3), {date(2026, 12, 26): "Andre juledag"}),
        (TUE, date(2026, 1, 6), {}),
    ],
)
def test_a_year_of_meetings_flags_exactly_the_public_holidays(weekday, start_date, expected):
    meetings = series(weekly(weekday, start_date), until=date(2026, 12, 31))

    assert flagged(meetings) == expected


def test_holidays_are_flagged_not_skipped():
    meetings = series(weekly(THU, date(2026, 3, 26)), until=date(2026, 4, 9))

    assert [(m.index, m.date, m.holiday) for m in meetings] == [
        (0, date(2026, 3, 26), ""),
        (1, date(2026, 4, 2), "Skjærtorsdag"),
        (2, date(2026, 4, 9), ""),
    ]


def test_default_holidays_cover_every_year_the_series_spans():
    meetings = series(weekly(FRI, date(2026, 12, 18)), until=date(2027, 1, 8))

    assert flagged(meetings) == {
        date(2026, 12, 25): "Første juledag",
        date(2027, 1, 1): "Første nyttårsdag",
    }


def test_given_holidays_replace_the_default():
    pattern = weekly(THU, date(2026, 3, 26))

    assert flagged(series(pattern, until=date(2026, 4, 9), holidays={})) == {}
    assert flagged(
        series(pattern, until=date(2026, 4, 9), holidays={date(2026, 4, 9): "Lokal fridag"})
    ) == {date(2026, 4, 9): "Lokal fridag"}


# --- skip, opening, fortnightly ---------------------------------------------------------------


def test_skip_removes_dates_and_reindexes():
    meetings = series(
        weekly(MON, date(2026, 1, 5)),
        until=date(2026, 2, 9),
        skip=frozenset({date(2026, 1, 12), date(2026, 2, 2), date(2026, 3, 2)}),
    )

    assert [(m.index, m.date) for m in meetings] == [
        (0, date(2026, 1, 5)),
        (1, date(2026, 1, 19)),
        (2, date(2026, 1, 26)),
        (3, date(2026, 2, 9)),
    ]


def test_skipping_a_public_holiday():
    meetings = series(
        weekly(MON, date(2026, 3, 30)),
        until=date(2026, 4, 13),
        skip=frozenset({date(2026, 4, 6)}),
    )

    assert [(m.index, m.date, m.holiday) for m in meetings] == [
        (0, date(2026, 3, 30), ""),
        (1, date(2026, 4, 13), ""),
    ]


def test_opening_meeting_uses_opening_minutes():
    meetings = series(
        weekly(TUE, date(2026, 1, 6), minutes=120, opening_minutes=180), until=date(2026, 1, 20)
    )

    assert [(m.opening, m.ends_at - m.starts_at) for m in meetings] == [
        (True, timedelta(minutes=180)),
        (False, timedelta(minutes=120)),
        (False, timedelta(minutes=120)),
    ]
    assert meetings[0].ends_at.time() == time(21, 0)


def test_skipping_the_start_date_makes_the_next_kept_meeting_the_opening():
    meetings = series(
        weekly(TUE, date(2026, 1, 6), opening_minutes=150),
        until=date(2026, 1, 20),
        skip=frozenset({date(2026, 1, 6)}),
    )

    assert [(m.index, m.date, m.opening, m.ends_at - m.starts_at) for m in meetings] == [
        (0, date(2026, 1, 13), True, timedelta(minutes=150)),
        (1, date(2026, 1, 20), False, timedelta(minutes=120)),
    ]


def test_until_is_inclusive():
    assert dates(series(weekly(TUE, date(2026, 1, 6)), until=date(2026, 1, 13))) == [
        date(2026, 1, 6),
        date(2026, 1, 13),
    ]
    assert dates(series(weekly(TUE, date(2026, 1, 6)), until=date(2026, 1, 12))) == [
        date(2026, 1, 6)
    ]


def test_fortnightly_from_a_date():
    # 1 February 2026 is a Sunday: the first Tuesday on or after it, 3 February, is held.
    meetings = series(
        weekly(TUE, date(2026, 1, 6), fortnightly_from=date(2026, 2, 1)), until=date(2026, 3, 31)
    )

    assert [(m.index, m.date) for m in meetings] == [
        (0, date(2026, 1, 6)),
        (1, date(2026, 1, 13)),
        (2, date(2026, 1, 20)),
        (3, date(2026, 1, 27)),
        (4, date(2026, 2, 3)),
        (5, date(2026, 2, 17)),
        (6, date(2026, 3, 3)),
        (7, date(2026, 3, 17)),
        (8, date(2026, 3, 31)),
    ]


def test_fortnightly_from_a_meeting_date_holds_that_meeting():
    meetings = series(
        weekly(TUE, date(2026, 1, 6), fortnightly_from=date(2026, 1, 20)), until=date(2026, 2, 17)
    )

    assert dates(meetings) == [
        date(2026, 1, 6),
        date(2026, 1, 13),
        date(2026, 1, 20),
        date(2026, 2, 3),
        date(2026, 2, 17),
    ]


def test_fortnightly_from_the_start_date():
    meetings = series(
        weekly(TUE, date(2026, 1, 6), fortnightly_from=date(2026, 1, 6)), until=date(2026, 2, 17)
    )

    assert dates(meetings) == [
        date(2026, 1, 6),
        date(2026, 1, 20),
        date(2026, 2, 3),
        date(2026, 2, 17),
    ]


def test_a_skipped_fortnightly_meeting_does_not_shift_the_rhythm():
    meetings = series(
        weekly(TUE, date(2026, 1, 6), fortnightly_from=date(2026, 2, 1)),
        until=date(2026, 3, 31),
        skip=frozenset({date(2026, 2, 17), date(2026, 2, 24)}),
    )

    assert [(m.index, m.date) for m in meetings][4:] == [
        (4, date(2026, 2, 3)),
        (5, date(2026, 3, 3)),
        (6, date(2026, 3, 17)),
        (7, date(2026, 3, 31)),
    ]


# --- pattern errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "until", "message"),
    [
        (
            {"weekday": 7},
            date(2026, 2, 1),
            "weekday must be 0 \\(Monday\\) to 6 \\(Sunday\\), not 7",
        ),
        (
            {"weekday": -1},
            date(2026, 2, 1),
            "weekday must be 0 \\(Monday\\) to 6 \\(Sunday\\), not -1",
        ),
        ({"weekday": WED}, date(2026, 2, 1), "start_date 2026-01-06 is a Tuesday, not a Wednesday"),
        ({"minutes": 29, "opening_minutes": 29}, date(2026, 2, 1), "30 to 180 minutes, not 29"),
        ({"minutes": 181, "opening_minutes": 181}, date(2026, 2, 1), "30 to 180 minutes, not 181"),
        ({"minutes": 120, "opening_minutes": 90}, date(2026, 2, 1), "at most 180 minutes, not 90"),
        (
            {"minutes": 120, "opening_minutes": 181},
            date(2026, 2, 1),
            "at most 180 minutes, not 181",
        ),
        (
            {"fortnightly_from": date(2026, 1, 5)},
            date(2026, 2, 1),
            "fortnightly_from 2026-01-05 is before start_date 2026-01-06",
        ),
        ({}, date(2026, 1, 5), "until 2026-01-05 is before start_date 2026-01-06"),
    ],
)
def test_pattern_errors(changes, until, message):
    values = {
        "weekday": TUE,
        "start": time(18, 0),
        "minutes": 120,
        "opening_minutes": 120,
        "start_date": date(2026, 1, 6),
    } | changes

    with pytest.raises(PatternError, match=message):
        series(Pattern(**values), until=until)


def test_pattern_error_is_a_value_error():
    assert issubclass(PatternError, ValueError)


def test_boundary_lengths_are_allowed():
    short = series(
        weekly(TUE, date(2026, 1, 6), minutes=30, opening_minutes=30), until=date(2026, 1, 6)
    )
    long = series(
        weekly(TUE, date(2026, 1, 6), minutes=180, opening_minutes=180), until=date(2026, 1, 6)
    )

    assert short[0].ends_at - short[0].starts_at == timedelta(minutes=30)
    assert long[0].ends_at - long[0].starts_at == timedelta(minutes=180)


# --- follow-up meeting ------------------------------------------------------------------------

START = date(2026, 1, 5)  # a Monday


def mondays(until=date(2026, 4, 27), **kwargs):
    return series(weekly(MON, START), until=until, **kwargs)


def test_followup_after_4_held_meetings_is_the_fifth():
    meetings = mondays()

    assert followup_index(meetings, FollowUpRule.AFTER_MEETINGS, 4, START) == 4
    assert meetings[4].date == date(2026, 2, 2)
    assert followup_index(held(meetings), "meetings", 4, START) == 4


def test_followup_after_meetings_moves_a_week_when_the_third_is_cancelled():
    meetings = mondays()
    rows = held(meetings, cancelled={date(2026, 1, 19)})  # the 3rd meeting, index 2

    assert followup_index(rows, "meetings", 4, START) == 5
    assert meetings[5].date == date(2026, 2, 9)


def test_followup_after_meetings_zero_is_the_opening():
    assert followup_index(mondays(), "meetings", 0, START) == 0


def test_followup_after_meetings_too_short():
    meetings = mondays(until=date(2026, 1, 26))  # four meetings

    assert len(meetings) == 4
    assert followup_index(meetings, "meetings", 4, START) is None
    assert followup_index([], "meetings", 0, START) is None


def test_followup_after_6_weeks():
    meetings = mondays()

    assert followup_index(meetings, FollowUpRule.AFTER_WEEKS, 6, START) == 6
    assert meetings[6].date == date(2026, 2, 16)


def test_followup_after_weeks_when_that_week_is_skipped():
    meetings = mondays(skip=frozenset({date(2026, 2, 16)}))

    index = followup_index(meetings, "weeks", 6, START)

    assert index == 6
    assert meetings[index].date == date(2026, 2, 23)


def test_followup_after_weeks_when_that_meeting_is_cancelled():
    meetings = mondays()
    rows = held(meetings, cancelled={date(2026, 2, 16)})

    assert followup_index(rows, "weeks", 6, START) == 7
    assert meetings[7].date == date(2026, 2, 23)


def test_followup_after_weeks_with_an_irregular_start_date_takes_the_next_meeting():
    # Counted from a Thursday, six weeks land on Thursday 19 February: the next Monday.
    meetings = mondays()

    assert followup_index(meetings, "weeks", 6, date(2026, 1, 8)) == 7


def test_followup_after_weeks_too_short():
    meetings = mondays(until=date(2026, 2, 9))

    assert followup_index(meetings, "weeks", 6, START) is None


def test_followup_after_2_months():
    meetings = mondays()

    # 5 January + 2 months = 5 March (a Thursday): the next Monday is 9 March.
    assert followup_index(meetings, FollowUpRule.AFTER_MONTHS, 2, START) == 9
    assert meetings[9].date == date(2026, 3, 9)


def test_followup_after_2_months_from_the_31st():
    start = date(2025, 12, 31)  # a Wednesday; + 2 months is clamped to 28 February 2026
    meetings = series(weekly(WED, start), until=date(2026, 4, 1))

    assert followup_index(meetings, "months", 2, start) == 9
    assert meetings[9].date == date(2026, 3, 4)


def test_followup_after_a_month_clamps_to_the_end_of_february():
    start = date(2029, 1, 31)  # a Wednesday; + 1 month = Wednesday 28 February 2029
    meetings = series(weekly(WED, start), until=date(2029, 4, 4))

    assert followup_index(meetings, "months", 1, start) == 4
    assert meetings[4].date == date(2029, 2, 28)


def test_followup_after_months_too_short():
    meetings = mondays(until=date(2026, 3, 2))

    assert followup_index(meetings, "months", 2, START) is None


def test_followup_accepts_planned_meetings_and_tuples_alike():
    meetings = mondays()

    for rule, after in [("meetings", 4), ("weeks", 6), ("months", 2)]:
        assert followup_index(meetings, rule, after, START) == followup_index(
            held(meetings), rule, after, START
        )
    assert isinstance(meetings[0], PlannedMeeting)


def test_followup_rejects_an_unknown_rule_and_a_negative_count():
    with pytest.raises(ValueError, match="Unknown follow-up rule 'days'"):
        followup_index(mondays(), "days", 3, START)
    with pytest.raises(ValueError, match="after must be 0 or more, not -1"):
        followup_index(mondays(), "meetings", -1, START)


# --- membership dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joined", "expected"),
    [
        (date(2026, 1, 5), (date(2026, 3, 30), date(2026, 7, 5))),
        (date(2026, 8, 31), (date(2026, 11, 23), date(2027, 2, 28))),
        (date(2027, 8, 31), (date(2027, 11, 23), date(2028, 2, 29))),
        (date(2026, 12, 31), (date(2027, 3, 25), date(2027, 6, 30))),
    ],
)
def test_membership_dates(joined, expected):
    assert membership_dates(joined) == expected


# --- property ---------------------------------------------------------------------------------


@st.composite
def patterns(draw):
    weekday = draw(st.integers(0, 6))
    day = draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
    start_date = day + timedelta(days=(weekday - day.weekday()) % 7)
    weeks = draw(st.integers(0, 60))
    until = start_date + timedelta(weeks=weeks, days=draw(st.integers(0, 6)))
    fortnightly_weeks = draw(st.none() | st.integers(0, 70))
    fortnightly_from = (
        None
        if fortnightly_weeks is None
        else start_date + timedelta(weeks=fortnightly_weeks, days=draw(st.integers(-6, 0)))
    )
    if fortnightly_from is not None and fortnightly_from < start_date:
        fortnightly_from = start_date
    minutes = draw(st.integers(30, 180))
    pattern = Pattern(
        weekday=weekday,
        start=draw(st.times()),
        minutes=minutes,
        opening_minutes=draw(st.integers(minutes, 180)),
        start_date=start_date,
        fortnightly_from=fortnightly_from,
    )
    skip = frozenset(
        start_date + timedelta(weeks=k) for k in draw(st.frozensets(st.integers(0, 60)))
    )
    return pattern, until, skip, weeks


@settings(deadline=None, max_examples=300)
@given(patterns())
def test_series_properties(case):
    pattern, until, skip, weeks = case

    meetings = series(pattern, until=until, skip=skip)

    # Independent expectation: week k is held unless skipped or an "off" fortnight.
    first_fortnight = None
    if pattern.fortnightly_from is not None:
        first_fortnight = -(-(pattern.fortnightly_from - pattern.start_date).days // 7)
    expected = [
        pattern.start_date + timedelta(weeks=k)
        for k in range(weeks + 1)
        if (first_fortnight is None or k < first_fortnight or (k - first_fortnight) % 2 == 0)
        and pattern.start_date + timedelta(weeks=k) not in skip
    ]
    assert dates(meetings) == expected
    assert [m.index for m in meetings] == list(range(len(meetings)))
    for m in meetings:
        assert m.date.weekday() == pattern.weekday
        assert m.starts_at.tzinfo is OSLO
        assert m.starts_at.date() == m.date
        assert m.starts_at.time() == pattern.start
        assert m.opening == (m.index == 0)
        length = pattern.opening_minutes if m.index == 0 else pattern.minutes
        assert m.ends_at - m.starts_at == timedelta(minutes=length)
    for previous, m in pairwise(meetings):
        assert previous.starts_at.timestamp() < m.starts_at.timestamp()
