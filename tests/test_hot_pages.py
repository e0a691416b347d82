"""Hot search on the web pages, as a person uses them without JavaScript (Starlette's test client),
on both database backends: the hot list (national, a city's, pinned, empty), the square's box, the
topic page with its counters, hosts and heat curve, and the administrators' hot-search page."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from plaza.hot.curves import CurvePoint
from plaza.square import accounts
from plaza.web.curve import heat_chart
from plaza.web.hot import compact_count, duration
from tests.factories import citizen, government, post
from tests.hot_api_helpers import square_activity
from tests.test_web_pages import csrf, sign_in

RAIN = "重庆暴雨"
METRO = "上海地铁"


def entries_on(html: str) -> list[str]:
    """The ranked topics of a rendered hot list, in the order shown (not the pinned one)."""
    if '<ol class="hot-entries">' not in html:
        return []
    ranked = html[html.index('<ol class="hot-entries">'):]
    ranked = ranked[:ranked.index("</ol>")]
    return re.findall(r'<a class="hot-topic" href="[^"]+">#([^#<]+)#</a>', ranked)


def staff(plaza, username: str = "boss", role: str = "admin"):  # type: ignore[no-untyped-def]
    return citizen(plaza, username, display_name=f"管理员{username}", role=role)


# --- how numbers and durations read ------------------------------------------------------------

@pytest.mark.parametrize(("count", "chinese", "english"), [
    (0, "0", "0"), (999, "999", "999"), (9_999, "9999", "10K"), (12_000, "1.2万", "12K"),
    (123_456, "12.3万", "123K"), (1_234_567, "123万", "1.2M"), (99_999_999, "1亿", "100M"),
    (620_000_000, "6.2亿", "620M"), (12_300_000_000, "123亿", "12B"),
])
def test_counts_read_the_chinese_way_and_the_english_way(count: int, chinese: str, english: str) -> None:
    assert compact_count(count, "zh-CN") == chinese
    assert compact_count(count, "en") == english


def test_durations_read_in_minutes_hours_and_days() -> None:
    assert duration(30, "zh-CN") == "不到 1 分钟"
    assert duration(12 * 60 + 5, "zh-CN") == "12 分钟"
    assert duration(3 * 3600 + 5 * 60, "en") == "3 h 5 min"
    assert duration(2 * 86400 + 4 * 3600, "zh-CN") == "2 天 4 小时"


def test_the_heat_chart_breaks_its_line_where_the_topic_left_the_list() -> None:
    now = 1_700_000_000.0
    first = [CurvePoint(now - 3600 + 60 * k, 100 + k, 3) for k in range(10)]
    back = [CurvePoint(now - 600 + 60 * k, 500, 1) for k in range(5)]
    chart = heat_chart([*back, *first], now=now)  # any order
    assert chart is not None and len(chart.segments) == 2
    assert chart.peak.heat == 500 and chart.peak.at == now - 600 and chart.latest.at == now - 360
    xs = [p.x for p in chart.points]
    assert xs == sorted(xs) and chart.left <= xs[0] < xs[-1] <= chart.right
    assert chart.points[-1].y < chart.points[0].y  # hotter is higher
    assert chart.y_ticks[0][1] == 0 and chart.y_ticks[-1][1] >= 500
    assert 2 <= len(chart.x_ticks) <= 6 and all(re.fullmatch(r"\d\d:\d\d", label) for _, label in chart.x_ticks)
    assert heat_chart([CurvePoint(now - 90_000, 5, 3)], now=now) is None  # older than a day

    day = [CurvePoint(now - 86_000 + 60 * k, 1000 - abs(700 - k), 1) for k in range(1433)]
    busy = heat_chart(day, now=now)
    assert busy is not None and len(busy.points) == 1433 and len(busy.segments) == 1
    assert len(busy.markers) <= 73 and busy.peak in busy.markers and busy.latest in busy.markers


# --- the hot list --------------------------------------------------------------------------------

def test_before_any_refresh_the_page_says_the_list_is_not_computed_yet(client, plaza) -> None:
    page = client.get("/hot")
    assert page.status_code == 200
    assert "热搜榜尚未生成" in page.text and 'href="/hot"' in page.text  # the navigation links here
    assert entries_on(page.text) == []
    english = client.get("/hot?lang=en")
    assert "The hot list has not been computed yet" in english.text and "Trending" in english.text
    assert "热搜榜尚未生成" in client.get("/hot?city=500000&lang=zh-CN").text


def test_national_and_city_lists_show_rank_label_heat_reads_and_time_on_the_list(client, plaza) -> None:
    square_activity(client, plaza)
    plaza.hot.refresh()

    national = client.get("/hot")
    assert national.status_code == 200
    assert sorted(entries_on(national.text)) == sorted([RAIN, METRO])
    assert f'href="/topics/{quote(RAIN, safe="")}"' in national.text
    assert '<span class="hot-label label-new" title="新上榜">新</span>' in national.text
    assert re.search(r'class="hot-rank top">1<', national.text)
    assert "讨论 3" in national.text and "在榜 不到 1 分钟" in national.text
    assert re.search(r"阅读 \d+", national.text) and re.search(r"热度 \d", national.text)
    assert re.search(r"更新于 \d\d:\d\d:\d\d", national.text)
    assert 'aria-current="page">全国<' in national.text

    chongqing = client.get("/hot?city=500000")
    assert entries_on(chongqing.text) == [RAIN]
    assert "重庆市同城热搜" in chongqing.text and '<option value="500000" selected>' in chongqing.text
    assert entries_on(client.get("/hot?city=310000").text) == [METRO]
    assert entries_on(client.get("/hot?city=500103").text) == [RAIN]  # a county reads as its city

    english = client.get("/hot?lang=en")
    assert '<span class="hot-label label-new" title="New on the list">new</span>' in english.text
    assert "3 discussions" in english.text and "on the list for under a minute" in english.text

    bad = client.get("/hot?city=999999&lang=zh-CN")
    assert bad.status_code == 422 and "城市代码 999999 无效" in bad.text
    assert "City code 999999 is not valid" in client.get("/hot?city=999999&lang=en").text


def test_the_city_tab_defaults_to_the_viewers_home_city(client, plaza) -> None:
    citizen(plaza, "li", home_city="310000")
    assert 'href="/hot?city=110000"' in client.get("/hot").text  # visitors: Beijing
    sign_in(client, "li")
    page = client.get("/hot").text
    assert 'href="/hot?city=310000"' in page and "同城 · 上海市" in page


def test_the_pinned_announcement_sits_above_the_ranking_with_its_note(client, plaza) -> None:
    square_activity(client, plaza)
    boss = staff(plaza)
    plaza.hot.pin("防汛通告", "市防汛办：注意防范强降雨", by=boss.id)
    plaza.hot.pin("轨道交通提示", "上海地铁运营调整", city="310000", by=boss.id)
    plaza.hot.refresh()

    page = client.get("/hot").text
    pinned_at = page.index('class="hot-entry pinned"')
    assert "#防汛通告#" in page and "市防汛办：注意防范强降雨" in page
    assert pinned_at < page.index('<ol class="hot-entries">')
    assert "防汛通告" not in entries_on(page)  # pinned, never ranked
    shanghai = client.get("/hot?city=310000").text
    assert "#轨道交通提示#" in shanghai and "防汛通告" not in shanghai
    assert "Pinned" in client.get("/hot?lang=en").text


def test_the_list_fragment_is_the_list_alone_for_the_script_to_swap_in(client, plaza) -> None:
    page = client.get("/hot?city=500000").text
    assert 'data-refresh-url="/hot/list?city=500000"' in page
    assert '<script src="/static/hot.js" defer></script>' in page
    before = client.get("/hot/list?city=500000")
    assert before.status_code == 200 and "<html" not in before.text and "热搜榜尚未生成" in before.text
    assert before.headers["content-security-policy"] == "default-src 'self'; img-src 'self' data:"
    square_activity(client, plaza)
    plaza.hot.refresh()
    after = client.get("/hot/list?city=500000").text
    assert entries_on(after) == [RAIN] and "<html" not in after
    assert client.get("/hot/list?city=12").status_code == 422
    script = client.get("/static/hot.js")
    assert script.status_code == 200 and "data-refresh-url" in script.text and "http" not in script.text


def test_the_square_shows_the_national_top_ten_beside_the_posts(client, plaza) -> None:
    assert "hot-box" not in client.get("/").text  # nothing computed yet: no box
    square_activity(client, plaza)
    plaza.hot.refresh()
    square = client.get("/").text
    box = square[square.index('class="card hot hot-box"'):]
    assert f"#{RAIN}#" in box and f"#{METRO}#" in box and 'href="/hot"' in box


# --- the topic page --------------------------------------------------------------------------

def test_topic_page_shows_counters_rank_record_and_an_svg_heat_curve(client, plaza) -> None:
    made = square_activity(client, plaza)
    first = made["rain"][0]
    client.post(f"/api/v1/statuses/{first['id']}/favourite", headers=made["reader"])
    for _ in range(3):
        plaza.hot.refresh()

    page = client.get("/topics/" + quote(RAIN))
    assert page.status_code == 200
    html = page.text
    assert "3 条讨论" in html  # as before: the posts carrying it
    assert re.search(r'data-counter="discussions">3<', html)
    assert re.search(r'data-counter="originals">3<', html)
    assert re.search(r'data-counter="interactions">1<', html)
    assert re.search(r'data-counter="participants">4<', html)
    assert "热搜第 1 名" in html and "最高排名第 1 名" in html
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img"' in svg and "<polyline" in svg
    assert len(re.findall(r"<circle ", svg)) >= 3
    assert re.search(r"<title>\d\d:\d\d · 热度 \d+ · 第 1 名</title>", svg)  # the rank on hover
    assert "数据表" in html and "上榜 3 次刷新" in html  # the text fallback
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")

    english = client.get("/topics/" + quote(RAIN) + "?lang=en").text
    assert "Participants" in english and "Heat curve" in english and "Peak rank #1" in english

    post(plaza, citizen(plaza, "quiet", password=None), "#从未上榜# 一条公开的微博")
    quiet = client.get("/topics/" + quote("从未上榜") + "?lang=zh-CN")
    assert quiet.status_code == 200 and "<svg" not in quiet.text
    assert "过去 24 小时内这个话题没有登上全国热搜榜" in quiet.text


def test_staff_appoint_hosts_and_hosts_write_the_description(client, plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    post(plaza, cq, "#一起守护这座城# 北碚区山火明火已全部扑灭")
    citizen(plaza, "li")
    staff(plaza, "mod", role="moderator")
    path = "/topics/" + quote("一起守护这座城")

    sign_in(client, "li")  # a citizen sees no management and may not appoint
    assert "话题管理" not in client.get(path).text
    refused = client.post(path + "/hosts", data={"username": "li", "csrf_token": csrf(client, path)},
                          follow_redirects=False)
    assert refused.status_code == 403 and "只有管理员和版主可以任命或撤销话题主持人" in refused.text
    denied = client.post(path + "/description", data={"description": "x", "csrf_token": csrf(client, path)})
    assert denied.status_code == 403

    client.cookies.clear()
    sign_in(client, "mod")
    no_token = client.post(path + "/hosts", data={"username": "cq_fabu"}, follow_redirects=False)
    assert no_token.status_code == 403 and "页面已过期" in no_token.text
    appointed = client.post(path + "/hosts", data={"username": "@cq_fabu", "csrf_token": csrf(client, path)},
                            follow_redirects=False)
    assert appointed.status_code == 303 and appointed.headers["location"] == path + "?saved=host_added"
    shown = client.get(appointed.headers["location"]).text
    assert "已任命主持人" in shown
    hosts = shown[shown.index('class="topic-hosts"'):]
    assert 'href="/@cq_fabu">重庆发布</a>' in hosts and 'class="vbadge gov"' in hosts
    unknown = client.post(path + "/hosts", data={"username": "nobody", "csrf_token": csrf(client, path)})
    assert unknown.status_code == 422 and "要任命的用户不存在" in unknown.text
    assert 'value="nobody"' in unknown.text  # what was typed stays

    client.cookies.clear()
    sign_in(client, "cq_fabu", "government pass 1")
    page = client.get(path).text
    assert 'action="' + path + '/description"' in page and 'action="' + path + '/hosts"' not in page
    saved = client.post(path + "/description", data={
        "description": "重庆山火救援进展\n志愿者集结信息<b>", "csrf_token": csrf(client, path)}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(path).text
    assert '<p class="topic-description">重庆山火救援进展\n志愿者集结信息&lt;b&gt;</p>' in page
    too_long = client.post(path + "/description", data={"description": "山" * 201, "csrf_token": csrf(client, path)})
    assert too_long.status_code == 422 and "导语不能超过 200 个字符（当前 201 个）" in too_long.text
    english = client.post(path + "/description?lang=en", data={"description": "山" * 201,
                                                              "csrf_token": csrf(client, path)})
    assert "The description must be at most 200 characters" in english.text

    client.cookies.clear()
    sign_in(client, "mod")
    host_id = accounts.find_by_username(plaza.db, "cq_fabu").id
    removed = client.post(f"{path}/hosts/{host_id}/remove", data={"csrf_token": csrf(client, path)},
                          follow_redirects=False)
    assert removed.status_code == 303
    assert 'class="topic-hosts"' not in client.get(path).text


# --- the administrators' page ------------------------------------------------------------------

def test_the_administrators_page_is_for_staff_only(client, plaza) -> None:
    assert client.get("/admin/hot", follow_redirects=False).headers["location"].startswith("/signin?next=")
    citizen(plaza, "li")
    sign_in(client, "li")
    assert client.get("/admin/hot").status_code == 403
    token = csrf(client, "/home")
    for action in ("pin", "unpin", "block", "refresh"):
        assert client.post(f"/admin/hot/{action}", data={"csrf_token": token, "topic": "x"}).status_code == 403
    assert plaza.hot.admin_state().pinned == {}
    client.cookies.clear()
    staff(plaza)
    sign_in(client, "boss")
    assert client.post("/admin/hot/nonsense", data={"csrf_token": csrf(client, "/admin/hot")}).status_code == 404
    assert 'href="/admin/hot"' in client.get("/admin").text


def test_administrators_pin_block_review_and_refresh_through_the_forms(client, plaza) -> None:
    square_activity(client, plaza)
    staff(plaza)
    sign_in(client, "boss")
    page = client.get("/admin/hot")
    assert page.status_code == 200 and "热搜管理" in page.text and "没有置顶的话题" in page.text

    def submit(action: str, **fields: str):  # type: ignore[no-untyped-def]
        return client.post(f"/admin/hot/{action}", data={"csrf_token": csrf(client, "/admin/hot"), **fields},
                           follow_redirects=False)

    pinned = submit("pin", topic="#防汛通告#", note="市防汛办发布", city="")
    assert pinned.status_code == 303 and pinned.headers["location"] == "/admin/hot?done=pin"
    assert submit("pin", topic="上海提示", note="", city="310104").status_code == 303  # a county: its city
    assert submit("block", kind="topic", topic=METRO).status_code == 303
    assert submit("refresh").status_code == 303
    assert entries_on(client.get("/hot").text) == [RAIN]
    assert "#防汛通告#" in client.get("/hot").text and "#上海提示#" in client.get("/hot?city=310000").text

    page = client.get("/admin/hot?done=refresh").text
    assert "榜单已刷新" in page and "市防汛办发布" in page and "上海市" in page
    history = page[page.index('id="history"'):]
    assert "管理员boss" in history and "屏蔽话题" in history and "置顶" in history

    assert submit("unblock", kind="topic", topic=METRO).status_code == 303
    assert submit("block", kind="keyword", keyword="暴雨").status_code == 303
    assert submit("unpin", city="").status_code == 303
    submit("refresh")
    assert entries_on(client.get("/hot").text) == [METRO] and "防汛通告" not in client.get("/hot").text
    submit("unblock", kind="keyword", keyword="暴雨")

    assert submit("review", enabled="true").status_code == 303
    submit("refresh")
    assert entries_on(client.get("/hot").text) == []
    queue = client.get("/admin/hot").text
    assert "审核已开启" in queue and queue.count('action="/admin/hot/approve"') == 2
    submit("approve", topic=RAIN)
    submit("reject", topic=METRO)
    submit("refresh")
    assert entries_on(client.get("/hot").text) == [RAIN]
    assert submit("review", enabled="false").status_code == 303
    assert "审核已关闭" in client.get("/admin/hot").text


def test_bad_input_on_the_administrators_page_is_a_clear_message(client, plaza) -> None:
    staff(plaza)
    sign_in(client, "boss")

    def submit(action: str, path: str = "/admin/hot", **fields: str):  # type: ignore[no-untyped-def]
        return client.post(path.replace("/admin/hot", f"/admin/hot/{action}"),
                           data={"csrf_token": csrf(client, "/admin/hot"), **fields})

    empty = submit("pin", topic=" # ", note="说明")
    assert empty.status_code == 422 and "请填写话题" in empty.text and 'value="说明"' in empty.text
    bad_city = submit("pin", topic="防汛", city="12")
    assert bad_city.status_code == 422 and "城市代码 12 无效" in bad_city.text
    assert submit("block", kind="keyword", keyword="").status_code == 422
    too_long = submit("block", kind="topic", topic="长" * 101)
    assert too_long.status_code == 422 and "不能超过 100 个字符" in too_long.text
    english = submit("pin", path="/admin/hot?lang=en", topic="")
    assert english.status_code == 422 and "Enter a topic" in english.text
    assert plaza.hot.admin_state().pinned == {}
    no_token = client.post("/admin/hot/pin", data={"topic": "防汛"})
    assert no_token.status_code == 403 and plaza.hot.admin_state().pinned == {}


def test_hot_pages_reference_nothing_outside_the_server(client, plaza) -> None:
    square_activity(client, plaza)
    for _ in range(2):
        plaza.hot.refresh()
    staff(plaza)
    sign_in(client, "boss")
    for path in ("/hot", "/hot?city=500000", "/hot/list", "/topics/" + quote(RAIN), "/admin/hot", "/"):
        html = client.get(path).text
        for url in re.findall(r'''(?:src|href|action)\s*=\s*["']((?:https?:)?//[^"']+)''', html):
            assert url.startswith("http://127.0.0.1:8000"), (path, url)
