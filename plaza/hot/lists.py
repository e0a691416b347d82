"""What a refresh publishes: hot lists (热搜 / 同城热搜) as snapshots, and the administrators'
controls over them (the pinned slot, blocked topics and keywords, review)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "LIST_SIZE",
    "AdminState",
    "HotEntry",
    "HotSnapshot",
    "Pinned",
    "RankedList",
    "Scope",
    "scope_of",
]

#: Entries on every list (national and each city).
LIST_SIZE = 50

Scope = Literal["national", "city"]


def scope_of(city: str | None) -> Scope:
    return "national" if city is None else "city"


@dataclass(frozen=True, slots=True)
class HotEntry:
    """One ranked entry: ``heat`` is rounded for display, ``onboard_at`` is when the topic came on
    this list (kept across refreshes while it stays on), ``reads`` and ``discussions`` are the
    topic's totals (阅读量, 讨论量)."""

    rank: int
    topic: str
    heat: int
    label: str | None
    onboard_at: float
    reads: int
    discussions: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "topic": self.topic,
            "heat": self.heat,
            "label": self.label,
            "onboard_at": self.onboard_at,
            "reads": self.reads,
            "discussions": self.discussions,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HotEntry:
        return cls(
            int(data["rank"]),
            str(data["topic"]),
            int(data["heat"]),
            data["label"],
            float(data["onboard_at"]),
            int(data["reads"]),
            int(data["discussions"]),
        )


@dataclass(frozen=True, slots=True)
class Pinned:
    """The pinned slot (置顶): a government announcement shown above the ranking, never ranked."""

    topic: str
    note: str
    set_at: float

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "note": self.note, "set_at": self.set_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pinned:
        return cls(str(data["topic"]), str(data["note"]), float(data["set_at"]))


@dataclass(frozen=True, slots=True)
class WarningPin:
    """An official warning (预警) pinned at the top of the lists of the cities it covers until it
    expires (``until``, a UNIX time), above the ranking and the administrators' pinned slot;
    ``key`` is the warning's id, ``order`` its place among several (the most severe first)."""

    key: str
    title: str
    level: str | None
    status_id: int | None
    cities: tuple[str, ...]
    until: float
    order: int = 9
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "level": self.level, "status_id": self.status_id,
                "cities": list(self.cities), "until": self.until, "order": self.order, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WarningPin:
        status_id = data.get("status_id")
        return cls(str(data["key"]), str(data["title"]), data.get("level"),
                   int(status_id) if status_id is not None else None, tuple(data.get("cities", ())),
                   float(data["until"]), int(data.get("order", 9)), str(data.get("note", "")))


def warnings_on(pins: list[WarningPin], city: str | None, now: float) -> list[WarningPin]:
    """The warnings pinned on one list (a city's; the national list has none) at ``now``, the
    most severe first, then the newest."""
    if city is None:
        return []
    shown = [p for p in pins if city in p.cities and p.until > now]
    return sorted(shown, key=lambda p: (p.order, -int(p.key) if p.key.isdigit() else 0))


class RankedList:
    """What every stored or published list offers: its entry for a topic and its topics in
    rank order (mixed into dataclasses with an ``entries`` tuple of ranked entries)."""

    __slots__ = ()
    entries: tuple[Any, ...]

    def entry(self, topic: str) -> Any | None:
        for e in self.entries:
            if e.topic == topic:
                return e
        return None

    def topics(self) -> list[str]:
        return [e.topic for e in self.entries]


@dataclass(frozen=True, slots=True)
class HotSnapshot(RankedList):
    """One list as one refresh published it (``plaza.hot.history`` stores it for heat curves
    when it changed)."""

    scope: Scope
    city: str | None
    refreshed_at: float
    entries: tuple[HotEntry, ...]
    pinned: Pinned | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "city": self.city,
            "refreshed_at": self.refreshed_at,
            "pinned": self.pinned.to_dict() if self.pinned else None,
            "entries": [e.to_dict() for e in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HotSnapshot:
        pinned = data.get("pinned")
        return cls(
            "national" if data["city"] is None else "city",
            data["city"],
            float(data["refreshed_at"]),
            tuple(HotEntry.from_dict(e) for e in data["entries"]),
            Pinned.from_dict(pinned) if pinned else None,
        )


@dataclass(slots=True)
class AdminState:
    """Administrators' controls, read by every refresh.

    * ``pinned``: per list (None = national, else a city code), at most one pinned entry.
    * ``blocked_topics``: topic keys never listed; ``blocked_keywords``: any topic containing one
      of these (case-folded) is never listed.
    * ``review``: when on, a topic appears on a list only once approved (as Mastodon's trend
      review); a topic that would have been listed waits in ``pending`` (topic → first time it
      qualified). ``rejected`` topics are never listed, review on or off.
    """

    pinned: dict[str | None, Pinned] = field(default_factory=dict)
    blocked_topics: set[str] = field(default_factory=set)
    blocked_keywords: set[str] = field(default_factory=set)
    review: bool = False
    approved: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    pending: dict[str, float] = field(default_factory=dict)

    def is_blocked(self, topic: str) -> bool:
        if topic in self.blocked_topics or topic in self.rejected:
            return True
        if not self.blocked_keywords:
            return False
        folded = topic.casefold()
        return any(k in folded for k in self.blocked_keywords)
