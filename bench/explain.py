"""EXPLAIN (ANALYZE) of the queries the benchmarked pages really run.

Each page (and the waiting list with its filters set) is requested once in this process
with the bench's staff session; every SELECT it ran is explained for real (ANALYZE,
BUFFERS), and the runner reports the indexes each used. A query whose own table is read
by a sequential scan uses no index, unless the table is one of the few that hold a handful
of rows per centre. Sign-in bookkeeping (session, user, second factor) is left out.
"""

import re
from dataclasses import dataclass

INDEX_SCAN = re.compile(
    r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\S+) on (\S+)|Bitmap Index Scan on (\S+)"
)
SEQ_SCAN = re.compile(r"Seq Scan on (\S+)")
MAIN_TABLE = re.compile(r'\bFROM "(\w+)"')
WHERE_COLUMNS = re.compile(r'"(\w+)"\."(\w+)"')
# Sign-in bookkeeping every page shares: not what the page's filters ask for.
SKIPPED_TABLES = {"django_session", "auth_user"}
SKIPPED_PREFIXES = ("otp_",)
# Tables of at most a few hundred rows nationally: a sequential scan is the right plan.
# Starters are a few thousand volunteers in the whole country (1 500 in seed_scale): the
# planner reads their 40-odd pages whole rather than probe the key once per centre starter.
SMALL_TABLES = {"core_centre", "core_theme", "core_staffmembership", "starters_starter"}
# Below this many rows the planner rightly reads a table whole, whatever its indexes.
SMALL_ROWS = 1000


@dataclass
class Explained:
    name: str
    filters: str
    table: str
    sql: str
    plan: str
    indexes: list[str]
    seq_scans: list[str]
    table_rows: int | None = None  # rows in the main table, counted up to SMALL_ROWS

    @property
    def small_table(self) -> bool:
        """Few rows: nationally, or in this data (seed_scale makes no offers or notices)."""
        if self.table in SMALL_TABLES:
            return True
        return self.table_rows is not None and self.table_rows < SMALL_ROWS

    @property
    def uses_index(self) -> bool:
        """The query's own table is read through an index (or is one of the small ones)."""
        if self.small_table:
            return True
        return bool(self.indexes) and self.table not in self.seq_scans

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "filters": self.filters,
            "table": self.table,
            "indexes": self.indexes,
            "seq_scans": self.seq_scans,
            "uses_index": self.uses_index,
            "small_table": self.small_table,
            "table_rows": self.table_rows,
            "sql": self.sql,
            "plan": self.plan,
        }


def scans(plan: str) -> tuple[list[str], list[str]]:
    """(indexes used, tables read by a sequential scan) in an EXPLAIN text plan."""
    indexes: list[str] = []
    for match in INDEX_SCAN.finditer(plan):
        name = match.group(1) or match.group(3)
        if name not in indexes:
            indexes.append(name)
    seq = []
    for table in SEQ_SCAN.findall(plan):
        if table not in seq:
            seq.append(table)
    return indexes, seq


def _outermost(sql: str) -> str:
    """The query with everything inside parentheses or quotes blanked out: what is left is
    the outermost SELECT's own clauses (a subquery in the SELECT list has its own FROM)."""
    kept, depth, quoted = [], 0, False
    for char in sql:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            kept.append(" ")
            continue
        kept.append(char if depth == 0 and not quoted else " ")
    return "".join(kept)


def main_table(sql: str) -> str | None:
    match = MAIN_TABLE.search(_outermost(sql))
    return match.group(1) if match else None


def filters_of(sql: str) -> str:
    """The columns a query filters on in its outermost WHERE, e.g. "centre_id, status"."""
    top = _outermost(sql)
    start = top.find(" WHERE ")
    if start < 0:
        return "no filter"
    ends = [top.find(word, start) for word in (" ORDER BY ", " GROUP BY ", " LIMIT ")]
    end = min([end for end in ends if end >= 0], default=len(sql))
    columns = WHERE_COLUMNS.findall(sql[start:end])
    return ", ".join(dict.fromkeys(column for _table, column in columns)) or "no filter"


def wanted(sql: str) -> bool:
    table = main_table(sql)
    return (
        sql.lstrip().upper().startswith("SELECT")
        and table is not None
        and table not in SKIPPED_TABLES
        and not table.startswith(SKIPPED_PREFIXES)
    )


def page_queries(client, path: str) -> list[str]:
    """The SQL of every query one GET of `path` runs, in order, without repeats."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return list(dict.fromkeys(query["sql"] for query in captured if wanted(query["sql"])))


def explain_sql(name: str, sql: str) -> Explained:
    from django.db import connection

    table = main_table(sql) or ""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        rows = None
        if table:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT %s) AS t",  # noqa: S608
                [SMALL_ROWS],
            )
            rows = cursor.fetchone()[0]
    indexes, seq = scans(plan)
    return Explained(
        name=name,
        filters=filters_of(sql),
        table=table,
        sql=sql,
        plan=plan,
        indexes=indexes,
        seq_scans=seq,
        table_rows=rows,
    )


def explain_pages(client, pages: list[tuple[str, str]]) -> list[Explained]:
    """EXPLAIN ANALYZE of the queries behind each (title, path)."""
    explained = []
    for title, path in pages:
        for n, sql in enumerate(page_queries(client, path), start=1):
            explained.append(explain_sql(f"{title} #{n} ({main_table(sql)})", sql))
    return explained
