"""The one writer behind every import: accounts and posts read by :mod:`.weibo`, :mod:`.mastodon`
or :mod:`.csvfile`, written in chunks — each chunk (5,000 posts by default) one transaction of
batched plain-SQL inserts on the driver (:mod:`plaza.storage.fast`; on SQLite many rows per
INSERT, :func:`_insert_rows`), so a failure leaves whole chunks and every account's counts true
to its rows. Posts are read ahead (:data:`READ_AHEAD`) and written oldest first, so a chunk's
rows fall in a narrow stretch of every index ordered by id instead of all over it (a crawler's
file spans its account's whole history).

What is written: the account (``accounts`` + ``imported_accounts``: created once, found again by
origin and origin id; an author first seen through a repost is completed when its own profile
comes), each post (``statuses`` + ``imported_statuses``) with its counters as the source counted
them, its topics (``status_topics``, public for public posts: the index's hot-event response rate
reads them) and its mentions of accounts that exist (names unknown when the post is written are
tried again at the end). A repost is a ``statuses`` row pointing at its original, carrying the
reposter's comment as its text and the original's topics as native reposts do. Imported posts
get no search documents, no home-feed rows, no notifications and no hot-search counts: they are
history for the evaluation index, not news.

Importing again finds every account and post by its origin id: counters are set to the newer
figures (``posts_updated``), nothing is duplicated, and the text is kept as first imported (a
post's HTML is cached once written).
"""

from __future__ import annotations

import random
import sqlite3
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Connection, Table

from plaza.clock import utcnow
from plaza.index import kept
from plaza.index.imports.profiles import level_of
from plaza.index.imports.records import Account, BadRecord, Note, Post, Skip
from plaza.square import accounts as square_accounts
from plaza.square import posts as square_posts
from plaza.square import text as square_text
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import accounts, imported_accounts, imported_statuses, mentions, status_topics, statuses

#: Posts per transaction: large enough for batched inserts to pay, small enough that a chunk's
#: rows and lookups stay a few megabytes.
CHUNK = 5_000
#: Posts read before a chunk is written, then written in time order: the fewer a transaction's
#: rows are spread over the tables' pages, the fewer pages it writes (on SQLite, at 5,000 posts
#: a chunk, an import's commits write a third of the pages they did in reading order).
READ_AHEAD = 50_000
#: Skipped records and notes kept for the report (the rest are counted by reason).
MAX_LISTED = 100_000
#: Display-name suffix of an imported account whose name another account has, per origin.
ORIGIN_LABELS = {"weibo": "微博", "mastodon": "Mastodon", "csv": "导入"}

#: SQLite's page cache while a chunk is written (KiB).
SQLITE_CHUNK_CACHE_KB = 65_536

Progress = Callable[[int, int], None]


@dataclass
class Report:
    """What an import did: accounts and posts created, updated (newer counters) and unchanged;
    records skipped and things to check, each with where it was; how long it took."""

    origin: str
    accounts_created: int = 0
    accounts_updated: int = 0
    accounts_unchanged: int = 0
    posts_created: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    files: int = 0
    #: inputs (files, archives) that could not be read at all
    unreadable: int = 0
    skipped: list[Skip] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        """Accounts and posts written or found again: nothing at all means the input was unusable."""
        return (self.accounts_created + self.accounts_updated + self.accounts_unchanged + self.posts_created
                + self.posts_updated + self.posts_unchanged)

    @property
    def posts(self) -> int:
        return self.posts_created + self.posts_updated + self.posts_unchanged

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped_by_reason.values())

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds > 0 else 0.0

    def skip(self, item: Skip) -> None:
        self.skipped_by_reason[item.reason] += 1
        if item.reason == "unreadable_file":
            self.unreadable += 1
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append(item)

    def note(self, item: Note) -> None:
        if len(self.notes) < MAX_LISTED:
            self.notes.append(item)


@dataclass(frozen=True, slots=True)
class Tick:
    """How far the reader has come, in the units of the import's total (bytes, records)."""

    done: int
    total: int


Item = Account | Post | Skip | Note | Tick

# --- statements --------------------------------------------------------------------------------

_ACCOUNTS_BY_ORIGIN = fast.Sql(
    "SELECT i.origin_id, i.account_id, i.verified_type, i.followers_count, a.home_city "
    "FROM imported_accounts i JOIN accounts a ON a.id = i.account_id "
    "WHERE i.origin = ? AND i.origin_id IN ({in})")
_NAME_TAKEN = fast.Sql("SELECT 1 FROM accounts WHERE username_key = ? OR display_name_key = ? LIMIT 1")
_POSTS_BY_ORIGIN = fast.Sql(
    "SELECT i.origin_id, i.status_id, s.account_id, s.visibility, s.replies_count, s.reblogs_count, "
    "s.favourites_count, i.reads_count FROM imported_statuses i JOIN statuses s ON s.id = i.status_id "
    "WHERE i.origin = ? AND i.origin_id IN ({in})")
_IDS_TAKEN = fast.Sql("SELECT id FROM statuses WHERE id IN ({in})")
_REPOSTED = fast.Sql("SELECT reblog_of_id, account_id FROM statuses WHERE reblog_of_id IN ({in})")
_TOPICS_OF = fast.Sql("SELECT status_id, topic_id FROM status_topics WHERE status_id IN ({in})")
#: The columns an imported post sets (the rest take their defaults: no place, never edited).
_STATUS_COLUMNS = ("id", "account_id", "text", "spoiler_text", "sensitive", "visibility", "language",
                   "in_reply_to_id", "in_reply_to_account_id", "reblog_of_id", "city", "replies_count",
                   "reblogs_count", "favourites_count", "created_at")
_IMPORTED_COLUMNS = ("status_id", "origin", "origin_id", "reads_count", "imported_at")
_FILL_PROFILE = fast.Sql(
    "UPDATE accounts SET kind = ?, home_city = ?, agency = ?, region_code = ?, level = ?, department_type = ?, "
    "verified_at = ?, note = ?, followers_count = ?, updated_at = ? WHERE id = ?")
_UPDATE_FOLLOWERS = fast.Sql("UPDATE accounts SET followers_count = ? WHERE id = ?")
_UPDATE_MARKS = fast.Sql(
    "UPDATE imported_accounts SET followers_count = ?, verified_type = ?, imported_at = ? WHERE account_id = ?")
#: The columns an imported account sets (the rest stay empty: no avatar, no parent, no post yet).
_ACCOUNT_COLUMNS = ("id", "username", "username_key", "display_name", "display_name_key", "note", "locale", "email",
                    "password_hash", "role", "approved", "suspended", "bot", "organisation_type", "followers_count",
                    "following_count", "statuses_count", "pull_feed", "created_at", "updated_at", "kind",
                    "home_city", "agency", "region_code", "level", "department_type", "verified_at")
_IMPORTED_ACCOUNT_COLUMNS = ("account_id", "origin", "origin_id", "followers_count", "verified_type", "imported_at")
_MENTIONED = fast.Sql("SELECT status_id, account_id FROM mentions WHERE status_id IN ({in})")
_UPDATE_COUNTS = fast.Sql(
    "UPDATE statuses SET replies_count = ?, reblogs_count = ?, favourites_count = ? WHERE id = ?")
_UPDATE_COUNTS_PG = fast.Sql(
    "UPDATE statuses SET replies_count = v.r, reblogs_count = v.b, favourites_count = v.f "
    "FROM unnest(?::bigint[], ?::int[], ?::int[], ?::int[]) AS v(id, r, b, f) WHERE statuses.id = v.id")
# the index's journal (migration 0026): kind 8, "count the day of this id again"
_COUNT_DAY_AGAIN = fast.Sql(
    "INSERT INTO index_journal (kind, account_id, at, ref, a, b, sign) VALUES (8, NULL, ?, NULL, 0, 0, 1)")


def _one_per_day(status_ids: list[int]) -> list[int]:
    """One id of each Beijing day ``status_ids`` fall on."""
    found: dict[int, int] = {}
    for status_id in status_ids:
        found.setdefault(kept.day_number(status_id), status_id)
    return list(found.values())


_UPDATE_READS = fast.Sql("UPDATE imported_statuses SET reads_count = ? WHERE status_id = ?")
_UPDATE_READS_PG = fast.Sql(
    "UPDATE imported_statuses SET reads_count = v.n FROM unnest(?::bigint[], ?::bigint[]) AS v(id, n) "
    "WHERE imported_statuses.status_id = v.id")
# An imported account's posts are counted as they are written, like a native account's.
_COUNT_POSTS = fast.Sql(
    "UPDATE accounts SET statuses_count = statuses_count + ?, last_status_at = "
    "CASE WHEN last_status_at IS NULL OR last_status_at < ? THEN ? ELSE last_status_at END WHERE id = ?")


def _clean_display_name(name: str) -> str:
    """A source's screen name as a display name may be: no @ or #, no control or odd spaces."""
    name = unicodedata.normalize("NFC", name or "").strip()
    kept = "".join(c for c in name if c not in "@#" and (unicodedata.category(c)[0] not in "CZ" or c == " "))
    return " ".join(kept.split())[:30]


def _no_nul(text: str) -> str:
    """PostgreSQL's text holds no NUL character (a source's stray one would fail the chunk)."""
    return text.replace("\x00", "") if "\x00" in text else text


def _in_time_order(posts: list[Post], chunk: int) -> list[list[Post]]:
    """Posts read, a post read twice once (an original also reposted: the last read wins), cut
    into chunks: originals first (a repost's row points at its original's), each part oldest
    first (a reply's parent is written before it)."""
    latest: dict[str, Post] = {}
    for post in posts:
        latest[post.origin_id] = post
    by_time = attrgetter("created_at")
    ordered = (sorted((p for p in latest.values() if p.repost_of is None), key=by_time)
               + sorted((p for p in latest.values() if p.repost_of is not None), key=by_time))
    return [ordered[start:start + chunk] for start in range(0, len(ordered), chunk)]


def _new_ids(posts: list[Post], stamp: Callable[[datetime], Any]) -> tuple[list[int], list[Any]]:
    """Each post's id, made for its time, and its time as that id has it (``stamp``: as rows store
    it). Within a second that the source gives no finer, a post is given a millisecond of its own
    (posts of one second by many accounts are common) and its stored time is the id's, so ids
    and times order alike."""
    worker = _worker_bits()
    used: set[int] = set()
    ids: list[int] = []
    stored_at: list[Any] = []
    crc32, millis = zlib.crc32, _MILLISECONDS
    for post in posts:
        at = post.created_at
        ms = int(at.timestamp() * 1000)
        if ms % 1000 == 0:
            extra = crc32(post.origin_id.encode("utf-8")) % 1000
            ms += extra
            at += millis[extra]
        ids.append(_unused_id(ms, used, worker))
        stored_at.append(stamp(at))
    return ids, stored_at


#: An id's worker bits (:mod:`plaza.storage.ids`: 48 bits of time, 6 of worker, 10 of sequence).
_WORKER_MASK = 0x3F << 10


def _worker_bits() -> int:
    """This process's worker bits, read from an id made now: a chunk's ids are made as
    ``new_id`` back-dates one — the millisecond, these bits, a sequence number — with a random
    sequence number each (``new_id`` would read the system's random source for each id)."""
    return new_id() & _WORKER_MASK


def _unused_id(ms: int, used: set[int], worker: int) -> int:
    """A new id of the millisecond ``ms`` that is not in ``used`` (then it is)."""
    while True:
        status_id = ms << 16 | worker | random.getrandbits(10)
        if status_id not in used:
            used.add(status_id)
            return status_id


def _sqlite_time(at: datetime) -> str:
    """A time as SQLAlchemy's SQLite DATETIME stores it (its fields, without the offset, to the
    microsecond), made as the row is."""
    return at.isoformat(" ", "microseconds")[:26]


_MILLISECONDS = [timedelta(milliseconds=n) for n in range(1000)]


def _as_is(at: datetime) -> datetime:
    """A time as PostgreSQL's driver takes it."""
    return at


_SECOND = itemgetter(1)  # a topic link's post

#: Values of a list parameter per statement: well within SQLite's smallest limit (32,766).
_IN_SLICE = 10_000


def _fetch_in(conn: Connection, sql: fast.Sql, *params: Any) -> list[tuple[Any, ...]]:
    """:func:`fast.fetch` with its one list parameter (the last) sent in slices."""
    *head, values = params
    if len(values) <= _IN_SLICE:
        return fast.fetch(conn, sql, *params)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), _IN_SLICE):
        rows.extend(fast.fetch(conn, sql, *head, values[start:start + _IN_SLICE]))
    return rows


def _insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows made in the driver's form (times on SQLite as :func:`_sqlite_time` makes them):
    on PostgreSQL with COPY (:func:`fast.insert_many`); on SQLite a thousand rows a statement.

    Why not executemany on SQLite: a statement that fires triggers (the index's journal, on
    ``statuses``, ``imported_statuses`` and ``mentions``) keeps a statement journal, a copy of
    each page it changes, so that it can be undone alone; run once per row, it copies every page
    a row touches for every row — half the insert's time. One statement for many rows copies each
    page once."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        fast.insert_many(conn, table, columns, rows)
        return
    driver = conn.connection.dbapi_connection
    assert driver is not None
    per = max(1, min(_SQLITE_ROWS, driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns)))
    cursor = driver.cursor()
    try:
        for start in range(0, len(rows), per):
            part = rows[start:start + per]
            cursor.execute(_values_sql(table.name, tuple(columns), len(part)), list(chain.from_iterable(part)))
    finally:
        cursor.close()


#: Rows per INSERT on SQLite (fewer where the build allows fewer variables).
_SQLITE_ROWS = 1_000


@lru_cache(maxsize=64)
def _values_sql(table: str, columns: tuple[str, ...], rows: int) -> str:
    one = f"({', '.join('?' * len(columns))})"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}"


@contextmanager
def _page_cache(conn: Connection) -> Iterator[None]:
    """On SQLite a chunk's writes land all over the statuses' indexes: with the connection's usual
    page cache (4 MB) they spill and are read again; 64 MB for the chunk, then as it was."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CHUNK_CACHE_KB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={before}")


@dataclass
class _Created:
    """The accounts a chunk makes, written together once its accounts are all seen."""

    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    imported: list[tuple[Any, ...]] = field(default_factory=list)
    #: their username and display-name keys (no other account may take them)
    keys: set[str] = field(default_factory=set)


class Writer:
    """Takes an importer's items one by one (:meth:`add`) and writes them a chunk at a time;
    :meth:`finish` writes the rest and returns the :class:`Report`."""

    def __init__(self, db: Database, origin: str, *, default_city: str, chunk: int = CHUNK,
                 progress: Progress | None = None) -> None:
        self.db = db
        self.origin = origin
        self.default_city = default_city
        self.chunk = chunk
        self.read_ahead = max(chunk, READ_AHEAD)
        self.progress = progress
        self.report = Report(origin)
        self._started = time.perf_counter()
        self._accounts: dict[str, Account] = {}
        self._posts: list[Post] = []
        #: accounts of this import: origin id → (account id, home city)
        self._known: dict[str, tuple[int, str]] = {}
        #: accounts whose profile this import has applied (or found applied)
        self._profiled: set[str] = set()
        #: mentions of names (or origin ids) no account had when their post was written
        self._pending_names: list[tuple[int, str]] = []
        self._pending_refs: list[tuple[int, str]] = []
        self._tick: Tick | None = None
        self._topic_keys: dict[str, str] = {}

    # --- feeding ---------------------------------------------------------------------------

    def add(self, item: Item) -> None:
        if isinstance(item, Post):
            self._posts.append(item)
            if len(self._posts) >= self.read_ahead:
                self.flush()
        elif isinstance(item, Account):
            held = self._accounts.get(item.origin_id)
            if held is None or not held.known or item.known:
                self._accounts[item.origin_id] = item  # a profile wins over a mere name
            if len(self._accounts) >= self.read_ahead:
                self.flush()
        elif isinstance(item, Skip):
            self.report.skip(item)
        elif isinstance(item, Note):
            self.report.note(item)
        elif isinstance(item, Tick):
            self._tick = item

    def add_all(self, items: Iterable[Item]) -> None:
        add, posts = self.add, self._posts
        for item in items:
            if type(item) is Post and len(posts) < self.read_ahead - 1:  # most items: add's first case
                posts.append(item)
            else:
                add(item)
                posts = self._posts

    def flush(self) -> None:
        """Write what has been read: its accounts, then its posts a chunk per transaction."""
        if not self._accounts and not self._posts:
            return
        found_accounts, posts = self._accounts, self._posts
        self._accounts, self._posts = {}, []
        chunks = _in_time_order(posts, self.chunk)
        for number, chunk in enumerate(chunks or [[]]):
            # An error here ends the import: the chunk is rolled back whole.
            with self.db.write() as conn, _page_cache(conn):
                if number == 0:
                    self._write_accounts(conn, found_accounts)
                self._write_posts(conn, chunk)
            if self.progress is not None and self._tick is not None:
                self.progress(self._tick.done, self._tick.total)

    def finish(self) -> Report:
        self.flush()
        self._resolve_pending()
        if self.progress is not None and self._tick is not None:
            self.progress(self._tick.total, self._tick.total)
        self.report.seconds = time.perf_counter() - self._started
        return self.report

    # --- accounts --------------------------------------------------------------------------

    def _write_accounts(self, conn: Connection, found: dict[str, Account]) -> None:
        wanted = [a for key, a in found.items()
                  if key not in self._profiled and not (not a.known and key in self._known)]
        if not wanted:
            return
        now = utcnow()
        existing = {row[0]: row for row in _fetch_in(conn, _ACCOUNTS_BY_ORIGIN, self.origin,
                                                      [a.origin_id for a in wanted])}
        created = _Created()
        # Accounts found again: their profile (one first seen through a repost), their followers.
        profiles: list[tuple[Any, ...]] = []
        followed: list[tuple[int, int]] = []
        marks: list[tuple[Any, ...]] = []
        for account in wanted:
            row = existing.get(account.origin_id)
            if row is None:
                self._create_account(conn, account, now, created)
                continue
            _, account_id, verified_type, followers, home_city = row
            self._known[account.origin_id] = (int(account_id), home_city)
            if not account.known:  # a name only: nothing to update
                continue
            self._profiled.add(account.origin_id)
            if self.origin == "weibo" and verified_type is None:  # made from a repost: its profile now
                values = self._place(account)
                profiles.append((values["kind"], values["home_city"], values["agency"], values["region_code"],
                                 values["level"], values["department_type"],
                                 now if values["kind"] == "government" else None, _no_nul(account.note)[:500],
                                 account.followers_count, now, int(account_id)))
                marks.append((account.followers_count, account.verified_type, now, int(account_id)))
                self._known[account.origin_id] = (int(account_id), str(values["home_city"]))
                self.report.accounts_updated += 1
            elif followers != account.followers_count or verified_type != account.verified_type:
                followed.append((account.followers_count, int(account_id)))
                marks.append((account.followers_count, account.verified_type, now, int(account_id)))
                self.report.accounts_updated += 1
            else:
                self.report.accounts_unchanged += 1
        _insert_rows(conn, accounts, _ACCOUNT_COLUMNS, created.accounts)
        _insert_rows(conn, imported_accounts, _IMPORTED_ACCOUNT_COLUMNS, created.imported)
        fast.execute_many(conn, _FILL_PROFILE, profiles)
        fast.execute_many(conn, _UPDATE_FOLLOWERS, followed)
        fast.execute_many(conn, _UPDATE_MARKS, marks)

    def _place(self, account: Account) -> dict[str, Any]:
        """The account's place and government fields, the default city where none resolved."""
        p = account.profile
        values: dict[str, Any] = {"kind": p.kind, "home_city": p.home_city or self.default_city,
                                  "agency": None, "region_code": None, "level": None,
                                  "department_type": None, "verified_at": None}
        if p.kind == "government":
            region = p.region_code or self.default_city
            values.update(agency=_no_nul(p.agency or account.display_name)[:100], region_code=region,
                          level=p.level or level_of(region), department_type=p.department_type or "other")
        if account.known and account.unresolved_place is not None:
            self.report.note(Note(account.where, "place_unresolved",
                                  f"{account.display_name}: {account.unresolved_place or '-'} → {values['home_city']}"))
        return values

    @staticmethod
    def _free(conn: Connection, name: str, created: _Created) -> bool:
        """Whether no account has ``name`` as its username or display name (as people read it),
        the accounts of this chunk not written yet included."""
        key = square_accounts.display_name_key(name)
        return key not in created.keys and not fast.fetch(conn, _NAME_TAKEN, key, key)

    def _create_account(self, conn: Connection, account: Account, now: datetime, created: _Created) -> None:
        username = account.username[:30]
        n = 2
        while not self._free(conn, username, created):
            username = f"{account.username[:25]}_{n}"
            n += 1
        display = _clean_display_name(account.display_name) or username
        label = ORIGIN_LABELS.get(self.origin, self.origin)
        candidates = chain((display, f"{display[:29 - len(label)]}·{label}"),
                           (f"{display[:27 - len(label)]}·{label}{i}" for i in range(2, 100)))
        chosen = next((c for c in candidates if self._free(conn, c, created)), username)
        if chosen != display:
            self.report.note(Note(account.where, "display_name_taken", f"{display} → {chosen}"))
        values = self._place(account)
        stamp = _sqlite_time if conn.dialect.name == "sqlite" else _as_is
        at = stamp(now)
        account_id = new_id()
        username_key, display_key = square_accounts.username_key(username), square_accounts.display_name_key(chosen)
        created.accounts.append((
            account_id, username, username_key, chosen, display_key, _no_nul(account.note)[:500], "zh-CN", None,
            None, "user", True, False, False, None, account.followers_count, 0, 0, False, at, at, values["kind"],
            values["home_city"], values["agency"], values["region_code"], values["level"], values["department_type"],
            at if values["kind"] == "government" else None))
        created.imported.append((account_id, self.origin, account.origin_id, account.followers_count,
                                 account.verified_type, at))
        created.keys.update((username_key, display_key))
        self._known[account.origin_id] = (account_id, str(values["home_city"]))
        if account.known:
            self._profiled.add(account.origin_id)
        self.report.accounts_created += 1

    # --- posts -----------------------------------------------------------------------------

    def _write_posts(self, conn: Connection, posts: list[Post]) -> None:
        if not posts:
            return
        now = utcnow()
        latest: dict[str, Post] = {}
        for post in posts:  # one post twice in a chunk (an original also reposted): the last wins
            latest[post.origin_id] = post
        wanted = set(latest)
        authors = set()
        for post in latest.values():
            authors.add(post.account)
            if post.repost_of is not None:
                wanted.add(post.repost_of)
            if post.reply_to is not None:
                wanted.add(post.reply_to)
        missing_authors = authors - self._known.keys()
        if missing_authors:  # an importer always names its authors first; a guard, not a path
            self._known.update({row[0]: (int(row[1]), row[4]) for row in _fetch_in(
                conn, _ACCOUNTS_BY_ORIGIN, self.origin, list(missing_authors))})
        existing = {row[0]: row for row in _fetch_in(conn, _POSTS_BY_ORIGIN, self.origin, list(wanted))}

        counts: list[tuple[int, int, int, int]] = []
        reads: list[tuple[int, int]] = []
        fresh: list[Post] = []
        if not existing:  # none imported before (a first import): every post is new
            fresh = list(latest.values())
        else:
            for post in latest.values():
                row = existing.get(post.origin_id)
                if row is None:
                    fresh.append(post)
                    continue
                changed = False
                if (row[4], row[5], row[6]) != (post.replies, post.reblogs, post.favourites):
                    counts.append((post.replies, post.reblogs, post.favourites, int(row[1])))
                    changed = True
                if post.reads is not None and row[7] != post.reads:
                    reads.append((post.reads, int(row[1])))
                    changed = True
                if changed:
                    self.report.posts_updated += 1
                else:
                    self.report.posts_unchanged += 1
            self._update_counts(conn, counts, reads)
        if fresh:
            self._insert(conn, fresh, existing, now)

    def _insert(self, conn: Connection, fresh: list[Post], existing: dict[str, Any], now: datetime) -> None:
        sqlite = conn.dialect.name == "sqlite"
        stamp = _sqlite_time if sqlite else _as_is
        ids, stored_at = _new_ids(fresh, stamp)
        for _attempt in range(10):  # an id another post has (a back-dated millisecond shared): another
            taken = {int(row[0]) for row in _fetch_in(conn, _IDS_TAKEN, ids)}
            if not taken:
                break
            used, worker = set(ids) | taken, _worker_bits()
            ids = [_unused_id(status_id >> 16, used, worker) if status_id in taken else status_id
                   for status_id in ids]

        # What each new post's original and parent are, and who wrote them.
        where_is: dict[str, tuple[int, int, str]] = {}  # origin id → (status id, author id, visibility)
        for origin_id, row in existing.items():
            where_is[origin_id] = (int(row[1]), int(row[2]), row[3])
        reposted = set()
        originals = {existing[p.repost_of][1] for p in fresh if p.repost_of in existing}
        if originals:
            reposted = {(int(o), int(a)) for o, a in _fetch_in(conn, _REPOSTED, list(originals))}

        # Rows in the driver's form (on SQLite a time as text), made once: no pass over them again.
        rows: list[tuple[Any, ...]] = []
        imported: list[tuple[Any, ...]] = []
        tagged: list[tuple[Post, int]] = []  # posts that name topics themselves
        reposts: list[tuple[Post, int, int]] = []  # (repost, its id, its original's id)
        naming: list[tuple[Post, int]] = []  # posts that mention accounts
        posted: dict[int, list[Any]] = {}  # author → [posts, the latest's time]
        known, origin, skip, imported_at = self._known, self.origin, self.report.skip, stamp(now)
        for post, status_id, at in zip(fresh, ids, stored_at, strict=True):
            author = known.get(post.account)
            if author is None:
                skip(Skip(post.where, "no_author", post.account))
                continue
            author_id, home_city = author
            reblog_of = None
            if post.repost_of is not None:
                original = where_is.get(post.repost_of)
                if original is None:
                    skip(Skip(post.where, "original_missing", post.repost_of))
                    continue
                if (original[0], author_id) in reposted:
                    skip(Skip(post.where, "repost_twice", post.repost_of))
                    continue
                reposted.add((original[0], author_id))
                reblog_of = original[0]
            parent = where_is.get(post.reply_to) if post.reply_to is not None else None
            where_is[post.origin_id] = (status_id, author_id, post.visibility)
            text = post.text
            if "\x00" in text:
                text = text.replace("\x00", "")
            rows.append((status_id, author_id, text, _no_nul(post.spoiler_text)[:255] if post.spoiler_text else "",
                         bool(post.spoiler_text), post.visibility, post.language, parent[0] if parent else None,
                         parent[1] if parent else None, reblog_of, post.city or home_city,
                         post.replies, post.reblogs, post.favourites, at))
            imported.append((status_id, origin, post.origin_id, post.reads, imported_at))
            if post.topics:
                tagged.append((post, status_id))
            if reblog_of is not None:
                reposts.append((post, status_id, reblog_of))
            if post.mentions or post.mention_refs:
                naming.append((post, status_id))
            held = posted.get(author_id)
            if held is None:
                posted[author_id] = [1, post.created_at]
            else:
                held[0] += 1
                if post.created_at > held[1]:
                    held[1] = post.created_at
        if not rows:
            return
        # In the chunk's order: oldest first (the tables' B-trees written nearly in id order),
        # originals first (a repost's row points at its original's).
        _insert_rows(conn, statuses, _STATUS_COLUMNS, rows)
        _insert_rows(conn, imported_statuses, _IMPORTED_COLUMNS, imported)
        self._link_topics(conn, tagged, reposts, where_is, now)
        self._link_mentions(conn, naming)
        fast.execute_many(conn, _COUNT_POSTS, [(n, last, last, author_id)
                                               for author_id, (n, last) in sorted(posted.items())])
        self.report.posts_created += len(rows)

    def _update_counts(self, conn: Connection, counts: list[tuple[int, int, int, int]],
                       reads: list[tuple[int, int]]) -> None:
        """Newer counters of posts imported before (on PostgreSQL one statement each); their days
        are asked to be counted again by the index (plaza.index.kept: counters are not acts)."""
        changed = sorted({status_id for *_values, status_id in counts} | {status_id for _n, status_id in reads})
        fast.execute_many(conn, _COUNT_DAY_AGAIN, [(status_id,) for status_id in _one_per_day(changed)])
        if conn.dialect.name == "postgresql":
            if counts:
                replies, reblogs, likes, ids = (list(c) for c in zip(*counts, strict=True))
                fast.execute(conn, _UPDATE_COUNTS_PG, ids, replies, reblogs, likes)
            if reads:
                values, ids = (list(c) for c in zip(*reads, strict=True))
                fast.execute(conn, _UPDATE_READS_PG, ids, values)
            return
        fast.execute_many(conn, _UPDATE_COUNTS, counts)
        fast.execute_many(conn, _UPDATE_READS, reads)

    def _link_topics(self, conn: Connection, tagged: list[tuple[Post, int]], reposts: list[tuple[Post, int, int]],
                     where_is: dict[str, tuple[int, int, str]], now: datetime) -> None:
        """Each post's topics: those it names (``tagged``) and, for a repost, its original's."""
        key = self._topic_key
        names: dict[str, str] = {}  # key → the name last written with it
        keys: dict[str, str] = {}  # each name of this chunk → its key
        for item in tagged:
            for name in item[0].topics:
                k = keys.get(name)
                if k is None:
                    k = keys[name] = key(name)
                names[k] = name
        names = {k: n for k, n in names.items() if k and len(n) <= square_text.MAX_TOPIC_LENGTH and "\x00" not in n}
        key_to_id = {key(name): topic_id
                     for topic_id, name in square_posts.topic_ids(conn, list(names.values()), now).items()}
        topic_of = {name: key_to_id[k] for name, k in keys.items() if k in key_to_id}
        own: dict[int, set[int]] = {item[1]: {topic_of[n] for n in item[0].topics if n in topic_of}
                                    for item in tagged}
        # A repost carries its original's topics (discussion, 讨论量), as a native repost does.
        originals = {reblog_of for _, _, reblog_of in reposts}
        stored = originals - own.keys()
        if stored:
            for status_id, topic_id in _fetch_in(conn, _TOPICS_OF, list(stored)):
                own.setdefault(int(status_id), set()).add(int(topic_id))
        by_topic: dict[int, list[tuple[int, int, bool]]] = {}
        nothing: set[int] = set()
        linked: list[tuple[int, set[int], bool]] = [
            (status_id, own[status_id], post.visibility == "public")
            for post, status_id in tagged if post.repost_of is None]
        for post, status_id, reblog_of in reposts:
            original = where_is.get(post.repost_of or "")
            linked.append((status_id, own.get(status_id, nothing) | own.get(reblog_of, nothing),
                           post.visibility == "public" and original is not None and original[2] == "public"))
        for status_id, topic_set, public in linked:
            for topic_id in topic_set:
                links = by_topic.get(topic_id)
                if links is None:
                    links = by_topic[topic_id] = []
                links.append((topic_id, status_id, public))
        # In key order (topic, post): sorted by topic, then each topic's by post (a few topics
        # have most links: sorting (topic, post) pairs whole compares mostly equal topics).
        ordered: list[tuple[int, int, bool]] = []
        for topic_id in sorted(by_topic):
            ordered.extend(sorted(by_topic[topic_id], key=_SECOND))
        _insert_rows(conn, status_topics, ("topic_id", "status_id", "public"), ordered)

    def _link_mentions(self, conn: Connection, naming: list[tuple[Post, int]]) -> None:
        """The accounts each post of ``naming`` mentions, those not there yet tried at the end."""
        names = list({n for post, _ in naming for n in post.mentions})
        found = {name: int(row.id) for name, row in square_accounts.resolve_names(conn, names).items()}
        refs = {r for post, _ in naming for r in post.mention_refs}
        unknown = refs - self._known.keys()
        if unknown:
            self._known.update({row[0]: (int(row[1]), row[4]) for row in _fetch_in(
                conn, _ACCOUNTS_BY_ORIGIN, self.origin, list(unknown))})
        pairs: set[tuple[int, int]] = set()
        for post, status_id in naming:
            for name in post.mentions:
                if name in found:
                    pairs.add((status_id, found[name]))
                else:
                    self._pending_names.append((status_id, name))
            for ref in post.mention_refs:
                if ref in self._known:
                    pairs.add((status_id, self._known[ref][0]))
                else:
                    self._pending_refs.append((status_id, ref))
        _insert_rows(conn, mentions, ("status_id", "account_id"), sorted(pairs))

    def _topic_key(self, name: str) -> str:
        key = self._topic_keys.get(name)
        if key is None:
            key = self._topic_keys[name] = square_text.topic_key(name)
        return key

    def _resolve_pending(self) -> None:
        """Mentions of accounts this import created after the post that names them."""
        if not self._pending_names and not self._pending_refs:
            return
        with self.db.write() as conn:
            names = list({name for _, name in self._pending_names})
            found: dict[str, int] = {}
            for start in range(0, len(names), 500):
                found.update({n: int(r.id) for n, r in
                              square_accounts.resolve_names(conn, names[start:start + 500]).items()})
            pairs = {(s, found[n]) for s, n in self._pending_names if n in found}
            pairs |= {(s, self._known[r][0]) for s, r in self._pending_refs if r in self._known}
            if not pairs:
                return
            statuses = sorted({s for s, _ in pairs})
            there: set[tuple[int, int]] = set()
            for start in range(0, len(statuses), 5_000):
                there |= {(int(s), int(a)) for s, a in fast.fetch(conn, _MENTIONED, statuses[start:start + 5_000])}
            fast.insert_many(conn, mentions, ("status_id", "account_id"), sorted(pairs - there))
        self._pending_names.clear()
        self._pending_refs.clear()


def bad(where: str, error: BadRecord) -> Skip:
    """The skip line for a record the reader refused."""
    return Skip(where, error.reason, error.detail)
