"""Hot search's history in the database: heat curves, time on the list, peak rank and half-life
outlive a restart; unchanged lists are stored once and old ones pruned; with Redis only the
process that refreshed stores; reads of single posts; administrators' actions with who took
them; and recounting the counters from the posts after the engine lost them. Both database
backends; the memory engine, and Redis where processes share the work."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import func, select

from plaza.cli import main
from plaza.hot import MemoryEngine, RedisEngine
from plaza.hot.curves import record_of
from plaza.hot.history import CITY_RETENTION_SECONDS, NATIONAL_RETENTION_SECONDS, HotHistory
from plaza.hot.lists import LIST_SIZE, HotEntry, HotSnapshot, scope_of
from plaza.hot.service import HotService
from plaza.instance import Plaza
from plaza.square import accounts, posts, views
from plaza.storage.schema import hot_lists
from tests.factories import post
from tests.hot_api_helpers import post as api_post
from tests.hotsupport import bearer_for, redis_prefix_fixture, seasoned

MINUTE = 60.0


class Clock:
    """A clock the test moves by hand (starting now: trust weights read account ages from it)."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def clocked(plaza: Plaza, clock: Clock, snapshot: Path | None = None) -> HotService:
    """A hot-search service on the test's database as a server process runs it (memory engine,
    snapshot file when given), driven by ``clock``."""
    def engine() -> MemoryEngine:
        return MemoryEngine(clock=clock, snapshot_path=snapshot, background_saves=False)

    return HotService(plaza.db, engine, shared=False, clock=clock)


def view(plaza: Plaza, status_id: int) -> views.StatusView:
    return views.load(plaza.db, [status_id], None)[0]


def originals(plaza: Plaza, service: HotService, topic: str, authors: list[Any],
              city: str = "500000") -> list[int]:
    made = []
    for author in authors:
        status_id = post(plaza, author, f"#{topic}# 现场情况", city=city)
        service.posted(view(plaza, status_id), author)
        made.append(status_id)
    return made


def stored_rows(plaza: Plaza, list_key: str | None = None) -> int:
    query = select(func.count()).select_from(hot_lists)
    if list_key is not None:
        query = query.where(hot_lists.c.list_key == list_key)
    with plaza.db.read() as conn:
        return int(conn.execute(query).scalar_one())


def snapshot(city: str | None, at: float, entries: list[tuple[str, int]]) -> HotSnapshot:
    return HotSnapshot(scope_of(city), city, at, tuple(
        HotEntry(rank, topic, heat, None, at, 0, 0) for rank, (topic, heat) in enumerate(entries, 1)))


# --- curves and records across restarts -----------------------------------------------------


def test_a_heat_curve_survives_a_restart_of_the_service(plaza) -> None:
    clock = Clock()
    first = clocked(plaza, clock)
    originals(plaza, first, "重庆暴雨", [seasoned(plaza, f"cq{n}") for n in range(3)])
    start = clock.now
    for _ in range(4):
        first.refresh()
        clock.advance(5 * MINUTE)
    before = first.curve("#重庆暴雨#")
    assert [p.at for p in before] == [start + k * 5 * MINUTE for k in range(4)]
    assert all(p.rank == 1 for p in before) and before[0].heat > before[-1].heat  # it cools down

    restarted = clocked(plaza, clock)  # a new process: its engine knows nothing yet
    assert restarted.hot_list(None) is None
    assert restarted.curve("重庆暴雨") == before
    assert restarted.curve("重庆暴雨", since=start + 1, until=start + 10 * MINUTE) == before[1:3]
    assert restarted.topic("重庆暴雨").curve == tuple(before)
    assert restarted.curve("重庆暴雨", city="500000") == first.curve("重庆暴雨", city="500000")
    assert restarted.curve("重庆暴雨", city="500000")[0].at == start
    assert restarted.curve("无人问津") == []


def test_time_on_list_peak_rank_and_half_life_carry_across_a_restart(plaza, tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "hot.snapshot"
    first = clocked(plaza, clock, path)
    authors = [seasoned(plaza, f"a{n}") for n in range(5)]
    originals(plaza, first, "上海地铁", authors[:1], city="310000")
    first.refresh()
    start = clock.now
    originals(plaza, first, "重庆暴雨", authors, city="500000")  # overtakes 上海地铁
    for _ in range(5):
        clock.advance(5 * MINUTE)
        first.refresh()
    first.save()
    clock.advance(10 * MINUTE)  # the server is down for ten minutes

    second = clocked(plaza, clock, path)  # restarted from the snapshot file
    for _ in range(16):
        second.refresh()
        clock.advance(5 * MINUTE)

    rain = second.topic_record("重庆暴雨")
    assert rain is not None and rain.city is None
    curve = second.curve("重庆暴雨")
    peak = max(curve, key=lambda p: p.heat)
    halved = next(p for p in curve if p.at > peak.at and p.heat * 2 <= peak.heat)
    left = next(s.refreshed_at for s in second.store.lists(None) if s.refreshed_at > curve[-1].at)
    assert (rain.first_onboard_at, rain.peak_rank, rain.peak_heat) == (start + 5 * MINUTE, 1, peak.heat)
    assert rain.half_life == halved.at - peak.at
    assert rain.last_seen_at == curve[-1].at
    assert rain.seconds_on_list == left - rain.first_onboard_at  # listed until the list without it
    assert second.topic_record("重庆暴雨") == record_of(second.store.lists(None), "重庆暴雨")

    metro = second.topic_record("上海地铁")
    assert metro is not None and metro.peak_rank == 1 and metro.first_onboard_at == start
    assert metro.peak_at == start  # its first refresh, before it was overtaken
    city = second.topic_record("上海地铁", "310000")
    assert city == record_of(second.store.lists("310000"), "上海地铁", "310000")
    assert second.topic_record("上海地铁", "110000") is None

    report = second.topic("重庆暴雨")
    assert (report.peak_rank, report.seconds_on_list, report.half_life) == (1, rain.seconds_on_list,
                                                                            rain.half_life)


def test_a_record_counts_refreshes_not_stored_yet(plaza) -> None:
    clock = Clock()
    service = clocked(plaza, clock)
    originals(plaza, service, "重庆暴雨", [seasoned(plaza, f"cq{n}") for n in range(3)])
    start = clock.now
    service.refresh()
    clock.advance(MINUTE)
    service.refresh()  # the city's list barely changed: not stored again
    record = service.topic_record("重庆暴雨", "500000")
    assert record is not None and record.seconds_on_list == MINUTE
    assert record.last_seen_at == start + MINUTE
    stored = service.store.topic_record("重庆暴雨", "500000")
    assert stored is not None and stored.seconds_on_list == 0.0


def test_records_follow_the_rules_of_the_curves_for_full_lists(plaza) -> None:
    """A topic that falls off a full list whose last entry is at most half its peak has reached
    its half-life; off a list that is not full, nobody knows yet."""
    history = HotHistory(plaza.db)
    t0 = 1_800_000_000.0
    filler = [(f"填充{n}", 300) for n in range(LIST_SIZE - 1)]
    sequence = [
        snapshot(None, t0, [("暴雨", 1000), *filler]),
        snapshot(None, t0 + 60, [("暴雨", 800), *filler]),
        snapshot(None, t0 + 120, [*filler, ("新话题", 290)]),  # full, last 290 ≤ 1000 / 2
        snapshot(None, t0 + 180, [("暴雨", 700), *filler]),  # back, below its peak
    ]
    city = [
        snapshot("500000", t0, [("地铁", 100)]),
        snapshot("500000", t0 + 60, [("别的", 90)]),  # not full: 地铁's half-life is unknown yet
        snapshot("500000", t0 + 120, [(f"小事{n}", 40) for n in range(LIST_SIZE)]),  # now it is
    ]
    for n, lists in enumerate(zip(sequence, city + [None], strict=True)):
        history.record([s for s in lists if s is not None])
        assert history.topic_record("暴雨") == record_of(sequence[:n + 1], "暴雨")
    record = history.topic_record("暴雨")
    assert record is not None
    assert (record.peak_heat, record.peak_at, record.half_life) == (1000, t0, 120.0)
    assert record.seconds_on_list == 120.0  # t0 → t0+120; back at t0+180, which counts nothing yet
    assert record.last_seen_at == t0 + 180
    assert history.topic_record("新话题").seconds_on_list == 60.0  # type: ignore[union-attr]
    stored = history.lists("500000")
    for topic in ("地铁", "别的"):
        assert history.topic_record(topic, "500000") == record_of(stored, topic, "500000")
    metro = history.topic_record("地铁", "500000")
    assert metro is not None and (metro.seconds_on_list, metro.half_life) == (60.0, 120.0)
    assert [len(s.entries) for s in stored] == [1, 1, LIST_SIZE, 0]  # the vanished list, once


# --- what is stored, and for how long -------------------------------------------------------


def test_unchanged_lists_are_not_stored_twice_and_city_lists_tolerate_small_drifts(plaza) -> None:
    clock = Clock()
    service = clocked(plaza, clock)
    originals(plaza, service, "重庆暴雨", [seasoned(plaza, f"cq{n}") for n in range(3)])
    service.refresh()
    assert (stored_rows(plaza, "national"), stored_rows(plaza, "500000")) == (1, 1)
    service.refresh()  # the same moment: nothing changed
    assert stored_rows(plaza) == 2

    clock.advance(MINUTE)  # heat cools a little: the national list stores every change
    service.refresh()
    assert (stored_rows(plaza, "national"), stored_rows(plaza, "500000")) == (2, 1)
    clock.advance(10 * MINUTE)  # a city's list is stored again once a heat moved by 5 %
    service.refresh()
    assert (stored_rows(plaza, "national"), stored_rows(plaza, "500000")) == (3, 2)

    heats = [s.entries[0].heat for s in service.store.lists("500000")]
    assert heats[1] < heats[0] * 0.95


def test_old_lists_are_pruned_but_a_lists_newest_is_kept(plaza) -> None:
    history = HotHistory(plaza.db)
    t0 = 1_800_000_000.0
    day = 86400.0
    for d in range(40):
        history.record([
            snapshot(None, t0 + d * day, [("全国", 1000 + d)]),
            snapshot("500000", t0 + d * day, [("重庆", 1000 if d % 2 else 500)]),
            snapshot("310000", t0 + d * day, [("上海", 100)]),  # never changes: stored once
        ])
    last = t0 + 39 * day
    national = [s.refreshed_at for s in history.lists(None)]
    assert national == [t0 + d * day for d in range(40) if t0 + d * day >= last - NATIONAL_RETENTION_SECONDS]
    chongqing = [s.refreshed_at for s in history.lists("500000")]
    assert chongqing == [t0 + d * day for d in range(40) if t0 + d * day >= last - CITY_RETENTION_SECONDS]
    assert [s.refreshed_at for s in history.lists("310000")] == [t0]  # the newest of its list
    # records outlive the lists they came from
    assert history.topic_record("重庆", "500000").first_onboard_at == t0  # type: ignore[union-attr]
    assert history.topic_record("重庆", "500000").seconds_on_list == 39 * day  # type: ignore[union-attr]


def test_a_failed_history_write_is_logged_and_retried(plaza, caplog) -> None:
    clock = Clock()
    service = clocked(plaza, clock)
    originals(plaza, service, "重庆暴雨", [seasoned(plaza, f"cq{n}") for n in range(3)])
    real, service.store = service.store, HotHistory(None)  # type: ignore[arg-type]
    lists = service.refresh()  # the refresh itself goes through
    assert lists[0].topics() == ["重庆暴雨"]
    assert "hot search history could not be written" in caplog.text
    service.store = real
    assert service.write_history() == 2  # national and Chongqing's, at the next chance
    assert service.curve("重庆暴雨")[0].at == clock.now


@pytest.fixture
def redis_url_prefix(plaza: Plaza) -> Iterator[tuple[str, str]]:
    yield from redis_prefix_fixture()


def test_with_redis_only_the_process_that_refreshed_stores_the_lists(plaza, redis_url_prefix) -> None:
    url, prefix = redis_url_prefix
    settings = replace(plaza.settings, redis_url=url, redis_prefix=prefix)
    one = HotService.from_settings(settings, plaza.db)
    two = HotService.from_settings(settings, plaza.db)
    originals(plaza, one, "重庆暴雨", [seasoned(plaza, f"cq{n}") for n in range(3)])
    now = time.time()
    one.refresh(now=now)
    assert stored_rows(plaza, "national") == 1

    client = redis.Redis.from_url(url)
    client.set(prefix + "lock", "another process", px=10_000)  # someone else is refreshing
    try:
        served = two.refresh(now=now + MINUTE)  # it serves that process's lists, stores nothing
    finally:
        client.delete(prefix + "lock")
        client.close()
    assert served[0].refreshed_at == now
    assert stored_rows(plaza, "national") == 1

    two.refresh(now=now + 2 * MINUTE)
    assert [s.refreshed_at for s in one.store.lists(None)] == [now, now + 2 * MINUTE]
    assert [p.at for p in one.curve("重庆暴雨")] == [now, now + 2 * MINUTE]
    record = two.topic_record("重庆暴雨")
    assert record is not None and record.seconds_on_list == 2 * MINUTE


# --- reads of single posts ------------------------------------------------------------------


def _reads_of_posts(plaza: Plaza, service: HotService) -> dict[str, int]:
    author, fan, reader = (seasoned(plaza, name) for name in ("author", "fan", "reader"))
    original = post(plaza, author, "#重庆暴雨# 道路积水")
    plain = post(plaza, author, "今天天气不错")  # no topic: not counted
    repost = posts.reblog(plaza.db, fan, original)
    page = views.load(plaza.db, [repost, plain, original], None)
    service.displayed(page, reader)
    service.displayed(page[:1], None)
    assert service.post_reads([original]) == {}  # still in the recorder's buffer
    service.flush()
    return {"original": original, "plain": plain, "repost": repost}


def test_reads_of_each_post_count_and_survive_a_snapshot_reload(plaza, tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "hot.snapshot"
    service = clocked(plaza, clock, path)
    made = _reads_of_posts(plaza, service)
    ids = [made["original"], made["plain"], made["repost"]]
    assert service.post_reads(ids) == {made["original"]: 3}  # a repost's display reads the original
    service.save()
    assert clocked(plaza, clock, path).post_reads(ids) == {made["original"]: 3}


def test_reads_of_posts_are_kept_for_a_month_of_the_posts_life(plaza) -> None:
    clock = Clock()
    service = clocked(plaza, clock)
    author = seasoned(plaza, "author")
    old = posts.create(plaza.db, author, posts.NewStatus(text="#旧闻# 去年的事"),
                       created_at=datetime.now(UTC) - timedelta(days=31))
    new = post(plaza, author, "#新闻# 今天的事")
    service.displayed(views.load(plaza.db, [old, new], None), None)
    service.flush()
    assert service.post_reads([old, new]) == {old: 1, new: 1}
    clock.advance(3601)
    service.refresh()
    assert service.post_reads([old, new]) == {new: 1}


def test_with_redis_reads_of_posts_are_shared(plaza, redis_url_prefix) -> None:
    url, prefix = redis_url_prefix
    settings = replace(plaza.settings, redis_url=url, redis_prefix=prefix)
    one = HotService.from_settings(settings, plaza.db)
    made = _reads_of_posts(plaza, one)
    two = HotService.from_settings(settings, plaza.db)
    assert two.post_reads([made["original"], made["plain"]]) == {made["original"]: 3}
    client = redis.Redis.from_url(url)
    try:
        ttl = max(client.ttl(k) for k in client.scan_iter(match=prefix + "pr:*"))
    finally:
        client.close()
    assert 30 * 86400 <= ttl <= 31 * 86400


# --- administrators' actions ----------------------------------------------------------------


def test_every_control_is_logged_with_who_took_it(plaza) -> None:
    service = plaza.hot
    admin = seasoned(plaza, "duty_admin")
    service.pin("#防汛通告#", "市防汛办发布", "500000", by=admin.id)
    service.block_topic("谣言", by=admin.id)
    service.block_keyword("赌博", by=admin.id)
    service.set_review(True, by=admin.id)
    service.approve("重庆暴雨", by=admin.id)
    service.reject("上海地铁", by=admin.id)
    service.set_review(False, by=admin.id)
    service.unblock_keyword("赌博", by=admin.id)
    service.unblock_topic("谣言", by=admin.id)
    service.unpin("500000", by=admin.id)
    service.refresh(by=admin.id)
    service.refresh()  # the background task's refreshes are not administrators' actions
    logged = service.admin_history()
    assert [a.action for a in logged] == [
        "refresh", "unpin", "unblock_topic", "unblock_keyword", "review_off", "reject", "approve",
        "review_on", "block_keyword", "block_topic", "pin"]
    assert {a.account_id for a in logged} == {admin.id}
    pin = logged[-1]
    assert (pin.topic, pin.city, pin.note) == ("防汛通告", "500000", "市防汛办发布")
    assert abs(pin.at - time.time()) < 60
    assert [a.action for a in service.admin_history(limit=2, before=logged[1].id)] == [
        "unblock_topic", "unblock_keyword"]


def test_the_history_endpoint_is_for_managers_and_pages_like_mastodon(client, plaza) -> None:
    admin_row = seasoned(plaza, "hot_admin", "110000")
    accounts.set_flags(plaza.db, admin_row.id, role="moderator")
    admin = bearer_for(plaza, admin_row)
    citizen = bearer_for(plaza, seasoned(plaza, "citizen"))
    base = "/api/plaza/v1/admin/hot"
    api_post(client, citizen, "#重庆暴雨# 道路积水")
    assert client.post(f"{base}/pin", json={"topic": "#重庆暴雨#", "note": "注意安全", "city": "500000"},
                       headers=admin).status_code == 200
    client.post(f"{base}/block", json={"keyword": "赌博"}, headers=admin)
    client.post(f"{base}/refresh", headers=admin)

    assert client.get(f"{base}/history").status_code == 401
    refused = client.get(f"{base}/history", headers=citizen)
    assert refused.status_code == 403 and refused.json()["error"] == "只有管理员和审核员可以管理热搜"

    page = client.get(f"{base}/history", params={"limit": 2}, headers=admin)
    assert page.status_code == 200
    assert [a["action"] for a in page.json()] == ["refresh", "block_keyword"]
    assert page.json()[1]["keyword"] == "赌博" and page.json()[1]["topic"] is None
    assert page.json()[0]["account"] == {"id": str(admin_row.id), "username": "hot_admin",
                                         "display_name": "hot_admin"}
    assert 'rel="next"' in page.headers["link"]
    following = client.get(f"{base}/history",
                           params={"limit": 2, "max_id": page.json()[-1]["id"]}, headers=admin).json()
    assert [(a["action"], a["topic"], a["city"], a["note"]) for a in following] == [
        ("pin", "重庆暴雨", "500000", "注意安全")]
    assert client.get(f"{base}/history", params={"limit": "many"}, headers=admin).status_code == 422


# --- rebuilding the counters ----------------------------------------------------------------


def _square(client: Any, plaza: Plaza) -> None:
    """Originals, a reply, a repost and likes through the API (the hooks count them), and a
    followers-only post that hot search never counts."""
    people = [bearer_for(plaza, seasoned(plaza, f"p{n}")) for n in range(4)]
    first = api_post(client, people[0], "#重庆暴雨# 道路积水")
    api_post(client, people[1], "#重庆暴雨# #解放碑# 人很多")
    api_post(client, people[2], "收到 #防汛#", in_reply_to_id=first["id"])
    api_post(client, people[3], "#重庆暴雨# 只给关注者看", visibility="private")
    assert client.post(f"/api/v1/statuses/{first['id']}/reblog", headers=people[3]).status_code == 200
    assert client.post(f"/api/v1/statuses/{first['id']}/favourite", headers=people[1]).status_code == 200
    assert client.post(f"/api/v1/statuses/{first['id']}/favourite", headers=people[2]).status_code == 200
    assert client.get("/api/v1/timelines/public").status_code == 200


TOPICS = ("重庆暴雨", "解放碑", "防汛")


def _counters(service: HotService) -> dict[str, tuple[int, int, int, int, int]]:
    found = {}
    for topic in TOPICS:
        s = service.engine.topic_stats(topic)
        found[topic] = (s.originals, s.discussions, s.interactions, s.participants,
                        service.history(topic)[0].uses)
    return found


def test_rebuild_restores_what_the_posts_tell_after_the_state_was_lost(client, plaza, tmp_path) -> None:
    _square(client, plaza)
    plaza.hot.flush()
    live = _counters(plaza.hot)
    assert live["重庆暴雨"] == (2, 3, 4, 4, 3)  # 2 originals + 1 repost; reply, repost, 2 likes

    clock = Clock()
    lost = clocked(plaza, clock)  # the snapshot is gone: a fresh engine
    lost.topic_viewed("重庆暴雨", None)
    lost.flush()
    assert _counters(lost)["重庆暴雨"] == (0, 0, 0, 0, 0)
    counted, read_posts, likes = lost.rebuild()
    assert (read_posts, likes) == (4, 2)  # the followers-only post does not count
    assert _counters(lost) == live
    assert lost.engine.topic_stats("重庆暴雨").reads == 1  # reads are kept as they were
    assert counted.topics() == set(TOPICS)


def test_the_rebuild_command_writes_the_memory_snapshot(client, plaza, database_url) -> None:
    _square(client, plaza)
    plaza.hot.flush()
    live = _counters(plaza.hot)
    env = {"PLAZA_DATA_DIR": str(plaza.settings.data_dir), "PLAZA_DATABASE_URL": database_url,
           "PLAZA_LOCALE": "en"}
    result = CliRunner().invoke(main, ["hot", "rebuild"], env=env)
    assert result.exit_code == 0, result.output
    assert "Recounted 3 topics from 4 posts and 2 likes" in result.output
    assert "Reads (per topic and per post), searches and heat cannot be recovered" in result.output
    assert _counters(HotService.from_settings(plaza.settings, plaza.db, persist=False)) == live
    helped = CliRunner().invoke(main, ["hot", "rebuild", "--help"], env=env)
    assert "stop the server first" in helped.output and "Cannot be restored" in helped.output


def test_with_redis_rebuild_replaces_the_shared_counters(client, plaza, redis_url_prefix) -> None:
    _square(client, plaza)
    plaza.hot.flush()
    live = _counters(plaza.hot)
    url, prefix = redis_url_prefix
    shared = HotService.from_settings(replace(plaza.settings, redis_url=url, redis_prefix=prefix),
                                      plaza.db)
    assert isinstance(shared.engine, RedisEngine)
    shared.searched("重庆暴雨", None)
    ghost = seasoned(plaza, "ghost")
    gone = post(plaza, ghost, "#幽灵话题# 马上删掉")
    shared.posted(view(plaza, gone), ghost)
    shared.flush()
    assert shared.engine.topic_stats("幽灵话题").originals == 1
    posts.delete_status(plaza.db, ghost, gone)  # counted live, then deleted: the recount drops it
    shared.rebuild()
    assert _counters(shared) == live
    assert shared.engine.topic_stats("重庆暴雨").searches == 1  # searches are kept
    assert shared.engine.topic_stats("幽灵话题").originals == 0
    assert shared.engine.topic_stats("幽灵话题").participants == 0


def test_carrying_a_record_forward_agrees_with_the_whole_story() -> None:
    """``advance`` folded over rankings gives what the curve functions compute over all of them."""
    import random

    from plaza.hot.curves import half_life, heat_curve, peak_rank, time_on_list

    rng = random.Random(7)
    topics = ["甲", "乙", "丙"]
    for _ in range(200):
        at, story = 1_800_000_000.0, []
        for _step in range(rng.randint(1, 12)):
            at += rng.choice((60.0, 120.0, 600.0))
            listed = [t for t in topics if rng.random() < 0.6]
            rng.shuffle(listed)
            size = LIST_SIZE if rng.random() < 0.3 else len(listed)
            heats = sorted((rng.randint(1, 1000) for _ in range(size)), reverse=True)
            names = listed + [f"填充{n}" for n in range(size - len(listed))]
            story.append(snapshot(None, at, list(zip(names, heats, strict=True))))
        for topic in topics:
            record = record_of(story, topic)
            curve = heat_curve(story, topic)
            if not curve:
                assert record is None
                continue
            assert record is not None
            assert record.first_onboard_at == curve[0].at and record.last_seen_at == curve[-1].at
            assert record.seconds_on_list == time_on_list(story, topic)
            assert record.peak_rank == peak_rank(story, topic)
            assert record.peak_heat == max(p.heat for p in curve)
            assert record.half_life == half_life(story, topic)
