"""The desk's figures kept as cases move (汇总): what :mod:`plaza.desk.metrics` and the board
read instead of a month of ``cases`` rows.

``case_rollup`` has a row per desk, **dimension**, Beijing day of receipt and **member**: the
dimensions are ``total`` (member ""), ``department`` (the lead department's id), ``category``
(the first-level category's id), ``leaf`` (the case's own category id) and ``county`` (its code);
"" is the member of cases with none. A row holds how many of the cases received that day meet
each condition in :func:`conditions` (the numerators and denominators of every published
figure), and the working hours to acknowledge and to reply as histograms. A case is in five
rows, one per dimension — a row per dimension rather than one per (department, category,
county) combination, as with 517 categories and a dozen departments and counties nearly every
case of a day would be a combination of its own, and the rollup would be as long as ``cases``.

Kept exact by deltas: every change to a case — :func:`plaza.desk.cases.submit` and the
workflow's observer of every step, the overdue sweep's included — reads the case's contribution
(:func:`contribution`, evaluated by the database with the same expressions :func:`rebuild`
groups by) before and after, and :func:`record` adds the difference to the rows it touches in
one ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` (atomic on both databases: two
steps on cases of the same day never lose each other's counts). Rows are written in one order
(the day's ``total`` row first), so two steps on cases of the same day queue on that row
instead of deadlocking. ``plaza desk rollup rebuild`` recomputes everything from ``cases``.

Figures that depend on the time of reading are not stored, as no stored count could stay right
while time passes: a case awaiting acknowledgement (or a reply) counts as *due* once its limit
has passed. The rollup keeps how many cases await (``ack_pending``, ``reply_pending``); how many
of them are past their limit *now* is counted from ``cases`` in the same statement — they are
cases in the working states (转办 to 办理), found through ``ix_cases_desk_id_state_created_at``,
and a check that their number equals the rollup's falls back to every state if ever it does not.
FixMyStreet's "older than 4 weeks" is whole days from the rollup, plus the cases of the one day
that the 4-week line falls in, read from ``cases``.

**Percentiles are approximations at the histogram's resolution.** Working hours fall in fixed
buckets: 0.25 h wide below 2 h, then 8 per doubling up to 2048 h (each 2^(1/8) − 1 ≈ 9.05 % of
its lower edge wide), and one bucket from 2048 h up. A value is placed evenly within its bucket
by its rank, and the percentile interpolates between the two closest ranks as before; the
result is off from the exact one by less than the width of the buckets of those two ranks'
values (:func:`resolution`), and hours past 2048 read as 2048.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)

from plaza.clock import as_utc
from plaza.desk.workflow import OPEN, WORKING
from plaza.storage import db
from plaza.storage.schema import CASE_ROLLUP_COUNTS, case_rollup, cases, desk_categories
from plaza.workflow.worktime import BEIJING

DIMENSIONS = ("total", "department", "category", "leaf", "county")
COUNTS = CASE_ROLLUP_COUNTS
HISTOGRAMS = ("acknowledge_hours", "reply_hours")
_KEY = ("desk_id", "dimension", "day", "member")

# --- the histograms' buckets -------------------------------------------------------------------------

FINE_STEP = 0.25
FINE_UNTIL = 2.0
STEPS_PER_DOUBLING = 8
DOUBLINGS = 10
#: Lower edges of the buckets: 0, 0.25 … 1.75, then 2 · 2^(k/8) up to 2048; the last bucket is open.
EDGES: tuple[float, ...] = (
    tuple(FINE_STEP * i for i in range(int(FINE_UNTIL / FINE_STEP)))
    + tuple(FINE_UNTIL * 2 ** (k / STEPS_PER_DOUBLING) for k in range(DOUBLINGS * STEPS_PER_DOUBLING + 1)))


def bucket_of(hours: float) -> int:
    """The bucket that holds ``hours`` (negative hours go to the first)."""
    return max(0, bisect.bisect_right(EDGES, hours) - 1)


def resolution(hours: float) -> float:
    """The width of the bucket that holds ``hours`` (0 past the last edge: such hours read as it)."""
    index = bucket_of(hours)
    return EDGES[index + 1] - EDGES[index] if index + 1 < len(EDGES) else 0.0


def _ranked(histogram: Mapping[int, int], rank: int) -> float:
    """The value of 0-based ``rank``: the values of a bucket are spread evenly across it."""
    seen = 0
    for index in sorted(histogram):
        count = histogram[index]
        if count <= 0:
            continue
        if rank < seen + count:
            low = EDGES[index]
            if index + 1 >= len(EDGES):
                return low
            return low + (EDGES[index + 1] - low) * (rank - seen + 0.5) / count
        seen += count
    return EDGES[max(histogram)] if histogram else 0.0


def quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile of the values a histogram counts, linear between the closest ranks
    (as :func:`plaza.desk.metrics.percentile` on the exact values); None when it is empty."""
    n = sum(v for v in histogram.values() if v > 0)
    if n == 0:
        return None
    at = (n - 1) * q
    low = int(at)
    high = min(low + 1, n - 1)
    below = _ranked(histogram, low)
    return below + (_ranked(histogram, high) - below) * (at - low)


def parse(stored: str | None) -> Counter[int]:
    """A histogram as stored ("bucket:count,…"; several rows' joined by commas add up)."""
    out: Counter[int] = Counter()
    if stored:
        for part in stored.split(","):
            if part:
                index, _, count = part.partition(":")
                out[int(index)] += int(count)
    return out


def render(histogram: Mapping[int, int]) -> str:
    return ",".join(f"{i}:{n}" for i, n in sorted(histogram.items()) if n)


# --- what a case counts for --------------------------------------------------------------------------

_c = cases.c


def conditions() -> dict[str, ColumnElement[bool]]:
    """Each stored count's condition on a case row (the figures' definitions are in
    plaza.desk.metrics; these are their parts that do not depend on the time of reading)."""
    return {
        "received": true(),
        "accepted": and_(_c.accepted_at.is_not(None), _c.state != "rejected"),
        "ack_decided": _c.acknowledged_on_time.is_not(None),
        "ack_on_time": _c.acknowledged_on_time.is_(True),
        "ack_pending": and_(_c.acknowledged_on_time.is_(None), _c.acknowledge_by.is_not(None)),
        "reply_decided": _c.replied_on_time.is_not(None),
        "reply_on_time": _c.replied_on_time.is_(True),
        "reply_pending": and_(_c.replied_on_time.is_(None), _c.resolve_by.is_not(None)),
        "open": _c.state.in_(OPEN),
        "closed": _c.state == "closed",
        "rated": _c.satisfaction.is_not(None),
        "satisfied": _c.satisfaction == "satisfied",
        "basically_satisfied": _c.satisfaction == "basically_satisfied",
        "dissatisfied": _c.satisfaction == "dissatisfied",
        "replied": or_(_c.replied_at.is_not(None), _c.rework_count > 0),
        "reworked": _c.rework_count > 0,
        "forwarded": _c.forwarded_at.is_not(None),
        "returned": _c.return_count > 0,
        "resolved": and_(_c.fixed.is_(True), _c.satisfaction.is_not(None)),
    }


assert tuple(conditions()) == COUNTS, "the stored counts and their conditions are listed in one order"

_category = desk_categories.alias("rollup_category")
_parent = desk_categories.alias("rollup_parent")
_grandparent = desk_categories.alias("rollup_grandparent")
#: ``cases`` with its category's first level (categories have three levels at most).
_WITH_TOP = (cases.outerjoin(_category, _category.c.id == _c.category_id)
             .outerjoin(_parent, _parent.c.id == _category.c.parent_id)
             .outerjoin(_grandparent, _grandparent.c.id == _parent.c.parent_id))


def _members() -> dict[str, ColumnElement[Any]]:
    """Each dimension's member of a case row, as stored ("" for none)."""
    return {
        "total": literal("", String),
        "department": func.coalesce(cast(_c.department_id, String), ""),
        "category": func.coalesce(cast(func.coalesce(_grandparent.c.id, _parent.c.id, _category.c.id), String), ""),
        "leaf": func.coalesce(cast(_c.category_id, String), ""),
        "county": func.coalesce(_c.county_code, ""),
    }


def _source(dimension: str) -> FromClause:
    return _WITH_TOP if dimension == "category" else cases


def local_day(conn: Connection, column: Any) -> ColumnElement[Any]:
    """The Beijing date of a stored time, in SQL (times are stored in UTC)."""
    if conn.dialect.name == "sqlite":
        return func.date(column, "+8 hours")
    return cast(func.timezone("Asia/Shanghai", column), Date)


def _bucket(column: Any, low: int = 0, high: int = len(EDGES)) -> ColumnElement[Any]:
    """:func:`bucket_of` in SQL: a binary search over :data:`EDGES` as nested CASEs."""
    if high - low == 1:
        return literal(low, Integer)
    middle = (low + high) // 2
    return case((column < EDGES[middle], _bucket(column, low, middle)), else_=_bucket(column, middle, high))


def _bucket_or_null(column: Any) -> ColumnElement[Any]:
    return case((column.is_(None), null()), else_=_bucket(column))


def _midnight(day: date) -> datetime:
    """A Beijing day's first moment, in UTC (as times are stored: SQLite keeps no offset)."""
    return datetime.combine(day, time(0), BEIJING).astimezone(UTC)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one case adds to the rollup: its rows' keys, its counts (0 or 1 each, in
    :data:`COUNTS` order) and the buckets of its working hours (None when it has none)."""

    desk_id: int
    day: date
    members: tuple[str, ...]
    counts: tuple[int, ...]
    buckets: tuple[int | None, ...]


#: Inline 1 and 0: fewer parameters, so psycopg caches the statement (it parses anew one with more than 50).
_ONE: ColumnElement[int] = literal_column("1")
_ZERO: ColumnElement[int] = literal_column("0")


@lru_cache(maxsize=4)
def contribution_columns(dialect: str) -> tuple[ColumnElement[Any], ...]:
    """A case row's contribution as labelled expressions over ``cases`` alone (its category's
    first level read by a correlated subquery), built once per dialect: selected by
    :func:`contribution`, and returned by the INSERT that files a case on PostgreSQL
    (:func:`returning`), so a filing costs no read of it. Hours are bucketed in Python
    (:func:`bucket_of`, the same edges as the rebuild's SQL): the buckets' CASEs made the statement
    20 kB with 180 parameters, which psycopg parsed afresh for every step."""
    members = _members()
    # written out: SQLAlchemy renders a RETURNING's columns unqualified on SQLite, subqueries too
    members["category"] = func.coalesce(cast(literal_column(
        "(SELECT coalesce(g.id, p.id, c.id) FROM desk_categories AS c"
        " LEFT OUTER JOIN desk_categories AS p ON p.id = c.parent_id"
        " LEFT OUTER JOIN desk_categories AS g ON g.id = p.parent_id WHERE c.id = cases.category_id)"), String), "")
    day = func.date(_c.created_at, "+8 hours") if dialect == "sqlite" else cast(
        func.timezone("Asia/Shanghai", _c.created_at), Date)
    return (_c.desk_id.label("rollup_desk"), day.label("rollup_day"),
            *(members[d].label(f"rollup_m_{d}") for d in DIMENSIONS),
            *(case((cond, _ONE), else_=_ZERO).label(f"rollup_{name}") for name, cond in conditions().items()),
            *(getattr(_c, h).label(f"rollup_h_{h}") for h in HISTOGRAMS))


@lru_cache(maxsize=4)
def _contribution_statement(dialect: str) -> Any:
    """The statement reading one case's contribution, built once per dialect."""
    return select(*contribution_columns(dialect)).where(_c.id == bindparam("case_id"))


def contribution(conn: Connection, case_id: int) -> Contribution | None:
    """The case's contribution as its row stands in this transaction (None when there is no such case)."""
    row = conn.execute(_contribution_statement(conn.dialect.name), {"case_id": case_id}).first()
    return None if row is None else contribution_of(row)


def returning(dialect: str) -> tuple[ColumnElement[Any], ...]:
    """What the INSERT that files a case returns besides its row, for :func:`filed`: its
    contribution on PostgreSQL (saving a read of it); nothing on SQLite, whose statements cost no
    round trip — and whose 3.40 evaluates ``column IS NOT NULL`` wrongly in an INSERT's RETURNING
    (true for a column the INSERT left NULL)."""
    return contribution_columns(dialect) if dialect == "postgresql" else ()


def filed(conn: Connection, row: Row[Any]) -> Contribution:
    """The contribution of a case just filed, from its INSERT's row (:func:`returning`) or read."""
    if conn.dialect.name == "postgresql":
        return contribution_of(row)
    found = contribution(conn, row.id)
    assert found is not None, "the case was written in this transaction"
    return found


def contribution_of(row: Row[Any]) -> Contribution:
    """The contribution in a row holding :func:`contribution_columns`."""
    return Contribution(int(row.rollup_desk), _as_date(row.rollup_day),
                        tuple(str(getattr(row, f"rollup_m_{d}")) for d in DIMENSIONS),
                        tuple(int(getattr(row, f"rollup_{n}")) for n in COUNTS),
                        tuple(None if getattr(row, f"rollup_h_{h}") is None else bucket_of(getattr(row, f"rollup_h_{h}"))
                              for h in HISTOGRAMS))


def _deltas(before: Contribution | None, after: Contribution | None) -> list[tuple[tuple[Any, ...], list[int],
                                                                                     list[Counter[int]]]]:
    """The rows to change (key, count deltas, histogram deltas), in the order they are written."""
    rows: dict[tuple[Any, ...], tuple[list[int], list[Counter[int]]]] = {}
    for sign, part in ((-1, before), (1, after)):
        if part is None:
            continue
        for dimension, member in zip(DIMENSIONS, part.members, strict=True):
            counts, histograms = rows.setdefault((part.desk_id, dimension, part.day, member),
                                                 ([0] * len(COUNTS), [Counter() for _ in HISTOGRAMS]))
            for index, value in enumerate(part.counts):
                counts[index] += sign * value
            for index, bucket in enumerate(part.buckets):
                if bucket is not None:
                    histograms[index][bucket] += sign
    out = []
    for key, (counts, histograms) in rows.items():
        histograms = [Counter({b: n for b, n in h.items() if n}) for h in histograms]
        if any(counts) or any(histograms):
            out.append((key, counts, histograms))
    # one order for every writer: a desk-day's total row first, so steps on the same day queue on it
    out.sort(key=lambda r: (r[0][0], DIMENSIONS.index(r[0][1]), r[0][2], r[0][3]))
    return out


@lru_cache(maxsize=8)
def _upsert(dialect: str, returning: bool) -> Any:
    """The UPSERT adding a row's counts, built once per dialect (executed for many rows at once)."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = [*_KEY, *COUNTS, *HISTOGRAMS]
    statement = insert(case_rollup).values({name: bindparam(name) for name in columns})
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEY), set_={n: case_rollup.c[n] + statement.excluded[n] for n in COUNTS})
    if returning:
        r = case_rollup.c
        return statement.returning(r.desk_id, r.dimension, r.day, r.member, *(r[h] for h in HISTOGRAMS))
    return statement


def record(conn: Connection, before: Contribution | None, after: Contribution | None) -> None:
    """Add a case's change (``after`` − ``before``) to the rollup, inside the caller's
    transaction — in a group-commit batch summed with the batch's other changes and written once
    just before it commits (plaza.storage.db.defer), else now."""
    changes = _deltas(before, after)
    if changes and not db.defer(conn, "case_rollup", changes):
        _write(conn, changes)


def _flush(conn: Connection, batches: list[Any]) -> None:
    """A group commit's changes, summed per row, written in one go (in the one row order)."""
    summed: dict[tuple[Any, ...], tuple[list[int], list[Counter[int]]]] = {}
    for changes in batches:
        for key, counts, histograms in changes:
            total, hours = summed.setdefault(key, ([0] * len(COUNTS), [Counter() for _ in HISTOGRAMS]))
            for index, value in enumerate(counts):
                total[index] += value
            for index, delta in enumerate(histograms):
                hours[index].update(delta)
    merged = []
    for key, (counts, histograms) in summed.items():
        histograms = [Counter({b: n for b, n in h.items() if n}) for h in histograms]
        if any(counts) or any(histograms):
            merged.append((key, counts, histograms))
    merged.sort(key=lambda r: (r[0][0], DIMENSIONS.index(r[0][1]), r[0][2], r[0][3]))
    if merged:
        _write(conn, merged)


def _write(conn: Connection, changes: list[Any]) -> None:
    """One UPSERT of the counts; when working hours changed, the histograms of the rows it
    touched, read back from that UPSERT (which holds their locks) and written anew."""
    values = [{**dict(zip(_KEY, key, strict=True)), **dict(zip(COUNTS, counts, strict=True)),
               "acknowledge_hours": "", "reply_hours": ""} for key, counts, _ in changes]
    moved = {key: histograms for key, _, histograms in changes if any(histograms)}
    if not moved:
        conn.execute(_upsert(conn.dialect.name, False), values)
        return
    r = case_rollup.c
    found = conn.execute(_upsert(conn.dialect.name, True), values)
    rewritten = []
    for row in found:
        key = (int(row.desk_id), row.dimension, _as_date(row.day), row.member)
        if key not in moved:
            continue
        merged = {}
        for name, delta in zip(HISTOGRAMS, moved[key], strict=True):
            histogram = parse(getattr(row, name))
            histogram.update(delta)
            merged[name] = render(histogram)
        rewritten.append({"k_desk": key[0], "k_dimension": key[1], "k_day": key[2], "k_member": key[3], **merged})
    if rewritten:
        conn.execute(update(case_rollup).where(
            r.desk_id == bindparam("k_desk"), r.dimension == bindparam("k_dimension"), r.day == bindparam("k_day"),
            r.member == bindparam("k_member")).values({h: bindparam(h) for h in HISTOGRAMS}), rewritten)


# --- rebuilding --------------------------------------------------------------------------------------


def rebuild(conn: Connection, desk_id: int | None = None) -> int:
    """Recompute the rollup of one desk (or every desk) from ``cases``, inside the caller's
    transaction; returns the rows written. On PostgreSQL the rollup is locked against steps
    meanwhile (they wait, then add their change to the rebuilt rows); SQLite's writers take turns."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE case_rollup IN EXCLUSIVE MODE"))
    conn.execute(delete(case_rollup).where(*([case_rollup.c.desk_id == desk_id] if desk_id is not None else [])))
    where = [_c.desk_id == desk_id] if desk_id is not None else []
    members = _members()
    written = 0
    for dimension in DIMENSIONS:
        per_case = (select(_c.desk_id.label("desk_id"), local_day(conn, _c.created_at).label("day"),
                           members[dimension].label("member"),
                           *(case((cond, 1), else_=0).label(n) for n, cond in conditions().items()),
                           *(_bucket_or_null(getattr(_c, h)).label(h) for h in HISTOGRAMS))
                    .select_from(_source(dimension)).where(*where).subquery())
        group = (per_case.c.desk_id, per_case.c.day, per_case.c.member)
        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in conn.execute(select(*group, *(func.sum(per_case.c[n]).label(n) for n in COUNTS))
                                .group_by(*group)):
            key = (int(row.desk_id), dimension, _as_date(row.day), str(row.member))
            rows[key] = {**dict(zip(_KEY, key, strict=True)), **{n: int(getattr(row, n)) for n in COUNTS}}
        for name in HISTOGRAMS:
            histograms: dict[tuple[Any, ...], Counter[int]] = {}
            bucket = per_case.c[name]
            for row in conn.execute(select(*group, bucket, func.count().label("n")).where(bucket.is_not(None))
                                    .group_by(*group, bucket)):
                key = (int(row.desk_id), dimension, _as_date(row.day), str(row.member))
                histograms.setdefault(key, Counter())[int(row[3])] += int(row.n)
            for key, row_values in rows.items():
                row_values[name] = render(histograms.get(key, {}))
        batch = list(rows.values())
        for start in range(0, len(batch), 5000):
            conn.execute(insert(case_rollup), batch[start:start + 5000])
        written += len(batch)
    return written


# --- reading -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """One member's stored counts over a span of days, with what depends on the time of reading:
    ``ack_late`` / ``reply_late`` (awaiting, and past the limit now) and ``aged`` / ``aged_fixed``
    (received before the 4-week line, and of those the rated resolved)."""

    counts: Counter[str] = field(default_factory=Counter)
    histograms: tuple[Counter[int], Counter[int]] = field(default_factory=lambda: (Counter(), Counter()))

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        for mine, theirs in zip(self.histograms, other.histograms, strict=True):
            mine.update(theirs)


_EXTRA = ("aged", "aged_fixed", "ack_late", "reply_late")


def _joined(conn: Connection, column: Any) -> ColumnElement[Any]:
    """The group's histograms as one comma-separated string (summed when parsed)."""
    value = func.nullif(column, "")
    return func.group_concat(value, ",") if conn.dialect.name == "sqlite" else func.string_agg(value, ",")


def _part(number: int, member: ColumnElement[Any], values: Mapping[str, ColumnElement[Any]],
          histograms: Sequence[ColumnElement[Any]] | None = None) -> list[ColumnElement[Any]]:
    """A branch's columns in the union's layout: part, member, COUNTS, _EXTRA, HISTOGRAMS."""
    zero = literal(0, Integer)
    return [literal(number, Integer).label("part"), member.label("member"),
            *(values.get(n, zero).label(n) for n in (*COUNTS, *_EXTRA)),
            *(histograms[i].label(h) if histograms else null().label(h) for i, h in enumerate(HISTOGRAMS))]


def read(conn: Connection, desk_id: int, first: date, end: date, dimension: str, *, now: datetime,
         aged_at: datetime) -> dict[str, Tally]:
    """Each member's tally for the cases received on the Beijing days ``[first, end)``, as they
    stand at ``now``; a case received at or before ``aged_at`` counts as aged. One statement
    (one snapshot): the rollup's rows, the awaiting cases past their limit, and the aged cases of
    the day ``aged_at`` falls in."""
    start_at = _midnight(first)
    end_at = _midnight(end)
    tallies: dict[str, Tally] = {}
    awaiting: dict[str, Tally] = {}
    for row in conn.execute(statement(conn, desk_id, first, end, dimension, now=now, aged_at=aged_at)):
        into = (awaiting if row.part == 1 else tallies).setdefault(str(row.member), Tally())
        into.counts.update({n: int(getattr(row, n) or 0) for n in (*COUNTS, *_EXTRA)})
        for index, name in enumerate(HISTOGRAMS):
            into.histograms[index].update(parse(getattr(row, name)))
    pending = {n: sum(t.counts[n] for t in tallies.values()) for n in ("ack_pending", "reply_pending")}
    if pending != {n: sum(t.counts[n] for t in awaiting.values()) for n in pending}:
        # a case awaits outside the working states (imported data?): count them among every state
        awaiting = {}
        for row in conn.execute(_awaiting(desk_id, dimension, start_at, end_at, as_utc(now), working_only=False)):
            awaiting.setdefault(str(row.member), Tally()).counts.update(
                {"ack_late": int(row.ack_late or 0), "reply_late": int(row.reply_late or 0)})
    for key, late in awaiting.items():
        into = tallies.setdefault(key, Tally())
        into.counts.update({"ack_late": late.counts["ack_late"], "reply_late": late.counts["reply_late"]})
    return tallies


def statement(conn: Connection, desk_id: int, first: date, end: date, dimension: str, *, now: datetime,
              aged_at: datetime) -> Any:
    """:func:`read`'s statement: the union of the rollup's rows (part 0), the awaiting cases in
    the working states (part 1) and the aged cases of the day ``aged_at`` falls in (part 2)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    now, aged_at = as_utc(now), as_utc(aged_at)
    start_at = _midnight(first)
    end_at = _midnight(end)
    aged_day = aged_at.astimezone(BEIJING).date()
    r = case_rollup.c
    stored = (select(*_part(0, r.member, {
        **{n: func.sum(r[n]) for n in COUNTS},
        "aged": func.sum(case((r.day < aged_day, r.received), else_=0)),
        "aged_fixed": func.sum(case((r.day < aged_day, r.resolved), else_=0))},
        [_joined(conn, r[h]) for h in HISTOGRAMS]))
        .where(r.desk_id == desk_id, r.dimension == dimension, r.day >= first, r.day < end).group_by(r.member))
    parts: list[Select[Any]] = [stored, _awaiting(desk_id, dimension, start_at, end_at, now, working_only=True)]
    if first <= aged_day < end:
        member = _members()[dimension]
        resolved = conditions()["resolved"]
        parts.append(select(*_part(2, member, {"aged": func.count(), "aged_fixed": func.count(case((resolved, 1)))}))
                     .select_from(_source(dimension))
                     .where(_c.desk_id == desk_id, _c.created_at >= max(start_at, _midnight(aged_day)),
                            _c.created_at <= aged_at, _c.created_at < end_at)
                     .group_by(member))
    return union_all(*parts)


def _awaiting(desk_id: int, dimension: str, start_at: datetime, end_at: datetime, now: datetime, *,
              working_only: bool) -> Select[Any]:
    """The cases received in ``[start_at, end_at)`` awaiting acknowledgement or a reply: how
    many, and how many are past their limit at ``now``."""
    member = _members()[dimension]
    held = conditions()
    where = [_c.desk_id == desk_id, _c.created_at >= start_at, _c.created_at < end_at]
    if working_only:
        where.append(_c.state.in_(WORKING))
    return (select(*_part(1, member, {
        "ack_pending": func.count(case((held["ack_pending"], 1))),
        "reply_pending": func.count(case((held["reply_pending"], 1))),
        "ack_late": func.count(case((and_(held["ack_pending"], _c.acknowledge_by <= now), 1))),
        "reply_late": func.count(case((and_(held["reply_pending"], _c.resolve_by <= now), 1)))}))
        .select_from(_source(dimension)).where(*where).group_by(member))


def daily(conn: Connection, desk_id: int, first: date, end: date) -> dict[date, Counter[str]]:
    """The desk's stored counts per Beijing day in ``[first, end)`` (days with none left out)."""
    r = case_rollup.c
    rows = conn.execute(select(r.day, *(r[n] for n in COUNTS)).where(
        r.desk_id == desk_id, r.dimension == "total", r.day >= first, r.day < end))
    return {_as_date(row.day): Counter({n: int(getattr(row, n)) for n in COUNTS}) for row in rows}


def members(conn: Connection, desk_id: int, dimensions: Iterable[str], first: date, end: date,
            names: Sequence[str] = COUNTS) -> dict[tuple[str, str], Counter[str]]:
    """The stored counts ``names`` per (dimension, member) over the days ``[first, end)``."""
    r = case_rollup.c
    rows = conn.execute(select(r.dimension, r.member, *(func.sum(r[n]).label(n) for n in names)).where(
        r.desk_id == desk_id, r.dimension.in_(list(dimensions)), r.day >= first, r.day < end)
        .group_by(r.dimension, r.member))
    return {(row.dimension, row.member): Counter({n: int(getattr(row, n) or 0) for n in names}) for row in rows}


db.register_deferred("case_rollup", _flush)
