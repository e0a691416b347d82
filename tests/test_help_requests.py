"""Help requests (issue 12, items 1, 3, 4 and 6): filed from the API or found in a post, verified
from a queue ordered by urgency with a lock per verifier, merged with their duplicates (the same
phone, the same place, the same words — every source kept), offered to fitting responders,
claimed by exactly one, completed, confirmed and published; personal data only to those entitled,
each of their reads logged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from plaza.clock import utcnow
from plaza.help import requests
from plaza.help.workflow import HELP
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square import accounts
from plaza.storage.schema import help_data_reads, help_sources, statuses
from plaza.workflow import engine
from tests import factories

FLOOD = ("郑州市金水区丰产路某某小区3号楼2单元被困，家里有两位老人和一个孩子，水已经到二楼了，"
         "断水断电，求救援！联系电话13800138000")
PHONE = "13800138000"


def bearer(plaza: Plaza, row: Any) -> dict[str, str]:
    secret, _ = tokens.issue(plaza.db, row.id, None, frozenset({"read", "write"}))
    return {"Authorization": f"Bearer {secret}"}


class People:
    """The people of one emergency: a requester, two verifiers, two rescue teams, a stranger."""

    def __init__(self, plaza: Plaza, client: Any) -> None:
        self.requester = factories.citizen(plaza, "zhang_wei", home_city="410100")
        self.stranger = factories.citizen(plaza, "passer_by", home_city="410100")
        self.verifier = factories.citizen(plaza, "verifier_li", home_city="410100")
        self.verifier2 = factories.citizen(plaza, "verifier_wang", home_city="410100")
        admin = factories.citizen(plaza, "site_admin")
        accounts.set_flags(plaza.db, admin.id, role="admin")
        self.team = factories.citizen(plaza, "blue_sky_rescue", "郑州蓝天救援队", home_city="410100",
                                      kind="organisation")
        self.team2 = factories.citizen(plaza, "henan_boats", "河南冲锋舟志愿队", home_city="410100",
                                       kind="organisation")
        self.h = {name: bearer(plaza, getattr(self, name)) for name in
                  ("requester", "stranger", "verifier", "verifier2", "team", "team2")}
        self.h["admin"] = bearer(plaza, admin)
        for who in ("verifier_li", "verifier_wang"):
            granted = client.post("/api/plaza/v1/help/verifiers", json={"username": who}, headers=self.h["admin"])
            assert granted.status_code == 201, granted.text
        for team, capacity in (("blue_sky_rescue", 3), ("henan_boats", 1)):
            made = client.post("/api/plaza/v1/help/responders", headers=self.h["verifier"], json={
                "username": team, "capabilities": ["rescue", "evacuation"], "region": "410100",
                "capacity": capacity})
            assert made.status_code == 201, made.text


@pytest.fixture
def people(plaza: Plaza, client: Any) -> People:
    return People(plaza, client)


def file(client: Any, who: People, **fields: Any) -> dict[str, Any]:
    body = {"need": "rescue", "people": 3, "vulnerable": ["elderly", "children"], "text": FLOOD,
            "place": {"text": "郑州市金水区丰产路某某小区3号楼2单元"},
            "contact": {"phone": PHONE, "name": "张伟", "second_phone": "13900139000"}, **fields}
    answer = client.post("/api/plaza/v1/help/requests", json=body, headers=who.h["requester"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def act(client: Any, cast: People, who: str, request_id: str, action: str, status: int = 200,
        **fields: Any) -> dict[str, Any]:
    if "version" not in fields and action != "claim":
        fields["version"] = client.get(f"/api/plaza/v1/help/requests/{request_id}",
                                       headers=cast.h[who]).json()["version"]
    answer = client.post(f"/api/plaza/v1/help/requests/{request_id}/actions/{action}", json=fields,
                         headers=cast.h[who])
    assert answer.status_code == status, answer.text
    return answer.json()


def test_a_request_filed_through_the_api_resolves_its_place_and_shows_personal_data_only_to_its_requester(
        client: Any, people: People) -> None:
    filed = file(client, people)
    assert filed["state"] == "submitted" and filed["version"] == 1
    assert filed["place"]["county"] == "410105" and filed["place"]["city"] == "410100"
    assert filed["place"]["text"].startswith("郑州市金水区丰产路")
    assert filed["contact"]["phone"] == PHONE and filed["contact"]["second_phone"] == "13900139000"
    assert set(filed["vulnerable"]) >= {"elderly", "children"}
    assert "water_rising" in filed["signals"] and "no_food_water" in filed["signals"]
    assert filed["urgency"] >= 80  # a rescue, elderly and a child, water rising, no water
    public = client.get(f"/api/plaza/v1/help/requests/{filed['id']}")
    assert public.status_code == 200
    shown = public.json()
    assert set(shown) >= {"id", "state", "version", "need", "place", "history"}
    assert shown["need"] == "rescue" and shown["place"]["county"] == "410105" and shown["place"]["name"]
    raw = public.text
    for secret in (PHONE, "13900139000", "张伟", "3号楼", "丰产路"):
        assert secret not in raw
    assert "text" not in shown and "contact" not in shown
    stranger = client.get(f"/api/plaza/v1/help/requests/{filed['id']}", headers=people.h["stranger"]).text
    assert PHONE not in stranger and "丰产路" not in stranger
    listed = client.get("/api/plaza/v1/help/requests?city=410100").text
    assert filed["id"] in listed and PHONE not in listed and "丰产路" not in listed


def test_bad_input_is_refused_in_the_callers_language_and_an_unknown_place_is_kept_for_a_verifier(
        client: Any, people: People) -> None:
    h = people.h["requester"]
    bad_need = client.post("/api/plaza/v1/help/requests", json={"need": "pizza", "text": "救命"}, headers=h)
    assert bad_need.status_code == 422 and "求助类型" in bad_need.json()["error"]
    english = client.post("/api/plaza/v1/help/requests?lang=en", json={"need": "pizza", "text": "help"}, headers=h)
    assert english.status_code == 422 and "Unknown need" in english.json()["error"]
    assert client.post("/api/plaza/v1/help/requests", json={"need": "rescue", "text": " "},
                       headers=h).status_code == 422
    assert client.post("/api/plaza/v1/help/requests", json={"need": "rescue", "text": "被困", "people": 0},
                       headers=h).status_code == 422
    assert client.post("/api/plaza/v1/help/requests", json={"need": "rescue", "text": "被困",
                                                              "vulnerable": ["aliens"]}, headers=h).status_code == 422
    assert client.post("/api/plaza/v1/help/requests", json={"need": "rescue", "text": "被困",
                                                              "contact": {"phone": "12"}}, headers=h).status_code == 422
    assert client.post("/api/plaza/v1/help/requests", json={"need": "rescue", "text": "被困"}).status_code == 401
    unknown = file(client, people, text="我们被困在山上的一个小木屋里，求救", place={"text": "后山小木屋"},
                   contact={"phone": "13700137000"})
    assert unknown["place"]["resolved"] is False and unknown["place"]["text"] == "后山小木屋"
    flagged = client.get("/api/plaza/v1/help/queue?view=unresolved_place", headers=people.h["verifier"]).json()
    assert [r["id"] for r in flagged] == [unknown["id"]]


def test_the_queue_is_by_urgency_and_each_verifier_works_a_request_of_their_own(
        client: Any, people: People, plaza: Plaza) -> None:
    supplies = file(client, people, need="supplies", people=1, vulnerable=[], text="小区需要一些饮用水，谢谢",
                    place={"text": "郑州市二七区某某小区"}, contact={"phone": "13600136000"})
    rescue = file(client, people)
    assert client.get("/api/plaza/v1/help/queue", headers=people.h["stranger"]).status_code == 403
    queue = client.get("/api/plaza/v1/help/queue", headers=people.h["verifier"]).json()
    assert [r["id"] for r in queue] == [rescue["id"], supplies["id"]]
    assert PHONE not in json.dumps(queue, ensure_ascii=False)  # a list: personal data is opened one request at a time
    first = client.post("/api/plaza/v1/help/queue/next", headers=people.h["verifier"])
    second = client.post("/api/plaza/v1/help/queue/next", headers=people.h["verifier2"])
    assert first.json()["id"] == rescue["id"] and second.json()["id"] == supplies["id"]
    assert first.json()["contact"]["phone"] == PHONE  # opened to call back
    assert client.post("/api/plaza/v1/help/queue/next", headers=people.h["verifier2"]).status_code == 204
    # the other verifier cannot verify a request someone holds
    refused = act(client, people, "verifier2", rescue["id"], "verify", 409, outcome="verified")
    assert "另一位核实员" in refused["error"]
    # the lock expires
    with plaza.db.write() as conn:
        later = utcnow() + timedelta(minutes=requests.LOCK_MINUTES + 1)
        assert requests.take_next(conn, people.verifier2.id, now=later) is not None


def test_the_loop_from_a_post_through_merge_dispatch_one_claim_completion_and_publication(
        client: Any, people: People, plaza: Plaza) -> None:
    h = people.h
    posted = client.post("/api/v1/statuses", json={"status": FLOOD}, headers=h["stranger"])
    assert posted.status_code == 200, posted.text
    post_id = posted.json()["id"]
    drafts = client.get("/api/plaza/v1/help/queue", headers=h["verifier"]).json()
    assert len(drafts) == 1 and drafts[0]["detected"] is True and drafts[0]["need"] == "rescue"
    draft_id = drafts[0]["id"]
    # reposts and "扩散" of the same request are sources of it, not new requests
    assert client.post(f"/api/v1/statuses/{post_id}/reblog", headers=h["team2"]).status_code == 200
    spread = client.post("/api/v1/statuses", json={"status": "扩散！" + FLOOD}, headers=h["verifier2"])
    assert spread.status_code == 200
    assert len(client.get("/api/plaza/v1/help/queue", headers=h["verifier"]).json()) == 1
    # the person themselves files through the form: a duplicate, found by the phone
    own = file(client, people, text="我家被困在金水区丰产路小区，两位老人一个孩子，水在涨", need="rescue")
    opened = client.get(f"/api/plaza/v1/help/requests/{own['id']}?why=call-back", headers=h["verifier"]).json()
    assert opened["similar_to"]["id"] == draft_id
    assert opened["possible_duplicates"][0]["id"] == draft_id and opened["possible_duplicates"][0]["why"] == "phone"
    merged = act(client, people, "verifier", own["id"], "verify", outcome="duplicate", into=draft_id)
    assert merged["state"] == "merged" and merged["merged_into"] == draft_id
    survivor = client.get(f"/api/plaza/v1/help/requests/{draft_id}", headers=h["verifier"]).json()
    assert survivor["sources_count"] == 4
    kinds = sorted(s["kind"] for s in survivor["sources"])
    assert kinds == ["api", "post", "post", "repost"]
    assert {s["contact"]["second_phone"] for s in survivor["sources"]} >= {"13900139000"}
    # verified after the call-back (people corrected): offered to the fitting teams at once
    verified = act(client, people, "verifier", draft_id, "verify", outcome="verified", people=3,
                   note="回电确认，3人被困二楼")
    assert verified["state"] == "dispatched" and verified["people"] == 3
    offered = client.get("/api/plaza/v1/help/responders/blue_sky_rescue/requests", headers=h["team"]).json()
    assert [r["id"] for r in offered] == [draft_id]
    offered_json = json.dumps(offered, ensure_ascii=False)
    assert PHONE not in offered_json and "丰产路" not in offered_json
    assert all("text" not in r for r in offered)  # the words name the door: they come with the claim
    assert client.get("/api/plaza/v1/help/responders/blue_sky_rescue/requests",
                      headers=h["stranger"]).status_code == 403
    # a responder that may claim sees what is needed, not who or exactly where
    before = client.get(f"/api/plaza/v1/help/requests/{draft_id}", headers=h["team"])
    assert "丰产路" not in before.text and PHONE not in before.text
    assert "contact" not in before.json() and "claim" in before.json()["actions"] and before.json()["people"] == 3
    # one claim wins; the other team is told it is taken
    won = act(client, people, "team", draft_id, "claim")
    assert won["state"] == "claimed" and won["responder"] == "blue_sky_rescue"
    assert won["contact"]["phone"] == PHONE  # the assigned responder sees the contact and the address
    lost = act(client, people, "team2", draft_id, "claim", 409)
    assert "已被其他" in lost["error"]
    # whoever reads the post that reported it learns help is on its way (no second boat)
    thread = client.get(f"/api/v1/statuses/{post_id}/context").json()["descendants"]
    assert any("已认领" in s["content"] and s["account"]["username"] == "blue_sky_rescue" for s in thread)
    assert all(PHONE not in s["content"] and "丰产路" not in s["content"] for s in thread
               if s["account"]["username"] == "blue_sky_rescue")
    assert act(client, people, "stranger", draft_id, "progress", 403, note="到了")["error"]
    act(client, people, "team", draft_id, "progress", note="冲锋舟已出发")
    assert act(client, people, "team", draft_id, "complete", 422, note="")["error"]
    done = act(client, people, "team", draft_id, "complete", note="3人已转移到安置点", people_helped=3)
    assert done["state"] == "completed" and done["people_helped"] == 3
    # the requester of the first report is the post's author: they confirm, and it is published
    confirmed = act(client, people, "stranger", draft_id, "confirm")
    assert confirmed["state"] == "published"
    public = client.get(f"/api/plaza/v1/help/requests/{draft_id}").json()
    assert public["state"] == "published" and public["responder"] == "blue_sky_rescue"
    assert [e["action"] for e in public["history"]][-3:] == ["complete", "confirm", "publish"]
    assert all("note" not in e for e in public["history"])
    with plaza.db.read() as conn:
        row = requests.load(conn, int(draft_id))
        text = conn.execute(select(statuses.c.text).where(statuses.c.id == row.published_status_id)).scalar()
        reads = conn.execute(select(help_data_reads.c.why, help_data_reads.c.role)
                             .where(help_data_reads.c.request_id == int(own["id"]))).all()
    assert text is not None and "救助公示" in text and "@blue_sky_rescue" in text and "金水区" in text
    assert PHONE not in text and "丰产路" not in text and "3号楼" not in text
    assert ("call-back", "verifier") in [(r.why, r.role) for r in reads]
    totals = client.get("/api/plaza/v1/help/totals?city=410100").json()
    assert totals["published"] == 1 and totals["helped"] == 3 and totals["requests"] == 1
    assert totals["median_minutes_to_help"] is not None
    csv_export = client.get("/api/plaza/v1/help/totals?city=410100&format=csv")
    assert csv_export.status_code == 200 and "median_minutes_to_help" in csv_export.text


def test_a_requester_withdraws_and_a_post_saying_they_are_safe_closes_their_request(
        client: Any, people: People) -> None:
    first = file(client, people)
    assert act(client, people, "stranger", first["id"], "withdraw", 403)["error"]
    assert act(client, people, "requester", first["id"], "withdraw")["state"] == "withdrawn"
    second = file(client, people, contact={"phone": "13500135000"})
    said = client.post("/api/v1/statuses", json={"status": "我们一家已获救，谢谢大家，勿转！"},
                       headers=people.h["requester"])
    assert said.status_code == 200
    assert client.get(f"/api/plaza/v1/help/requests/{second['id']}").json()["state"] == "closed"


def test_a_request_nobody_moved_comes_back_for_a_follow_up_call(client: Any, people: People, plaza: Plaza) -> None:
    filed = file(client, people)
    act(client, people, "verifier", filed["id"], "verify", outcome="verified")
    assert client.get("/api/plaza/v1/help/queue?view=follow_up", headers=people.h["verifier"]).json() == []
    swept = engine.sweep(plaza.db, HELP, now=utcnow() + timedelta(hours=plaza.settings.help_follow_up_hours + 1))
    assert swept == 1
    back = client.get("/api/plaza/v1/help/queue?view=follow_up", headers=people.h["verifier"]).json()
    assert [r["id"] for r in back] == [filed["id"]] and back[0]["needs_follow_up"] is True
    act(client, people, "verifier", filed["id"], "follow_up", note="回访：仍被困，已催促")
    assert client.get("/api/plaza/v1/help/queue?view=follow_up", headers=people.h["verifier"]).json() == []


def test_duplicates_are_found_by_phone_place_and_words_among_open_requests(plaza: Plaza) -> None:
    key = b"k"
    with plaza.db.write() as conn:
        base = requests.check(requests.NewRequest(text=FLOOD, need="rescue", contact_phone=PHONE,
                                                  place_text="郑州市金水区丰产路某某小区3号楼2单元"))
        first = requests.file(conn, base, requests.assess(conn, base, key)).row
        by_phone = requests.assess(conn, requests.NewRequest(text="完全不同的话", contact_phone="+86 138-0013-8000"),
                                   key)
        assert by_phone.similar_to == first.id and by_phone.similar_score == 1.0
        by_place = requests.assess(conn, requests.NewRequest(
            text="这里有人被困需要冲锋舟", place_text="郑州市金水区丰产路某某小区3号楼2单元"), key)
        assert by_place.similar_to == first.id
        by_words = requests.assess(conn, requests.NewRequest(text="扩散！" + FLOOD.replace(PHONE, "")), key)
        assert by_words.similar_to == first.id and (by_words.similar_score or 0) >= 0.8
        elsewhere = requests.assess(conn, requests.NewRequest(text="重庆市北碚区歇马镇山火逼近，村里三位老人需要转移"), key)
        assert elsewhere.similar_to is None
        sources = conn.execute(select(func.count()).select_from(help_sources)).scalar()
    assert sources == 1


def test_requests_in_an_incidents_city_or_topic_gather_into_it_and_count_in_its_public_totals(
        client: Any, people: People) -> None:
    opened = client.post("/api/plaza/v1/incidents", headers=people.h["admin"], json={
        "slug": "2021-henan-floods", "name": "河南暴雨", "kind": "flood", "account": "blue_sky_rescue",
        "regions": ["410100"], "topics": ["河南暴雨互助"], "mode": True})
    assert opened.status_code == 201, opened.text
    filed = file(client, people)
    assert filed["incident_id"] is not None
    named = file(client, people, incident="2021-henan-floods", contact={"phone": "13300133000"},
                 text="郑州市二七区某某小区有孕妇临产，路被淹了出不去，急需医疗帮助", need="medical")
    assert named["incident_id"] == filed["incident_id"]
    unknown = client.post("/api/plaza/v1/help/requests", headers=people.h["requester"],
                          json={"need": "rescue", "text": "被困", "incident": "no-such-thing"})
    assert unknown.status_code == 422
    posted = client.post("/api/v1/statuses", headers=people.h["stranger"], json={
        "status": "#河南暴雨互助# 新乡市卫辉市城关镇某某村5户人家被困，水还在涨，求冲锋舟！电话13200132000"})
    assert posted.status_code == 200
    incident = client.get("/api/plaza/v1/incidents/2021-henan-floods").json()
    assert incident["totals"]["requests"] == 3
    listed = json.dumps(incident["requests"], ensure_ascii=False)
    assert filed["id"] in listed and PHONE not in listed and "丰产路" not in listed


def test_exports_mask_personal_data_unless_the_exporters_role_allows_and_log_each_read(
        client: Any, people: People, plaza: Plaza) -> None:
    filed = file(client, people)
    public = client.get("/api/plaza/v1/help/requests?format=csv&city=410100")
    assert public.status_code == 200 and public.headers["content-type"].startswith("text/csv")
    assert filed["id"] in public.text and PHONE not in public.text and "丰产路" not in public.text
    assert client.get("/api/plaza/v1/help/queue?format=csv", headers=people.h["stranger"]).status_code == 403
    verifier = client.get("/api/plaza/v1/help/queue?format=csv", headers=people.h["verifier"])
    assert verifier.status_code == 200 and PHONE in verifier.text and "contact_phone" in verifier.text
    own = client.get("/api/plaza/v1/help/requests?format=csv&mine=true", headers=people.h["requester"])
    assert PHONE in own.text
    with plaza.db.read() as conn:
        logged = conn.execute(select(help_data_reads.c.why, help_data_reads.c.via).where(
            help_data_reads.c.request_id == int(filed["id"]))).all()
    assert ("export", "export") in [(r.why, r.via) for r in logged]


def test_the_follow_up_round_repeats_at_the_instances_configured_interval(
        client: Any, people: People, plaza: Plaza) -> None:
    from plaza.workflow.declaration import Limit

    filed = file(client, people)
    act(client, people, "verifier", filed["id"], "verify", outcome="verified")
    engine.configure_limits(HELP, {"follow_up": Limit(hours=2)})
    try:
        first = utcnow() + timedelta(hours=plaza.settings.help_follow_up_hours + 1)
        assert engine.sweep(plaza.db, HELP, now=first) == 1
        with plaza.db.read() as conn:
            timer = engine.timers(conn, HELP, int(filed["id"]))["follow_up"]
        assert timer.due_at - first == timedelta(hours=2)  # the next round comes after the instance's 2 hours
        assert engine.sweep(plaza.db, HELP, now=first + timedelta(hours=1)) == 0
        assert engine.sweep(plaza.db, HELP, now=first + timedelta(hours=2, minutes=1)) == 1
    finally:
        engine.configure_limits(HELP, {})


def test_two_families_posting_alike_with_their_own_phones_stay_two_requests(client: Any, people: People) -> None:
    first = "郑州市金水区丰产路某某小区3号楼被困，家里有老人，水已经到二楼了，求救援！电话13800138001"
    second = "郑州市金水区丰产路某某小区5号楼被困，家里有老人，水已经到二楼了，求救援！电话13800138002"
    for text in (first, second):
        assert client.post("/api/v1/statuses", json={"status": text}, headers=people.h["stranger"]).status_code == 200
    queue = client.get("/api/plaza/v1/help/queue", headers=people.h["verifier"]).json()
    assert len(queue) == 2
    spread = client.post("/api/v1/statuses", json={"status": "扩散 " + second}, headers=people.h["requester"])
    assert spread.status_code == 200  # the same phone: the same family, one request
    assert len(client.get("/api/plaza/v1/help/queue", headers=people.h["verifier"]).json()) == 2


def test_the_public_place_names_a_municipality_once() -> None:
    from types import SimpleNamespace

    def name(county: str) -> str | None:
        return requests.public_place(SimpleNamespace(county_code=county, city_code=county[:4] + "00",
                                                     place_resolved=True))["name"]

    assert name("500109") == "重庆市北碚区" and name("310115") == "上海市浦东新区"
    assert name("410105") == "河南省郑州市金水区"


def test_a_post_joins_a_request_by_itself_only_on_its_phone_or_its_words_never_on_a_place_alone(
        client: Any, people: People) -> None:
    h = people.h
    lines = ("【金水区待救援汇总】锦华苑（丰庆路）3号楼2单元一楼：老人3名，行动不便，水深约1.2米，暂无人对接",
             "【金水区待救援汇总】锦华苑（丰庆路）5号楼1单元一楼：老人3名，行动不便，水深约1.2米，暂无人对接")
    for text in lines:  # a volunteer's list: two households, no phones, alike but for the doors
        assert client.post("/api/v1/statuses", json={"status": text}, headers=h["stranger"]).status_code == 200
    assert len(client.get("/api/plaza/v1/help/queue", headers=h["verifier"]).json()) == 2
    assert requests.numbers_disagree(lines[0], lines[1]) and not requests.numbers_disagree(lines[0], "扩散" + lines[0])
    assert requests.house_numbers("丰庆路锦华苑3-2-102 还有老人没出来") == frozenset({"3", "2", "102"})
