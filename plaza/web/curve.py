"""A topic's heat curve (热度曲线) laid out for an inline SVG chart: the page draws it with no
script and no chart library from elsewhere (``templates/_heat_curve.html``).

Pure: points in, coordinates, axis ticks and line segments out. Times are shown in China
Standard Time, as every time on the pages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from statistics import median
from typing import Protocol

__all__ = ["ChartPoint", "HeatChart", "heat_chart"]

CHINA_TIME = timezone(timedelta(hours=8))
#: Time steps the x axis may use between labels, in seconds.
_TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400)
#: Most labels on an axis.
_MAX_TICKS = 6
#: Most points drawn with a marker (a day at one refresh a minute has 1,440).
MAX_MARKERS = 72
#: A gap between points longer than this (and than three usual intervals) breaks the line.
GAP_SECONDS = 1800.0


class CurveLike(Protocol):
    @property
    def at(self) -> float: ...
    @property
    def heat(self) -> int: ...
    @property
    def rank(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One refresh that listed the topic: where it is drawn and what it says."""

    x: float
    y: float
    at: float
    heat: int
    rank: int | None
    #: the refresh time as HH:MM (China Standard Time)
    time: str


@dataclass(frozen=True, slots=True)
class HeatChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    points: tuple[ChartPoint, ...]
    #: ``points`` attributes of one ``<polyline>`` per stretch on the list (a gap breaks the line)
    segments: tuple[str, ...]
    #: the points given a marker (with its hover text) and a row in the table: all of them, or
    #: evenly spread ones with the peak and the latest when there are many
    markers: tuple[ChartPoint, ...]
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, int], ...]
    peak: ChartPoint
    latest: ChartPoint
    start: float
    end: float


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, CHINA_TIME).strftime("%H:%M")


def _nice_step(span: float, ticks: int) -> float:
    """A step of 1, 2 or 5 times a power of ten giving at most about ``ticks`` intervals."""
    raw = max(span / max(ticks, 1), 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def _time_ticks(start: float, end: float) -> list[float]:
    span = end - start
    step = next((s for s in _TIME_STEPS if span / s <= _MAX_TICKS - 1), _TIME_STEPS[-1])
    offset = CHINA_TIME.utcoffset(None).total_seconds()  # type: ignore[union-attr]
    first = math.ceil((start + offset) / step) * step - offset
    ticks = []
    at = first
    while at <= end + 1e-6:
        ticks.append(at)
        at += step
    return ticks


def _segments(points: Sequence[ChartPoint]) -> list[list[ChartPoint]]:
    """Stretches on the list: a gap much longer than the usual interval between points and
    longer than :data:`GAP_SECONDS` (the topic left the list, or counting stopped) starts a new
    stretch. Shorter gaps are joined: the history stores a list only when it changed, so a quiet
    while on the list may have no point."""
    if len(points) < 2:
        return [list(points)] if points else []
    gaps = [b.at - a.at for a, b in pairwise(points)]
    limit = max(3 * median(gaps), GAP_SECONDS)
    stretches: list[list[ChartPoint]] = [[points[0]]]
    for gap, point in zip(gaps, points[1:], strict=True):
        if gap > limit:
            stretches.append([])
        stretches[-1].append(point)
    return stretches


def _least_span(points: Sequence[CurveLike]) -> float:
    """The narrowest time axis: about ten refreshes (ten minutes at one a minute), so a topic
    just listed is not stretched across the whole chart."""
    gaps = [b.at - a.at for a, b in pairwise(points) if b.at > a.at]
    usual = median(gaps) if gaps else 60.0
    return min(600.0, max(60.0, 10 * usual))


def heat_chart(curve: Sequence[CurveLike], *, now: float, window: float = 86400.0,
               width: int = 640, height: int = 220) -> HeatChart | None:
    """Lay out the points of the last ``window`` seconds (or since the first of them, if later)
    up to ``now``; None when there is no point to draw."""
    shown = sorted((p for p in curve if now - window <= p.at <= now + 60), key=lambda p: p.at)
    if not shown:
        return None
    end = max(now, shown[-1].at)
    start = min(shown[0].at, end - _least_span(shown))
    left, top, right, bottom = 52.0, 12.0, width - 14.0, height - 28.0
    top_heat = max(p.heat for p in shown) or 1
    step = _nice_step(top_heat, 4)
    y_max = math.ceil(top_heat / step) * step
    y_ticks = tuple((bottom - (bottom - top) * v / y_max, int(v))
                    for v in (step * k for k in range(int(round(y_max / step)) + 1)))

    def x_of(at: float) -> float:
        return left + (right - left) * (at - start) / (end - start)

    points = tuple(ChartPoint(round(x_of(p.at), 1), round(bottom - (bottom - top) * p.heat / y_max, 1),
                              p.at, p.heat, p.rank, _clock(p.at)) for p in shown)
    segments = tuple(" ".join(f"{p.x},{p.y}" for p in stretch) for stretch in _segments(points))
    x_ticks = tuple((round(x_of(at), 1), _clock(at)) for at in _time_ticks(start, end))
    peak = max(points, key=lambda p: (p.heat, -p.at))
    return HeatChart(width, height, left, top, right, bottom, points, segments,
                     _markers(points, peak), x_ticks, y_ticks, peak, points[-1], start, end)


def _markers(points: Sequence[ChartPoint], peak: ChartPoint,
             most: int = MAX_MARKERS) -> tuple[ChartPoint, ...]:
    if len(points) <= most:
        return tuple(points)
    stride = len(points) / (most - 2)
    chosen = {int(k * stride) for k in range(most - 2)} | {len(points) - 1}
    kept = [p for i, p in enumerate(points) if i in chosen or p is peak]
    return tuple(kept)
