"""The cheap recording path: the web and API layers call the recorder on every read, search and
post; it appends to buffers, and ``flush`` hands them to the engine as a ``Batch``.

Reads are the bulk (a timeline page shows 20 posts), so a read costs one list ``extend``: the
page's topics go onto the list of its (city, read weight) pair, and the engine counts those lists
with ``collections.Counter`` (a C loop). For that to collapse well, a reader's trust is rounded to
one of the ``READ_LEVELS`` (a 1-2-5 series in trust units): reads only feed the spread term,
which is bounded anyway. Reads of individual posts (阅读数) are one more ``extend``, of post ids.
Other events (a few percent) are tuples counted per distinct key.

The recorder is not thread-safe: use one per thread (the web layer runs handlers on one event
loop).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from plaza.hot.events import ACTIVITY_KINDS, DAY_OFFSET_SECONDS, Event, EventKind, day_start
from plaza.hot.trust import ANONYMOUS_UNITS, TRUST_FLOOR, TRUST_UNITS, trust_units

__all__ = ["READ_LEVELS", "ActKey", "Batch", "ReadGroup", "Recorder", "read_level"]

#: (city, read weight in trust units) of a group of reads
ReadGroup = tuple[str | None, int]
#: (kind, topic, city, account_id, trust units, day) of one activity event
ActKey = tuple[str, str, str | None, int | None, int, int]

#: The weights (trust units) a read can have: the 1-2-5 series from the trust floor to 1.
READ_LEVELS = (0, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def read_level(units: int) -> int:
    """The read level nearest to ``units`` on a log scale (0 stays 0)."""
    if units <= 0:
        return 0
    return min(READ_LEVELS[1:], key=lambda level: abs(math.log(level / units)))


#: trust units (0…TRUST_UNITS) → read level
_LEVEL_OF = [read_level(u) for u in range(TRUST_UNITS + 1)]
_FLOOR_UNITS = trust_units(TRUST_FLOOR)
_PLAIN = {str(kind): str(kind.value) for kind in EventKind}


@dataclass(slots=True)
class Batch:
    """What a recorder gathered: the topics read per (city, read level), one entry per topic
    occurrence, the other events counted per distinct key, and the ids of the posts read, one
    entry per display."""

    reads: dict[ReadGroup, list[str]] = field(default_factory=dict)
    acts: Counter[ActKey] = field(default_factory=Counter)
    posts: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return (sum(len(topics) for topics in self.reads.values()) + sum(self.acts.values())
                + len(self.posts))


class Recorder:
    """Buffers events and hands them to ``sink`` (an engine's ``apply``) in batches.

    The trust of an account comes from the call (``trust=``, a weight from
    ``plaza.hot.trust.trust_weight``), else from ``trust_book`` (account id → weight, filled by
    whoever loads accounts), else it is the weight of a fresh account; anonymous events weigh
    ``ANONYMOUS_TRUST``.

    Buffers are flushed when they hold ``max_buffer`` calls, or by ``flush_if_due`` once
    ``flush_seconds`` have passed since the last flush (the web layer calls it every second).
    """

    def __init__(
        self,
        sink: Callable[[Batch], None],
        *,
        clock: Callable[[], float] = time.time,
        max_buffer: int = 8192,
        flush_seconds: float = 1.0,
        day_offset: int = DAY_OFFSET_SECONDS,
    ) -> None:
        self._sink = sink
        self._clock = clock
        self._max = max_buffer
        self._flush_seconds = flush_seconds
        self._day_offset = day_offset
        self._reads: dict[ReadGroup, list[str]] = {}
        self._read_calls = 0
        self._acts: list[ActKey] = []
        self._posts: list[int] = []
        self._last_flush = clock()
        #: account id → trust units
        self._book: dict[int, int] = {}

    # --- trust -----------------------------------------------------------------------------

    def set_trust(self, account_id: int, weight: float) -> None:
        """Remember an account's trust weight for calls that do not pass one."""
        self._book[account_id] = trust_units(weight)

    def _units(self, account_id: int | None, trust: float | None) -> int:
        if trust is not None:
            return trust_units(trust)
        if account_id is None:
            return ANONYMOUS_UNITS
        return self._book.get(account_id, _FLOOR_UNITS)

    # --- recording -------------------------------------------------------------------------

    def read(
        self,
        topics: Sequence[str],
        account_id: int | None = None,
        city: str | None = None,
        trust: float | None = None,
    ) -> None:
        """Reads (阅读量): one per topic occurrence on a page (a timeline page passes the topics
        of its posts, repeats included; a topic page passes its own topic)."""
        if trust is None:
            units = (
                ANONYMOUS_UNITS if account_id is None else self._book.get(account_id, _FLOOR_UNITS)
            )
        else:
            units = int(trust * TRUST_UNITS + 0.5)
            if not 0 <= units <= TRUST_UNITS:
                units = trust_units(trust)
        key = (city, _LEVEL_OF[units])
        group = self._reads.get(key)
        if group is None:
            self._reads[key] = list(topics)
        else:
            group += topics
        self._read_calls += 1
        if self._read_calls >= self._max:
            self.flush()

    def post_read(self, status_ids: Iterable[int]) -> None:
        """Reads of individual posts (阅读数): one per display of each post (pass a repost's
        original)."""
        self._posts += status_ids
        if len(self._posts) >= self._max:
            self.flush()

    def activity(
        self,
        kind: str,
        topics: Iterable[str],
        account_id: int | None,
        city: str | None,
        trust: float | None = None,
        at: float | None = None,
    ) -> None:
        """Anything but a read, for each of ``topics`` (distinct topics of one post)."""
        if kind not in ACTIVITY_KINDS:
            raise ValueError(f"not an activity event kind: {kind!r}")
        kind = _PLAIN[kind]  # a plain str: batches are marshalled and sent as text
        units = self._units(account_id, trust)
        day = day_start(self._clock() if at is None else at, self._day_offset)
        append = self._acts.append
        for topic in topics:
            append((kind, topic, city, account_id, units, day))
        if len(self._acts) >= self._max:
            self.flush()

    def search(
        self, keyword: str, account_id: int | None, city: str | None, trust: float | None = None
    ) -> None:
        """A search for a keyword or topic (search heat)."""
        self.activity(EventKind.SEARCH, (keyword,), account_id, city, trust)

    def click(
        self, keyword: str, account_id: int | None, city: str | None, trust: float | None = None
    ) -> None:
        """A click-through from the search results of a keyword (search heat)."""
        self.activity(EventKind.CLICK, (keyword,), account_id, city, trust)

    def original(
        self, topics: Iterable[str], account_id: int, city: str | None, trust: float | None = None
    ) -> None:
        """An original post (原创) carrying ``topics``."""
        self.activity(EventKind.ORIGINAL, topics, account_id, city, trust)

    def repost(
        self, topics: Iterable[str], account_id: int, city: str | None, trust: float | None = None
    ) -> None:
        """A repost (转发) of a post carrying ``topics``."""
        self.activity(EventKind.REPOST, topics, account_id, city, trust)

    def reply(
        self, topics: Iterable[str], account_id: int, city: str | None, trust: float | None = None
    ) -> None:
        """A reply (评论) to a post carrying ``topics``."""
        self.activity(EventKind.REPLY, topics, account_id, city, trust)

    def like(
        self, topics: Iterable[str], account_id: int, city: str | None, trust: float | None = None
    ) -> None:
        """A like (点赞) of a post carrying ``topics``."""
        self.activity(EventKind.LIKE, topics, account_id, city, trust)

    def record(self, event: Event) -> None:
        """One event in full (slower than the methods above; for replays and tests)."""
        if event.kind == EventKind.READ:
            self.read((event.topic,), event.account_id, event.city, event.trust)
        else:
            self.activity(
                event.kind, (event.topic,), event.account_id, event.city, event.trust, event.at
            )

    # --- flushing --------------------------------------------------------------------------

    def pending(self) -> int:
        """Buffered calls not yet flushed."""
        return self._read_calls + len(self._acts) + len(self._posts)

    def flush_if_due(self) -> bool:
        if self._clock() - self._last_flush < self._flush_seconds:
            return False
        self.flush()
        return True

    def flush(self) -> None:
        """Aggregate the buffers and hand the batch to the sink."""
        self._last_flush = self._clock()
        reads, self._reads = self._reads, {}
        acts, self._acts = self._acts, []
        posts, self._posts = self._posts, []
        self._read_calls = 0
        if not reads and not acts and not posts:
            return
        self._sink(Batch(reads, Counter(acts), posts))
