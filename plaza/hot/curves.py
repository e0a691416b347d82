"""A topic's story on one list, read from the snapshots of successive refreshes: its heat curve,
time on the list, peak rank and half-life. Pure functions over sequences of rankings (all of one
list, in any order): ``HotSnapshot`` as a refresh publishes it, or a list as
``plaza.hot.history`` stored it.

``record_of`` sums a topic's whole story up as a ``TopicRecord``; ``advance`` carries a record
from one ranking to the next, so the history can keep long-term figures without keeping every
ranking: folding ``advance`` over a sequence gives what ``record_of`` gives over the whole of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from plaza.hot.lists import LIST_SIZE

__all__ = [
    "CurvePoint",
    "Ranked",
    "Ranking",
    "TopicRecord",
    "advance",
    "half_life",
    "heat_curve",
    "peak_rank",
    "record_of",
    "time_on_list",
]


class Ranked(Protocol):
    """One entry of a ranking (``HotEntry`` and stored entries)."""

    @property
    def rank(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def heat(self) -> int: ...


class Ranking(Protocol):
    """One list at one refresh (``HotSnapshot`` and stored lists)."""

    @property
    def refreshed_at(self) -> float: ...
    @property
    def entries(self) -> Sequence[Ranked]: ...
    def entry(self, topic: str) -> Ranked | None: ...


@dataclass(frozen=True, slots=True)
class CurvePoint:
    at: float
    heat: int
    rank: int


@dataclass(frozen=True, slots=True)
class TopicRecord:
    """A topic's long-term figures on one list (``city`` None: the national list): when it first
    came on and was last seen on it, seconds on it (``time_on_list``), its best rank, its peak
    heat and when that was, and its half-life (``half_life``: seconds from the peak to half of
    it; None until that happens)."""

    key: str
    city: str | None
    first_onboard_at: float
    last_seen_at: float
    seconds_on_list: float
    peak_rank: int
    peak_heat: int
    peak_at: float
    half_life: float | None


def _ordered(snapshots: Iterable[Ranking]) -> list[Ranking]:
    return sorted(snapshots, key=lambda s: s.refreshed_at)


def heat_curve(snapshots: Iterable[Ranking], topic: str) -> list[CurvePoint]:
    """(time, heat, rank) at every refresh that listed the topic, oldest first."""
    points = []
    for snap in _ordered(snapshots):
        entry = snap.entry(topic)
        if entry is not None:
            points.append(CurvePoint(snap.refreshed_at, entry.heat, entry.rank))
    return points


def time_on_list(snapshots: Iterable[Ranking], topic: str) -> float:
    """Seconds the topic spent on the list: each refresh that listed it counts until the next
    refresh (the last snapshot counts nothing, as nobody knows yet how long it stands)."""
    ordered = _ordered(snapshots)
    total = 0.0
    for snap, following in pairwise(ordered):
        if snap.entry(topic) is not None:
            total += following.refreshed_at - snap.refreshed_at
    return total


def peak_rank(snapshots: Iterable[Ranking], topic: str) -> int | None:
    """The best (smallest) rank the topic reached, or None if it was never listed."""
    ranks = [p.rank for p in heat_curve(snapshots, topic)]
    return min(ranks) if ranks else None


def half_life(snapshots: Iterable[Ranking], topic: str) -> float | None:
    """Seconds from the topic's peak heat to the first refresh at which its heat was at most half
    the peak, or None if that has not happened yet.

    A refresh that no longer lists the topic counts as "at most half" when the list was full and
    its last entry's heat was at most half the peak (the topic's heat is below that entry's).
    """
    ordered = _ordered(snapshots)
    peak_at: float | None = None
    peak = 0
    for snap in ordered:
        entry = snap.entry(topic)
        if entry is not None and entry.heat > peak:
            peak, peak_at = entry.heat, snap.refreshed_at
    if peak_at is None:
        return None
    for snap in ordered:
        if snap.refreshed_at <= peak_at:
            continue
        entry = snap.entry(topic)
        if entry is not None:
            if entry.heat * 2 <= peak:
                return snap.refreshed_at - peak_at
        elif _pushed_below_half(snap, peak):
            return snap.refreshed_at - peak_at
    return None


def _pushed_below_half(snap: Ranking, peak: int) -> bool:
    """Whether a full list whose entries all sit at most at half ``peak`` leaves a topic it does
    not list at most at half its peak too."""
    return len(snap.entries) >= LIST_SIZE and snap.entries[-1].heat * 2 <= peak


def advance(
    record: TopicRecord | None, topic: str, previous: Ranking | None, current: Ranking,
    city: str | None = None,
) -> TopicRecord | None:
    """The topic's record once ``current`` follows ``previous`` (the list's preceding ranking,
    None for its first): the time since ``previous`` counts as on the list if ``previous``
    listed the topic, then ``current`` may raise the peak, better the rank or reach half-life.
    None while the topic has never been listed."""
    t = current.refreshed_at
    entry = current.entry(topic)
    if record is None:
        if entry is None:
            return None
        return TopicRecord(topic, city, t, t, 0.0, entry.rank, entry.heat, t, None)
    seconds, last_seen, best = record.seconds_on_list, record.last_seen_at, record.peak_rank
    peak, peak_at, halved = record.peak_heat, record.peak_at, record.half_life
    if previous is not None and previous.entry(topic) is not None:
        seconds += t - previous.refreshed_at
    if entry is None:
        if halved is None and t > peak_at and _pushed_below_half(current, peak):
            halved = t - peak_at
    else:
        last_seen, best = t, min(best, entry.rank)
        if entry.heat > peak:
            peak, peak_at, halved = entry.heat, t, None
        elif halved is None and entry.heat * 2 <= peak and t > peak_at:
            halved = t - peak_at
    return TopicRecord(topic, record.city, record.first_onboard_at, last_seen, seconds, best,
                       peak, peak_at, halved)


def record_of(
    snapshots: Iterable[Ranking], topic: str, city: str | None = None
) -> TopicRecord | None:
    """The topic's record over a whole sequence of one list's rankings (None if never listed)."""
    record, previous = None, None
    for snap in _ordered(snapshots):
        record = advance(record, topic, previous, snap, city)
        previous = snap
    return record
