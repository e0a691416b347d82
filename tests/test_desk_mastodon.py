"""Done-when of the service desk (issue 11), through the APIs alone: a citizen posts to
@马鞍山发布 from a Mastodon app (mastodon-py), the desk and the department take every step with
Plaza's API over HTTP, the citizen rates with it — and in the Mastodon app the citizen sees each
step as the desk's reply in the post's thread and in their notifications."""

from __future__ import annotations

import re
from typing import Any

import httpx
from mastodon import Mastodon

from plaza.identity import tokens
from tests.support.desks import mas_desk


def test_a_case_started_by_a_post_goes_to_a_rating_through_the_apis_and_shows_in_the_thread(live_server) -> None:
    plaza = live_server.plaza
    mas = mas_desk(plaza)

    def token(person: Any) -> str:
        return tokens.issue(plaza.db, person.id, None, frozenset({"read", "write"}))[0]

    app = Mastodon(api_base_url=live_server.url, access_token=token(mas.citizen), version_check_mode="none")
    posted = app.status_post("@mas_fabu 花山区湖东路和解放路路口的路灯坏了一个多星期，晚上一片漆黑 #马上办#")
    with httpx.Client(base_url=live_server.url, timeout=30) as api:
        def step(person: Any, action: str, **fields: Any) -> dict[str, Any]:
            found = api.get("/api/plaza/v1/desks/mas_fabu/cases?view=all",
                            headers={"Authorization": f"Bearer {token(mas.staff)}"}).json()
            case = next(c for c in found if c["source_status_id"] == str(posted.id))
            answer = api.post(f"/api/plaza/v1/cases/{case['id']}/actions/{action}",
                              json={"version": case["version"], **fields},
                              headers={"Authorization": f"Bearer {token(person)}"})
            assert answer.status_code == 200, answer.text
            return answer.json()

        step(mas.staff, "accept", category="城乡建设/城市建设和市政管理/城市公共设施")
        step(mas.staff, "forward")
        step(mas.cgj_operator, "acknowledge")
        step(mas.cgj_operator, "reply", text="经现场核查，路灯线路老化，已于今日更换，感谢您的反映。", result="resolved")
        done = step(mas.citizen, "rate", satisfaction="satisfied", resolved=True)
    assert done["state"] == "closed"
    assert [h["action"] for h in done["history"]] == [
        "start", "accept", "forward", "acknowledge", "reply", "rate", "close"]

    replies = app.status_context(posted.id).descendants
    assert {r.account.acct for r in replies} == {"mas_fabu"}
    said = [re.sub(r"<[^>]+>", "", r.content) for r in replies]
    case_id = done["id"]
    for words in ("已收到您的诉求", "已受理", "已转 @mas_cgj 办理", "已签收", "路灯线路老化", "已办结"):
        assert any(words in text for text in said), (words, said)
    assert all(case_id in text for text in said)  # each names the case, and links to its page
    mentions = [n for n in app.notifications() if n.type == "mention" and n.account.acct == "mas_fabu"]
    assert {n.status.id for n in mentions} == {r.id for r in replies}
