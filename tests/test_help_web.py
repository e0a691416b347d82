"""Help requests' pages as people use them in a browser without JavaScript (Starlette's test
client): a person asks for help with the form (a refusal keeps every word typed, in their
language), verifiers work the queue and open requests (each read logged), responders claim from
their page (one wins), the request goes to its publication — every step a plain form carrying the
version it was drawn at. Strangers never see a phone, an address or a name. Both databases."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from starlette.testclient import TestClient

from plaza.actions import help as help_actions
from plaza.help import requests
from plaza.help.requests import NewRequest
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.storage.schema import help_data_reads, help_requests
from tests.support.help import ADDRESS, FLOOD, PHONE, HelpCast, help_cast
from tests.test_web_pages import TOKEN_RE, csrf, sign_in

NAME = "张伟"
SECOND = "13900139000"
PRIVATE = (PHONE, SECOND, NAME, "丰产路", "3号楼")


@pytest.fixture
def cast(plaza: Plaza) -> HelpCast:
    return help_cast(plaza)


def as_person(client: TestClient, login: str) -> None:
    assert sign_in(client, login).status_code == 303


def sign_out(client: TestClient) -> None:
    client.post("/signout", data={"csrf_token": csrf(client, "/help")})


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def ask(client: TestClient, *, files: Any = None, lang: str = "", vulnerable: tuple[str, ...] = ("elderly", "children"),
        **over: str):  # type: ignore[no-untyped-def]
    """Send the help form as the page draws it."""
    data: dict[str, Any] = {
        "csrf_token": csrf(client, "/help/new"), "need": "rescue", "text": FLOOD, "people": "3",
        "hours_without_contact": "", "address": ADDRESS, "lat": "", "lon": "", "contact_phone": PHONE,
        "contact_name": NAME, "second_phone": SECOND, "incident": "", "vulnerable": list(vulnerable), **over}
    return client.post("/help/new" + (f"?lang={lang}" if lang else ""), data=data, files=files,
                       follow_redirects=False)


def filed_id(response: Any) -> int:
    assert response.status_code == 303, response.text[:2000]
    match = re.fullmatch(r"/help/(\d+)\?done=filed", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def row(plaza: Plaza, request_id: int) -> Any:
    with plaza.db.read() as conn:
        return requests.load(conn, request_id)


def count(plaza: Plaza) -> int:
    with plaza.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(help_requests)).scalar_one())


def act(client: TestClient, request_id: int, action: str, *, version: int | None = None, back: str = "",
        lang: str = "", **fields: str):  # type: ignore[no-untyped-def]
    """Send a step's form as the request page draws it (its CSRF token and the version shown;
    a claim carries none)."""
    page = client.get(f"/help/{request_id}")
    shown = int(re.search(r'data-version="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    data = {"csrf_token": TOKEN_RE.search(page.text).group(1),  # type: ignore[union-attr]
            "next": back or f"/help/{request_id}", **fields}
    if action != "claim":
        data["version"] = str(version or shown)
    return client.post(f"/help/{request_id}/actions/{action}" + (f"?lang={lang}" if lang else ""), data=data,
                       follow_redirects=False)


def filed_by_action(plaza: Plaza, cast: HelpCast, **over: Any) -> int:
    values: dict[str, Any] = {"text": FLOOD, "need": "rescue", "source": "api", "people": 3,
                              "place_text": ADDRESS, "contact_phone": PHONE, "contact_name": NAME,
                              "requester_id": cast.requester.id, **over}
    body = asyncio.run(help_actions.submit_help(plaza, NewRequest(**values), requester=cast.requester))
    return int(body["id"])


def test_a_person_asks_for_help_with_the_form_and_sees_every_word_on_the_requests_page(client, plaza, cast) -> None:
    secret, _ = tokens.issue(plaza.db, cast.admin.id, None, frozenset({"read", "write"}))
    opened = client.post("/api/plaza/v1/incidents", headers={"Authorization": f"Bearer {secret}"}, json={
        "slug": "zhengzhou-flood", "name": "郑州暴雨", "kind": "flood", "account": cast.team.username,
        "regions": ["410100"], "topics": ["郑州暴雨"], "mode": True})
    assert opened.status_code == 201, opened.text
    as_person(client, "zhang_wei")
    form = client.get("/help/new?incident=zhengzhou-flood")
    assert form.status_code == 200
    for need, label in (("rescue", "救援"), ("medical", "医疗"), ("missing_person", "寻人"), ("other", "其他")):
        assert f'name="need" value="{need}"' in form.text and label in form.text
    for kind, label in (("elderly", "老人"), ("pregnant", "孕妇"), ("patients", "病患")):
        assert f'name="vulnerable" value="{kind}"' in form.text and label in form.text
    assert '<input type="hidden" name="incident" value="zhengzhou-flood">' in form.text
    assert 'src="/static/help.js"' in form.text and 'id="help-locate"' in form.text

    request_id = filed_id(ask(client, on_behalf="1", hours_without_contact="4", lat="34.7745", lon="113.6850",
                              incident="zhengzhou-flood", files={"photos": ("flood.png", png(), "image/png")}))
    filed = row(plaza, request_id)
    assert filed.source == "web" and filed.requester_id == cast.requester.id and filed.state == "submitted"
    assert filed.need == "rescue" and filed.people == 3 and filed.county_code == "410105"
    assert {"elderly", "children"} <= set(filed.vulnerable.split(","))
    assert filed.contact_phone == PHONE and filed.contact_name == NAME and filed.second_phone == SECOND
    assert filed.on_behalf is True and filed.lat == pytest.approx(34.7745) and filed.media_ids
    assert filed.incident_id is not None  # the incident's banner led here: the request is the incident's
    assert "hours_without_contact:4" in filed.urgency_reasons

    page = client.get(f"/help/{request_id}?done=filed")
    assert "求助已提交" in page.text and "待核实" in page.text and "金水区" in page.text
    for secret in PRIVATE:
        assert secret in page.text  # the requester sees what they wrote
    assert 'class="media-grid case-photos n1"' in page.text
    for action in ("withdraw", "close"):
        assert f'action="/help/{request_id}/actions/{action}"' in page.text
    assert f'action="/help/{request_id}/actions/verify"' not in page.text
    mine = client.get("/help/mine")
    assert f'href="/help/{request_id}"' in mine.text and "待核实" in mine.text
    home = client.get("/home").text
    assert 'href="/help"' in home and 'href="/help/mine"' in home and "求助" in home


def test_a_refused_form_comes_back_with_what_was_typed_in_the_readers_language(client, plaza, cast) -> None:
    as_person(client, "zhang_wei")
    empty = ask(client, text="  ", vulnerable=("pregnant",), on_behalf="1")
    assert empty.status_code == 422 and "请说明需要什么帮助" in empty.text
    for kept in (f'value="{ADDRESS}"', f'value="{PHONE}"', f'value="{NAME}"', f'value="{SECOND}"', 'value="3"'):
        assert kept in empty.text
    assert 'name="vulnerable" value="pregnant" checked' in empty.text
    assert 'name="vulnerable" value="elderly" checked' not in empty.text
    assert 'name="on_behalf" value="1" checked' in empty.text and 'value="rescue" checked' in empty.text

    assert "人数应为" in ask(client, people="many").text
    assert "电话号码无效" in ask(client, contact_phone="12").text
    assert "距最后联系的小时数" in ask(client, hours_without_contact="9999").text
    refused = ask(client, lat="34.7", files={"photos": ("flood.png", png(), "image/png")})
    assert refused.status_code == 422 and "坐标不正确" in refused.text
    kept_photo = re.findall(r'name="media_ids" value="(\d+)"', refused.text)
    assert len(kept_photo) == 1 and FLOOD in refused.text

    english = ask(client, lang="en", need="pizza")
    assert english.status_code == 422 and "Unknown need: pizza" in english.text
    assert '<html lang="en">' in english.text and FLOOD in english.text and "Ask for help" in english.text
    assert count(plaza) == 0

    request_id = filed_id(ask(client, media_ids=kept_photo[0]))
    assert row(plaza, request_id).media_ids == kept_photo[0]


def test_strangers_see_no_phone_address_or_name_on_the_page_the_list_or_the_queue(client, plaza, cast) -> None:
    as_person(client, "zhang_wei")
    request_id = filed_id(ask(client))
    sign_out(client)

    public = client.get(f"/help/{request_id}")
    assert public.status_code == 200
    assert "救援" in public.text and "金水区" in public.text and "待核实" in public.text
    for secret in PRIVATE:
        assert secret not in public.text
    assert "/actions/" not in public.text and "被困" not in public.text
    assert "To verify" in client.get(f"/help/{request_id}?lang=en").text
    client.get("/help?lang=zh-CN")  # the choice is remembered: back to Chinese
    listed = client.get("/help")
    assert listed.status_code == 200 and f'href="/help/{request_id}"' in listed.text
    assert "金水区" in listed.text and 'href="/help/new"' in listed.text
    for secret in (*PRIVATE, "被困"):
        assert secret not in listed.text
    assert client.get("/help/queue", follow_redirects=False).headers["location"].startswith("/signin")
    assert client.get("/help/new", follow_redirects=False).headers["location"].startswith("/signin")

    as_person(client, "passer_by")
    stranger = client.get(f"/help/{request_id}")
    for secret in PRIVATE:
        assert secret not in stranger.text
    assert "/actions/" not in stranger.text and "help_data_reads" not in stranger.text
    queue = client.get("/help/queue")
    assert queue.status_code == 403 and "核实员" in queue.text and PHONE not in queue.text
    assert client.get("/help/responders/blue_sky_rescue").status_code == 403
    assert client.get("/help/responders/nobody_here").status_code == 404
    assert client.get("/help/123").status_code == 404 and client.get("/help/abc").status_code == 404
    assert client.get("/help?state=nonsense").status_code == 422
    with plaza.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(help_data_reads)).scalar_one() == 0


def test_the_queue_is_for_verifiers_by_urgency_and_takes_the_next_one_locked(client, plaza, cast) -> None:
    supplies = filed_by_action(plaza, cast, need="supplies", people=1, text="小区需要一些饮用水，谢谢",
                               place_text="郑州市二七区某某小区", contact_phone="13600136000")
    rescue = filed_by_action(plaza, cast)
    as_person(client, "verifier_li")
    queue = client.get("/help/queue")
    assert queue.status_code == 200
    rows = re.findall(r'id="help-(\d+)" tabindex', queue.text)
    assert rows == [str(rescue), str(supplies)]
    assert PHONE not in queue.text and "138****8000" in queue.text  # the list is masked
    assert "老人" in queue.text and "儿童" in queue.text and 'class="help-urgency high"' in queue.text
    assert 'src="/static/help.js"' in queue.text and "j / k" in queue.text
    for tab in ("verify", "follow_up", "dispatch", "working", "confirm", "unresolved_place", "open", "closed"):
        assert f'href="?view={tab}"' in queue.text
        assert client.get(f"/help/queue?view={tab}").status_code == 200
    assert client.get("/help/queue?view=nonsense").status_code == 422
    assert "Verification queue" in client.get("/help/queue?lang=en").text
    client.get("/help/queue?lang=zh-CN")

    token = csrf(client, "/help/queue")
    taken = client.post("/help/queue/next", data={"csrf_token": token, "view": "verify"}, follow_redirects=False)
    assert taken.status_code == 303 and taken.headers["location"] == f"/help/{rescue}"
    assert row(plaza, rescue).locked_by == cast.verifier.id
    opened = client.get(taken.headers["location"])
    assert PHONE in opened.text and "丰产路" in opened.text  # opened to call back
    assert f'action="/help/{rescue}/actions/verify"' in opened.text and 'name="outcome"' in opened.text

    as_person(client, "verifier_wang")
    held = client.get("/help/queue").text
    assert "@verifier_li 正在处理" in held
    token = csrf(client, "/help/queue")
    second = client.post("/help/queue/next", data={"csrf_token": token}, follow_redirects=False)
    assert second.headers["location"] == f"/help/{supplies}"
    none_left = client.post("/help/queue/next", data={"csrf_token": token}, follow_redirects=False)
    assert none_left.headers["location"] == "/help/queue?view=verify&empty=1"
    assert "没有待领取的求助" in client.get(none_left.headers["location"]).text
    refused = act(client, rescue, "verify", outcome="verified")  # another verifier holds it
    assert refused.status_code == 409 and "另一位核实员正在处理" in refused.text

    as_person(client, "zhang_wei")
    token = csrf(client, "/help/mine")
    assert client.post("/help/queue/next", data={"csrf_token": token}).status_code == 403
    mine = client.get("/help/mine").text
    assert 'href="/help/queue"' not in mine


def test_a_verifiers_read_is_logged_and_each_reader_gets_the_forms_of_their_steps(client, plaza, cast) -> None:
    request_id = filed_by_action(plaza, cast)
    as_person(client, "verifier_li")
    page = client.get(f"/help/{request_id}")
    assert PHONE in page.text and NAME in page.text and ADDRESS in page.text
    assert f'action="/help/{request_id}/actions/verify"' in page.text
    assert f'action="/help/{request_id}/actions/withdraw"' not in page.text
    with plaza.db.read() as conn:
        reads = conn.execute(select(help_data_reads.c.account_id, help_data_reads.c.role, help_data_reads.c.via)
                             .where(help_data_reads.c.request_id == request_id)).all()
    assert [(r.account_id, r.role, r.via) for r in reads] == [(cast.verifier.id, "verifier", "web")]
    assert "个人信息查看记录" in client.get(f"/help/{request_id}").text
    mine = client.get("/help/mine").text
    assert 'href="/help/queue"' in mine

    as_person(client, "blue_sky_rescue")
    before = client.get(f"/help/{request_id}").text
    assert "/actions/" not in before and PHONE not in before  # not offered yet: nothing to take
    assert 'href="/help/responders/blue_sky_rescue"' in client.get("/help/mine").text

    as_person(client, "verifier_li")
    verified = act(client, request_id, "verify", outcome="verified", people="4", note="回电确认，4人被困")
    assert verified.status_code == 303 and verified.headers["location"] == f"/help/{request_id}?done=verify"
    done = row(plaza, request_id)
    assert done.state == "dispatched" and done.people == 4  # offered to the fitting teams at once
    page = client.get(verified.headers["location"]).text
    assert "已完成：核实" in page and "回电确认，4人被困" in page
    for action in ("offer", "close", "follow_up"):
        assert f'action="/help/{request_id}/actions/{action}"' in page

    as_person(client, "blue_sky_rescue")
    offered = client.get(f"/help/{request_id}").text
    assert f'action="/help/{request_id}/actions/claim"' in offered and PHONE not in offered
    assert "4人被困" not in offered  # notes are for those who may see personal data
    as_person(client, "zhang_wei")
    requester = client.get(f"/help/{request_id}").text
    assert f'action="/help/{request_id}/actions/withdraw"' in requester
    assert f'action="/help/{request_id}/actions/claim"' not in requester


def test_a_request_goes_from_verification_to_publication_by_forms_with_one_claim_winning(client, plaza, cast) -> None:
    first = filed_by_action(plaza, cast)
    second = filed_by_action(plaza, cast, text="我家被困在金水区丰产路小区，水在涨", people=None)
    as_person(client, "verifier_li")
    page = client.get(f"/help/{second}").text
    assert f'<option value="{first}">#{first}' in page and "同一电话" in page  # the duplicate to pick
    merged = act(client, second, "verify", outcome="duplicate", into=str(first), note="同一户")
    assert merged.status_code == 303
    assert row(plaza, second).state == "merged" and row(plaza, second).merged_into == first
    assert f'href="/help/{first}"' in client.get(f"/help/{second}").text

    # a form drawn before someone else moved the request: 409 with the request as it now is
    stale = row(plaza, first).version
    assert act(client, first, "verify", outcome="verified").status_code == 303
    late = act(client, first, "offer", version=stale, responders="henan_boats")
    assert late.status_code == 409 and "有人先处理了这条求助" in late.text and "待认领" in late.text
    english = act(client, first, "follow_up", version=stale, lang="en")
    assert english.status_code == 409 and "Someone else moved this request first" in english.text
    client.get("/help?lang=zh-CN")

    # two teams see it offered; the first claim wins, the second hears it is taken
    as_person(client, "henan_boats")
    board = client.get("/help/responders/henan_boats")
    assert board.status_code == 200 and f'action="/help/{first}/actions/claim"' in board.text
    # no contact, no name, no words (they name the door): those come with the claim
    assert PHONE not in board.text and NAME not in board.text and "138****8000" not in board.text
    as_person(client, "blue_sky_rescue")
    won = act(client, first, "claim", back="/help/responders/blue_sky_rescue")
    assert won.status_code == 303 and row(plaza, first).responder_id == cast.team.id
    holding = client.get("/help/responders/blue_sky_rescue").text
    assert f'id="help-{first}"' in holding[holding.index('id="help-holding"'):]
    as_person(client, "henan_boats")
    token = csrf(client, "/help/responders/henan_boats")
    lost = client.post(f"/help/{first}/actions/claim", data={"csrf_token": token}, follow_redirects=False)
    assert lost.status_code == 409 and "已被其他救援力量认领" in lost.text
    assert row(plaza, first).responder_id == cast.team.id

    # the team works it: a completion without people helped comes back with its note kept
    as_person(client, "blue_sky_rescue")
    assert PHONE in client.get(f"/help/{first}").text  # the assignee sees the contact now
    assert act(client, first, "progress", note="冲锋舟已出发").status_code == 303
    missing = act(client, first, "complete", note="4人已转移到安置点")
    assert missing.status_code == 422 and "获助人数" in missing.text and "4人已转移到安置点" in missing.text
    assert act(client, first, "complete", note="4人已转移到安置点", people_helped="4").status_code == 303
    assert row(plaza, first).state == "completed"

    # the requester confirms; it is published
    as_person(client, "zhang_wei")
    assert act(client, first, "confirm").status_code == 303
    assert row(plaza, first).state == "published" and row(plaza, first).published_status_id is not None
    sign_out(client)
    public = client.get(f"/help/{first}").text
    assert "已公示" in public and "@blue_sky_rescue" in public and "4" in public
    for secret in (*PRIVATE, "冲锋舟已出发", "安置点"):
        assert secret not in public
    steps = re.findall(r'class="case-step step-([a-z_]+)"', public)
    assert steps[-3:] == ["complete", "confirm", "publish"]
    totals = client.get("/help").text
    assert "获助人数" in totals and "已公示" in totals
