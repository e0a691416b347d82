"""The service desk's cases (issue 11) through Plaza's API, as the people who use them: a citizen
files, the desk's operator accepts and forwards, the department's operator acknowledges and
replies, the citizen rates — each naming the version they saw; strangers see masked text and
take no step; a post to the desk opens a case and is answered in its thread."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from plaza.actions import statuses as status_actions
from plaza.clock import ManualClock, use
from plaza.desk import cases
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square.posts import NewStatus
from plaza.storage.schema import case_data_reads, statuses
from tests.support.desks import INFRASTRUCTURE, MasDesk, mas_desk


def bearer(plaza: Plaza, row: Any) -> dict[str, str]:
    secret, _ = tokens.issue(plaza.db, row.id, None, frozenset({"read", "write"}))
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def mas(plaza: Plaza) -> MasDesk:
    return mas_desk(plaza)


def file_case(client: TestClient, plaza: Plaza, mas: MasDesk, **over: Any) -> dict[str, Any]:
    body = {"desk": "mas_fabu", "text": "花山区湖东路和解放路路口的路灯坏了一个多星期，晚上很黑。我叫张伟，电话13812345678",
            "category": INFRASTRUCTURE, "place": {"text": "马鞍山市花山区湖东路12号"}, **over}
    response = client.post("/api/plaza/v1/cases", json=body, headers=bearer(plaza, mas.citizen))
    assert response.status_code == 201, response.text
    return response.json()


def step(client: TestClient, plaza: Plaza, who: Any, case: dict[str, Any], action: str, expect: int = 200,
         **fields: Any) -> dict[str, Any]:
    response = client.post(f"/api/plaza/v1/cases/{case['id']}/actions/{action}",
                           json={"version": case["version"], **fields}, headers=bearer(plaza, who))
    assert response.status_code == expect, response.text
    return response.json()


def test_a_case_goes_from_filing_to_a_rating_and_every_step_is_its_history(client, plaza, mas) -> None:
    case = file_case(client, plaza, mas)
    assert case["state"] == "submitted" and case["desk"] == "mas_fabu"
    assert case["place"]["county"] == "340503" and case["place"]["city"] == "340500"
    assert "13812345678" in case["text"]  # the citizen sees what they wrote
    case = step(client, plaza, mas.staff, case, "accept")
    case = step(client, plaza, mas.staff, case, "forward")  # the rule names 城管局, with 住建局 to help
    assert case["department"] == "mas_cgj" and case["co_handlers"] == ["mas_zjj"]
    assert case["deadlines"]["acknowledge_by"].endswith("+08:00") and case["deadlines"]["resolve_by"]
    case = step(client, plaza, mas.cgj_operator, case, "acknowledge")
    case = step(client, plaza, mas.cgj_operator, case, "note", note="已派人现场查看")
    assert case["state"] == "in_progress"
    case = step(client, plaza, mas.cgj_operator, case, "reply", text="路灯已于今日更换，感谢反映。", result="resolved")
    assert case["state"] == "replied" and case["reply"]["result"] == "resolved"
    case = step(client, plaza, mas.citizen, case, "rate", satisfaction="satisfied", resolved=True)
    assert case["state"] == "closed" and case["rating"] == {"satisfaction": "satisfied", "resolved": True}
    actions = [h["action"] for h in case["history"]]
    assert actions == ["start", "accept", "forward", "acknowledge", "note", "reply", "rate", "close"]
    acknowledged = case["history"][3]
    assert acknowledged["actor"]["username"] == "cgj_wang" and acknowledged["agency"] == "mas_cgj"
    assert case["history"][2]["data"]["department"] == "mas_cgj"


def test_the_answer_to_filing_is_the_case_as_its_citizen_then_reads_it(client, plaza, mas) -> None:
    """The answer is made from what the write returned, reading nothing: it must be the case as
    a read of it shows it, history, category and all."""
    for over in ({}, {"anonymous": True, "category": None, "urgency": "urgent"}):
        filed = file_case(client, plaza, mas, **over)
        read = client.get(f"/api/plaza/v1/cases/{filed['id']}", headers=bearer(plaza, mas.citizen))
        assert read.status_code == 200
        assert filed == read.json()
        assert filed["history"][0]["actor"]["username"] == mas.citizen.username
    assert filed["category"] is None and filed["anonymous"] is True


def test_a_step_on_a_version_someone_else_moved_is_a_409_with_the_current_state(client, plaza, mas) -> None:
    case = file_case(client, plaza, mas)
    accepted = step(client, plaza, mas.staff, case, "accept")
    stale = step(client, plaza, mas.account, case, "reject", expect=409, reason="not_our_business")
    assert stale["state"] == "accepted" and stale["version"] == accepted["version"]
    assert "刷新" in stale["error"]


def test_steps_out_of_turn_or_by_the_wrong_person_are_refused_and_change_nothing(client, plaza, mas) -> None:
    case = step(client, plaza, mas.staff, file_case(client, plaza, mas), "accept")
    case = step(client, plaza, mas.staff, case, "forward", department="mas_zjj")
    # a reply before acknowledging
    step(client, plaza, mas.zjj, case, "reply", expect=409, text="已处理", result="resolved")
    # 城管局 is not the department of this case; a stranger rates nothing
    step(client, plaza, mas.cgj_operator, case, "acknowledge", expect=403)
    step(client, plaza, mas.stranger, case, "rate", expect=403, satisfaction="satisfied", resolved=True)
    # a small agency without operators acts with its own sign-in
    case = step(client, plaza, mas.zjj, case, "acknowledge")
    bad = step(client, plaza, mas.zjj, case, "reply", expect=422, text="已处理", result="maybe")
    assert "resolved" in bad["error"]
    step(client, plaza, mas.zjj, case, "fly", expect=422)
    assert client.get(f"/api/plaza/v1/cases/{case['id']}", headers=bearer(plaza, mas.zjj)).json()["version"] \
        == case["version"]


def test_the_public_reads_a_case_without_personal_data_and_staff_reads_are_logged(client, plaza, mas) -> None:
    case = file_case(client, plaza, mas, anonymous=True, contact={"phone": "13912345678"})
    public = client.get(f"/api/plaza/v1/cases/{case['id']}").json()
    assert "13812345678" not in public["text"] and "138****5678" in public["text"]
    assert "张伟" not in public["text"] and "contact" not in public
    assert public["citizen"] is None and "12号" not in (public["place"]["address"] or "")
    stranger = client.get(f"/api/plaza/v1/cases/{case['id']}", headers=bearer(plaza, mas.stranger)).json()
    assert "13812345678" not in stranger["text"]
    staff = client.get(f"/api/plaza/v1/cases/{case['id']}", headers=bearer(plaza, mas.staff)).json()
    assert "13812345678" in staff["text"] and staff["contact"]["phone"] == "13912345678"
    with plaza.db.read() as conn:
        reads = conn.execute(select(case_data_reads.c.account_id).where(
            case_data_reads.c.case_id == int(case["id"]))).scalars().all()
    assert reads == [mas.staff.id]


def test_bad_cases_are_refused_in_the_callers_language(client, plaza, mas) -> None:
    headers = bearer(plaza, mas.citizen)
    outside = client.post("/api/plaza/v1/cases", headers=headers, json={
        "desk": "mas_fabu", "text": "路面塌陷", "place": {"text": "重庆市渝中区解放碑"}})
    assert outside.status_code == 422 and "辖区" in outside.json()["error"]
    unknown = client.post("/api/plaza/v1/cases?lang=en", headers=headers, json={
        "desk": "mas_fabu", "text": "路面塌陷", "category": "火星/基地"})
    assert unknown.status_code == 422 and "Unknown category" in unknown.json()["error"]
    empty = client.post("/api/plaza/v1/cases", headers=headers, json={"desk": "mas_fabu", "text": "  "})
    assert empty.status_code == 422
    assert client.post("/api/plaza/v1/cases", headers=headers, json={"desk": "nobody", "text": "x"}).status_code == 404
    with plaza.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(cases.cases)).scalar() == 0


def test_returned_reworked_and_escalated_cases_are_counted(client, plaza, mas) -> None:
    case = step(client, plaza, mas.staff, file_case(client, plaza, mas), "accept")
    case = step(client, plaza, mas.staff, case, "forward", department="mas_zjj")
    case = step(client, plaza, mas.zjj, case, "return", note="路灯归城管局管理")
    assert case["state"] == "returned" and case["return_count"] == 1
    case = step(client, plaza, mas.staff, case, "forward")
    for round_ in range(3):
        case = step(client, plaza, mas.cgj_operator, case, "acknowledge")
        case = step(client, plaza, mas.cgj_operator, case, "reply", text=f"第{round_ + 1}次答复", result="explained")
        case = step(client, plaza, mas.citizen, case, "rate", satisfaction="dissatisfied", resolved=False)
        assert case["state"] == "follow_up"
        case = step(client, plaza, mas.staff, case, "rework", note="群众不满意，请重新办理")
    assert case["rework_count"] == 3 and case["escalated"] is True
    assert [h["action"] for h in case["history"]][-2:] == ["rework", "escalate"]


def test_deadlines_count_working_days_across_national_day_and_its_make_up_saturday(client, plaza, mas) -> None:
    # Forwarded on Monday 2026-09-28: 5 working days are 29 and 30 September, then — past the
    # National Day holiday (1–7 October) — 8 and 9 October and Saturday 10 October, a make-up
    # working day (调休). Acknowledging within 1 working day means by the end of the 29th.
    with use(ManualClock(datetime(2026, 9, 28, 2, 0, tzinfo=UTC))):
        case = step(client, plaza, mas.staff, file_case(client, plaza, mas), "accept")
        case = step(client, plaza, mas.staff, case, "forward")
    assert case["deadlines"]["acknowledge_by"] == "2026-09-30T00:00:00+08:00"
    assert case["deadlines"]["resolve_by"] == "2026-10-11T00:00:00+08:00"


def test_an_extension_asked_and_granted_moves_the_deadline_by_working_days(client, plaza, mas) -> None:
    case = step(client, plaza, mas.staff, file_case(client, plaza, mas), "accept")
    case = step(client, plaza, mas.staff, case, "forward")
    case = step(client, plaza, mas.cgj_operator, case, "acknowledge")
    before = case["deadlines"]["resolve_by"]
    case = step(client, plaza, mas.cgj_operator, case, "request_extension", days=3, note="需采购灯具")
    assert case["extension_days_requested"] == 3
    step(client, plaza, mas.cgj_operator, case, "request_extension", expect=422, days=2, note="再延")
    case = step(client, plaza, mas.staff, case, "grant_extension")
    assert case["deadlines"]["resolve_by"] > before and case["extension_days_requested"] is None


def test_a_post_to_the_desk_opens_a_case_answered_in_its_thread(plaza, mas) -> None:
    import asyncio

    async def scenario() -> dict[str, Any]:
        view = await status_actions.post_status(plaza, mas.citizen.id, NewStatus(
            text="@mas_fabu 雨山区湖东路的路灯坏了好几天了 #马上办#"))
        with plaza.db.read() as conn:
            row = cases.for_status(conn, int(view.status.id))
        assert row is not None and row.source == "post" and row.county_code == "340504"
        return {"id": str(row.id), "version": row.version, "status_id": int(view.status.id)}

    found = asyncio.run(scenario())
    with plaza.db.read() as conn:
        replies = conn.execute(select(statuses.c.text, statuses.c.visibility).where(
            statuses.c.in_reply_to_id == found["status_id"], statuses.c.account_id == mas.account.id)).all()
    assert len(replies) == 1 and found["id"] in replies[0].text and replies[0].visibility == "public"


def test_the_sweep_escalates_an_unacknowledged_case_and_closes_an_unrated_one(client, plaza, mas) -> None:
    from datetime import timedelta

    from plaza.desk.workflow import CASE
    from plaza.workflow import engine

    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
    with use(ManualClock(start)) as clock:
        late = step(client, plaza, mas.staff, file_case(client, plaza, mas), "accept")
        late = step(client, plaza, mas.staff, late, "forward")
        done = step(client, plaza, mas.staff, file_case(client, plaza, mas, text="雨山区有井盖丢失"), "accept")
        done = step(client, plaza, mas.staff, done, "forward", department="mas_zjj")
        done = step(client, plaza, mas.zjj, done, "acknowledge")
        done = step(client, plaza, mas.zjj, done, "reply", text="已补装井盖", result="resolved")
        clock.advance(days=2)  # 城管局 never acknowledged the first: a working day has passed
        assert engine.sweep(plaza.db, CASE, now=clock.now()) >= 1
        assert engine.sweep(plaza.db, CASE, now=clock.now()) == 0  # idempotent
        late = client.get(f"/api/plaza/v1/cases/{late['id']}", headers=bearer(plaza, mas.staff)).json()
        assert late["escalated"] is True and late["overdue"] is True and late["state"] == "forwarded"
        assert late["history"][-1]["action"] == "escalate" and late["history"][-1]["role"] == "system"
        queue = client.get("/api/plaza/v1/desks/mas_fabu/cases?view=escalated", headers=bearer(plaza, mas.staff))
        assert [c["id"] for c in queue.json()] == [late["id"]]
        clock.advance(days=6)  # the citizen never rated the reply: 7 days after it, closed unrated
        engine.sweep(plaza.db, CASE, now=clock.now() + timedelta(minutes=1))
        done = client.get(f"/api/plaza/v1/cases/{done['id']}", headers=bearer(plaza, mas.citizen)).json()
        assert done["state"] == "closed" and done["rating"] is None


def test_a_citizen_reopens_a_closed_case_within_30_days_not_after(client, plaza, mas) -> None:
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    with use(ManualClock(start)) as clock:
        case = step(client, plaza, mas.staff, file_case(client, plaza, mas), "accept")
        case = step(client, plaza, mas.staff, case, "reject", reason="needs_information", note="请补充具体位置")
        assert case["state"] == "rejected"
        case = step(client, plaza, mas.citizen, case, "reopen", note="位置在湖东路与解放路交叉口东北角")
        assert case["state"] == "submitted"
        case = step(client, plaza, mas.staff, case, "reject", reason="not_our_business")
        clock.advance(days=31)
        late = step(client, plaza, mas.citizen, case, "reopen", expect=422, note="还是没人管")
        assert "30" in late["error"]


def test_staff_see_similar_open_cases_and_link_a_duplicate_the_citizen_then_follows(client, plaza, mas) -> None:
    first = file_case(client, plaza, mas, text="花山区湖东路解放路路口路灯坏了，晚上一片漆黑")
    other_citizen = mas.stranger
    response = client.post("/api/plaza/v1/cases", headers=bearer(plaza, other_citizen), json={
        "desk": "mas_fabu", "text": "湖东路和解放路路口的路灯坏了好几天，晚上漆黑一片", "category": INFRASTRUCTURE,
        "place": {"text": "马鞍山市花山区湖东路"}})
    second = response.json()
    similar = client.get("/api/plaza/v1/desks/mas_fabu/similar",
                         params={"text": "湖东路解放路口的路灯坏了，晚上很黑", "county": "340503"}).json()
    assert {c["id"] for c in similar} >= {first["id"], second["id"]}
    assert all("13812345678" not in c["text"] for c in similar)
    seen = client.get(f"/api/plaza/v1/cases/{second['id']}", headers=bearer(plaza, mas.staff)).json()
    assert first["id"] in [c["id"] for c in seen["possible_duplicates"]]
    linked = step(client, plaza, mas.staff, second, "link_duplicate", of=first["id"])
    assert linked["state"] == "rejected" and linked["duplicate_of"] == first["id"]
    mine = client.get("/api/plaza/v1/cases", headers=bearer(plaza, other_citizen)).json()
    assert {c["id"] for c in mine} == {first["id"], second["id"]}  # the surviving case is followed


def test_desk_answers_match_plazas_openapi_document(client, plaza, mas) -> None:
    import jsonschema

    doc = client.get("/api/plaza/v1/openapi.json").json()

    def check(body: Any, name: str) -> None:
        schema = {**doc["components"]["schemas"][name], "components": doc["components"]}
        jsonschema.validate(body, schema)

    check(client.get("/api/plaza/v1/desks/mas_fabu").json(), "Desk")
    case = file_case(client, plaza, mas)
    check(case, "Case")
    check(client.get(f"/api/plaza/v1/cases/{case['id']}").json(), "Case")
    accepted = step(client, plaza, mas.staff, case, "accept")
    check(accepted, "Case")
    check(step(client, plaza, mas.staff, case, "accept", expect=409), "Stale")
    suggestions = client.post("/api/plaza/v1/desks/mas_fabu/classify", json={"text": "小区门口路灯坏了好几天"},
                              headers=bearer(plaza, mas.staff))
    assert suggestions.status_code == 200, suggestions.text
    check(suggestions.json(), "Suggestions")
    assert client.post("/api/plaza/v1/desks/mas_fabu/classify", json={"text": "路灯"},
                       headers=bearer(plaza, mas.citizen)).status_code == 403


def test_a_cases_photos_stay_with_it_and_reach_only_those_entitled(client, plaza, mas) -> None:
    import re
    from datetime import timedelta

    from plaza.clock import utcnow
    from plaza.square import media
    from tests.test_media_security import fetch, picture, upload

    uploaded = upload(client, bearer(plaza, mas.citizen), picture(64, 48))
    case = file_case(client, plaza, mas, media_ids=[uploaded["id"]])
    assert case["media"] == [uploaded["id"]]
    with plaza.db.read() as conn:
        row = conn.execute(select(media.media_attachments).where(
            media.media_attachments.c.id == int(uploaded["id"]))).one()
    assert row.purpose == "case"
    # the media cleanup keeps it: it belongs to a case, not an upload left lying around
    media.cleanup(plaza.db, plaza.settings.media_dir, now=utcnow() + timedelta(days=30))
    assert fetch(plaza, f"/media/{row.file_name}").status_code == 404  # no bare link to a case's photo
    from tests.test_web_pages import sign_in

    public_page = fetch(plaza, f"/cases/{case['id']}").text
    assert sign_in(client, "desk_li").status_code == 303
    staff_page = client.get(f"/cases/{case['id']}").text
    granted = re.search(rf"/media/\d+-[0-9a-f]{{32}}/{row.file_name}", staff_page)
    assert granted is not None and fetch(plaza, granted.group(0)).status_code == 200
    assert row.file_name not in public_page


def test_the_staff_queue_lists_masked_text_and_opening_a_case_is_a_logged_read(client, plaza, mas) -> None:
    case = file_case(client, plaza, mas)
    queue = client.get("/api/plaza/v1/desks/mas_fabu/cases?view=new", headers=bearer(plaza, mas.staff)).json()
    assert [c["id"] for c in queue] == [case["id"]]
    assert "13812345678" not in queue[0]["text"] and "contact" not in queue[0]
    assert queue[0]["proposals"] and queue[0]["proposals"][0]["category"]  # the router's, kept at intake
    with plaza.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(case_data_reads)).scalar() == 0
    opened = client.get(f"/api/plaza/v1/cases/{case['id']}", headers=bearer(plaza, mas.staff)).json()
    assert "13812345678" in opened["text"]
    with plaza.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(case_data_reads)).scalar() == 1
