"""The day counts kept as the square writes (日数据的增量维护): what :mod:`plaza.index.daily`
counts for a day, added up act by act instead of counted again from the day's rows.

Triggers on the square's tables (migration 0026) append every act the index counts to
``index_journal`` in the act's own transaction — a post, a repost, comment or like of a
government account's post, a mention of one and its first answer, a follow; a deletion appends
the same act with the sign -1 — judged as :mod:`plaza.index.daily` judges it (a government
account's post; a trusted actor verified or 60 days old on the act's Beijing day, and not
suspended). Appending locks no counter: the square's writes on two PostgreSQL processes never wait
on each other for it. What cannot be judged then asks for its day to be counted again
(``index_recount``): an imported post (its source's counters), an act whose actor's account is
gone.

:func:`fold` empties the journal into ``index_daily``, a chunk per transaction (the journal rows
go in the transaction that adds them: a crash folds a chunk whole or not at all): sums by account
and day, the distinct reposters (``index_reposters``), the day's most-liked post
(``index_post_likes``) and the answer-time histograms. The server folds every
:data:`FOLD_SECONDS`; :func:`plaza.index.daily.compute_days` folds first, so a day kept whole
(since ``index_keeping.since_id``, the migration's moment) is never counted from its rows:
a month is its roll-up. A test holds the kept counts equal to counting the days again.

Judged at the act, not at the count: an account verified, suspended or made a government account
afterwards does not change what it did before (a count from the rows judges everything now); an
account deleted asks for its days to be counted again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, select

from plaza.clock import utcnow
from plaza.desk import rollup
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.schema import (
    INDEX_DAILY_COUNTS,
    index_keeping,
    index_post_likes,
    index_recount,
    index_reposters,
)
from plaza.workflow.worktime import BEIJING

__all__ = ["FOLD_SECONDS", "Folded", "fold", "fold_forever", "keeps", "prune", "recount_days", "since_id"]

log = logging.getLogger("plaza.index")

#: How often the server folds the journal.
FOLD_SECONDS = 60.0
#: Journal rows per fold transaction.
CHUNK = 50_000
#: Days the distinct reposters and most-liked posts are kept for (an act on an older day — an
#: unlike of a like two months old — leaves those two as they were).
SIDE_DAYS = 40

POST, REPOST, COMMENT, LIKE, MENTION, ANSWER, FOLLOW, RECOUNT = range(1, 9)

_DAY_MS = 86_400_000
_BEIJING_MS = 8 * 3_600_000
_EPOCH = date(1970, 1, 1)

#: The counts a fold adds (the distinct reposters from their table's changes; the most-liked post
#: is set from its table; reads come only from imported posts, which are counted again).
ADDED = ("posts", "originals", "replies_given", "replies_to_citizens", "reposts", "comments", "original_reposts",
         "original_comments", "likes", "trusted_reposts", "trusted_likes", "mentions", "mentions_answered",
         "followers_gained", "trusted_followers_gained", "reposters", "trusted_reposters")
_COL = {name: i for i, name in enumerate(ADDED)}

_TAKE_SQLITE = fast.Sql(
    "DELETE FROM index_journal WHERE seq IN (SELECT seq FROM index_journal ORDER BY seq LIMIT ?) "
    "RETURNING kind, account_id, at, ref, a, b, sign")
# two processes folding at once take different rows
_TAKE_PG = fast.Sql(
    "DELETE FROM index_journal WHERE seq IN (SELECT seq FROM index_journal ORDER BY seq LIMIT ? "
    "FOR UPDATE SKIP LOCKED) RETURNING kind, account_id, at, ref, a, b, sign")
_ADD = fast.Sql(
    f"INSERT INTO index_daily (account_id, day, {', '.join(ADDED)}) "
    f"VALUES (?, ?, {', '.join('?' * len(ADDED))}) ON CONFLICT (account_id, day) DO UPDATE SET "
    + ", ".join(f"{name} = index_daily.{name} + excluded.{name}" for name in ADDED))
_ACCOUNTS = fast.Sql("SELECT id FROM accounts WHERE id IN ({in})")
# the side tables: upserted with the new value returned (SQLite: a statement per key, cheap on
# it; PostgreSQL: one statement over arrays)
_POST_LIKES_SQLITE = (
    "INSERT INTO index_post_likes (status_id, day, account_id, likes) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (status_id, day) DO UPDATE SET likes = index_post_likes.likes + excluded.likes RETURNING likes")
_POST_LIKES_PG = (
    "INSERT INTO index_post_likes (status_id, day, account_id, likes) "
    "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::bigint[], %s::bigint[]) "
    "ON CONFLICT (status_id, day) DO UPDATE SET likes = index_post_likes.likes + excluded.likes "
    "RETURNING status_id, day, likes")
_DROP_POST_LIKES = fast.Sql("DELETE FROM index_post_likes WHERE status_id = ? AND day = ? AND likes <= 0")
_REPOSTERS_SQLITE = (
    "INSERT INTO index_reposters (account_id, day, reposter_id, trusted, reposts) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (account_id, day, reposter_id) DO UPDATE SET reposts = index_reposters.reposts + excluded.reposts "
    "RETURNING trusted, reposts")
_REPOSTERS_PG = (
    "INSERT INTO index_reposters (account_id, day, reposter_id, trusted, reposts) "
    "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::bigint[], %s::smallint[], %s::bigint[]) "
    "ON CONFLICT (account_id, day, reposter_id) DO UPDATE SET reposts = index_reposters.reposts + excluded.reposts "
    "RETURNING account_id, day, reposter_id, trusted, reposts")
_DROP_REPOSTER = fast.Sql(
    "DELETE FROM index_reposters WHERE account_id = ? AND day = ? AND reposter_id = ? AND reposts <= 0")
_RAISE_LIKES_MAX_SQLITE = fast.Sql(
    "UPDATE index_daily SET likes_max = MAX(likes_max, ?) WHERE account_id = ? AND day = ?")
_RAISE_LIKES_MAX_PG = fast.Sql(
    "UPDATE index_daily SET likes_max = GREATEST(likes_max, ?) WHERE account_id = ? AND day = ?")
_SET_LIKES_MAX = fast.Sql(
    "UPDATE index_daily SET likes_max = (SELECT COALESCE(MAX(likes), 0) FROM index_post_likes l "
    "WHERE l.account_id = ? AND l.day = ?) WHERE account_id = ? AND day = ?")
_ANSWERS = fast.Sql("SELECT answer_minutes FROM index_daily WHERE account_id = ? AND day = ?")
_SET_ANSWERS = fast.Sql("UPDATE index_daily SET answer_minutes = ? WHERE account_id = ? AND day = ?")
_DROP_EMPTY = fast.Sql(
    "DELETE FROM index_daily WHERE account_id = ? AND day = ? AND answer_minutes = '' AND "
    + " AND ".join(f"{name} = 0" for name in INDEX_DAILY_COUNTS))
_RECOUNT_PG = fast.Sql("INSERT INTO index_recount (day) VALUES (?) ON CONFLICT DO NOTHING")
_RECOUNT_SQLITE = fast.Sql("INSERT OR IGNORE INTO index_recount (day) VALUES (?)")


def since_id(conn: Connection) -> int:
    """The id from which every act is journaled (none kept: larger than any id)."""
    found = conn.execute(select(index_keeping.c.since_id).where(index_keeping.c.id == 1)).scalar()
    return int(found) if found is not None else 1 << 62


def _day_start_id(day: date) -> int:
    return ((day - _EPOCH).days * _DAY_MS - _BEIJING_MS) << 16


def keeps(day: date, since: int) -> bool:
    """Whether ``day`` was journaled whole (it began after keeping did)."""
    return _day_start_id(day) >= since


def recount_days(conn: Connection) -> set[date]:
    """The days the journal asked to be counted again."""
    return {d if isinstance(d, date) else date.fromisoformat(str(d))
            for (d,) in conn.execute(select(index_recount.c.day))}


@dataclass
class Folded:
    """What a fold did: journal rows folded, the days they counted on, days to count again."""

    events: int = 0
    days: set[date] = field(default_factory=set)
    recount: set[date] = field(default_factory=set)


def fold(db: Database, *, chunk: int = CHUNK, now: datetime | None = None) -> Folded:
    """Empty the journal into ``index_daily`` (a chunk per transaction)."""
    done = Folded()
    with db.read() as conn:
        since = since_id(conn)
    horizon = (now or utcnow()).astimezone(BEIJING).date() - timedelta(days=SIDE_DAYS)
    since_day = max(int(_day_of(np.array([since], dtype=np.int64))[0]), (horizon - _EPOCH).days)
    while True:
        with db.write() as conn:
            take = _TAKE_SQLITE if conn.dialect.name == "sqlite" else _TAKE_PG
            rows = fast.fetch(conn, take, chunk)
            if rows:
                _apply(conn, rows, since_day, done)
        if len(rows) < chunk:
            return done


def day_number(status_id: int) -> int:
    """The Beijing day (days since 1970-01-01) of one time-ordered id."""
    return ((status_id >> 16) + _BEIJING_MS) // _DAY_MS


def _day_of(ids: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (Beijing) of time-ordered ids."""
    return ((ids >> 16) + _BEIJING_MS) // _DAY_MS


def _date(day: int) -> date:
    return _EPOCH + timedelta(days=int(day))


def _apply(conn: Connection, rows: list[tuple[Any, ...]], since_day: int, done: Folded) -> None:
    sqlite = conn.dialect.name == "sqlite"
    kind = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    account = np.fromiter((r[1] if r[1] is not None else -1 for r in rows), dtype=np.int64, count=len(rows))
    at = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    ref = np.fromiter((r[3] if r[3] is not None else -1 for r in rows), dtype=np.int64, count=len(rows))
    a = np.fromiter((r[4] for r in rows), dtype=np.int64, count=len(rows))
    b = np.fromiter((r[5] for r in rows), dtype=np.int64, count=len(rows))
    sign = np.fromiter((r[6] for r in rows), dtype=np.int64, count=len(rows))
    day = _day_of(at)
    done.events += len(rows)

    recount = kind == RECOUNT
    if recount.any():
        days = {_date(d) for d in np.unique(day[recount])}
        done.recount |= days
        fast.execute_many(conn, _RECOUNT_SQLITE if sqlite else _RECOUNT_PG, [(d,) for d in sorted(days)])
    counted = ~recount & (account >= 0)
    if not counted.any():
        return
    kind, account, at, ref, a, b, sign, day = (x[counted] for x in (kind, account, at, ref, a, b, sign, day))

    # the added counts, by account and day
    keys = np.stack([account, day], axis=1)
    unique, where = np.unique(keys, axis=0, return_inverse=True)
    where = where.reshape(-1)
    sums = np.zeros((len(unique), len(ADDED)), dtype=np.int64)

    def add(name: str, mask: np.ndarray, values: np.ndarray | int = 1) -> None:
        value = (values * sign)[mask] if isinstance(values, np.ndarray) else values * sign[mask]
        np.add.at(sums[:, _COL[name]], where[mask], value)

    post = kind == POST
    add("posts", post & (a <= 1))
    add("originals", post & (a == 1))
    add("replies_given", post & (a >= 2))
    add("replies_to_citizens", post & (a == 3))
    repost = kind == REPOST
    add("reposts", repost)
    add("original_reposts", repost, a)
    add("trusted_reposts", repost, b)
    comment = kind == COMMENT
    add("comments", comment)
    add("original_comments", comment, a)
    like = kind == LIKE
    add("likes", like)
    add("trusted_likes", like, b)
    add("mentions", kind == MENTION)
    answer = kind == ANSWER
    add("mentions_answered", answer)
    follow = kind == FOLLOW
    add("followers_gained", follow)
    add("trusted_followers_gained", follow, b)

    # the distinct reposters and the day's most-liked post, from their tables, for days kept whole
    kept = day >= since_day
    index = {(acc, d): i for i, (acc, d) in enumerate(unique.tolist())}
    for key, (gained, trusted_gained) in _reposters(conn, repost & kept, account, day, ref, b, sign).items():
        sums[index[key], _COL["reposters"]] += gained
        sums[index[key], _COL["trusted_reposters"]] += trusted_gained
    present = _present(conn, np.unique(unique[:, 0]).tolist())  # acts of accounts deleted since are dropped
    fast.execute_many(conn, _ADD, [(acc, _date(d), *values)
                                   for (acc, d), values in zip(unique.tolist(), sums.tolist(), strict=True)
                                   if acc in present])
    done.days |= {_date(d) for d in np.unique(unique[:, 1])}
    _post_likes(conn, like & kept, ref, day, account, sign)
    _answers(conn, answer, account, day, at, ref, sign)
    undone = np.unique(unique[where[sign < 0]], axis=0).tolist() if (sign < 0).any() else []
    fast.execute_many(conn, _DROP_EMPTY, [(acc, _date(d)) for acc, d in undone if acc in present])


def _present(conn: Connection, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 10_000):
        found.update(i for (i,) in fast.fetch(conn, _ACCOUNTS, ids[start:start + 10_000]))
    return found


def _day_text(conn: Connection, day: int) -> Any:
    return _date(day).isoformat() if conn.dialect.name == "sqlite" else _date(day)


def _upsert(conn: Connection, sqlite_sql: str, pg_sql: str, rows: list[tuple[Any, ...]], width: int
            ) -> list[tuple[Any, ...]]:
    """Upsert ``rows`` (keys first, ``width`` of them, none twice); each row's key and what the
    statement returns for it (after the key columns on PostgreSQL), in ``rows``' order."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "sqlite":
            return [(*row[:width], *cursor.execute(sqlite_sql, row).fetchone()) for row in rows]
        columns = [list(c) for c in zip(*rows, strict=True)]
        cursor.execute(pg_sql, columns)
        found = {tuple(r[:width]): tuple(r[width:]) for r in cursor.fetchall()}
        return [(*row[:width], *found[tuple(row[:width])]) for row in rows]
    finally:
        cursor.close()


def _reposters(conn: Connection, mask: np.ndarray, account: np.ndarray, day: np.ndarray, reposter: np.ndarray,
               trusted: np.ndarray, sign: np.ndarray) -> dict[tuple[int, int], tuple[int, int]]:
    """Each account-day's change of distinct (and trusted) reposters."""
    if not mask.any():
        return {}
    reposts: Counter[tuple[int, int, int]] = Counter()
    trust: dict[tuple[int, int, int], int] = {}
    for acc, d, r, t, s in zip(account[mask].tolist(), day[mask].tolist(), reposter[mask].tolist(),
                               trusted[mask].tolist(), sign[mask].tolist(), strict=True):
        reposts[(acc, d, r)] += s
        trust[(acc, d, r)] = t
    keys = [(acc, d, r) for (acc, d, r), n in sorted(reposts.items()) if n]
    if not keys:
        return {}
    rows = [(acc, _day_text(conn, d), r, trust[(acc, d, r)], reposts[(acc, d, r)]) for acc, d, r in keys]
    changes: dict[tuple[int, int], tuple[int, int]] = {}
    gone = []
    for (acc, d, r), (*_key, t, now) in zip(keys, _upsert(conn, _REPOSTERS_SQLITE, _REPOSTERS_PG, rows, 3),
                                           strict=True):
        before = now - reposts[(acc, d, r)]
        step = (1 if before <= 0 < now else -1 if now <= 0 < before else 0)
        if now <= 0:
            gone.append((acc, _day_text(conn, d), r))
        if step:
            gained, trusted_gained = changes.get((acc, d), (0, 0))
            changes[(acc, d)] = (gained + step, trusted_gained + step * int(t))
    fast.execute_many(conn, _DROP_REPOSTER, gone)
    return changes


def _post_likes(conn: Connection, mask: np.ndarray, post: np.ndarray, day: np.ndarray, account: np.ndarray,
                sign: np.ndarray) -> None:
    """The day's most-liked post of each account-day its likes changed: raised to a post's new
    count, or read again from the table where a like was taken back."""
    if not mask.any():
        return
    likes: Counter[tuple[int, int]] = Counter()
    author: dict[tuple[int, int], int] = {}
    for p, d, acc, s in zip(post[mask].tolist(), day[mask].tolist(), account[mask].tolist(), sign[mask].tolist(),
                            strict=True):
        likes[(p, d)] += s
        author[(p, d)] = acc
    keys = [k for k, n in sorted(likes.items()) if n]
    if not keys:
        return
    rows = [(p, _day_text(conn, d), author[(p, d)], likes[(p, d)]) for p, d in keys]
    highest: dict[tuple[int, int], int] = {}
    lowered: set[tuple[int, int]] = set()
    gone = []
    for (p, d), (*_key, now) in zip(keys, _upsert(conn, _POST_LIKES_SQLITE, _POST_LIKES_PG, rows, 2), strict=True):
        acc = author[(p, d)]
        if likes[(p, d)] < 0:
            lowered.add((acc, d))
        else:
            highest[(acc, d)] = max(highest.get((acc, d), 0), int(now))
        if now <= 0:
            gone.append((p, _day_text(conn, d)))
    fast.execute_many(conn, _DROP_POST_LIKES, gone)
    raise_sql = _RAISE_LIKES_MAX_SQLITE if conn.dialect.name == "sqlite" else _RAISE_LIKES_MAX_PG
    fast.execute_many(conn, raise_sql, [(n, acc, _date(d)) for (acc, d), n in sorted(highest.items())
                                        if (acc, d) not in lowered])
    fast.execute_many(conn, _SET_LIKES_MAX, [(acc, _date(d), acc, _date(d)) for acc, d in sorted(lowered)])


def _answers(conn: Connection, mask: np.ndarray, account: np.ndarray, day: np.ndarray, mention: np.ndarray,
             answer: np.ndarray, sign: np.ndarray) -> None:
    if not mask.any():
        return
    minutes = ((answer[mask] >> 16) - (mention[mask] >> 16)) / 60_000
    found: dict[tuple[int, int], Counter[int]] = {}
    for acc, d, m, s in zip(account[mask].tolist(), day[mask].tolist(), minutes.tolist(), sign[mask].tolist(),
                            strict=True):
        found.setdefault((acc, d), Counter())[rollup.bucket_of(max(m, 0.0))] += s
    updates = []
    for (acc, d), buckets in sorted(found.items()):
        stored = fast.fetch(conn, _ANSWERS, acc, _date(d))
        if not stored:  # the account is gone
            continue
        histogram = rollup.parse(stored[0][0])
        histogram.update(buckets)
        updates.append((rollup.render({k: v for k, v in histogram.items() if v > 0}), acc, _date(d)))
    fast.execute_many(conn, _SET_ANSWERS, updates)


def prune(db: Database, *, now: datetime | None = None) -> None:
    """Forget the distinct reposters and likes per post of days older than :data:`SIDE_DAYS`."""
    horizon = (now or utcnow()).astimezone(BEIJING).date() - timedelta(days=SIDE_DAYS)
    with db.write() as conn:
        for table in (index_post_likes, index_reposters):
            conn.execute(delete(table).where(table.c.day < horizon))


async def fold_forever(db: Database, interval: float = FOLD_SECONDS) -> None:
    """The server's task: fold the journal every ``interval`` seconds."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(fold, db)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - folded on the next round
            log.warning("folding the index's journal failed; retrying", exc_info=True)


def first_kept_day(since: int) -> date:
    """The first day kept whole."""
    first = _date(int(_day_of(np.array([since], dtype=np.int64))[0]))
    return first if keeps(first, since) else first + timedelta(days=1)

