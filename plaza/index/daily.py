"""The day's counts of every government account (日数据), what each period's index is rolled up
from: computed a Beijing day at a time from the square's own rows, never by rescanning a period.

A day is ``[00:00, 24:00)`` Beijing time. Ids are time-ordered (``plaza.storage.ids``), so a
day's posts, likes and follows are an id range of their tables' primary keys. What is counted for
an account on a day:

* **its posts** made that day — ``posts`` (originals and reposts: 发博数, not replies),
  ``originals`` (原创), ``replies_given`` and ``replies_to_citizens`` (replies to a citizen's post);
* **what others did to its posts that day** — ``reposts``, ``comments`` (replies by others),
  ``likes``, and of those on its originals ``original_reposts`` / ``original_comments``; from
  trusted accounts (:data:`TRUSTED`) ``trusted_reposts`` / ``trusted_likes``; distinct
  ``reposters`` and ``trusted_reposters``; ``likes_max``, the most likes one post got that day;
* **mentions** (@) of it by others in posts of that day, ``mentions_answered`` when it replied to
  the mentioning post (at any time up to the computation: a day is computed again while its
  answers may still come, :data:`RECOMPUTE_DAYS`), and the minutes to the answer as a histogram
  (``answer_minutes``, :mod:`plaza.desk.rollup`'s buckets; past 2,048 minutes reads as 2,048);
* **followers** gained that day, and trusted ones (unfollows leave no row: growth, not net).

Imported posts (``plaza import``) carry the counters their source gave them (Weibo's are not
recomputable): they count on the day of the post itself, with ``reads``/``reads_posts``/
``reads_max`` where the source knew its reads (WCI needs them); imported reposts of another
imported post are already in that post's counter and are not counted again.

A **trusted** account is verified (government, media, organisations, real-name) or at least
60 days old (``plaza.hot.trust.FULL_AGE_DAYS``), and not suspended: a farm of new accounts moves
the raw totals, not the trusted ones, which the index weighs higher.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, text

from plaza.clock import utcnow
from plaza.desk import rollup
from plaza.hot.trust import FULL_AGE_DAYS
from plaza.storage import fast, upsert
from plaza.storage.db import Database
from plaza.storage.ids import id_at
from plaza.storage.schema import INDEX_DAILY_COUNTS, index_daily, index_days, index_recount
from plaza.workflow.worktime import BEIJING

__all__ = ["RECOMPUTE_DAYS", "TRUSTED", "DayCounts", "compute_day", "compute_days", "day_bounds", "missing_days"]

#: Days recomputed by every incremental run (late answers to a day's mentions count on that day).
RECOMPUTE_DAYS = 7

#: SQL for "the account ``{a}`` is trusted" (see the module docstring); ``:trusted_before`` is
#: the smallest id of an account made 60 days before the day.
TRUSTED = "(({a}.verified_at IS NOT NULL OR {a}.id < :trusted_before) AND NOT {a}.suspended)"

_GOV = "kind = 'government'"
# The day's rows drive every statement: CROSS JOIN keeps SQLite's planner (which has no
# statistics unless ANALYZE ran) from starting at all government accounts and reading each one's
# whole history; PostgreSQL plans a CROSS JOIN with its WHERE like any inner join.

# Posts of the day by government accounts, and imported posts' counters.
_POSTS = text(f"""
SELECT s.account_id,
  SUM(CASE WHEN s.in_reply_to_id IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.in_reply_to_id IS NULL AND s.reblog_of_id IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.in_reply_to_id IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.in_reply_to_id IS NOT NULL AND s.in_reply_to_account_id <> s.account_id
           AND p.kind = 'citizen' THEN 1 ELSE 0 END),
  SUM(CASE WHEN i.status_id IS NOT NULL THEN s.reblogs_count ELSE 0 END),
  SUM(CASE WHEN i.status_id IS NOT NULL THEN s.replies_count ELSE 0 END),
  SUM(CASE WHEN i.status_id IS NOT NULL AND s.reblog_of_id IS NULL AND s.in_reply_to_id IS NULL
           THEN s.reblogs_count ELSE 0 END),
  SUM(CASE WHEN i.status_id IS NOT NULL AND s.reblog_of_id IS NULL AND s.in_reply_to_id IS NULL
           THEN s.replies_count ELSE 0 END),
  SUM(CASE WHEN i.status_id IS NOT NULL THEN s.favourites_count ELSE 0 END),
  MAX(CASE WHEN i.status_id IS NOT NULL THEN s.favourites_count ELSE 0 END),
  SUM(COALESCE(i.reads_count, 0)),
  SUM(CASE WHEN i.reads_count IS NOT NULL THEN 1 ELSE 0 END),
  MAX(COALESCE(i.reads_count, 0))
FROM statuses s
JOIN accounts a ON a.id = s.account_id AND a.{_GOV}
LEFT JOIN accounts p ON p.id = s.in_reply_to_account_id
LEFT JOIN imported_statuses i ON i.status_id = s.id
WHERE s.id >= :lo AND s.id < :hi AND s.visibility IN ('public', 'unlisted')
GROUP BY s.account_id
""")
_POSTS_COLUMNS = ("posts", "originals", "replies_given", "replies_to_citizens", "reposts", "comments",
                  "original_reposts", "original_comments", "likes", "likes_max", "reads", "reads_posts",
                  "reads_max")

# Reposts made that day of government accounts' posts (not counted in an imported counter).
_REPOSTS = text(f"""
SELECT o.account_id, COUNT(*),
  SUM(CASE WHEN o.in_reply_to_id IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN {TRUSTED.format(a="r")} THEN 1 ELSE 0 END),
  COUNT(DISTINCT s.account_id),
  COUNT(DISTINCT CASE WHEN {TRUSTED.format(a="r")} THEN s.account_id END)
FROM statuses s
CROSS JOIN statuses o
CROSS JOIN accounts a
CROSS JOIN accounts r
LEFT JOIN imported_statuses i ON i.status_id = s.id
WHERE s.id >= :lo AND s.id < :hi AND s.reblog_of_id IS NOT NULL AND o.id = s.reblog_of_id
  AND a.id = o.account_id AND a.{_GOV} AND r.id = s.account_id AND s.account_id <> o.account_id
  AND i.status_id IS NULL
GROUP BY o.account_id
""")
_REPOSTS_COLUMNS = ("reposts", "original_reposts", "trusted_reposts", "reposters", "trusted_reposters")

# Replies made that day by others to government accounts' posts (comments, 评论).
_COMMENTS = text(f"""
SELECT s.in_reply_to_account_id, COUNT(*),
  SUM(CASE WHEN p.in_reply_to_id IS NULL AND p.reblog_of_id IS NULL THEN 1 ELSE 0 END)
FROM statuses s
CROSS JOIN statuses p
CROSS JOIN accounts a
LEFT JOIN imported_statuses i ON i.status_id = s.id
WHERE s.id >= :lo AND s.id < :hi AND s.in_reply_to_account_id IS NOT NULL AND p.id = s.in_reply_to_id
  AND a.id = s.in_reply_to_account_id AND a.{_GOV}
  AND s.account_id <> s.in_reply_to_account_id AND i.status_id IS NULL
GROUP BY s.in_reply_to_account_id
""")
_COMMENTS_COLUMNS = ("comments", "original_comments")

# Likes given that day to government accounts' posts, and the most one post got.
_LIKES = text(f"""
SELECT author, SUM(n), SUM(trusted), MAX(n) FROM (
  SELECT s.account_id AS author, f.status_id, COUNT(*) AS n,
    SUM(CASE WHEN {TRUSTED.format(a="l")} THEN 1 ELSE 0 END) AS trusted
  FROM favourites f
  CROSS JOIN statuses s
  CROSS JOIN accounts a
  CROSS JOIN accounts l
  WHERE f.id >= :lo AND f.id < :hi AND s.id = f.status_id AND a.id = s.account_id AND a.{_GOV}
    AND l.id = f.account_id AND f.account_id <> s.account_id
  GROUP BY s.account_id, f.status_id
) per_post
GROUP BY author
""")
_LIKES_COLUMNS = ("likes", "trusted_likes", "likes_max")

# Mentions of government accounts by others in that day's posts, and the account's first reply.
_MENTIONS = text(f"""
SELECT m.account_id, s.id,
  (SELECT MIN(r.id) FROM statuses r WHERE r.in_reply_to_id = s.id AND r.account_id = m.account_id)
FROM mentions m
CROSS JOIN statuses s
CROSS JOIN accounts a
WHERE m.status_id >= :lo AND m.status_id < :hi AND s.id = m.status_id AND a.id = m.account_id AND a.{_GOV}
  AND s.account_id <> m.account_id
""")

# Follows of government accounts made that day.
_FOLLOWS = text(f"""
SELECT f.target_account_id, COUNT(*), SUM(CASE WHEN {TRUSTED.format(a="fr")} THEN 1 ELSE 0 END)
FROM follows f
CROSS JOIN accounts a
CROSS JOIN accounts fr
WHERE f.id >= :lo AND f.id < :hi AND a.id = f.target_account_id AND a.{_GOV} AND fr.id = f.account_id
GROUP BY f.target_account_id
""")
_FOLLOWS_COLUMNS = ("followers_gained", "trusted_followers_gained")

#: The columns of an ``index_daily`` row, in the order the counting gives them.
_COLUMNS = ("account_id", "day", *INDEX_DAILY_COUNTS, "answer_minutes")

#: Counts kept as the largest of the day's values when two sources give one (never summed).
_MAXIMA = frozenset({"likes_max", "reads_max"})


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A Beijing day's first moment and the moment after it, in UTC."""
    start = datetime.combine(day, time(0), BEIJING).astimezone(UTC)
    return start, start + timedelta(days=1)


def _id_range(day: date) -> tuple[int, int]:
    start, end = day_bounds(day)
    return id_at(int(start.timestamp() * 1000)), id_at(int(end.timestamp() * 1000))


@dataclass(slots=True)
class DayCounts:
    """One account's counts for one day (:data:`INDEX_DAILY_COUNTS`) and answer-time histogram."""

    counts: Counter[str]
    answer_minutes: Counter[int]

    def values(self, account_id: int, day: date) -> tuple[Any, ...]:
        """The row as :data:`_COLUMNS` orders it."""
        return (account_id, day, *(int(self.counts.get(k, 0)) for k in INDEX_DAILY_COUNTS),
                rollup.render(self.answer_minutes))


def _add(found: dict[int, DayCounts], rows: Iterable[Any], columns: tuple[str, ...]) -> None:
    for account_id, *values in rows:
        counts = found.setdefault(int(account_id), DayCounts(Counter(), Counter())).counts
        for name, value in zip(columns, values, strict=True):
            value = int(value or 0)
            counts[name] = max(counts[name], value) if name in _MAXIMA else counts[name] + value


def count_day(conn: Connection, day: date) -> dict[int, DayCounts]:
    """Every government account's counts for ``day`` (accounts with nothing are left out)."""
    lo, hi = _id_range(day)
    start, _end = day_bounds(day)
    trusted_before = id_at(int((start - timedelta(days=FULL_AGE_DAYS)).timestamp() * 1000))
    found: dict[int, DayCounts] = {}
    params = {"lo": lo, "hi": hi, "trusted_before": trusted_before}
    _add(found, conn.execute(_POSTS, params), _POSTS_COLUMNS)
    _add(found, conn.execute(_REPOSTS, params), _REPOSTS_COLUMNS)
    _add(found, conn.execute(_COMMENTS, params), _COMMENTS_COLUMNS)
    _add(found, conn.execute(_LIKES, params), _LIKES_COLUMNS)
    _add(found, conn.execute(_FOLLOWS, params), _FOLLOWS_COLUMNS)
    for account_id, mention_id, answer_id in conn.execute(_MENTIONS, params):
        entry = found.setdefault(int(account_id), DayCounts(Counter(), Counter()))
        entry.counts["mentions"] += 1
        if answer_id is not None:
            entry.counts["mentions_answered"] += 1
            minutes = ((int(answer_id) >> 16) - (int(mention_id) >> 16)) / 60_000
            entry.answer_minutes[rollup.bucket_of(minutes)] += 1
    return found


def compute_day(db: Database, day: date, *, now: datetime | None = None) -> int:
    """Count ``day`` and store it in place of what was stored for it; the accounts counted."""
    return _compute(db, [day], now=now)[day]


def _count(db: Database, first: date, end: date) -> dict[date, list[tuple[Any, ...]]]:
    """Each day's rows of ``[first, end)`` (``_COLUMNS``): by DuckDB where it can read the
    database (:mod:`plaza.index.engine`), else by this module's statements, a day at a time."""
    from plaza.index import engine

    if engine.engine_for(db.engine.url):
        return engine.count_range(db.engine.url, first, end, age_days=FULL_AGE_DAYS).days()
    out: dict[date, list[tuple[Any, ...]]] = {}
    with db.read() as conn:
        for i in range((end - first).days):
            day = first + timedelta(days=i)
            out[day] = [entry.values(account_id, day) for account_id, entry in count_day(conn, day).items()]
    return out


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as ``[first, end)`` ranges."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


def _compute(db: Database, days: list[date], *, now: datetime | None = None) -> dict[date, int]:
    """Count ``days`` (read outside the write lock: the square keeps posting meanwhile) and
    store each in place of what was stored for it (a write per day); the accounts per day."""
    stamp = now or utcnow()
    done: dict[date, int] = {}
    for first, end in _runs(days):
        found = _count(db, first, end)
        for i in range((end - first).days):
            day = first + timedelta(days=i)
            rows = found.get(day, [])
            with db.write() as conn:
                conn.execute(delete(index_daily).where(index_daily.c.day == day))
                if rows:
                    fast.insert_many(conn, index_daily, _COLUMNS, rows)
                conn.execute(upsert.insert(conn, index_days).values(day=day, computed_at=stamp, accounts=len(rows))
                             .on_conflict_do_update(index_elements=[index_days.c.day],
                                                    set_={"computed_at": stamp, "accounts": len(rows)}))
                conn.execute(delete(index_recount).where(index_recount.c.day == day))
            done[day] = len(rows)
    return done


def missing_days(conn: Connection, first: date, end: date) -> list[date]:
    """The days of ``[first, end)`` not computed yet."""
    done = {row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
            for row in conn.execute(select(index_days.c.day).where(index_days.c.day >= first,
                                                                   index_days.c.day < end))}
    return [first + timedelta(days=i) for i in range((end - first).days) if first + timedelta(days=i) not in done]


def compute_days(db: Database, first: date, end: date, *, now: datetime | None = None,
                 only_missing: bool = False, recent: int = RECOMPUTE_DAYS, recount: bool = False) -> list[date]:
    """Compute the days of ``[first, end)`` up to today (today as it stands so far). The journal
    is folded first (:mod:`plaza.index.kept`): a day kept whole since keeping began is then done,
    and only marked; the others are counted from the square's rows — with ``only_missing`` only
    those not computed yet and the last ``recent`` ones (late answers) —, and so is a day the
    journal asked to count again, once it is over. ``recount``: count every day from its rows."""
    from plaza.index import kept

    moment = now or utcnow()
    today = moment.astimezone(BEIJING).date()
    end = min(end, today + timedelta(days=1))
    days = [first + timedelta(days=i) for i in range(max(0, (end - first).days))]
    kept.fold(db, now=moment)
    kept.prune(db, now=moment)
    with db.read() as conn:
        since = kept.since_id(conn)
        asked = kept.recount_days(conn)
        missing = set(missing_days(conn, first, end)) if only_missing else set(days)
    whole = {d for d in days if kept.keeps(d, since)} if not recount else set()
    counted = [d for d in days if d not in whole and (d in missing or (today - d).days < recent or not only_missing)]
    counted += [d for d in days if d in whole and d in asked and day_bounds(d)[1] <= moment]
    _compute(db, sorted(set(counted)), now=now)
    _mark(db, [d for d in days if d in whole and d not in counted], now=moment)
    return days


_ROWS_OF_DAY = text("SELECT COUNT(*) FROM index_daily WHERE day = :day")


def _mark(db: Database, days: list[date], *, now: datetime) -> None:
    """Kept days: computed as they stand (the accounts with counts)."""
    if not days:
        return
    with db.write() as conn:
        for day in days:
            accounts = int(conn.execute(_ROWS_OF_DAY, {"day": day}).scalar_one())
            conn.execute(upsert.insert(conn, index_days).values(day=day, computed_at=now, accounts=accounts)
                         .on_conflict_do_update(index_elements=[index_days.c.day],
                                                set_={"computed_at": now, "accounts": accounts}))
