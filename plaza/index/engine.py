"""The day counts (:mod:`plaza.index.daily`) computed by DuckDB, the analytical engine, over the
square's own tables: the same counts as the SQL statements of :mod:`plaza.index.daily` (a test
holds them equal), an order of magnitude faster on a month of data (columnar hash joins and
aggregation on both cores instead of a B-tree lookup per like).

DuckDB reads the database in place, read-only, through its scanner extensions (the PyPI
packages ``duckdb-extension-sqlite-scanner`` / ``-postgres-scanner``, loaded from their files:
nothing is downloaded): a range of days is read once into DuckDB's memory — the range's posts,
likes, follows and mentions, the earlier posts they refer to, the answers to its mentions and the
accounts — and every count is one grouped statement over it, by account and Beijing day (ids
are time-ordered: a row's day is its id's). On PostgreSQL the id ranges are pushed down to the
server; a range of a few days is read by a statement the database runs on its primary key's
range, a longer one by DuckDB's parallel scans.

**SQLite is read in a child process.** DuckDB carries its own copy of SQLite. Two copies of
SQLite in one process corrupt databases (closing a file in one drops the other's POSIX locks:
sqlite.org/howtocorrupt.html §2.2.1), so on SQLite the counting runs in a process of its own
(spawned, holding no other connection) and sends back its columns.

Used when DuckDB and the scanner for the database are installed (``pip install 'plaza[index]'``,
which ``make setup`` does) and ``PLAZA_INDEX_ENGINE`` is not ``sql``; else the SQL statements.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["DayColumns", "available", "count_range", "engine_for"]

#: ``PLAZA_INDEX_ENGINE``: ``auto`` (DuckDB where it can read the database), ``duckdb`` (fail
#: without it), ``sql`` (the statements of :mod:`plaza.index.daily`).
ENV = "PLAZA_INDEX_ENGINE"
#: Ranges of more days than this are read by DuckDB's parallel scans of the tables (on SQLite
#: the whole tables: its scanner reads no range; on PostgreSQL the range, pushed down); shorter
#: ones by a statement the database runs on its primary key's range.
SCAN_DAYS = 4

_DAY_MS = 86_400_000
_BEIJING_MS = 8 * 3_600_000
_EPOCH = date(1970, 1, 1)

# DuckDB's SQL for what the statements of plaza.index.daily count, over the range's tables:
#   st  the range's statuses, lk = st and the earlier statuses they refer to, fav / fol / men the
#   range's likes, follows and mentions (mn: of government accounts by others), hidden its posts
#   not shown to the public, imp its imported statuses, ans the mentioned accounts' first replies
#   to the range's mentioning posts, acc every account, edges the answer buckets; lk holds only
#   government accounts' posts (what is counted is done to them).
_DAY = "((({c}) >> 16) + {beijing}) // {day}"
_TRUSTED = ("(({a}.verified OR ({a}.id >> 16) < ({d}) * {day} - {beijing} - {age}) AND NOT {a}.suspended)")


def _day(column: str) -> str:
    return _DAY.format(c=column, beijing=_BEIJING_MS, day=_DAY_MS)


def _trusted(alias: str, day_expr: str, age_days: float) -> str:
    return _TRUSTED.format(a=alias, d=day_expr, day=_DAY_MS, beijing=_BEIJING_MS, age=int(age_days * _DAY_MS))


@dataclass(frozen=True, slots=True)
class DayColumns:
    """The counts of a range of days as columns (numpy arrays): one row per account and day, the
    columns of :data:`plaza.storage.schema.INDEX_DAILY_COUNTS` and ``answer_minutes`` (rendered)."""

    account_id: Any
    day: Any  # days since 1970-01-01
    counts: dict[str, Any]
    answer_minutes: Any

    def __len__(self) -> int:
        return len(self.account_id)

    def days(self) -> dict[date, list[tuple[Any, ...]]]:
        """Each day's rows: (account_id, day, *counts, answer_minutes)."""
        from plaza.storage.schema import INDEX_DAILY_COUNTS

        columns = [self.account_id.tolist(), self.day.tolist(),
                   *(self.counts[name].tolist() for name in INDEX_DAILY_COUNTS), self.answer_minutes.tolist()]
        out: dict[date, list[tuple[Any, ...]]] = {}
        cache: dict[int, date] = {}
        for row in zip(*columns, strict=True):
            day = cache.get(row[1])
            if day is None:
                day = cache[row[1]] = _EPOCH + timedelta(days=int(row[1]))
            out.setdefault(day, []).append((row[0], day, *row[2:]))
        return out


def available(url: URL | str) -> str | None:
    """Why DuckDB cannot count this database (None when it can)."""
    setting = os.environ.get(ENV, "auto").strip().lower()
    if setting == "sql":
        return f"{ENV}=sql"
    url = _url(url)
    backend = url.get_backend_name()
    if backend == "sqlite" and (not url.database or url.database == ":memory:" or url.database.startswith("file:")):
        return "an in-memory SQLite database"
    if backend not in ("sqlite", "postgresql"):
        return f"no DuckDB scanner for {backend}"
    try:
        _extension_file(backend)
    except ImportError as exc:
        return str(exc)
    return None


def engine_for(url: URL | str) -> bool:
    """Whether to count with DuckDB (``PLAZA_INDEX_ENGINE=duckdb`` without it raises)."""
    why = available(url)
    if why is not None and os.environ.get(ENV, "auto").strip().lower() == "duckdb":
        raise RuntimeError(f"{ENV}=duckdb but DuckDB cannot count this database: {why}")
    return why is None


def _url(url: URL | str) -> URL:
    from sqlalchemy.engine import make_url

    return make_url(url) if isinstance(url, str) else url


def _extension_file(backend: str) -> str:
    try:
        import duckdb

        if backend == "sqlite":
            import duckdb_extension_sqlite_scanner as package
        else:
            import duckdb_extension_postgres_scanner as package
    except ImportError as exc:
        raise ImportError(f"DuckDB is not installed ({exc.name}): pip install 'plaza[index]'") from exc
    name = "sqlite_scanner" if backend == "sqlite" else "postgres_scanner"
    path = os.path.join(os.path.dirname(package.__file__), "extensions", f"v{duckdb.__version__}",
                        f"{name}.duckdb_extension")
    if not os.path.exists(path):
        raise ImportError(f"the {name} extension for DuckDB {duckdb.__version__} is missing ({path})")
    return path


def _day_range_ids(first: date, end: date) -> tuple[int, int]:
    lo_ms = (first - _EPOCH).days * _DAY_MS - _BEIJING_MS
    hi_ms = (end - _EPOCH).days * _DAY_MS - _BEIJING_MS
    return lo_ms << 16, hi_ms << 16


def count_range(url: URL | str, first: date, end: date, *, age_days: float, threads: int | None = None,
                scan: bool | None = None) -> DayColumns:
    """Every government account's counts for each day of ``[first, end)`` (accounts with nothing
    on a day are left out). On SQLite in a child process of its own (see the module docstring).
    ``scan``: read the tables by DuckDB's scan (default: for more than
    :data:`SCAN_DAYS` days) rather than by a statement the database runs."""
    from plaza.desk import rollup
    from plaza.index import daily
    from plaza.storage.schema import INDEX_DAILY_COUNTS

    columns = {"counts": list(INDEX_DAILY_COUNTS), "maxima": sorted(daily._MAXIMA),
               "posts": daily._POSTS_COLUMNS, "reposts": daily._REPOSTS_COLUMNS, "comments": daily._COMMENTS_COLUMNS,
               "likes": daily._LIKES_COLUMNS, "follows": daily._FOLLOWS_COLUMNS}
    found = _run(url, "count", {"first": first.isoformat(), "end": end.isoformat(), "age_days": age_days,
                                "scan": scan, "columns": columns, "edges": [float(e) for e in rollup.EDGES]}, threads)
    return DayColumns(account_id=found["account_id"], day=found["day"],
                      counts={name[2:]: found[name] for name in found if name.startswith("c_")},
                      answer_minutes=found["answer_minutes"])


def h_index(url: URL | str, lo: int, hi: int, *, threads: int | None = None) -> dict[int, int]:
    """Each government account's h-index of its posts with ids in ``[lo, hi)`` by reposts (the
    largest h with h posts reposted at least h times each); accounts with none are left out."""
    found = _run(url, "h_index", {"lo": lo, "hi": hi}, threads)
    return dict(zip(found["account_id"].tolist(), found["h"].tolist(), strict=True))


def _run(url: URL | str, task: str, arguments: dict[str, Any], threads: int | None) -> dict[str, Any]:
    """Run ``task`` (:data:`_TASKS`) on the database: its named columns (numpy arrays). On SQLite
    in a process of its own (``python -m plaza.index.engine``: the request on its standard
    input, the columns back in a ``.npz`` file)."""
    import json
    import subprocess
    import sys
    import tempfile

    import numpy as np

    url = _url(url)
    backend = url.get_backend_name()
    if backend != "sqlite":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return _TASKS[task](backend, dsn, threads, **arguments)
    with tempfile.TemporaryDirectory(prefix="plaza-index-") as folder:
        out = os.path.join(folder, "columns.npz")
        request = {"task": task, "backend": backend, "where": str(url.database), "threads": threads,
                   "arguments": arguments, "out": out}
        done = subprocess.run([sys.executable, "-m", "plaza.index.engine"], input=json.dumps(request),
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the index's DuckDB {task} failed: {done.stderr.strip()[-2000:]}")
        with np.load(out, allow_pickle=False) as found:
            return {name: found[name] for name in found.files}


def _child_main() -> None:
    import json
    import sys

    import numpy as np

    request = json.loads(sys.stdin.read())
    found = _TASKS[request["task"]](request["backend"], request["where"], request["threads"], **request["arguments"])
    arrays = {name: (np.asarray(values.tolist(), dtype=str) if values.dtype == object else values)
              for name, values in found.items()}
    np.savez(request["out"], **arrays)  # type: ignore[arg-type]


@contextmanager
def _connect(backend: str, where: str, threads: int | None) -> Iterator[Any]:
    """DuckDB in memory with the database attached read-only as ``src`` (``where``: SQLite's
    file, PostgreSQL's connection string)."""
    import tempfile

    import duckdb

    # beyond its memory limit (80 % of the machine's) DuckDB spills to a folder of its own
    spill = os.path.join(tempfile.gettempdir(), f"plaza-index-{os.getpid()}")
    conn = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                                  "threads": threads or os.cpu_count() or 1, "temp_directory": spill})
    try:
        conn.execute(f"LOAD '{_extension_file(backend)}'")
        kind = "sqlite" if backend == "sqlite" else "postgres"
        conn.execute(f"ATTACH {_quote(where)} AS src (TYPE {kind}, READ_ONLY)")
        yield conn
    finally:
        conn.close()


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Source:
    """How the range's rows are read: a statement run by the database itself (typed here), or
    DuckDB's parallel scan of the attached table with the range as its filter."""

    def __init__(self, conn: Any, backend: str, scan: bool) -> None:
        self.conn, self.backend, self.scan = conn, backend, scan
        self.prefix = "src."
        if scan and backend != "sqlite":  # the tables of the connection's search path
            (schema,) = conn.execute(self.query("SELECT current_schema() AS name", {"name": "VARCHAR"})).fetchone()
            self.prefix = f'src."{schema}".'

    def rows(self, table: str, columns: dict[str, str], where: str) -> str:
        """A SELECT of ``columns`` (name → DuckDB type) from ``table`` where ``where`` holds."""
        if self.scan:
            return f"SELECT {_typed(columns)} FROM {self.prefix}{table} WHERE {where}"
        return self.query(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", columns)

    def query(self, sql: str, columns: dict[str, str]) -> str:
        """The rows of ``sql`` run by the database itself, typed as ``columns``."""
        function = "sqlite_query" if self.backend == "sqlite" else "postgres_query"
        return f"SELECT {_typed(columns)} FROM {function}('src', {_quote(sql)})"


def _typed(columns: dict[str, str]) -> str:
    """The columns (name → DuckDB type) as a SELECT list casting each to its type."""
    return ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in columns.items())


def _bounds(lo: int, hi: int, parts: int) -> list[int]:
    """``[lo, hi)`` cut into ``parts`` ranges of ids: their ``parts + 1`` bounds."""
    return [lo + (hi - lo) * i // parts for i in range(parts)] + [hi]


_STATUS = {"id": "BIGINT", "account_id": "BIGINT", "in_reply_to_id": "BIGINT", "in_reply_to_account_id": "BIGINT",
           "reblog_of_id": "BIGINT"}
_LOOKUP = {"id": "BIGINT", "account_id": "BIGINT", "in_reply_to_id": "BIGINT", "reblog_of_id": "BIGINT"}
#: ids per statement when earlier posts are read by id
_IDS_PER_READ = 20_000


def _parallel(conn: Any, reads: list[tuple[str, str]], threads: int) -> None:
    """Make each table (name, SELECT) of ``reads``, ``threads`` at a time on cursors of their own."""
    from concurrent.futures import ThreadPoolExecutor

    def run(item: tuple[str, str]) -> None:
        cursor = conn.cursor()
        try:
            cursor.execute(f"CREATE OR REPLACE TABLE {item[0]} AS {item[1]}")
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        list(pool.map(run, reads))


def _load(conn: Any, source: _Source, lo: int, hi: int, threads: int) -> None:
    """The range's rows into DuckDB's memory (see the SQL names above). The reads run side by
    side, ``threads`` at a time, each on a cursor of its own; read by statements, the range's
    statuses and likes are read in ``threads`` parts (SQLite answers a statement on one core)."""
    rng = f"id >= {lo} AND id < {hi}"

    def table(name: str, select: str) -> None:
        conn.execute(f"CREATE OR REPLACE TABLE {name} AS {select}")

    reads: list[tuple[str, str]] = [
        ("acc", source.query(
            "SELECT id, kind = 'government' AS gov, kind = 'citizen' AS citizen, verified_at IS NOT NULL AS verified, "
            "suspended FROM accounts", {"id": "BIGINT", "gov": "BOOLEAN", "citizen": "BOOLEAN", "verified": "BOOLEAN",
                                        "suspended": "BOOLEAN"})),
        # the range's posts not shown to the public (followers-only, direct): by statuses' index
        # on (visibility, id), cheaper than reading every post's visibility
        ("hidden", source.query(f"SELECT id FROM statuses WHERE visibility IN ('private', 'direct') AND {rng}",
                                {"id": "BIGINT"})),
        ("fol", source.rows("follows", {"id": "BIGINT", "account_id": "BIGINT", "target_account_id": "BIGINT"},
                            rng)),
        ("men", source.rows("mentions", {"status_id": "BIGINT", "account_id": "BIGINT"},
                            f"status_id >= {lo} AND status_id < {hi}")),
        # imported posts carry their source's counters
        ("imp", source.query(
            "SELECT i.status_id, i.reads_count, s.reblogs_count, s.replies_count, s.favourites_count "
            "FROM imported_statuses i CROSS JOIN statuses s "
            f"WHERE s.id = i.status_id AND i.status_id >= {lo} AND i.status_id < {hi}",
            {"status_id": "BIGINT", "reads_count": "BIGINT", "reblogs_count": "BIGINT", "replies_count": "BIGINT",
             "favourites_count": "BIGINT"})),
        # each mentioned account's first reply to the mentioning post, whenever it came
        ("ans", source.query(
            "SELECT in_reply_to_id, account_id, MIN(id) AS answer_id FROM statuses WHERE in_reply_to_id IN "
            f"(SELECT status_id FROM mentions WHERE status_id >= {lo} AND status_id < {hi}) "
            "GROUP BY in_reply_to_id, account_id",
            {"in_reply_to_id": "BIGINT", "account_id": "BIGINT", "answer_id": "BIGINT"})),
    ]
    parts = 1 if source.scan else max(1, threads)
    bounds = _bounds(lo, hi, parts)
    split = {"st": ("statuses", _STATUS), "fav": ("favourites", {"id": "BIGINT", "account_id": "BIGINT",
                                                               "status_id": "BIGINT"})}
    for name, (source_table, columns) in split.items():
        for i in range(parts):
            reads.insert(0, (f"{name}_{i}", source.rows(source_table, columns,
                                                        f"id >= {bounds[i]} AND id < {bounds[i + 1]}")))

    _parallel(conn, reads, threads)
    for name in split:
        table(name, " UNION ALL ".join(f"SELECT * FROM {name}_{i}" for i in range(parts)))
        for i in range(parts):
            conn.execute(f"DROP TABLE {name}_{i}")
    # the government accounts' posts the range's likes, reposts and replies refer to: the
    # range's own, and the earlier ones read by id
    earlier = [int(i) for (i,) in conn.execute(
        f"SELECT status_id FROM fav WHERE status_id < {lo} UNION SELECT reblog_of_id FROM st "
        f"WHERE reblog_of_id < {lo} UNION SELECT in_reply_to_id FROM st WHERE in_reply_to_id < {lo}").fetchall()]
    looked_up = ["SELECT s.id, s.account_id, s.in_reply_to_id, s.reblog_of_id FROM st s "
                 "JOIN acc a ON a.id = s.account_id AND a.gov"]
    for start in range(0, len(earlier), _IDS_PER_READ):
        ids = ",".join(map(str, earlier[start:start + _IDS_PER_READ]))
        by_id = source.query(f"SELECT {', '.join(_LOOKUP)} FROM statuses WHERE id IN ({ids})", _LOOKUP)
        looked_up.append(f"SELECT l.* FROM ({by_id}) l JOIN acc a ON a.id = l.account_id AND a.gov")
    table("lk", " UNION ALL ".join(looked_up))
    # mentions of government accounts by others
    table("mn", "SELECT m.status_id, m.account_id FROM men m JOIN st s ON s.id = m.status_id "
                "JOIN acc a ON a.id = m.account_id AND a.gov WHERE s.account_id <> m.account_id")


def _statements(age_days: float, columns: dict[str, list[str]]) -> list[tuple[str, tuple[str, ...]]]:
    """(SQL, the counts it gives) for each of plaza.index.daily's statements, by account and day."""
    imported = "i.status_id IS NOT NULL"
    original = "s.reblog_of_id IS NULL AND s.in_reply_to_id IS NULL"
    posts = f"""
SELECT s.account_id, {_day('s.id')} AS d,
  SUM(CASE WHEN s.in_reply_to_id IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN {original} THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.in_reply_to_id IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.in_reply_to_id IS NOT NULL AND s.in_reply_to_account_id <> s.account_id AND p.citizen
           THEN 1 ELSE 0 END),
  SUM(CASE WHEN {imported} THEN i.reblogs_count ELSE 0 END),
  SUM(CASE WHEN {imported} THEN i.replies_count ELSE 0 END),
  SUM(CASE WHEN {imported} AND {original} THEN i.reblogs_count ELSE 0 END),
  SUM(CASE WHEN {imported} AND {original} THEN i.replies_count ELSE 0 END),
  SUM(CASE WHEN {imported} THEN i.favourites_count ELSE 0 END),
  MAX(CASE WHEN {imported} THEN i.favourites_count ELSE 0 END),
  SUM(COALESCE(i.reads_count, 0)),
  SUM(CASE WHEN i.reads_count IS NOT NULL THEN 1 ELSE 0 END),
  MAX(COALESCE(i.reads_count, 0))
FROM st s JOIN acc a ON a.id = s.account_id AND a.gov
LEFT JOIN acc p ON p.id = s.in_reply_to_account_id
LEFT JOIN imp i ON i.status_id = s.id
WHERE NOT EXISTS (SELECT 1 FROM hidden h WHERE h.id = s.id)
GROUP BY ALL"""
    r_trusted = _trusted("r", _day("s.id"), age_days)
    reposts = f"""
SELECT o.account_id, {_day('s.id')} AS d, COUNT(*),
  SUM(CASE WHEN o.in_reply_to_id IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN {r_trusted} THEN 1 ELSE 0 END),
  COUNT(DISTINCT s.account_id),
  COUNT(DISTINCT CASE WHEN {r_trusted} THEN s.account_id END)
FROM st s JOIN lk o ON o.id = s.reblog_of_id
JOIN acc r ON r.id = s.account_id
WHERE s.reblog_of_id IS NOT NULL AND s.account_id <> o.account_id
  AND NOT EXISTS (SELECT 1 FROM imp i WHERE i.status_id = s.id)
GROUP BY ALL"""
    comments = f"""
SELECT s.in_reply_to_account_id, {_day('s.id')} AS d, COUNT(*),
  SUM(CASE WHEN p.in_reply_to_id IS NULL AND p.reblog_of_id IS NULL THEN 1 ELSE 0 END)
FROM st s JOIN lk p ON p.id = s.in_reply_to_id AND p.account_id = s.in_reply_to_account_id
WHERE s.in_reply_to_account_id IS NOT NULL AND s.account_id <> s.in_reply_to_account_id
  AND NOT EXISTS (SELECT 1 FROM imp i WHERE i.status_id = s.id)
GROUP BY ALL"""
    likes = f"""
SELECT author, d, SUM(n), SUM(trusted), MAX(n) FROM (
  SELECT s.account_id AS author, {_day('f.id')} AS d, f.status_id, COUNT(*) AS n,
    SUM(CASE WHEN {_trusted("l", _day("f.id"), age_days)} THEN 1 ELSE 0 END) AS trusted
  FROM fav f JOIN lk s ON s.id = f.status_id
  JOIN acc l ON l.id = f.account_id
  WHERE f.account_id <> s.account_id
  GROUP BY ALL
) per_post GROUP BY author, d"""
    follows = f"""
SELECT f.target_account_id, {_day('f.id')} AS d, COUNT(*),
  SUM(CASE WHEN {_trusted("fr", _day("f.id"), age_days)} THEN 1 ELSE 0 END)
FROM fol f JOIN acc a ON a.id = f.target_account_id AND a.gov
JOIN acc fr ON fr.id = f.account_id
GROUP BY ALL"""
    mentions = f"""
SELECT m.account_id, {_day('m.status_id')} AS d, COUNT(*), COUNT(n.answer_id)
FROM mn m LEFT JOIN ans n ON n.in_reply_to_id = m.status_id AND n.account_id = m.account_id
GROUP BY ALL"""
    return [(posts, tuple(columns["posts"])), (reposts, tuple(columns["reposts"])),
            (comments, tuple(columns["comments"])), (likes, tuple(columns["likes"])),
            (follows, tuple(columns["follows"])), (mentions, ("mentions", "mentions_answered"))]


# The answer-time histogram of each account and day: minutes from the mention to the answer in
# plaza.desk.rollup's buckets (the greatest edge at or below the minutes; negative → the first).
_ANSWERS = f"""
SELECT account_id, d, string_agg(CAST(bucket AS VARCHAR) || ':' || CAST(n AS VARCHAR), ',' ORDER BY bucket) FROM (
  SELECT m.account_id, {_day('m.status_id')} AS d, e.bucket, COUNT(*) AS n
  FROM mn m JOIN ans n ON n.in_reply_to_id = m.status_id AND n.account_id = m.account_id
  ASOF JOIN edges e ON GREATEST(((n.answer_id >> 16) - (m.status_id >> 16)) / 60000.0, 0.0) >= e.low
  GROUP BY ALL
) GROUP BY account_id, d"""


def _count(backend: str, where: str, threads: int | None, *, first: str, end: str, age_days: float,
           scan: bool | None, columns: dict[str, list[str]], edges: list[float]) -> dict[str, Any]:
    first_day, end_day = date.fromisoformat(first), date.fromisoformat(end)
    lo, hi = _day_range_ids(first_day, end_day)
    counts, maxima = columns["counts"], set(columns["maxima"])
    with _connect(backend, where, threads) as conn:
        if scan is None:
            scan = (end_day - first_day).days > SCAN_DAYS
        _load(conn, _Source(conn, backend, scan), lo, hi, threads or os.cpu_count() or 1)
        conn.execute("CREATE OR REPLACE TABLE edges AS SELECT * FROM "
                     "(SELECT UNNEST(range(?)) AS bucket, UNNEST(?) AS low)", [len(edges), edges])
        parts: list[tuple[str, ...]] = []
        for sql, given in _statements(age_days, columns):
            names = ", ".join(f"c{i}" for i in range(len(given)))
            conn.execute(f"CREATE OR REPLACE TABLE part_{len(parts)} AS "
                         f"SELECT * FROM ({sql}) AS t(account_id, d, {names})")
            parts.append(given)
        selects = []
        for i, given in enumerate(parts):
            picked = {name: f"c{j}" for j, name in enumerate(given)}
            values = ", ".join(f"{picked[name]} AS {name}" if name in picked else f"0 AS {name}" for name in counts)
            selects.append(f"SELECT account_id, d, {values} FROM part_{i}")
        total = ", ".join(f"{'MAX' if name in maxima else 'SUM'}({name})::BIGINT" for name in counts)
        rows = conn.execute(f"""
SELECT c.account_id, c.d, {total}, COALESCE(MIN(h.minutes), '')
FROM ({' UNION ALL '.join(selects)}) c
LEFT JOIN ({_ANSWERS}) AS h(account_id, d, minutes) ON h.account_id = c.account_id AND h.d = c.d
GROUP BY c.account_id, c.d ORDER BY c.d, c.account_id""").fetchnumpy()
    keys = list(rows)
    return {"account_id": rows[keys[0]], "day": rows[keys[1]], "answer_minutes": rows[keys[-1]],
            **{f"c_{name}": rows[keys[2 + i]] for i, name in enumerate(counts)}}


def _h_index(backend: str, where: str, threads: int | None, *, lo: int, hi: int) -> dict[str, Any]:
    workers = threads or os.cpu_count() or 1
    with _connect(backend, where, threads) as conn:
        source = _Source(conn, backend, False)
        bounds = _bounds(lo, hi, workers)
        _parallel(conn, [(f"posts_{i}", source.query(
            f"SELECT account_id, reblogs_count FROM statuses WHERE id >= {bounds[i]} AND id < {bounds[i + 1]} "
            "AND reblogs_count > 0 AND reblog_of_id IS NULL", {"account_id": "BIGINT", "reblogs_count": "BIGINT"}))
            for i in range(workers)] + [("gov", source.query("SELECT id FROM accounts WHERE kind = 'government'",
                                                              {"id": "BIGINT"}))], workers)
        posts = " UNION ALL ".join(f"SELECT * FROM posts_{i}" for i in range(workers))
        return conn.execute(f"""
SELECT account_id, MAX(rn) AS h FROM (
  SELECT p.account_id, p.reblogs_count,
         ROW_NUMBER() OVER (PARTITION BY p.account_id ORDER BY p.reblogs_count DESC) AS rn
  FROM ({posts}) p SEMI JOIN gov g ON g.id = p.account_id
) WHERE reblogs_count >= rn GROUP BY account_id""").fetchnumpy()


_TASKS: dict[str, Callable[..., dict[str, Any]]] = {"count": _count, "h_index": _h_index}


if __name__ == "__main__":
    _child_main()
