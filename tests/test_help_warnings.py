"""Official warnings (预警): authorised government accounts issue them, CAP 1.2 documents from other
systems are imported; each is a post pinned at the top of the home and city timelines and the hot
lists of the cities it covers until it expires, updated and cancelled by later messages, and
served as JSON, CAP 1.2 (valid against the OASIS schema) and Atom — on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import xmlschema
from starlette.testclient import TestClient

from plaza.accounts import policy
from plaza.app import create_app
from plaza.clock import ManualClock, use
from plaza.config import load_settings
from plaza.help import cap, warnings
from plaza.instance import Plaza
from plaza.square import accounts
from tests.factories import citizen, government
from tests.hotsupport import bearer_for, redis_prefix_fixture
from tests.test_cli import ok, run
from tests.test_web_pages import sign_in

DATA = Path(__file__).parent / "data" / "cap"
XSD = xmlschema.XMLSchema(str(resources.files("plaza.help").joinpath("data/cap-1.2.xsd")))
ATOM = "{http://www.w3.org/2005/Atom}"
CAP_XML = {"Content-Type": "application/cap+xml"}
#: The day typhoon Muifa came ashore, an hour after Shanghai's red warning (in force until the 15th, 22:30).
MUIFA = datetime(2022, 9, 14, 3, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    with use(ManualClock(MUIFA)) as manual:
        yield manual


def meteorology(plaza: Plaza, username: str, region: str, level: str = "provincial",
                department: str = "meteorology") -> Any:
    return government(plaza, username, username + "气象", region_code=region, level=level,
                      department_type=department, agency=f"{region} 气象台")


def served_cap(client: TestClient, warning_id: str) -> cap.Alert:
    """The warning's CAP document, checked against the OASIS schema, read back."""
    response = client.get(f"/api/plaza/v1/warnings/{warning_id}.cap")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/cap+xml")
    XSD.validate(response.content.decode("utf-8"))
    return cap.parse(response.content)


def issue(client: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    body = {"type": "高温", "level": "红色", "areas": ["500000"], "headline": "重庆市气象台发布高温红色预警",
            "instruction": "停止户外露天作业；严禁野外用火。", "expires": "2022-09-15T20:00:00+08:00",
            "topic": "一起守护这座城", **fields}
    return client.post("/api/plaza/v1/warnings", json=body, headers=headers)


def home_ids(client: TestClient, headers: dict[str, str]) -> list[str]:
    return [s["id"] for s in client.get("/api/v1/timelines/home", headers=headers).json()]


def city_ids(client: TestClient, code: str) -> list[str]:
    return [s["id"] for s in client.get(f"/api/v1/timelines/city/{code}").json()]


# --- the rules, without a database ------------------------------------------------------------------


def test_a_province_covers_its_cities_a_county_its_city_and_a_municipality_itself() -> None:
    covered = warnings.covered_cities(["440000", "310115", "500000", "330100"])
    assert "440100" in covered["440000"] and "440300" in covered["440000"] and len(covered["440000"]) == 21
    assert covered["310115"] == ("310000",) and covered["500000"] == ("500000",)
    assert covered["330100"] == ("330100",)


def test_who_may_warn_where() -> None:
    def account(**kw: Any) -> Any:
        values = {"kind": "government", "verified_at": MUIFA, "department_type": "meteorology",
                  "region_code": "310000", "level": "provincial", "suspended": False, "role": "user"}
        return type("Row", (), values | kw)()

    assert policy.may_warn(account(), ["310115", "310000"])
    assert not policy.may_warn(account(), ["500000"])  # outside its region
    assert policy.may_warn(account(region_code="000000", level="national"), ["500000", "310000"])
    assert policy.may_warn(account(department_type="flood_control", region_code="310115", level="county"),
                           ["310115"])
    assert not policy.may_warn(account(department_type="flood_control", region_code="310115"), ["310000"])
    assert not policy.may_warn(account(department_type="publicity"), ["310000"])
    assert not policy.may_warn(account(kind="citizen"), ["310000"])
    assert not policy.may_warn(account(verified_at=None), ["310000"])
    assert policy.may_warn(account(kind="citizen", role="admin"), ["500000"])
    assert policy.may_warn(policy.OPERATOR, ["500000"])


# --- issuing, pinning, expiry ---------------------------------------------------------------------


def test_a_warning_pins_itself_in_the_affected_citys_timelines_until_it_expires(client, plaza, clock) -> None:
    cq_meteo = meteorology(plaza, "cq_meteo", "500000")
    cq_reader = citizen(plaza, "cq_reader", home_city="500000")
    sh_reader = citizen(plaza, "sh_reader", home_city="310000")
    cq, sh = bearer_for(plaza, cq_reader), bearer_for(plaza, sh_reader)
    for n in range(3):  # the readers' own newer posts come after the pinned warning
        client.post("/api/v1/statuses", json={"status": f"重庆今天好热 {n}"}, headers=cq)
        client.post("/api/v1/statuses", json={"status": f"上海在刮风 {n}"}, headers=sh)

    made = issue(client, bearer_for(plaza, cq_meteo))
    assert made.status_code == 201, made.text
    warning = made.json()
    assert (warning["event"], warning["level"], warning["severity"], warning["areas"]) == (
        "高温红色预警", "红色", "Extreme", ["500000"])
    assert warning["expires"] == "2022-09-15T20:00:00+08:00" and warning["in_force"] is True
    post_id = warning["status_id"]
    post = client.get(f"/api/v1/statuses/{post_id}").json()
    assert post["account"]["username"] == "cq_meteo"
    assert "【高温红色预警】" in post["content"] and "重庆市" in post["content"] and "一起守护这座城" in post["content"]
    later = client.post("/api/v1/statuses", json={"status": "又一条新微博"}, headers=cq).json()["id"]

    # Pinned first for Chongqing's readers (home and city feed), not again further down;
    # Shanghai's readers and Shanghai's feed do not see it.
    home = home_ids(client, cq)
    assert home[0] == post_id and home[1] == later and home.count(post_id) == 1
    assert city_ids(client, "500000")[0] == post_id and city_ids(client, "500101")[0] == post_id
    assert post_id not in home_ids(client, sh) and post_id not in city_ids(client, "310000")
    # Older pages (a cursor) are not topped by it.
    older = client.get("/api/v1/timelines/home", params={"max_id": later}, headers=cq).json()
    assert older[0]["id"] != post_id
    listed = client.get("/api/plaza/v1/warnings").json()
    assert [(w["id"], w["status_id"]) for w in listed] == [(warning["id"], post_id)]
    doc = client.get("/api/plaza/v1/openapi.json").json()
    jsonschema.validate(listed[0], {"$ref": "#/components/schemas/Warning", "components": doc["components"]})
    jsonschema.validate(client.get("/api/plaza/v1/hot", params={"city": "500000"}).json(),
                        {"$ref": "#/components/schemas/HotList", "components": doc["components"]})
    assert [w["id"] for w in client.get("/api/plaza/v1/warnings", params={"area": "500112"}).json()] == [warning["id"]]
    assert client.get("/api/plaza/v1/warnings", params={"area": "310000"}).json() == []
    assert client.get("/api/plaza/v1/warnings", params={"area": "999999"}).status_code == 422

    # The web pages too, with the warning's colour.
    sign_in(client, "cq_reader")
    page = client.get("/home").text
    assert page.index(f'id="status-{post_id}"') < page.index(f'id="status-{later}"')
    assert "warning warning-red" in page
    city_page = client.get("/city/500000").text
    assert f'id="status-{post_id}"' in city_page and "warning-red" in city_page
    assert "warning-red" not in client.get("/city/310000").text

    clock.advance(days=2)  # past its expiry: gone everywhere at once
    assert post_id not in home_ids(client, cq)[:1] and city_ids(client, "500000")[:1] != [post_id]
    assert client.get("/api/plaza/v1/warnings").json() == []
    assert client.get("/api/plaza/v1/warnings", params={"all": "1"}).json()[0]["in_force"] is False
    assert "warning-red" not in client.get("/home").text


def test_every_warning_plaza_serves_is_valid_cap_and_reads_back(client, plaza, clock) -> None:
    headers = bearer_for(plaza, meteorology(plaza, "cq_meteo", "500000"))
    made = issue(client, headers, polygon=[[29.9, 106.3], [29.9, 106.5], [29.7, 106.5], [29.7, 106.3]],
                 onset="2022-09-14 12:00").json()
    alert = served_cap(client, made["id"])
    info = alert.infos[0]
    assert (alert.identifier, alert.msg_type, alert.status) == (made["identifier"], "Alert", "Actual")
    assert alert.sender == "cq_meteo@127.0.0.1:8000"
    assert (info.event, info.severity, info.categories) == ("高温红色预警", "Extreme", ("Met",))
    assert cap.region_codes(info.areas[0]) == ["500000"] and len(info.areas[0].polygons[0]) == 5
    assert info.onset == datetime(2022, 9, 14, 12, 0, tzinfo=cap.CHINA)
    assert info.expires == datetime(2022, 9, 15, 20, 0, tzinfo=cap.CHINA)

    feed = client.get("/api/plaza/v1/warnings.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    entries = root.findall(f"{ATOM}entry")
    assert root.tag == f"{ATOM}feed" and len(entries) == 1
    links = {link.get("rel"): link for link in entries[0].findall(f"{ATOM}link")}
    assert links["alternate"].get("type") == "application/cap+xml"
    assert links["alternate"].get("href").endswith(f"/api/plaza/v1/warnings/{made['id']}.cap")
    assert links["related"].get("href").endswith(f"/@cq_meteo/{made['status_id']}")
    assert entries[0].find(f"{ATOM}title").text.startswith("高温红色预警")
    assert client.get("/api/plaza/v1/warnings/12345.cap").status_code == 404
    assert client.get("/api/plaza/v1/warnings/x.cap").status_code == 404


def test_ordinary_citizens_and_accounts_outside_their_region_are_refused(client, plaza, clock) -> None:
    citizen_headers = bearer_for(plaza, citizen(plaza, "li"))
    refused = issue(client, citizen_headers)
    assert refused.status_code == 403 and "气象" in refused.json()["error"]
    sh_meteo = bearer_for(plaza, meteorology(plaza, "sh_meteo", "310000"))
    client.cookies.set("plaza_lang", "en")  # the caller's language
    outside = issue(client, sh_meteo)
    client.cookies.clear()
    assert outside.status_code == 403 and "own region" in outside.json()["error"]
    publicity = bearer_for(plaza, government(plaza, "cq_fabu", "重庆发布"))
    assert issue(client, publicity).status_code == 403
    assert issue(client, sh_meteo, areas=["310115"]).status_code == 201  # its own region
    national = bearer_for(plaza, meteorology(plaza, "cma", "000000", level="national"))
    assert issue(client, national, areas=["500000", "310000"]).status_code == 201
    assert client.post("/api/plaza/v1/warnings", json={}).status_code == 401

    bad = {"level": "紫色"}, {"type": "外星人"}, {"areas": []}, {"areas": ["123456"]}, \
        {"expires": "2022-09-13T00:00:00+08:00"}, {"expires": "2023-09-13T00:00:00+08:00"}, {"expires": "soon"}, \
        {"onset": "2022-09-16T00:00:00+08:00"}, {"polygon": [[1, 2], [3, 4]]}, {"urgency": "Now"}
    for fields in bad:
        answer = issue(client, national, **fields)
        assert answer.status_code == 422, (fields, answer.text)
    assert client.get("/api/plaza/v1/warnings").json()[0]["areas"] == ["310000", "500000"]


def test_an_update_replaces_the_warning_and_a_cancellation_unpins_it_at_once(client, plaza, clock) -> None:
    sh_meteo = meteorology(plaza, "sh_meteo", "310000")
    headers = bearer_for(plaza, sh_meteo)
    reader = bearer_for(plaza, citizen(plaza, "sh_reader", home_city="310000"))
    first = issue(client, headers, type="台风", level="橙色", areas=["310115"], topic=None).json()
    assert home_ids(client, reader)[0] == first["status_id"]

    raised = client.post(f"/api/plaza/v1/warnings/{first['id']}/update", headers=headers,
                         json={"level": "红色", "areas": ["310115", "310120"]})
    assert raised.status_code == 201, raised.text
    update = raised.json()
    assert (update["msg_type"], update["level"], update["references"]) == ("Update", "红色", first["id"])
    assert update["areas"] == ["310115", "310120"] and update["instruction"] == first["instruction"]
    alert = served_cap(client, update["id"])
    assert alert.msg_type == "Update" and alert.references[0].identifier == first["identifier"]
    # The update replaces the first in the pins; its post answers the first one's.
    assert home_ids(client, reader)[0] == update["status_id"] and first["status_id"] not in home_ids(client, reader)
    assert client.get(f"/api/v1/statuses/{update['status_id']}").json()["in_reply_to_id"] == first["status_id"]
    assert [w["id"] for w in client.get("/api/plaza/v1/warnings").json()] == [update["id"]]
    assert client.get(f"/api/plaza/v1/warnings/{first['id']}").json()["superseded_by"] == update["id"]
    # Acting on the replaced one acts on the newest; another region's account may not.
    cq = bearer_for(plaza, meteorology(plaza, "cq_meteo", "500000"))
    assert client.post(f"/api/plaza/v1/warnings/{first['id']}/cancel", headers=cq).status_code == 403

    cancelled = client.post(f"/api/plaza/v1/warnings/{first['id']}/cancel", headers=headers, json={"note": "台风已远离"})
    assert cancelled.status_code == 201, cancelled.text
    body = cancelled.json()
    assert body["msg_type"] == "Cancel" and body["references"] == update["id"]
    assert served_cap(client, body["id"]).msg_type == "Cancel"
    assert update["status_id"] not in home_ids(client, reader)
    assert client.get("/api/plaza/v1/warnings").json() == []
    assert client.get(f"/api/plaza/v1/warnings/{update['id']}").json()["cancelled_at"] is not None
    lifted = client.get(f"/api/v1/statuses/{body['status_id']}").json()
    assert "已解除" in lifted["content"] and lifted["in_reply_to_id"] == update["status_id"]
    again = client.post(f"/api/plaza/v1/warnings/{update['id']}/cancel", headers=headers)
    assert again.status_code == 409
    assert client.post(f"/api/plaza/v1/warnings/{update['id']}/update", headers=headers,
                       json={"level": "蓝色"}).status_code == 409


# --- importing CAP ------------------------------------------------------------------------------------


def test_an_imported_cap_document_round_trips_through_plaza(client, plaza, clock) -> None:
    document = (DATA / "shanghai-typhoon-red.xml").read_bytes()
    original = cap.parse(document)
    headers = bearer_for(plaza, meteorology(plaza, "shmeteo", "310000"))
    reader = bearer_for(plaza, citizen(plaza, "sh_reader", home_city="310000"))
    imported = client.post("/api/plaza/v1/warnings", content=document, headers={**headers, **CAP_XML})
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert (body["identifier"], body["event"], body["level"], body["areas"]) == (
        "sh-meteo-20220914-typhoon-red", "台风红色预警", "红色", ["310000"])
    assert (body["onset"], body["expires"], body["source"]) == (
        "2022-09-14T10:30:00+08:00", "2022-09-15T22:30:00+08:00", "import")
    assert body["polygon"] == "31.9,121.3 31.6,122.3 30.6,122.2 30.7,121.0 31.9,121.3"

    assert served_cap(client, body["id"]) == original  # served as received: every field the same
    assert home_ids(client, reader)[0] == body["status_id"]
    again = client.post("/api/plaza/v1/warnings", content=document, headers={**headers, **CAP_XML})
    assert again.status_code == 409

    # An Update from the same system, referencing it by identifier, replaces it.
    update = client.post("/api/plaza/v1/warnings", content=(DATA / "shanghai-typhoon-update.xml").read_bytes(),
                         headers={**headers, "Content-Type": "application/xml"})
    assert update.status_code == 201, update.text
    assert update.json()["references"] == body["id"] and update.json()["level"] == "橙色"
    assert [w["id"] for w in client.get("/api/plaza/v1/warnings").json()] == [update.json()["id"]]
    assert home_ids(client, reader)[0] == update.json()["status_id"]


def test_a_document_failing_the_schema_is_refused_with_the_schemas_reason(client, plaza, clock) -> None:
    headers = bearer_for(plaza, meteorology(plaza, "shmeteo", "310000"))
    refused = client.post("/api/plaza/v1/warnings", content=(DATA / "invalid-severity.xml").read_bytes(),
                          headers={**headers, **CAP_XML, "Accept-Language": "en"})
    assert refused.status_code == 422
    assert "CAP 1.2" in refused.json()["error"] and "Catastrophic" in refused.json()["error"]
    assert "cap:severity" in refused.json()["error"]
    chinese = client.post("/api/plaza/v1/warnings", content=b"<alert>", headers={**headers, **CAP_XML})
    assert chinese.status_code == 422 and "CAP 文档不符合" in chinese.json()["error"]
    assert client.get("/api/plaza/v1/warnings", params={"all": "1"}).json() == []  # nothing half-stored


def test_a_polygon_only_warning_covers_the_places_inside_it(client, plaza) -> None:
    with use(ManualClock(datetime(2022, 8, 21, 12, 0, tzinfo=UTC))):
        headers = bearer_for(plaza, meteorology(plaza, "cqyjj", "500000", department="emergency_management"))
        made = client.post("/api/plaza/v1/warnings", headers={**headers, **CAP_XML},
                           content=(DATA / "chongqing-forest-fire-polygon.xml").read_bytes())
        assert made.status_code == 201, made.text
        assert made.json()["areas"] == ["500109"]  # 北碚区
        assert city_ids(client, "500000")[0] == made.json()["status_id"]
        outside = bearer_for(plaza, meteorology(plaza, "sh_yjj", "310000", department="emergency_management"))
        other = (DATA / "chongqing-heat-red.xml").read_bytes()
        assert client.post("/api/plaza/v1/warnings", headers={**outside, **CAP_XML}, content=other).status_code == 403


def test_the_command_line_imports_and_lists_warnings(database_url: str, tmp_path: Path) -> None:
    env = {"PLAZA_DATA_DIR": str(tmp_path / "data"), "PLAZA_DATABASE_URL": database_url, "PLAZA_LOCALE": "en"}
    ok(run(["db", "upgrade"], env))
    ok(run(["account", "create", "cqmeteo", "--display-name", "重庆气象", "--password-stdin", "--city", "500000",
            "--kind", "government", "--agency", "重庆市气象台", "--region", "500000", "--level", "provincial",
            "--department-type", "meteorology"], env, input="correct horse battery\n"))
    with use(ManualClock(datetime(2022, 8, 18, 1, 0, tzinfo=UTC))):
        done = ok(run(["warnings", "import", str(DATA / "chongqing-heat-red.xml")], env)).output
        assert "高温红色预警" in done and "@cqmeteo" in done and "500000" in done
        listed = ok(run(["warnings", "list"], env)).output
        assert "高温红色预警" in listed and "红色" in listed and "2022-08-19 20:00" in listed
        unknown = run(["warnings", "import", str(DATA / "shanghai-typhoon-red.xml")], env)
        assert unknown.exit_code == 1 and "--as" in unknown.output
        refused = run(["warnings", "import", str(DATA / "invalid-severity.xml"), "--as", "cqmeteo"], env)
        assert refused.exit_code == 1 and "Catastrophic" in refused.output
    plaza = Plaza.from_settings(load_settings(env=env))
    try:
        with plaza.db.read() as conn:
            rows = warnings.listed(conn, datetime(2022, 8, 18, 2, 0, tzinfo=UTC))
        assert [r.identifier for r in rows] == ["cq-meteo-20220818-heat-red"]
        assert accounts.find_by_username(plaza.db, "cqmeteo").statuses_count == 1
    finally:
        plaza.db.dispose()


# --- hot lists, on both engines --------------------------------------------------------------------------


def _hot_list_pins(client: TestClient, plaza: Plaza, clock: ManualClock) -> None:
    headers = bearer_for(plaza, meteorology(plaza, "cq_meteo", "500000"))
    red = issue(client, headers).json()
    blue = issue(client, headers, type="大雾", level="蓝色", areas=["500112"], topic=None).json()
    shown = client.get("/api/plaza/v1/hot", params={"city": "500000"}).json()["warnings"]
    assert [(w["id"], w["level"]) for w in shown] == [(red["id"], "红色"), (blue["id"], "蓝色")]
    assert shown[0]["event"] == "高温红色预警" and shown[0]["status_id"] == red["status_id"]
    assert client.get("/api/plaza/v1/hot", params={"city": "310000"}).json()["warnings"] == []
    assert client.get("/api/plaza/v1/hot").json()["warnings"] == []
    page = client.get("/hot", params={"city": "500000"}).text
    assert f'data-warning-id="{red["id"]}"' in page and "warning-red" in page

    client.post(f"/api/plaza/v1/warnings/{blue['id']}/cancel", headers=headers)
    assert [w["id"] for w in client.get("/api/plaza/v1/hot", params={"city": "500000"}).json()["warnings"]] == [
        red["id"]]
    clock.advance(days=2)
    assert client.get("/api/plaza/v1/hot", params={"city": "500000"}).json()["warnings"] == []


def test_warnings_are_pinned_on_the_affected_citys_hot_list_until_they_expire(client, plaza, clock) -> None:
    assert not plaza.hot.shared
    _hot_list_pins(client, plaza, clock)


@pytest.fixture
def redis_plaza(database_url: str, tmp_path: Path) -> Iterator[Plaza]:
    for url, prefix in redis_prefix_fixture():
        settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                                 secret_key="test-secret", rate_limits=False, redis_url=url, redis_prefix=prefix)
        instance = Plaza.from_settings(settings)
        try:
            yield instance
        finally:
            instance.close()


def test_with_redis_warnings_are_pinned_on_the_hot_lists_too(redis_plaza, clock) -> None:
    assert redis_plaza.hot.shared
    with TestClient(create_app(plaza=redis_plaza), base_url="http://127.0.0.1:8000") as client:
        _hot_list_pins(client, redis_plaza, clock)


# --- the web form ------------------------------------------------------------------------------------------


def test_an_authorised_account_issues_a_warning_on_the_web(client, plaza, clock) -> None:
    from tests.test_web_pages import csrf

    meteorology(plaza, "sh_meteo", "310000")
    citizen(plaza, "li", home_city="310000")
    sign_in(client, "li")
    assert client.get("/warnings/new").status_code == 403
    client.cookies.clear()
    sign_in(client, "sh_meteo", "government pass 1")
    form = client.get("/warnings/new")
    assert form.status_code == 200 and 'value="310000"' in form.text
    fields = {"type": "typhoon", "level": "红色", "areas": "310115，310120", "expires": "2022-09-15T22:30",
              "headline": "上海中心气象台发布台风红色预警", "instruction": "停课停业", "urgency": "Immediate",
              "certainty": "Likely", "csrf_token": csrf(client, "/warnings/new")}
    wrong = client.post("/warnings/new", data={**fields, "areas": "500000"})
    assert wrong.status_code == 403 and 'name="headline"' in wrong.text  # the form comes back filled
    done = client.post("/warnings/new", data=fields, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/@sh_meteo/")
    post = client.get(done.headers["location"]).text
    assert "warning-red" in post and "台风红色预警" in post
    listing = client.get("/warnings").text
    assert "台风红色预警" in listing and ".cap" in listing
    english = client.get("/warnings/new", params={"lang": "en"}).text
    assert "Issue a warning" in english
