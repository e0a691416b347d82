"""A topic's story on one list, read from the snapshots of successive refreshes: its heat curve,
time on the list, peak rank and half-life. Pure functions over ``HotSnapshot`` sequences (all of
one list, in any order)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from plaza.hot.lists import LIST_SIZE, HotSnapshot

__all__ = ["CurvePoint", "half_life", "heat_curve", "peak_rank", "time_on_list"]


@dataclass(frozen=True, slots=True)
class CurvePoint:
    at: float
    heat: int
    rank: int


def _ordered(snapshots: Iterable[HotSnapshot]) -> list[HotSnapshot]:
    return sorted(snapshots, key=lambda s: s.refreshed_at)


def heat_curve(snapshots: Iterable[HotSnapshot], topic: str) -> list[CurvePoint]:
    """(time, heat, rank) at every refresh that listed the topic, oldest first."""
    points = []
    for snap in _ordered(snapshots):
        entry = snap.entry(topic)
        if entry is not None:
            points.append(CurvePoint(snap.refreshed_at, entry.heat, entry.rank))
    return points


def time_on_list(snapshots: Iterable[HotSnapshot], topic: str) -> float:
    """Seconds the topic spent on the list: each refresh that listed it counts until the next
    refresh (the last snapshot counts nothing, as nobody knows yet how long it stands)."""
    ordered = _ordered(snapshots)
    total = 0.0
    for snap, following in pairwise(ordered):
        if snap.entry(topic) is not None:
            total += following.refreshed_at - snap.refreshed_at
    return total


def peak_rank(snapshots: Iterable[HotSnapshot], topic: str) -> int | None:
    """The best (smallest) rank the topic reached, or None if it was never listed."""
    ranks = [p.rank for p in heat_curve(snapshots, topic)]
    return min(ranks) if ranks else None


def half_life(snapshots: Iterable[HotSnapshot], topic: str) -> float | None:
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
        elif len(snap.entries) >= LIST_SIZE and snap.entries[-1].heat * 2 <= peak:
            return snap.refreshed_at - peak_at
    return None
