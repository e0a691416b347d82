"""Hot statements run straight on the database driver.

A home-timeline read runs four or five small SELECTs. Through SQLAlchemy each one costs a few
hundred microseconds of Python (cache key, compiled parameters, result metadata) — more than
SQLite takes to answer it. The few statements on the hottest paths are therefore written once as
SQL and run on the DBAPI connection underneath the SQLAlchemy ``Connection`` the caller holds, so
they join its transaction (or autocommit read) as any other statement would. Rows come back as
plain tuples, as the driver returns them (on SQLite a time is text, a boolean 0 or 1); times
passed in are written as SQLAlchemy writes them, so rows written here read back the same.

Write statements in SQLite's ``?`` style; an ``{in}`` marks a list parameter. On PostgreSQL the
placeholders become ``%s`` and ``IN ({in})`` becomes ``= ANY(%s)`` with the list as one array
literal, so one prepared statement serves every list length.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Connection, DateTime, Table


class Sql:
    """One hot statement, rendered once per dialect (and, on SQLite, per list lengths)."""

    __slots__ = ("_parts", "_postgres", "_sqlite", "source")

    def __init__(self, source: str) -> None:
        if "%" in source:
            raise ValueError("write % as a parameter: psycopg reads it as a placeholder")
        self.source = source
        self._parts = source.split("{in}")
        self._sqlite: dict[tuple[int, ...], str] = {}
        self._postgres = source.replace("IN ({in})", "= ANY(?)").replace("?", "%s")
        if "{in}" in self._postgres:
            raise ValueError("write a list parameter as IN ({in})")

    def text(self, sqlite: bool, lengths: tuple[int, ...] = ()) -> str:
        if not sqlite:
            return self._postgres
        out = self._sqlite.get(lengths)
        if out is None:
            if len(lengths) != len(self._parts) - 1:
                raise ValueError(f"{self.source!r} takes {len(self._parts) - 1} lists")
            pieces = [self._parts[0]]
            for length, part in zip(lengths, self._parts[1:], strict=True):
                pieces.append(",".join("?" * length))
                pieces.append(part)
            out = "".join(pieces)
            self._sqlite[lengths] = out
        return out


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLAlchemy's SQLite DATETIME storage format (naive, microseconds).
        return (f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:"
                f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}")
    return value


def _bind(conn: Connection, sql: Sql, params: Sequence[Any]) -> tuple[str, list[Any]]:
    if conn.dialect.name == "sqlite":
        args: list[Any] = []
        lengths = []
        for p in params:
            if isinstance(p, (list, tuple)):
                args.extend(p)
                lengths.append(len(p))
            else:
                args.append(_sqlite_value(p))
        return sql.text(True, tuple(lengths)), args
    return sql.text(False), [_pg_array(p) if isinstance(p, (list, tuple)) else p for p in params]


def _pg_array(values: Sequence[Any]) -> str:
    """A list as a PostgreSQL array literal, sent as text: the server types it from ``= ANY(…)``
    (psycopg sends text untyped), which costs far less than psycopg's array dumping."""
    parts = []
    for v in values:
        if isinstance(v, int):
            parts.append(str(v))
        else:
            parts.append('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


def fetch(conn: Connection, sql: Sql, *params: Any) -> list[tuple[Any, ...]]:
    """All rows of ``sql`` with its positional ``params``; a list (or tuple) fills an ``{in}``."""
    text, args = _bind(conn, sql, params)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(text, args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def execute(conn: Connection, sql: Sql, *params: Any) -> int:
    """Run a write statement; returns the number of rows it changed."""
    text, args = _bind(conn, sql, params)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(text, args)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def execute_many(conn: Connection, sql: Sql, rows: Iterable[Sequence[Any]]) -> None:
    """Run a write statement once per row of parameters (no list parameters)."""
    sqlite = conn.dialect.name == "sqlite"
    batch = [[_sqlite_value(v) for v in row] if sqlite else list(row) for row in rows]
    if not batch:
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql.text(sqlite), batch)
    finally:
        cursor.close()


def insert_many(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows into ``table`` (bulk loads: imports): on PostgreSQL with ``COPY … FROM
    STDIN`` — one stream instead of a statement per row, several times executemany's rate —, on
    SQLite (whose statements cost no round trip) with executemany, only the time columns converted.
    Constraints hold as for INSERT; a row may refer to one before it in ``rows``."""
    names = ", ".join(columns)
    if conn.dialect.name != "sqlite":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    times = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, DateTime)]
    batch: Sequence[Sequence[Any]] = rows if isinstance(rows, list) else list(rows)
    if times:
        def converted(row: Sequence[Any]) -> list[Any]:
            out = list(row)
            for i in times:
                out[i] = _sqlite_value(out[i])
            return out

        batch = [converted(row) for row in batch]
    if not batch:
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", batch)
    finally:
        cursor.close()


class Rows:
    """Whole rows of one table read on the driver, as named tuples with SQLAlchemy's Python
    values (on SQLite, times parsed from text into naive datetimes and booleans from 0/1, as
    SQLAlchemy's SQLite types return them; psycopg converts by itself). Attribute access,
    equality and hashing work as on SQLAlchemy's ``Row``."""

    def __init__(self, table: Table) -> None:
        names = [c.name for c in table.c]
        self.columns = ", ".join(names)
        self.type: Any = namedtuple(f"{table.name}_row", names)  # type: ignore[misc]
        self._times = [i for i, c in enumerate(table.c) if isinstance(c.type, DateTime)]
        self._flags = [i for i, c in enumerate(table.c) if isinstance(c.type, Boolean)]

    def make(self, conn: Connection, raw: Sequence[Any]) -> Any:
        if conn.dialect.name != "sqlite":
            return self.type._make(raw)
        values = list(raw)
        for i in self._times:
            if values[i] is not None:
                values[i] = datetime.fromisoformat(values[i])
        for i in self._flags:
            if values[i] is not None:
                values[i] = bool(values[i])
        return self.type._make(values)


class RowCache:
    """Rows recently read, by id, each kept with its *version*: the columns that can change
    (counters, ``updated_at``). A read fetches only the versions of the rows it needs and the
    whole rows of those that are new or changed, so a changed counter or an edited profile shows
    at once while an unchanged row costs a few integers. Every write that changes any other
    column must change a version column too (profile edits set ``updated_at``)."""

    def __init__(self, table: Table, size: int, version: Sequence[str]) -> None:
        self.rows = Rows(table)
        self._version_columns = f"id, {', '.join(version)}"
        self._versions = Sql(f"SELECT {self._version_columns} FROM {table.name} WHERE id IN ({{in}})")
        self._whole = Sql(f"SELECT {self.rows.columns} FROM {table.name} WHERE id IN ({{in}})")
        self._positions = [[c.name for c in table.c].index(name) for name in version]
        self._items: OrderedDict[Any, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._size = size

    @property
    def version_columns(self) -> str:
        """The key and version columns, as ``get`` reads them (for a caller that reads the
        versions inside a statement of its own and hands them to ``resolve``)."""
        return self._version_columns

    def get(self, conn: Connection, ids: Sequence[Any]) -> dict[Any, Any]:
        """The current rows for ``ids`` (ids that do not exist are absent)."""
        return self.resolve(conn, fetch(conn, self._versions, list(ids)))

    def put(self, conn: Connection, row: Any) -> None:
        """Remember a whole row (made by :attr:`rows`) the caller has just written
        (``RETURNING``), its version as a read of the driver will see it."""
        sqlite = conn.dialect.name == "sqlite"
        self._remember((row[0], *(_sqlite_value(row[i]) if sqlite else row[i] for i in self._positions)), row)

    def _remember(self, version: tuple[Any, ...], row: Any) -> None:
        self._items[version[0]] = (version, row)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def resolve(self, conn: Connection, versions: Iterable[Sequence[Any]]) -> dict[Any, Any]:
        """The current rows for the ``(key, *version)`` tuples read a moment ago: cached rows
        whose version still matches, the others read whole."""
        out: dict[Any, Any] = {}
        items = self._items
        stale: dict[Any, tuple[Any, ...]] = {}
        for version in map(tuple, versions):
            key = version[0]
            cached = items.get(key)
            if cached is not None and cached[0] == version:
                out[key] = cached[1]
            else:
                stale[key] = version
        if stale:
            for raw in fetch(conn, self._whole, list(stale)):
                row = out[raw[0]] = self.rows.make(conn, raw)
                # The version as the whole row has it (it may be newer than the one read above).
                self._remember((raw[0], *(raw[i] for i in self._positions)), row)
        return out


_TOGETHER: dict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], list[Sql]] = {}


def insert_together(conn: Connection, rows: Sequence[tuple[Table, dict[str, Any]]]) -> None:
    """Insert one row into each of several tables (no list parameters): on PostgreSQL as one
    statement — data-modifying CTEs, one round trip instead of one per row —, on SQLite (whose
    statements cost no round trip) one by one. Columns left out get their database default."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    shape = tuple((table.name, tuple(values)) for table, values in rows)
    key = (conn.dialect.name, shape)
    statements = _TOGETHER.get(key)
    if statements is None:
        inserts = [f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                   for name, columns in shape]
        if sqlite or len(inserts) == 1:
            statements = [Sql(s) for s in inserts]
        else:
            ctes = ", ".join(f"w{i} AS ({s})" for i, s in enumerate(inserts[:-1]))
            statements = [Sql(f"WITH {ctes} {inserts[-1]}")]
        _TOGETHER[key] = statements
    if len(statements) == 1:
        execute(conn, statements[0], *(v for _, values in rows for v in values.values()))
        return
    for statement, (_, values) in zip(statements, rows, strict=True):
        execute(conn, statement, *values.values())
