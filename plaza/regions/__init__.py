"""Administrative divisions (行政区划代码, GB/T 2260): look up a 6-digit code, resolve it to its
province / city / county, and name the city whose feed and hot list it belongs to.

The table ships with Plaza (``divisions.csv``, derived from the MIT-licensed ``cpca`` package's
adcode list), so no lookup ever leaves the machine.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: Municipalities directly under the central government (直辖市): the province is the city.
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
#: Placeholder rows of the standard that group counties but are not places of their own.
_GROUPING_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True, slots=True)
class Division:
    """One row of the division table."""

    code: str
    name: str
    longitude: float | None
    latitude: float | None

    @property
    def rank(self) -> str:
        """``province``, ``prefecture`` or ``county`` — read off the shape of the code."""
        if self.code.endswith("0000"):
            return "province"
        if self.code.endswith("00"):
            return "prefecture"
        return "county"


@dataclass(frozen=True, slots=True)
class Place:
    """A code resolved to the names a person reads: 重庆市 / 重庆市 / 万州区."""

    code: str
    province: Division
    city: Division
    county: Division | None

    @property
    def full_name(self) -> str:
        parts = [self.province.name]
        if self.city.code != self.province.code:
            parts.append(self.city.name)
        if self.county is not None:
            parts.append(self.county.name)
        return "".join(parts)


@lru_cache(maxsize=1)
def _table() -> dict[str, Division]:
    table: dict[str, Division] = {}
    with resources.files(__package__).joinpath("divisions.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lng, lat = row["longitude"], row["latitude"]
            table[row["code"]] = Division(
                row["code"], row["name"], float(lng) if lng else None, float(lat) if lat else None
            )
    return table


def lookup(code: str) -> Division | None:
    """The division with this exact code, or None."""
    return _table().get(code)


def is_place(code: str) -> bool:
    """True when ``code`` names a real place (not a grouping row such as 市辖区)."""
    division = lookup(code)
    return division is not None and division.name not in _GROUPING_NAMES


def city_code(code: str) -> str | None:
    """The code of the city a place belongs to, for city feeds and city hot search (同城).

    A municipality is its own city (any 50xxxx → 500000); a county under a prefecture belongs to
    the prefecture; a county-level city directly under a province (仙桃市 429004) is its own city.
    A province code has no city and gives None.
    """
    if not is_place(code):
        return None
    province = code[:2] + "0000"
    if province in MUNICIPALITIES:
        return province
    if code == province:
        return None
    prefecture = code[:4] + "00"
    if is_place(prefecture):
        return prefecture
    return code


def resolve(code: str) -> Place | None:
    """Resolve a code to province, city and county, or None when it is not a place."""
    if not is_place(code):
        return None
    table = _table()
    province = table[code[:2] + "0000"]
    city_of = city_code(code)
    if city_of is None:  # a province
        return Place(code, province, province, None)
    city = table[city_of]
    county = table[code] if code not in (city_of, province.code) and not code.endswith("00") else None
    return Place(code, province, city, county)


@lru_cache(maxsize=1)
def cities() -> tuple[Division, ...]:
    """Every city with a feed and a hot list: prefecture-level cities, the four municipalities,
    and county-level cities directly under a province."""
    found = {city_code(code) for code in _table()}
    return tuple(_table()[c] for c in sorted(c for c in found if c is not None))


def provinces() -> tuple[Division, ...]:
    """The 34 provincial-level divisions."""
    return tuple(d for d in _table().values() if d.rank == "province")


def within_polygon(ring: tuple[tuple[float, float], ...] | list[tuple[float, float]]) -> list[str]:
    """Codes of the places below province level (cities, counties) whose centroid lies inside a
    polygon of (latitude, longitude) points — the places a warning drawn as a polygon covers
    (centroids only: Plaza ships no boundaries)."""
    if len(ring) < 3:
        return []
    lats = [p[0] for p in ring]
    lons = [p[1] for p in ring]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    found = []
    for division in _table().values():
        lat, lon = division.latitude, division.longitude
        if lat is None or lon is None or division.rank == "province" or not is_place(division.code):
            continue
        if not (south <= lat <= north and west <= lon <= east):
            continue
        inside = False
        for (lat1, lon1), (lat2, lon2) in zip(ring, [*ring[1:], ring[0]], strict=True):
            if (lat1 > lat) != (lat2 > lat) and lon < lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1):
                inside = not inside
        if inside:
            found.append(division.code)
    return sorted(found)
