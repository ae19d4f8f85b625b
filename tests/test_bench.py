"""The pure parts of `make bench` (bench/): reading wrk, ratios, targets, plans, the report.

No timing here: the benchmark itself measures, these check that it reads and reports right.
"""

import os

import pytest

from bench import explain, report, run, wrk

WRK_OUTPUT = """\
Running 15s test @ http://127.0.0.1:40111/stab/soknader/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    41.23ms   12.04ms 180.51ms   71.20%
    Req/Sec   195.11     31.20   270.00     68.33%
  Latency Distribution
     50%   39.87ms
     75%   47.10ms
     90%   56.02ms
     99%   82.44ms
  5843 requests in 15.02s, 98.12MB read
Requests/sec:    389.02
Transfer/sec:      6.53MB
BENCH-JSON {"requests": 5843, "duration_us": 15020311, "p50_us": 39870, "p95_us": 64250, \
"p99_us": 82440, "max_us": 180510, "not_2xx": 0, "connect_errors": 0, "read_errors": 0, \
"write_errors": 0, "timeouts": 0}
"""

WRK_FAILING = """\
Running 5s test @ http://127.0.0.1:40111/stab/
  2 threads and 16 connections
  Latency Distribution
     50%  812.00us
     75%    1.02ms
     90%    1.50ms
     99%    2.10s
  9000 requests in 5.00s, 3.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
Requests/sec:   1800.00
Transfer/sec:    634.00KB
BENCH-JSON {"requests": 9000, "duration_us": 5000000, "p50_us": 812, "p95_us": 1800, \
"p99_us": 2100000, "max_us": 2500000, "not_2xx": 9000, "connect_errors": 0, "read_errors": 2, \
"write_errors": 0, "timeouts": 3}
"""


def test_reads_rate_latencies_and_no_errors():
    result = wrk.parse(WRK_OUTPUT)

    assert result.requests == 5843
    assert result.seconds == 15.02
    assert result.requests_per_second == 389.02
    assert (result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms) == (
        39.87,
        64.25,
        82.44,
        180.51,
    )
    assert result.distribution_ms == {"p50": 39.87, "p75": 47.1, "p90": 56.02, "p99": 82.44}
    assert result.errors == 0
    assert result.as_dict()["errors"] == 0


def test_counts_redirects_and_socket_errors_as_errors():
    # Every response a redirect (e.g. to the login page): wrk itself reports no error.
    result = wrk.parse(WRK_FAILING)

    assert result.not_2xx == 9000
    assert result.socket_errors == {"connect": 0, "read": 2, "write": 0, "timeout": 3}
    assert result.errors == 9005
    assert result.distribution_ms["p50"] == 0.812
    assert result.distribution_ms["p99"] == 2100.0


def test_a_run_in_which_no_request_finished_is_an_error():
    output = WRK_OUTPUT.replace('"requests": 5843', '"requests": 0')

    assert wrk.parse(output).errors == 1


def test_wrk_counts_non_2xx_responses_even_without_the_script_figure():
    output = WRK_OUTPUT.replace(
        "Requests/sec:", "  Non-2xx or 3xx responses: 12\nRequests/sec:"
    ).replace('"not_2xx": 0', '"not_2xx": 7')

    assert wrk.parse(output).not_2xx == 12


def test_output_without_the_script_line_is_refused():
    with pytest.raises(wrk.WrkError, match="BENCH-JSON"):
        wrk.parse(WRK_OUTPUT.split("BENCH-JSON")[0])


@pytest.mark.parametrize(
    ("text", "ms"),
    [("812.00us", 0.812), ("4.51ms", 4.51), ("1.02s", 1020.0), ("2.00m", 120_000.0)],
)
def test_durations(text, ms):
    assert wrk.duration_ms(text) == pytest.approx(ms)


def test_a_strange_duration_is_an_error():
    with pytest.raises(wrk.WrkError):
        wrk.duration_ms("fast")


def test_the_wrk_command_sends_the_session_and_uses_the_script():
    args = wrk.command(
        "http://127.0.0.1:1/stab/", seconds=15, connections=16, threads=2, cookie="sid=abc"
    )

    assert args == [
        "wrk",
        "--threads=2",
        "--connections=16",
        "--duration=15s",
        "--timeout=10s",
        "--latency",
        f"--script={wrk.LUA_SCRIPT}",
        "--header=Cookie: sid=abc",
        "http://127.0.0.1:1/stab/",
    ]
    assert wrk.LUA_SCRIPT.exists()
    assert "Cookie" not in " ".join(
        wrk.command("http://x/", seconds=1, connections=1, threads=1, cookie=None)
    )


def _page(key, rate, p95=50.0, errors=0):
    return {
        "key": key,
        "title": key,
        "requests_per_second": rate,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "errors": errors,
        "available": True,
    }


def test_ratios_to_the_admin_and_the_bare_view():
    pages = [_page("bare", 3400.0), _page("admin", 100.0), _page("waiting_list", 250.0)]

    report.add_ratios(pages)

    assert [(p["vs_admin"], p["vs_bare"]) for p in pages] == [
        (34.0, 1.0),
        (1.0, 0.03),
        (2.5, 0.07),
    ]


def test_targets_need_twice_the_admin_and_p95_within_150_ms():
    pages = [
        _page("admin", 100.0),
        _page("waiting_list", 250.0, p95=120.0),
        _page("group", 150.0, p95=90.0),
        {"key": "candidates", "title": "Candidates", "path": None, "available": False},
    ]
    report.add_ratios(pages)

    checked = {target["page"]: target for target in report.targets(pages)}

    assert checked["waiting_list"]["met"] is True
    assert (checked["group"]["met"], checked["group"]["throughput_met"]) == (False, False)
    assert checked["candidates"] == {"page": "candidates", "measured": False, "met": False}
    slow = [_page("admin", 100.0), _page("waiting_list", 250.0, p95=151.0)]
    report.add_ratios(slow)
    assert report.targets(slow)[0]["p95_met"] is False
    failing = [_page("admin", 100.0), _page("waiting_list", 250.0, errors=3)]
    report.add_ratios(failing)
    assert report.targets(failing)[0]["met"] is False


PLAN = """\
Limit  (cost=829.37..829.50 rows=50 width=544) (actual time=0.716..0.723 rows=50 loops=1)
  ->  Nested Loop  (cost=21.02..806.11 rows=326 width=100)
        ->  Seq Scan on core_centre  (cost=0.00..6.25 rows=1 width=38)
        ->  Bitmap Heap Scan on intake_application  (cost=21.02..796.60 rows=326 width=62)
              ->  Bitmap Index Scan on application_list_idx  (cost=0.00..20.94 rows=326 width=0)
  ->  Index Only Scan Backward using meeting_group_time_idx on groups_meeting m
  ->  Index Scan using groups_room_pkey on groups_room  (cost=0.28..0.81 rows=1 width=28)
"""


def test_finds_the_indexes_and_sequential_scans_of_a_plan():
    indexes, seq = explain.scans(PLAN)

    assert indexes == ["application_list_idx", "meeting_group_time_idx", "groups_room_pkey"]
    assert seq == ["core_centre"]


def test_a_query_whose_own_table_is_scanned_whole_uses_no_index():
    def explained(table, plan):
        indexes, seq = explain.scans(plan)
        return explain.Explained("q", "f", table, "SELECT 1", plan, indexes, seq)

    assert explained("intake_application", PLAN).uses_index is True
    assert explained("groups_meeting", "Seq Scan on groups_meeting").uses_index is False
    assert explained("intake_application", "Seq Scan on intake_application").uses_index is False
    # A few rows per centre: scanning them whole is the right plan.
    assert explained("core_centre", "Seq Scan on core_centre").uses_index is True


SQL = (
    'SELECT "intake_application"."id", "intake_application"."first_name" '
    'FROM "intake_application" INNER JOIN "core_centre" ON ("intake_application"."centre_id" '
    '= "core_centre"."id") WHERE ("intake_application"."centre_id" IN (86) AND '
    "\"intake_application\".\"status\" IN ('received', 'waiting') AND "
    '("intake_application"."availability_mask" & 8) > 0) '
    'ORDER BY "intake_application"."applied_at" ASC LIMIT 50'
)


def test_reads_the_main_table_and_the_filtered_columns_of_a_query():
    assert explain.main_table(SQL) == "intake_application"
    assert explain.filters_of(SQL) == "centre_id, status, availability_mask"
    assert explain.filters_of('SELECT 1 FROM "core_centre"') == "no filter"


def test_a_subquery_in_the_select_list_is_not_the_main_table():
    sql = (
        'SELECT "groups_group"."id", COALESCE((SELECT COUNT(U0."id") FROM "groups_membership" U0 '
        'WHERE (U0."group_id" = ("groups_group"."id") AND U0."left_on" IS NULL)), 0) AS "n" '
        'FROM "groups_group" WHERE ("groups_group"."centre_id" IN (86) AND '
        '"groups_group"."name" = \'Mandag (FROM "x")\') ORDER BY "groups_group"."start_date"'
    )

    assert explain.main_table(sql) == "groups_group"
    assert explain.filters_of(sql) == "centre_id, name"


def test_a_table_with_few_rows_in_this_data_may_be_read_whole():
    plan = "Seq Scan on groups_absencenotice  (actual rows=0 loops=1)"
    indexes, seq = explain.scans(plan)

    def notices(rows):
        return explain.Explained("q", "f", "groups_absencenotice", "S", plan, indexes, seq, rows)

    assert (notices(0).uses_index, notices(0).small_table) == (True, True)
    assert notices(1000).uses_index is False
    assert "small table (0 rows)" in report.explain_text(notices(0).as_dict())
    assert "NO INDEX on groups_absencenotice" in report.explain_text(notices(5000).as_dict())


def test_sign_in_bookkeeping_and_writes_are_not_explained():
    assert explain.wanted(SQL) is True
    assert explain.wanted('SELECT "django_session"."session_data" FROM "django_session"') is False
    assert explain.wanted('SELECT "x"."id" FROM "otp_totp_totpdevice" "x"') is False
    assert explain.wanted('UPDATE "django_session" SET "expire_date" = now()') is False


def _results():
    pages = [
        _page("bare", 1400.0),
        _page("admin", 34.0),
        _page("waiting_list", 90.0, p95=140.0),
        {"key": "candidates", "title": "Candidates page", "path": None, "available": False},
    ]
    for page in pages:
        page.setdefault("queries", 8)
    report.add_ratios(pages)
    indexes, seq = explain.scans(PLAN)
    return {
        "when": "2026-11-22T06:00:00+00:00",
        "environment": {
            "commit": "abc1234",
            "cpus": 2,
            "python": "3.13.0",
            "django": "6.1",
            "postgresql": "15.8",
        },
        "settings": {
            "scale": "small",
            "seconds": 15,
            "warmup": 3,
            "connections": 16,
            "wrk_threads": 2,
            "gunicorn_workers": 2,
        },
        "data": {
            "centres": 5,
            "applications": 2500,
            "groups": 200,
            "memberships": 1500,
            "meetings": 10000,
            "starters": 75,
            "centre": "skala-005",
            "open_applications": 233,
        },
        "pages": pages,
        "targets": report.targets(pages),
        "matcher": {"available": False},
        "explain": [
            explain.Explained(
                "Waiting list", "centre", "intake_application", "SELECT", PLAN, indexes, seq
            ).as_dict()
        ],
    }


def test_the_markdown_report_has_the_table_targets_matcher_and_plans():
    text = report.markdown(_results())

    assert "10000 meetings, 75 starters. Signed in as staff of `skala-005`" in text
    assert "| waiting_list | 90.0 | 70.0 | 140.0 | 0 | 2.65× | 0.06× | 8 |" in text
    assert "| Candidates page | not available yet | | | | | | |" in text
    assert "- waiting_list: met (2.65× the admin, target ≥ 2×; p95 140.0 ms" in text
    assert "- candidates: not measured" in text
    assert "## Matcher\n\nNot available yet." in text
    assert "| Waiting list | centre | `application_list_idx`, `meeting_group_time_idx`" in text
    assert "Bitmap Index Scan on application_list_idx" in text
    assert "abc1234: 2 CPUs, PostgreSQL 15.8" in text


def test_the_summary_names_queries_without_an_index():
    results = _results()
    results["explain"][0]["uses_index"] = False

    assert "- queries without an index: Waiting list" in report.summary(results)


def test_matcher_runs_become_a_table():
    matcher = {"available": True, "result": {"runs": [{"people": 300, "slots": 20, "s": 0.4}]}}

    assert (
        report.matcher_text(matcher) == "| people | slots | s |\n|---|---|---|\n| 300 | 20 | 0.4 |"
    )


def test_the_runner_refuses_anything_but_postgresql(monkeypatch):
    monkeypatch.setattr(os, "environ", {"DATABASE_URL": "sqlite:///db.sqlite3"})

    with pytest.raises(run.BenchError, match="PostgreSQL"):
        run.configure_environment()
    assert os.environ == {"DATABASE_URL": "sqlite:///db.sqlite3"}


def test_the_runner_serves_production_settings_with_a_fresh_key(monkeypatch):
    monkeypatch.setattr(os, "environ", {"DATABASE_URL": "postgres://u:p@127.0.0.1/db"})

    run.configure_environment()
    first = os.environ["SECRET_KEY"]
    run.configure_environment()

    assert os.environ["DJANGO_SETTINGS_MODULE"] == "bench.settings"
    assert (os.environ["DEBUG"], os.environ["ALLOWED_HOSTS"]) == ("0", "127.0.0.1")
    assert os.environ["DB_CONN_MAX_AGE"] == "60"
    assert len(first) >= 50
    assert os.environ["SECRET_KEY"] != first


def test_the_default_arguments_match_the_issue():
    args = run.parse_args([])

    assert (args.connections, args.workers, args.scale, args.reuse) == (16, 2, "full", False)
    assert run.parse_args(["--scale", "small", "--reuse"]).scale == "small"


@pytest.mark.urls("bench.urls")
def test_the_bare_view_answers_through_the_middleware(client, db):
    response = client.get("/bench/bare/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "Content-Security-Policy" in response.headers


def test_the_bare_view_is_not_in_the_product(client, db):
    assert client.get("/bench/bare/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("required", [True, False])
def test_the_bench_sessions_open_staff_pages_and_the_admin(settings, centre_1, required):
    settings.STAFF_REQUIRE_2FA = required
    staff, admin = run.bench_users(centre_1)

    staff_client = run.client_with("=".join(run.session_cookie(staff)))
    admin_client = run.client_with("=".join(run.session_cookie(admin)))

    assert staff_client.get("/stab/soknader/").status_code == 200
    assert admin_client.get("/admin/intake/application/").status_code == 200
    assert (staff.has_usable_password(), admin.is_superuser) == (False, True)
    assert list(staff.staff_memberships.values_list("centre", flat=True)) == [centre_1.pk]
