"""The service desk's pages as people use them in a browser without JavaScript (Starlette's test
client): a citizen files a case with the web form (and is told when it was reported already), the
desk's operator triages it from the queue, the department works it from its inbox, the citizen
rates it on the case page — every step a plain form. Strangers read the case without personal
data; the queue and the inbox are their workers' only. Both database backends."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from starlette.testclient import TestClient

from plaza.actions import cases as case_actions
from plaza.desk import cases
from plaza.desk.cases import NewCase
from plaza.instance import Plaza
from plaza.storage.schema import case_data_reads, statuses
from tests.support.desks import INFRASTRUCTURE, MasDesk, mas_desk
from tests.test_web_pages import csrf, sign_in

GOVERNMENT_PASSWORD = "government pass 1"  # what tests.factories.government sets
LAMP = "湖东路和解放路路口的路灯坏了一个多星期，晚上很黑。我叫张伟，电话13812345678"


@pytest.fixture
def mas(plaza: Plaza) -> MasDesk:
    return mas_desk(plaza)


def as_person(client: TestClient, login: str, password: str = "correct horse battery") -> None:
    assert sign_in(client, login, password).status_code == 303


def file_by_form(client: TestClient, *, files: Any = None, lang: str = "", **over: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client, "/desks/mas_fabu/new"), "text": LAMP, "category": INFRASTRUCTURE,
            "county": "340503", "address": "湖东路12号", "lat": "", "lon": "", "phone": "13912345678",
            "check": "1", **over}
    return client.post("/desks/mas_fabu/new" + (f"?lang={lang}" if lang else ""), data=data, files=files,
                       follow_redirects=False)


def case_id_of(response: Any) -> int:
    assert response.status_code == 303, response.text[:2000]
    match = re.fullmatch(r"/cases/(\d+)\?done=filed", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def row(plaza: Plaza, case_id: int) -> Any:
    with plaza.db.read() as conn:
        return cases.load(conn, case_id)


def count_cases(plaza: Plaza) -> int:
    with plaza.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(cases.cases)).scalar_one())


def act(client: TestClient, case_id: int, action: str, *, version: int | None = None, back: str = "",
        **fields: str):  # type: ignore[no-untyped-def]
    """Send a step's form as the case page draws it (its CSRF token and the version shown)."""
    page = client.get(f"/cases/{case_id}")
    shown = int(re.search(r'data-version="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    data = {"csrf_token": csrf(client, f"/cases/{case_id}"), "version": str(version or shown),
            "next": back or f"/cases/{case_id}", **fields}
    return client.post(f"/cases/{case_id}/actions/{action}", data=data, follow_redirects=False)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 200, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_citizen_files_a_case_with_the_web_form_and_follows_it_on_its_page(client, plaza, mas) -> None:
    as_person(client, "mas_resident")
    form = client.get("/desks/mas_fabu/new")
    assert form.status_code == 200
    assert '<optgroup label="城乡建设 / 城市建设和市政管理">' in form.text  # leaves grouped by levels 1 and 2
    assert f'<option value="{INFRASTRUCTURE}">城市公共设施</option>' in form.text
    assert '<option value="340503">花山区</option>' in form.text  # the desk's counties
    assert '<option value="500103">' not in form.text

    case_id = case_id_of(file_by_form(client, files={"photos": ("lamp.png", png(), "image/png")}))
    case = row(plaza, case_id)
    assert case.source == "web" and case.citizen_id == mas.citizen.id and case.state == "submitted"
    assert case.county_code == "340503" and case.address == "安徽省马鞍山市花山区湖东路12号"
    assert case.contact_phone == "13912345678" and case.media_ids  # the photo is the case's

    page = client.get(f"/cases/{case_id}?done=filed")
    assert "已提交" in page.text and "待受理" in page.text
    assert "13812345678" in page.text and "13912345678" in page.text  # the citizen sees what they wrote
    assert 'class="media-grid case-photos n1"' in page.text
    assert f"/cases/{case_id}/actions/" not in page.text  # nothing for the citizen to do yet
    mine = client.get("/me/cases")
    assert f'href="/cases/{case_id}"' in mine.text and "待受理" in mine.text
    profile = client.get("/@mas_fabu")
    assert 'href="/desks/mas_fabu/new"' in profile.text and "我要反映" in profile.text
    assert 'href="/desks/mas_fabu/new"' not in client.get("/@mas_cgj").text  # a department runs no desk
    assert 'href="/me/cases"' in client.get("/home").text


def test_bad_input_comes_back_in_the_form_in_the_readers_language_and_files_nothing(client, plaza, mas) -> None:
    as_person(client, "mas_resident")
    empty = file_by_form(client, text="  ", address="湖东路88号")
    assert empty.status_code == 422 and "请描述你要反映的问题" in empty.text
    assert 'value="湖东路88号"' in empty.text and 'value="13912345678"' in empty.text  # nothing lost

    outside = file_by_form(client, county="500103")  # 渝中区 is 重庆's, not 马鞍山's
    assert outside.status_code == 422 and "不在 @mas_fabu 的辖区内" in outside.text

    # A photo sent with a form that is refused stays with the form, to be filed with it.
    refused = file_by_form(client, lat="31.7", lon="", files={"photos": ("lamp.png", png(), "image/png")})
    assert refused.status_code == 422 and "坐标不正确" in refused.text
    kept = re.findall(r'name="media_ids" value="(\d+)"', refused.text)
    assert len(kept) == 1 and 'class="media-grid case-photos n1"' in refused.text

    unknown = file_by_form(client, category="火星/基地", lang="en")
    assert unknown.status_code == 422 and "Unknown category: 火星/基地" in unknown.text
    assert '<html lang="en">' in unknown.text and LAMP in unknown.text
    assert count_cases(plaza) == 0

    case_id = case_id_of(file_by_form(client, media_ids=kept[0]))
    assert row(plaza, case_id).media_ids == kept[0]


def test_similar_open_cases_are_offered_before_filing_and_can_be_followed(client, plaza, mas) -> None:
    first = asyncio.run(case_actions.submit_case(plaza, "mas_fabu", NewCase(
        text="花山区湖东路和解放路路口的路灯坏了，晚上很黑", source="web", category=INFRASTRUCTURE,
        address="马鞍山市花山区湖东路", citizen_id=mas.stranger.id)))
    as_person(client, "mas_resident")
    offered = file_by_form(client)
    assert offered.status_code == 200 and "已有人反映过类似问题" in offered.text
    assert f'action="/cases/{first["id"]}/follow"' in offered.text
    assert LAMP in offered.text and "仍然提交新诉求" in offered.text
    assert count_cases(plaza) == 1  # not filed: the citizen decides

    followed = client.post(f"/cases/{first['id']}/follow", data={"csrf_token": csrf(client, "/me/cases")},
                           follow_redirects=False)
    assert followed.status_code == 303 and followed.headers["location"] == f"/cases/{first['id']}?done=followed"
    assert "已关注此工单" in client.get(followed.headers["location"]).text
    mine = client.get("/me/cases").text
    assert f'href="/cases/{first["id"]}"' in mine and "关注" in mine

    # The follower hears of the next step, as the citizen does.
    asyncio.run(case_actions.act_on_case(plaza, int(first["id"]), "accept", mas.staff, version=first["version"],
                                         fields={}))
    with plaza.db.read() as conn:
        told = conn.execute(select(statuses.c.text).where(statuses.c.account_id == mas.account.id,
                                                          statuses.c.visibility == "direct")).scalars().all()
    assert any(text.startswith("@mas_resident ") and "已受理" in text for text in told)

    # "Submit anyway" files a new case.
    case_id = case_id_of(file_by_form(client, check="0"))
    assert count_cases(plaza) == 2 and row(plaza, case_id).citizen_id == mas.citizen.id


def test_the_case_page_hides_personal_data_from_strangers_and_shows_it_to_staff(client, plaza, mas) -> None:
    as_person(client, "mas_resident")
    case_id = case_id_of(file_by_form(client, anonymous="1", check="0"))
    client.post("/signout", data={"csrf_token": csrf(client, "/home")})

    public = client.get(f"/cases/{case_id}")
    assert public.status_code == 200
    assert "138****5678" in public.text and "13812345678" not in public.text and "张伟" not in public.text
    assert "13912345678" not in public.text and "湖东路12号" not in public.text and "湖东路*号" in public.text
    assert "匿名市民" in public.text and "花山区居民" not in public.text
    assert "/actions/" not in public.text
    assert "Submitted" in client.get(f"/cases/{case_id}?lang=en").text

    as_person(client, "stranger")
    stranger = client.get(f"/cases/{case_id}")
    assert "13812345678" not in stranger.text and "/actions/" not in stranger.text
    assert f'action="/cases/{case_id}/follow"' in stranger.text

    as_person(client, "desk_li")
    staff = client.get(f"/cases/{case_id}")
    assert "13812345678" in staff.text and "13912345678" in staff.text and "花山区居民" in staff.text
    for action in ("accept", "reject", "link_duplicate"):
        assert f'action="/cases/{case_id}/actions/{action}"' in staff.text
    assert f'action="/cases/{case_id}/actions/forward"' not in staff.text  # accept first
    with plaza.db.read() as conn:
        reads = conn.execute(select(case_data_reads.c.account_id, case_data_reads.c.via).where(
            case_data_reads.c.case_id == case_id)).all()
    assert [(r.account_id, r.via) for r in reads] == [(mas.staff.id, "web")]
    assert client.get("/cases/123").status_code == 404 and client.get("/cases/abc").status_code == 404


def test_the_queue_is_for_the_desks_staff_and_triages_from_the_keyboard_forms(client, plaza, mas) -> None:
    as_person(client, "mas_resident")
    case_id = case_id_of(file_by_form(client, check="0"))
    refused = client.get("/desks/mas_fabu/queue")
    assert refused.status_code == 403 and "只有服务台的工作人员可以这样做" in refused.text
    as_person(client, "cgj_wang")  # a department's operator is not the desk's staff
    assert client.get("/desks/mas_fabu/queue").status_code == 403
    client.post("/signout", data={"csrf_token": csrf(client, "/home")})
    assert client.get("/desks/mas_fabu/queue", follow_redirects=False).headers["location"].startswith("/signin")

    as_person(client, "desk_li")
    queue = client.get("/desks/mas_fabu/queue")
    assert queue.status_code == 200 and f'id="case-{case_id}"' in queue.text
    assert "138****5678" in queue.text and "13812345678" not in queue.text  # masked in the list
    assert "→ @mas_cgj" in queue.text and "按规则" in queue.text  # the rule's proposal
    assert '<option value="mas_cgj" selected>' in queue.text  # forward goes to the proposal by default
    assert 'src="/static/desk.js"' in queue.text
    assert f'id="case-{case_id}"' not in client.get("/desks/mas_fabu/queue?county=340504").text
    assert f'id="case-{case_id}"' in client.get(f"/desks/mas_fabu/queue?category={INFRASTRUCTURE}").text
    assert client.get("/desks/mas_fabu/queue?view=nonsense").status_code == 422
    assert client.get("/desks/nobody/queue").status_code == 404

    # "f" on a new case: accepted, then forwarded to the proposed department, back to the queue.
    done = act(client, case_id, "forward", back="/desks/mas_fabu/queue", accept_first="1", department="mas_cgj")
    assert done.status_code == 303
    assert done.headers["location"] == f"/desks/mas_fabu/queue?done=forward&case={case_id}"
    case = row(plaza, case_id)
    assert case.state == "forwarded" and case.department_id == mas.cgj.id
    history = client.get(f"/cases/{case_id}").text
    assert history.index("step-accept") < history.index("step-forward") and "→ @mas_cgj" in history
    assert f'id="case-{case_id}"' not in client.get("/desks/mas_fabu/queue").text  # no longer new
    assert f'id="case-{case_id}"' in client.get("/desks/mas_fabu/queue?view=open").text


def test_a_case_goes_through_every_step_by_forms_to_the_citizens_rating(client, plaza, mas) -> None:
    as_person(client, "mas_resident")
    case_id = case_id_of(file_by_form(client, check="0"))
    as_person(client, "desk_li")
    assert act(client, case_id, "accept", urgency="urgent").status_code == 303
    assert act(client, case_id, "forward", department="mas_zjj").status_code == 303

    as_person(client, "mas_zjj", GOVERNMENT_PASSWORD)  # a department without operators acts itself
    inbox = client.get("/departments/mas_zjj/inbox")
    assert inbox.status_code == 200
    to_acknowledge = inbox.text[inbox.text.index('id="inbox_to_acknowledge"'):inbox.text.index('id="inbox_in_progress"')]
    assert f'id="case-{case_id}"' in to_acknowledge and "签收时限" in to_acknowledge
    assert "13812345678" not in inbox.text  # the list is masked; the case page has the original
    back = "/departments/mas_zjj/inbox"
    assert act(client, case_id, "acknowledge", back=back).headers["location"].startswith(back + "?done=acknowledge")

    # A step refused keeps what was typed: an extension needs its reason.
    missing = act(client, case_id, "request_extension", days="3")
    assert missing.status_code == 422 and "需要填写理由" in missing.text and 'value="3"' in missing.text
    assert act(client, case_id, "request_extension", days="3", note="需协调供电公司").status_code == 303
    inbox = client.get("/departments/mas_zjj/inbox").text
    assert f'id="case-{case_id}"' in inbox[inbox.index('id="inbox_extension"'):]
    bad = act(client, case_id, "reply", text="路灯已修复", result="maybe")
    assert bad.status_code == 422 and "路灯已修复" in bad.text
    assert act(client, case_id, "reply", text="路灯已于今日更换，感谢反映。", result="resolved").status_code == 303

    as_person(client, "mas_resident")
    page = client.get(f"/cases/{case_id}")
    assert "路灯已于今日更换" in page.text and f'action="/cases/{case_id}/actions/rate"' in page.text
    rated = act(client, case_id, "rate", satisfaction="satisfied", resolved="true")
    assert rated.status_code == 303
    case = row(plaza, case_id)
    assert case.state == "closed" and case.satisfaction == "satisfied" and case.fixed is True
    page = client.get(f"/cases/{case_id}?lang=en").text
    assert "Satisfied" in page and "Fixed" in page and "Closed" in page
    steps = re.findall(r'class="case-step step-([a-z_]+)"', page)
    assert steps == ["start", "accept", "forward", "acknowledge", "request_extension", "reply", "rate", "close"]


def test_a_form_drawn_before_someone_else_acted_gets_409_with_the_case_as_it_is(client, plaza, mas) -> None:
    as_person(client, "mas_resident")
    case_id = case_id_of(file_by_form(client, check="0"))
    as_person(client, "desk_li")
    stale_version = row(plaza, case_id).version
    asyncio.run(case_actions.act_on_case(plaza, case_id, "accept", mas.account, version=stale_version, fields={}))
    late = act(client, case_id, "reject", version=stale_version, reason="not_our_business", note="不归我们管")
    assert late.status_code == 409
    assert "有人先处理了这件工单" in late.text and "已受理" in late.text
    assert f'action="/cases/{case_id}/actions/forward"' in late.text  # the fresh page's own steps
    assert row(plaza, case_id).state == "accepted"
    english = client.post(f"/cases/{case_id}/actions/reject?lang=en", data={
        "csrf_token": csrf(client, f"/cases/{case_id}"), "version": str(stale_version), "reason": "duplicate"})
    assert english.status_code == 409 and "Someone acted on this case first" in english.text

    as_person(client, "stranger")
    refused = act(client, case_id, "forward", department="mas_cgj")
    assert refused.status_code == 403 and "You may not do “forward” here" in refused.text  # English, as chosen
    assert row(plaza, case_id).state == "accepted"


def test_a_departments_inbox_is_for_its_account_and_operators_only(client, plaza, mas) -> None:
    as_person(client, "mas_resident")
    case_id = case_id_of(file_by_form(client, check="0"))
    as_person(client, "desk_li")
    act(client, case_id, "forward", accept_first="1", department="mas_cgj")
    assert client.get("/departments/mas_cgj/inbox").status_code == 403  # the desk is not the department
    assert "我的工作台" in client.get("/me/cases").text
    as_person(client, "mas_resident")
    assert client.get("/departments/mas_cgj/inbox").status_code == 403
    assert client.get("/departments/nobody/inbox").status_code == 404

    as_person(client, "cgj_wang")
    inbox = client.get("/departments/mas_cgj/inbox")
    assert inbox.status_code == 200 and f'id="case-{case_id}"' in inbox.text
    assert f'action="/cases/{case_id}/actions/acknowledge"' in inbox.text
    assert f'action="/cases/{case_id}/actions/return"' in inbox.text
    mine = client.get("/me/cases").text
    assert 'href="/departments/mas_cgj/inbox"' in mine
    assert "马鞍山城管 · cases to handle" in client.get("/departments/mas_cgj/inbox?lang=en").text


def test_the_queue_shows_the_routers_proposals_and_f_forwards_to_the_best_one(client, plaza, mas, monkeypatch) -> None:
    from types import SimpleNamespace

    from plaza.web import desk_pages

    asked: list[str] = []

    def propose(conn: Any, desk: Any, text: str) -> list[dict[str, Any]]:
        asked.append(text)
        return [{"category": INFRASTRUCTURE, "department": "mas_cgj", "confidence": 0.82},
                {"category": "城乡建设/住房保障/物业管理", "department": None, "confidence": 0.11}]

    monkeypatch.setattr(desk_pages, "_router", lambda: SimpleNamespace(propose=propose))
    with plaza.db.write() as conn:  # a case with no category, as a post opens one
        case_id = cases.submit(conn, mas.desk, NewCase(text="小区门口路灯坏了好几天，电话13812345678", source="web",
                                                       citizen_id=mas.citizen.id))
    as_person(client, "desk_li")
    queue = client.get("/desks/mas_fabu/queue").text
    assert asked == ["小区门口路灯坏了好几天，电话13812345678"]  # the router reads the original
    assert f"{INFRASTRUCTURE} → @mas_cgj · 82%" in queue and "物业管理 · 11%" in queue
    assert f'<input type="hidden" name="category" value="{INFRASTRUCTURE}">' in queue
    assert '<option value="mas_cgj" selected>' in queue and "受理并转办" in queue

    done = act(client, case_id, "forward", back="/desks/mas_fabu/queue", accept_first="1", department="mas_cgj",
               category=INFRASTRUCTURE)
    assert done.status_code == 303
    case = row(plaza, case_id)
    assert case.state == "forwarded" and case.department_id == mas.cgj.id and case.category_id is not None

    # A router that fails costs the queue nothing: the rule's department is proposed instead.
    monkeypatch.setattr(desk_pages, "_router", lambda: SimpleNamespace(propose=lambda *a: 1 / 0))
    with plaza.db.write() as conn:
        cases.submit(conn, mas.desk, NewCase(text="解放路路灯不亮", source="web", category=INFRASTRUCTURE,
                                             citizen_id=mas.citizen.id))
    fallback = client.get("/desks/mas_fabu/queue")
    assert fallback.status_code == 200 and "→ @mas_cgj · 按规则" in fallback.text
