"""An incident's map as inline SVG, drawn on the server from the outlines shipped with Plaza
(:mod:`plaza.regions.outlines`): the affected places filled, their neighbours faint, a point per
help request coloured by its state, and a legend — no tiles, no script, nothing from elsewhere.
Colours are presentation attributes (the pages' Content-Security-Policy allows no inline style).

Pure: codes and points in, an SVG string out (a ``Markup``, every label escaped).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

import plaza.i18n.ui  # noqa: F401  (registers the pages' words)
from plaza import i18n, regions
from plaza.regions import outlines
from plaza.regions.outlines import Outline

__all__ = ["STATE_COLOURS", "draw_map"]

AFFECTED_FILL = "#ffd5a8"  # desk_charts.PALE
AFFECTED_STROKE = "#ff8200"  # plaza.css --accent
NEIGHBOUR_FILL = "#f6f6f6"
NEIGHBOUR_STROKE = "#d6d6d6"
PROVINCE_STROKE = "#b0b0b0"
TEXT = "#333333"
MUTED = "#8a8a8a"
FONT = 'font-size="11"'
#: A help request's state → its colour; a state not named here is drawn in :data:`OTHER_COLOUR`.
STATE_COLOURS: dict[str, str] = {
    "submitted": "#d93025", "verified": "#ff8200", "dispatched": "#e0a800",
    "claimed": "#2f6fd0", "in_progress": "#2f6fd0",
    "completed": "#2e9d4f", "confirmed": "#2e9d4f", "published": "#2e9d4f",
    "closed": "#8a8a8a", "withdrawn": "#b5b5b5", "merged": "#b5b5b5",
}
OTHER_COLOUR = "#6b4fbb"
#: The whole country, when nothing places the map.
CHINA = (73.5, 18.0, 135.1, 53.6)
MIN_SPAN = 0.6  # degrees: a county's map still shows its surroundings


def _place_point(code: str) -> tuple[float, float] | None:
    division = regions.lookup(code)
    if division is None or division.longitude is None or division.latitude is None:
        return None
    return division.longitude, division.latitude


def _located(points: Iterable[Mapping[str, Any]]) -> list[tuple[float, float, Mapping[str, Any]]]:
    found = []
    for point in points:
        lat, lon = point.get("lat"), point.get("lon")
        if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and -90 <= lat <= 90 and -180 <= lon <= 180:
            found.append((float(lon), float(lat), point))
    return found


def _union(boxes: Iterable[tuple[float, float, float, float]]) -> tuple[float, float, float, float] | None:
    boxes = list(boxes)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass(frozen=True, slots=True)
class _Frame:
    """What a map of some places draws the same whatever its points: the projection, the
    outlines (neighbours, provinces, the affected places, their labels) and their names."""

    width: int
    height: int
    legend_y: float
    west: float
    north: float
    shrink: float
    scale: float
    x_offset: float
    y_top: float
    body: str
    names: tuple[str, ...]

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round(self.x_offset + (lon - self.west) * self.shrink * self.scale, 1),
                round(self.y_top + (self.north - lat) * self.scale, 1))


@lru_cache(maxsize=64)
def _frame(region_codes: tuple[str, ...], fallback: tuple[float, float, float, float] | None, width: int) -> _Frame:
    affected: dict[str, Outline] = {}
    markers: list[tuple[float, float, str]] = []  # counties and places without an outline
    unmapped: list[str] = []
    context: list[tuple[float, float, float, float]] = []
    for code in region_codes:
        outline = outlines.of(code)
        if outline is not None:
            affected.setdefault(outline.code, outline)
        division = regions.lookup(code)
        if division is not None and (outline is None or division.rank == "county"):
            spot = _place_point(code)
            if spot is not None:
                markers.append((spot[0], spot[1], division.name))
            elif outline is None:  # neither outline nor centre (定州): named, framed by its province
                unmapped.append(division.name)
                province = outlines.province(code)
                if province is not None:
                    context.append(province.bbox)
    box = (_union([o.bbox for o in affected.values()] + [(x, y, x, y) for x, y, _ in markers] + context)
           or fallback or CHINA)
    west, south, east, north = box
    span_x, span_y = max(east - west, MIN_SPAN), max(north - south, MIN_SPAN)
    cx, cy = (west + east) / 2, (south + north) / 2
    west, east = cx - span_x * 0.62, cx + span_x * 0.62
    south, north = cy - span_y * 0.62, cy + span_y * 0.62
    shrink = math.cos(math.radians(cy))  # degrees of longitude are shorter away from the equator

    legend_height, margin = 26, 8.0
    inner_width = width - 2 * margin
    scale = inner_width / ((east - west) * shrink)
    map_height = (north - south) * scale
    if map_height > 440:  # a tall region: fit the height, centre the width
        scale = 440 / (north - south)
        map_height = 440.0
    map_height = max(map_height, 160.0)
    height = int(round(map_height + 2 * margin + legend_height))
    x_offset = margin + (inner_width - (east - west) * shrink * scale) / 2
    y_top = margin + (map_height - (north - south) * scale) / 2
    frame = _Frame(width, height, height - legend_height + 8, west, north, shrink, scale, x_offset, y_top, "", ())

    def path(outline: Outline) -> str:
        """Whole pixels, repeated points dropped: a map a few hundred pixels wide needs no more."""
        parts = []
        for polygon in outline.polygons:
            for ring in polygon:
                coords: list[tuple[int, int]] = []
                for x, y in ring:
                    a, b = frame.xy(x, y)
                    point = (int(round(a)), int(round(b)))
                    if not coords or coords[-1] != point:
                        coords.append(point)
                if len(coords) >= 3:
                    parts.append("M" + "L".join(f"{a},{b}" for a, b in coords) + "Z")
        return "".join(parts)

    view = (west, south, east, north)
    body: list[str] = []
    provinces_level = not affected or any(o.level == "province" for o in affected.values())
    body.append('<g class="map-neighbours">')
    for outline in outlines.within(view, "province" if provinces_level else "city"):
        if outline.code in affected:
            continue
        body.append(f'<path d="{path(outline)}" fill="{NEIGHBOUR_FILL}" stroke="{NEIGHBOUR_STROKE}" '
                    f'stroke-width="0.6" fill-rule="evenodd"><title>{escape(outline.name)}</title></path>')
    body.append("</g>")
    if not provinces_level:
        body.append('<g class="map-provinces" fill="none">')
        for outline in outlines.within(view, "province"):
            body.append(f'<path d="{path(outline)}" stroke="{PROVINCE_STROKE}" stroke-width="1" fill="none"/>')
        body.append("</g>")
    body.append('<g class="map-affected">')
    for code, outline in affected.items():
        body.append(f'<path d="{path(outline)}" fill="{AFFECTED_FILL}" fill-opacity="0.85" stroke="{AFFECTED_STROKE}" '
                    f'stroke-width="1.6" fill-rule="evenodd" data-region="{escape(code)}">'
                    f'<title>{escape(_name(outline))}</title></path>')
    for code, outline in affected.items():
        spot = _place_point(code) or ((outline.bbox[0] + outline.bbox[2]) / 2, (outline.bbox[1] + outline.bbox[3]) / 2)
        x, y = frame.xy(*spot)
        body.append(f'<text x="{x}" y="{y}" text-anchor="middle" fill="{TEXT}" {FONT} '
                    f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(_name(outline))}</text>')
    for lon, lat, name in markers:
        x, y = frame.xy(lon, lat)
        body.append(f'<g><title>{escape(name)}</title><rect x="{x - 4}" y="{y - 4}" width="8" height="8" '
                    f'transform="rotate(45 {x} {y})" fill="none" stroke="{AFFECTED_STROKE}" stroke-width="1.5"/>'
                    f'<text x="{x + 7}" y="{y - 5}" fill="{TEXT}" {FONT} stroke="#ffffff" stroke-width="3" '
                    f'paint-order="stroke">{escape(name)}</text></g>')
    body.append("</g>")
    names = tuple(_name(o) for o in affected.values()) + tuple(name for _, _, name in markers) + tuple(unmapped)
    return replace(frame, body="".join(body), names=names)


def draw_map(region_codes: Sequence[str], points: Sequence[Mapping[str, Any]], *, locale: str = "zh-CN",
             chart_id: str = "incident-map", width: int = 560) -> Markup:
    """The map of an incident's places (GB/T 2260 codes: counties, cities or provinces) and its
    help requests (dicts with ``lat``, ``lon``, ``state``, and ``need`` / ``county_name`` for
    their tooltips; points without a place are counted in the description, not drawn). The map
    frames the places (the points when there are none); its outlines are drawn once per process
    for the same places."""

    def t(key: str, **params: Any) -> str:
        return i18n.gettext(key, locale, **params)

    located = _located(points)
    fallback = _union((x, y, x, y) for x, y, _ in located)
    frame = _frame(tuple(region_codes), fallback if not region_codes else None, width)
    body = [frame.body]
    states: Counter[str] = Counter()
    body.append('<g class="map-requests">')
    for lon, lat, point in located:
        state = str(point.get("state") or "")
        states[state] += 1
        x, y = frame.xy(lon, lat)
        tip = " · ".join(str(v) for v in (point.get("need"), point.get("county_name"), _state_label(state, t)) if v)
        body.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{STATE_COLOURS.get(state, OTHER_COLOUR)}" '
                    f'stroke="#ffffff" stroke-width="1" data-state="{escape(state)}"><title>{escape(tip)}</title></circle>')
    body.append("</g>")

    entries = [(AFFECTED_FILL, AFFECTED_STROKE, t("incident_map_affected"), "rect"),
               (NEIGHBOUR_FILL, NEIGHBOUR_STROKE, t("incident_map_neighbours"), "rect")]
    entries += [(STATE_COLOURS.get(s, OTHER_COLOUR), "#ffffff", f"{_state_label(s, t)} {n}", "circle")
                for s, n in sorted(states.items(), key=lambda kv: (-kv[1], kv[0]))]
    x, legend_y = 8.0, frame.legend_y
    body.append('<g class="map-legend">')
    for fill, stroke, label, shape in entries:
        if shape == "rect":
            body.append(f'<rect x="{x}" y="{legend_y}" width="12" height="10" fill="{fill}" stroke="{stroke}"/>')
        else:
            body.append(f'<circle cx="{x + 6}" cy="{legend_y + 5}" r="4.5" fill="{fill}" stroke="{stroke}"/>')
        body.append(f'<text x="{x + 16}" y="{legend_y + 9}" fill="{TEXT}" {FONT}>{escape(label)}</text>')
        x += 28 + 11 * _width(label)
    body.append("</g>")

    desc = t("incident_map_desc", places="、".join(frame.names) or "—", shown=len(located),
             unplaced=len(points) - len(located))
    ident = escape(chart_id)
    head = (f'<svg class="incident-map" viewBox="0 0 {frame.width} {frame.height}" width="100%" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{ident}-title">{escape(t("incident_map_title"))}</title>'
            f'<desc id="{ident}-desc">{escape(desc)}</desc>'
            f'<rect x="0" y="0" width="{frame.width}" height="{frame.height}" fill="#fbfdff"/>')
    return Markup(head + "".join(body) + "</svg>")


def _name(outline: Outline) -> str:
    division = regions.lookup(outline.code)
    return division.name if division is not None else outline.name


def _state_label(state: str, t: Any) -> str:
    if not state:
        return str(t("incident_state_unknown"))
    key = f"help_state_{state}"
    label = t(key)
    return state if label == key else str(label)


def _width(label: str) -> float:
    """A label's width in ems, roughly (CJK characters are wide)."""
    return sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in label)
