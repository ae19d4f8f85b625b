"""Ratios, speed targets and the readable report of a bench run (pure: tested)."""

# The group page is measured tab by tab: each of its pages must meet the targets.
TARGET_PAGES = ("waiting_list", "group", "group_meetings", "group_starters", "candidates")
TARGET_RATIO_TO_ADMIN = 2.0
TARGET_P95_MS = 150.0


def add_ratios(pages: list[dict]) -> None:
    """Each measured page's throughput as a multiple of the admin's and the bare view's."""
    rates = {page["key"]: page.get("requests_per_second") for page in pages}
    for page in pages:
        rate = page.get("requests_per_second")
        for key, name in (("admin", "vs_admin"), ("bare", "vs_bare")):
            base = rates.get(key)
            page[name] = round(rate / base, 2) if rate is not None and base else None


def targets(pages: list[dict]) -> list[dict]:
    """Waiting list, the group page's tabs and the candidates page: ≥ 2× the admin, p95 ≤
    150 ms."""
    by_key = {page["key"]: page for page in pages}
    checked = []
    for key in TARGET_PAGES:
        page = by_key.get(key)
        if page is None or not page.get("available", True) or "requests_per_second" not in page:
            checked.append({"page": key, "measured": False, "met": False})
            continue
        ratio, p95 = page.get("vs_admin"), page["p95_ms"]
        fast_enough = ratio is not None and ratio >= TARGET_RATIO_TO_ADMIN
        quick_enough = p95 <= TARGET_P95_MS
        checked.append(
            {
                "page": key,
                "measured": True,
                "vs_admin": ratio,
                "p95_ms": p95,
                "throughput_met": fast_enough,
                "p95_met": quick_enough,
                "met": fast_enough and quick_enough and not page.get("errors"),
            }
        )
    return checked


def _number(value, digits=1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}".replace(",", " ")


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def pages_table(pages: list[dict]) -> str:
    lines = [
        "| page | requests/s | p50 ms | p95 ms | errors | × admin | × bare | queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in pages:
        if not page.get("available", True):
            lines.append(f"| {page['title']} | not available yet | | | | | | |")
            continue
        if "requests_per_second" not in page:
            lines.append(f"| {page['title']} | not measured | | | | | | {page.get('queries')} |")
            continue
        lines.append(
            f"| {page['title']} | {_number(page['requests_per_second'])} "
            f"| {_number(page['p50_ms'])} | {_number(page['p95_ms'])} | {page['errors']} "
            f"| {_ratio(page.get('vs_admin'))} | {_ratio(page.get('vs_bare'))} "
            f"| {'–' if page.get('queries') is None else page['queries']} |"
        )
    return "\n".join(lines)


def target_lines(checked: list[dict]) -> list[str]:
    lines = []
    for target in checked:
        if not target["measured"]:
            lines.append(f"- {target['page']}: not measured")
            continue
        verdict = "met" if target["met"] else "MISSED"
        lines.append(
            f"- {target['page']}: {verdict} ({_ratio(target['vs_admin'])} the admin, "
            f"target ≥ {TARGET_RATIO_TO_ADMIN:.0f}×; p95 {_number(target['p95_ms'])} ms, "
            f"target ≤ {TARGET_P95_MS:.0f} ms)"
        )
    return lines


def _small(item: dict) -> str:
    rows = item.get("table_rows")
    return "small table" if rows is None or rows >= 1000 else f"small table ({rows} rows)"


def _verdict(item: dict) -> str:
    if item.get("small_table") and item["table"] in item["seq_scans"]:
        return _small(item)
    return "index used" if item["uses_index"] else "NO INDEX on " + item["table"]


def explain_text(item: dict) -> str:
    used = ", ".join(item["indexes"]) or "none"
    plan = "\n".join(f"    {line}" for line in item["plan"].splitlines())
    return (
        f"\n-- {item['name']}, filters: {item['filters']}: {_verdict(item)}; indexes: {used}\n"
        f"    {item['sql']}\n{plan}"
    )


def explain_table(explained: list[dict]) -> str:
    lines = ["| query | filters | indexes used | |", "|---|---|---|---|"]
    for item in explained:
        ok = "ok" if item["uses_index"] else "**no index**"
        if item.get("small_table") and item["table"] in item["seq_scans"]:
            ok = _small(item)
        used = ", ".join(f"`{name}`" for name in item["indexes"]) or "none"
        lines.append(f"| {item['name']} | {item['filters']} | {used} | {ok} |")
    return "\n".join(lines)


def matcher_text(matcher: dict) -> str:
    if not matcher.get("available"):
        return "Not available yet."
    result = matcher["result"]
    runs = result.get("runs") if isinstance(result, dict) else None
    if isinstance(runs, list) and runs and all(isinstance(run, dict) for run in runs):
        keys = list(dict.fromkeys(key for run in runs for key in run))
        lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(str(run.get(key, "")) for key in keys) + " |" for run in runs]
        return "\n".join(lines)
    return "```json\n" + _json(result) + "\n```"


def _json(value) -> str:
    import json

    return json.dumps(value, indent=2, ensure_ascii=False)


def markdown(results: dict) -> str:
    env, settings, data = results["environment"], results["settings"], results["data"]
    parts = [
        "# Benchmark: staff pages on seed_scale data",
        "",
        f"Run {results['when']} on commit {env['commit']}: {env['cpus']} CPUs, "
        f"PostgreSQL {env['postgresql']}, Python {env['python']}, Django {env['django']}. "
        f"gunicorn with {settings['gunicorn_workers']} workers on loopback, DEBUG off; wrk with "
        f"{settings['connections']} connections and {settings['wrk_threads']} threads, "
        f"{settings['seconds']} s per page after {settings['warmup']} s of warm-up.",
        "",
        f"Data ({settings['scale']}): {data['centres']} centres, {data['applications']} "
        f"applications, {data['groups']} groups, {data['memberships']} memberships, "
        f"{data['meetings']} meetings, {data.get('starters', 0)} starters. Signed in as staff "
        f"of `{data['centre']}` "
        f"({data['open_applications']} open applications).",
        "",
        "## Pages",
        "",
        pages_table(results["pages"]),
        "",
        "Queries: database queries of one request to the page (with the session).",
        "",
        "## Targets",
        "",
        *target_lines(results["targets"]),
        "",
        "## Matcher",
        "",
        matcher_text(results.get("matcher", {})),
        "",
        "## Indexes (EXPLAIN ANALYZE)",
        "",
        explain_table(results.get("explain", [])),
        "",
    ]
    for item in results.get("explain", []):
        parts += [f"### {item['name']}", "", "```sql", item["sql"], "```", "", "```"]
        parts += [item["plan"], "```", ""]
    return "\n".join(parts)


def summary(results: dict) -> str:
    lines = [pages_table(results["pages"]), "", *target_lines(results["targets"])]
    missing = [item["name"] for item in results.get("explain", []) if not item["uses_index"]]
    if missing:
        lines.append(f"- queries without an index: {', '.join(missing)}")
    elif results.get("explain"):
        lines.append(f"- every main query uses an index ({len(results['explain'])} explained)")
    return "\n".join(lines)
