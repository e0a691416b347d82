"""Hot search's history in the database (热搜历史): the lists refreshes published, each topic's
long-term record on each list, and administrators' actions on hot search.

**Lists.** ``HotHistory.record`` stores the lists of one refresh in one transaction, and only
those that changed since the list was last stored: a different ranking (topics or their order),
or an entry whose heat moved by more than the list's tolerance from the stored heat (any change
on the national list; ``CITY_HEAT_TOLERANCE`` on a city's, whose heats otherwise change with
every refresh as they decay). A list that disappears is stored once as an empty list. Each list
is compact JSON (``[["topic", heat], …]``, rank = position). Stored lists are kept
``NATIONAL_RETENTION_SECONDS`` (national) or ``CITY_RETENTION_SECONDS`` (cities); the newest
stored list of each list is kept whatever its age, as the next refresh compares with it.

**Records.** Each stored list carries the records of the topics it touches forward
(``plaza.hot.curves.advance``): first and last time on the list, seconds on it, best rank, peak
heat and half-life, so these outlive the stored lists. Figures follow the stored sequence: exact
for the national list, within the tolerance for a city's.

Several processes may refresh (Redis): each stores what it refreshed; the transaction holds the
database's write lock (SQLite) or an advisory lock (PostgreSQL), and a refresh older than what
is stored for a list is dropped for that list.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, delete, exists, insert, select, text, update

from plaza.hot.curves import CurvePoint, TopicRecord, advance, heat_curve
from plaza.hot.lists import LIST_SIZE, HotSnapshot, RankedList
from plaza.storage import fast
from plaza.storage.ids import new_id
from plaza.storage.schema import hot_admin_actions, hot_list_heads, hot_lists, hot_topic_records

if TYPE_CHECKING:
    from plaza.storage.db import Database

__all__ = [
    "ADMIN_ACTIONS",
    "CITY_HEAT_TOLERANCE",
    "CITY_RETENTION_SECONDS",
    "NATIONAL",
    "NATIONAL_HEAT_TOLERANCE",
    "NATIONAL_RETENTION_SECONDS",
    "AdminAction",
    "HotHistory",
    "StoredEntry",
    "StoredList",
    "list_key",
]

#: The list key of the national list (a city's is its 6-digit code).
NATIONAL = "national"
#: How long stored national lists are kept.
NATIONAL_RETENTION_SECONDS = 30 * 86400.0
#: How long stored city lists are kept.
CITY_RETENTION_SECONDS = 7 * 86400.0
#: Relative heat change from the stored heat that makes a list worth storing again.
NATIONAL_HEAT_TOLERANCE = 0.0
CITY_HEAT_TOLERANCE = 0.05
#: Seconds (of refresh time) between two prunings of old lists.
PRUNE_SECONDS = 3600.0
#: What administrators do to hot search, as ``hot_admin_actions.action`` records it.
ADMIN_ACTIONS = (
    "pin", "unpin", "block_topic", "unblock_topic", "block_keyword", "unblock_keyword",
    "review_on", "review_off", "approve", "reject", "refresh",
)
#: Rows per ``IN (…)`` list.
_CHUNK = 500
#: PostgreSQL advisory lock serialising the writers of the history.
_PG_LOCK = 0x706C617A61686F74  # "plazahot"


def list_key(city: str | None) -> str:
    return NATIONAL if city is None else city


def _city(key: str) -> str | None:
    return None if key == NATIONAL else key


@dataclass(frozen=True, slots=True)
class StoredEntry:
    rank: int
    topic: str
    heat: int


@dataclass(frozen=True, slots=True)
class StoredList(RankedList):
    """One list as stored: enough for curves and records (labels and counters are not kept)."""

    city: str | None
    refreshed_at: float
    entries: tuple[StoredEntry, ...]

    @classmethod
    def of(cls, snapshot: HotSnapshot) -> StoredList:
        return cls(snapshot.city, snapshot.refreshed_at,
                   tuple(StoredEntry(e.rank, e.topic, e.heat) for e in snapshot.entries))

    def encode(self) -> str:
        return json.dumps([[e.topic, e.heat] for e in self.entries], ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def decode(cls, city: str | None, refreshed_at: float, raw: str) -> StoredList:
        return cls(city, refreshed_at, tuple(
            StoredEntry(rank, str(topic), int(heat))
            for rank, (topic, heat) in enumerate(json.loads(raw), start=1)))


def changed(stored: StoredList, current: StoredList, tolerance: float) -> bool:
    """Whether ``current`` is worth storing after ``stored``: another ranking, or a heat that
    moved by more than ``tolerance`` of the stored heat."""
    if len(stored.entries) != len(current.entries):
        return True
    for before, now in zip(stored.entries, current.entries, strict=True):
        if before.topic != now.topic:
            return True
        if abs(now.heat - before.heat) > tolerance * max(before.heat, 1):
            return True
    return False


@dataclass(frozen=True, slots=True)
class AdminAction:
    """One administrator's action on hot search: ``at`` (UNIX time), who (``account_id``; None
    when the account is gone or the action came from the command line), what (one of
    ``ADMIN_ACTIONS``), on which topic key or keyword, for which list (``city``), and the note."""

    id: int
    at: float
    account_id: int | None
    action: str
    topic: str | None
    city: str | None
    note: str


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _record(row: Any) -> TopicRecord:
    return TopicRecord(row.topic, _city(row.list_key), row.first_onboard_at, row.last_seen_at,
                       row.seconds_on_list, row.peak_rank, row.peak_heat, row.peak_at,
                       row.half_life_seconds)


def _values(record: TopicRecord) -> tuple[Any, ...]:
    """A record's columns in the order of ``_RECORD_COLUMNS``."""
    return (record.first_onboard_at, record.last_seen_at, record.seconds_on_list,
            record.peak_rank, record.peak_heat, record.peak_at, record.half_life)


# Records are read and written for every topic of every stored list at each refresh: on the
# driver (plaza.storage.fast), as SQLAlchemy's per-row work would cost more than the database's.
_RECORD_COLUMNS = ("first_onboard_at", "last_seen_at", "seconds_on_list", "peak_rank",
                   "peak_heat", "peak_at", "half_life_seconds")
_RECORDS = fast.Sql(f"SELECT topic, {', '.join(_RECORD_COLUMNS)} FROM hot_topic_records "
                    "WHERE list_key = ? AND topic IN ({in})")
_INSERT_RECORD = fast.Sql(f"INSERT INTO hot_topic_records ({', '.join(_RECORD_COLUMNS)}, topic, "
                          f"list_key) VALUES ({', '.join('?' * (len(_RECORD_COLUMNS) + 2))})")
_UPDATE_RECORD = fast.Sql("UPDATE hot_topic_records SET "
                          + ", ".join(f"{c} = ?" for c in _RECORD_COLUMNS)
                          + " WHERE topic = ? AND list_key = ?")
#: ``advance``'s rule for topics off a full list, for every record of the list still waiting
#: for its half-life (the topics of the list's last two stored rankings are done in Python)
_HALVED = fast.Sql("UPDATE hot_topic_records SET half_life_seconds = ? - peak_at "
                   "WHERE list_key = ? AND half_life_seconds IS NULL AND last_seen_at < ? "
                   "AND peak_at < ? AND peak_heat >= ?")


#: a stored list that is its list's newest
_IS_HEAD = and_(hot_list_heads.c.list_key == hot_lists.c.list_key,
                hot_list_heads.c.refreshed_at == hot_lists.c.refreshed_at)


class HotHistory:
    """The history tables of one database. ``record`` runs in a thread, never on the event loop
    (``HotService`` sees to it); reading is plain queries."""

    def __init__(self, db: Database) -> None:
        self.db = db
        #: the newest stored list of each list as this process last knew it (checked against
        #: ``hot_list_heads`` before use: another process may have stored since)
        self._heads: dict[str, StoredList] = {}
        self._lock = threading.Lock()
        self._last_prune = -math.inf

    # --- storing a refresh -----------------------------------------------------------------

    def record(self, lists: Sequence[HotSnapshot]) -> int:
        """Store the lists of one refresh that changed, and carry their topics' records
        forward; returns how many lists were stored."""
        if not lists:
            return 0
        at = max(s.refreshed_at for s in lists)
        current = {list_key(s.city): StoredList.of(s) for s in lists}
        with self._lock, self.db.write() as conn:
            if not self.db.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            heads = {k: float(t) for k, t in conn.execute(
                select(hot_list_heads.c.list_key, hot_list_heads.c.refreshed_at))}
            previous = self._previous(conn, heads)
            for key in heads.keys() - current.keys():  # a list that is no more: stored empty
                current[key] = StoredList(_city(key), at, ())
            stored: list[tuple[str, StoredList | None, StoredList]] = []
            for key, now in sorted(current.items()):
                before = previous.get(key)
                if key in heads and heads[key] >= now.refreshed_at:
                    continue  # a newer refresh of this list is stored already
                if before is None and not now.entries:
                    continue
                tolerance = NATIONAL_HEAT_TOLERANCE if key == NATIONAL else CITY_HEAT_TOLERANCE
                if before is not None and not changed(before, now, tolerance):
                    continue
                stored.append((key, before, now))
            if stored:
                self._store(conn, heads, stored)
            if at - self._last_prune >= PRUNE_SECONDS:
                self.prune(at, conn)
                self._last_prune = at
        for key, _before, now in stored:
            self._heads[key] = now
        return len(stored)

    def _previous(self, conn: Connection, heads: dict[str, float]) -> dict[str, StoredList]:
        """The newest stored list of each list, from this process's copy where it is current."""
        stale = [k for k, t in heads.items() if k not in self._heads
                 or self._heads[k].refreshed_at != t]
        for start in range(0, len(stale), _CHUNK):
            chunk = stale[start:start + _CHUNK]
            rows = conn.execute(
                select(hot_lists.c.list_key, hot_lists.c.refreshed_at, hot_lists.c.entries)
                .join(hot_list_heads, _IS_HEAD)
                .where(hot_lists.c.list_key.in_(chunk)))
            for key, refreshed_at, raw in rows:
                self._heads[key] = StoredList.decode(_city(key), float(refreshed_at), raw)
        for key in [k for k in self._heads if k not in heads]:
            del self._heads[key]
        return {k: self._heads[k] for k in heads if k in self._heads
                and self._heads[k].refreshed_at == heads[k]}

    def _store(self, conn: Connection, heads: dict[str, float],
               stored: list[tuple[str, StoredList | None, StoredList]]) -> None:
        conn.execute(insert(hot_lists), [
            {"list_key": key, "refreshed_at": now.refreshed_at, "entries": now.encode()}
            for key, _before, now in stored])
        moved = [{"b_key": key, "b_at": now.refreshed_at}
                 for key, _b, now in stored if key in heads]
        if moved:
            conn.execute(update(hot_list_heads)
                         .where(hot_list_heads.c.list_key == bindparam("b_key"))
                         .values(refreshed_at=bindparam("b_at")), moved)
        new = [{"list_key": key, "refreshed_at": now.refreshed_at}
               for key, _b, now in stored if key not in heads]
        if new:
            conn.execute(insert(hot_list_heads), new)
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        halved: list[tuple[Any, ...]] = []
        for key, before, now in stored:
            city = _city(key)
            known = self._records(conn, key, before, now)
            for topic in {*now.topics(), *(before.topics() if before is not None else ())}:
                old = known.get(topic)
                record = advance(old, topic, before, now, city)
                if record is None or record == old:
                    continue
                (inserts if old is None else updates).append((*_values(record), topic, key))
            if len(now.entries) >= LIST_SIZE:
                t = now.refreshed_at
                halved.append((t, key, t, t, now.entries[-1].heat * 2))
        if inserts:
            fast.execute_many(conn, _INSERT_RECORD, inserts)
        if updates:
            fast.execute_many(conn, _UPDATE_RECORD, updates)
        if halved:  # after the updates: the topics listed now are last seen now
            fast.execute_many(conn, _HALVED, halved)

    def _records(self, conn: Connection, key: str, before: StoredList | None,
                 now: StoredList) -> dict[str, TopicRecord]:
        """The records of the topics on ``now`` or on ``before``."""
        topics = sorted({*now.topics(), *(before.topics() if before is not None else ())})
        found: dict[str, TopicRecord] = {}
        for start in range(0, len(topics), _CHUNK):
            for row in fast.fetch(conn, _RECORDS, key, topics[start:start + _CHUNK]):
                found[row[0]] = TopicRecord(row[0], _city(key), *row[1:])
        return found

    def prune(self, now: float, conn: Connection | None = None) -> int:
        """Delete stored lists past their retention (never a list's newest); returns how many."""
        if conn is None:
            with self.db.write() as conn:
                return self.prune(now, conn)
        newest = exists().where(_IS_HEAD)
        national = conn.execute(delete(hot_lists).where(
            hot_lists.c.list_key == NATIONAL,
            hot_lists.c.refreshed_at < now - NATIONAL_RETENTION_SECONDS, ~newest)).rowcount
        cities = conn.execute(delete(hot_lists).where(
            hot_lists.c.list_key != NATIONAL,
            hot_lists.c.refreshed_at < now - CITY_RETENTION_SECONDS, ~newest)).rowcount
        return int(national or 0) + int(cities or 0)

    # --- reading ---------------------------------------------------------------------------

    def lists(self, city: str | None, since: float | None = None, until: float | None = None,
              topic: str | None = None) -> list[StoredList]:
        """Stored lists of one list, oldest first; with ``topic`` only those listing it."""
        query = (select(hot_lists.c.refreshed_at, hot_lists.c.entries)
                 .where(hot_lists.c.list_key == list_key(city))
                 .order_by(hot_lists.c.refreshed_at))
        if since is not None:
            query = query.where(hot_lists.c.refreshed_at >= since)
        if until is not None:
            query = query.where(hot_lists.c.refreshed_at <= until)
        if topic is not None:  # a cheap filter before decoding (LIKE ignores ASCII case on SQLite)
            encoded = json.dumps(topic, ensure_ascii=False)
            query = query.where(hot_lists.c.entries.contains(f"[{encoded},", autoescape=True))
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        found = [StoredList.decode(city, float(at), raw) for at, raw in rows]
        return [s for s in found if s.entry(topic) is not None] if topic is not None else found

    def newest(self, city: str | None) -> StoredList | None:
        """The newest stored list of one list."""
        key = list_key(city)
        with self.db.read() as conn:
            row = conn.execute(
                select(hot_lists.c.refreshed_at, hot_lists.c.entries)
                .join(hot_list_heads, _IS_HEAD)
                .where(hot_lists.c.list_key == key)).first()
        return StoredList.decode(city, float(row[0]), row[1]) if row is not None else None

    def topic_record(self, topic: str, city: str | None = None) -> TopicRecord | None:
        with self.db.read() as conn:
            row = conn.execute(select(hot_topic_records).where(
                hot_topic_records.c.topic == topic,
                hot_topic_records.c.list_key == list_key(city))).first()
        return _record(row) if row is not None else None

    def curve(self, topic: str, city: str | None = None, since: float | None = None,
              until: float | None = None) -> list[CurvePoint]:
        """(time, heat, rank) at every stored list that listed the topic, oldest first."""
        if since is None:
            record = self.topic_record(topic, city)
            if record is None:
                return []
            since = record.first_onboard_at
        return heat_curve(self.lists(city, since, until, topic), topic)

    # --- administrators' actions -----------------------------------------------------------

    def log_action(self, at: float, account_id: int | None, action: str, *,
                   topic: str | None = None, city: str | None = None, note: str = "") -> int:
        """Append one administrator's action; returns its id."""
        if action not in ADMIN_ACTIONS:
            raise ValueError(f"not an administrator's action: {action!r}")
        action_id = new_id()
        with self.db.write() as conn:
            conn.execute(insert(hot_admin_actions).values(
                id=action_id, at=datetime.fromtimestamp(at, UTC), account_id=account_id,
                action=action, topic=topic, city=city, note=note))
        return action_id

    def actions(self, limit: int = 50, before: int | None = None) -> list[AdminAction]:
        """Administrators' actions, newest first; ``before`` pages on (ids below it)."""
        table = hot_admin_actions
        query = select(table).order_by(table.c.id.desc()).limit(max(1, limit))
        if before is not None:
            query = query.where(table.c.id < before)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [AdminAction(int(r.id), _aware(r.at).timestamp(), r.account_id, r.action, r.topic,
                            r.city, r.note) for r in rows]

