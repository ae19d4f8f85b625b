"""Driving wrk and reading what it prints (pure parts are tested in tests/test_bench.py)."""

import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("report.lua")
JSON_MARKER = "BENCH-JSON "
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


class WrkError(Exception):
    pass


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    # wrk's own --latency distribution (50, 75, 90, 99 %), as printed
    distribution_ms: dict[str, float] = field(default_factory=dict)
    not_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Non-2xx responses and socket errors; a run in which no request finished counts
        as one error (wrk reports nothing wrong then)."""
        return max(self.not_2xx + sum(self.socket_errors.values()), 1 if not self.requests else 0)

    def as_dict(self) -> dict:
        return {**asdict(self), "errors": self.errors}


def duration_ms(text: str) -> float:
    """wrk's durations ("812.00us", "4.51ms", "1.02s", "2.00m") in milliseconds."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)\s*", text)
    if not match:
        raise WrkError(f"Not a wrk duration: {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse(output: str) -> WrkResult:
    """The figures of one wrk run with --latency and bench/report.lua."""
    figures = None
    for line in output.splitlines():
        if line.startswith(JSON_MARKER):
            figures = json.loads(line[len(JSON_MARKER) :])
    if figures is None:
        raise WrkError("wrk printed no BENCH-JSON line: was it run with bench/report.lua?")
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M)
    if not rate:
        raise WrkError("wrk printed no Requests/sec line.")
    distribution = {
        f"p{percent}": duration_ms(value)
        for percent, value in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M)
    }
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = {
        "connect": figures["connect_errors"],
        "read": figures["read_errors"],
        "write": figures["write_errors"],
        "timeout": figures["timeouts"],
    }
    if socket:  # the same figures as the script's, printed by wrk only when not all zero
        socket_errors = dict(
            zip(("connect", "read", "write", "timeout"), map(int, socket.groups()), strict=True)
        )
    non_2xx_3xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    not_2xx = max(figures["not_2xx"], int(non_2xx_3xx.group(1)) if non_2xx_3xx else 0)
    return WrkResult(
        requests=figures["requests"],
        seconds=round(figures["duration_us"] / 1e6, 3),
        requests_per_second=float(rate.group(1)),
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        distribution_ms=distribution,
        not_2xx=not_2xx,
        socket_errors=socket_errors,
    )


def command(
    url: str, *, seconds: int, connections: int, threads: int, cookie: str | None
) -> list[str]:
    args = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={LUA_SCRIPT}",
    ]
    if cookie:
        args.append(f"--header=Cookie: {cookie}")
    return [*args, url]


def ensure_installed() -> str:
    """The wrk binary; installed from Debian's package when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")

    if apt and os.geteuid() == 0:
        print("wrk is missing: installing Debian's package `wrk`", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = [apt, "install", "-y", "-qq", "--no-install-recommends", "wrk"]
        if subprocess.run(install, env=env, check=False).returncode != 0:  # noqa: S603
            subprocess.run([apt, "update", "-qq"], env=env, check=True)  # noqa: S603
            subprocess.run(install, env=env, check=True)  # noqa: S603
        found = shutil.which("wrk")
    if not found:
        raise WrkError("wrk is not installed: `apt-get install wrk` (Debian) and run again.")
    return found


def run(url: str, **options) -> tuple[WrkResult, str]:
    completed = subprocess.run(  # noqa: S603
        command(url, **options), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise WrkError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return parse(completed.stdout), completed.stdout
