"""Small sets of choices stored as bit masks, so the database can filter on them.

Availability (weekday × part of day, 14 slots) and the areas an applicant wants to work on
are sets; a mask filters with one column expression on SQLite and PostgreSQL alike and
costs no join. The order of each universe is part of the stored data: only ever append.
"""

from datetime import time

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from selvhjelp.enums import DayPart, Weekday

EVENING_FROM = time(17, 0)
SLOTS: list[str] = [f"{day}-{part}" for day in Weekday.values for part in DayPart.values]


def to_mask(values, universe: list[str]) -> int:
    index = {value: n for n, value in enumerate(universe)}
    mask = 0
    for value in values:
        mask |= 1 << index[value]
    return mask


def from_mask(mask: int, universe: list[str]) -> list[str]:
    return [value for n, value in enumerate(universe) if mask & (1 << n)]


def full_mask(universe: list[str]) -> int:
    return (1 << len(universe)) - 1


def overlapping(queryset: QuerySet, field: str, mask: int) -> QuerySet:
    """Rows whose `field` mask shares at least one member with `mask`."""
    alias = f"{field}_overlap"
    return queryset.alias(**{alias: F(field).bitand(mask)}).filter(**{f"{alias}__gt": 0})


def slot_label(slot: str) -> str:
    day, part = slot.split("-")
    return _("%(weekday)s %(part)s") % {
        "weekday": Weekday(day).label,
        "part": DayPart(part).label,
    }


def slot_at(weekday: int, start: time) -> str:
    """The slot of a meeting on `weekday` (0 = Monday) starting at `start`."""
    part = DayPart.EVENING if start >= EVENING_FROM else DayPart.DAY
    return f"{Weekday.values[weekday]}-{part}"
