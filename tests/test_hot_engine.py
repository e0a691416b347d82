"""Specification of hot search (热搜 / 同城热搜) as its users see it, on both engines.

Every test runs on the in-memory engine and on the Redis engine (a private key prefix per test,
deleted afterwards). The Redis variant is skipped when Redis is unreachable, unless
``PLAZA_TEST_REDIS=required`` (CI), which makes that a failure. Time is a controllable clock:
nothing sleeps.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from plaza.hot import HotEngine, MemoryEngine, Recorder, RedisEngine
from plaza.hot.heat import BOIL, BOOM, HOT, NEW, NEW_SECONDS
from plaza.hot.lists import LIST_SIZE, HotEntry, HotSnapshot
from plaza.hot.trust import TrustInputs, trust_weight

REDIS_URL = os.environ.get("PLAZA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_REQUIRED = os.environ.get("PLAZA_TEST_REDIS", "").lower() == "required"

START = 1_800_000_000.0  # 2027-01-15, a fixed instant: tests never read the real clock
CHONGQING, SHANGHAI, CHENGDU = "500000", "310000", "510100"

TRUSTED = trust_weight(TrustInputs(age_days=400, active_days_30=20))
FRESH = trust_weight(TrustInputs(age_days=1))


def _redis_problem() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


@dataclass
class Clock:
    now: float = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@dataclass
class Hot:
    """A test's engines: ``new()`` makes an independent one, ``another_process(e)`` a second
    instance on the same store (Redis only)."""

    kind: str
    clock: Clock
    tmp: Path
    prefixes: list[str] = field(default_factory=list)
    made: list[HotEngine] = field(default_factory=list)

    def new(self) -> HotEngine:
        if self.kind == "memory":
            engine: HotEngine = MemoryEngine(clock=self.clock)
        else:
            prefix = f"plaza:test:{os.getpid()}:{uuid.uuid4().hex[:12]}:"
            self.prefixes.append(prefix)
            engine = RedisEngine(REDIS_URL, prefix=prefix, clock=self.clock)
        self.made.append(engine)
        return engine

    def another_process(self, engine: HotEngine) -> RedisEngine:
        assert isinstance(engine, RedisEngine)
        return RedisEngine(REDIS_URL, prefix=engine.prefix, clock=self.clock)


def _engines(kind: str, tmp_path: Path) -> Iterator[Hot]:
    if kind == "redis":
        problem = _redis_problem()
        if problem is not None:
            if REDIS_REQUIRED:
                pytest.fail(f"Redis is required but not reachable at {REDIS_URL}: {problem}")
            pytest.skip(f"Redis not reachable at {REDIS_URL}: {problem}")
    box = Hot(kind, Clock(), tmp_path)
    yield box
    for engine in box.made:
        if isinstance(engine, RedisEngine):
            engine.clear()


@pytest.fixture(params=["memory", "redis"])
def hot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hot]:
    """Both engines."""
    yield from _engines(request.param, tmp_path)


@pytest.fixture
def redis_hot(tmp_path: Path) -> Iterator[Hot]:
    """The Redis engine only: what several processes share."""
    yield from _engines("redis", tmp_path)


def step(
    engine: HotEngine, recorder: Recorder, clock: Clock, seconds: float = 60
) -> list[HotSnapshot]:
    """Flush what was recorded, let time pass, refresh."""
    recorder.flush()
    clock.advance(seconds)
    return engine.refresh()


def listed(engine: HotEngine, city: str | None = None) -> list[str]:
    """The topics of a published list, best first ([] when there is none)."""
    snap = engine.hot_list(city)
    return snap.topics() if snap else []


def national(engine: HotEngine) -> list[str]:
    return listed(engine)


def entry(snap: HotSnapshot, topic: str) -> HotEntry:
    found = snap.entry(topic)
    assert found is not None, f"{topic} is not on the list"
    return found


def rank_of(engine: HotEngine, topic: str, city: str | None = None) -> int | None:
    snap = engine.hot_list(city)
    entry = snap.entry(topic) if snap else None
    return entry.rank if entry else None


def posts(
    rec: Recorder, topic: str, accounts: range, city: str | None, trust: float, times: int = 1
) -> None:
    """Each account posts ``times`` originals carrying the topic; each post is shown to 20
    trusted readers in their timelines."""
    for account in accounts:
        for _ in range(times):
            rec.original([topic], account, city, trust=trust)
            for reader in range(20):
                rec.read((topic,), 9_000_000 + reader, city, trust=TRUSTED)


# --- manipulation resistance ----------------------------------------------------------------


def test_burst_from_100_trusted_accounts_outranks_1000_posts_from_10_accounts(hot: Hot) -> None:
    engine = hot.new()
    rec = engine.recorder()
    for minute in range(10):
        posts(rec, "一起守护这座城", range(minute * 10, minute * 10 + 10), CHONGQING, TRUSTED)
        posts(rec, "刷榜话题", range(10_000, 10_010), CHONGQING, TRUSTED, times=10)
        step(engine, rec, hot.clock)
    assert engine.topic_stats("刷榜话题").discussions == 1000
    assert engine.topic_stats("一起守护这座城").discussions == 100
    assert national(engine)[:2] == ["一起守护这座城", "刷榜话题"]
    assert rank_of(engine, "一起守护这座城", CHONGQING) == 1


def test_farm_of_1000_fresh_accounts_cannot_enter_top_10_over_organic_topics(hot: Hot) -> None:
    engine = hot.new()
    rec = engine.recorder()
    organic = [f"民生话题{i}" for i in range(12)]
    farm = range(500_000, 501_000)
    for minute in range(30):
        for i, topic in enumerate(organic):
            # 50 distinct trusted participants per topic over the half hour (some minutes two)
            first = 100_000 * (i + 1)
            accounts = range(first + minute * 50 // 30, first + (minute + 1) * 50 // 30)
            posts(rec, topic, accounts, CHENGDU, TRUSTED)
        for account in farm:  # every fresh account posts, likes, searches and reads every minute
            rec.original(["买粉刷榜"], account, CHENGDU, trust=FRESH)
            rec.like(["买粉刷榜"], account, CHENGDU, trust=FRESH)
            rec.search("买粉刷榜", account, CHENGDU, trust=FRESH)
            rec.read(("买粉刷榜",) * 20, account, CHENGDU, trust=FRESH)
        step(engine, rec, hot.clock)
    stats = engine.topic_stats("买粉刷榜")
    assert stats.originals == 30_000 and stats.interactions == 30_000
    top10 = national(engine)[:10]
    assert "买粉刷榜" not in top10
    assert set(top10) <= set(organic)
    city = engine.hot_list(CHENGDU)
    assert city is not None and "买粉刷榜" not in city.topics()[:10]


def test_always_large_topic_sinks_below_a_fresh_surge_of_the_same_size_within_an_hour(
    hot: Hot,
) -> None:
    engine = hot.new()
    rec = engine.recorder()
    account = iter(range(1, 10**9))

    def five_minutes(topics: list[str]) -> None:
        for topic in topics:  # 10 new trusted accounts every 5 minutes, for each topic
            for _ in range(10):
                rec.original([topic], next(account), SHANGHAI, trust=TRUSTED)
        step(engine, rec, hot.clock, 300)

    for _ in range(48 * 12):  # two days of the same steady activity
        five_minutes(["天天都在的话题"])
    assert national(engine) == ["天天都在的话题"]
    ranks = []
    for _ in range(12):
        five_minutes(["天天都在的话题", "突发新话题"])
        ranks.append(national(engine))
    assert ranks[1] == ["天天都在的话题", "突发新话题"]  # ten minutes in, not yet
    assert ranks[-1] == ["突发新话题", "天天都在的话题"]  # within the hour, the surge leads


def test_a_city_list_is_untouched_by_activity_in_other_cities(hot: Hot) -> None:
    busy, quiet = hot.new(), hot.new()
    busy_rec, quiet_rec = busy.recorder(), quiet.recorder()
    for minute in range(5):
        for rec in (busy_rec, quiet_rec):
            posts(rec, "重庆山火", range(minute * 20, minute * 20 + 20), CHONGQING, TRUSTED)
            posts(
                rec, "重庆交通", range(5000 + minute * 5, 5000 + minute * 5 + 5), CHONGQING, TRUSTED
            )
        # elsewhere: the same topic and others, far busier, and activity with no city
        posts(
            busy_rec,
            "重庆交通",
            range(100_000 + minute * 200, 100_000 + minute * 200 + 200),
            SHANGHAI,
            TRUSTED,
        )
        posts(
            busy_rec,
            "上海台风",
            range(200_000 + minute * 300, 200_000 + minute * 300 + 300),
            SHANGHAI,
            TRUSTED,
        )
        posts(
            busy_rec,
            "全国新闻",
            range(300_000 + minute * 400, 300_000 + minute * 400 + 400),
            None,
            TRUSTED,
        )
        busy_rec.flush()
        quiet_rec.flush()
        hot.clock.advance(60)
        busy.refresh()
        quiet.refresh()

    def shape(snap: HotSnapshot | None) -> list[tuple[int, str, int, str | None, float]]:
        assert snap is not None
        return [(e.rank, e.topic, e.heat, e.label, e.onboard_at) for e in snap.entries]

    assert shape(busy.hot_list(CHONGQING)) == shape(quiet.hot_list(CHONGQING))
    assert shape(busy.hot_list(CHONGQING))[0][1] == "重庆山火"
    assert listed(busy, SHANGHAI) == ["上海台风", "重庆交通"]
    assert national(busy)[:2] == ["全国新闻", "上海台风"]
    assert quiet.hot_list(SHANGHAI) is None


def test_two_processes_on_one_redis_fed_halves_of_the_traffic_publish_one_list(
    redis_hot: Hot,
) -> None:
    first = redis_hot.new()
    second = redis_hot.another_process(first)
    reference = MemoryEngine(clock=redis_hot.clock)  # one process fed all the traffic
    recorders = [first.recorder(), second.recorder()]
    ref_rec = reference.recorder()
    topics = [f"话题{i}" for i in range(30)]
    cities = [CHONGQING, SHANGHAI, CHENGDU, None]
    rng = random.Random(3)
    for minute in range(8):
        for n in range(600):
            account = rng.randrange(5000)
            topic = topics[min(len(topics) - 1, int(rng.paretovariate(1.0)) - 1)]
            city = cities[account % 4]
            trust = TRUSTED if account % 5 else FRESH
            for rec in (recorders[n % 2], ref_rec):  # each event goes to one process only
                kind = ("original", "repost", "reply", "like", "search")[n % 5]
                if kind == "search":
                    rec.search(topic, account, city, trust=trust)
                else:
                    rec.activity(kind, [topic], account, city, trust=trust)
                rec.read(
                    (topic, topics[(n + 1) % 30]), account if n % 4 else None, city, trust=trust
                )
            if n == 300:  # half-way through the minute, the other process folds what it has
                for rec in (*recorders, ref_rec):
                    rec.flush()
                redis_hot.clock.advance(30)
                (second, first)[minute % 2].fold()
                reference.fold()
        for rec in (*recorders, ref_rec):
            rec.flush()
        redis_hot.clock.advance(30)
        refresher = (first, second)[minute % 2]  # the processes take turns refreshing
        published = refresher.refresh()
        expected = reference.refresh()
        assert [(s.city, s.topics()) for s in published] == [(s.city, s.topics()) for s in expected]
        for got, want in zip(published, expected, strict=True):
            assert [e.heat for e in got.entries] == pytest.approx(
                [e.heat for e in want.entries], abs=1
            )
    for city in (None, CHONGQING, SHANGHAI, CHENGDU):
        assert first.hot_list(city) == second.hot_list(city)
        assert first.hot_list(city) is not None
    for topic in topics[:5]:
        assert first.topic_stats(topic) == second.topic_stats(topic)
        shared, alone = first.topic_stats(topic), reference.topic_stats(topic)
        assert (shared.reads, shared.discussions, shared.interactions, shared.searches) == (
            alone.reads,
            alone.discussions,
            alone.interactions,
            alone.searches,
        )


def test_a_process_that_restarts_catches_up_from_the_checkpoint_and_journal(redis_hot: Hot) -> None:
    first = redis_hot.new()
    assert isinstance(first, RedisEngine)
    first.checkpoint_seconds = 120
    rec = first.recorder()
    for minute in range(5):
        posts(
            rec, f"话题{minute % 3}", range(minute * 10, minute * 10 + 10 + minute), None, TRUSTED
        )
        step(first, rec, redis_hot.clock)
    late = redis_hot.another_process(first)  # started after checkpoints and journal entries exist
    redis_hot.clock.advance(60)
    assert late.heat("话题1") == pytest.approx(first.heat("话题1"))
    assert late.refresh() == [s for s in [first.hot_list()] if s is not None]


# --- what a list shows ----------------------------------------------------------------------


def test_labels_follow_heat_relative_to_the_median_and_new_entries_are_marked(hot: Hot) -> None:
    engine = hot.new()
    rec = engine.recorder()
    sizes = {"爆话题": 200, "沸话题": 50, "热话题": 25} | {f"普通{i}": 10 for i in range(7)}
    first = 0
    for topic, size in sizes.items():
        for account in range(first, first + size):
            rec.original([topic], account, None, trust=TRUSTED)
        first += size
    [snap] = step(engine, rec, hot.clock)
    labels = {e.topic: e.label for e in snap.entries}
    assert labels["爆话题"] == BOOM and labels["沸话题"] == BOIL
    assert labels["热话题"] == NEW and labels["普通0"] == NEW  # 新 outranks 热 while new
    onboard = entry(snap, "热话题").onboard_at
    assert onboard == hot.clock.now
    hot.clock.advance(NEW_SECONDS + 60)
    rec.original(["后来的话题"], 99_999, None, trust=TRUSTED)
    rec.original(["后来的话题"], 99_998, None, trust=TRUSTED)
    [snap] = step(engine, rec, hot.clock)
    labels = {e.topic: e.label for e in snap.entries}
    assert labels["爆话题"] == BOOM and labels["沸话题"] == BOIL
    assert labels["热话题"] == HOT and labels["普通0"] is None
    assert labels["后来的话题"] == NEW
    assert entry(snap, "热话题").onboard_at == onboard  # kept while it stays on the list
    assert entry(snap, "后来的话题").onboard_at == hot.clock.now
    assert [e.rank for e in snap.entries] == list(range(1, len(snap.entries) + 1))
    assert snap.entries[0].reads == 0 and snap.entries[0].discussions == 200


def test_a_list_holds_at_most_50_entries_and_the_pinned_entry_stands_outside_the_ranking(
    hot: Hot,
) -> None:
    engine = hot.new()
    rec = engine.recorder()
    for i in range(60):
        posts(rec, f"话题{i:02d}", range(i * 100, i * 100 + 60 - i), CHONGQING, TRUSTED)
    posts(rec, "防汛通知", range(50_000, 50_500), CHONGQING, TRUSTED)
    engine.pin("防汛通知", note="防汛Ⅳ级应急响应", now=hot.clock.now)
    engine.pin("重庆发布", note="市政府公告", city=CHONGQING, now=hot.clock.now)
    nat, cq = step(engine, rec, hot.clock)[:2]
    assert (
        nat.pinned is not None
        and nat.pinned.topic == "防汛通知"
        and nat.pinned.note == "防汛Ⅳ级应急响应"
    )
    assert "防汛通知" not in nat.topics()  # the hottest topic, but pinned: not ranked twice
    assert len(nat.entries) == LIST_SIZE and nat.topics()[0] == "话题00"
    assert cq.city == CHONGQING and cq.pinned is not None and cq.pinned.topic == "重庆发布"
    assert cq.topics()[0] == "防汛通知"  # the city list has its own pin
    engine.unpin()
    nat = step(engine, rec, hot.clock)[0]
    assert nat.pinned is None and nat.topics()[0] == "防汛通知"
    assert len(nat.entries) == LIST_SIZE


def test_blocked_topics_and_keywords_are_never_listed(hot: Hot) -> None:
    engine = hot.new()
    rec = engine.recorder()
    for i, topic in enumerate(["谣言话题", "某某Casino推广", "正常话题", "天气"]):
        posts(rec, topic, range(i * 1000, i * 1000 + 40 - i), SHANGHAI, TRUSTED)
    engine.block_topic("谣言话题")
    engine.block_keyword("CASINO")
    nat = step(engine, rec, hot.clock)[0]
    assert nat.topics() == ["正常话题", "天气"]
    assert listed(engine, SHANGHAI) == ["正常话题", "天气"]
    engine.unblock_keyword("casino")
    engine.unblock_topic("谣言话题")
    assert national(engine) == ["正常话题", "天气"]  # controls act at the next refresh
    nat = step(engine, rec, hot.clock)[0]
    assert nat.topics() == ["谣言话题", "某某Casino推广", "正常话题", "天气"]


def test_in_review_mode_a_new_entry_appears_only_once_approved(hot: Hot) -> None:
    engine = hot.new()
    rec = engine.recorder()
    posts(rec, "已上榜", range(30), None, TRUSTED)
    step(engine, rec, hot.clock)
    engine.approve("已上榜")
    engine.set_review(True)
    posts(rec, "待审话题", range(1000, 1050), None, TRUSTED)
    posts(rec, "不当话题", range(2000, 2040), None, TRUSTED)
    nat = step(engine, rec, hot.clock)[0]
    assert nat.topics() == ["已上榜"]
    assert engine.pending_review() == ["不当话题", "待审话题"]
    engine.approve("待审话题")
    engine.reject("不当话题")
    assert engine.pending_review() == []
    nat = step(engine, rec, hot.clock)[0]
    assert nat.topics() == ["待审话题", "已上榜"]
    engine.set_review(False)
    nat = step(engine, rec, hot.clock)[0]
    assert "不当话题" not in nat.topics()  # a rejection stands with review off
    assert engine.pending_review() == []


# --- counters -------------------------------------------------------------------------------


def test_counters_and_daily_history_are_exact(hot: Hot) -> None:
    engine = hot.new()
    rec = engine.recorder()
    # 2027-01-15 00:00 Beijing time is 2027-01-14 16:00 UTC
    day1 = 1_800_000_000 - (1_800_000_000 + 8 * 3600) % 86400
    hot.clock.now = day1 + 3600
    for account in (1, 2, 3):
        rec.original(["重庆山火", "救援"], account, CHONGQING, trust=TRUSTED)
    rec.original(["重庆山火"], 1, CHONGQING, trust=TRUSTED)
    rec.repost(["重庆山火"], 4, SHANGHAI, trust=TRUSTED)
    rec.reply(["重庆山火"], 5, None, trust=FRESH)
    rec.like(["重庆山火"], 6, None)
    rec.like(["重庆山火"], 6, None)
    rec.search("重庆山火", None, CHONGQING)
    rec.search("重庆山火", 7, CHONGQING)
    rec.click("重庆山火", 7, CHONGQING)
    rec.read(("重庆山火", "救援", "重庆山火"), 8, CHONGQING)
    rec.read(("重庆山火",), None, None)
    rec.flush()
    hot.clock.now = day1 + 86400 + 60  # the next Beijing day
    rec.original(["重庆山火"], 9, CHONGQING, trust=TRUSTED)
    rec.repost(["重庆山火"], 9, CHONGQING, trust=TRUSTED)
    rec.repost(["重庆山火"], 10, CHONGQING, trust=TRUSTED)
    rec.flush()
    stats = engine.topic_stats("重庆山火")
    assert (stats.reads, stats.originals, stats.discussions) == (3, 5, 8)
    assert (stats.interactions, stats.searches, stats.clicks) == (3 + 2 + 1, 2, 1)
    assert stats.participants == 8  # accounts 1, 2, 3, 4, 5, 6, 9, 10
    assert engine.topic_stats("救援").reads == 1 and engine.topic_stats("救援").originals == 3
    assert engine.topic_stats("没有的话题").reads == 0
    history = engine.history("重庆山火", days=3)
    assert [(h.day, h.uses, h.accounts) for h in history] == [
        (day1 + 86400, 3, 2),
        (day1, 5, 4),
        (day1 - 86400, 0, 0),
    ]


def test_memory_engine_snapshot_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "hot.snapshot"
    engine = MemoryEngine(clock=clock, snapshot_path=path, snapshot_seconds=5)
    rec = engine.recorder()
    posts(rec, "重庆山火", range(30), CHONGQING, TRUSTED)
    posts(rec, "救援", range(100, 110), CHONGQING, TRUSTED)
    step(engine, rec, clock)  # refresh saves (more than 5 s since the engine started)
    engine.wait_for_save()
    engine.block_topic("救援")
    engine.pin("防汛通知", now=clock.now)
    clock.advance(6)
    rec.read(("重庆山火",) * 7, 1, CHONGQING)
    rec.flush()  # the flush is due for a save: 6 s since the last one (a forked child writes)
    rec.read(("重庆山火",) * 5, 1, CHONGQING)
    clock.advance(1)
    rec.flush()  # within 5 s of the last save: these 5 reads are lost by a crash now
    engine.wait_for_save()
    before = engine.topic_stats("重庆山火")
    restarted = MemoryEngine(clock=clock, snapshot_path=path, snapshot_seconds=5)
    after = restarted.topic_stats("重庆山火")
    assert after.reads == before.reads - 5 and after.reads == 30 * 20 + 7
    assert after.discussions == before.discussions == 30
    assert after.participants == 30
    assert restarted.hot_list(CHONGQING) == engine.hot_list(CHONGQING)
    assert restarted.history("重庆山火") == engine.history("重庆山火")
    clock.advance(60)
    again, reference = restarted.refresh()[0], engine.refresh()[0]
    assert again.pinned is not None and again.pinned.topic == "防汛通知"
    assert again.topics() == reference.topics() == ["重庆山火"]  # the block survived too
    assert again.entries[0].heat == pytest.approx(reference.entries[0].heat, abs=1)
    restarted.wait_for_save()
    engine.wait_for_save()
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic writes left no temporary file


def test_redis_fixture_prefixes_are_private_and_cleaned(redis_hot: Hot) -> None:
    engine = redis_hot.new()
    other = redis_hot.new()
    rec = engine.recorder()
    rec.original(["话题"], 1, None, trust=TRUSTED)
    rec.flush()
    assert engine.topic_stats("话题").originals == 1
    assert other.topic_stats("话题").originals == 0
    assert isinstance(engine, RedisEngine)
    assert engine.clear() > 0
    assert engine.topic_stats("话题").originals == 0
