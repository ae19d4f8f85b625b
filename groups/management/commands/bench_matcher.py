"""Time the matcher (groups/matching.py) on synthetic waiting lists.

    manage.py bench_matcher [--sizes 300x20,1000x40] [--seeds 3] [--time-limit 2]
                            [--json FILE]

Each instance is made from its seed alone (no database): people with 1-5 weekly times they
can meet (evenings and weekdays more often), ages 18-85 skewed young, mixed genders, 1-3
areas, 0-400 days waited, one in five asking for a theme group; slots at random times, one in
four with a theme, 5-8 members. Prints, per run, the seconds, whether the answer is proven
optimal (and how many of the six tiers are), and the score. `make bench` (bench/run.py)
calls it with --json.
"""

import json
import platform
import random
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groups.matching import Person, Policy, Slot, propose
from intake.enums import Area
from selvhjelp import bitsets

THEMES = ["1", "2", "3"]
GENDERS = ["woman", "man", "other", "unspecified", ""]
GENDER_WEIGHTS = [55, 35, 4, 4, 2]


def _weight(slot: str) -> int:
    day, part = slot.split("-")
    return (1 if day in ("sat", "sun") else 3) * (2 if part == "evening" else 1)


def synthetic(people: int, slots: int, seed: int) -> tuple[list[Person], list[Slot], Policy]:
    """A waiting list of `people` and `slots` proposed groups, the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    times = list(bitsets.SLOTS)
    weights = [_weight(slot) for slot in times]
    areas = list(Area.values)
    waiting = []
    for n in range(people):
        count = rng.choice([1, 2, 2, 3, 3, 4, 5])
        available: set[str] = set()
        while len(available) < count:
            available.add(rng.choices(times, weights)[0])
        waiting.append(
            Person(
                id=n + 1,
                slots=frozenset(available),
                age=min(85, 18 + int(rng.expovariate(1 / 22))),
                gender=rng.choices(GENDERS, GENDER_WEIGHTS)[0],
                areas=frozenset(rng.sample(areas, rng.choice([1, 1, 2, 2, 3]))),
                waited_days=rng.randint(0, 400),
                theme=rng.choice(THEMES) if rng.random() < 0.2 else None,
            )
        )
    openings = [
        Slot(
            id=f"s{n:03d}",
            slot=rng.choices(times, weights)[0],
            theme=rng.choice(THEMES) if rng.random() < 0.25 else None,
        )
        for n in range(slots)
    ]
    return waiting, openings, Policy(age_span_years=15)


def _size(text: str) -> tuple[int, int]:
    try:
        people, slots = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise CommandError(f"size {text!r}: write PEOPLExSLOTS, e.g. 300x20") from None
    return people, slots


class Command(BaseCommand):
    help = "Time the group matcher on synthetic waiting lists."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes", default="300x20,1000x40", help="PEOPLExSLOTS, comma-separated"
        )
        parser.add_argument("--seeds", type=int, default=3, help="instances per size (seeds 1..N)")
        parser.add_argument("--time-limit", type=float, default=2.0, help="seconds per instance")
        parser.add_argument("--json", type=Path, help="write the results to this file")

    def handle(self, *args, **options):
        sizes = [_size(text) for text in options["sizes"].split(",") if text.strip()]
        time_limit = options["time_limit"]
        runs = []
        for people, slots in sizes:
            for seed in range(1, options["seeds"] + 1):
                waiting, openings, policy = synthetic(people, slots, seed)
                started = time.perf_counter()
                proposal = propose(waiting, openings, policy, time_limit=time_limit)
                seconds = time.perf_counter() - started
                score = proposal.score
                run = {
                    "people": people,
                    "slots": slots,
                    "seed": seed,
                    "time_limit": time_limit,
                    "seconds": round(seconds, 3),
                    "optimal": proposal.optimal,
                    "proven_tiers": proposal.proven_tiers,
                    "groups": len(proposal.groups),
                    "placed": score.placed,
                    "waited_days": score.waited_days,
                    "age_excess": score.age_excess,
                    "gender_gap": score.gender_gap,
                    "area_mix": score.area_mix,
                    "theme_fit": score.theme_fit,
                }
                runs.append(run)
                self.stdout.write(
                    f"{people:>5} people x {slots:>3} slots  seed {seed}  {seconds:6.2f} s  "
                    f"{'optimal' if proposal.optimal else 'best found'} "
                    f"(tiers proven: {proposal.proven_tiers}/6)  "
                    f"placed {score.placed}, waited {score.waited_days} d, "
                    f"age excess {score.age_excess}, gender gap {score.gender_gap}, "
                    f"area mix {score.area_mix}, theme fit {score.theme_fit}"
                )
        if options["json"]:
            result = {
                "time_limit": time_limit,
                "python": platform.python_version(),
                "runs": runs,
            }
            options["json"].write_text(json.dumps(result, indent=2) + "\n")
