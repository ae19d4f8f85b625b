"""`make bench`: the staff pages under load on seed_scale data in PostgreSQL.

One run: migrate, seed (or reuse) the scale data, serve the app with gunicorn on loopback
(2 workers, DEBUG off, production settings but plain http), sign in a staff member of the
busiest seeded centre and an administrator (server-side sessions, second factor verified),
drive each page with wrk at 16 connections, time the matcher, EXPLAIN the main queries,
and write bench/results/latest.json and latest.md. Exits non-zero when a page answered
anything but 2xx (a redirect to the login page means the session was wrong), or when
--strict is given and a speed target was missed.

    DATABASE_URL=postgres://… .venv/bin/python -m bench.run [--scale small] [--reuse]
"""

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

from bench import report, wrk

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")
SCALES = {
    "full": {},  # seed_scale's defaults: 100 centres, 50 000 applications, …
    # The same data per centre as the full size, for 5 centres: a quick run.
    "small": {
        "centres": 5,
        "applications": 2500,
        "groups": 200,
        "memberships": 1500,
        "meetings": 10_000,
        "starters": 75,
    },
}
SIZES = ("centres", "applications", "groups", "memberships", "meetings", "starters")
STAFF_USERNAME = "bench-stab"
ADMIN_USERNAME = "bench-admin"
PAGE_ROWS = 50


class BenchError(Exception):
    pass


@dataclass
class Page:
    key: str
    title: str
    path: str | None  # None: the page does not exist yet
    cookie: str | None
    queries: int | None = None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the scale data already there (no re-seed)"
    )
    for name in SIZES:
        parser.add_argument(f"--{name}", type=int, help=f"seed_scale --{name}")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per page")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR)
    parser.add_argument("--skip-matcher", action="store_true")
    parser.add_argument(
        "--no-load", action="store_true", help="skip gunicorn and wrk (queries and EXPLAIN only)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a speed target is missed"
    )
    return parser.parse_args(argv)


def step(title: str) -> None:
    print(f"\n==> {title}", flush=True)


# --- Before Django --------------------------------------------------------------------------


def configure_environment() -> None:
    """Production settings (DEBUG off) for this run only, plus the bench's own URLconf."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(POSTGRES_SCHEMES):
        raise BenchError(
            "make bench measures on PostgreSQL: set DATABASE_URL=postgres://user:pass@host/db "
            f"(now: {'unset' if not url else url.split(':', 1)[0] + '://…'})."
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DEBUG"] = "0"
    # A fresh key per run: the sessions the runner makes are signed with it.
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("SITE_URL", "http://127.0.0.1")
    # Persistent connections, one per gunicorn worker, as a production set-up would use.
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


# --- Data, users and sessions -----------------------------------------------------------------


def seed(args) -> None:
    from django.core.management import call_command

    from groups.management.commands.seed_scale import SLUG_PREFIX, scale_centres

    existing = scale_centres().count()
    if existing and args.reuse:
        print(f"Reusing the scale data already there ({existing} centres {SLUG_PREFIX}…).")
        return
    sizes = dict(SCALES[args.scale])
    for name in SIZES:
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    print(f"seed_scale {' '.join(f'--{k} {v}' for k, v in sizes.items()) or '(defaults)'}")
    call_command("seed_scale", force=True, replace=bool(existing), **sizes)


def data_counts() -> dict:
    from groups.management.commands.seed_scale import scale_centres
    from groups.models import Group, Meeting, Membership
    from intake.models import Application
    from starters.models import Starter

    centres = scale_centres()
    return {
        "centres": centres.count(),
        "applications": Application.objects.filter(centre__in=centres).count(),
        "groups": Group.objects.filter(centre__in=centres).count(),
        "memberships": Membership.objects.filter(group__centre__in=centres).count(),
        "meetings": Meeting.objects.filter(group__centre__in=centres).count(),
        "starters": Starter.objects.filter(centres__in=centres).distinct().count(),
    }


def choose_centre_and_group(now):
    """The scale centre with the most open applications, and its fullest forming group."""
    from django.db.models import Count, Q

    from groups.enums import GroupStatus
    from groups.management.commands.seed_scale import scale_centres
    from groups.models import Group
    from intake.enums import Status

    centre = (
        scale_centres()
        .annotate(open=Count("applications", filter=Q(applications__status__in=Status.open())))
        .order_by("-open", "slug")
        .first()
    )
    if centre is None:
        raise BenchError("No scale data: run without --reuse to seed it.")
    if centre.open < PAGE_ROWS:
        raise BenchError(
            f"{centre.slug} has only {centre.open} open applications; the waiting list must "
            f"show {PAGE_ROWS}. Seed more applications."
        )
    groups = Group.objects.for_centre(centre).with_seats(now)
    group = (
        groups.filter(status__in=GroupStatus.accepting()).order_by("-members_count", "pk").first()
        or groups.order_by("-members_count", "pk").first()
    )
    if group is None:
        raise BenchError(f"{centre.slug} has no groups: seed some with --groups.")
    return centre, group


def bench_users(centre):
    from django.contrib.auth import get_user_model

    from selvhjelp.models import StaffMembership

    users = get_user_model()
    staff, _ = users.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"first_name": "Bench", "last_name": "Stab"}
    )
    StaffMembership.objects.filter(user=staff).exclude(centre=centre).delete()
    StaffMembership.objects.get_or_create(user=staff, centre=centre)
    admin, _ = users.objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    for user in (staff, admin):
        if user.has_usable_password():
            user.set_unusable_password()  # signed in only through the runner's sessions
            user.save(update_fields=["password"])
    return staff, admin


def session_cookie(user) -> tuple[str, str]:
    """(cookie name, session key) of a fresh signed-in session, second factor given."""
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest

    engine = import_module(settings.SESSION_ENGINE)
    request = HttpRequest()
    request.META.update(REMOTE_ADDR="127.0.0.1", SERVER_NAME="127.0.0.1", SERVER_PORT="80")
    request.session = engine.SessionStore()
    request.user = user  # login() and django-otp's login() read it
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    _verify_second_factor(request, user)
    request.session.save()
    return settings.SESSION_COOKIE_NAME, request.session.session_key


def _verify_second_factor(request, user) -> None:
    """Mark the session as having given its code, as a real sign-in with the app would."""
    from django.apps import apps

    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return  # no second factor in this version of the product
    import django_otp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    django_otp.login(request, device)


def client_with(cookie: str | None):
    """A test client in this process that sends the session cookie."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=True)
    if cookie:
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    return client


def count_queries(page: Page) -> tuple[int, int]:
    """(status, queries) of one request in this process, with the page's session."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_with(page.cookie)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.path)
    return response.status_code, len(queries)


def explained_pages(pages: list[Page], group) -> list[tuple[str, str]]:
    """The staff pages whose queries are explained, and the waiting list's filters."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from selvhjelp import bitsets

    by_key = {page.key: page for page in pages}
    slot = bitsets.slot_at(group.weekday, group.start_time)
    waiting_list = by_key["waiting_list"].path
    chosen = [
        ("Waiting list", waiting_list),
        (
            f"Waiting list, waiting and free {slot}",
            f"{waiting_list}?{urlencode({'status': 'waiting', 'availability': slot})}",
        ),
        (
            "Waiting list, aged 30–39, waited 12+ weeks",
            f"{waiting_list}?{urlencode({'age': '30-39', 'waited': '12'})}",
        ),
        ("Group list", reverse("staff-groups")),
    ]
    for key in ("group", "group_meetings", "group_starters", "candidates", "dashboard"):
        if by_key[key].path:
            chosen.append((by_key[key].title, by_key[key].path))
    return chosen


# --- Serving and driving --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, cookie: str | None) -> tuple[int, str]:
    """(status, Location header) of one GET, redirects not followed."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


class Server:
    """gunicorn on loopback in its own process group, stopped on every way out."""

    def __init__(self, workers: int, log_path: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "selvhjelp.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if fetch(self.base + path, None)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise BenchError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.log.close()


def drive(server: Server, page: Page, args) -> dict:
    url = server.base + page.path
    status, location = fetch(url, page.cookie)
    if status != 200:
        hint = " (a redirect to the login page: the session was not accepted)" if location else ""
        raise BenchError(f"{page.title}: GET {page.path} answered {status} {location}{hint}")
    options = {"connections": args.connections, "threads": args.threads, "cookie": page.cookie}
    if args.warmup:
        wrk.run(url, seconds=args.warmup, **options)
    result, output = wrk.run(url, seconds=args.seconds, **options)
    print(output.rstrip(), flush=True)
    return result.as_dict()


def time_matcher(tmp: Path) -> dict:
    from django.core.management import get_commands

    if "bench_matcher" not in get_commands():
        print("bench_matcher: not available yet (skipped).")
        return {"available": False}
    out = tmp / "matcher.json"
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "bench_matcher", "--json", str(out)],
        cwd=ROOT,
        env=os.environ.copy(),
        check=False,
    )
    if completed.returncode != 0 or not out.exists():
        raise BenchError(f"bench_matcher failed (exit {completed.returncode}).")
    return {"available": True, "result": json.loads(out.read_text())}


# --- The run --------------------------------------------------------------------------------


def environment_facts() -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]

    def git(*command):
        completed = subprocess.run(  # noqa: S603
            ["git", *command],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return completed.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    return {
        "commit": commit
        + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else ""),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
    }


def pages_for(centre, group, staff_cookie, admin_cookie) -> list[Page]:
    from django.urls import NoReverseMatch, reverse
    from django.utils.http import urlencode

    from bench.urls import BARE_PATH
    from intake.enums import Status

    def path_of(name, *args):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None  # an earlier version of the product

    candidates = path_of("staff-group-candidates", group.pk)
    admin_query = urlencode({"centre__id__exact": centre.pk, "status__in": ",".join(Status.open())})
    return [
        Page("bare", "Bare view (framework ceiling)", f"/{BARE_PATH}", None),
        Page(
            "admin",
            "Django admin changelist (same 50 applications)",
            f"{reverse('admin:intake_application_changelist')}?{admin_query}",
            admin_cookie,
        ),
        Page(
            "waiting_list",
            "Staff waiting list (50 rows)",
            reverse("staff-applications"),
            staff_cookie,
        ),
        Page(
            "group", "Group page: overview", reverse("staff-group", args=[group.pk]), staff_cookie
        ),
        Page(
            "group_meetings",
            "Group page: meetings tab",
            path_of("staff-group-meetings", group.pk),
            staff_cookie,
        ),
        Page(
            "group_starters",
            "Group page: starters tab",
            path_of("staff-group-tab", group.pk, "igangsettere"),
            staff_cookie,
        ),
        Page("candidates", "Candidates page", candidates, staff_cookie),
        Page("dashboard", "Staff overview /stab/", reverse("staff-home"), staff_cookie),
    ]


def run(args) -> int:
    configure_environment()
    wrk.ensure_installed()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import explain

    started = time.monotonic()
    step("Migrate and collect static files")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)

    step("Scale data")
    seed(args)
    counts = data_counts()
    now = timezone.now()
    centre, group = choose_centre_and_group(now)
    print(", ".join(f"{n} {label}" for label, n in counts.items()))
    print(
        f"Staff of {centre.name} ({centre.slug}, {centre.open} open applications); "
        f"group {group.pk} “{group.name}” ({group.status}, {group.members_count} members)."
    )

    step("Sessions")
    staff, admin = bench_users(centre)
    staff_cookie = "=".join(session_cookie(staff))
    admin_cookie = "=".join(session_cookie(admin))
    pages = pages_for(centre, group, staff_cookie, admin_cookie)
    for page in pages:
        if page.path is None:
            print(f"{page.title}: not available yet (skipped).")
            continue
        status, page.queries = count_queries(page)
        if status != 200:
            raise BenchError(f"{page.title}: {page.path} answered {status} in-process.")
        print(f"{page.title}: {page.path} → 200, {page.queries} queries")

    results: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment_facts(),
        "settings": {
            "scale": args.scale,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "gunicorn_workers": args.workers,
            "db_conn_max_age": int(os.environ["DB_CONN_MAX_AGE"]),
        },
        "data": {**counts, "centre": centre.slug, "open_applications": centre.open},
        "pages": [],
    }

    with tempfile.TemporaryDirectory(prefix="selvhjelp-bench-") as tmp:
        tmp = Path(tmp)
        server = None if args.no_load else Server(args.workers, tmp / "gunicorn.log")
        try:
            if server:
                step(f"gunicorn on {server.base} ({args.workers} workers)")
                server.wait_ready(pages[0].path)
            for page in pages:
                entry = {"key": page.key, "title": page.title, "path": page.path}
                if page.path is None:
                    results["pages"].append({**entry, "available": False})
                    continue
                if server is None:
                    results["pages"].append({**entry, "available": True, "queries": page.queries})
                    continue
                step(f"{page.title}: {page.path}")
                measured = drive(server, page, args)
                results["pages"].append(
                    {**entry, "available": True, "queries": page.queries, **measured}
                )
                if measured["errors"]:
                    print(f"FAILED: {measured['errors']} errors or non-2xx responses", flush=True)
        finally:
            if server:
                server.stop()
                if server.process.returncode not in (0, -signal.SIGTERM):
                    print(f"gunicorn ended with {server.process.returncode}:\n{server.tail()}")

        step("Matcher (manage.py bench_matcher)")
        results["matcher"] = {"available": False} if args.skip_matcher else time_matcher(tmp)

    step("EXPLAIN (ANALYZE) of the queries behind the staff pages")
    explained = explain.explain_pages(client_with(staff_cookie), explained_pages(pages, group))
    for item in explained:
        print(report.explain_text(item.as_dict()), flush=True)
    results["explain"] = [item.as_dict() for item in explained]

    report.add_ratios(results["pages"])
    results["targets"] = report.targets(results["pages"])
    results["seconds_total"] = round(time.monotonic() - started, 1)

    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    )
    markdown = report.markdown(results)
    (args.output / "latest.md").write_text(markdown)
    step("Summary")
    print(report.summary(results))
    print(f"Written: {args.output / 'latest.json'}, {args.output / 'latest.md'}")

    failed = [page["title"] for page in results["pages"] if page.get("errors")]
    if failed:
        print(f"FAILED: errors or non-2xx responses on: {', '.join(failed)}")
        return 1
    if args.strict and not all(target["met"] for target in results["targets"]):
        print("FAILED (--strict): a speed target was missed.")
        return 1
    return 0


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        return run(args)
    except (BenchError, wrk.WrkError) as error:
        print(f"\nmake bench: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
