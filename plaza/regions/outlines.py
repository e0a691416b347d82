"""Outlines of provinces and prefecture-level cities (simplified polygons shipped in
``outlines.json``; source and licence in ``OUTLINES.md``), for maps drawn on the server.

Pure: codes in, polygons of ``(longitude, latitude)`` out; nothing leaves the machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from plaza import regions

Ring = tuple[tuple[float, float], ...]
#: one polygon: its outline, then its holes
Polygon = tuple[Ring, ...]


@dataclass(frozen=True, slots=True)
class Outline:
    code: str
    name: str
    #: "province" or "city"
    level: str
    polygons: tuple[Polygon, ...]
    #: (west, south, east, north) in degrees
    bbox: tuple[float, float, float, float]


def _outline(code: str, name: str, level: str, polygons: tuple[Polygon, ...]) -> Outline:
    xs = [x for polygon in polygons for x, _ in polygon[0]]
    ys = [y for polygon in polygons for _, y in polygon[0]]
    return Outline(code, name, level, polygons, (min(xs), min(ys), max(xs), max(ys)))


def _ring(numbers: list[int], scale: float) -> Ring:
    points, x, y = [], 0, 0
    for i in range(0, len(numbers), 2):
        x, y = x + numbers[i], y + numbers[i + 1]
        points.append((x / scale, y / scale))
    return tuple(points)


@lru_cache(maxsize=1)
def _layers() -> dict[str, dict[str, Outline]]:
    with resources.files(__package__).joinpath("outlines.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    scale = float(data["scale"])
    layers: dict[str, dict[str, Outline]] = {}
    for layer, level in (("provinces", "province"), ("cities", "city")):
        layers[level] = {code: _outline(code, entry["name"], level, tuple(
            tuple(_ring(ring, scale) for ring in polygon) for polygon in entry["polygons"]))
            for code, entry in data[layer].items()}
    return layers


def province(code: str) -> Outline | None:
    """The outline of the province ``code`` lies in."""
    return _layers()["province"].get(code[:2] + "0000") if len(code) == 6 else None


def city(code: str) -> Outline | None:
    """The outline of the city ``code`` belongs to (a county: its city; a municipality whole)."""
    city_code = regions.city_code(code)
    return _layers()["city"].get(city_code) if city_code else None


def of(code: str) -> Outline | None:
    """The closest outline there is for ``code``: a province's for a province, else its city's."""
    division = regions.lookup(code)
    if division is None:
        return None
    if division.rank == "province":
        return province(code)
    return city(code)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def within(bbox: tuple[float, float, float, float], level: str) -> list[Outline]:
    """Every outline of ``level`` ("province" or "city") whose box meets ``bbox``."""
    return [o for o in _layers()[level].values() if _overlaps(o.bbox, bbox)]


def all_of(level: str) -> Iterable[Outline]:
    return _layers()[level].values()
