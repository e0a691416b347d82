"""Government matrices and campaigns through Plaza's own API (``/api/plaza/v1/matrices``,
``/campaigns``): shapes, who may do what, and the errors a client gets, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from starlette.testclient import TestClient

from plaza.accounts.government import GovernmentProfile
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.ratelimit import RateLimits
from plaza.square import accounts, follows
from tests.factories import citizen, government, post
from tests.hotsupport import bearer_for

API = "/api/plaza/v1"


def cast(plaza: Plaza) -> SimpleNamespace:
    """重庆发布 over 平安重庆 and 万州发布; 四川发布 apart; an administrator and a citizen (with an
    e-mail address that must never show)."""
    c = SimpleNamespace()
    c.cq = government(plaza, "cq_fabu", "重庆发布")
    c.police = government(plaza, "cq_police", "平安重庆", department_type="public_security",
                          agency="重庆市公安局", parent="cq_fabu")
    c.wanzhou = government(plaza, "wanzhou_fabu", "万州发布", region_code="500101", level="county",
                           agency="中共重庆市万州区委宣传部", parent="cq_fabu")
    c.sc = accounts.create(plaza.db, username="sc_fabu", display_name="四川发布", password=None,
                           home_city="510100", email="press@sc.example.org", kind="government",
                           government=GovernmentProfile("四川省人民政府新闻办公室", "510000", "provincial", "publicity"))
    c.admin = citizen(plaza, "plaza_admin", role="admin")
    c.li = citizen(plaza, "shancheng", "山城小李", email="li@example.org")
    for name in ("cq", "police", "wanzhou", "sc", "admin", "li"):
        setattr(c, name + "_h", bearer_for(plaza, getattr(c, name)))
    return c


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def create(client: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    return client.post(f"{API}/matrices", json=fields, headers=headers)


def test_anyone_reads_matrices_with_members_but_never_their_private_data(client, plaza) -> None:
    c = cast(plaza)
    made = ok(create(client, c.admin_h, name="川渝政务矩阵", kind="manual", usernames=["cq_fabu", "sc_fabu"],
                     description="川渝两地发布账号"))
    assert made["kind"] == "manual" and made["members_count"] == 2 and made["can_manage"] is True
    shown = ok(client.get(f"{API}/matrices/{made['id']}"))
    assert shown["can_manage"] is False and shown["following"] is None
    member = shown["members"][0]
    assert member["source"] == "hand"
    account = member["account"]
    assert set(account) == {"id", "username", "acct", "display_name", "url", "plaza"}
    assert account["plaza"]["agency"] and account["plaza"]["region"]["code"]
    assert "press@sc.example.org" not in str(shown) and "email" not in str(shown)
    listed = client.get(f"{API}/matrices")
    assert [m["name"] for m in ok(listed)] == ["川渝政务矩阵"]
    assert ok(client.get(f"{API}/matrices", params={"member": "sc_fabu"}))[0]["id"] == made["id"]
    assert ok(client.get(f"{API}/matrices", params={"member": "wanzhou_fabu"})) == []
    assert client.get(f"{API}/matrices/123").status_code == 404
    assert client.get(f"{API}/matrices/abc").status_code == 404
    missing = client.get(f"{API}/matrices/123?lang=en", headers={"Accept-Language": "en"})
    assert missing.json() == {"error": "Matrix not found"}


def test_matrices_page_newest_first_with_a_link_header(client, plaza) -> None:
    c = cast(plaza)
    ids = [ok(create(client, c.admin_h, name=f"矩阵{n}", kind="manual"))["id"] for n in range(3)]
    first = client.get(f"{API}/matrices", params={"limit": 2})
    assert [m["id"] for m in ok(first)] == ids[::-1][:2]
    assert 'rel="next"' in first.headers["link"]
    rest = client.get(f"{API}/matrices", params={"limit": 2, "max_id": ids[1]})
    assert [m["id"] for m in ok(rest)] == [ids[0]]
    assert client.get(f"{API}/matrices", params={"limit": "x"}).status_code == 422


def test_creating_needs_a_token_and_the_right_to_build_that_matrix(client, plaza) -> None:
    c = cast(plaza)
    assert client.post(f"{API}/matrices", json={"name": "x", "kind": "manual"}).status_code == 401
    refused = create(client, c.li_h, name="市民矩阵", kind="manual")
    assert refused.status_code == 403 and refused.json()["error"].startswith("只有管理员")
    assert create(client, c.cq_h, name="全市", kind="region", region_code="500000").status_code == 403
    assert create(client, c.cq_h, name="别人的树", kind="tree", root="sc_fabu").status_code == 403
    own = ok(create(client, c.cq_h, name="重庆发布矩阵", kind="tree", root="cq_fabu"))
    assert own["owner"]["username"] == "cq_fabu" and own["root"]["username"] == "cq_fabu"
    assert {m["account"]["username"] for m in own["members"]} == {"cq_fabu", "cq_police", "wanzhou_fabu"}
    region = ok(create(client, c.admin_h, name="重庆政务矩阵", kind="region", region_code="500000", owner="cq_fabu"))
    assert region["members_count"] == 3 and region["owner"]["username"] == "cq_fabu"
    line = ok(create(client, c.admin_h, name="重庆公安", kind="department", region_code="500000",
                     department_type="public_security"))
    assert [m["account"]["username"] for m in line["members"]] == ["cq_police"]
    read_only, _ = tokens.issue(plaza.db, c.admin.id, None, frozenset({"read"}))
    assert create(client, {"Authorization": f"Bearer {read_only}"}, name="只读", kind="manual").status_code == 403


def test_bad_matrices_are_refused_with_422_in_the_callers_language(client, plaza) -> None:
    c = cast(plaza)
    cases = [
        ({"name": "x", "kind": "galaxy"}, "matrix kind"),
        ({"name": "", "kind": "manual"}, "matrix name"),
        ({"name": "x", "kind": "region"}, "division code"),
        ({"name": "x", "kind": "region", "region_code": "999999"}, "999999"),
        ({"name": "x", "kind": "department", "department_type": "space"}, "department type"),
        ({"name": "x", "kind": "tree"}, "root account"),
        ({"name": "x", "kind": "tree", "root": "shancheng"}, "shancheng"),
        ({"name": "x", "kind": "manual", "usernames": ["cq_fabu", "shancheng"]}, "shancheng"),
    ]
    for fields, words in cases:
        response = client.post(f"{API}/matrices?lang=en", json=fields, headers=c.admin_h)
        assert response.status_code == 422, (fields, response.text)
        assert words in response.json()["error"], (fields, response.json())
    assert create(client, c.admin_h, name="x", kind="manual", usernames=["nobody"]).status_code == 404
    ok(create(client, c.admin_h, name="重庆政务矩阵", kind="manual"))
    taken = create(client, c.admin_h, name="重庆政务矩阵", kind="manual")
    assert taken.status_code == 422 and "重庆政务矩阵" in taken.json()["error"]


def test_members_are_added_and_removed_by_their_managers_only(client, plaza) -> None:
    c = cast(plaza)
    matrix = ok(create(client, c.cq_h, name="重庆发布矩阵", kind="manual", usernames=["cq_police"]))
    members = f"{API}/matrices/{matrix['id']}/members"
    added = ok(client.post(members, json={"usernames": ["wanzhou_fabu"]}, headers=c.cq_h))
    assert added["members_count"] == 2
    outside = client.post(members, json={"usernames": ["sc_fabu"]}, headers=c.cq_h)
    assert outside.status_code == 403  # not below 重庆发布 in the account tree
    citizen_member = client.post(members, json={"usernames": ["shancheng"]}, headers=c.admin_h)
    assert citizen_member.status_code == 422
    assert client.post(members, json={"usernames": ["sc_fabu"]}, headers=c.sc_h).status_code == 403
    assert client.post(members, json={}, headers=c.cq_h).status_code == 422
    assert client.post(members, json={"usernames": ["sc_fabu"]}).status_code == 401
    with_admin = ok(client.post(members, json={"account_ids": [str(c.sc.id)]}, headers=c.admin_h))
    assert with_admin["members_count"] == 3
    removed = client.request("DELETE", members, json={"usernames": ["cq_police"]}, headers=c.cq_h)
    assert ok(removed)["members_count"] == 2
    renamed = ok(client.put(f"{API}/matrices/{matrix['id']}", json={"description": "重庆联动"}, headers=c.cq_h))
    assert renamed["description"] == "重庆联动"
    assert client.put(f"{API}/matrices/{matrix['id']}", json={"name": "夺走"}, headers=c.sc_h).status_code == 403
    assert client.post(f"{API}/matrices/{matrix['id']}/sync", headers=c.cq_h).status_code == 422  # by hand
    assert client.delete(f"{API}/matrices/{matrix['id']}", headers=c.sc_h).status_code == 403
    assert ok(client.delete(f"{API}/matrices/{matrix['id']}", headers=c.cq_h)) == {}
    assert client.get(f"{API}/matrices/{matrix['id']}").status_code == 404


def test_sync_brings_new_accounts_of_the_region(client, plaza) -> None:
    c = cast(plaza)
    matrix = ok(create(client, c.admin_h, name="重庆政务矩阵", kind="region", region_code="500000"))
    jiangjin = government(plaza, "jiangjin_fabu", "江津发布", region_code="500116", level="county",
                          agency="中共重庆市江津区委宣传部")
    synced = ok(client.post(f"{API}/matrices/{matrix['id']}/sync", headers=c.admin_h))
    assert synced["added"] == [str(jiangjin.id)] and synced["removed"] == []
    assert synced["matrix"]["members_count"] == 4 and synced["matrix"]["synced_at"]


def test_a_citizen_follows_and_unfollows_a_whole_matrix(client, plaza) -> None:
    c = cast(plaza)
    matrix = ok(create(client, c.admin_h, name="重庆政务矩阵", kind="region", region_code="500000"))
    follow = f"{API}/matrices/{matrix['id']}/follow"
    assert client.post(follow).status_code == 401
    read_only, _ = tokens.issue(plaza.db, c.li.id, None, frozenset({"read"}))
    assert client.post(follow, headers={"Authorization": f"Bearer {read_only}"}).status_code == 403
    follows.follow(plaza.db, c.li.id, c.cq.id)
    first = ok(client.post(follow, headers=c.li_h))
    assert first == {"members": 3, "followed": 2, "already": 1, "remaining": 0}
    assert ok(client.post(follow, headers=c.li_h)) == {"members": 3, "followed": 0, "already": 3, "remaining": 0}
    assert ok(client.get(f"{API}/matrices/{matrix['id']}", headers=c.li_h))["following"] == 3
    assert accounts.get(plaza.db, c.li.id).following_count == 3
    assert ok(client.post(f"{API}/matrices/{matrix['id']}/unfollow", headers=c.li_h)) == {"unfollowed": 3}
    assert accounts.get(plaza.db, c.li.id).following_count == 0
    assert client.post(f"{API}/matrices/999/follow", headers=c.li_h).status_code == 404


def test_following_whole_matrices_is_rate_limited(client, plaza) -> None:
    c = cast(plaza)
    matrix = ok(create(client, c.admin_h, name="重庆政务矩阵", kind="region", region_code="500000"))
    plaza.limits = RateLimits(True, {"matrix_follow": "2/hour"})
    follow = f"{API}/matrices/{matrix['id']}/follow"
    assert client.post(follow, headers=c.li_h).status_code == 200
    assert client.post(f"{API}/matrices/{matrix['id']}/unfollow", headers=c.li_h).status_code == 200
    limited = client.post(follow, headers=c.li_h)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert client.post(follow, headers=c.sc_h).status_code == 200  # per account


def test_a_campaign_is_started_tracked_ended_and_deleted(client, plaza) -> None:
    c = cast(plaza)
    matrix = ok(create(client, c.cq_h, name="重庆发布矩阵", kind="tree", root="cq_fabu"))
    now = datetime.now(UTC)
    campaigns_url = f"{API}/matrices/{matrix['id']}/campaigns"
    fields = {"topic": "#一起守护这座城#", "title": "山火联动", "starts_at": (now - timedelta(hours=1)).isoformat(),
              "ends_at": (now + timedelta(days=3)).isoformat()}
    assert client.post(campaigns_url, json=fields).status_code == 401
    assert client.post(campaigns_url, json=fields, headers=c.sc_h).status_code == 403
    bad_time = client.post(campaigns_url, json={**fields, "ends_at": "next tuesday"}, headers=c.cq_h)
    assert bad_time.status_code == 422 and "next tuesday" in bad_time.json()["error"]
    backwards = client.post(campaigns_url, json={**fields, "ends_at": fields["starts_at"],
                                                 "starts_at": fields["ends_at"]}, headers=c.cq_h)
    assert backwards.status_code == 422
    started = ok(client.post(campaigns_url, json=fields, headers=c.cq_h))
    assert (started["topic"], started["title"], started["state"]) == ("一起守护这座城", "山火联动", "running")
    assert started["joined"] == [] and started["coverage"] == 0 and started["members_count"] == 3

    opening = post(plaza, c.cq, "#一起守护这座城# 【火情通报】北碚区山火")
    reposted = client.post(f"/api/v1/statuses/{opening}/reblog", headers=c.police_h)
    assert reposted.status_code == 200
    client.post(f"/api/v1/statuses/{opening}/reblog", headers=c.li_h)
    report = ok(client.get(f"{API}/campaigns/{started['id']}"))
    assert [(j["account"]["username"], j["first_kind"]) for j in report["joined"]] == [
        ("cq_fabu", "original"), ("cq_police", "repost")]
    assert report["joined_count"] == 2 and abs(report["coverage"] - 2 / 3) < 1e-3
    [reach] = report["propagation"]
    assert (reach["status_id"], reach["reposts"], reach["member_reposts"]) == (str(opening), 2, 1)
    assert [x["id"] for x in ok(client.get(campaigns_url))] == [started["id"]]

    assert client.post(f"{API}/campaigns/{started['id']}/end", headers=c.sc_h).status_code == 403
    ended = ok(client.post(f"{API}/campaigns/{started['id']}/end", headers=c.cq_h))
    assert ended["state"] == "ended" and ended["ended_early_at"]
    assert client.delete(f"{API}/campaigns/{started['id']}", headers=c.li_h).status_code == 403
    assert ok(client.delete(f"{API}/campaigns/{started['id']}", headers=c.admin_h)) == {}
    assert client.get(f"{API}/campaigns/{started['id']}").status_code == 404
    assert client.get(f"{API}/campaigns/nope").status_code == 404
