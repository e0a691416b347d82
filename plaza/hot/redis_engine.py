"""Hot search shared by many processes through one Redis: every process records and flushes, any
process may refresh, and all of them serve one and the same lists and counters.

* **Counters** (reads, discussions, …) are Redis hashes (field = topic); **participants** are one
  HyperLogLog per topic; the **per-day history** is a hash of uses and a HyperLogLog of accounts
  per day and topic, expiring after ``history_days``.
* **Flushing**: the recorder pre-aggregates a batch; ``apply`` sends it as a few text blobs to one
  Lua script, so the work is one round trip per ~``chunk`` distinct keys, not per event.
* **Heat** events wait in a ``pending`` hash. ``refresh`` takes a lock, renames ``pending`` to a
  journal entry of the next generation, folds it into the refresher's ``HeatState`` and publishes
  the lists as JSON. A process that refreshes after another one first catches up: it loads the
  last checkpoint of the state (written every ``checkpoint_seconds``) and replays the journal
  entries after it, each at its own time, so every process computes exactly the same state.
* **Administrators' controls** are plain Redis hashes and sets, read by each refresh; official
  warnings pinned on cities' lists are one hash (``warnings``, field = the warning's key), read
  with each list.
* **Reads of posts** are one hash per day of the posts' creation (``pr:<UTC day>``, field = post
  id), expiring once its posts are ``POST_READS_DAYS`` old.

Keys start with ``prefix``; one Redis (not Redis Cluster) is assumed, as the Lua script touches
keys it builds itself.
"""

from __future__ import annotations

import json
import struct
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import redis

from plaza.hot.engine import Clock, DayUse, HotEngine, Recount, Refreshed, TopicStats
from plaza.hot.events import (
    DAY_OFFSET_SECONDS,
    PARTICIPANT_KINDS,
    POST_READS_DAYS,
    USE_KINDS,
    EventKind,
)
from plaza.hot.lists import AdminState, HotSnapshot, Pinned, WarningPin
from plaza.hot.recorder import Batch
from plaza.hot.state import ActDelta, HeatState, ReadDelta
from plaza.storage.ids import ms_of

__all__ = ["RedisEngine"]

# Records are "field\tvalue" lines; a line starting with \x01 switches to another key.
_APPLY = """
local p = ARGV[1]
local key = nil
for rec in string.gmatch(ARGV[2], "[^\\n]+") do
  if string.byte(rec, 1) == 1 then
    key = p .. string.sub(rec, 2)
  else
    local tab = string.find(rec, "\\t", 1, true)
    redis.call("HINCRBY", key, string.sub(rec, 1, tab - 1), string.sub(rec, tab + 1))
  end
end
for rec in string.gmatch(ARGV[3], "[^\\n]+") do
  local parts = {}
  for piece in string.gmatch(rec, "[^\\t]+") do parts[#parts + 1] = piece end
  local k = p .. parts[1]
  for i = 2, #parts do redis.call("PFADD", k, parts[i]) end
end
for rec in string.gmatch(ARGV[4], "[^\\n]+") do
  redis.call("EXPIRE", p .. rec, ARGV[5])
end
return 1
"""
_RENAME_IF_EXISTS = """
if redis.call("EXISTS", KEYS[1]) == 1 then
  redis.call("RENAME", KEYS[1], KEYS[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
"""

_SEP = "\x1f"
_DAY_MS = 86_400_000
_COUNTER_KEYS: dict[str, tuple[str, ...]] = {
    EventKind.ORIGINAL: ("orig", "disc"),
    EventKind.REPOST: ("disc", "inter"),
    EventKind.REPLY: ("inter",),
    EventKind.LIKE: ("inter",),
    EventKind.SEARCH: ("search",),
    EventKind.CLICK: ("click",),
}


class RedisEngine(HotEngine):
    """Counters, participants, history and lists in Redis; heat folded by whichever process
    refreshes (under a lock), from a journal every process can replay."""

    def __init__(
        self,
        client: redis.Redis | str = "redis://127.0.0.1:6379/0",
        prefix: str = "plaza:hot:",
        clock: Clock = time.time,
        history_days: int = 7,
        day_offset: int = DAY_OFFSET_SECONDS,
        checkpoint_seconds: float = 300.0,
        lock_seconds: float = 60.0,
        chunk: int = 20000,
    ) -> None:
        super().__init__(clock, history_days, day_offset)
        # a big flush or journal can keep one call busy for more than redis-py's default 5 s;
        # replies are bytes (decode_responses stays off), which redis-py's annotations cannot say
        self.r: Any = (
            redis.Redis.from_url(client, socket_timeout=120) if isinstance(client, str) else client
        )
        self.prefix = prefix
        self.checkpoint_seconds = checkpoint_seconds
        self.lock_ms = int(lock_seconds * 1000)
        self.chunk = chunk
        self._apply_script = self.r.register_script(_APPLY)
        self._rename_script = self.r.register_script(_RENAME_IF_EXISTS)
        self._release_script = self.r.register_script(_RELEASE)
        self._state = HeatState(epoch=0.0)
        self._gen = 0
        self._last_checkpoint = -1e18
        self._lists: dict[str | None, HotSnapshot] = {}
        #: records dropped because a name held a control character (cannot be encoded)
        self.dropped = 0

    def _k(self, suffix: str) -> str:
        return self.prefix + suffix

    # --- counting --------------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        # Reads: one pending line per (topic, city, read level) and one counter line per topic,
        # built with comprehensions (the bulk of the work); Redis adds lines with equal fields.
        pending_lines: list[str] = []
        totals: Counter[str] = Counter()
        for (city, units), topics in batch.reads.items():
            counted = Counter(topics)
            totals.update(counted)
            prefix = "r" + _SEP
            suffix = f"{_SEP}{city or ''}\t"
            pending_lines += [f"{prefix}{t}{suffix}{units * n}" for t, n in counted.items()]
        read_lines = [f"{t}\t{n}" for t, n in totals.items()]
        if not all(t.isprintable() for t in totals):
            bad = {t for t in totals if not t.isprintable()}
            self.dropped += len(bad)
            read_lines = [f"{t}\t{n}" for t, n in totals.items() if t not in bad]
            pending_lines = [line for line in pending_lines if line.split(_SEP)[1] not in bad]
        hashes: dict[str, dict[str, int]] = {}
        pending: dict[str, int] = {}
        hlls: dict[str, set[str]] = {}
        expire: set[str] = set()
        for (kind, topic, city, account, units, day), count in batch.acts.items():
            if not topic.isprintable():
                self.dropped += 1
                continue
            for name in _COUNTER_KEYS[kind]:
                h = hashes.setdefault(name, {})
                h[topic] = h.get(topic, 0) + count
            who = "" if account is None else str(account)
            field = f"a{_SEP}{kind}{_SEP}{topic}{_SEP}{city or ''}{_SEP}{who}{_SEP}{units}"
            pending[field] = pending.get(field, 0) + count
            if account is not None and kind in PARTICIPANT_KINDS:
                hlls.setdefault("u:" + topic, set()).add(who)
            if kind in USE_KINDS:
                h = hashes.setdefault(f"d:{day}", {})
                h[topic] = h.get(topic, 0) + count
                expire.add(f"d:{day}")
                if account is not None:
                    accounts_key = f"da:{day}:{topic}"
                    hlls.setdefault(accounts_key, set()).add(who)
                    expire.add(accounts_key)
        lines: dict[str, list[str]] = {"reads": read_lines, "pending": pending_lines}
        lines["pending"] += [f"{f}\t{n}" for f, n in pending.items()]
        for name, values in hashes.items():
            lines[name] = [f"{f}\t{n}" for f, n in values.items()]
        post_days: dict[str, int] = {}
        if batch.posts:
            by_day: dict[int, Counter[int]] = {}
            for post, n in Counter(batch.posts).items():
                by_day.setdefault(ms_of(post) // _DAY_MS, Counter())[post] = n
            for day, reads in by_day.items():
                lines[f"pr:{day}"] = [f"{post}\t{n}" for post, n in reads.items()]
                post_days[f"pr:{day}"] = (day + 1) * 86400 + POST_READS_DAYS * 86400
        self._send(lines, hlls, expire, post_days)

    def _send(
        self, lines: dict[str, list[str]], hlls: dict[str, set[str]], expire: set[str],
        expire_at: dict[str, int] | None = None,
    ) -> None:
        """Run the script over the records; ``expire_at`` gives keys an end (UNIX time)."""
        ttl = str((self.history_days + 1) * 86400)
        pipe = self.r.pipeline(transaction=False)
        calls = 0
        for hash_blob, hll_blob, expire_blob in self._chunks(lines, hlls, expire):
            self._apply_script(
                args=[self.prefix, hash_blob, hll_blob, expire_blob, ttl], client=pipe
            )
            calls += 1
        for key, at in (expire_at or {}).items():
            pipe.expireat(self._k(key), at)
        if calls:
            pipe.execute()

    def _chunks(
        self, lines: dict[str, list[str]], hlls: dict[str, set[str]], expire: set[str]
    ) -> Iterator[tuple[str, str, str]]:
        """(hash records, HyperLogLog records, keys to expire) per script call, each at most
        ``chunk`` records; the keys to expire go with the last call, after everything exists."""
        size = self.chunk
        hash_blobs: list[str] = []
        for key, records in lines.items():
            for start in range(0, len(records), size):
                hash_blobs.append("\x01" + key + "\n" + "\n".join(records[start : start + size]))
        hll_lines = [f"{key}\t" + "\t".join(members) for key, members in hlls.items()]
        hll_blobs = ["\n".join(hll_lines[i : i + size]) for i in range(0, len(hll_lines), size)]
        calls = max(len(hash_blobs), len(hll_blobs))
        for i in range(calls):
            yield (
                hash_blobs[i] if i < len(hash_blobs) else "",
                hll_blobs[i] if i < len(hll_blobs) else "",
                "\n".join(expire) if i == calls - 1 else "",
            )

    def topic_stats(self, topic: str) -> TopicStats:
        pipe = self.r.pipeline(transaction=False)
        for name in ("reads", "disc", "orig", "inter", "search", "click"):
            pipe.hget(self._k(name), topic)
        pipe.pfcount(self._k("u:" + topic))
        reads, disc, orig, inter, search, click, participants = pipe.execute()
        return TopicStats(
            topic,
            int(reads or 0),
            int(disc or 0),
            int(orig or 0),
            int(inter or 0),
            int(participants or 0),
            int(search or 0),
            int(click or 0),
        )

    def history(self, topic: str, days: int = 7, now: float | None = None) -> list[DayUse]:
        wanted = self._days(min(days, self.history_days), now)
        pipe = self.r.pipeline(transaction=False)
        for day in wanted:
            pipe.hget(self._k(f"d:{day}"), topic)
            pipe.pfcount(self._k(f"da:{day}:{topic}"))
        found = pipe.execute()
        return [
            DayUse(day, int(found[2 * i] or 0), int(found[2 * i + 1] or 0))
            for i, day in enumerate(wanted)
        ]

    def post_reads(self, status_ids: Sequence[int]) -> dict[int, int]:
        ids = list(dict.fromkeys(status_ids))
        if not ids:
            return {}
        pipe = self.r.pipeline(transaction=False)
        for post in ids:
            pipe.hget(self._k(f"pr:{ms_of(post) // _DAY_MS}"), str(post))
        return {post: int(n) for post, n in zip(ids, pipe.execute(), strict=True) if n is not None}

    def restore(self, recount: Recount) -> None:
        """Rewrite the recountable counters. Each is built under a staging key (expiring in an
        hour, should this be interrupted) and renamed over the live one, so readers never see
        it half-written; events that arrive while this runs are lost from these counters (they
        still count for heat)."""
        days = self._days(self.history_days, None)
        stage = f"rebuild:{uuid.uuid4().hex}:"
        staged: list[str] = []

        def put(name: str, values: dict[str, int] | None = None,
                members: set[int] | None = None) -> None:
            key = self._k(stage + name)
            written = False
            items = [(t, n) for t, n in (values or {}).items() if n and t.isprintable()]
            for start in range(0, len(items), self.chunk):
                self.r.hset(key, mapping=dict(items[start:start + self.chunk]))
                written = True
            ids = [str(m) for m in members or ()]
            for start in range(0, len(ids), self.chunk):
                self.r.pfadd(key, *ids[start:start + self.chunk])
                written = True
            if written:
                self.r.expire(key, 3600)
                staged.append(name)

        put("orig", recount.originals)
        put("disc", recount.discussions)
        put("inter", recount.interactions)
        for topic, accounts in recount.participants.items():
            if topic.isprintable():
                put("u:" + topic, members=accounts)
        for day in days:
            topics = recount.days.get(day, {})
            put(f"d:{day}", {t: uses for t, (uses, _a) in topics.items()})
            for topic, (_uses, accounts) in topics.items():
                if topic.isprintable():
                    put(f"da:{day}:{topic}", members=accounts)
        # what the recount does not have goes; every staged key moves into place
        stale = [self._k(n) for n in ("orig", "disc", "inter", *(f"d:{d}" for d in days))]
        for pattern in ("u:*", *(f"da:{d}:*" for d in days)):
            stale += self.r.scan_iter(match=self._k(pattern), count=1000)
        ttl = (self.history_days + 1) * 86400
        pipe = self.r.pipeline(transaction=True)
        for start in range(0, len(stale), 1000):
            pipe.delete(*stale[start:start + 1000])
        for name in staged:
            pipe.rename(self._k(stage + name), self._k(name))
            if name.startswith(("d:", "da:")):
                pipe.expire(self._k(name), ttl)
            else:
                pipe.persist(self._k(name))
        pipe.execute()

    # --- the shared heat state -------------------------------------------------------------

    def _journal(self, gen: int) -> tuple[list[ReadDelta], list[ActDelta], float] | None:
        """The events one refresh folded in, and its time (None once checkpointed away)."""
        at = self.r.hget(self._k("jt"), str(gen))
        if at is None:
            return None
        # HSCAN, not HGETALL: a journal can hold millions of fields, and one reply that size
        # would block Redis for seconds (the entry never changes, duplicates would merge)
        raw = dict(self.r.hscan_iter(self._k(f"j:{gen}"), count=20000))
        if not self.r.hexists(self._k("jt"), str(gen)):
            return None  # checkpointed and deleted while we read it: the caller starts again
        by_city: dict[str | None, dict[str, int]] = {}
        acts: list[ActDelta] = []
        for field, value in raw.items():
            parts = field.decode().split(_SEP)
            if parts[0] == "r":
                city = parts[2] or None
                counts = by_city.get(city)
                if counts is None:
                    counts = by_city[city] = {}
                counts[parts[1]] = int(value)
            else:
                _, kind, topic, city, who, units = parts
                key = (kind, topic, city or None, int(who) if who else None, int(units))
                acts.append((key, int(value)))
        # a pending read field holds summed trust units: weight 1 unit per counted "read"
        reads: list[ReadDelta] = [(city, 1, counts) for city, counts in by_city.items()]
        return reads, acts, float(at)

    def _catch_up(self) -> None:
        """Make the local state the one the last refresh left: continue from the local state
        when the journal still covers it, else from the checkpoint; replay the journal."""
        for _attempt in range(5):
            gen = int(self.r.get(self._k("gen")) or 0)
            if gen == self._gen:
                return
            blob = self.r.get(self._k("ckpt"))
            checkpointed = struct.unpack("<q", blob[:8])[0] if blob is not None else 0
            if checkpointed <= self._gen < gen:
                state, done = self._state, self._gen
            elif blob is not None:
                state, done = HeatState.loads(blob[8:]), checkpointed
            else:
                state, done = HeatState(epoch=0.0), 0
            for g in range(done + 1, gen + 1):
                journal = self._journal(g)
                if journal is None:
                    break  # a newer checkpoint replaced it meanwhile: start again
                state.fold(*journal)
            else:
                self._state, self._gen = state, gen
                self._lists = self._load_lists()
                return
        raise RuntimeError("hot search state kept moving while catching up")

    # --- lists -----------------------------------------------------------------------------

    def _lock(self) -> str | None:
        token = uuid.uuid4().hex
        return token if self.r.set(self._k("lock"), token, nx=True, px=self.lock_ms) else None

    def _unlock(self, token: str) -> None:
        self._release_script(keys=[self._k("lock")], args=[token])

    def _fold_locked(self, now: float) -> None:
        """Catch up, then turn ``pending`` into the next journal entry and fold it (the caller
        holds the lock)."""
        self._catch_up()
        gen = self._gen + 1
        self._rename_script(keys=[self._k("pending"), self._k(f"j:{gen}")])
        self.r.hset(self._k("jt"), str(gen), repr(now))
        journal = self._journal(gen)
        if journal is None:
            raise RuntimeError(f"hot search journal {gen} vanished under the refresh lock")
        self._state.fold(*journal)
        self.r.set(self._k("gen"), gen)
        self._gen = gen

    def fold(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        token = self._lock()
        if token is None:
            return  # another process is folding or refreshing: it takes these events
        try:
            self._fold_locked(now)
            if now - self._last_checkpoint >= self.checkpoint_seconds:
                self._checkpoint(now)
        finally:
            self._unlock(token)

    def refresh_lists(self, now: float | None = None) -> Refreshed:
        now = self.clock() if now is None else now
        token = self._lock()
        if token is None:  # another process is refreshing
            return Refreshed(list(self._load_lists().values()), False)
        try:
            self._fold_locked(now)
            admin = self.admin_state()
            known = set(admin.pending)
            lists = self._state.rank(now, admin, self._lists, self._totals)
            self._publish(lists)
            new_pending = {t: repr(at) for t, at in admin.pending.items() if t not in known}
            if new_pending:
                for topic, at in new_pending.items():
                    self.r.hsetnx(self._k("review_pending"), topic, at)
            if now - self._last_checkpoint >= self.checkpoint_seconds:
                self._checkpoint(now)
            return Refreshed(list(lists.values()), True)
        finally:
            self._unlock(token)

    def _checkpoint(self, now: float) -> None:
        blob = struct.pack("<q", self._gen) + self._state.dumps()
        self.r.set(self._k("ckpt"), blob)
        old = [g.decode() for g in self.r.hkeys(self._k("jt")) if int(g) <= self._gen]
        if old:
            pipe = self.r.pipeline(transaction=True)  # entries and their times go together
            pipe.delete(*[self._k(f"j:{g}") for g in old])
            pipe.hdel(self._k("jt"), *old)
            pipe.execute()
        self._last_checkpoint = now

    def _totals(self, topics: list[str]) -> dict[str, tuple[int, int]]:
        if not topics:
            return {}
        pipe = self.r.pipeline(transaction=False)
        pipe.hmget(self._k("reads"), topics)
        pipe.hmget(self._k("disc"), topics)
        reads, disc = pipe.execute()
        return {t: (int(r or 0), int(d or 0)) for t, r, d in zip(topics, reads, disc, strict=True)}

    def _publish(self, lists: dict[str | None, HotSnapshot]) -> None:
        listed = self.r.smembers(self._k("listed"))
        names = {"national" if code is None else code for code in lists}
        pipe = self.r.pipeline(transaction=True)
        for code, snap in lists.items():
            pipe.set(
                self._k("list:" + ("national" if code is None else code)),
                json.dumps(snap.to_dict()),
            )
        stale = [n.decode() for n in listed if n.decode() not in names]
        if stale:
            pipe.delete(*[self._k("list:" + n) for n in stale])
            pipe.srem(self._k("listed"), *stale)
        if names:
            pipe.sadd(self._k("listed"), *names)
        pipe.execute()
        self._lists = lists

    def _load_lists(self) -> dict[str | None, HotSnapshot]:
        names = sorted(n.decode() for n in self.r.smembers(self._k("listed")))
        if not names:
            return {}
        raws = self.r.mget([self._k("list:" + n) for n in names])
        lists = {}
        for name, raw in zip(names, raws, strict=True):
            if raw is not None:
                lists[None if name == "national" else name] = HotSnapshot.from_dict(json.loads(raw))
        return lists

    def hot_list(self, city: str | None = None) -> HotSnapshot | None:
        raw = self.r.get(self._k("list:" + ("national" if city is None else city)))
        return HotSnapshot.from_dict(json.loads(raw)) if raw is not None else None

    def heat(self, topic: str, city: str | None = None, now: float | None = None) -> float:
        self._catch_up()
        return self._state.heat(topic, self.clock() if now is None else now, city)

    # --- administrators --------------------------------------------------------------------

    def admin_state(self) -> AdminState:
        pipe = self.r.pipeline(transaction=False)
        pipe.hgetall(self._k("pinned"))
        for name in ("blocked_topics", "blocked_keywords", "approved", "rejected"):
            pipe.smembers(self._k(name))
        pipe.get(self._k("review"))
        pipe.hgetall(self._k("review_pending"))
        pinned, blocked, keywords, approved, rejected, review, pending = pipe.execute()

        def strings(values: Any) -> set[str]:
            return {v.decode() for v in values}

        return AdminState(
            {(k.decode() or None): Pinned.from_dict(json.loads(v)) for k, v in pinned.items()},
            strings(blocked),
            strings(keywords),
            review == b"1",
            strings(approved),
            strings(rejected),
            {k.decode(): float(v) for k, v in pending.items()},
        )

    def pin(
        self, topic: str, note: str = "", city: str | None = None, now: float | None = None
    ) -> None:
        pinned = Pinned(topic, note, self.clock() if now is None else now)
        self.r.hset(self._k("pinned"), city or "", json.dumps(pinned.to_dict()))

    def unpin(self, city: str | None = None) -> None:
        self.r.hdel(self._k("pinned"), city or "")

    def pin_warning(self, pin: WarningPin) -> None:
        self.r.hset(self._k("warnings"), pin.key, json.dumps(pin.to_dict()))

    def unpin_warning(self, key: str) -> None:
        self.r.hdel(self._k("warnings"), key)

    def warning_pins(self) -> list[WarningPin]:
        return [WarningPin.from_dict(json.loads(v)) for v in self.r.hgetall(self._k("warnings")).values()]

    def block_topic(self, topic: str) -> None:
        self.r.sadd(self._k("blocked_topics"), topic)

    def unblock_topic(self, topic: str) -> None:
        self.r.srem(self._k("blocked_topics"), topic)

    def block_keyword(self, keyword: str) -> None:
        self.r.sadd(self._k("blocked_keywords"), keyword.casefold())

    def unblock_keyword(self, keyword: str) -> None:
        self.r.srem(self._k("blocked_keywords"), keyword.casefold())

    def set_review(self, enabled: bool) -> None:
        if enabled:
            self.r.set(self._k("review"), "1")
        else:
            self.r.delete(self._k("review"))

    def approve(self, topic: str) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.sadd(self._k("approved"), topic)
        pipe.srem(self._k("rejected"), topic)
        pipe.hdel(self._k("review_pending"), topic)
        pipe.execute()

    def reject(self, topic: str) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.sadd(self._k("rejected"), topic)
        pipe.srem(self._k("approved"), topic)
        pipe.hdel(self._k("review_pending"), topic)
        pipe.execute()

    def clear(self) -> int:
        """Delete every key under this engine's prefix (tests, benchmarks); returns how many."""
        deleted = 0
        batch: list[bytes] = []
        for key in self.r.scan_iter(match=self.prefix + "*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += self.r.delete(*batch)
                batch = []
        if batch:
            deleted += self.r.delete(*batch)
        return deleted
