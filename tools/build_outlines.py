"""Build ``plaza/regions/outlines.json`` — the simplified outlines of China's provinces and
prefecture-level cities that incident maps are drawn from — out of Apache ECharts 4.9.0's map
data (``map/json/china.json`` and ``map/json/china-cities.json``, Apache-2.0; see
``plaza/regions/OUTLINES.md``).

    npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz
    python tools/build_outlines.py package/map/json > plaza/regions/outlines.json

ECharts stores each ring as characters: zig-zag, delta-encoded integers in 1/1024 degree. This
decodes them, simplifies every ring (Douglas–Peucker), drops slivers and specks of islands, and
writes each polygon as its rings (the outline, then holes), each ring as integers in 1/1000 degree: the first point whole, then deltas.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: Tolerance of the simplification, in degrees (~1 km on the ground: the maps are for a region
#: and its neighbours, drawn a few hundred pixels wide).
TOLERANCE = {"provinces": 0.02, "cities": 0.012}
#: Rings smaller than this (square degrees) are dropped, unless a region's largest.
MIN_AREA = {"provinces": 0.01, "cities": 0.004}
SCALE = 1000
#: Codes changed since the data was drawn (prefectures that became cities): old → current GB/T 2260.
RENAMED = {"469003": "460400", "542200": "540500", "542600": "540400", "652100": "650400", "652200": "650500"}


def decode_ring(text: str, offset: list[int], scale: float) -> list[tuple[float, float]]:
    points, x0, y0 = [], offset[0], offset[1]
    for i in range(0, len(text), 2):
        x, y = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x, y = (x >> 1) ^ -(x & 1), (y >> 1) ^ -(y & 1)
        x0, y0 = x0 + x, y0 + y
        points.append((x0 / scale, y0 / scale))
    return points


def polygons(feature: dict, scale: float) -> list[list[list[tuple[float, float]]]]:
    geometry = feature["geometry"]
    offsets = geometry["encodeOffsets"]
    if geometry["type"] == "Polygon":
        return [[decode_ring(r, offsets[i], scale) for i, r in enumerate(geometry["coordinates"])]]
    return [[decode_ring(r, offsets[i][j], scale) for j, r in enumerate(p)]
            for i, p in enumerate(geometry["coordinates"])]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, iterative."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        far, index = 0.0, -1
        for k in range(first + 1, last):
            px, py = points[k]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > far:
                far, index = d, k
        if far > tolerance and index > 0:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def encode(ring: list[tuple[float, float]]) -> list[int]:
    out, px, py = [], 0, 0
    for x, y in ring:
        ix, iy = round(x * SCALE), round(y * SCALE)
        out += [ix - px, iy - py]
        px, py = ix, iy
    return out


def layer(path: Path, kind: str) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    scale = data.get("UTF8Scale", 1024)
    found = {}
    for feature in data["features"]:
        code = str(feature.get("id") or feature["properties"].get("id"))
        code = RENAMED.get(code, code)
        # the outline is a polygon's largest ring (ECharts does not always put it first)
        shapes = [sorted(poly, key=area, reverse=True) for poly in polygons(feature, scale)]
        largest = max(area(poly[0]) for poly in shapes)
        kept = []
        for poly in shapes:  # an outline, then its holes (Beijing and Tianjin in Hebei)
            if area(poly[0]) < MIN_AREA[kind] and area(poly[0]) < largest:
                continue
            rings = [simplify(r, TOLERANCE[kind]) for r in poly if area(r) >= MIN_AREA[kind] or r is poly[0]]
            if len(rings[0]) < 4 and area(poly[0]) == largest:  # too small to simplify: as it is
                rings[0] = poly[0]
            if len(rings[0]) >= 4:
                kept.append([encode(r) for r in rings if len(r) >= 4])
        found[code] = {"name": feature["properties"]["name"], "polygons": kept}
    return found


def main(folder: str) -> None:
    base = Path(folder)
    out = {"source": "Apache ECharts 4.9.0 map/json (Apache-2.0), simplified", "scale": SCALE,
           "provinces": layer(base / "china.json", "provinces"),
           "cities": layer(base / "china-cities.json", "cities")}
    json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
