"""Specification of places in free text and coordinates (plaza.regions.address): the county, city
and province a report is about, from Plaza's own division table."""

from __future__ import annotations

import math

import pytest

from plaza.regions import resolve
from plaza.regions.address import nearest_county, parse_address, resolve_place

# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "county", "city"),
    [
        # full names, province to county
        ("安徽省马鞍山市花山区湖东路12号", "340503", "340500"),
        ("河南省郑州市金水区文化路", "410105", "410100"),
        ("郑州市金水区某某小区3号楼2单元", "410105", "410100"),
        # names without their suffixes
        ("马鞍山花山区湖东路", "340503", "340500"),
        ("马鞍山花山湖东路", "340503", "340500"),
        ("重庆渝中解放碑", "500103", "500000"),
        ("深圳南山科技园", "440305", "440300"),
        ("上海浦东张江", "310115", "310000"),
        # municipalities, with and without 市
        ("重庆市渝中区解放碑步行街", "500103", "500000"),
        ("北京朝阳区三里屯", "110105", "110000"),
        ("北京市朝阳区建国路", "110105", "110000"),
        # a county alone when its name is unique
        ("雨山区湖东路", "340504", "340500"),
        ("金水区花园路与农业路交叉口", "410105", "410100"),
        # an ambiguous county read in the city written before it
        ("南京鼓楼区中山路", "320106", "320100"),
        ("福州市鼓楼区五四路", "350102", "350100"),
        ("长春朝阳区", "220104", "220100"),
        # the 市 of 青岛市南区 belongs to the district 市南区
        ("青岛市南区香港中路", "370202", "370200"),
        ("济南市中区", "370103", "370100"),
        # autonomous prefectures as people write them
        ("阿坝州九寨沟县", "513225", "513200"),
        ("湘西州吉首市", "433101", "433100"),
        ("延边朝鲜族自治州延吉市", "222401", "222400"),
        # a two-character county right after its city or province
        ("马鞍山和县", "340523", "340500"),
        ("安徽和县", "340523", "340500"),
        # noise around the place
        ("@马鞍山发布 我在花山区湖东路看到井盖丢失了", "340503", "340500"),
        ("#城市治理# 西安市长安区郭杜街道的路灯不亮", "610116", "610100"),
        ("【求助】 渝中区较场口附近有老人走失", "500103", "500000"),
    ],
)
def test_address_resolves_to_county_and_city(text: str, county: str, city: str) -> None:
    match = parse_address(text)
    assert match is not None
    assert (match.county_code, match.city_code) == (county, city)
    assert match.province_code == county[:2] + "0000"
    assert match.code == county


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("马鞍山市的公交太挤了", "340500"),
        ("吉林长春", "220100"),  # 吉林 is the province here, not the city of 吉林
        ("内蒙古呼和浩特", "150100"),
        ("新疆伊犁", "654000"),
        ("恩施州", "422800"),
        ("东莞市", "441900"),  # a prefecture-level city without counties
        ("仙桃市", "429004"),  # a county-level city directly under its province is its own city
        ("马鞍山市 鼓楼区", "340500"),  # no 鼓楼区 in 马鞍山: the city, no county
    ],
)
def test_city_without_county(text: str, city: str) -> None:
    match = parse_address(text)
    assert match is not None
    assert (match.city_code, match.county_code) == (city, None)


@pytest.mark.parametrize(
    "text",
    [
        "鼓楼区中山路",  # 南京, 徐州, 福州 and 开封 each have a 鼓楼区
        "城区的菜市场",  # 城区 is a district of five cities, and "downtown"
        "我和县长反映过",  # 和县 only after 马鞍山 or 安徽
        "我在北京路吃饭",  # a street named after a city
        "延安路口堵车",
        "三明治很好吃",
        "安徽省",  # a province alone names no city
        "海南",  # the province, not 海南藏族自治州
        "香港九龙城区",  # not 龙城区 of 朝阳市
        "今天天气不错",
        "",
        "马",
    ],
)
def test_no_city_no_match(text: str) -> None:
    assert parse_address(text) is None


@pytest.mark.parametrize(
    ("hint", "county"),
    [("320100", "320106"), ("320300", "320302"), ("350100", "350102"), ("350000", "350102"), ("410000", "410204")],
)
def test_hint_reads_ambiguous_county_in_the_posters_city(hint: str, county: str) -> None:
    match = parse_address("鼓楼区中山路", hint=hint)
    assert match is not None
    assert match.county_code == county


def test_hint_that_leaves_two_readings_reads_none() -> None:
    # 江苏 has two 鼓楼区 (南京, 徐州).
    assert parse_address("鼓楼区中山路", hint="320000") is None


def test_city_in_text_wins_over_hint() -> None:
    match = parse_address("南京鼓楼区", hint="350100")
    assert match is not None and match.county_code == "320106"


def test_unknown_hint_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_address("鼓楼区", hint="999999")


@pytest.mark.parametrize(
    ("text", "matched", "rest"),
    [
        ("安徽省马鞍山市花山区湖东路12号", "安徽省马鞍山市花山区", "湖东路12号"),
        ("郑州市金水区某某小区3号楼2单元", "郑州市金水区", "某某小区3号楼2单元"),
        ("@马鞍山发布 我在花山区湖东路看到井盖丢失了，请尽快处理", "花山区", "湖东路看到井盖丢失了"),
        ("重庆渝中：解放碑", "重庆渝中", "解放碑"),
    ],
)
def test_match_gives_span_and_rest_of_the_clause(text: str, matched: str, rest: str) -> None:
    match = parse_address(text)
    assert match is not None
    assert text[match.start : match.end] == matched
    assert match.span == (match.start, match.end)
    assert match.rest == rest


def test_match_names_the_place_in_full() -> None:
    match = parse_address("马鞍山花山区")
    assert match is not None and match.name == "安徽省马鞍山市花山区"


def test_longest_most_specific_place_wins() -> None:
    # A county beats the city named elsewhere in the text, and a county supported by its city
    # beats one that is not.
    match = parse_address("合肥市民在雨山区湖东路")
    assert match is not None and match.county_code == "340504"
    match = parse_address("从合肥市蜀山区出发去雨山区")
    assert match is not None and match.county_code == "340104"


# --- coordinates ---------------------------------------------------------------------------------


def centroid(code: str) -> tuple[float, float]:
    division = resolve(code)
    assert division is not None
    county = division.county or division.city
    assert county.latitude is not None and county.longitude is not None
    return county.latitude, county.longitude


@pytest.mark.parametrize("code", ["340503", "340504", "110105", "500103", "410105", "650102", "540102", "441900"])
def test_point_at_a_centroid_is_that_county(code: str) -> None:
    assert nearest_county(*centroid(code)) == code


def test_point_a_few_km_off_a_rural_county_centroid_stays_in_it() -> None:
    lat, lon = centroid("340523")  # 和县
    assert nearest_county(lat + 0.02, lon - 0.02) == "340523"


def test_within_keeps_counties_of_that_city_or_province() -> None:
    lat, lon = centroid("340503")  # 花山区, beside 雨山区 and 博望区
    assert nearest_county(lat, lon, within="340500") == "340503"
    assert nearest_county(lat, lon, within="340000") == "340503"
    near_other = nearest_county(lat, lon, within="320000")  # the nearest of 江苏, if within 60 km
    assert near_other is None or near_other.startswith("32")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(0.0, 0.0), (48.85, 2.35), (91.0, 118.5), (31.7, 181.0), (math.nan, 118.5), (31.7, math.inf), (20.0, 140.0)],
)
def test_points_far_from_china_or_out_of_range_are_none(lat: float, lon: float) -> None:
    assert nearest_county(lat, lon) is None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(("lat", "lon"), [(31.9, 118.6), (29.5, 106.6), (39.95, 116.3), (43.8, 87.6)])
def test_nearest_centroid_within_the_limit(lat: float, lon: float) -> None:
    code = nearest_county(lat, lon)
    assert code is not None
    far = distance_km(lat, lon, *centroid(code))
    assert far < 60
    assert nearest_county(lat, lon, max_km=far * 0.99) is None  # nothing nearer
    assert nearest_county(lat, lon, max_km=far * 1.01) == code


# --- both ----------------------------------------------------------------------------------------


def test_coordinates_first_when_they_agree() -> None:
    lat, lon = centroid("340504")
    place = resolve_place("马鞍山市湖东路路灯坏了", lat, lon)
    assert place is not None
    assert (place.county_code, place.city_code, place.province_code, place.how) == (
        "340504",
        "340500",
        "340000",
        "coordinates",
    )
    assert place.name == "安徽省马鞍山市雨山区"


def test_coordinates_alone() -> None:
    place = resolve_place(lat=centroid("500103")[0], lon=centroid("500103")[1])
    assert place is not None and (place.county_code, place.how) == ("500103", "coordinates")


def test_address_when_coordinates_point_to_another_city() -> None:
    lat, lon = centroid("110105")  # a phone's last fix in 北京
    place = resolve_place("马鞍山市花山区湖东路", lat, lon)
    assert place is not None and (place.county_code, place.how) == ("340503", "address")


def test_address_county_wins_over_neighbouring_centroid_in_same_city() -> None:
    lat, lon = centroid("340504")  # 雨山区's centroid, but the text says 花山区
    place = resolve_place("花山区湖东路", lat, lon)
    assert place is not None and (place.county_code, place.how) == ("340503", "address")


def test_address_when_coordinates_are_useless() -> None:
    place = resolve_place("重庆渝中", 0.0, 0.0)
    assert place is not None and (place.county_code, place.how) == ("500103", "address")
    place = resolve_place("鼓楼区", hint="320100")
    assert place is not None and (place.county_code, place.how) == ("320106", "address")


def test_nothing_known_is_none() -> None:
    assert resolve_place() is None
    assert resolve_place("今天天气不错") is None
    assert resolve_place("今天天气不错", 48.85, 2.35) is None
