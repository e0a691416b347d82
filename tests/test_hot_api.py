"""Hot search through the interfaces: topics posted and read through the Mastodon API reach the
national list and the right city's list (Plaza's API), administrators pin, block and review,
and Mastodon's trends (and mastodon-py's ``trending_tags()``) serve the same list. Both database
backends; the memory engine, and the Redis engine where processes share the lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from plaza.app import create_app
from plaza.config import load_settings
from plaza.instance import Plaza
from plaza.square import accounts
from tests.hot_api_helpers import entries, post, square_activity, topics_of
from tests.hotsupport import bearer_for, redis_prefix_fixture, seasoned


def test_posts_and_reads_reach_the_national_list_and_their_own_citys_list(client, plaza) -> None:
    square_activity(client, plaza)
    assert entries(client) == []  # nothing is listed before a refresh
    plaza.hot.refresh()

    national = {e["topic"]: e for e in entries(client)}
    assert set(national) == {"重庆暴雨", "上海地铁"}
    rain = national["重庆暴雨"]
    assert rain["discussions"] == 3 and rain["reads"] >= 4  # 3 posts on the square page + 1 tag page
    assert rain["label"] == "新" and rain["heat"] > 0 and rain["rank"] in (1, 2)
    assert datetime.fromisoformat(rain["onboard_at"]) <= datetime.now(UTC)

    chongqing = client.get("/api/plaza/v1/hot", params={"city": "500000"}).json()
    assert chongqing["scope"] == "city" and chongqing["city"] == "500000"
    assert [e["topic"] for e in chongqing["entries"]] == ["重庆暴雨"]
    assert topics_of(client, "310000") == ["上海地铁"]
    # a county (渝中区) reads as its city's list
    assert client.get("/api/plaza/v1/hot", params={"city": "500103"}).json()["city"] == "500000"
    whole = client.get("/api/plaza/v1/hot").json()
    assert whole["scope"] == "national" and whole["city"] is None and whole["pinned"] is None
    assert whole["refreshed_at"].endswith("Z")


def test_a_bad_city_code_is_a_422_in_the_callers_language(client) -> None:
    for code in ("999999", "44000", "440000", "abcdef"):  # unknown, short, a province, letters
        response = client.get("/api/plaza/v1/hot", params={"city": code})
        assert response.status_code == 422, code
        assert "城市代码" in response.json()["error"]
    english = client.get("/api/plaza/v1/hot", params={"city": "999999"},
                         headers={"Accept-Language": "en"})
    assert english.status_code == 422
    assert english.json()["error"].startswith("City code 999999 is not valid")


def test_a_topic_shows_its_counters_rank_and_heat_curve(client, plaza) -> None:
    made = square_activity(client, plaza)
    first = made["rain"][0]
    liker = made["reader"]
    assert client.post(f"/api/v1/statuses/{first['id']}/favourite", headers=liker).status_code == 200
    assert client.post(f"/api/v1/statuses/{first['id']}/reblog", headers=made["sh"][0]).status_code == 200
    post(client, made["sh"][1], "注意安全", in_reply_to_id=first["id"])
    plaza.hot.refresh()

    topic = client.get("/api/plaza/v1/topics/重庆暴雨").json()
    assert topic["name"] == "重庆暴雨"
    assert topic["originals"] == 3
    assert topic["discussions"] == 4  # three originals and one repost
    assert topic["interactions"] == 3  # the like, the repost and the reply
    assert topic["participants"] == 6  # three authors, the liker, the reposter, the replier
    assert topic["reads"] >= 4
    assert topic["rank"] == 1 and topic["heat"] > 0
    assert topic["hosts"] == []
    assert [p["rank"] for p in topic["curve"]] == [1]
    plaza.hot.refresh()
    assert len(client.get("/api/plaza/v1/topics/%23重庆暴雨%23").json()["curve"]) == 2

    assert client.get("/api/plaza/v1/topics/从未出现").status_code == 404  # no post names it
    post(client, made["reader"], "#从未出现# 第一次有人提到")
    never = client.get("/api/plaza/v1/topics/从未出现").json()
    assert never["reads"] == 0 and never["rank"] is None and never["heat"] is None
    assert never["curve"] == []


def test_administrators_pin_block_and_review_and_citizens_may_not(client, plaza) -> None:
    made = square_activity(client, plaza)
    admin_row = seasoned(plaza, "hot_admin", "110000")
    accounts.set_flags(plaza.db, admin_row.id, role="admin")
    admin = bearer_for(plaza, admin_row)
    citizen = made["reader"]
    base = "/api/plaza/v1/admin/hot"

    for path in ("pin", "unpin", "block", "unblock", "review", "approve", "reject", "refresh"):
        refused = client.post(f"{base}/{path}", json={"topic": "重庆暴雨"}, headers=citizen)
        assert refused.status_code == 403, path
        assert refused.json()["error"] == "只有管理员和审核员可以管理热搜"
    assert client.get(base, headers=citizen).status_code == 403
    assert client.post(f"{base}/pin", json={"topic": "x"}).status_code == 401

    # Too long a note or topic is refused as on the web page, never cut short.
    long_note = client.post(f"{base}/pin", json={"topic": "#防汛通告#", "note": "汛" * 201}, headers=admin)
    assert long_note.status_code == 422 and "200" in long_note.json()["error"]
    long_topic = client.post(f"{base}/block", json={"topic": "长" * 101}, headers=admin)
    assert long_topic.status_code == 422 and "100" in long_topic.json()["error"]
    assert client.get("/api/plaza/v1/hot").json()["pinned"] is None
    pinned = client.post(f"{base}/pin", json={"topic": "#防汛通告#", "note": "市防汛办发布"},
                         headers=admin).json()
    assert pinned["pinned"] == [{"city": None, "topic": "防汛通告", "note": "市防汛办发布",
                                 "set_at": pinned["pinned"][0]["set_at"]}]
    blocked = client.post(f"{base}/block", json={"topic": "上海地铁"}, headers=admin).json()
    assert blocked["blocked_topics"] == ["上海地铁"]
    assert client.post(f"{base}/refresh", headers=admin).status_code == 200
    listed = client.get("/api/plaza/v1/hot").json()
    assert listed["pinned"]["topic"] == "防汛通告" and listed["pinned"]["note"] == "市防汛办发布"
    assert [e["topic"] for e in listed["entries"]] == ["重庆暴雨"]

    client.post(f"{base}/unblock", json={"topic": "上海地铁"}, headers=admin)
    client.post(f"{base}/block", json={"keyword": "暴雨"}, headers=admin)
    client.post(f"{base}/unpin", json={}, headers=admin)
    plaza.hot.refresh()
    listed = client.get("/api/plaza/v1/hot").json()
    assert listed["pinned"] is None and [e["topic"] for e in listed["entries"]] == ["上海地铁"]
    client.post(f"{base}/unblock", json={"keyword": "暴雨"}, headers=admin)

    # Review: a topic that would be listed waits until approved; a rejected one never shows.
    state = client.post(f"{base}/review", json={"enabled": True}, headers=admin).json()
    assert state["review"] is True
    client.post(f"{base}/refresh", headers=admin)
    assert topics_of(client) == []
    pending = client.get(base, headers=admin).json()["pending"]
    assert sorted(p["topic"] for p in pending) == ["上海地铁", "重庆暴雨"]
    client.post(f"{base}/approve", json={"topic": "重庆暴雨"}, headers=admin)
    client.post(f"{base}/reject", json={"topic": "上海地铁"}, headers=admin)
    plaza.hot.refresh()
    assert topics_of(client) == ["重庆暴雨"]
    state = client.post(f"{base}/review", json={"enabled": False}, headers=admin).json()
    assert state["review"] is False and state["rejected"] == ["上海地铁"]
    plaza.hot.refresh()
    assert topics_of(client) == ["重庆暴雨"]  # rejected stays off with review off
    missing = client.post(f"{base}/approve", json={}, headers=admin)
    assert missing.status_code == 422


def test_mastodon_trends_serve_the_national_list(client, plaza) -> None:
    made = square_activity(client, plaza)
    liked = made["rain"][1]
    for headers in made["sh"]:
        client.post(f"/api/v1/statuses/{liked['id']}/favourite", headers=headers)
    assert client.get("/api/v1/trends/tags").json() == []
    plaza.hot.refresh()

    tags = client.get("/api/v1/trends/tags").json()
    assert [t["name"] for t in tags] == topics_of(client)
    rain = next(t for t in tags if t["name"] == "重庆暴雨")
    assert rain["url"].endswith("/topics/%E9%87%8D%E5%BA%86%E6%9A%B4%E9%9B%A8")
    assert len(rain["history"]) == 7
    today = rain["history"][0]
    assert today == {"day": today["day"], "uses": "3", "accounts": "3"}
    assert int(today["day"]) % 86400 == 16 * 3600  # a Beijing midnight, in UTC seconds
    assert all(d["uses"] == "0" for d in rain["history"][1:])
    assert client.get("/api/v1/trends").json() == tags
    assert client.get("/api/v1/trends/tags", params={"limit": 1, "offset": 1}).json() == tags[1:2]
    assert client.get("/api/v1/trends/tags", params={"limit": 50}).status_code == 422

    shown = client.get("/api/v1/trends/statuses").json()
    assert shown[0]["id"] == liked["id"] and shown[0]["favourites_count"] == 3
    assert {s["id"] for s in shown} == {s["id"] for s in made["rain"] + made["metro"]}

    tag = client.get("/api/v1/tags/重庆暴雨").json()
    assert tag["history"][0]["uses"] == "3"


@pytest.mark.server
def test_mastodon_py_trending_tags_returns_plazas_trends(live_server) -> None:
    from mastodon import Mastodon

    plaza = live_server.plaza
    with httpx.Client(base_url=live_server.url) as http:
        for n in range(3):
            headers = bearer_for(plaza, seasoned(plaza, f"author{n}", "500000"))
            done = http.post("/api/v1/statuses", headers=headers,
                             json={"status": f"#一起守护这座城# 志愿者第{n}队出发"})
            assert done.status_code == 200, done.text
    plaza.hot.refresh()

    reader = Mastodon(api_base_url=live_server.url, version_check_mode="created")
    trending = reader.trending_tags()
    assert [t.name for t in trending] == ["一起守护这座城"]
    assert trending[0].history[0].uses in (3, "3")
    assert trending[0].url == f"{live_server.url}/topics/%E4%B8%80%E8%B5%B7%E5%AE%88%E6%8A%A4%E8%BF%99%E5%BA%A7%E5%9F%8E"


@pytest.fixture
def redis_plazas(database_url: str, tmp_path: Path) -> Iterator[tuple[Plaza, Plaza]]:
    """Two Plaza instances (as two server processes) on one database and one Redis prefix."""
    for url, prefix in redis_prefix_fixture():
        made = []
        for n in range(2):
            settings = load_settings(env={}, data_dir=tmp_path / f"data{n}", database_url=database_url,
                                     secret_key="test-secret", rate_limits=False, redis_url=url,
                                     redis_prefix=prefix)
            made.append(Plaza.from_settings(settings))
        try:
            yield made[0], made[1]
        finally:
            for instance in made:
                instance.db.dispose()


def test_with_redis_two_processes_serve_one_list(redis_plazas) -> None:
    first, second = redis_plazas
    with TestClient(create_app(plaza=first), base_url="http://127.0.0.1:8000") as one, \
            TestClient(create_app(plaza=second), base_url="http://127.0.0.1:8000") as two:
        assert first.hot.shared and second.hot.shared
        cq = [bearer_for(first, seasoned(first, f"cq{n}", "500000")) for n in range(3)]
        sh = [bearer_for(first, seasoned(first, f"sh{n}", "310000")) for n in range(3)]
        for headers in cq:  # half the traffic to each process
            post(one, headers, "#重庆暴雨# 道路积水", plaza_city="500000")
        for headers in sh:
            post(two, headers, "#上海地铁# 恢复运营", plaza_city="310000")
        first.hot.flush()
        second.hot.refresh()  # the second process refreshes with the first one's events

        assert sorted(topics_of(one)) == sorted(topics_of(two)) == ["上海地铁", "重庆暴雨"]
        assert topics_of(one, "500000") == topics_of(two, "500000") == ["重庆暴雨"]
        assert topics_of(two, "310000") == ["上海地铁"]
        assert one.get("/api/plaza/v1/topics/重庆暴雨").json()["originals"] == 3

        admin_row = seasoned(first, "hot_admin", "110000")
        accounts.set_flags(first.db, admin_row.id, role="moderator")
        moderator = bearer_for(first, admin_row)
        assert one.post("/api/plaza/v1/admin/hot/pin", headers=moderator,
                        json={"topic": "防汛通告", "city": "500000"}).status_code == 200
        two.post("/api/plaza/v1/admin/hot/refresh", headers=moderator)
        assert one.get("/api/plaza/v1/hot", params={"city": "500000"}).json()["pinned"]["topic"] == "防汛通告"
        assert one.get("/api/v1/trends/tags").json() == two.get("/api/v1/trends/tags").json()
