"""Incidents (事件) as the people of an emergency use them: staff open 2022 重庆山火 over its places
and topics, the fire's official updates and topic posts gather on its page with its responders,
a charity opens a donation project and alone keeps its public ledger, incident mode puts the
banner and help form on the front page and the affected cities' feeds (and nowhere else), the
map shows the affected places and a point per help request, and every figure is exportable.
Both database backends; the map without any."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from plaza.accounts import operators
from plaza.actions import incidents as incident_actions
from plaza.help import incidents
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square import accounts
from plaza.storage.schema import donation_ledger
from plaza.web.incident_map import STATE_COLOURS, draw_map
from tests import factories
from tests.test_web_pages import csrf, sign_in

FIRE = {"slug": "2022-chongqing-fire", "name": "2022 重庆山火", "kind": "wildfire", "account": "cq_fabu",
        "summary": "北碚、江津、涪陵等地发生山火，各方力量正在扑救。", "regions": ["500109", "500116"],
        "topics": ["一起守护这座城", "重庆山火"], "mode": True}
#: Help requests in the public shape plaza.help.incidents.requests_of documents.
REQUESTS = [
    {"id": "1", "need": "rescue", "county": "500109", "county_name": "北碚区", "state": "submitted",
     "lat": 29.83, "lon": 106.40, "created_at": None},
    {"id": "2", "need": "supplies", "county": "500116", "county_name": "江津区", "state": "published",
     "lat": 29.29, "lon": 106.26, "created_at": None},
    {"id": "3", "need": "medical", "county": None, "county_name": None, "state": "verified", "lat": None, "lon": None,
     "created_at": None},
]
#: What a served page or map may never load from elsewhere: src/href/action/url() to another host.
EXTERNAL = re.compile(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""",
                      re.IGNORECASE)


def bearer(plaza: Plaza, row: Any) -> dict[str, str]:
    secret, _ = tokens.issue(plaza.db, row.id, None, frozenset({"read", "write"}))
    return {"Authorization": f"Bearer {secret}"}


class Cast:
    def __init__(self, plaza: Plaza) -> None:
        self.moderator = factories.citizen(plaza, "zz_moderator")
        accounts.set_flags(plaza.db, self.moderator.id, role="moderator")
        self.citizen = factories.citizen(plaza, "zz_citizen", home_city="500109")
        self.cq = factories.government(plaza, "cq_fabu", "重庆发布")
        self.lantian = factories.citizen(plaza, "cq_lantian", "重庆蓝天救援队", kind="organisation",
                                         organisation_type="rescue_team")
        self.charity = factories.citizen(plaza, "cq_charity", "重庆慈善总会", kind="organisation",
                                         organisation_type="charity")
        self.clerk = factories.citizen(plaza, "zz_clerk")  # keeps the charity's books
        with plaza.db.write() as conn:
            operators.appoint(conn, self.charity.id, self.clerk.id)
        self.other_org = factories.citizen(plaza, "sh_charity", "上海慈善", kind="organisation",
                                           organisation_type="charity", home_city="310000")


@pytest.fixture
def cast(plaza: Plaza) -> Cast:
    return Cast(plaza)


def open_fire(client: Any, plaza: Plaza, cast: Cast, **over: Any) -> dict[str, Any]:
    answer = client.post("/api/plaza/v1/incidents", json={**FIRE, **over}, headers=bearer(plaza, cast.moderator))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def open_project(client: Any, plaza: Plaza, cast: Cast) -> dict[str, Any]:
    answer = client.post("/api/plaza/v1/incidents/2022-chongqing-fire/donations",
                         json={"title": "山火救援物资", "goal": "100,000", "description": "为一线扑火人员采购物资"},
                         headers=bearer(plaza, cast.charity))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


# --- roles and input ---------------------------------------------------------------------------

def test_staff_open_an_incident_and_a_citizen_may_not(client, plaza, cast) -> None:
    refused = client.post("/api/plaza/v1/incidents", json=FIRE, headers=bearer(plaza, cast.citizen))
    assert refused.status_code == 403 and "管理员" in refused.json()["error"]
    english = client.post("/api/plaza/v1/incidents?lang=en", json=FIRE, headers=bearer(plaza, cast.citizen))
    assert english.status_code == 403 and "moderators" in english.json()["error"]
    assert client.post("/api/plaza/v1/incidents", json=FIRE).status_code == 401

    body = open_fire(client, plaza, cast)
    assert body["slug"] == "2022-chongqing-fire" and body["kind"] == "wildfire" and body["mode"] is True
    assert body["account"]["username"] == "cq_fabu" and body["active"] is True
    assert [r["code"] for r in body["regions"]] == ["500109", "500116"]
    assert {r["city_code"] for r in body["regions"]} == {"500000"}
    assert [t["name"] for t in body["topics"]] == ["一起守护这座城", "重庆山火"]
    assert body["help_url"].endswith("/help/new?incident=2022-chongqing-fire")
    again = client.post("/api/plaza/v1/incidents", json=FIRE, headers=bearer(plaza, cast.moderator))
    assert again.status_code == 409


@pytest.mark.parametrize(("over", "field", "zh", "en"), [
    ({"regions": ["500109", "999999"]}, "regions", "999999", "999999"),
    ({"kind": "meteor"}, "kind", "事件类型", "kind of incident"),
    ({"slug": "Bad Slug!"}, "slug", "事件地址", "address"),
    ({"account": "zz_citizen"}, "account", "政务号或机构", "government or organisation"),
    ({"regions": []}, "regions", "缺少参数", "Missing parameter"),
])
def test_bad_input_is_a_422_in_the_callers_language(client, plaza, cast, over, field, zh, en) -> None:
    for lang, word in (("", zh), ("?lang=en", en)):
        answer = client.post("/api/plaza/v1/incidents" + lang, json={**FIRE, **over},
                             headers=bearer(plaza, cast.moderator))
        assert answer.status_code == 422, (field, answer.text)
        assert word in answer.json()["error"], (field, answer.json())


def test_the_incidents_own_account_changes_and_ends_it_and_others_may_not(client, plaza, cast) -> None:
    open_fire(client, plaza, cast)
    path = "/api/plaza/v1/incidents/2022-chongqing-fire"
    assert client.patch(path, json={"summary": "x"}, headers=bearer(plaza, cast.citizen)).status_code == 403
    changed = client.patch(path, json={"summary": "明火已全部扑灭", "regions": "500109 500116 500102"},
                           headers=bearer(plaza, cast.cq))
    assert changed.status_code == 200, changed.text
    assert changed.json()["summary"] == "明火已全部扑灭" and len(changed.json()["regions"]) == 3
    added = client.post(path + "/responders", json={"account": "@重庆蓝天救援队", "role": "搜救"},
                        headers=bearer(plaza, cast.moderator))
    assert added.status_code == 200, added.text
    assert added.json()["responders"] == [{"id": str(cast.lantian.id), "username": "cq_lantian",
                                           "display_name": "重庆蓝天救援队", "kind": "organisation", "role": "搜救"}]
    assert client.post(path + "/end", headers=bearer(plaza, cast.citizen)).status_code == 403
    ended = client.post(path + "/end", headers=bearer(plaza, cast.cq))
    assert ended.status_code == 200 and ended.json()["active"] is False and ended.json()["mode"] is False
    assert ended.json()["ended_at"]
    assert client.post(path + "/end", headers=bearer(plaza, cast.cq)).status_code == 409
    turned_on = client.patch(path, json={"mode": True}, headers=bearer(plaza, cast.moderator))
    assert turned_on.status_code == 422
    listed = client.get("/api/plaza/v1/incidents?active=false").json()
    assert [i["slug"] for i in listed] == ["2022-chongqing-fire"]
    assert client.get("/api/plaza/v1/incidents?active=true").json() == []


# --- donations and the ledger -----------------------------------------------------------------

def test_the_organisation_keeps_its_ledger_and_the_sums_follow_it(client, plaza, cast) -> None:
    open_fire(client, plaza, cast)
    project = open_project(client, plaza, cast)
    assert project["goal_fen"] == 10_000_000 and project["raised_fen"] == 0 and project["organisation"]["username"] == "cq_charity"
    ledger = f"/api/plaza/v1/incidents/2022-chongqing-fire/donations/{project['id']}/ledger"
    lines = [
        (cast.charity, {"kind": "receipt", "amount": "50,000.00", "counterpart": "爱心企业", "purpose": "定向捐赠",
                        "evidence": "收据 No.0001"}),
        (cast.clerk, {"kind": "receipt", "amount_fen": 1_234_56, "counterpart": "网友捐款（匿名）"}),
        (cast.clerk, {"kind": "disbursement", "amount_fen": 30_000_00, "counterpart": "北碚区应急管理局",
                      "purpose": "灭火器、油锯、饮用水", "at": "2022-08-25 18:00"}),
    ]
    for who, line in lines:
        answer = client.post(ledger, json=line, headers=bearer(plaza, who))
        assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["line"]["seq"] == 3 and body["line"]["at"].startswith("2022-08-25T18:00:00+08:00")
    assert body["raised_fen"] == 5_123_456 and body["disbursed_fen"] == 3_000_000 and body["balance_fen"] == 2_123_456
    assert body["raised"] == "51,234.56" and body["progress"] == pytest.approx(0.5123, abs=1e-4)
    with plaza.db.read() as conn:
        assert incidents.ledger_sums(conn, int(project["id"])) == (5_123_456, 3_000_000)

    public = client.get(ledger).json()
    assert [(x["seq"], x["kind"], x["amount_fen"]) for x in public["ledger"]] == [
        (1, "receipt", 5_000_000), (2, "receipt", 123_456), (3, "disbursement", 3_000_000)]
    assert public["ledger"][1]["entered_by"] == "zz_clerk"
    rows = list(csv.reader(io.StringIO(client.get(ledger + ".csv").content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["seq", "at", "kind", "amount_yuan"] and len(rows) == 4
    assert rows[3][3] == "30,000.00" and rows[3][5] == "北碚区应急管理局"


def test_only_the_organisation_enters_lines_and_bad_amounts_are_refused(client, plaza, cast) -> None:
    open_fire(client, plaza, cast)
    project = open_project(client, plaza, cast)
    ledger = f"/api/plaza/v1/incidents/2022-chongqing-fire/donations/{project['id']}/ledger"
    line = {"kind": "receipt", "amount_fen": 100, "counterpart": "某人"}
    for someone in (cast.citizen, cast.moderator, cast.other_org, cast.cq):
        refused = client.post(ledger, json=line, headers=bearer(plaza, someone))
        assert refused.status_code == 403 and "发起机构" in refused.json()["error"], someone.username
    refused = client.post(ledger + "?lang=en", json=line, headers=bearer(plaza, cast.citizen))
    assert "organisation" in refused.json()["error"]
    for bad, zh, en in (({"amount_fen": -500}, "必须大于零", "more than zero"),
                        ({"amount_fen": 0}, "必须大于零", "more than zero"),
                        ({"amount_fen": None, "amount": "12.345"}, "无效", "not valid"),
                        ({"amount_fen": None, "amount": "-3"}, "必须大于零", "more than zero"),
                        ({"kind": "gift"}, "收支类型", "kind of ledger line"),
                        ({"counterpart": ""}, "缺少参数", "Missing parameter"),
                        ({"kind": "disbursement"}, "可用余额", "available")):
        body = {k: v for k, v in {**line, **bad}.items() if v is not None}
        for lang, word in (("", zh), ("?lang=en", en)):
            answer = client.post(ledger + lang, json=body, headers=bearer(plaza, cast.charity))
            assert answer.status_code == 422 and word in answer.json()["error"], (bad, answer.text)
    # a disbursement may spend what came in, not more: the ledger never shows unreceived money spent
    assert client.post(ledger, json=line, headers=bearer(plaza, cast.charity)).status_code == 201
    assert client.post(ledger, json={**line, "kind": "disbursement"}, headers=bearer(plaza, cast.charity)).status_code == 201
    over = client.post(ledger, json={**line, "kind": "disbursement", "amount_fen": 1}, headers=bearer(plaza, cast.charity))
    assert over.status_code == 422 and "¥0.00" in over.json()["error"]
    with plaza.db.read() as conn:
        assert len(conn.execute(select(donation_ledger)).all()) == 2
    # another organisation's project: a citizen may not open one in its name either
    other = client.post("/api/plaza/v1/incidents/2022-chongqing-fire/donations",
                        json={"account": "cq_charity", "title": "冒名项目", "goal_fen": 100},
                        headers=bearer(plaza, cast.citizen))
    assert other.status_code == 403


def test_totals_are_public_and_exportable(client, plaza, cast) -> None:
    open_fire(client, plaza, cast)
    totals = client.get("/api/plaza/v1/incidents/2022-chongqing-fire/totals")
    assert totals.status_code == 200
    assert totals.json() == {"incident": "2022-chongqing-fire", "requests": 0, "verified": 0, "helped": 0,
                             "median_minutes_to_help": None}
    exported = client.get("/api/plaza/v1/incidents/2022-chongqing-fire/totals.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:9] == ["incident", "name", "kind", "started_at", "ended_at", "requests", "verified", "helped",
                           "median_minutes_to_help"]
    assert rows[1][0] == "2022-chongqing-fire" and rows[1][5:9] == ["0", "0", "0", ""]
    assert client.get("/api/plaza/v1/incidents/no-such-fire/totals").status_code == 404


def test_the_detail_gathers_requests_totals_and_official_updates(client, plaza, cast, monkeypatch) -> None:
    open_fire(client, plaza, cast)
    monkeypatch.setattr(incidents, "requests_of", lambda conn, incident_id, *, limit: REQUESTS[:limit])
    monkeypatch.setattr(incidents, "totals_of", lambda conn, incident_id: {
        "requests": 3, "verified": 2, "helped": 1, "median_minutes_to_help": 95.5})
    official = factories.post(plaza, cast.cq, "#一起守护这座城# 北碚区缙云山山火明火已全部扑灭")
    citizen_post = factories.post(plaza, cast.citizen, "#一起守护这座城# 感谢消防员和摩托车骑手")
    unrelated = factories.post(plaza, cast.citizen, "今天的火锅很好吃")
    body = client.get("/api/plaza/v1/incidents/2022-chongqing-fire").json()
    assert body["totals"] == {"incident": "2022-chongqing-fire", "requests": 3, "verified": 2, "helped": 1,
                              "median_minutes_to_help": 95.5}
    assert [r["id"] for r in body["requests"]] == ["1", "2", "3"] and body["requests"][0]["county_name"] == "北碚区"
    assert [u["id"] for u in body["official_updates"]] == [str(official)]
    assert {p["id"] for p in body["topic_posts"]} == {str(official), str(citizen_post)}
    assert str(unrelated) not in str(body) and body["warnings"] == []


def test_every_kind_of_incident_and_ledger_line_has_chinese_and_english() -> None:
    from plaza import i18n

    for key in [f"incident_kind_{k}" for k in incidents.KINDS] + [f"ledger_kind_{k}" for k in incidents.LEDGER_KINDS]:
        zh, en = i18n.gettext(key, "zh-CN"), i18n.gettext(key, "en")
        assert key not in (zh, en) and zh != en, key


def test_money_is_read_in_yuan_and_kept_in_fen() -> None:
    assert incidents.parse_yuan("1,234.50") == 123_450 and incidents.parse_yuan("¥200") == 20_000
    assert incidents.yuan(123_456) == "1,234.56" and incidents.yuan(5) == "0.05"
    assert incidents.balance_after(1000, 0, "disbursement", 1000) == (1000, 1000)
    for bad in ("1.234", "abc", "0", "-1", "NaN", "Infinity", "1e3"):
        with pytest.raises(incidents.Invalid):
            incidents.parse_yuan(bad)
    with pytest.raises(incidents.Invalid):
        incidents.balance_after(1000, 1000, "disbursement", 1)


# --- the map (no database) ------------------------------------------------------------------------

def test_the_map_draws_the_affected_places_and_a_point_per_located_request() -> None:
    svg = str(draw_map(["500109", "500116"], REQUESTS))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    affected = re.findall(r'<path d="(M[^"]+)"[^>]*data-region="(\d{6})"', svg)
    assert [code for _, code in affected] == ["500000"]  # the counties' city, drawn whole
    assert len(affected[0][0]) > 200  # an outline, not a token
    assert "北碚区" in svg and "江津区" in svg  # the counties marked at their centres
    points = re.findall(r'<circle cx="[\d.]+" cy="[\d.]+" r="4" fill="(#[0-9a-f]{6})"[^>]*data-state="(\w+)"', svg)
    assert sorted(points) == sorted([(STATE_COLOURS["submitted"], "submitted"), (STATE_COLOURS["published"], "published")])
    assert "待核实 1" in svg and "已公示 1" in svg and "受影响地区" in svg  # the legend
    assert "（1 条没有位置）" in svg  # the request without a place is counted, not drawn
    assert 'fill="#f6f6f6"' in svg  # neighbours drawn faint (四川, 贵州 …)
    assert not EXTERNAL.search(svg) and "<script" not in svg and "<image" not in svg

    english = str(draw_map(["500109"], REQUESTS[:1], locale="en"))
    assert "Affected places and help requests" in english and "To verify 1" in english and "Around" in english

    typhoon = str(draw_map(["440000", "460100"], []))
    assert {code for code in re.findall(r'data-region="(\d{6})"', typhoon)} == {"440000", "460100"}
    assert "<circle" not in typhoon.split('class="map-legend"')[0]
    assert "0 条" in typhoon
    # a county-level city without an outline of its own (定州) is marked at its centre
    assert "定州市" in str(draw_map(["139001"], []))


# --- pages --------------------------------------------------------------------------------------

def as_person(client: Any, login: str, password: str = "correct horse battery") -> None:
    assert sign_in(client, login, password).status_code == 303


def no_external(html: str) -> None:
    found = EXTERNAL.search(html)
    assert found is None, html[max(0, found.start() - 80):found.end() + 80] if found else ""


def test_incident_pages_render_in_chinese_and_english_with_map_requests_and_ledger(client, plaza, cast,
                                                                                   monkeypatch) -> None:
    open_fire(client, plaza, cast)
    project = open_project(client, plaza, cast)
    ledger = f"/api/plaza/v1/incidents/2022-chongqing-fire/donations/{project['id']}/ledger"
    assert client.post(ledger, json={"kind": "receipt", "amount_fen": 2_000_000, "counterpart": "爱心企业"},
                       headers=bearer(plaza, cast.charity)).status_code == 201
    client.post("/api/plaza/v1/incidents/2022-chongqing-fire/responders", json={"account": "cq_lantian",
                "role": "搜救"}, headers=bearer(plaza, cast.moderator))
    monkeypatch.setattr(incidents, "requests_of", lambda conn, incident_id, *, limit: REQUESTS[:limit])
    update = factories.post(plaza, cast.cq, "#重庆山火# 缙云山明火已扑灭，感谢各方")

    listing = client.get("/incidents")
    assert listing.status_code == 200 and "2022 重庆山火" in listing.text and "山火" in listing.text
    page = client.get("/incidents/2022-chongqing-fire")
    assert page.status_code == 200, page.text[:2000]
    text = page.text
    assert "权威发布" in text and "缙云山明火已扑灭" in text and str(update) in text
    assert "重庆蓝天救援队" in text and "搜救" in text and "求助统计" in text
    assert "山火救援物资" in text and "¥20,000.00" in text and '<progress class="donation-progress" max="10000000" value="2000000"' in text
    assert '<svg class="incident-map"' in text and text.count('r="4" fill=') == 2 and 'data-region="500000"' in text
    assert "北碚区" in text and "待核实" in text  # the request list, states in the reader's language
    assert 'href="/help/new?incident=2022-chongqing-fire"' in text
    assert "/api/plaza/v1/incidents/2022-chongqing-fire/totals.csv" in text
    no_external(text)
    english = client.get("/incidents/2022-chongqing-fire?lang=en").text
    assert "Official updates" in english and "Responders" in english and "Ask for help" in english
    assert "To verify" in english and "Affected places and help requests" in english
    no_external(english)

    ledger_page = client.get(f"/incidents/2022-chongqing-fire/donations/{project['id']}?lang=zh-CN")
    assert ledger_page.status_code == 200 and "收支公示" in ledger_page.text and "爱心企业" in ledger_page.text
    assert "+20,000.00" in ledger_page.text and 'action="/incidents/2022-chongqing-fire/donations' not in ledger_page.text
    no_external(ledger_page.text)
    assert "Public ledger" in client.get(f"/incidents/2022-chongqing-fire/donations/{project['id']}?lang=en").text
    assert client.get("/incidents/no-such-fire").status_code == 404


def test_the_banner_shows_on_the_front_page_and_affected_cities_and_not_elsewhere(client, plaza, cast) -> None:
    open_fire(client, plaza, cast)
    banner = 'class="incident-banner"'
    help_link = 'href="/help/new?incident=2022-chongqing-fire"'
    for path in ("/", "/city/500000"):
        page = client.get(path).text
        assert banner in page and help_link in page and "2022 重庆山火" in page, path
        no_external(page)
    for path in ("/city/510100", "/city/310000", "/hot", "/search?q=火"):
        assert banner not in client.get(path).text, path
    as_person(client, "zz_citizen")
    assert banner in client.get("/home").text

    # a typhoon over a whole province: every city of it, and nowhere else
    assert client.patch("/api/plaza/v1/incidents/2022-chongqing-fire", json={"mode": False},
                        headers=bearer(plaza, cast.moderator)).status_code == 200
    assert banner not in client.get("/city/500000").text and banner not in client.get("/").text
    open_fire(client, plaza, cast, slug="2022-typhoon-muifa", name="台风梅花", kind="typhoon", regions=["330000"],
              topics=["台风梅花"])
    assert 'data-incident="2022-typhoon-muifa"' in client.get("/city/330200").text  # 宁波
    assert banner not in client.get("/city/500000").text and banner not in client.get("/city/310000").text
    assert client.post("/api/plaza/v1/incidents/2022-typhoon-muifa/end",
                       headers=bearer(plaza, cast.moderator)).status_code == 200
    assert banner not in client.get("/city/330200").text and banner not in client.get("/").text


def test_staff_open_an_incident_with_the_web_form_and_citizens_may_not(client, plaza, cast) -> None:
    as_person(client, "zz_citizen")
    assert client.get("/incidents/new").status_code == 403
    client.post("/signout", data={"csrf_token": csrf(client, "/home")})
    as_person(client, "zz_moderator")
    form = {"csrf_token": csrf(client, "/incidents/new"), "slug": "2023-zhuozhou-flood", "name": "2023 涿州洪涝",
            "kind": "flood", "account": "cq_fabu", "regions": "130681, 130600", "topics": "涿州加油\n#河北暴雨#",
            "summary": "", "started_at": "2023-07-31 08:00", "mode": "1"}
    bad = client.post("/incidents?lang=en", data={**form, "regions": "130681 123456"}, follow_redirects=False)
    assert bad.status_code == 422 and "123456" in bad.text and "not valid" in bad.text
    made = client.post("/incidents", data=form, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/incidents/2023-zhuozhou-flood?done=saved"
    page = client.get("/incidents/2023-zhuozhou-flood?done=saved&lang=zh-CN").text
    assert "2023 涿州洪涝" in page and "#涿州加油#" in page and "#河北暴雨#" in page and "已保存" in page
    edit = client.get("/incidents/2023-zhuozhou-flood/edit")
    assert edit.status_code == 200 and "130600 130681" in edit.text
    saved = client.post("/incidents/2023-zhuozhou-flood/edit", data={
        **{k: v for k, v in form.items() if k != "slug"}, "csrf_token": csrf(client, "/incidents/2023-zhuozhou-flood/edit"),
        "summary": "涿州市部分地区积水严重"}, follow_redirects=False)
    assert saved.status_code == 303
    assert "涿州市部分地区积水严重" in client.get("/incidents/2023-zhuozhou-flood").text


def test_the_organisation_enters_ledger_lines_with_the_web_form(client, plaza, cast) -> None:
    open_fire(client, plaza, cast)
    project = open_project(client, plaza, cast)
    page = f"/incidents/2022-chongqing-fire/donations/{project['id']}"
    as_person(client, "zz_clerk")
    assert 'action="' + page + '/ledger"' in client.get(page).text
    line = {"csrf_token": csrf(client, page), "kind": "receipt", "amount": "1,000.50", "counterpart": "网友",
            "purpose": "", "at": "", "evidence": "支付宝流水 2022082500001"}
    entered = client.post(page + "/ledger", data=line, follow_redirects=False)
    assert entered.status_code == 303 and entered.headers["location"] == page + "?done=line"
    over = client.post(page + "/ledger", data={**line, "kind": "disbursement", "amount": "2000"},
                       follow_redirects=False)
    assert over.status_code == 422 and "可用余额" in over.text and 'value="2000"' in over.text
    shown = client.get(page).text
    assert "+1,000.50" in shown and "支付宝流水 2022082500001" in shown and "@zz_clerk" in shown
    client.post("/signout", data={"csrf_token": csrf(client, "/home")})
    as_person(client, "zz_citizen")
    refused = client.post(page + "/ledger", data={**line, "csrf_token": csrf(client, page)}, follow_redirects=False)
    assert refused.status_code == 403
    with plaza.db.read() as conn:
        assert incidents.ledger_sums(conn, int(project["id"])) == (100_050, 0)
    assert incident_actions.BANNER_SECONDS <= 10
