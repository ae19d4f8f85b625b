"""The pure matcher (groups/matching.py): optimal against exhaustive search on small
instances, hard constraints on bigger ones, deterministic, and its left-out reasons.

The objective is recomputed here from its definition (reference_key), independently of the
module, and the exhaustive search tries every way to put up to 8 people into up to 3 slots
or leave them out.
"""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groups.management.commands.bench_matcher import synthetic
from groups.matching import (
    LeftOut,
    Person,
    Policy,
    ProposedGroup,
    Reason,
    Score,
    Slot,
    propose,
    score,
)

TIMES = ["mon-day", "mon-evening", "tue-evening"]
MORE_TIMES = [*TIMES, "wed-day", "thu-evening", "sat-day"]
AREAS = ["grief", "anxiety", "work", "carer"]
THEMES = [None, "t1", "t2"]
GENDERS = ["woman", "man", "other", "unspecified", ""]


def person(pid, slots, age=40, gender="", areas=(), waited=0, theme=None):
    return Person(
        id=pid,
        slots=frozenset(slots),
        age=age,
        gender=gender,
        areas=frozenset(areas),
        waited_days=waited,
        theme=theme,
    )


# The objective, from its definition --------------------------------------------------------


def group_key(members, slot, policy):
    """(placed, waited, -age excess, -gender gap, area mix, theme fit) of one opened group."""
    ages = [p.age for p in members]
    excess = 0
    if policy.age_span_years is not None:
        excess = max(0, max(ages) - min(ages) - policy.age_span_years)
    women = len([p for p in members if p.gender == "woman"])
    men = len([p for p in members if p.gender == "man"])
    mix = len({area for p in members for area in p.areas})
    fit = len([p for p in members if p.theme == slot.theme])
    return (len(members), sum(p.waited_days for p in members), -excess, -abs(women - men), mix, fit)


def add(a, b):
    return tuple(x + y for x, y in zip(a, b, strict=True))


ZERO = (0, 0, 0, 0, 0, 0)


def reference_key(groups, people, slots, policy):
    """The key of an assignment, or None if it breaks a hard constraint."""
    by_id = {p.id: p for p in people}
    slot_by_id = {s.id: s for s in slots}
    seen = set()
    total = ZERO
    for slot_id, member_ids in groups.items():
        if not member_ids:
            continue
        slot = slot_by_id[slot_id]
        if not (slot.min_size <= len(member_ids) <= slot.max_size):
            return None
        for pid in member_ids:
            if pid in seen or slot.slot not in by_id[pid].slots:
                return None
            seen.add(pid)
        total = add(total, group_key([by_id[pid] for pid in member_ids], slot, policy))
    return total


def exhaustive_best(people, slots, policy):
    """The best key over every assignment (dynamic programming over who is taken)."""
    best = {0: ZERO}
    for slot in slots:
        able = [n for n, p in enumerate(people) if slot.slot in p.slots]
        options = [(0, ZERO)]
        for mask in range(1, 1 << len(people)):
            members = [n for n in range(len(people)) if mask >> n & 1]
            if not set(members) <= set(able):
                continue
            if slot.min_size <= len(members) <= slot.max_size:
                key = group_key([people[n] for n in members], slot, policy)
                options.append((mask, key))
        following = {}
        for taken, key in best.items():
            for mask, value in options:
                if taken & mask:
                    continue
                total = add(key, value)
                if total > following.get(taken | mask, (-1,)):
                    following[taken | mask] = total
        best = following
    return max(best.values())


def groups_of(proposal):
    return {group.slot_id: list(group.member_ids) for group in proposal.groups}


def check_proposal(proposal, people, slots, policy):
    """Every hard constraint and every promise of the Proposal's shape."""
    groups = groups_of(proposal)
    key = reference_key(groups, people, slots, policy)
    assert key is not None, groups
    assert proposal.score.key() == key
    assert score(groups, people, slots, policy) == proposal.score
    listed = [group.slot_id for group in proposal.groups]
    assert listed == sorted(listed)  # canonical: by slot id, whatever the input order
    assert len(set(listed)) == len(listed)
    for group in proposal.groups:
        assert group.member_ids, "only opened groups are listed"
        assert list(group.member_ids) == sorted(group.member_ids)
    placed = {pid for group in proposal.groups for pid in group.member_ids}
    left = [gone.person_id for gone in proposal.left_out]
    assert sorted(left) == sorted(p.id for p in people if p.id not in placed)
    assert len(set(left)) == len(left)
    offered = {s.slot for s in slots}
    running = {s.slot for s in slots if s.id in groups}
    by_id = {p.id: p for p in people}
    for gone in proposal.left_out:
        times = by_id[gone.person_id].slots
        expected = (
            Reason.NO_SLOT
            if not times & offered
            else Reason.NOT_CHOSEN
            if times & running
            else Reason.TOO_FEW
        )
        assert gone.reason == expected


# Strategies -------------------------------------------------------------------------------


@st.composite
def instances(draw, max_people=8, max_slots=3, times=TIMES, waited=4):
    count = draw(st.integers(0, max_people))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=count, max_size=count, unique=True))
    people = [
        Person(
            id=pid,
            slots=draw(st.frozensets(st.sampled_from(times))),
            age=draw(st.integers(18, 90)),
            gender=draw(st.sampled_from(GENDERS)),
            areas=draw(st.frozensets(st.sampled_from(AREAS), max_size=3)),
            waited_days=draw(st.integers(0, waited)),  # small: many ties
            theme=draw(st.sampled_from(THEMES)),
        )
        for pid in ids
    ]
    slots = []
    for n in range(draw(st.integers(0, max_slots))):
        low = draw(st.integers(1, 4))
        slots.append(
            Slot(
                id=f"slot-{draw(st.integers(0, 99))}-{n}",
                slot=draw(st.sampled_from(times)),
                theme=draw(st.sampled_from(THEMES)),
                min_size=low,
                max_size=draw(st.integers(low - 1, 5)),  # sometimes min > max: never opened
            )
        )
    policy = Policy(age_span_years=draw(st.one_of(st.none(), st.integers(0, 30))))
    return people, slots, policy


# Optimal on small instances ---------------------------------------------------------------


@given(instances())
def test_the_matcher_finds_the_exhaustive_optimum(instance):
    people, slots, policy = instance
    proposal = propose(people, slots, policy)
    check_proposal(proposal, people, slots, policy)
    assert proposal.optimal is True
    assert proposal.proven_tiers == 6
    assert proposal.score.key() == exhaustive_best(people, slots, policy)


def ages(*values, slots=("mon-evening",), gender="", waited=0, start=1):
    return [
        person(start + n, slots, age=age, gender=gender, waited=waited)
        for n, age in enumerate(values)
    ]


TRICKY = {
    "tie on waiting: any five of six": (
        ages(30, 31, 32, 33, 34, 35, waited=10),
        [Slot("a", "mon-evening", min_size=2, max_size=5)],
        Policy(),
    ),
    "minimum unreachable": (
        ages(30, 31, 32),
        [Slot("a", "mon-evening", min_size=4, max_size=8)],
        Policy(),
    ),
    "age span splits two groups at one time": (
        ages(20, 21, 22, 60, 61, 62, 23, 63),
        [
            Slot("a", "mon-evening", min_size=3, max_size=4),
            Slot("b", "mon-evening", min_size=3, max_size=4),
        ],
        Policy(age_span_years=10),
    ),
    "age span switched off": (
        ages(18, 90, 50, 70),
        [Slot("a", "mon-evening", min_size=2, max_size=4)],
        Policy(age_span_years=None),
    ),
    "gender balance across two groups": (
        [
            *ages(40, 40, 40, 40, gender="woman"),
            *ages(40, 40, 40, 40, gender="man", start=5),
        ],
        [
            Slot("a", "mon-evening", min_size=4, max_size=4),
            Slot("b", "mon-evening", min_size=4, max_size=4),
        ],
        Policy(),
    ),
    "unknown genders are neutral": (
        [
            person(1, ["mon-day"], gender="woman"),
            person(2, ["mon-day"], gender="unspecified"),
            person(3, ["mon-day"], gender="other"),
            person(4, ["mon-day"], gender=""),
            person(5, ["mon-day"], gender="man"),
        ],
        [Slot("a", "mon-day", min_size=2, max_size=3)],
        Policy(),
    ),
    "placing more beats waiting longer": (
        [
            person(1, ["mon-day", "tue-evening"], waited=100),
            person(2, ["mon-day"], waited=1),
            person(3, ["mon-day"], waited=1),
            person(4, ["tue-evening"], waited=1),
        ],
        [
            Slot("a", "mon-day", min_size=2, max_size=2),
            Slot("b", "tue-evening", min_size=2, max_size=2),
        ],
        Policy(),
    ),
    "themes: wishes go to the theme group": (
        [
            person(1, ["mon-evening"], theme="t1"),
            person(2, ["mon-evening"], theme="t1"),
            person(3, ["mon-evening"]),
            person(4, ["mon-evening"]),
        ],
        [Slot("a", "mon-evening", "t1", 2, 2), Slot("b", "mon-evening", None, 2, 2)],
        Policy(),
    ),
    "areas: mix every group": (
        [
            person(1, ["mon-day"], areas=["grief"]),
            person(2, ["mon-day"], areas=["grief"]),
            person(3, ["mon-day"], areas=["work"]),
            person(4, ["mon-day"], areas=["carer", "work"]),
        ],
        [Slot("a", "mon-day", None, 2, 2), Slot("b", "mon-day", "t1", 2, 2)],
        Policy(),
    ),
    "nobody can come": (
        [person(1, ["sat-day"]), person(2, [])],
        [Slot("a", "mon-day", min_size=1, max_size=2)],
        Policy(),
    ),
}


@pytest.mark.parametrize("name", list(TRICKY))
def test_tricky_cases_are_optimal(name):
    people, slots, policy = TRICKY[name]
    proposal = propose(people, slots, policy)
    check_proposal(proposal, people, slots, policy)
    assert proposal.optimal is True
    assert proposal.proven_tiers == 6
    assert proposal.score.key() == exhaustive_best(people, slots, policy)


def test_age_span_keeps_the_young_and_the_old_apart():
    people, slots, policy = TRICKY["age span splits two groups at one time"]
    groups = {frozenset(g.member_ids) for g in propose(people, slots, policy).groups}
    assert groups == {frozenset({1, 2, 3, 7}), frozenset({4, 5, 6, 8})}


def test_gender_balance_gives_two_even_groups():
    people, slots, policy = TRICKY["gender balance across two groups"]
    proposal = propose(people, slots, policy)
    assert proposal.score == Score(8, 0, 0, 0, 0, 8)
    for group in proposal.groups:
        assert len([pid for pid in group.member_ids if pid <= 4]) == 2


def test_placing_more_beats_waiting_longer():
    people, slots, policy = TRICKY["placing more beats waiting longer"]
    proposal = propose(people, slots, policy)
    assert proposal.groups == (ProposedGroup("a", (2, 3)), ProposedGroup("b", (1, 4)))


def test_theme_wishes_go_to_the_theme_group():
    people, slots, policy = TRICKY["themes: wishes go to the theme group"]
    proposal = propose(people, slots, policy)
    assert proposal.groups == (ProposedGroup("a", (1, 2)), ProposedGroup("b", (3, 4)))
    assert proposal.score.theme_fit == 4


def test_every_group_gets_a_mix_of_areas():
    people, slots, policy = TRICKY["areas: mix every group"]
    proposal = propose(people, slots, policy)
    mixed = {g.slot_id: set(g.member_ids) for g in proposal.groups}["a"]
    assert len(mixed & {1, 2}) == 1
    assert len(mixed & {3, 4}) == 1
    assert proposal.score.area_mix == 5  # 2 + 3: the theme group's mix counts as well


def test_policy_off_never_counts_age():
    people, slots, policy = TRICKY["age span switched off"]
    proposal = propose(people, slots, policy)
    assert proposal.score == Score(4, 0, 0, 0, 0, 4)


# Hard constraints on bigger instances -----------------------------------------------------


@given(instances(max_people=30, max_slots=6, times=MORE_TIMES, waited=400))
def test_hard_constraints_hold_on_bigger_instances(instance):
    people, slots, policy = instance
    proposal = propose(people, slots, policy, time_limit=1.0)
    check_proposal(proposal, people, slots, policy)


def test_a_tiny_time_limit_still_gives_a_feasible_answer():
    rng = random.Random(7)
    people = [
        person(n, rng.sample(MORE_TIMES, 2), age=rng.randint(18, 80), waited=rng.randint(0, 99))
        for n in range(1, 121)
    ]
    slots = [Slot(f"s{n}", MORE_TIMES[n % 6]) for n in range(12)]
    proposal = propose(people, slots, Policy(), time_limit=0.0)
    check_proposal(proposal, people, slots, Policy())
    assert proposal.optimal is False
    assert proposal.proven_tiers == 0


# Determinism ------------------------------------------------------------------------------


# A generous limit: here the answer must not depend on where a time limit cut the search.
@given(instances(max_people=12, max_slots=3, times=MORE_TIMES), st.randoms())
def test_same_input_in_any_order_gives_the_same_proposal(instance, rng):
    people, slots, policy = instance
    first = propose(people, slots, policy, time_limit=60)
    assert propose(people, slots, policy, time_limit=60) == first
    rng.shuffle(people)
    rng.shuffle(slots)
    assert propose(people, slots, policy, time_limit=60) == first


def test_a_bigger_instance_cut_by_the_time_limit_is_still_deterministic():
    # Tiers 3-6 are not proven here in the time given: the local search's answer stands.
    people, slots, policy = synthetic(200, 12, seed=1)
    first = propose(people, slots, policy, time_limit=3)
    assert (first.optimal, first.proven_tiers) == (False, 2)
    random.Random(2).shuffle(people)
    again = propose(list(reversed(people)), slots[::-1], policy, time_limit=3)
    assert again == first


# Left out, and why ------------------------------------------------------------------------


def test_left_out_reasons():
    people = [
        *ages(30, 31, 32, waited=50),  # 1-3: placed on Monday evening
        person(4, ["mon-evening"], age=33, waited=1),  # the group is full
        person(5, ["sat-day"]),  # no slot on Saturdays
        person(6, ["tue-evening"]),  # a slot, but alone there
        person(7, ["tue-evening", "mon-evening"], age=34),  # Monday runs: not chosen
        person(8, []),  # no times at all
    ]
    slots = [
        Slot("mon", "mon-evening", min_size=2, max_size=3),
        Slot("tue", "tue-evening", min_size=3, max_size=8),
    ]
    proposal = propose(people, slots, Policy())
    assert proposal.groups == (ProposedGroup("mon", (1, 2, 3)),)
    assert proposal.left_out == (
        LeftOut(4, Reason.NOT_CHOSEN),
        LeftOut(5, Reason.NO_SLOT),
        LeftOut(6, Reason.TOO_FEW),
        LeftOut(7, Reason.NOT_CHOSEN),
        LeftOut(8, Reason.NO_SLOT),
    )
    assert proposal.optimal is True


def test_reasons_are_plain_codes():
    assert [str(reason) for reason in Reason] == ["no_slot", "too_few", "not_chosen"]


def test_nothing_to_do():
    proposal = propose([], [], Policy())
    assert proposal.groups == ()
    assert proposal.left_out == ()
    assert proposal.score == Score()
    assert proposal.optimal is True
    assert proposal.proven_tiers == 6


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="duplicate person id"):
        propose([person(1, []), person(1, [])], [], Policy())
    with pytest.raises(ValueError, match="duplicate slot id"):
        propose([], [Slot("a", "mon-day"), Slot("a", "tue-evening")], Policy())


# score() ------------------------------------------------------------------------------------


def test_score_of_an_adjusted_assignment():
    people = [
        person(1, ["mon-day"], age=20, gender="woman", areas=["grief"], waited=10),
        person(2, ["mon-day"], age=50, gender="woman", areas=["work"], waited=20, theme="t1"),
        person(3, ["mon-day"], age=30, gender="man", areas=["grief"], waited=30),
    ]
    slots = [Slot("a", "mon-day", min_size=2, max_size=3)]
    result = score({"a": [3, 2, 1]}, people, slots, Policy(age_span_years=15))
    assert result == Score(
        placed=3, waited_days=60, age_excess=15, gender_gap=1, area_mix=2, theme_fit=2
    )
    assert score({"a": []}, people, slots, Policy()) == Score()


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"a": [1]}, "1 members"),
        ({"a": [1, 2, 3, 4]}, "4 members"),
        ({"a": [1, 4]}, "cannot meet"),
        ({"a": [1, 9]}, "unknown person"),
        ({"z": [1, 2]}, "unknown slot"),
        ({"a": [1, 2], "b": [2, 3]}, "two groups"),
    ],
)
def test_score_refuses_an_infeasible_assignment(groups, message):
    people = [person(n, ["mon-day"]) for n in (1, 2, 3)] + [person(4, ["tue-evening"])]
    slots = [Slot("a", "mon-day", min_size=2, max_size=3), Slot("b", "mon-day", None, 2, 3)]
    with pytest.raises(ValueError, match=message):
        score(groups, people, slots, Policy())


def test_scores_compare_tier_by_tier():
    assert Score(placed=2) > Score(placed=1, waited_days=999)
    assert Score(placed=1, age_excess=0) > Score(placed=1, age_excess=1)
    assert Score(placed=1, gender_gap=0, area_mix=0) > Score(placed=1, gender_gap=1, area_mix=9)
    assert Score(theme_fit=1) > Score()
