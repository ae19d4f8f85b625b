"""The matcher: composes groups from plain data. Pure: no ORM, no models; the HiGHS solver.

propose() chooses which proposed slots to open and who goes in each; rank_candidates()
orders the waiting candidates for one forming group; score() values any assignment.

Hard constraints (never broken, also not when the time limit cuts the search short):
- a person is in at most one group, and only in a slot at a time in their availability;
- an opened group has min_size <= members <= max_size (and at least one member);
- a slot that is not opened has no members.

Objective, lexicographic (issue 6): each tier counts only among the assignments that are
best on all tiers before it.
1. maximise the number of people placed;
2. maximise the sum of waited_days of the people placed (longest waiting first);
3. minimise, over opened groups, sum of max(0, (oldest - youngest) - age_span_years)
   (0 when the policy switched the age-span goal off);
4. minimise, over opened groups, sum of |women - men| ("other", "unspecified" and "" count
   as neither and are never penalised);
5. maximise, over opened groups, the number of distinct areas among the members (summed
   over groups): a mix of problems (theme groups count too, so a theme group never loses
   to a mixed group at the same time only because its members share the theme);
6. maximise the number of placed people whose theme equals the group's theme (None ==
   None: they asked for a mixed group and got one).

How (see _solve):
- Reduce: slots fewer people can attend than their minimum are dropped; people who can
  attend none of the rest are left out. Variables exist only for possible person-slot pairs.
- Tiers 1 and 2 are one integer objective, placed * (sum of all waited_days + 1) + waited,
  solved as a MIP by HiGHS and proven optimal (fast: an assignment problem with sizes).
- Then a local search (moves, swaps, swaps with someone not placed) and seeded simulated
  annealing improve tiers 3-6 without giving up tiers 1-2.
- Then tiers 3, 4, 5, 6 are solved as MIPs in turn, each fixing the ones before it at their
  best value (lexicographic by sequence; weights would overflow the solver's precision).
  Age span is a min-cost path over the slot's distinct ages (see _Model._add_age).
- proven_tiers says how many tiers, from the first, were proven optimal within
  time_limit; optimal=True when all six were. A MIP answer for tiers 3-6 is used only
  when proven; otherwise the local search's answer stands.

Deterministic: people and slots are sorted by id before anything else, the solver runs on
one thread with a fixed seed, and the annealing uses a fixed seed and a fixed number of
steps; so the same input, in any order, gives the same proposal. Ties left after tier 6
are broken by that canonical search order. Only when the time limit cuts the annealing or
the tier 1-2 solve short (optimal=False) can the answer depend on the machine's speed.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import total_ordering

WOMAN = "woman"
MAN = "man"


class Reason(StrEnum):
    """Why a person is left out of a proposal."""

    NO_SLOT = "no_slot"  # none of their available times is among the slots
    TOO_FEW = "too_few"  # slots at their times exist, but none of them is opened
    NOT_CHOSEN = "not_chosen"  # a group runs at one of their times; others came first


@dataclass(frozen=True)
class Person:
    id: int
    slots: frozenset[str]
    age: int
    gender: str
    areas: frozenset[str]
    waited_days: int
    theme: str | None = None


@dataclass(frozen=True)
class Slot:
    id: str
    slot: str
    theme: str | None = None
    min_size: int = 5
    max_size: int = 8


@dataclass(frozen=True)
class Policy:
    age_span_years: int | None = 15


@total_ordering
@dataclass(frozen=True)
class Score:
    """The objective tiers of an assignment; a greater Score is a better assignment."""

    placed: int = 0
    waited_days: int = 0
    age_excess: int = 0
    gender_gap: int = 0
    area_mix: int = 0
    theme_fit: int = 0

    def key(self) -> tuple[int, ...]:
        return (
            self.placed,
            self.waited_days,
            -self.age_excess,
            -self.gender_gap,
            self.area_mix,
            self.theme_fit,
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Score):
            return NotImplemented
        return self.key() < other.key()


@dataclass(frozen=True)
class ProposedGroup:
    slot_id: str
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class LeftOut:
    person_id: int
    reason: Reason


@dataclass(frozen=True)
class Proposal:
    groups: tuple[ProposedGroup, ...]
    left_out: tuple[LeftOut, ...]
    score: Score
    optimal: bool  # every tier proven optimal
    proven_tiers: int = 0  # how many tiers, from the first, are proven optimal (0-6)


@dataclass(frozen=True)
class GroupFacts:
    slot: str
    theme: str | None
    min_size: int
    max_size: int


@dataclass(frozen=True)
class RankReason:
    """One reason for a candidate's rank; the UI turns the code into words."""

    code: str
    good: bool
    value: int | None = None


@dataclass(frozen=True)
class Ranked:
    person_id: int
    reasons: tuple[RankReason, ...]
    key: tuple = field(compare=False)


# Scoring ------------------------------------------------------------------------------------


def _group_score(members: Sequence[Person], slot: Slot, policy: Policy) -> tuple[int, ...]:
    ages = [person.age for person in members]
    excess = 0
    if policy.age_span_years is not None:
        excess = max(0, max(ages) - min(ages) - policy.age_span_years)
    women = sum(person.gender == WOMAN for person in members)
    men = sum(person.gender == MAN for person in members)
    mix = len(frozenset().union(*(person.areas for person in members)))
    fit = sum(person.theme == slot.theme for person in members)
    return (
        len(members),
        sum(person.waited_days for person in members),
        excess,
        abs(women - men),
        mix,
        fit,
    )


def score(
    groups: Mapping[str, Sequence[int]],
    people: Iterable[Person],
    slots: Iterable[Slot],
    policy: Policy,
) -> Score:
    """The objective of an assignment {slot id: member ids}; ValueError if it is infeasible."""
    by_id = {person.id: person for person in people}
    slot_by_id = {slot.id: slot for slot in slots}
    seen: set[int] = set()
    totals = [0] * 6
    for slot_id, member_ids in groups.items():
        if not member_ids:
            continue
        slot = slot_by_id.get(slot_id)
        if slot is None:
            raise ValueError(f"unknown slot {slot_id!r}")
        if not slot.min_size <= len(member_ids) <= slot.max_size:
            raise ValueError(f"slot {slot_id!r}: {len(member_ids)} members")
        members = []
        for person_id in member_ids:
            person = by_id.get(person_id)
            if person is None:
                raise ValueError(f"unknown person {person_id}")
            if person_id in seen:
                raise ValueError(f"person {person_id} in two groups")
            if slot.slot not in person.slots:
                raise ValueError(f"person {person_id} cannot meet at {slot.slot}")
            seen.add(person_id)
            members.append(person)
        for n, value in enumerate(_group_score(members, slot, policy)):
            totals[n] += value
    return Score(*totals)


# Proposing ----------------------------------------------------------------------------------


def _left_out(
    people: Sequence[Person], slots: Sequence[Slot], groups: Mapping[str, Sequence[int]]
) -> tuple[LeftOut, ...]:
    placed = {person_id for member_ids in groups.values() for person_id in member_ids}
    offered = {slot.slot for slot in slots}
    running = {slot.slot for slot in slots if groups.get(slot.id)}
    left = []
    for person in people:
        if person.id in placed:
            continue
        if not person.slots & offered:
            reason = Reason.NO_SLOT
        elif person.slots & running:
            reason = Reason.NOT_CHOSEN
        else:
            reason = Reason.TOO_FEW
        left.append(LeftOut(person.id, reason))
    return tuple(left)


class _Instance:
    """The reduced problem: slots someone could fill, people who can attend one of them.

    People and slots are sorted by id, so the model (and the answer) does not depend on
    the order the caller gave them in.
    """

    def __init__(self, people: Sequence[Person], slots: Sequence[Slot], policy: Policy):
        self.policy = policy
        usable = []
        for slot in slots:
            lowest = max(slot.min_size, 1)
            able = sum(slot.slot in person.slots for person in people)
            if lowest <= slot.max_size and able >= lowest:
                usable.append(slot)
        self.slots = usable
        times = {slot.slot for slot in usable}
        self.people = [person for person in people if person.slots & times]
        self.lowest = [max(slot.min_size, 1) for slot in self.slots]
        self.highest = [slot.max_size for slot in self.slots]
        # options[i]: slots person i can attend; able[s]: people who can attend slot s
        self.options = [
            [s for s, slot in enumerate(self.slots) if slot.slot in person.slots]
            for person in self.people
        ]
        self.able: list[list[int]] = [[] for _ in self.slots]
        for i, options in enumerate(self.options):
            for s in options:
                self.able[s].append(i)
        # Plain per-person arrays for the local search's inner loop.
        area_bit: dict[str, int] = {}
        for person in self.people:
            for area in sorted(person.areas):
                area_bit.setdefault(area, 1 << len(area_bit))
        self.age = [person.age for person in self.people]
        self.sign = [_gender_sign(person.gender) for person in self.people]
        self.areas = [sum(area_bit[area] for area in person.areas) for person in self.people]
        self.waited = [person.waited_days for person in self.people]
        self.mixed = [slot.theme is None for slot in self.slots]
        self.fits = [
            {s for s in options if self.slots[s].theme == person.theme}
            for person, options in zip(self.people, self.options, strict=True)
        ]

    def value(self, s: int, members: Iterable[int]) -> tuple[int, ...]:
        """Slot s's contribution to the score key (greater is better)."""
        size = waited = sign = areas = fit = 0
        youngest, oldest = 1 << 30, -1
        for i in members:
            size += 1
            waited += self.waited[i]
            age = self.age[i]
            youngest = min(youngest, age)
            oldest = max(oldest, age)
            sign += self.sign[i]
            areas |= self.areas[i]
            fit += s in self.fits[i]
        if not size:
            return (0, 0, 0, 0, 0, 0)
        span = self.policy.age_span_years
        excess = 0 if span is None else max(0, oldest - youngest - span)
        mix = areas.bit_count()
        return (size, waited, -excess, -abs(sign), mix, fit)

    def groups(self, where: Sequence[int]) -> dict[str, list[int]]:
        groups: dict[str, list[int]] = {}
        for i, s in enumerate(where):
            if s >= 0:
                groups.setdefault(self.slots[s].id, []).append(self.people[i].id)
        return groups


def _gender_sign(gender: str) -> int:
    return 1 if gender == WOMAN else -1 if gender == MAN else 0


def _greedy(inst: _Instance) -> list[int]:
    """A feasible start: fill slots one by one with the longest waiting who can attend."""
    where = [-1] * len(inst.people)
    order = sorted(range(len(inst.people)), key=lambda i: (-inst.waited[i], inst.people[i].id))
    for s in range(len(inst.slots)):
        chosen = [i for i in order if where[i] < 0 and s in inst.options[i]][: inst.highest[s]]
        if len(chosen) >= inst.lowest[s]:
            for i in chosen:
                where[i] = s
    return where


def _better(new: Sequence[int], old: Sequence[int]) -> bool:
    return tuple(new) > tuple(old)


def _improve(inst: _Instance, where: list[int], deadline: float) -> list[int]:
    """Hill climbing on the whole score key: moves, swaps, and swaps with someone unplaced.

    Never makes the key worse; stops at a local optimum or the deadline. Deterministic
    apart from where the deadline cuts it off.
    """
    where = list(where)
    members: list[set[int]] = [set() for _ in inst.slots]
    for i, s in enumerate(where):
        if s >= 0:
            members[s].add(i)
    values = [inst.value(s, members[s]) for s in range(len(inst.slots))]
    zero = (0,) * 6

    def gain(changes: list[tuple[int, tuple[int, ...]]]) -> tuple[int, ...]:
        out = list(zero)
        for s, new in changes:
            old = values[s]
            for n in range(6):
                out[n] += new[n] - old[n]
        return tuple(out)

    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for s in range(len(inst.slots)):
            for i in sorted(members[s]):
                if where[i] != s:
                    continue
                rest = members[s] - {i}
                # Move i to another open group with room (keeps s viable).
                if len(rest) >= inst.lowest[s]:
                    for t in inst.options[i]:
                        if t == s or not members[t] or len(members[t]) >= inst.highest[t]:
                            continue
                        a, b = inst.value(s, rest), inst.value(t, members[t] | {i})
                        if _better(gain([(s, a), (t, b)]), zero):
                            members[s], members[t] = rest, members[t] | {i}
                            values[s], values[t], where[i] = a, b, t
                            improved = True
                            break
                    if where[i] != s:
                        continue
                # Swap i with j from another open group at a time both can attend.
                done = False
                for t in inst.options[i]:
                    if t == s or not members[t]:
                        continue
                    for j in sorted(members[t]):
                        if s not in inst.options[j]:
                            continue
                        a = inst.value(s, rest | {j})
                        b = inst.value(t, (members[t] - {j}) | {i})
                        if _better(gain([(s, a), (t, b)]), zero):
                            members[s], members[t] = rest | {j}, (members[t] - {j}) | {i}
                            values[s], values[t] = a, b
                            where[i], where[j] = t, s
                            improved = done = True
                            break
                    if done:
                        break
                if done:
                    continue
                # Swap i with someone not placed.
                for j in inst.able[s]:
                    if where[j] >= 0:
                        continue
                    a = inst.value(s, rest | {j})
                    if _better(gain([(s, a)]), zero):
                        members[s], values[s] = rest | {j}, a
                        where[i], where[j] = -1, s
                        improved = True
                        break
            # Add someone not placed while there is room.
            while members[s] and len(members[s]) < inst.highest[s]:
                free = [j for j in inst.able[s] if where[j] < 0]
                if not free:
                    break
                j = max(free, key=lambda j: (inst.value(s, members[s] | {j}), -j))
                members[s].add(j)
                values[s], where[j] = inst.value(s, members[s]), s
                improved = True
            if time.monotonic() >= deadline:
                break
    return where


# Weights that turn a change of tiers 3-6 into one number for annealing: roughly
# lexicographic for one move (a move changes the gender gap by at most 4, the area mix by
# at most 2 x the areas one person has). The best assignment is still judged by the key.
_ANNEAL_WEIGHTS = (1000, 100, 10, 1)
_ANNEAL_STEPS_PER_PERSON = 200


def _anneal(inst: _Instance, where: list[int], deadline: float, steps: int) -> list[int]:
    """Simulated annealing over moves and swaps between opened groups (and swaps with
    someone not placed) that never lower tiers 1-2; returns the best assignment seen.

    The random stream is seeded and the number of steps fixed, so the answer is the same on
    every run unless the deadline cuts it short.
    """
    rng = random.Random(len(inst.people) * 7919 + len(inst.slots))  # noqa: S311 - not secret
    where = list(where)
    members: list[set[int]] = [set() for _ in inst.slots]
    for i, s in enumerate(where):
        if s >= 0:
            members[s].add(i)
    values = [inst.value(s, members[s]) for s in range(len(inst.slots))]
    placed = sorted(i for i, s in enumerate(where) if s >= 0)
    if not placed:
        return where
    best, best_key = list(where), _total(values)
    current_key = best_key
    hot, cold = 2.0 * _ANNEAL_WEIGHTS[0], 0.5
    for step in range(steps):
        if step % 256 == 0 and time.monotonic() >= deadline:
            break
        temperature = hot * (cold / hot) ** (step / steps)
        n = rng.randrange(len(placed))
        i = placed[n]
        s = where[i]
        options = inst.options[i]
        kind = rng.random()
        if kind < 0.25:  # someone not placed takes i's seat
            able = inst.able[s]
            j = able[rng.randrange(len(able))]
            if where[j] >= 0:
                continue
            changes = [(s, (members[s] - {i}) | {j})]
            swap = (-1, j, s)
        else:
            t = options[rng.randrange(len(options))]
            if t == s or not members[t]:
                continue
            if kind < 0.5:  # i moves to t
                if len(members[s]) <= inst.lowest[s] or len(members[t]) >= inst.highest[t]:
                    continue
                changes = [(s, members[s] - {i}), (t, members[t] | {i})]
                swap = None
            else:  # i and j swap groups
                j = rng.choice(sorted(members[t]))
                if s not in inst.options[j]:
                    continue
                changes = [(s, (members[s] - {i}) | {j}), (t, (members[t] - {j}) | {i})]
                swap = (s, j, t)
        new_values = [(slot, inst.value(slot, group)) for slot, group in changes]
        delta = [0] * 6
        for slot, value in new_values:
            old = values[slot]
            for k in range(6):
                delta[k] += value[k] - old[k]
        if (delta[0], delta[1]) < (0, 0):
            continue  # tiers 1-2 are never given up
        if (delta[0], delta[1]) == (0, 0):
            gain = sum(w * d for w, d in zip(_ANNEAL_WEIGHTS, delta[2:], strict=True))
            if gain < 0 and rng.random() >= math.exp(gain / temperature):
                continue
        for (slot, group), (_slot, value) in zip(changes, new_values, strict=True):
            members[slot], values[slot] = group, value
        if swap is None:
            where[i] = changes[1][0]
        elif swap[0] < 0:
            where[i], where[swap[1]] = -1, s
            placed[n] = swap[1]
        else:
            where[i], where[swap[1]] = swap[2], swap[0]
        current_key = tuple(c + d for c, d in zip(current_key, delta, strict=True))
        if current_key > best_key:
            best, best_key = list(where), current_key
    return best


def _total(values: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sum(value[k] for value in values) for k in range(6))


class _Model:
    """The mixed-integer model for HiGHS (one thread, fixed seed).

    x[i,s] for each person and slot they can attend, o[s] = slot s opened, and per tier a
    few continuous helpers that are exact at an integer x (see _add_age, _add_gender,
    _add_mix). Each tier's objective is a sparse cost vector over the columns.
    """

    def __init__(self, inst: _Instance):
        self.inst = inst
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[tuple[float, float, dict[int, float]]] = []
        self.pair: dict[tuple[int, int], int] = {}
        for s, able in enumerate(inst.able):
            for i in able:
                self.pair[i, s] = self._col(0, 1)
        self.opened = [self._col(0, 1) for _ in inst.slots]
        self.integers = len(self.lower)
        for i, options in enumerate(inst.options):
            self._row(-_INF, 1, {self.pair[i, s]: 1 for s in options})
        for s, able in enumerate(inst.able):
            xs = [self.pair[i, s] for i in able]
            self._row(0, _INF, {**dict.fromkeys(xs, 1), self.opened[s]: -inst.lowest[s]})
            self._row(-_INF, 0, {**dict.fromkeys(xs, 1), self.opened[s]: -inst.highest[s]})
            for x in xs:  # disaggregated: tightens the relaxation
                self._row(-_INF, 0, {x: 1, self.opened[s]: -1})
        # Identical slots are interchangeable: open them in id order.
        twins: dict[tuple, list[int]] = {}
        for s, slot in enumerate(inst.slots):
            twins.setdefault((slot.slot, slot.theme, slot.min_size, slot.max_size), []).append(s)
        for same in twins.values():
            for s, t in itertools.pairwise(same):
                self._row(0, _INF, {self.opened[s]: 1, self.opened[t]: -1})
        total = sum(inst.waited) + 1
        # Tiers 1 and 2 in one objective: key[0] * weight + key[1] (exact integers).
        self.weight = total
        self.tiers: list[tuple[dict[int, float], int]] = [  # (cost, sense: 1 max, -1 min)
            ({c: total + inst.waited[i] for (i, _s), c in self.pair.items()}, 1)
        ]
        self.loaded_columns = self.loaded_rows = 0

    def add_soft_tiers(self) -> None:
        """The helpers of tiers 3-6; added after tiers 1-2 are solved, which don't need them."""
        self.tiers.append((self._add_age(), -1))
        self.tiers.append((self._add_gender(), -1))
        self.tiers.append((self._add_mix(), 1))
        fit = {c: 1 for (i, s), c in self.pair.items() if s in self.inst.fits[i]}
        self.tiers.append((fit, 1))

    def load(self, highs, np) -> None:
        """Pass the columns and rows HiGHS does not have yet."""
        new = len(self.lower) - self.loaded_columns
        if new:
            highs.addVars(
                new,
                np.array(self.lower[self.loaded_columns :]),
                np.array(self.upper[self.loaded_columns :]),
            )
        _add_rows(highs, np, self.rows[self.loaded_rows :])
        self.loaded_columns, self.loaded_rows = len(self.lower), len(self.rows)

    def _col(self, lower: float, upper: float) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        return len(self.lower) - 1

    def _row(self, lower: float, upper: float, coefs: dict[int, float]) -> None:
        self.rows.append((lower, upper, coefs))

    def _add_age(self) -> dict[int, float]:
        """Age excess as the cost of one unit of flow along the slot's distinct ages.

        Over the distinct ages d_0 < ... < d_k-1 of the people who can attend, a path runs
        from the youngest member's age up along chain A (paying each gap) to a window
        start L, covers (L, L + span] for free, and either stops there or lands on the
        first age above L + span and runs on along chain C (paying each gap) to the oldest
        member's age. The cheapest path covering every member costs
        max(0, oldest - youngest - span); each member's x is bounded by the flow covering
        their age, and the flow out of the source is o[s]. The path formulation is
        exact for an integer x and much tighter than min/max variables when x is
        fractional (a network matrix: each flow splits into whole paths).
        """
        inst, cost = self.inst, {}
        span = inst.policy.age_span_years
        if span is None:
            return cost
        for s, able in enumerate(inst.able):
            ages = sorted({inst.age[i] for i in able})
            if ages[-1] - ages[0] <= span:
                continue
            k = len(ages)
            cover: list[dict[int, float]] = [{} for _ in ages]
            a_in: list[dict[int, float]] = [{} for _ in ages]  # flow into chain A node j
            a_out: list[dict[int, float]] = [{} for _ in ages]
            c_in: list[dict[int, float]] = [{} for _ in ages]
            c_out: list[dict[int, float]] = [{} for _ in ages]
            source: dict[int, float] = {}
            for j in range(k):
                start = self._col(0, 1)
                source[start] = 1
                a_in[j][start] = 1
                if j + 1 < k:
                    step = self._col(0, 1)
                    cost[step] = ages[j + 1] - ages[j]
                    a_out[j][step] = 1
                    a_in[j + 1][step] = 1
                    c_step = self._col(0, 1)
                    cost[c_step] = ages[j + 1] - ages[j]
                    c_out[j][c_step] = 1
                    c_in[j + 1][c_step] = 1
                stop = self._col(0, 1)
                a_out[j][stop] = 1
                c_end = self._col(0, 1)
                c_out[j][c_end] = 1
                window = [m for m in range(j + 1, k) if ages[m] <= ages[j] + span]
                for m in window:
                    cover[m][stop] = 1
                land = j + 1 + len(window)
                if land < k:
                    jump = self._col(0, 1)
                    cost[jump] = ages[land] - ages[j] - span
                    a_out[j][jump] = 1
                    c_in[land][jump] = 1
                    for m in window:
                        cover[m][jump] = 1
            for j in range(k):
                cover[j].update(a_in[j])
                cover[j].update(c_in[j])
                self._row(0, 0, {**a_in[j], **dict.fromkeys(a_out[j], -1)})
                self._row(0, 0, {**c_in[j], **dict.fromkeys(c_out[j], -1)})
            self._row(0, 0, {**source, self.opened[s]: -1})
            position = {age: j for j, age in enumerate(ages)}
            for i in able:
                row = dict.fromkeys(cover[position[inst.age[i]]], -1.0)
                self._row(-_INF, 0, {self.pair[i, s]: 1, **row})
        return cost

    def _add_gender(self) -> dict[int, float]:
        """gap[s] >= |women - men|."""
        inst, cost = self.inst, {}
        for s, able in enumerate(inst.able):
            diff = {self.pair[i, s]: inst.sign[i] for i in able if inst.sign[i]}
            if not diff:
                continue
            gap = self._col(0, _INF)
            self._row(0, _INF, {gap: 1, **{c: -v for c, v in diff.items()}})
            self._row(0, _INF, {gap: 1, **diff})
            cost[gap] = 1
        return cost

    def _add_mix(self) -> dict[int, float]:
        """has[s,a] <= number of members with area a."""
        inst, cost = self.inst, {}
        for s, able in enumerate(inst.able):
            by_area: dict[int, list[int]] = {}
            for i in able:
                bits = inst.areas[i]
                while bits:
                    bit = bits & -bits
                    by_area.setdefault(bit, []).append(self.pair[i, s])
                    bits ^= bit
            for bit in sorted(by_area):
                has = self._col(0, 1)
                self._row(-_INF, 0, {has: 1, **dict.fromkeys(by_area[bit], -1)})
                cost[has] = 1
        return cost

    def tier_value(self, tier: int, key: Sequence[int]) -> int:
        """The value of tier's objective at an assignment with this score key."""
        if tier == 0:
            return key[0] * self.weight + key[1]
        return abs(key[tier + 1])


_INF = float("inf")


def _solve(inst: _Instance, deadline: float) -> tuple[list[int], int]:
    """The best assignment found, and how many tiers (from the first) are proven."""
    # Imported here: only the proposal page pays for loading the solver.
    import highspy
    import numpy as np

    model = _Model(inst)
    highs = highspy.Highs()
    for name, value in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", 0),
        ("mip_rel_gap", 0.0),
        ("mip_abs_gap", 0.5),  # every tier's objective is an integer
        ("mip_heuristic_effort", 0.01),  # starts come from the local search; prove instead
    ):
        highs.setOptionValue(name, value)
    model.load(highs, np)
    highs.changeColsIntegrality(
        model.integers,
        np.arange(model.integers, dtype=np.int32),
        np.full(model.integers, highspy.HighsVarType.kInteger),
    )

    def key_of(where: Sequence[int]) -> tuple[int, ...]:
        members: list[list[int]] = [[] for _ in inst.slots]
        for i, s in enumerate(where):
            if s >= 0:
                members[s].append(i)
        totals = [0] * 6
        for s, group in enumerate(members):
            for n, value in enumerate(inst.value(s, group)):
                totals[n] += value
        return tuple(totals)

    best = _greedy(inst)
    best_key = key_of(best)
    optimal = True
    proven_tiers = 0
    # Budget shares of the time left: the first tiers decide the most.
    shares = (1.0, 0.6, 0.5, 0.5, 1.0)
    tier = 0
    while tier < len(model.tiers):
        cost, sense = model.tiers[tier]
        left = deadline - time.monotonic()
        if cost and left > 0:
            found, proven = _run(highs, np, model, cost, sense, best, left * shares[tier])
            # Past tiers 1-2 only a proven optimum replaces the local search's answer:
            # where the time limit cut the solver off depends on the machine, and the
            # same waiting list should give the same proposal on every page load.
            if found is not None and (proven or tier == 0):
                found_key = key_of(found)
                if found_key > best_key:
                    best, best_key = found, found_key
            optimal = optimal and proven
        elif cost:
            optimal = False
        if optimal:
            proven_tiers = 2 if tier == 0 else proven_tiers + 1
        # Fix this tier at the best value before the next one.
        value = model.tier_value(tier, best_key)
        bound = (value - 0.5, _INF) if sense > 0 else (-_INF, value + 0.5)
        model.rows.append((*bound, cost))
        if tier == 0:
            # Tiers 3-6 are where the search is hard: a local optimum first, then
            # annealing from it, then the local optimum near the best seen.
            share = time.monotonic() + (deadline - time.monotonic()) * 0.6
            best = _improve(inst, best, share)
            steps = _ANNEAL_STEPS_PER_PERSON * len(inst.people)
            best = _improve(inst, _anneal(inst, best, share, steps), share)
            best_key = key_of(best)
            model.add_soft_tiers()
        elif not optimal:
            break  # a tier not proven: the later ones won't be either, in the time left
        model.load(highs, np)
        tier += 1
    return best, proven_tiers


def _run(highs, np, model: _Model, cost, sense, start, budget) -> tuple[list[int] | None, bool]:
    import highspy

    columns = len(model.lower)
    vector = np.zeros(columns)
    for column, value in cost.items():
        vector[column] = -value if sense > 0 else value  # HiGHS minimises
    highs.changeColsCost(columns, np.arange(columns, dtype=np.int32), vector)
    values = np.zeros(model.integers)
    for (i, s), column in model.pair.items():
        if start[i] == s:
            values[column] = 1
            values[model.opened[s]] = 1
    highs.setSolution(model.integers, np.arange(model.integers, dtype=np.int32), values)
    highs.setOptionValue("time_limit", max(budget, 0.001))
    highs.run()
    proven = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    if highs.getInfo().primal_solution_status != 2:  # no feasible point
        return None, False
    solution = highs.getSolution().col_value
    where = [-1] * len(model.inst.people)
    for (i, s), column in model.pair.items():
        if solution[column] > 0.5:
            where[i] = s
    return where, proven


def _add_rows(highs, np, rows) -> None:
    if not rows:
        return
    starts, index, value = [], [], []
    for _lower, _upper, coefs in rows:
        starts.append(len(index))
        index.extend(coefs)
        value.extend(coefs.values())
    highs.addRows(
        len(rows),
        np.array([row[0] for row in rows], dtype=float),
        np.array([row[1] for row in rows], dtype=float),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=float),
    )


def propose(
    people: Iterable[Person],
    slots: Iterable[Slot],
    policy: Policy,
    *,
    time_limit: float = 10.0,
) -> Proposal:
    """Groups to open from the waiting list, and who is left out and why."""
    deadline = time.monotonic() + time_limit
    people = sorted(people, key=lambda person: person.id)
    slots = sorted(slots, key=lambda slot: slot.id)
    if len({person.id for person in people}) < len(people):
        raise ValueError("duplicate person id")
    if len({slot.id for slot in slots}) < len(slots):
        raise ValueError("duplicate slot id")
    inst = _Instance(people, slots, policy)
    where, proven_tiers = _solve(inst, deadline) if inst.people else ([], 6)
    groups = inst.groups(where)
    opened = tuple(
        ProposedGroup(slot.id, tuple(sorted(groups[slot.id])))
        for slot in slots
        if slot.id in groups
    )
    return Proposal(
        groups=opened,
        left_out=_left_out(people, slots, groups),
        score=score(groups, people, slots, policy),
        optimal=proven_tiers == 6,
        proven_tiers=proven_tiers,
    )


# Ranking candidates for a forming group --------------------------------------------------------


def _gender_reason(members: Sequence[Person], candidate: Person) -> RankReason | None:
    if candidate.gender not in (WOMAN, MAN):
        return None  # unknown or other: never penalised
    women = sum(person.gender == WOMAN for person in members)
    men = sum(person.gender == MAN for person in members)
    mine, theirs = (women, men) if candidate.gender == WOMAN else (men, women)
    if mine == theirs:
        return None  # neutral: any known gender tips an even group
    return RankReason("gender_balance", mine < theirs)


def rank_candidates(
    group: GroupFacts,
    members: Iterable[Person],
    candidates: Iterable[Person],
    policy: Policy,
) -> list[Ranked]:
    """Candidates who can meet at the group's time, best first, each with its reasons.

    Order: fewest missed soft goals (age span, gender balance, new area for a mixed group or
    theme fit for a theme group), then longest waiting, then theme wish, then id.
    """
    members = list(members)
    member_ids = {person.id for person in members}
    ages = [person.age for person in members]
    areas = frozenset().union(*(person.areas for person in members))
    ranked = []
    for candidate in candidates:
        if group.slot not in candidate.slots or candidate.id in member_ids:
            continue
        reasons = [RankReason("waited", True, candidate.waited_days)]
        misses = 0
        if policy.age_span_years is not None:
            span = max([*ages, candidate.age]) - min([*ages, candidate.age])
            current = max(ages) - min(ages) if ages else 0
            good = span <= policy.age_span_years or span <= current
            reasons.append(RankReason("age_span", good, span))
            misses += not good
        gender = _gender_reason(members, candidate)
        if gender is not None:
            reasons.append(gender)
            misses += not gender.good
        wish = candidate.theme == group.theme
        if group.theme is None:
            new = len(candidate.areas - areas)
            reasons.append(RankReason("new_area", new > 0, new))
            misses += new == 0
        else:
            misses += not wish
        reasons.append(RankReason("theme_wish", wish))
        key = (misses, -candidate.waited_days, not wish, candidate.id)
        ranked.append(Ranked(candidate.id, tuple(reasons), key))
    ranked.sort(key=lambda rank: rank.key)
    return ranked
