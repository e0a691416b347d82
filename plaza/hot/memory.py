"""Hot search in one process (embedded mode, no Redis): counters, heat and lists in memory, saved
to a snapshot file every few seconds (by a forked child, with an atomic write), so a restart loses
at most the last ``snapshot_seconds`` plus one save's duration of counts (posts themselves are in
the database and are never lost). Not thread-safe: call it from one thread (the event loop)."""

from __future__ import annotations

import marshal
import os
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plaza.hot.engine import Clock, DayUse, HotEngine, Recount, Refreshed, TopicStats
from plaza.hot.events import (
    DAY_OFFSET_SECONDS,
    PARTICIPANT_KINDS,
    POST_READS_DAYS,
    USE_KINDS,
    EventKind,
)
from plaza.hot.lists import AdminState, HotSnapshot, Pinned, WarningPin
from plaza.hot.recorder import Batch, ReadGroup
from plaza.hot.state import HeatState
from plaza.storage.ids import id_at

__all__ = ["MemoryEngine"]

_FORMAT = 1
#: Seconds between two prunings of the reads of posts past ``POST_READS_DAYS``.
_POST_PRUNE_SECONDS = 3600.0
# Columns of a topic's counter row.
_DISCUSSIONS, _ORIGINALS, _INTERACTIONS, _SEARCHES, _CLICKS = range(5)
_COLUMNS: dict[str, tuple[int, ...]] = {
    EventKind.ORIGINAL: (_ORIGINALS, _DISCUSSIONS),
    EventKind.REPOST: (_DISCUSSIONS, _INTERACTIONS),
    EventKind.REPLY: (_INTERACTIONS,),
    EventKind.LIKE: (_INTERACTIONS,),
    EventKind.SEARCH: (_SEARCHES,),
    EventKind.CLICK: (_CLICKS,),
}


class MemoryEngine(HotEngine):
    """All state in this process; ``snapshot_path`` (optional) makes it survive restarts."""

    def __init__(
        self,
        clock: Clock = time.time,
        snapshot_path: str | os.PathLike[str] | None = None,
        snapshot_seconds: float = 5.0,
        history_days: int = 7,
        day_offset: int = DAY_OFFSET_SECONDS,
        background_saves: bool = True,
    ) -> None:
        super().__init__(clock, history_days, day_offset)
        self.snapshot_path = Path(snapshot_path) if snapshot_path is not None else None
        self.snapshot_seconds = snapshot_seconds
        now = clock()
        self._state = HeatState(epoch=now)
        self._reads: Counter[str] = Counter()
        self._counts: dict[str, list[int]] = {}
        self._participants: dict[str, set[int]] = {}
        #: day → topic → [uses, accounts]
        self._history: dict[int, dict[str, tuple[list[int], set[int]]]] = {}
        self._pending_reads: dict[ReadGroup, Counter[str]] = {}
        self._pending_acts: Counter[tuple[str, str, str | None, int | None, int]] = Counter()
        self._admin = AdminState()
        #: official warnings pinned on cities' lists, by key
        self._warnings: dict[str, WarningPin] = {}
        self._lists: dict[str | None, HotSnapshot] = {}
        #: post id → reads (阅读数)
        self._post_reads: Counter[int] = Counter()
        self._last_post_prune = now
        self._last_save = now
        #: save in a forked child (see ``save``); tests and small states may write in place
        self.background_saves = background_saves
        self._saver: int | None = None
        if self.snapshot_path is not None and self.snapshot_path.exists():
            self._load(self.snapshot_path.read_bytes())

    # --- counting --------------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        # One C counting pass per read: totals are the folded reads plus what is pending.
        pending = self._pending_reads
        for group, topics in batch.reads.items():
            counter = pending.get(group)
            if counter is None:
                counter = pending[group] = Counter()
            counter.update(topics)
        if batch.acts:
            self._apply_acts(batch)
        if batch.posts:
            self._post_reads.update(batch.posts)
        self.save_if_due()

    def _apply_acts(self, batch: Batch) -> None:
        counts, participants, history = self._counts, self._participants, self._history
        pending = self._pending_acts
        for (kind, topic, city, account, units, day), count in batch.acts.items():
            row = counts.get(topic)
            if row is None:
                row = counts[topic] = [0, 0, 0, 0, 0]
            for column in _COLUMNS[kind]:
                row[column] += count
            if account is not None and kind in PARTICIPANT_KINDS:
                participants.setdefault(topic, set()).add(account)
            if kind in USE_KINDS:
                uses, accounts = history.setdefault(day, {}).setdefault(topic, ([0], set()))
                uses[0] += count
                if account is not None:
                    accounts.add(account)
            key = (kind, topic, city, account, units)
            pending[key] += count

    def topic_stats(self, topic: str) -> TopicStats:
        row = self._counts.get(topic, [0, 0, 0, 0, 0])
        return TopicStats(
            topic,
            self._reads.get(topic, 0) + sum(c.get(topic, 0) for c in self._pending_reads.values()),
            row[_DISCUSSIONS],
            row[_ORIGINALS],
            row[_INTERACTIONS],
            len(self._participants.get(topic, ())),
            row[_SEARCHES],
            row[_CLICKS],
        )

    def history(self, topic: str, days: int = 7, now: float | None = None) -> list[DayUse]:
        result = []
        for day in self._days(min(days, self.history_days), now):
            uses, accounts = self._history.get(day, {}).get(topic, ([0], set()))
            result.append(DayUse(day, uses[0], len(accounts)))
        return result

    def post_reads(self, status_ids: Sequence[int]) -> dict[int, int]:
        reads = self._post_reads
        return {i: reads[i] for i in status_ids if i in reads}

    def _prune_post_reads(self, now: float) -> None:
        if now - self._last_post_prune < _POST_PRUNE_SECONDS:
            return
        self._last_post_prune = now
        oldest = id_at(int((now - POST_READS_DAYS * 86400.0) * 1000))
        for post in [i for i in self._post_reads if i < oldest]:
            del self._post_reads[post]

    def restore(self, recount: Recount) -> None:
        counts = self._counts
        for topic in recount.topics() | counts.keys():
            row = counts.get(topic)
            if row is None:
                row = counts[topic] = [0, 0, 0, 0, 0]
            row[_DISCUSSIONS] = recount.discussions.get(topic, 0)
            row[_ORIGINALS] = recount.originals.get(topic, 0)
            row[_INTERACTIONS] = recount.interactions.get(topic, 0)
        self._participants = {t: set(a) for t, a in recount.participants.items() if a}
        kept = set(self._days(self.history_days, None))
        self._history = {
            day: {t: ([uses], set(accounts)) for t, (uses, accounts) in topics.items()}
            for day, topics in recount.days.items() if day in kept
        }

    # --- lists -----------------------------------------------------------------------------

    def _totals(self, topics: list[str]) -> dict[str, tuple[int, int]]:
        reads, counts = self._reads, self._counts
        return {t: (reads.get(t, 0), counts[t][_DISCUSSIONS] if t in counts else 0) for t in topics}

    def fold(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        reads = [(city, units, counter) for (city, units), counter in self._pending_reads.items()]
        for counter in self._pending_reads.values():
            self._reads.update(counter)
        acts = list(self._pending_acts.items())
        self._pending_reads = {}
        self._pending_acts = Counter()
        self._state.fold(reads, acts, now)

    def refresh_lists(self, now: float | None = None) -> Refreshed:
        now = self.clock() if now is None else now
        self.fold(now)
        self._lists = self._state.rank(now, self._admin, self._lists, self._totals)
        oldest = self._days(self.history_days, now)[-1]
        for day in [d for d in self._history if d < oldest]:
            del self._history[day]
        self._prune_post_reads(now)
        self.save_if_due(now)
        return Refreshed(list(self._lists.values()), True)

    def hot_list(self, city: str | None = None) -> HotSnapshot | None:
        return self._lists.get(city)

    def heat(self, topic: str, city: str | None = None, now: float | None = None) -> float:
        return self._state.heat(topic, self.clock() if now is None else now, city)

    # --- administrators --------------------------------------------------------------------

    def admin_state(self) -> AdminState:
        a = self._admin
        return AdminState(
            dict(a.pinned),
            set(a.blocked_topics),
            set(a.blocked_keywords),
            a.review,
            set(a.approved),
            set(a.rejected),
            dict(a.pending),
        )

    def pin(
        self, topic: str, note: str = "", city: str | None = None, now: float | None = None
    ) -> None:
        self._admin.pinned[city] = Pinned(topic, note, self.clock() if now is None else now)

    def unpin(self, city: str | None = None) -> None:
        self._admin.pinned.pop(city, None)

    def pin_warning(self, pin: WarningPin) -> None:
        self._warnings[pin.key] = pin

    def unpin_warning(self, key: str) -> None:
        self._warnings.pop(key, None)

    def warning_pins(self) -> list[WarningPin]:
        return list(self._warnings.values())

    def block_topic(self, topic: str) -> None:
        self._admin.blocked_topics.add(topic)

    def unblock_topic(self, topic: str) -> None:
        self._admin.blocked_topics.discard(topic)

    def block_keyword(self, keyword: str) -> None:
        self._admin.blocked_keywords.add(keyword.casefold())

    def unblock_keyword(self, keyword: str) -> None:
        self._admin.blocked_keywords.discard(keyword.casefold())

    def set_review(self, enabled: bool) -> None:
        self._admin.review = enabled

    def approve(self, topic: str) -> None:
        self._admin.approved.add(topic)
        self._admin.rejected.discard(topic)
        self._admin.pending.pop(topic, None)

    def reject(self, topic: str) -> None:
        self._admin.rejected.add(topic)
        self._admin.approved.discard(topic)
        self._admin.pending.pop(topic, None)

    # --- persistence -----------------------------------------------------------------------

    def save_if_due(self, now: float | None = None) -> bool:
        """Start a save if ``snapshot_seconds`` have passed since the last one."""
        if self.snapshot_path is None:
            return False
        now = self.clock() if now is None else now
        if now - self._last_save < self.snapshot_seconds:
            return False
        return self.save(now, background=self.background_saves)

    def save(self, now: float | None = None, background: bool = False) -> bool:
        """Write the whole engine to ``snapshot_path`` atomically (temp file, fsync, rename).

        With ``background`` the writing happens in a forked child (as Redis's BGSAVE: the
        child sees a copy-on-write image of this moment, the process goes on at once); a save
        still running is not doubled (returns False). Without ``fork`` it writes in place.
        """
        if self.snapshot_path is None:
            raise ValueError("this engine has no snapshot_path")
        if self.saving():
            return False
        self._last_save = self.clock() if now is None else now
        if background and hasattr(os, "fork"):
            pid = os.fork()
            if pid:
                self._saver = pid
                return True
            # the child: write, then leave without running any of the parent's cleanup
            code = 1
            try:
                self._write(self.snapshot_path)
                code = 0
            finally:
                os._exit(code)
        self._write(self.snapshot_path)
        return True

    def saving(self) -> bool:
        """Whether a background save is still running (reaps it when it has ended)."""
        if self._saver is None:
            return False
        pid, _status = os.waitpid(self._saver, os.WNOHANG)
        if pid == 0:
            return True
        self._saver = None
        return False

    def wait_for_save(self) -> None:
        """Block until a background save has finished."""
        if self._saver is not None:
            os.waitpid(self._saver, 0)
            self._saver = None

    def _write(self, path: Path) -> None:
        a = self._admin
        data: dict[str, Any] = {
            "format": _FORMAT,
            "state": self._state.dumps(),
            "reads": dict(self._reads),
            "counts": self._counts,
            "participants": self._participants,
            "history": {
                day: {t: (u[0], acc) for t, (u, acc) in topics.items()}
                for day, topics in self._history.items()
            },
            "pending_reads": {g: dict(c) for g, c in self._pending_reads.items()},
            "pending_acts": dict(self._pending_acts),
            "admin": {
                "pinned": {c: p.to_dict() for c, p in a.pinned.items()},
                "blocked_topics": a.blocked_topics,
                "blocked_keywords": a.blocked_keywords,
                "review": a.review,
                "approved": a.approved,
                "rejected": a.rejected,
                "pending": a.pending,
            },
            "lists": {c: s.to_dict() for c, s in self._lists.items()},
            "warnings": {k: p.to_dict() for k, p in self._warnings.items()},
            "post_reads": dict(self._post_reads),
        }
        raw = marshal.dumps(data)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        # 0600: what people read and searched is nobody else's business on this machine
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _load(self, raw: bytes) -> None:
        data = marshal.loads(raw)
        if data.get("format") != _FORMAT:
            raise ValueError(f"unknown hot search snapshot format in {self.snapshot_path}")
        self._state = HeatState.loads(data["state"])
        self._reads = Counter(data["reads"])
        self._counts = data["counts"]
        self._participants = data["participants"]
        self._history = {
            day: {t: ([u], set(acc)) for t, (u, acc) in topics.items()}
            for day, topics in data["history"].items()
        }
        self._pending_reads = {g: Counter(c) for g, c in data["pending_reads"].items()}
        self._pending_acts = Counter(data["pending_acts"])
        a = data["admin"]
        self._admin = AdminState(
            {c: Pinned.from_dict(p) for c, p in a["pinned"].items()},
            set(a["blocked_topics"]),
            set(a["blocked_keywords"]),
            bool(a["review"]),
            set(a["approved"]),
            set(a["rejected"]),
            dict(a["pending"]),
        )
        self._lists = {c: HotSnapshot.from_dict(s) for c, s in data["lists"].items()}
        self._post_reads = Counter(data.get("post_reads", {}))  # absent from older snapshots
        self._warnings = {k: WarningPin.from_dict(p) for k, p in data.get("warnings", {}).items()}
