"""Places in free text and coordinates resolved to Plaza's own division table: an address (地址)
such as "马鞍山花山区湖东路12号" or a point on the map to its county (区县), city and province.

Pure and database-free: the index over ``divisions.csv`` is built once per process.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from plaza.regions import MUNICIPALITIES, Division, _table, city_code, is_place, resolve

#: A county-level match farther than this from every centroid is no match (km).
NEAREST_LIMIT_KM = 60.0

_EARTH_RADIUS_KM = 6371.0088
_PROVINCE, _CITY, _COUNTY = 0, 1, 2

# The 55 minority nationalities as they appear inside autonomous names (自治州/县/旗), longest first
# so that 土家 is tried before 土.
_ETHNIC = sorted(
    [
        "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣",
        "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗",
        "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京",
        "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
    ],
    key=len,
    reverse=True,
)
_AUTONOMOUS = re.compile(r"^(?P<stem>.{2,}?)(?:(?:" + "|".join(_ETHNIC) + r")族?)+自治(?:州|县|旗|区)$")
_SUFFIXES = {
    _PROVINCE: ("特别行政区", "自治区", "省", "市"),
    _CITY: ("地区", "盟", "市"),
    _COUNTY: ("新区", "林区", "特区", "区", "县", "市", "旗"),
}
# Full county names of two characters that are words too often (城区 "downtown", 和县 in 我和县长…):
# matched only right after the city or province they belong to. Generic names shared by many
# cities need that context anyway.
_MIN_STANDALONE_COUNTY = 3
# A suffix-less name followed by one of these is a street named after a place (延安路, 北京东路).
_STREET_AFTER = re.compile(r"(?:东|西|南|北|中)?(?:路|街|大街|大道|巷|弄|胡同)")
# Words that contain a place's short name without meaning the place.
_NOT_PLACES = ("三明治", "长治久安", "来宾", "大同小异", "世界大同", "平安安康", "健康安康", "中山装")


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """A place found in text: the codes, the span of ``text`` that names it, and what follows it
    up to the end of the clause (the street, the building: "湖东路12号")."""

    province_code: str
    city_code: str
    county_code: str | None
    name: str
    start: int
    end: int
    rest: str

    @property
    def code(self) -> str:
        """The most specific code: the county's, else the city's."""
        return self.county_code or self.city_code

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


@dataclass(frozen=True, slots=True)
class ResolvedPlace:
    """Where something happened, and how Plaza knows: from ``coordinates`` or from the ``address``."""

    county_code: str | None
    city_code: str
    province_code: str
    how: Literal["coordinates", "address"]
    name: str

    @property
    def code(self) -> str:
        return self.county_code or self.city_code


# --- the index -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Name:
    text: str
    codes: tuple[str, ...]
    short: bool  # a name without its suffix (马鞍山, 渝中): not taken when a street name follows


@dataclass(frozen=True, slots=True)
class _Index:
    standalone: dict[str, tuple[_Name, ...]]  # first two characters → names, longest first
    children: dict[str, dict[str, tuple[_Name, ...]]]  # parent prefix → first two characters → names
    not_places: dict[str, tuple[str, ...]]
    level: dict[str, int]
    prefix: dict[str, str]


def _level(division: Division) -> int:
    code = division.code
    if code.endswith("0000") and code not in MUNICIPALITIES:
        return _PROVINCE
    return _CITY if city_code(code) == code else _COUNTY


def _prefix(code: str, level: int) -> str:
    """What every code inside this place starts with."""
    if code in MUNICIPALITIES or level == _PROVINCE:
        return code[:2]
    if level == _CITY and code.endswith("00"):
        return code[:4]
    return code  # a county, or a county-level city directly under its province (仙桃市)


def _variants(name: str, level: int) -> list[tuple[str, bool]]:
    """The ways people write a place's name, each with whether it is suffix-less: 马鞍山市 and
    马鞍山; 阿坝藏族羌族自治州, 阿坝州 and 阿坝; 秀山土家族苗族自治县, 秀山县 and 秀山."""
    variants = [(name, False)]
    autonomous = _AUTONOMOUS.match(name)
    if autonomous:
        stem = autonomous["stem"]
        kind = name[-1]  # 州, 县, 旗 or 区
        if kind != "区":  # nobody writes 广西区
            variants.append((stem + kind, False))
        variants.append((stem, True))
        return variants
    for suffix in _SUFFIXES[level]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            variants.append((name[: -len(suffix)], True))
            break
    return variants


def _group(names: dict[tuple[str, bool], set[str]]) -> dict[str, tuple[_Name, ...]]:
    by_head: dict[str, list[_Name]] = defaultdict(list)
    for (text, short), codes in names.items():
        by_head[text[:2]].append(_Name(text, tuple(sorted(codes)), short))
    return {head: tuple(sorted(group, key=lambda n: (-len(n.text), n.short))) for head, group in by_head.items()}


@lru_cache(maxsize=1)
def _index() -> _Index:
    standalone: dict[tuple[str, bool], set[str]] = defaultdict(set)
    children: dict[str, dict[tuple[str, bool], set[str]]] = defaultdict(lambda: defaultdict(set))
    level: dict[str, int] = {}
    prefix: dict[str, str] = {}
    for division in _table().values():
        if not is_place(division.code) or len(division.name) < 2:
            continue
        code = division.code
        level[code] = lvl = _level(division)
        prefix[code] = _prefix(code, lvl)
        variants = _variants(division.name, lvl)
        if lvl == _COUNTY:
            parents = {code[:2]}
            city = city_code(code)
            if city is not None:
                parents.add(_prefix(city, _CITY))
            for parent in parents:
                for variant in variants:
                    children[parent][variant].add(code)
            for text, short in variants:
                if not short and len(text) >= _MIN_STANDALONE_COUNTY:
                    standalone[(text, False)].add(code)
        else:
            for variant in variants:
                standalone[variant].add(code)
            if lvl == _CITY and code not in MUNICIPALITIES:
                for variant in variants:
                    children[code[:2]][variant].add(code)
    not_places: dict[str, list[str]] = defaultdict(list)
    for word in _NOT_PLACES:
        not_places[word[:2]].append(word)
    return _Index(
        standalone=_group(standalone),
        children={parent: _group(names) for parent, names in children.items()},
        not_places={head: tuple(words) for head, words in not_places.items()},
        level=level,
        prefix=prefix,
    )


# --- parsing ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    codes: tuple[str, ...]


def _longest(text: str, at: int, names: tuple[_Name, ...] | None) -> _Name | None:
    if not names:
        return None
    for name in names:
        if text.startswith(name.text, at):
            if name.short and _STREET_AFTER.match(text, at + len(name.text)):
                continue
            return name
    return None


def _within(index: _Index, outer: str, inner: str) -> bool:
    """True when ``inner`` is ``outer`` or lies inside it."""
    return inner.startswith(index.prefix[outer])


def _child_match(index: _Index, text: str, at: int, parents: tuple[str, ...]) -> _Token | None:
    """The longest name at ``at`` of a place inside one of ``parents``."""
    best: _Name | None = None
    codes: set[str] = set()
    for parent in parents:
        if index.level[parent] == _COUNTY:
            continue
        group = index.children.get(index.prefix[parent])
        if group is None:
            continue
        name = _longest(text, at, group.get(text[at : at + 2]))
        if name is None:
            continue
        if best is None or len(name.text) > len(best.text):
            best, codes = name, set(name.codes)
        elif len(name.text) == len(best.text):
            codes.update(name.codes)
    if best is None:
        return None
    return _Token(at, at + len(best.text), tuple(sorted(codes)))


def _scan(text: str) -> list[_Token]:
    """Place names in ``text``, left to right, each the longest one starting where it starts.

    Names of counties are taken without their suffix ("重庆渝中"), and short or generic full names
    ("和县", "城区", "鼓楼区" in "南京鼓楼区") are narrowed, only right after the place they lie in.
    """
    index = _index()
    tokens: list[_Token] = []
    at, n = 0, len(text)
    while at < n - 1:
        head = text[at : at + 2]
        skip = next((w for w in index.not_places.get(head, ()) if text.startswith(w, at)), None)
        if skip is not None:
            at += len(skip)
            continue
        previous = tokens[-1] if tokens and tokens[-1].end == at else None
        child = _child_match(index, text, at, previous.codes) if previous else None
        if previous and child is None and text[at - 1] == "市":
            # 青岛市南区 / 济南市中区: the 市 belongs to the district (市南区), not to the city.
            child = _child_match(index, text, at - 1, previous.codes)
            if child is not None and child.end > at:
                previous.end = at - 1
            else:
                child = None
        name = _longest(text, at, index.standalone.get(head))
        if child is not None and (name is None or child.end - child.start >= len(name.text)):
            tokens.append(child)
            at = child.end
        elif name is not None:
            tokens.append(_Token(at, at + len(name.text), name.codes))
            at += len(name.text)
        else:
            at += 1
    return tokens


def _narrow_adjacent(index: _Index, tokens: list[_Token]) -> None:
    """Keep, of two names written one after the other, the readings where one lies in the other:
    in "吉林长春" 吉林 is the province, not the city of 吉林."""
    for left, right in zip(tokens, tokens[1:], strict=False):
        if left.end != right.start:
            continue
        pairs = [(a, b) for a in left.codes for b in right.codes if a != b and _within(index, a, b)]
        if pairs:
            left.codes = tuple(sorted({a for a, _ in pairs}))
            right.codes = tuple(sorted({b for _, b in pairs}))


def _contradicted(index: _Index, tokens: list[_Token], token: _Token, code: str) -> bool:
    """True when the name just before ``token`` (at most one character before it) is a place
    ``code`` does not lie in: "香港九龙城区" is not 龙城区 of 朝阳市."""
    position = tokens.index(token)
    if position == 0:
        return False
    previous = tokens[position - 1]
    if token.start - previous.end > 1:
        return False
    return not any(_within(index, p, code) or _within(index, code, p) for p in previous.codes)


def _consistent(index: _Index, code: str, hint: str) -> bool:
    return _within(index, hint, code) or _within(index, code, hint)


def _check_code(code: str | None, argument: str) -> None:
    if code is not None and code not in _index().level:
        raise ValueError(f"{argument}: {code!r} is not a division code")


def parse_address(text: str, hint: str | None = None) -> AddressMatch | None:
    """The most specific place named in ``text``, or None when no city can be told.

    Full names ("安徽省马鞍山市花山区"), names without suffixes ("马鞍山花山区", "重庆渝中"), a county
    alone when its name is unique ("雨山区湖东路"), and noise around them ("@马鞍山发布 我在花山区…").
    A county name shared by several cities (鼓楼区) is read in the city written next to it or
    elsewhere in the text, else in ``hint`` (a city or province code, e.g. the poster's city), else
    the county is left None. A place whose city cannot be told gives None.
    """
    _check_code(hint, "hint")
    index = _index()
    tokens = _scan(text)
    if not tokens:
        return None
    _narrow_adjacent(index, tokens)

    best: tuple[tuple[int, int, int, int, int], _Token, str] | None = None
    for token in tokens:
        # How many other names in the text this reading lies in: 花山区 after "@马鞍山发布".
        support = {
            code: sum(
                1 for other in tokens if other is not token and any(_within(index, o, code) for o in other.codes)
            )
            for code in token.codes
        }
        top = max(support.values())
        readings = [code for code in token.codes if support[code] == top]
        if len(readings) > 1 and hint is not None:
            readings = [code for code in readings if _consistent(index, code, hint)] or readings
        if len(readings) > 1:
            provinces = [code for code in readings if index.level[code] == _PROVINCE]
            if len(provinces) != 1:
                continue  # ambiguous: 鼓楼区 with no city to read it in
            readings = provinces  # 海南 is the province before it is 海南藏族自治州
        code = readings[0]
        level = index.level[code]
        if level == _PROVINCE or _contradicted(index, tokens, token, code):
            continue
        hinted = int(hint is not None and _consistent(index, code, hint))
        key = (level, top, hinted, token.end - token.start, -token.start)
        if best is None or key > best[0]:
            best = (key, token, code)
    if best is None:
        return None

    _, chosen, code = best
    position = tokens.index(chosen)
    start, end = chosen.start, chosen.end
    for token in reversed(tokens[:position]):
        if token.end != start or not any(_within(index, c, code) for c in token.codes):
            break
        start = token.start
    place = resolve(code)
    assert place is not None  # every indexed code is a place
    county = place.county.code if place.county is not None else None
    return AddressMatch(
        province_code=place.province.code,
        city_code=place.city.code,
        county_code=county,
        name=place.full_name,
        start=start,
        end=end,
        rest=_rest(text, end),
    )


_CLAUSE_END = re.compile(r"[，。！？；,!?;\n…]")


def _rest(text: str, end: int) -> str:
    """What follows the place up to the end of its clause: the street, the building."""
    rest = text[end:].lstrip(" \t、:：")
    stop = _CLAUSE_END.search(rest)
    return (rest[: stop.start()] if stop else rest).strip()


# --- coordinates -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Centroid:
    code: str
    latitude: float
    longitude: float


@lru_cache(maxsize=1)
def _grid() -> dict[tuple[int, int], tuple[_Centroid, ...]]:
    """County centroids by one-degree cell. Prefecture-level cities without counties (东莞市) count
    as counties of their own."""
    index = _index()
    parents = {index.prefix[city_code(code) or code] for code, level in index.level.items() if level == _COUNTY}
    cells: dict[tuple[int, int], list[_Centroid]] = defaultdict(list)
    for code, level in index.level.items():
        division = _table()[code]
        if division.latitude is None or division.longitude is None:
            continue
        leaf_city = level == _CITY and code not in MUNICIPALITIES and index.prefix[code] not in parents
        if level == _COUNTY or leaf_city:
            cell = (math.floor(division.latitude), math.floor(division.longitude))
            cells[cell].append(_Centroid(code, division.latitude, division.longitude))
    return {cell: tuple(centroids) for cell, centroids in cells.items()}


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in metres."""
    return _haversine_km(lat1, lon1, lat2, lon2) * 1000


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest_county(
    lat: float, lon: float, within: str | None = None, max_km: float = NEAREST_LIMIT_KM
) -> str | None:
    """The code of the county (区县) whose centroid is nearest to a WGS-84 point, or None when the
    point is out of range or farther than ``max_km`` from every centroid; ``within`` (a province or
    city code) keeps only counties inside it.

    Centroid-based: Plaza ships one point per county, no boundaries, so a point near a border can
    get the neighbour whose centroid is closer — typically within ten or twenty kilometres of a
    border, more where a large county meets a small one (a city's small urban districts beside its
    wide rural counties). A prefecture-level city with no counties (东莞市) counts as one county.
    GCJ-02 coordinates from Chinese map apps differ from WGS-84 by a few hundred metres, far below
    that error.
    """
    _check_code(within, "within")
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    prefix = _index().prefix[within] if within is not None else ""
    grid = _grid()
    lat_cells = math.ceil(max_km / 111.0)
    widest = math.cos(math.radians(min(89.0, abs(lat) + lat_cells)))
    lon_cells = min(180, math.ceil(max_km / (111.0 * widest)))
    row, column = math.floor(lat), math.floor(lon)
    best: tuple[float, str] | None = None
    for dr in range(-lat_cells, lat_cells + 1):
        for dc in range(-lon_cells, lon_cells + 1):
            for centroid in grid.get((row + dr, column + dc), ()):
                if not centroid.code.startswith(prefix):
                    continue
                distance = _haversine_km(lat, lon, centroid.latitude, centroid.longitude)
                if distance <= max_km and (best is None or distance < best[0]):
                    best = (distance, centroid.code)
    return best[1] if best else None


# --- both ------------------------------------------------------------------------------------------


def _resolved(code: str, how: Literal["coordinates", "address"]) -> ResolvedPlace:
    place = resolve(code)
    assert place is not None
    return ResolvedPlace(
        county_code=place.county.code if place.county is not None else None,
        city_code=place.city.code,
        province_code=place.province.code,
        how=how,
        name=place.full_name,
    )


@lru_cache(maxsize=512)  # pure; intake resolves a case's place when it routes it and again when it writes it
def resolve_place(
    text: str | None = None, lat: float | None = None, lon: float | None = None, hint: str | None = None
) -> ResolvedPlace | None:
    """Where a report (诉求) is: from its coordinates when they are given and agree with what the text
    says, else from the address in the text (``hint`` as for :func:`parse_address`).

    Coordinates agree when the text names no place, or names the same county, or names only a city
    and the point lies in it. When the text names another county of the same city, the text wins:
    the county from coordinates is the nearest centroid and can be wrong near a border.
    """
    address = parse_address(text, hint) if text else None
    county = nearest_county(lat, lon) if lat is not None and lon is not None else None
    if county is not None:
        at = _resolved(county, "coordinates")
        if address is None:
            return at
        if address.county_code is None and address.city_code == at.city_code:
            return at
        if address.county_code is not None and address.county_code == at.county_code:
            return at
    if address is None:
        return None
    return _resolved(address.code, "address")
