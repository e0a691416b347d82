"""The interface both hot-search engines implement (``MemoryEngine``: one process;
``RedisEngine``: many processes on one Redis), and the values it returns."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from plaza.hot.events import DAY_OFFSET_SECONDS, day_start
from plaza.hot.lists import AdminState, HotSnapshot, WarningPin
from plaza.hot.recorder import Batch, Recorder

__all__ = ["Clock", "DayUse", "HotEngine", "Recount", "Refreshed", "TopicStats"]

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class TopicStats:
    """A topic's totals since counting began: 阅读量 reads, 讨论量 discussions (originals +
    reposts), 原创量 originals, 互动量 interactions (replies + reposts + likes), unique
    participants (accounts that posted, reposted, replied or liked; exact in memory, a
    HyperLogLog estimate in Redis), searches and search click-throughs."""

    name: str
    reads: int
    discussions: int
    originals: int
    interactions: int
    participants: int
    searches: int
    clicks: int


@dataclass(frozen=True, slots=True)
class DayUse:
    """One day of Mastodon's ``Tag.history``: ``day`` (UNIX time the Beijing day began), ``uses``
    (originals and reposts carrying the topic) and ``accounts`` (distinct accounts among them)."""

    day: int
    uses: int
    accounts: int


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What one ``refresh_lists`` call gives: every list (national first), and whether this
    engine computed them (False: another process held the refresh and these are its lists)."""

    lists: list[HotSnapshot]
    performed: bool


@dataclass(slots=True)
class Recount:
    """The counters the square's posts can tell again (``plaza.hot.recount``): per topic key the
    originals (原创量), discussions (讨论量: originals and reposts), interactions (互动量: replies,
    reposts, likes) and participants, and per day (``day_start``) and topic the uses and the
    accounts among them (``Tag.history``)."""

    originals: Counter[str] = field(default_factory=Counter)
    discussions: Counter[str] = field(default_factory=Counter)
    interactions: Counter[str] = field(default_factory=Counter)
    participants: dict[str, set[int]] = field(default_factory=dict)
    days: dict[int, dict[str, tuple[int, set[int]]]] = field(default_factory=dict)

    def topics(self) -> set[str]:
        return {*self.originals, *self.discussions, *self.interactions, *self.participants}


class HotEngine(ABC):
    """Counting and ranking for hot search. Events come in through ``recorder()``; ``refresh``
    (every ``PLAZA_HOT_REFRESH_SECONDS``) recomputes heat and publishes the lists; administrators'
    controls take effect at the next refresh."""

    def __init__(
        self, clock: Clock = time.time, history_days: int = 7, day_offset: int = DAY_OFFSET_SECONDS
    ) -> None:
        self.clock = clock
        self.history_days = history_days
        self.day_offset = day_offset

    def recorder(self, max_buffer: int = 8192, flush_seconds: float = 1.0) -> Recorder:
        """A recorder whose batches go to this engine (one per thread)."""
        return Recorder(
            self.apply,
            clock=self.clock,
            max_buffer=max_buffer,
            flush_seconds=flush_seconds,
            day_offset=self.day_offset,
        )

    def _days(self, days: int, now: float | None) -> list[int]:
        today = day_start(self.clock() if now is None else now, self.day_offset)
        return [today - 86400 * k for k in range(days)]

    # --- counting --------------------------------------------------------------------------

    @abstractmethod
    def apply(self, batch: Batch) -> None:
        """Add a recorder's batch to the counters and to the heat pending the next refresh."""

    @abstractmethod
    def topic_stats(self, topic: str) -> TopicStats:
        """The topic's totals (zeros for a topic never seen)."""

    @abstractmethod
    def history(self, topic: str, days: int = 7, now: float | None = None) -> list[DayUse]:
        """Per-day uses and accounts, today first, ``days`` days (at most ``history_days``)."""

    @abstractmethod
    def post_reads(self, status_ids: Sequence[int]) -> dict[int, int]:
        """Reads (阅读数) of individual posts, for those of ``status_ids`` read at least once
        within the first ``POST_READS_DAYS`` days of their life (``plaza.hot.events``)."""

    @abstractmethod
    def restore(self, recount: Recount) -> None:
        """Replace originals, discussions, interactions, participants and the per-day history of
        every topic with ``recount`` (days outside ``history_days`` are ignored); reads,
        searches, click-throughs, post reads, heat, lists and controls stay."""

    # --- lists -----------------------------------------------------------------------------

    @abstractmethod
    def fold(self, now: float | None = None) -> None:
        """Fold the pending events into the heat state without publishing lists. ``refresh``
        folds too; calling this every few seconds between refreshes spreads the work (and gives
        heat a finer time resolution)."""

    @abstractmethod
    def refresh_lists(self, now: float | None = None) -> Refreshed:
        """Fold pending events in, recompute heat, publish and return every list (national
        first, then the cities that have one), saying whether this engine did the work."""

    def refresh(self, now: float | None = None) -> list[HotSnapshot]:
        """``refresh_lists``'s lists."""
        return self.refresh_lists(now).lists

    @abstractmethod
    def hot_list(self, city: str | None = None) -> HotSnapshot | None:
        """The list the last refresh published (national, or one city's), or None."""

    @abstractmethod
    def heat(self, topic: str, city: str | None = None, now: float | None = None) -> float:
        """The topic's current heat as the refreshing process knows it (0 when not a candidate)."""

    # --- administrators --------------------------------------------------------------------

    @abstractmethod
    def admin_state(self) -> AdminState:
        """A copy of the administrators' controls."""

    @abstractmethod
    def pin(
        self, topic: str, note: str = "", city: str | None = None, now: float | None = None
    ) -> None:
        """Put a government announcement in the pinned slot of one list (replacing any)."""

    @abstractmethod
    def unpin(self, city: str | None = None) -> None: ...

    @abstractmethod
    def pin_warning(self, pin: WarningPin) -> None:
        """Pin an official warning on the lists of the cities it covers (replacing one of the
        same key) until it expires."""

    @abstractmethod
    def unpin_warning(self, key: str) -> None:
        """Take a warning off every list (cancelled, replaced by an update, or expired)."""

    @abstractmethod
    def warning_pins(self) -> list[WarningPin]:
        """Every warning pinned (expired ones included until taken off)."""

    @abstractmethod
    def block_topic(self, topic: str) -> None:
        """Never list this topic."""

    @abstractmethod
    def unblock_topic(self, topic: str) -> None: ...

    @abstractmethod
    def block_keyword(self, keyword: str) -> None:
        """Never list a topic containing this keyword (case-folded)."""

    @abstractmethod
    def unblock_keyword(self, keyword: str) -> None: ...

    @abstractmethod
    def set_review(self, enabled: bool) -> None:
        """Review mode: new entries appear only once approved."""

    @abstractmethod
    def approve(self, topic: str) -> None:
        """Let a topic appear on lists (it leaves the review queue)."""

    @abstractmethod
    def reject(self, topic: str) -> None:
        """Keep a topic off every list (it leaves the review queue)."""

    def pending_review(self) -> list[str]:
        """Topics waiting for review, oldest first."""
        pending = self.admin_state().pending
        return sorted(pending, key=lambda t: (pending[t], t))
