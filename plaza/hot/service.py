"""Hot search in a running Plaza: one engine per process, the recording hooks the interface
layers call, and the background task that flushes, folds and refreshes.

The hooks (``displayed``, ``topic_viewed``, ``searched``, ``posted``, ``reposted``, ``liked``)
only append to a per-thread recorder; nothing on the request path waits for the engine. The
background task (``start`` / ``stop``, run by the application's lifespan) hands the buffers to
the engine every second, folds every ``FOLD_SECONDS`` and refreshes every
``PLAZA_HOT_REFRESH_SECONDS``; that work, and every request's call into the engine, runs in a
thread (``io``), never on the event loop.

History (``plaza.hot.history``): the lists of every refresh this process performed are stored in
the database — at once when ``refresh`` runs off the event loop (a thread, the CLI, tests),
else by the background task in a thread — so heat curves, time on the list, peak rank and
half-life survive restarts; administrators' actions (``by=`` on every control) are logged there.

Attribution: activity on a post belongs to the post's city (a city code, see
``plaza.square.posts``), else to its author's home city; a search or a topic-page view to the
viewer's home city.

Only what the public may see counts (``plaza.square.visibility``): public posts, public reposts
of public posts, likes of public posts, replies for their own topics when public and for their
parent's only when the parent is public too; unlisted, followers-only and direct posts, and
reads of them, count for nothing (their topics would otherwise rise on a public list). Topic names are keys (``plaza.square.text.topic_key``); the display name a
topic was first written with comes from the ``topics`` table.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from redis.exceptions import RedisError
from sqlalchemy import select

from plaza.clock import utcnow
from plaza.errors import HotSearchUnavailable, Invalid
from plaza.files import private_dir
from plaza.hot.curves import CurvePoint, TopicRecord, advance, heat_curve
from plaza.hot.engine import DayUse, HotEngine, Recount, TopicStats
from plaza.hot.events import day_start
from plaza.hot.history import AdminAction, HotHistory, StoredList
from plaza.hot.lists import AdminState, HotSnapshot, WarningPin, warnings_on
from plaza.hot.recorder import Batch, Recorder
from plaza.hot.trust import TrustInputs, trust_weight
from plaza.square.text import topic_key
from plaza.square.visibility import LISTED
from plaza.storage.schema import hot_topic_records
from plaza.storage.schema import topics as topics_table

if TYPE_CHECKING:
    from plaza.config import Settings
    from plaza.square.views import StatusView
    from plaza.storage.db import Database

__all__ = [
    "FOLD_SECONDS",
    "AdminAction",
    "HotService",
    "TopicRecord",
    "TopicReport",
    "account_trust",
]

log = logging.getLogger("plaza.hot")
T = TypeVar("T")

#: Seconds between folds of pending events (spreads the refresh's work, see ``HotEngine.fold``).
FOLD_SECONDS = 10.0
#: Seconds between hand-overs of the recorders' buffers to the engine.
FLUSH_SECONDS = 1.0
#: How long an account's trust weight is reused before it is computed again from its row.
TRUST_TTL_SECONDS = 300.0
#: National snapshots kept in memory for heat curves (a day at one refresh a minute); older
#: points, and every city's, come from the database.
CURVE_SNAPSHOTS = 1440
#: Refreshes waiting for their history to be written (beyond, the oldest are dropped).
UNWRITTEN_REFRESHES = 30
#: Longest search query counted as a keyword (longer ones are sentences, not keywords).
MAX_KEYWORD_CHARS = 40
#: Characters of a topic or keyword an administrator pins, blocks or reviews, and of a pin's note.
MAX_ADMIN_TOPIC_CHARS = 100
MAX_NOTE_CHARS = 200
#: Errors that mean the engine cannot be reached (Redis down), not a fault of Plaza's.
ENGINE_DOWN: tuple[type[BaseException], ...] = (RedisError, OSError)
#: Batches kept for an unreachable engine (minutes of a busy server's counting); older ones are
#: dropped, so an outage costs counts, never memory.
INBOX_BATCHES = 1000
#: Seconds between two log lines about an unreachable engine.
OUTAGE_REPORT_SECONDS = 60.0


@lru_cache(maxsize=65536)
def _key(name: str) -> str:
    """The topic key of a name as written anywhere (``#重庆暴雨#``, ``#Python``, ``重庆暴雨``)."""
    return topic_key(name.strip().strip("#"))


def _named(name: str) -> str:
    """The key of a topic or keyword an administrator names; too long a name is refused."""
    if len(name.strip().strip("#").strip()) > MAX_ADMIN_TOPIC_CHARS:
        raise Invalid("hot_form_too_long", limit=MAX_ADMIN_TOPIC_CHARS)
    return _key(name)


def _listed(view: StatusView | None) -> bool:
    """Whether a post counts: public (a repost: it and its original)."""
    return view is not None and view.status.visibility == LISTED and (
        view.reblog is None or view.reblog.status.visibility == LISTED)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def account_trust(row: Any, now: float) -> float:
    """An account's trust weight (``plaza.hot.trust``) from its row: age from ``created_at``,
    verified when ``verified_at`` is set (政务号 and real-name accounts), silenced when suspended.

    Activity is approximated from what the row holds: the account counts as active on
    ``min(statuses_count, 30)`` of the last 30 days if it posted within them, else on none (the
    row keeps the number of posts and the time of the last one, not active days).
    """
    created = _aware(row.created_at)
    age_days = (now - created.timestamp()) / 86400.0 if created is not None else 0.0
    last = _aware(getattr(row, "last_status_at", None))
    recent = last is not None and now - last.timestamp() <= 30 * 86400.0
    active = min(int(row.statuses_count or 0), 30) if recent else 0
    return trust_weight(TrustInputs(
        age_days=age_days,
        verified=row.verified_at is not None,
        active_days_30=active,
        silenced=bool(row.suspended),
    ))


@dataclass(frozen=True, slots=True)
class TopicReport:
    """A topic as Plaza's API shows it: its counters (阅读量, 讨论量, 原创量, 互动量, participants),
    its rank and heat on the national list (None when not listed), its heat curve there, and its
    record on it: best rank, seconds on the list and half-life (None until known)."""

    name: str
    key: str
    reads: int
    discussions: int
    originals: int
    interactions: int
    participants: int
    rank: int | None
    heat: int | None
    curve: tuple[CurvePoint, ...]
    peak_rank: int | None = None
    seconds_on_list: float = 0.0
    half_life: float | None = None


class _Slot:
    """One thread's recorder and the lock that lets the flusher take its buffers safely."""

    __slots__ = ("lock", "recorder")

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.lock = threading.Lock()


class HotService:
    """Hot search for one Plaza process (``Plaza.hot``).

    ``engine_factory`` builds the engine on first use (so commands that never touch hot search
    do not load a snapshot); ``HotService.from_settings`` picks ``MemoryEngine`` (snapshot under
    the data folder) without ``PLAZA_REDIS_URL`` and ``RedisEngine`` with it.
    """

    def __init__(
        self,
        db: Database,
        engine_factory: Callable[[], HotEngine],
        *,
        shared: bool,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        describe: str = "",
        enabled: bool = True,
        history: bool = True,
    ) -> None:
        self.db = db
        #: False with ``PLAZA_HOT=off``: the hooks record nothing and no background work runs
        self.enabled = enabled
        self._factory = engine_factory
        self._engine: HotEngine | None = None
        #: True when the engine lives in Redis (shared by processes; its calls do I/O)
        self.shared = shared
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        #: where the engine keeps its state, for people (CLI output, logs)
        self.describe = describe
        self._local = threading.local()
        self._slots: list[_Slot] = []
        self._slots_lock = threading.Lock()
        #: batches waiting for the engine (bounded: a long outage drops the oldest)
        self._inbox: deque[Batch] = deque(maxlen=INBOX_BATCHES)
        self._outage_reported = -math.inf
        #: serialises every call into the engine (the memory engine is not thread-safe, and the
        #: background task and an administrator's request may meet)
        self._engine_lock = threading.RLock()
        self._trust: dict[int, tuple[float, float]] = {}
        self._snapshots: deque[HotSnapshot] = deque(maxlen=CURVE_SNAPSHOTS)
        #: the database side: lists of refreshes, records, administrators' actions
        self.store = HotHistory(db) if db is not None else None
        #: whether this service stores the lists it refreshes (not a CLI's private memory engine)
        self.keep_history = history
        self._unwritten: deque[list[HotSnapshot]] = deque(maxlen=UNWRITTEN_REFRESHES)
        self._writing = threading.Lock()
        self._names: dict[str, str] = {}
        #: the background task of each event loop serving this Plaza (tests may nest servers)
        self._tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, db: Database, *, persist: bool = True) -> HotService:
        """The engine the settings ask for. ``persist=False`` (the CLI) reads the memory engine's
        snapshot but never writes it, so a command cannot overwrite a running server's file (nor
        store its private refreshes in the history)."""
        from plaza.hot.memory import MemoryEngine
        from plaza.hot.redis_engine import RedisEngine

        if settings.redis_url:
            url, prefix = settings.redis_url, settings.redis_prefix
            return cls(db, lambda: RedisEngine(url, prefix=prefix), shared=True,
                       refresh_seconds=settings.hot_refresh_seconds,
                       describe=f"Redis {url} ({prefix}*)", enabled=settings.hot_enabled,
                       history=True)
        path = settings.hot_snapshot_path

        def memory() -> HotEngine:
            private_dir(path.parent)
            return MemoryEngine(snapshot_path=path,
                                snapshot_seconds=5.0 if persist else math.inf)

        return cls(db, memory, shared=False, refresh_seconds=settings.hot_refresh_seconds,
                   describe=str(path), enabled=settings.hot_enabled, history=persist)

    @property
    def engine(self) -> HotEngine:
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._factory()
        return self._engine

    # --- trust and attribution -------------------------------------------------------------

    def trust(self, row: Any) -> float:
        """The account's trust weight, computed from its row at most every few minutes."""
        now = self.clock()
        cached = self._trust.get(row.id)
        if cached is not None and cached[1] > now:
            return cached[0]
        weight = account_trust(row, now)
        self._trust[row.id] = (weight, now + TRUST_TTL_SECONDS)
        return weight

    @staticmethod
    def city_of(view: StatusView) -> str | None:
        """The city a post's activity counts for: the post's city, else its author's home city."""
        return view.status.city or view.account.home_city or None

    def _recorder(self) -> _Slot:
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is None:
            # the background task flushes; the buffer bound is only a safety net
            recorder = Recorder(self._inbox.append, clock=self.clock, max_buffer=8192,
                                flush_seconds=math.inf)
            slot = _Slot(recorder)
            self._local.slot = slot
            with self._slots_lock:
                self._slots.append(slot)
        return slot

    # --- recording hooks (request path: buffer appends only) -------------------------------

    def displayed(self, views: Iterable[StatusView], viewer: Any | None) -> None:
        """A timeline page was shown: one read (阅读) per topic of each public post shown (a
        repost shows its original's topics), grouped by the city each post belongs to, and one
        read of each such post (阅读数; a repost's display is a read of its original)."""
        if not self.enabled:
            return
        by_city: dict[str | None, list[str]] = {}
        posts: list[int] = []
        for view in views:
            shown = view.reblog or view
            if shown.topics and _listed(shown):
                by_city.setdefault(self.city_of(shown), []).extend(_key(t) for t in shown.topics)
                posts.append(shown.status.id)
        if not by_city:
            return
        account_id, trust = (viewer.id, self.trust(viewer)) if viewer is not None else (None, None)
        slot = self._recorder()
        with slot.lock:
            for city, keys in by_city.items():
                slot.recorder.read(keys, account_id, city, trust)
            slot.recorder.post_read(posts)

    def topic_viewed(self, name: str, viewer: Any | None) -> None:
        """A topic page was opened: one read of the topic, in the viewer's home city."""
        if not self.enabled:
            return
        key = _key(name)
        if not key:
            return
        account_id, trust = (viewer.id, self.trust(viewer)) if viewer is not None else (None, None)
        city = viewer.home_city if viewer is not None else None
        slot = self._recorder()
        with slot.lock:
            slot.recorder.read((key,), account_id, city, trust)

    def searched(self, query: str, viewer: Any | None) -> None:
        """A search (搜索热度) for a keyword or topic; URLs and sentence-long queries are not
        keywords and are not counted."""
        if not self.enabled:
            return
        q = query.strip().strip("#").strip()
        if not q or len(q) > MAX_KEYWORD_CHARS or q.startswith(("http://", "https://", "@")):
            return
        key = _key(q)
        account_id, trust = (viewer.id, self.trust(viewer)) if viewer is not None else (None, None)
        city = viewer.home_city if viewer is not None else None
        slot = self._recorder()
        with slot.lock:
            slot.recorder.search(key, account_id, city, trust)

    def posted(self, view: StatusView, author: Any, parent: StatusView | None = None) -> None:
        """A new post: an original (原创) for its topics, or a reply (评论) to ``parent``,
        counted for its own topics and, when the parent is public too, the parent's, in the
        parent's city. Only public posts count."""
        if not self.enabled:
            return
        if not _listed(view):
            return  # unlisted, followers-only and direct posts are not on the square's lists
        if not _listed(parent):
            parent = None  # the public may not see it: its topics and city are not the reply's
        trust = self.trust(author)
        slot = self._recorder()
        if view.status.in_reply_to_id is None:
            keys = list(dict.fromkeys(_key(t) for t in view.topics))
            if keys:
                with slot.lock:
                    slot.recorder.original(keys, author.id, self.city_of(view), trust)
            return
        names = [*(parent.topics if parent is not None else ()), *view.topics]
        keys = list(dict.fromkeys(_key(t) for t in names))
        if keys:
            city = self.city_of(parent if parent is not None else view)
            with slot.lock:
                slot.recorder.reply(keys, author.id, city, trust)

    def reposted(self, original: StatusView, actor: Any, visibility: str = LISTED) -> None:
        """A repost (转发) of ``original`` shown with ``visibility``: discussion and interaction
        for its topics, when the repost is public."""
        if visibility == LISTED:
            self._interaction("repost", original, actor)

    def liked(self, original: StatusView, actor: Any) -> None:
        """A like (点赞) of ``original``: interaction for its topics."""
        self._interaction("like", original, actor)

    def _interaction(self, kind: str, original: StatusView, actor: Any) -> None:
        if not self.enabled:
            return
        shown = original.reblog or original
        if not shown.topics or not _listed(shown):
            return
        keys = list(dict.fromkeys(_key(t) for t in shown.topics))
        trust = self.trust(actor)
        slot = self._recorder()
        with slot.lock:
            slot.recorder.activity(kind, keys, actor.id, self.city_of(shown), trust)

    # --- flushing, folding, refreshing (the background task; tests call them directly) ----

    def flush(self) -> int:
        """Hand every thread's buffers to the engine; returns the number of batches applied."""
        with self._slots_lock:
            slots = list(self._slots)
        for slot in slots:
            with slot.lock:
                slot.recorder.flush()
        applied = 0
        with self._calling() as engine:
            while self._inbox:
                engine.apply(self._inbox[0])
                self._inbox.popleft()  # kept until applied: a short outage loses nothing
                applied += 1
        return applied

    def fold(self, now: float | None = None) -> None:
        self.flush()
        with self._calling() as engine:
            engine.fold(now)

    def refresh(self, now: float | None = None, *, by: int | None = None) -> list[HotSnapshot]:
        """Flush, fold and recompute every list now; keeps the national list for heat curves and,
        when this process did the work, the lists for the history (written at once off the
        event loop, else by the background task). ``by``: an administrator asked for it (logged
        as a manual refresh)."""
        self.flush()
        with self._calling() as engine:
            refreshed = engine.refresh_lists(now)
        lists = refreshed.lists
        self._keep(next((snap for snap in lists if snap.city is None), None))
        if refreshed.performed and self.keep_history and self.store is not None and lists:
            self._unwritten.append(lists)
            if not _on_event_loop():
                self.write_history()
        if by is not None:
            self._audit("refresh", by)
        return lists

    def write_history(self) -> int:
        """Store the refreshes waiting for it (blocking: call it off the event loop); returns the
        lists stored. A failure is logged and the refresh retried at the next call."""
        if self.store is None:
            return 0
        stored = 0
        with self._writing:
            while self._unwritten:
                try:
                    stored += self.store.record(self._unwritten[0])
                except Exception:  # the history must never take counting down
                    log.exception("hot search history could not be written")
                    return stored
                self._unwritten.popleft()
        return stored

    def _keep(self, national: HotSnapshot | None) -> None:
        if national is None:
            return
        if not self._snapshots or self._snapshots[-1].refreshed_at < national.refreshed_at:
            self._snapshots.append(national)

    def save(self) -> None:
        """Write the memory engine's snapshot now (at shutdown); nothing to do with Redis."""
        from plaza.hot.memory import MemoryEngine

        with self._engine_lock:
            engine = self._engine
            if isinstance(engine, MemoryEngine) and engine.snapshot_path is not None \
                    and math.isfinite(engine.snapshot_seconds):
                engine.wait_for_save()
                engine.save(background=False)

    async def io(self, work: Callable[[], T]) -> T:
        """Run engine work in a thread, never on the event loop: with Redis it waits on the
        network; in memory a fold of a busy minute's distinct keys takes up to half a second at a
        million topics (BENCHMARKS.md), and administrators' actions write their history to the
        database. Calls into the engine are serialised by the engine lock."""
        return await asyncio.to_thread(work)

    async def _run(self) -> None:
        start = time.monotonic()
        next_fold, next_refresh = start + FOLD_SECONDS, start + self.refresh_seconds
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                now = time.monotonic()
                if now >= next_refresh:
                    await self.io(self.refresh)
                    next_refresh = now + self.refresh_seconds
                    next_fold = now + FOLD_SECONDS
                    if self._unwritten:
                        await asyncio.to_thread(self.write_history)
                elif now >= next_fold:
                    await self.io(self.fold)
                    next_fold = now + FOLD_SECONDS
                else:
                    await self.io(self.flush)
            except asyncio.CancelledError:
                raise
            except HotSearchUnavailable:  # reported by _calling, once a minute
                continue
            except Exception:  # counting must never take the server down
                log.exception("hot search background work failed")

    def start(self) -> None:
        """Start the background task on the running event loop (the application's lifespan)."""
        if not self.enabled:
            return
        loop = asyncio.get_running_loop()
        if loop not in self._tasks:
            self._tasks[loop] = loop.create_task(self._run(), name="plaza-hot")

    async def stop(self) -> None:
        """Stop this loop's background task, hand over what is buffered, and save the memory
        engine."""
        task = self._tasks.pop(asyncio.get_running_loop(), None)
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        if self._unwritten:
            await asyncio.to_thread(self.write_history)
        if self._engine is None and not self._slots:
            return
        try:
            await self.io(self.flush)
            await self.io(self.save)
        except HotSearchUnavailable:  # reported already; what is buffered is lost
            return
        except Exception:  # a failed last flush must not hide the shutdown
            log.exception("hot search could not flush at shutdown")

    @contextmanager
    def _calling(self) -> Iterator[HotEngine]:
        """The engine, under its lock. An engine that cannot be reached (its Redis down) is
        reported in the log at most once a minute and raised as
        :class:`~plaza.errors.HotSearchUnavailable` (503): readers show no list meanwhile,
        administrators' actions are refused, counting keeps its batches for later."""
        try:
            with self._engine_lock:
                yield self.engine
        except ENGINE_DOWN as exc:
            now = time.monotonic()
            if now - self._outage_reported >= OUTAGE_REPORT_SECONDS:
                self._outage_reported = now
                log.warning("hot search's engine is unreachable (%s): %s", self.describe, exc)
            raise HotSearchUnavailable() from exc

    # --- reading ---------------------------------------------------------------------------

    def hot_list(self, city: str | None = None) -> HotSnapshot | None:
        """The list the last refresh published (national, or one city's), or None (also while
        the engine is unreachable: the square shows no list rather than failing)."""
        try:
            with self._calling() as engine:
                snapshot = engine.hot_list(city)
        except HotSearchUnavailable:
            return None
        if city is None:
            self._keep(snapshot)
        return snapshot

    def names(self, keys: Sequence[str]) -> dict[str, str]:
        """Display names of topic keys (as first written, from the ``topics`` table); a key with
        no topic row (a searched keyword) is its own name."""
        missing = [k for k in dict.fromkeys(keys) if k not in self._names]
        if missing:
            found: dict[str, str] = {}
            with self.db.read() as conn:
                for start in range(0, len(missing), 500):
                    chunk = missing[start:start + 500]
                    for key, name in conn.execute(select(topics_table.c.key, topics_table.c.name)
                                                  .where(topics_table.c.key.in_(chunk))):
                        found[key] = name
            if len(self._names) > 100_000:
                self._names.clear()
            for k in missing:
                self._names[k] = found.get(k, k)
        return {k: self._names[k] for k in keys}

    def ever_listed(self, name: str) -> bool:
        """Whether hot search has shown the topic to everyone: on the national list now, pinned
        on any list, or listed on some list before (it has a record there). Such a topic's page
        is public even if no public post names it (a keyword people searched for, an
        announcement pinned ahead of its posts)."""
        key = _key(name)
        if not key:
            return False
        if any(p.topic == key for p in self.admin_state().pinned.values()):
            return True
        national = self.hot_list(None)
        if national is not None and national.entry(key) is not None:
            return True
        with self.db.read() as conn:
            return conn.execute(select(hot_topic_records.c.topic)
                                .where(hot_topic_records.c.topic == key).limit(1)).first() is not None

    def history(self, name: str, days: int = 7) -> list[DayUse]:
        """Per-day uses and accounts of a topic, today (Beijing time) first (none while the engine
        is unreachable)."""
        try:
            with self._calling() as engine:
                return engine.history(_key(name), days)
        except HotSearchUnavailable:
            return []

    def topic(self, name: str) -> TopicReport:
        """A topic's counters, its place on the national list, its heat curve there (from the
        history) and its record on it."""
        key = _key(name)
        try:
            with self._calling() as engine:
                stats = engine.topic_stats(key)
        except HotSearchUnavailable:  # unknown for the while: shown as nothing counted
            stats = TopicStats(key, 0, 0, 0, 0, 0, 0, 0)
        national = self.hot_list(None)
        entry = national.entry(key) if national is not None else None
        record = self.topic_record(key)
        return TopicReport(
            name=self.names([key])[key], key=key, reads=stats.reads,
            discussions=stats.discussions, originals=stats.originals,
            interactions=stats.interactions, participants=stats.participants,
            rank=entry.rank if entry is not None else None,
            heat=entry.heat if entry is not None else None,
            curve=tuple(self.curve(key)),
            peak_rank=record.peak_rank if record is not None else None,
            seconds_on_list=record.seconds_on_list if record is not None else 0.0,
            half_life=record.half_life if record is not None else None,
        )

    def _recent(self, city: str | None) -> list[HotSnapshot]:
        """This process's lists not (or not yet) in the history: the national refreshes it saw,
        refreshes waiting to be written, and the list published now."""
        recent: dict[float, HotSnapshot] = {}
        if city is None:
            recent.update((s.refreshed_at, s) for s in list(self._snapshots))
        for lists in list(self._unwritten):
            recent.update((s.refreshed_at, s) for s in lists if s.city == city)
        live = self.hot_list(city)
        if live is not None:
            recent[live.refreshed_at] = live
        return [recent[at] for at in sorted(recent)]

    def curve(self, name: str, city: str | None = None, since: float | None = None,
              until: float | None = None) -> list[CurvePoint]:
        """The topic's heat curve on one list (national by default): (time, heat, rank) at each
        refresh that listed it, oldest first, from ``since`` to ``until`` (UNIX times). Stored
        lists come from the database (a list is stored when it changes, so a quiet stretch has
        few points), the newest from this process."""
        key = _key(name)
        stored = self.store.curve(key, city, since, until) if self.store is not None else []
        last = stored[-1].at if stored else -math.inf
        recent = [p for p in heat_curve(self._recent(city), key) if p.at > last
                  and (since is None or p.at >= since) and (until is None or p.at <= until)]
        return stored + recent

    def topic_record(self, name: str, city: str | None = None) -> TopicRecord | None:
        """The topic's long-term record on one list (national by default): first and last time
        on it, seconds on it, best rank, peak heat and when, half-life; None if never listed.
        Lists not stored yet (or unchanged since stored) are counted in."""
        if self.store is None:
            return None
        key = _key(name)
        record = self.store.topic_record(key, city)
        recent = self._recent(city)
        newest: StoredList | None = self.store.newest(city) if recent else None
        previous: Any = newest
        for snap in recent:
            if newest is not None and snap.refreshed_at <= newest.refreshed_at:
                continue  # stored: in the record already
            record = advance(record, key, previous, snap, city)
            previous = snap
        return record

    def post_reads(self, status_ids: Sequence[int]) -> dict[int, int]:
        """Reads (阅读数) of individual posts, by id (posts never read, or older than
        ``plaza.hot.events.POST_READS_DAYS``, are absent). Counts reach the engine with the
        recorders' batches, within about a second."""
        if not status_ids:
            return {}
        try:
            with self._calling() as engine:
                return engine.post_reads(status_ids)
        except HotSearchUnavailable:
            return {}

    # --- administrators (take effect at the next refresh) ----------------------------------

    def admin_state(self) -> AdminState:
        with self._calling() as engine:
            return engine.admin_state()

    def pin(self, name: str, note: str = "", city: str | None = None, *,
            by: int | None = None) -> None:
        """Put a government announcement in the pinned slot (置顶) of one list."""
        key = _named(name)
        if len(note) > MAX_NOTE_CHARS:
            raise Invalid("hot_form_note_too_long", limit=MAX_NOTE_CHARS)
        with self._calling() as engine:
            engine.pin(key, note, city)
        self._audit("pin", by, topic=key, city=city, note=note)

    def unpin(self, city: str | None = None, *, by: int | None = None) -> None:
        with self._calling() as engine:
            engine.unpin(city)
        self._audit("unpin", by, city=city)

    # --- official warnings (预警) pinned on cities' lists -----------------------------------

    def pin_warning(self, pin: WarningPin) -> None:
        """Pin an official warning at the top of the lists of the cities it covers until it
        expires (``plaza.help.warnings`` calls it when a warning is issued or updated)."""
        with self._calling() as engine:
            engine.pin_warning(pin)

    def unpin_warning(self, key: str) -> None:
        """Take a warning off every list at once (cancelled, or replaced by an update)."""
        with self._calling() as engine:
            engine.unpin_warning(key)

    def warnings(self, city: str | None) -> list[WarningPin]:
        """The warnings pinned on a city's list now (by the clock of :mod:`plaza.clock`, so a
        warning leaves the list the moment it expires), the most severe first; none while the
        engine is unreachable. Expired pins are taken off as they are seen."""
        if city is None:
            return []
        try:
            with self._calling() as engine:
                pins = engine.warning_pins()
                now = utcnow().timestamp()
                for expired in [p for p in pins if p.until <= now]:
                    engine.unpin_warning(expired.key)
        except HotSearchUnavailable:
            return []
        return warnings_on(pins, city, now)

    def block_topic(self, name: str, *, by: int | None = None) -> None:
        key = _named(name)
        with self._calling() as engine:
            engine.block_topic(key)
        self._audit("block_topic", by, topic=key)

    def unblock_topic(self, name: str, *, by: int | None = None) -> None:
        key = _named(name)
        with self._calling() as engine:
            engine.unblock_topic(key)
        self._audit("unblock_topic", by, topic=key)

    def block_keyword(self, keyword: str, *, by: int | None = None) -> None:
        key = _named(keyword)
        with self._calling() as engine:
            engine.block_keyword(key)
        self._audit("block_keyword", by, topic=key)

    def unblock_keyword(self, keyword: str, *, by: int | None = None) -> None:
        key = _named(keyword)
        with self._calling() as engine:
            engine.unblock_keyword(key)
        self._audit("unblock_keyword", by, topic=key)

    def set_review(self, enabled: bool, *, by: int | None = None) -> None:
        with self._calling() as engine:
            engine.set_review(enabled)
        self._audit("review_on" if enabled else "review_off", by)

    def approve(self, name: str, *, by: int | None = None) -> None:
        key = _named(name)
        with self._calling() as engine:
            engine.approve(key)
        self._audit("approve", by, topic=key)

    def reject(self, name: str, *, by: int | None = None) -> None:
        key = _named(name)
        with self._calling() as engine:
            engine.reject(key)
        self._audit("reject", by, topic=key)

    def _audit(self, action: str, by: int | None, *, topic: str | None = None,
               city: str | None = None, note: str = "") -> None:
        """Log an administrator's action (the control itself has taken effect already)."""
        if self.store is None:
            return
        self.store.log_action(self.clock(), by, action, topic=topic, city=city, note=note)

    def admin_history(self, limit: int = 50, before: int | None = None) -> list[AdminAction]:
        """Administrators' actions on hot search, newest first; ``before`` (an action's id) pages
        on to older ones."""
        if self.store is None:
            return []
        return self.store.actions(limit, before)

    # --- rebuilding after a crash ------------------------------------------------------------

    def rebuild(
        self, progress: Callable[[str, int], None] | None = None
    ) -> tuple[Recount, int, int]:
        """Recount from the database what the engine can recover from posts (see
        ``plaza.hot.recount``) and replace those counters in the engine; returns the recount,
        the posts and the likes read."""
        from plaza.hot.recount import recount

        self.flush()
        engine = self.engine
        today = day_start(self.clock(), engine.day_offset)
        days = [today - 86400 * k for k in range(engine.history_days)]
        counted, posts, likes = recount(self.db, days=days, day_offset=engine.day_offset,
                                        progress=progress)
        with self._engine_lock:
            engine.restore(counted)
        return counted, posts, likes


def _on_event_loop() -> bool:
    """Whether this thread runs an event loop (then blocking work must go elsewhere)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
