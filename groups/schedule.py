"""A self-help group's meeting series, as pure functions (no database).

Rules:

- A group meets on one weekday at one local wall-clock time in Europe/Oslo, from the opening
  meeting (``start_date``) up to and including ``until``. Weekly; from ``fortnightly_from``
  (if set) every other week, counted from the first meeting date on or after that day (it is
  held, the next is not, and so on). The rhythm follows the calendar, so a skipped date does
  not shift it.
- Dates in ``skip`` are left out entirely (staff chose not to meet). The kept meetings are
  numbered 0, 1, 2, … without gaps; index 0 is the opening meeting and lasts
  ``opening_minutes`` (at most 3 hours), the others ``minutes`` (30 to 180).
- Norwegian public holidays are flagged with their name, never skipped automatically: staff
  decide. Ordinary Sundays are not holidays here (``holidays.Norway`` can list every Sunday as
  "Søndag"; we ask it not to and drop any such entry), but named holidays that fall on a
  Sunday, such as 17 May 2026, are kept.
- Times are built from the local date and wall-clock time, so 18:00 stays 18:00 across
  daylight-saving changes (the UTC offset changes instead). ``ends_at`` is ``starts_at`` plus
  the length, in wall-clock arithmetic.
- The follow-up meeting (the starters come back) is counted over the meetings that will be
  held: after a number of held meetings, or the first held meeting on or after the start date
  plus a number of weeks or calendar months (a month-end day is clamped: 31 January plus one
  month is the last day of February).
- A membership has a 12-week mark and a 6-month mark (clamped the same way).
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from selvhjelp.enums import FollowUpRule

OSLO = ZoneInfo("Europe/Oslo")

MIN_MINUTES = 30
MAX_MINUTES = 180
_SUNDAY = "Søndag"


class PatternError(ValueError):
    """A meeting pattern that cannot produce a series."""


@dataclass(frozen=True)
class Pattern:
    weekday: int  # 0 = Monday … 6 = Sunday
    start: time  # local wall-clock time in Europe/Oslo
    minutes: int  # regular meeting length
    opening_minutes: int  # the opening meeting's length (≥ minutes, ≤ 180)
    start_date: date  # date of the opening meeting; falls on `weekday`
    fortnightly_from: date | None = None  # from this date on, every other week


@dataclass(frozen=True)
class PlannedMeeting:
    index: int  # 0-based position among the kept meetings
    date: date  # local date
    starts_at: datetime  # aware, Europe/Oslo
    ends_at: datetime  # aware, Europe/Oslo
    opening: bool  # the first meeting of the series
    holiday: str  # Norwegian public holiday name on that date, or ""


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, the day clamped to the target month's last day."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def norwegian_holidays(years: int | Iterable[int]) -> dict[date, str]:
    """Norwegian public holidays (Norwegian names) for the given year or years.

    Sundays are not holidays for this purpose: ``include_sundays=False`` (the package default
    today, passed explicitly) and any "Søndag" entry or name part is dropped defensively.
    """
    years = [years] if isinstance(years, int) else list(years)
    found = holidays_lib.Norway(years=years, include_sundays=False, language="no")
    result = {}
    for day, name in found.items():
        parts = [part.strip() for part in name.split(";") if part.strip() != _SUNDAY]
        if parts:
            result[day] = "; ".join(parts)
    return dict(sorted(result.items()))


def _validate(pattern: Pattern, until: date) -> None:
    if not 0 <= pattern.weekday <= 6:
        raise PatternError(f"weekday must be 0 (Monday) to 6 (Sunday), not {pattern.weekday}.")
    if pattern.start_date.weekday() != pattern.weekday:
        raise PatternError(
            f"start_date {pattern.start_date.isoformat()} is a "
            f"{calendar.day_name[pattern.start_date.weekday()]}, "
            f"not a {calendar.day_name[pattern.weekday]}."
        )
    if not MIN_MINUTES <= pattern.minutes <= MAX_MINUTES:
        raise PatternError(
            f"A meeting lasts {MIN_MINUTES} to {MAX_MINUTES} minutes, not {pattern.minutes}."
        )
    if not pattern.minutes <= pattern.opening_minutes <= MAX_MINUTES:
        raise PatternError(
            f"The opening meeting lasts at least as long as the others ({pattern.minutes} "
            f"minutes) and at most {MAX_MINUTES} minutes, not {pattern.opening_minutes}."
        )
    if pattern.fortnightly_from is not None and pattern.fortnightly_from < pattern.start_date:
        raise PatternError(
            f"fortnightly_from {pattern.fortnightly_from.isoformat()} is before start_date "
            f"{pattern.start_date.isoformat()}."
        )
    if until < pattern.start_date:
        raise PatternError(
            f"until {until.isoformat()} is before start_date {pattern.start_date.isoformat()}."
        )


def _meeting_dates(pattern: Pattern, until: date) -> list[date]:
    """Every date the pattern meets on, before ``skip`` is applied."""
    dates = []
    day = pattern.start_date
    fortnightly_anchor = None
    while day <= until:
        if pattern.fortnightly_from is not None and day >= pattern.fortnightly_from:
            fortnightly_anchor = fortnightly_anchor or day
            if (day - fortnightly_anchor).days % 14 == 0:
                dates.append(day)
        else:
            dates.append(day)
        day += timedelta(weeks=1)
    return dates


def series(
    pattern: Pattern,
    *,
    until: date,
    skip: frozenset[date] = frozenset(),
    holidays: dict[date, str] | None = None,
) -> list[PlannedMeeting]:
    """The planned meetings from ``pattern.start_date`` up to and including ``until``."""
    _validate(pattern, until)
    if holidays is None:
        holidays = norwegian_holidays(range(pattern.start_date.year, until.year + 1))
    meetings = []
    for day in _meeting_dates(pattern, until):
        if day in skip:
            continue
        index = len(meetings)
        starts_at = datetime.combine(day, pattern.start, tzinfo=OSLO)
        length = pattern.opening_minutes if index == 0 else pattern.minutes
        meetings.append(
            PlannedMeeting(
                index=index,
                date=day,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=length),
                opening=index == 0,
                holiday=holidays.get(day, ""),
            )
        )
    return meetings


def followup_index(
    meetings: list[PlannedMeeting] | list[tuple[int, date]],
    rule: str,
    after: int,
    start_date: date,
) -> int | None:
    """The index of the follow-up meeting among the held ``meetings``, or None if too short.

    ``meetings`` are the meetings that will be held (cancelled ones removed), as
    PlannedMeeting objects or ``(index, date)`` tuples.
    """
    if after < 0:
        raise ValueError(f"after must be 0 or more, not {after}.")
    held = sorted(
        ((m.index, m.date) if isinstance(m, PlannedMeeting) else (m[0], m[1]) for m in meetings),
        key=lambda pair: pair[1],
    )
    if rule == FollowUpRule.AFTER_MEETINGS:
        return held[after][0] if after < len(held) else None
    if rule == FollowUpRule.AFTER_WEEKS:
        target = start_date + timedelta(weeks=after)
    elif rule == FollowUpRule.AFTER_MONTHS:
        target = add_months(start_date, after)
    else:
        raise ValueError(f"Unknown follow-up rule {rule!r}.")
    return next((index for index, day in held if day >= target), None)


def membership_dates(joined: date) -> tuple[date, date]:
    """The 12-week mark and the 6-month mark (calendar months, clamped) of a membership."""
    return joined + timedelta(weeks=12), add_months(joined, 6)
