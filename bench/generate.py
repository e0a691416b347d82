"""Generate a realistic Plaza database for benchmarks.

    python bench/generate.py --database-url sqlite:///bench/out/sqlite/plaza.db \\
        --accounts 100000 --posts 1000000 --seed 1 --tokens-out bench/out/tokens.txt

What it writes (all sizes are parameters, so ``--accounts 2000 --posts 20000`` is a smoke run):

* accounts: citizens whose home cities come from :func:`plaza.regions.cities` (skewed to big
  cities), a few hundred verified government accounts (政务号, a city's 发布 account is the parent of
  its departments), media accounts and national bodies; nicknames are unique display names.
* a power-law follow graph: out-degrees are log-normal (mean ``--avg-follows``), targets are
  picked by a Pareto popularity (government and media accounts are heavily followed), 30 % of
  them in the follower's own city.
* posts spread over ``--days`` days with a Beijing-time daily rhythm, with time-ordered ids built
  like :mod:`plaza.storage.ids` (``ms << 16 | random low bits``); 30 % of original posts carry a
  Weibo topic (``#…#``) drawn from a Zipf-popular pool; replies (with a mention of the parent's
  author and its notification), reposts (carrying the original's topics, as
  :func:`plaza.square.posts.reblog` does) and favourites with their notifications; every counter
  (statuses, followers, following, replies, reblogs, favourites) is consistent with the rows.
* ``search_documents`` rows segmented with :func:`plaza.square.search.segment`; the text is
  assembled from fragments separated by non-Han characters, so each fragment is segmented once and
  the tokens are concatenated (identical to segmenting the whole text).
* ``--bench-accounts`` citizen accounts with typical follow lists (100–300, plus ten other bench
  accounts, for the freshness check of ``bench/load.py``) and access tokens: the secrets go to
  ``--tokens-out`` (``account_id token`` per line), their SHA-256 to ``access_tokens``.
* ``meta.json`` next to the tokens file: popular topics, the bench accounts' followers among
  the bench accounts, sizes and timings.

Writes go straight to the tables: SQLAlchemy Core ``executemany`` in chunks on SQLite (one
transaction per chunk, ``PRAGMA synchronous=OFF`` and foreign keys off for the generator's own
connection only), ``COPY`` through psycopg on PostgreSQL (with ``session_replication_role =
replica`` when allowed, so foreign-key triggers are skipped), then ``ANALYZE`` on PostgreSQL.
The database must be empty (freshly created); the schema is migrated first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import secrets
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``plaza`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    union_all,
    update,
)

from bench import corpus
from plaza.config import load_settings
from plaza.square import text as post_text
from plaza.square.accounts import display_name_key
from plaza.square.search import segment
from plaza.storage import schema
from plaza.storage.engine import make_engine
from plaza.storage.ids import id_at
from plaza.storage.migrate import upgrade
from plaza.storage.schema import (
    access_tokens,
    accounts,
    favourites,
    follows,
    mentions,
    notifications,
    oauth_apps,
    search_documents,
    status_topics,
    statuses,
    topics,
)

DAY_MS = 86_400_000
#: Share of posts per hour of the day, Beijing time (UTC+8): quiet nights, busy evenings.
HOURLY_RHYTHM = (2, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 9, 8, 7, 7, 7, 8, 9, 10, 11, 11, 9, 5)
BENCH_RING = 10  # each bench account follows the next BENCH_RING bench accounts
ACCOUNTS_COLUMNS = (
    "id", "username", "username_key", "display_name", "display_name_key", "kind", "note",
    "home_city", "locale", "email", "password_hash", "role", "approved", "suspended", "bot",
    "avatar", "header", "agency", "region_code", "level", "department_type", "parent_id",
    "verified_at", "organisation_type", "followers_count", "following_count", "statuses_count",
    "last_status_at", "created_at", "updated_at",
)
STATUSES_COLUMNS = (
    "id", "account_id", "text", "spoiler_text", "sensitive", "visibility", "language",
    "in_reply_to_id", "in_reply_to_account_id", "reblog_of_id", "city", "latitude", "longitude",
    "replies_count", "reblogs_count", "favourites_count", "created_at", "edited_at",
)


def ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


# --- the plan: everything decided in memory first, then streamed to the database --------------


@dataclass
class Account:
    """One account to write; counters are filled in while planning follows and posts."""

    id: int
    username: str
    display_name: str
    kind: str
    city: int  # index into Plan.cities
    created_ms: int
    popularity: float  # how likely others follow it
    activity: float  # how likely it posts
    agency: str | None = None
    region_code: str | None = None
    level: str | None = None
    department_type: str | None = None
    parent: int | None = None  # account index
    organisation_type: str | None = None
    note: str = ""
    followers: int = 0
    following: int = 0
    statuses: int = 0
    last_status_ms: int | None = None


@dataclass
class Plan:
    """The whole data set as compact in-memory arrays (indices, not ids, where possible)."""

    rng: random.Random
    cities: list[corpus.City]
    city_weights: list[float]
    topic_names: list[str]
    accounts: list[Account] = field(default_factory=list)
    bench: list[int] = field(default_factory=list)  # account indices with tokens
    followees: list[list[int]] = field(default_factory=list)
    # posts (parallel arrays, in id order)
    post_ids: list[int] = field(default_factory=list)
    post_author: list[int] = field(default_factory=list)
    post_kind: bytearray = field(default_factory=bytearray)  # 0 original, 1 reply, 2 reblog
    post_target: list[int] = field(default_factory=list)  # parent / reblogged post index or -1
    post_topic: list[int] = field(default_factory=list)  # topic index or -1
    post_visibility: bytearray = field(default_factory=bytearray)  # index into VISIBILITIES
    post_fragments: list[int] = field(default_factory=list)  # packed opener/body/closer (or reply)
    post_city: list[int] = field(default_factory=list)  # city index used in the text
    replies_count: list[int] = field(default_factory=list)
    reblogs_count: list[int] = field(default_factory=list)
    favourites_count: list[int] = field(default_factory=list)
    topic_first_ms: dict[int, int] = field(default_factory=dict)
    favourite_rows: list[tuple[int, int, int]] = field(default_factory=list)  # id, account, post
    used_ids: set[int] = field(default_factory=set)
    window_start_ms: int = 0
    window_end_ms: int = 0

    def unique_id(self, ms: int) -> int:
        """A time-ordered id at ``ms`` (random low 16 bits), unique across statuses, favourites,
        notifications and topics of this plan."""
        while True:
            candidate = (ms << 16) | self.rng.getrandbits(16)
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate


VISIBILITIES = ("public", "unlisted", "private")
ORIGINAL, REPLY, REBLOG = 0, 1, 2


def pareto(rng: random.Random, alpha: float, cap: float) -> float:
    return min(cap, (1.0 - rng.random()) ** (-1.0 / alpha))


def plan_accounts(plan: Plan, n_accounts: int, n_government: int, n_media: int, n_bench: int) -> None:
    """Government and media accounts first (a city's 发布 before its departments), then citizens."""
    rng = plan.rng
    cities = plan.cities
    start_ms = plan.window_start_ms - 2 * 365 * DAY_MS
    created = sorted(rng.randrange(start_ms, plan.window_start_ms) for _ in range(n_accounts))
    account_ids = sorted({(ms << 16) | rng.getrandbits(16) for ms in created})
    while len(account_ids) < n_accounts:  # collisions are astronomically rare; fill them anyway
        account_ids = sorted(set(account_ids) | {(rng.randrange(start_ms, plan.window_start_ms) << 16)
                                                 | rng.getrandbits(16)})
    ids = iter(account_ids)
    out = plan.accounts
    publicity: dict[int, int] = {}
    names: set[str] = set()

    def unique_name(name: str) -> str:
        """Display names are unique (by their key); a clash gets a number."""
        candidate, n = name, 1
        while display_name_key(candidate) in names:
            n += 1
            candidate = f"{name}{n}"
        names.add(display_name_key(candidate))
        return candidate

    def add(**kwargs: Any) -> int:
        account_id = next(ids)
        out.append(Account(id=account_id, created_ms=account_id >> 16, **kwargs))
        return len(out) - 1

    # National bodies.
    for name, dept in corpus.NATIONAL_ACCOUNTS[: max(0, min(len(corpus.NATIONAL_ACCOUNTS), n_government // 20))]:
        add(username=f"gov_n{len(out)}", display_name=unique_name(name), kind="government", city=1,
            popularity=400 * pareto(rng, 1.5, 20), activity=40.0, agency=name, region_code="000000",
            level="national", department_type=dept, note=f"{name}官方账号")
    # City government accounts: for the biggest cities, 发布 then departments, round-robin.
    remaining = n_government - len(out)
    city_count = max(1, min(len(cities), math.ceil(remaining / 4)))
    slots = [(ci, di) for di in range(len(corpus.GOVERNMENT_DEPARTMENTS)) for ci in range(city_count)]
    for ci, di in slots[:remaining]:
        suffix, dept = corpus.GOVERNMENT_DEPARTMENTS[di]
        city = cities[ci]
        name = unique_name(f"{city.short}{suffix}")
        index = add(username=f"gov_{len(out)}", display_name=name, kind="government", city=ci,
                    popularity=100 * pareto(rng, 1.5, 30) / (1 + ci / 20), activity=25.0,
                    agency=name, region_code=city.code, level="prefecture",
                    department_type=dept, parent=publicity.get(ci), note=f"{name}官方微博")
        if di == 0:
            publicity[ci] = index
    media_cities = min(len(cities), max(1, n_media // len(corpus.MEDIA_SUFFIXES) + 1))
    for i in range(n_media):
        ci = i % media_cities
        suffix = corpus.MEDIA_SUFFIXES[(i // media_cities) % len(corpus.MEDIA_SUFFIXES)]
        name = unique_name(f"{cities[ci].short}{suffix}")
        add(username=f"media_{len(out)}", display_name=name, kind="media", city=ci,
            popularity=150 * pareto(rng, 1.5, 30), activity=50.0, note=f"{name}官方账号")
    # Citizens, bench accounts first (so they are easy to find: usernames bench_*).
    city_cum = list(_cumulative(plan.city_weights))
    city_indices = range(len(cities))
    while len(out) < n_accounts:
        serial = len(out)
        ci = rng.choices(city_indices, cum_weights=city_cum)[0]
        is_bench = len(plan.bench) < n_bench
        index = add(username=f"bench_{serial}" if is_bench else f"u{serial}",
                    display_name=corpus.citizen_display_name(rng, cities[ci], serial),
                    kind="citizen", city=ci, popularity=pareto(rng, 1.2, 5000),
                    activity=1.0 if is_bench else pareto(rng, 1.6, 200))
        if is_bench:
            plan.bench.append(index)


def _cumulative(weights: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def plan_follows(plan: Plan, avg_follows: float) -> int:
    """A power-law graph: log-normal out-degrees, popularity-weighted targets (30 % local)."""
    rng = plan.rng
    accts = plan.accounts
    n = len(accts)
    everyone = range(n)
    pop_cum = list(_cumulative(a.popularity for a in accts))
    by_city: dict[int, list[int]] = {}
    for i, a in enumerate(accts):
        by_city.setdefault(a.city, []).append(i)
    city_cum = {c: list(_cumulative(accts[i].popularity for i in members)) for c, members in by_city.items()}
    sigma = 1.0
    mu = math.log(avg_follows) - sigma * sigma / 2
    bench_set = set(plan.bench)
    bench_pos = {a: k for k, a in enumerate(plan.bench)}
    total = 0
    plan.followees = [[] for _ in range(n)]
    for i in everyone:
        if i in bench_set:
            degree = rng.randint(100, 300)
        else:
            degree = int(min(max(rng.lognormvariate(mu, sigma), 3), min(2000, n - 1)))
        chosen: set[int] = set()
        if i in bench_set:  # the ring among bench accounts, for the freshness check
            k = bench_pos[i]
            for step in range(1, min(BENCH_RING, len(plan.bench) - 1) + 1):
                chosen.add(plan.bench[(k + step) % len(plan.bench)])
        local = by_city[accts[i].city]
        attempts = 0
        while len(chosen) < degree and attempts < 4:
            need = degree - len(chosen)
            n_local = int(need * 0.3) if len(local) > 50 else 0
            picks = rng.choices(everyone, cum_weights=pop_cum, k=need - n_local)
            if n_local:
                picks += rng.choices(local, cum_weights=city_cum[accts[i].city], k=n_local)
            chosen.update(picks)
            chosen.discard(i)
            attempts += 1
        targets = list(chosen)[:degree] if len(chosen) > degree else list(chosen)
        plan.followees[i] = targets
        accts[i].following = len(targets)
        for t in targets:
            accts[t].followers += 1
        total += len(targets)
    return total


def plan_posts(plan: Plan, n_posts: int, favourites_per_post: float) -> None:
    """Posts in time order: originals (30 % with a topic), replies, reposts; then favourites."""
    rng = plan.rng
    accts = plan.accounts
    start, end = plan.window_start_ms, plan.window_end_ms
    days = max(1, (end - start) // DAY_MS)
    hour_cum = list(_cumulative(HOURLY_RHYTHM))
    hours = range(24)
    stamps: list[int] = []
    for _ in range(n_posts):
        day = rng.randrange(days)
        hour_bj = rng.choices(hours, cum_weights=hour_cum)[0]
        ms = start + day * DAY_MS + ((hour_bj - 8) % 24) * 3_600_000 + rng.randrange(3_600_000)
        stamps.append(min(ms, end - 1))
    stamps.sort()
    plan.post_ids = [plan.unique_id(ms) for ms in stamps]
    plan.post_ids.sort()
    activity_cum = list(_cumulative(a.activity for a in accts))
    authors = rng.choices(range(len(accts)), cum_weights=activity_cum, k=n_posts)
    topic_cum = corpus.zipf_cum_weights(len(plan.topic_names), 1.0, 2.0)
    topic_range = range(len(plan.topic_names))
    shareable: list[int] = []  # public/unlisted originals and replies, in time order
    official: list[int] = []  # the subset written by government and media accounts
    reblogged: set[tuple[int, int]] = set()
    n_cities_in_text = min(60, len(plan.cities))
    for p in range(n_posts):
        author = authors[p]
        r = rng.random()
        kind, target, topic = ORIGINAL, -1, -1
        if r < 0.08 and shareable:
            pool = official if official and rng.random() < 0.6 else shareable
            target = pool[len(pool) - 1 - min(len(pool) - 1, int(rng.expovariate(1 / 3000)))]
            if (author, target) not in reblogged and plan.post_author[target] != author:
                reblogged.add((author, target))
                kind = REBLOG
        elif r < 0.20 and shareable:
            target = shareable[len(shareable) - 1 - min(len(shareable) - 1, int(rng.expovariate(1 / 2000)))]
            kind = REPLY
        if kind == ORIGINAL:
            target = -1
            if rng.random() < 0.3:
                topic = rng.choices(topic_range, cum_weights=topic_cum)[0]
        ms = plan.post_ids[p] >> 16
        if kind == REBLOG:
            visibility = 0
            topic = plan.post_topic[target]
            plan.reblogs_count[target] += 1
        else:
            v = rng.random()
            visibility = 0 if v < 0.90 else (1 if v < 0.96 else 2)
        if kind == REPLY:
            plan.replies_count[target] += 1
            fragments = rng.randrange(len(corpus.REPLIES))
        elif kind == ORIGINAL:
            o, b, c = corpus.post_fragments(rng)
            fragments = (o * len(corpus.BODIES) + b) * len(corpus.CLOSERS) + c
        else:
            fragments = 0
        if topic >= 0 and topic not in plan.topic_first_ms:
            plan.topic_first_ms[topic] = ms
        plan.post_author.append(author)
        plan.post_kind.append(kind)
        plan.post_target.append(target)
        plan.post_topic.append(topic)
        plan.post_visibility.append(visibility)
        plan.post_fragments.append(fragments)
        plan.post_city.append(accts[author].city if accts[author].city < n_cities_in_text
                              else rng.randrange(n_cities_in_text))
        plan.replies_count.append(0)
        plan.reblogs_count.append(0)
        plan.favourites_count.append(0)
        a = accts[author]
        a.statuses += 1
        a.last_status_ms = ms
        if kind != REBLOG and visibility < 2:
            shareable.append(p)
            if a.kind in ("government", "media"):
                official.append(p)
    # Favourites: popular (official) and recent posts get most of them.
    n_favs = int(n_posts * favourites_per_post)
    seen: set[tuple[int, int]] = set()
    fav_authors = rng.choices(range(len(accts)), cum_weights=activity_cum, k=n_favs)
    for account in fav_authors:
        if not shareable:
            break
        pool = official if official and rng.random() < 0.5 else shareable
        post = pool[rng.randrange(len(pool))]
        if (account, post) in seen or plan.post_author[post] == account:
            continue
        seen.add((account, post))
        ms = min(end - 1, (plan.post_ids[post] >> 16) + rng.randrange(DAY_MS))
        plan.favourite_rows.append((plan.unique_id(ms), account, post))
        plan.favourites_count[post] += 1


# --- writing --------------------------------------------------------------------------------


class Sink(Protocol):
    """Where rows go: a table, its columns and tuples in column order."""

    def write(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None: ...

    @contextmanager
    def chunk(self) -> Iterator[None]: ...


class SqliteSink:
    """SQLAlchemy Core inserts, executed as one DBAPI ``executemany`` per table and chunk, with the
    columns' own bind processors (datetimes and booleans stored exactly as SQLAlchemy stores them)
    but without SQLAlchemy's per-row dictionaries; one transaction per chunk."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        driver: Any = conn.connection.driver_connection
        self.cursor = driver.cursor()
        self.prepared: dict[tuple[str, tuple[str, ...]], tuple[str, list[tuple[int, Any]], tuple[Any, ...]]] = {}

    def _prepare(self, table: Table, columns: Sequence[str]) -> tuple[str, list[tuple[int, Any]], tuple[Any, ...]]:
        key = (table.name, tuple(columns))
        if key not in self.prepared:
            compiled = insert(table).values({c: bindparam(c) for c in columns}).compile(dialect=self.dialect)
            # Columns we do not write but that have a Python-side default (added to the schema
            # after this script was written) get that default, as SQLAlchemy would give them.
            order = list(compiled.positiontup or columns)
            extras = [c for c in order if c not in columns]
            defaults = tuple(getattr(table.c[c].default, "arg", None) for c in extras)
            all_columns = list(columns) + extras
            sql = compiled.string
            if order != all_columns:  # keep our order: rebuild the column list explicitly
                sql = (f"INSERT INTO {table.name} ({', '.join(all_columns)}) "
                       f"VALUES ({', '.join('?' for _ in all_columns)})")
            processors = [(i, table.c[c].type._cached_bind_processor(self.dialect))
                          for i, c in enumerate(all_columns)]
            self.prepared[key] = (sql, [(i, f) for i, f in processors if f is not None], defaults)
        return self.prepared[key]

    def write(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        sql, processors, defaults = self._prepare(table, columns)
        if processors or defaults:
            converted = []
            for row in rows:
                values = list(row) + list(defaults)
                for i, process in processors:
                    if values[i] is not None:
                        values[i] = process(values[i])
                converted.append(values)
            self.cursor.executemany(sql, converted)
        else:
            self.cursor.executemany(sql, rows)

    @contextmanager
    def chunk(self) -> Iterator[None]:
        self.cursor.execute("BEGIN")
        try:
            yield
            self.cursor.execute("COMMIT")
        except BaseException:
            self.cursor.execute("ROLLBACK")
            raise


class PostgresSink:
    """``COPY … FROM STDIN`` through the psycopg connection under SQLAlchemy; commit per chunk."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw: Any = conn.connection.driver_connection

    def write(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with self.raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    @contextmanager
    def chunk(self) -> Iterator[None]:
        try:
            yield
            self.raw.commit()
        except BaseException:
            self.raw.rollback()
            raise


class Segmenter:
    """``segment`` with a cache per fragment (fragments are separated by non-Han characters,
    so joining their tokens equals segmenting the whole text)."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def tokens(self, fragments: Iterable[str]) -> str:
        parts = []
        for fragment in fragments:
            cached = self.cache.get(fragment)
            if cached is None:
                cached = self.cache[fragment] = " ".join(segment(fragment))
            if cached:
                parts.append(cached)
        return " ".join(parts)


def post_text_parts(plan: Plan, p: int) -> list[str]:
    """The fragments of post ``p``'s text, in order (join them for the text)."""
    kind = plan.post_kind[p]
    if kind == REBLOG:
        return []
    city = plan.cities[plan.post_city[p]].short
    if kind == REPLY:
        parent_author = plan.accounts[plan.post_author[plan.post_target[p]]]
        reply = corpus.REPLIES[plan.post_fragments[p]]
        if parent_author is plan.accounts[plan.post_author[p]]:
            return [reply]
        return [f"@{parent_author.display_name} ", reply]
    packed = plan.post_fragments[p]
    closer = packed % len(corpus.CLOSERS)
    body = (packed // len(corpus.CLOSERS)) % len(corpus.BODIES)
    opener = packed // (len(corpus.CLOSERS) * len(corpus.BODIES))
    parts = [corpus.OPENERS[opener].format(city=city), corpus.BODIES[body],
             corpus.CLOSERS[closer].format(city=city)]
    topic = plan.post_topic[p]
    if topic >= 0:
        parts.insert(0, f"#{plan.topic_names[topic]}# ")
    return parts


def write_all(plan: Plan, sink: Sink, chunk_size: int, timings: dict[str, float],
              bench_secrets: list[str]) -> dict[str, int]:
    """Stream every table to the sink; returns row counts."""
    counts: dict[str, int] = {}
    accts = plan.accounts
    window_start = ms_to_dt(plan.window_start_ms)

    def timed(name: str) -> Any:
        @contextmanager
        def block() -> Iterator[None]:
            t0 = time.perf_counter()
            yield
            timings[f"write_{name}"] = round(time.perf_counter() - t0, 2)
            print(f"  wrote {name}: {counts.get(name, 0):,} rows in {timings[f'write_{name}']:.1f}s", flush=True)
        return block()

    # accounts
    with timed("accounts"):
        rows: list[tuple[Any, ...]] = []
        for a in accts:
            created = ms_to_dt(a.created_ms)
            rows.append((
                a.id, a.username, a.username.lower(), a.display_name, display_name_key(a.display_name),
                a.kind, a.note, plan.cities[a.city].code, "zh-CN", None, None, "user", True, False,
                False, None, None, a.agency, a.region_code, a.level, a.department_type,
                accts[a.parent].id if a.parent is not None else None,
                created if a.kind == "government" else None, a.organisation_type,
                a.followers, a.following, a.statuses,
                ms_to_dt(a.last_status_ms) if a.last_status_ms is not None else None, created, created,
            ))
        for start in range(0, len(rows), chunk_size):
            with sink.chunk():
                sink.write(accounts, ACCOUNTS_COLUMNS, rows[start:start + chunk_size])
        counts["accounts"] = len(rows)

    # the bench app and its tokens
    with timed("access_tokens"), sink.chunk():
        app_id = plan.unique_id(plan.window_start_ms)
        sink.write(oauth_apps, ("id", "name", "website", "redirect_uris", "scopes", "client_id",
                                "client_secret_hash", "created_at"),
                   [(app_id, "Plaza bench", None, "urn:ietf:wg:oauth:2.0:oob", "read write follow",
                     secrets.token_hex(16), hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                     window_start)])
        token_rows = []
        for index in plan.bench:
            secret = secrets.token_urlsafe(32)
            bench_secrets.append(secret)
            token_rows.append((plan.unique_id(plan.window_start_ms), hashlib.sha256(secret.encode()).hexdigest(),
                               app_id, accts[index].id, "read write follow", window_start, None))
        sink.write(access_tokens, ("id", "token_hash", "app_id", "account_id", "scopes", "created_at",
                                   "revoked_at"), token_rows)
        counts["access_tokens"] = len(token_rows)

    # topics
    topic_ids: list[int] = []
    with timed("topics"), sink.chunk():
        rows = []
        for t, name in enumerate(plan.topic_names):
            ms = plan.topic_first_ms.get(t, plan.window_start_ms)
            topic_ids.append(plan.unique_id(ms))
            rows.append((topic_ids[-1], name, post_text.topic_key(name), ms_to_dt(ms)))
        sink.write(topics, ("id", "name", "key", "created_at"), rows)
        counts["topics"] = len(rows)

    # follows: ids strictly increasing over the year before the window (unique without a set)
    with timed("follows"):
        total = sum(len(f) for f in plan.followees)
        span = 365 * DAY_MS
        step = max(1, span // max(1, total))
        base = plan.window_start_ms - span
        rng = plan.rng
        k = 0
        rows = []
        order = list(range(len(accts)))
        rng.shuffle(order)
        for i in order:
            follower_id = accts[i].id
            for t in plan.followees[i]:
                ms = base + k * step + rng.randrange(step)
                rows.append((((ms << 16) | rng.getrandbits(16)) if step > 1 else (ms << 16) | (k & 0xFFFF),
                             follower_id, accts[t].id, ms_to_dt(ms)))
                k += 1
                if len(rows) >= chunk_size:
                    with sink.chunk():
                        sink.write(follows, ("id", "account_id", "target_account_id", "created_at"), rows)
                    rows = []
        with sink.chunk():
            sink.write(follows, ("id", "account_id", "target_account_id", "created_at"), rows)
        counts["follows"] = k

    # statuses with their topics, mentions, search documents and reply/reblog notifications
    with timed("statuses"):
        seg = Segmenter()
        n = len(plan.post_ids)
        totals = dict.fromkeys(("statuses", "status_topics", "mentions", "search_documents", "notifications"), 0)
        for start in range(0, n, chunk_size):
            status_rows: list[tuple[Any, ...]] = []
            topic_rows: list[tuple[Any, ...]] = []
            mention_rows: list[tuple[Any, ...]] = []
            search_rows: list[tuple[Any, ...]] = []
            notification_rows: list[tuple[Any, ...]] = []
            for p in range(start, min(n, start + chunk_size)):
                post_id = plan.post_ids[p]
                author = accts[plan.post_author[p]]
                kind = plan.post_kind[p]
                created = ms_to_dt(post_id >> 16)
                target = plan.post_target[p]
                parent_id = plan.post_ids[target] if target >= 0 else None
                parent_author = accts[plan.post_author[target]] if target >= 0 else None
                visibility = VISIBILITIES[plan.post_visibility[p]]
                parts = post_text_parts(plan, p)
                body = "".join(parts)
                status_rows.append((
                    post_id, author.id, body, "", False, visibility, "zh" if kind != REBLOG else None,
                    parent_id if kind == REPLY else None,
                    parent_author.id if kind == REPLY and parent_author else None,
                    parent_id if kind == REBLOG else None, plan.cities[author.city].code, None, None,
                    plan.replies_count[p], plan.reblogs_count[p], plan.favourites_count[p], created, None,
                ))
                topic = plan.post_topic[p]
                if topic >= 0:
                    # listed under the topic: public posts only (plaza.square.visibility)
                    topic_rows.append((topic_ids[topic], post_id, visibility == "public"))
                if kind == REPLY and parent_author is not None and parent_author is not author:
                    mention_rows.append((post_id, parent_author.id))
                    notification_rows.append((plan.unique_id(post_id >> 16), parent_author.id, author.id,
                                              "mention", post_id, created))
                elif kind == REBLOG and parent_author is not None:
                    notification_rows.append((plan.unique_id(post_id >> 16), parent_author.id, author.id,
                                              "reblog", parent_id, created))
                if body.strip():
                    search_rows.append((post_id, seg.tokens(parts)))
            with sink.chunk():
                sink.write(statuses, STATUSES_COLUMNS, status_rows)
                sink.write(status_topics, ("topic_id", "status_id", "public"), topic_rows)
                sink.write(mentions, ("status_id", "account_id"), mention_rows)
                sink.write(search_documents, ("status_id", "tokens"), search_rows)
                sink.write(notifications, ("id", "account_id", "from_account_id", "type", "status_id",
                                           "created_at"), notification_rows)
            totals["statuses"] += len(status_rows)
            totals["status_topics"] += len(topic_rows)
            totals["mentions"] += len(mention_rows)
            totals["search_documents"] += len(search_rows)
            totals["notifications"] += len(notification_rows)
            if (start // chunk_size) % 20 == 0:
                print(f"    statuses {start + len(status_rows):,}/{n:,}", flush=True)
        counts.update(totals)
        timings["segment_cache_entries"] = len(seg.cache)

    # favourites and their notifications
    with timed("favourites"):
        rows, notification_rows = [], []
        for fav_id, account, post in plan.favourite_rows:
            created = ms_to_dt(fav_id >> 16)
            post_author = accts[plan.post_author[post]]
            rows.append((fav_id, accts[account].id, plan.post_ids[post], created))
            notification_rows.append((plan.unique_id(fav_id >> 16), post_author.id, accts[account].id,
                                      "favourite", plan.post_ids[post], created))
            if len(rows) >= chunk_size:
                with sink.chunk():
                    sink.write(favourites, ("id", "account_id", "status_id", "created_at"), rows)
                    sink.write(notifications, ("id", "account_id", "from_account_id", "type", "status_id",
                                               "created_at"), notification_rows)
                rows, notification_rows = [], []
        with sink.chunk():
            sink.write(favourites, ("id", "account_id", "status_id", "created_at"), rows)
            sink.write(notifications, ("id", "account_id", "from_account_id", "type", "status_id",
                                       "created_at"), notification_rows)
        counts["favourites"] = len(plan.favourite_rows)
        counts["notifications"] += len(plan.favourite_rows)
    return counts


# --- home feeds (fan-out on write, plaza.square.feeds) ----------------------------------------


def build_home_feeds(engine: Engine, days: float) -> dict[str, int]:
    """Materialise home feeds as Plaza's fan-out on write would have: accounts with at least
    :data:`plaza.square.feeds.PULL_THRESHOLD` followers are in pull mode; every post of the last
    ``days`` days is in its author's feed and, unless the author pulls, in each follower's feed.

    Older posts are left out (a full fan-out of 1M posts is ~120M rows): Plaza reads below the
    materialised feed from the follows (``feeds._from_follows``), and the benchmark's reads only
    touch the newest page. Safe to re-run (the feeds are rebuilt)."""
    home_feed = schema.metadata.tables.get("home_feed")
    if home_feed is None or "pull_feed" not in accounts.c:
        return {}
    from plaza.square.feeds import PULL_THRESHOLD, VISIBLE_TO_FOLLOWERS

    since = id_at(int((time.time() - days * 86_400) * 1000))
    own = select(statuses.c.account_id, statuses.c.id).where(statuses.c.id >= since)
    author = accounts.alias("author")
    fanned = (select(follows.c.account_id, statuses.c.id)
              .join(follows, follows.c.target_account_id == statuses.c.account_id)
              .join(author, author.c.id == statuses.c.account_id)
              .where(statuses.c.id >= since, statuses.c.visibility.in_(VISIBLE_TO_FOLLOWERS),
                     author.c.pull_feed.is_(False)))
    rows = union_all(own, fanned)
    if engine.dialect.name == "sqlite":  # insert in key order: appends instead of B-tree splits
        rows = rows.order_by(text("1, 2"))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            try:  # skip the two foreign-key triggers per row (superuser only; else keep them)
                with conn.begin_nested():
                    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            except Exception as exc:  # noqa: BLE001
                print(f"  (foreign keys stay checked: {str(exc).splitlines()[0]})")
        pulled = conn.execute(update(accounts).where(accounts.c.followers_count >= PULL_THRESHOLD)
                              .values(pull_feed=True)).rowcount
        conn.execute(delete(home_feed))
        conn.execute(insert(home_feed).from_select(["account_id", "status_id"], rows))
        inserted = conn.execute(select(func.count()).select_from(home_feed)).scalar_one()
    return {"pull_accounts": pulled, "home_feed": inserted}


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql://…")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tokens-out", type=Path, default=Path("bench/out/tokens.txt"))
    parser.add_argument("--meta-out", type=Path, default=None,
                        help="default: meta.json next to --tokens-out")
    parser.add_argument("--avg-follows", type=float, default=50.0, help="mean out-degree")
    parser.add_argument("--topics", type=int, default=3000, help="size of the topic pool")
    parser.add_argument("--government", type=int, default=300, help="government accounts")
    parser.add_argument("--media", type=int, default=100, help="media accounts")
    parser.add_argument("--bench-accounts", type=int, default=500, help="accounts with tokens")
    parser.add_argument("--days", type=int, default=30, help="posts are spread over this many days")
    parser.add_argument("--favourites-per-post", type=float, default=0.5)
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per executemany / COPY")
    parser.add_argument("--feed-days", type=float, default=2.0,
                        help="materialise home feeds for the posts of the last N days")
    parser.add_argument("--feeds-only", action="store_true",
                        help="only (re)build the home feeds of an already generated database")
    args = parser.parse_args(argv)
    if args.accounts < args.government + args.media + args.bench_accounts + 10:
        parser.error("--accounts must exceed --government + --media + --bench-accounts")
    return args


def check_empty(engine: Engine) -> None:
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(accounts)).scalar_one()
    if existing:
        raise SystemExit(f"the database already holds {existing} accounts: generate into a fresh one")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    settings = load_settings(env={}, database_url=args.database_url, secret_key="bench",
                             data_dir=str(args.tokens_out.parent), sqlite_synchronous="OFF")
    engine = make_engine(settings)
    is_sqlite = engine.dialect.name == "sqlite"

    if args.feeds_only:
        t0 = time.perf_counter()
        counts = build_home_feeds(engine, args.feed_days)
        if not is_sqlite:  # a rebuilt feed leaves every old row dead: reclaim them before measuring
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE home_feed"))
        print(f"home feeds: {counts} in {time.perf_counter() - t0:.1f}s")
        return 0

    t0 = time.perf_counter()
    upgrade(engine)
    check_empty(engine)
    timings["migrate"] = round(time.perf_counter() - t0, 2)
    print(f"migrated in {timings['migrate']:.1f}s ({engine.dialect.name})", flush=True)

    rng = random.Random(args.seed)
    cities, city_weights = corpus.all_cities(rng)
    now_ms = int(time.time() * 1000)
    end_ms = now_ms - 60_000  # leave the last minute free: live posts are always newer
    plan = Plan(rng=rng, cities=cities, city_weights=city_weights,
                topic_names=corpus.topic_pool(rng, cities, args.topics),
                window_start_ms=end_ms - args.days * DAY_MS, window_end_ms=end_ms)

    t0 = time.perf_counter()
    plan_accounts(plan, args.accounts, args.government, args.media, args.bench_accounts)
    timings["plan_accounts"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    n_follows = plan_follows(plan, args.avg_follows)
    timings["plan_follows"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    plan_posts(plan, args.posts, args.favourites_per_post)
    timings["plan_posts"] = round(time.perf_counter() - t0, 2)
    print(f"planned {len(plan.accounts):,} accounts, {n_follows:,} follows, {len(plan.post_ids):,} posts, "
          f"{len(plan.favourite_rows):,} favourites in "
          f"{timings['plan_accounts'] + timings['plan_follows'] + timings['plan_posts']:.1f}s", flush=True)

    t0 = time.perf_counter()
    bench_secrets: list[str] = []
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        if is_sqlite:  # the driver connection is in autocommit: pragmas run outside a transaction
            raw.execute("PRAGMA foreign_keys=OFF")  # this connection only
            raw.execute("PRAGMA cache_size=-1048576")
            # Plaza's engine turns automatic checkpoints off (its server checkpoints in the
            # background); without them this bulk load would grow the WAL to tens of GB.
            raw.execute("PRAGMA wal_autocheckpoint=16384")
            sink: Sink = SqliteSink(conn)
        else:
            try:
                raw.execute("SET session_replication_role = replica")  # skip FK triggers (superuser)
                raw.commit()
            except Exception as exc:  # noqa: BLE001 - not a superuser: keep the checks
                raw.rollback()
                print(f"  (foreign keys stay checked: {str(exc).splitlines()[0]})")
            raw.execute("SET synchronous_commit = off")
            raw.commit()
            sink = PostgresSink(conn)
        counts = write_all(plan, sink, args.chunk, timings, bench_secrets)
        if not is_sqlite:
            raw.execute("SET session_replication_role = DEFAULT")
            raw.commit()
    timings["write_total"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    counts.update(build_home_feeds(engine, args.feed_days))
    timings["home_feeds"] = round(time.perf_counter() - t0, 2)
    print(f"  home feeds: {counts.get('home_feed', 0):,} rows in {timings['home_feeds']:.1f}s", flush=True)
    if not is_sqlite:
        t0 = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        timings["vacuum_analyze"] = round(time.perf_counter() - t0, 2)
    else:
        with engine.connect() as conn:
            driver: Any = conn.connection.driver_connection
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    timings["total"] = round(time.perf_counter() - t_start, 2)

    args.tokens_out.parent.mkdir(parents=True, exist_ok=True)
    args.tokens_out.write_text("".join(f"{plan.accounts[i].id} {s}\n" for i, s in zip(plan.bench, bench_secrets, strict=True)))
    followers: dict[int, list[int]] = {}
    bench_set = set(plan.bench)
    for i in plan.bench:
        for t in plan.followees[i]:
            if t in bench_set:
                followers.setdefault(plan.accounts[t].id, []).append(plan.accounts[i].id)
    # The pool is ordered by popularity (Zipf by index): the first used ones are the hot topics.
    used = [name for t, name in enumerate(plan.topic_names) if t in plan.topic_first_ms]
    meta = {
        "database_url": args.database_url if is_sqlite else args.database_url.split("@")[-1],
        "seed": args.seed,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": counts,
        "timings_s": timings,
        "popular_topics": used[:200],
        "bench_followers": {str(k): v for k, v in followers.items()},
        "cities": [c.short for c in cities[:60]],
    }
    meta_path = args.meta_out or args.tokens_out.with_name("meta.json")
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    print("counts: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    print("timings (s): " + ", ".join(f"{k}={v}" for k, v in timings.items()))
    print(f"tokens → {args.tokens_out}, meta → {meta_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
