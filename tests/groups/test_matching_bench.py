"""bench_matcher: the matcher's timing command (the timing itself is not tested)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groups.management.commands.bench_matcher import synthetic


def test_synthetic_instances_depend_on_the_seed_alone():
    assert synthetic(40, 5, seed=3) == synthetic(40, 5, seed=3)
    assert synthetic(40, 5, seed=3) != synthetic(40, 5, seed=4)
    people, slots, policy = synthetic(40, 5, seed=3)
    assert [p.id for p in people] == list(range(1, 41))
    assert len({s.id for s in slots}) == 5
    assert policy.age_span_years == 15


def test_bench_matcher_prints_and_writes_its_runs(tmp_path):
    out, path = StringIO(), tmp_path / "matcher.json"
    call_command("bench_matcher", sizes="12x2,20x3", seeds=2, time_limit=5, json=path, stdout=out)
    result = json.loads(path.read_text())
    runs = result["runs"]
    assert [(run["people"], run["slots"], run["seed"]) for run in runs] == [
        (12, 2, 1),
        (12, 2, 2),
        (20, 3, 1),
        (20, 3, 2),
    ]
    for run in runs:
        assert run["optimal"] is True  # small enough to prove
        assert run["placed"] <= 8 * run["slots"]
    assert out.getvalue().count(" optimal ") == 4


def test_bench_matcher_refuses_a_bad_size():
    with pytest.raises(CommandError, match="PEOPLExSLOTS"):
        call_command("bench_matcher", sizes="300by20", stdout=StringIO())
