"""Topic hosts (主持人) and descriptions (导语) through Plaza's API and the command line, on both
database backends: staff appoint and remove hosts, hosts and staff write the description, and
everyone else is refused with a clear error."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from plaza.cli import main
from plaza.identity import tokens
from plaza.square import accounts, topics
from tests.factories import citizen, government, post
from tests.hotsupport import bearer_for

TOPIC = "一起守护这座城"
BASE = "/api/plaza/v1/topics/" + quote(TOPIC, safe="")


@pytest.fixture
def square(plaza):  # type: ignore[no-untyped-def]
    """A topic opened by 重庆发布, a moderator, a citizen, and tokens for each."""
    cq = government(plaza, "cq_fabu", "重庆发布")
    post(plaza, cq, f"#{TOPIC}# 北碚区山火明火已全部扑灭")
    mod = citizen(plaza, "mod", role="moderator")
    li = citizen(plaza, "li", display_name="山城小李")
    return {"cq": cq, "mod": mod, "li": li, "as_mod": bearer_for(plaza, mod), "as_li": bearer_for(plaza, li),
            "as_cq": bearer_for(plaza, cq)}


def test_a_moderator_appoints_hosts_and_the_topic_shows_them(client, plaza, square) -> None:
    appointed = client.post(f"{BASE}/hosts", json={"username": "cq_fabu"}, headers=square["as_mod"])
    assert appointed.status_code == 200, appointed.text
    host = {"id": str(square["cq"].id), "username": "cq_fabu", "acct": "cq_fabu",
            "display_name": "重庆发布", "kind": "government"}
    assert appointed.json() == {"name": TOPIC, "description": None, "hosts": [host]}
    again = client.post(f"{BASE}/hosts", data={"account_id": str(square["li"].id)}, headers=square["as_mod"])
    assert [h["username"] for h in again.json()["hosts"]] == ["cq_fabu", "li"]  # form bodies work too
    same = client.post(f"{BASE}/hosts", json={"account_id": str(square["cq"].id)}, headers=square["as_mod"])
    assert len(same.json()["hosts"]) == 2  # appointing a host again changes nothing

    shown = client.get(f"/api/plaza/v1/topics/%23{quote(TOPIC)}%23").json()
    assert shown["hosts"][0] == host and shown["description"] is None

    removed = client.delete(f"{BASE}/hosts/{square['li'].id}", headers=square["as_mod"])
    assert removed.status_code == 200 and [h["username"] for h in removed.json()["hosts"]] == ["cq_fabu"]
    twice = client.delete(f"{BASE}/hosts/{square['li'].id}", headers=square["as_mod"])
    assert twice.status_code == 404 and twice.json()["error"] == "该用户不是这个话题的主持人"


def test_only_administrators_and_moderators_appoint_or_remove_hosts(client, plaza, square) -> None:
    refused = client.post(f"{BASE}/hosts", json={"username": "li"}, headers=square["as_li"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "只有管理员和版主可以任命或撤销话题主持人"
    english = client.post(f"{BASE}/hosts?lang=en", json={"username": "li"}, headers=square["as_li"])
    assert english.json()["error"] == "Only administrators and moderators can appoint or remove topic hosts"
    topics.appoint_host(plaza.db, TOPIC, square["li"].id, by=square["mod"])
    assert client.delete(f"{BASE}/hosts/{square['li'].id}", headers=square["as_li"]).status_code == 403
    assert client.post(f"{BASE}/hosts", json={"username": "li"}).status_code == 401
    secret, _ = tokens.issue(plaza.db, square["mod"].id, None, frozenset({"read"}))
    read_only = client.post(f"{BASE}/hosts", json={"username": "li"}, headers={"Authorization": f"Bearer {secret}"})
    assert read_only.status_code == 403  # a moderator's read-only token may not appoint
    assert [h.username for h in topics.curation(plaza.db, TOPIC).hosts] == ["li"]


def test_a_sixth_host_an_unknown_account_and_an_unknown_topic_are_refused(client, plaza, square) -> None:
    for n in range(5):
        made = client.post(f"{BASE}/hosts", json={"account_id": str(citizen(plaza, f"h{n}").id)},
                           headers=square["as_mod"])
        assert made.status_code == 200
    sixth = client.post(f"{BASE}/hosts", json={"username": "li"}, headers=square["as_mod"])
    assert sixth.status_code == 422 and sixth.json()["error"] == "一个话题最多 5 位主持人"

    unknown = client.post(f"{BASE}/hosts", json={"username": "nobody"}, headers=square["as_mod"])
    assert unknown.status_code == 422 and "要任命的用户不存在" in unknown.json()["error"]
    no_id = client.post(f"{BASE}/hosts", json={"account_id": "999999"}, headers=square["as_mod"])
    assert no_id.status_code == 422
    bad_id = client.post(f"{BASE}/hosts", json={"account_id": "abc"}, headers=square["as_mod"])
    assert bad_id.status_code == 422
    nothing = client.post(f"{BASE}/hosts", json={}, headers=square["as_mod"])
    assert nothing.status_code == 422 and nothing.json()["error"] == "缺少参数 account_id"
    assert len(topics.curation(plaza.db, TOPIC).hosts) == 5

    missing = client.post("/api/plaza/v1/topics/" + quote("没人提过") + "/hosts", json={"username": "cq_fabu"},
                          headers=square["as_mod"])
    assert missing.status_code == 404 and missing.json()["error"] == "话题不存在：还没有公开的微博提到它"
    assert client.delete("/api/plaza/v1/topics/" + quote("没人提过") + f"/hosts/{square['cq'].id}",
                         headers=square["as_mod"]).status_code == 404
    assert client.delete(f"{BASE}/hosts/not-an-id", headers=square["as_mod"]).status_code == 404


def test_a_suspended_account_cannot_be_appointed_and_is_not_shown_as_a_host(client, plaza, square) -> None:
    topics.appoint_host(plaza.db, TOPIC, square["li"].id, by=square["mod"])
    accounts.set_flags(plaza.db, square["li"].id, suspended=True)
    assert client.get(BASE).json()["hosts"] == []
    again = client.post(f"{BASE}/hosts", json={"username": "li"}, headers=square["as_mod"])
    assert again.status_code == 422


def test_hosts_and_staff_write_the_description_within_its_limit(client, plaza, square) -> None:
    topics.appoint_host(plaza.db, TOPIC, square["cq"].id, by=square["mod"])
    text = "重庆山火救援进展与志愿者集结信息。\r\n请关注官方发布\u202e"
    written = client.put(f"{BASE}/description", json={"description": text}, headers=square["as_cq"])
    assert written.status_code == 200, written.text
    assert written.json()["description"] == "重庆山火救援进展与志愿者集结信息。\n请关注官方发布"
    assert client.get(BASE).json()["description"] == "重庆山火救援进展与志愿者集结信息。\n请关注官方发布"

    by_staff = client.post(f"{BASE}/description", data={"description": "版主更新的导语"}, headers=square["as_mod"])
    assert by_staff.status_code == 200 and by_staff.json()["description"] == "版主更新的导语"

    refused = client.put(f"{BASE}/description", json={"description": "我来写"}, headers=square["as_li"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "只有话题主持人、管理员和版主可以编辑导语"

    at_limit = client.put(f"{BASE}/description", json={"description": "山" * 200}, headers=square["as_cq"])
    assert at_limit.status_code == 200
    too_long = client.put(f"{BASE}/description", json={"description": "山" * 201}, headers=square["as_cq"])
    assert too_long.status_code == 422
    assert too_long.json()["error"] == "导语不能超过 200 个字符（当前 201 个）"
    assert client.get(BASE).json()["description"] == "山" * 200

    missing = client.put(f"{BASE}/description", json={}, headers=square["as_cq"])
    assert missing.status_code == 422
    cleared = client.put(f"{BASE}/description", json={"description": "  "}, headers=square["as_cq"])
    assert cleared.status_code == 200 and cleared.json()["description"] is None
    unknown = client.put("/api/plaza/v1/topics/" + quote("没人提过") + "/description",
                         json={"description": "x"}, headers=square["as_mod"])
    assert unknown.status_code == 404


def test_the_topic_answer_keeps_its_counters_beside_hosts_and_description(client, plaza, square) -> None:
    answer = client.get(BASE).json()
    assert answer["name"] == TOPIC and answer["hosts"] == [] and answer["description"] is None
    assert {"reads", "discussions", "originals", "interactions", "participants", "rank", "heat",
            "curve"} <= set(answer)
    never = client.get("/api/plaza/v1/topics/" + quote("从未出现"))
    assert never.status_code == 404  # no post names it (nor one only followers or a few may see)


def test_the_command_line_appoints_lists_and_removes_hosts(plaza, square, database_url: str,
                                                            tmp_path: Path) -> None:
    env = {"PLAZA_DATA_DIR": str(tmp_path / "cli"), "PLAZA_DATABASE_URL": database_url, "PLAZA_LOCALE": "en"}
    runner = CliRunner()
    added = runner.invoke(main, ["topic", "host", "add", f"#{TOPIC}#", "cq_fabu"], env=env)
    assert added.exit_code == 0, added.output
    assert f"@cq_fabu (重庆发布) now hosts #{TOPIC}#" in added.output
    assert [h.username for h in topics.curation(plaza.db, TOPIC).hosts] == ["cq_fabu"]
    listed = runner.invoke(main, ["topic", "host", "list", TOPIC], env=env)
    assert listed.exit_code == 0 and "@cq_fabu  重庆发布" in listed.output

    unknown = runner.invoke(main, ["topic", "host", "add", TOPIC, "nobody"], env=env)
    assert unknown.exit_code == 1 and "Account not found" in unknown.output and "Traceback" not in unknown.output
    no_topic = runner.invoke(main, ["topic", "host", "add", "没人提过", "cq_fabu"], env={**env, "PLAZA_LOCALE": "zh-CN"})
    assert no_topic.exit_code == 1 and "话题不存在" in no_topic.output

    removed = runner.invoke(main, ["topic", "host", "remove", TOPIC, "cq_fabu"], env=env)
    assert removed.exit_code == 0 and f"@cq_fabu no longer hosts #{TOPIC}#" in removed.output
    assert topics.curation(plaza.db, TOPIC).hosts == ()
    assert "has no hosts" in runner.invoke(main, ["topic", "host", "list", TOPIC], env=env).output
