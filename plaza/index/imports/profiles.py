"""What an imported account is, from what its source says of it: kind from Weibo's verified_type,
home city and division from its location or name ("重庆 渝中区", "马鞍山发布"), level from the
division code, department type from its name's words (发布, 公安, 气象 …). Pure: no database."""

from __future__ import annotations

from functools import lru_cache

from plaza import regions
from plaza.accounts.kinds import NATIONAL_REGION
from plaza.index.imports.records import Profile
from plaza.regions.address import parse_address

#: Weibo's verified_type (认证类型) → the square's account kind; others (0 个人, -1 none, 200 …)
#: are citizens.
VERIFIED_KINDS = {1: "government", 3: "media", 2: "organisation", 4: "organisation", 5: "organisation",
                  6: "organisation", 7: "organisation"}

#: Words of an account's name or verification → department type, the first that occurs winning
#: (so 北京公交警方 is public security before transport, 上海防汛 flood control).
DEPARTMENT_WORDS: tuple[tuple[str, str], ...] = (
    ("公安", "public_security"), ("警方", "public_security"), ("警察", "public_security"),
    ("交警", "public_security"), ("消防", "fire_rescue"), ("气象", "meteorology"),
    ("防汛", "flood_control"), ("地震", "earthquake"), ("应急", "emergency_management"),
    ("文旅", "culture_tourism"), ("文化和旅游", "culture_tourism"), ("文化旅游", "culture_tourism"),
    ("卫健", "health"), ("卫生健康", "health"), ("检察", "procuratorate"), ("法院", "court"),
    ("共青团", "youth_league"), ("团委", "youth_league"), ("团市委", "youth_league"),
    ("生态环境", "ecology_environment"), ("博物馆", "museum"), ("交通", "transport"),
    ("城管", "urban_management"), ("城市管理", "urban_management"), ("市场监管", "market_regulation"),
    ("12345", "service_hotline"), ("发布", "publicity"), ("新闻办", "publicity"), ("宣传", "publicity"),
)

#: How national bodies' names begin or end (中国气象局, 国务院新闻办公室, 公安部, 共青团中央).
_NATIONAL_PREFIXES = ("中国", "中华人民共和国", "国家", "国务院", "最高人民", "全国", "中央", "中共中央")
_NATIONAL_SUFFIXES = ("部", "中央", "总局", "署")
#: Words after a place's short name in an account's name (渝中发布 → 渝中区).
_NAME_TAILS = tuple(word for word, _ in DEPARTMENT_WORDS) + ("政务", "微博", "官微", "在线", "之窗")
_REASON_TAILS = ("官方微博", "官方账号", "官方帐号", "官微", "微博")


def kind_of(verified_type: int | None, verified: object = None) -> str:
    """The account kind for Weibo's ``verified_type`` (an explicit ``verified: false`` is a citizen)."""
    if verified is False or verified_type is None:
        return "citizen"
    return VERIFIED_KINDS.get(verified_type, "citizen")


def department_type(name: str, reason: str = "") -> str:
    """The department type for an account's name, else its verification text; else "other"."""
    for text in (name, reason):
        for word, kind in DEPARTMENT_WORDS:
            if word in text:
                return kind
    return "other"


def agency_of(name: str, reason: str) -> str:
    """The agency (机构) from Weibo's verification text ("重庆市人民政府新闻办公室官方微博" → the
    office), else the account's name."""
    reason = reason.strip()
    for tail in _REASON_TAILS:
        if reason.endswith(tail):
            reason = reason[: -len(tail)].strip()
            break
    return (reason or name.strip())[:100]


def level_of(region_code: str) -> str:
    """The administrative level a division code stands for (a municipality is provincial)."""
    if region_code == NATIONAL_REGION:
        return "national"
    if region_code.endswith("0000"):
        return "provincial"
    if region_code.endswith("00"):
        return "prefecture"
    return "county"


@lru_cache(maxsize=4096)
def _address(text: str, hint: str | None = None) -> str | None:
    match = parse_address(text, hint)
    return match.code if match is not None else None


@lru_cache(maxsize=1)
def _province_names() -> tuple[tuple[str, str], ...]:
    names = []
    for province in regions.provinces():
        full = province.name
        short = full
        for tail in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
            if short.endswith(tail):
                short = short[: -len(tail)]
                break
        names.append((full, province.code))
        if len(short) >= 2:
            names.append((short, province.code))
    return tuple(sorted(names, key=lambda n: -len(n[0])))


def _province(text: str) -> str | None:
    """A province named at the start of a name (四川发布, 江苏公安): the address parser finds
    cities and counties only."""
    for name, code in _province_names():
        if text.startswith(name) or text.startswith("中共" + name):
            return code
    return None


def _stem_county(name: str, hint: str | None) -> str | None:
    """渝中发布 → 渝中区: a county's short name before a department word."""
    for tail in _NAME_TAILS:
        if name.endswith(tail) and len(name) > len(tail) + 1:
            stem = name[: -len(tail)]
            for suffix in ("区", "县", "市"):
                code = _address(stem + suffix, hint)
                if code is not None:
                    return code
            return None
    return None


@lru_cache(maxsize=4096)
def place_of(*texts: str, hint: str | None = None) -> str | None:
    """The most telling division code in an account's texts, tried in order (its verification,
    its name; or its location): a county or city from the address parser, a province named at
    the start, then a county's short name before a department word. ``hint`` (a division code:
    where the account says it is) settles names several places share (朝阳 in Beijing). None
    when none resolves."""
    for text in texts:
        if not text:
            continue
        code = _address(text, hint) or _province(text)
        if code is not None:
            return code
    for text in texts:
        if text:
            code = _stem_county(text, hint)
            if code is not None:
                return code
    return None


def home_city_of(code: str | None) -> str | None:
    """The city of a division: its own city, a province's capital (its first prefecture, xx0100);
    None for national bodies and places without a city (Hong Kong, Macao, Taiwan)."""
    if code is None or code == NATIONAL_REGION:
        return None
    city = regions.city_code(code)
    if city is None and code.endswith("0000"):
        city = regions.city_code(code[:2] + "0100")
    return city


def is_national(name: str, reason: str = "") -> bool:
    return any(text.startswith(_NATIONAL_PREFIXES) or text.endswith(_NATIONAL_SUFFIXES)
               for text in (name.strip(), agency_of(name, reason)) if text)


def _hint(code: str | None) -> str | None:
    """A code the address parser takes as a hint: the city (or province) of a place."""
    if code is None:
        return None
    return regions.city_code(code) or code[:2] + "0000"


#: The capital, home of national bodies (as the demo's national accounts have it).
CAPITAL = "110000"


def profile(kind: str, name: str, *, reason: str = "", location: str = "",
            region_code: str | None = None) -> tuple[Profile, bool]:
    """An account's profile and whether its place resolved. A government account's division comes
    from ``region_code`` when given, else from its verification, name and location; national
    bodies (中国气象局, 公安部) are national, at home in Beijing. Other kinds live where their
    location says, else where their name does."""
    if kind == "government":
        code = region_code if region_code and regions.is_place(region_code) else None
        if code is None and region_code == NATIONAL_REGION:
            code = NATIONAL_REGION
        where = place_of(location) if location else None
        if code is None:
            code = place_of(reason, name, hint=_hint(where))
        if code is None and is_national(name, reason):
            code = NATIONAL_REGION
        if code is None:
            code = where
        resolved = code is not None
        home = CAPITAL if code == NATIONAL_REGION else home_city_of(code)
        return Profile(kind=kind, home_city=home, region_code=code, level=level_of(code) if code else None,
                       department_type=department_type(name, reason), agency=agency_of(name, reason)), resolved
    code = region_code if region_code and regions.is_place(region_code) else None
    if code is None:  # a citizen lives where its location says; an institution may say it by name
        code = place_of(location) if kind == "citizen" else place_of(location, name)
    home = home_city_of(code)
    return Profile(kind=kind, home_city=home), home is not None
