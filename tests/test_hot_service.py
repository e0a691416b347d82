"""The hot-search service inside a Plaza: trust from account rows, hooks that only buffer, city
attribution, the background task, the memory engine's snapshot as the CLI reads it, and the
Redis engine shared by two services. Both database backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from plaza.cli import main
from plaza.config import load_settings
from plaza.hot import MemoryEngine, RedisEngine
from plaza.hot.service import HotService, account_trust
from plaza.hot.trust import TRUST_FLOOR
from plaza.instance import Plaza
from plaza.square import accounts, views
from plaza.storage.schema import accounts as accounts_table
from tests.factories import citizen, government, post
from tests.hotsupport import redis_prefix_fixture, seasoned


def view(plaza: Plaza, status_id: int) -> views.StatusView:
    return views.load(plaza.db, [status_id], None)[0]


def originals(plaza: Plaza, service: HotService, topic: str, city: str, authors: list) -> None:  # type: ignore[type-arg]
    """Each author posts ``#topic#`` from ``city``, recorded through the service's hook."""
    for author in authors:
        service.posted(view(plaza, post(plaza, author, f"#{topic}# 现场情况", city=city)), author)


def test_trust_comes_from_the_account_row(plaza) -> None:
    now = datetime.now(UTC).timestamp()
    fresh = citizen(plaza, "fresh", password=None)
    assert account_trust(fresh, now) == TRUST_FLOOR
    old = seasoned(plaza, "old")
    assert account_trust(old, now) == 1.0
    official = government(plaza, "cq_fabu", "重庆发布")
    assert account_trust(official, now) >= 0.9  # verified (政务号), however new
    with plaza.db.write() as conn:  # a year old but silent for two months: age counts, not activity
        conn.execute(update(accounts_table).where(accounts_table.c.id == old.id).values(
            last_status_at=datetime.now(UTC) - timedelta(days=60)))
    assert account_trust(accounts.get(plaza.db, old.id), now) == pytest.approx(0.4)
    accounts.set_flags(plaza.db, old.id, suspended=True)
    assert account_trust(accounts.get(plaza.db, old.id), now) == 0.0


def test_trust_is_cached_per_account(plaza) -> None:
    service = plaza.hot
    old = seasoned(plaza, "old")
    assert service.trust(old) == 1.0
    accounts.set_flags(plaza.db, old.id, suspended=True)
    assert service.trust(accounts.get(plaza.db, old.id)) == 1.0  # reused until it expires
    service.clock = lambda: datetime.now(UTC).timestamp() + 3600
    assert service.trust(accounts.get(plaza.db, old.id)) == 0.0


def test_hooks_only_buffer_until_the_service_flushes(plaza) -> None:
    service = plaza.hot
    author = seasoned(plaza, "author")
    shown = view(plaza, post(plaza, author, "#重庆暴雨# 道路积水"))
    service.posted(shown, author)
    service.displayed([shown, shown], None)
    assert service.engine.topic_stats("重庆暴雨").originals == 0
    assert service.flush() == 1
    stats = service.engine.topic_stats("重庆暴雨")
    assert (stats.originals, stats.discussions, stats.reads, stats.participants) == (1, 1, 2, 1)


def test_topic_names_are_normalised_and_replies_count_for_the_parents_topics(plaza) -> None:
    service = plaza.hot
    author, replier = seasoned(plaza, "author"), seasoned(plaza, "replier")
    parent = view(plaza, post(plaza, author, "#Ｐｙｔｈｏｎ大会# 开幕"))
    service.posted(parent, author)
    reply = view(plaza, post(plaza, replier, "#python大会# 期待", in_reply_to_id=parent.status.id))
    service.posted(reply, replier, parent)
    service.searched("  #PYTHON大会# ", None)
    service.searched("https://example.org/long-url", None)  # not a keyword
    service.flush()
    stats = service.engine.topic_stats("python大会")
    assert (stats.originals, stats.interactions, stats.participants, stats.searches) == (1, 1, 2, 1)


def test_activity_counts_for_the_posts_city_else_the_authors_home_city(plaza) -> None:
    service = plaza.hot
    chongqing = [seasoned(plaza, f"cq{n}", "500000") for n in range(3)]
    visitors = [seasoned(plaza, f"visitor{n}", "310000") for n in range(3)]
    originals(plaza, service, "重庆暴雨", "500000", chongqing)
    for author in visitors:  # Shanghai people writing from Chongqing's 渝中区: Chongqing's list
        service.posted(view(plaza, post(plaza, author, "#解放碑# 人很多", city="500103")), author)
    for author in visitors:  # no city given: the author's home city (Shanghai)
        service.posted(view(plaza, post(plaza, author, "#上海地铁# 恢复运营")), author)
    service.refresh()

    assert set(service.hot_list(None).topics()) == {"重庆暴雨", "解放碑", "上海地铁"}
    assert sorted(service.hot_list("500000").topics()) == ["解放碑", "重庆暴雨"]
    assert service.hot_list("310000").topics() == ["上海地铁"]
    assert service.hot_list("110000") is None


def test_a_topic_reports_counters_rank_and_curve(plaza) -> None:
    service = plaza.hot
    authors = [seasoned(plaza, f"a{n}") for n in range(3)]
    originals(plaza, service, "重庆暴雨", "500000", authors)
    service.refresh()
    service.refresh()
    report = service.topic("#重庆暴雨#")
    assert (report.name, report.originals, report.participants, report.rank) == ("重庆暴雨", 3, 3, 1)
    assert report.heat is not None and report.heat > 0
    assert [p.rank for p in report.curve] == [1, 1]
    assert service.topic("无人问津").rank is None


def test_the_background_task_flushes_folds_and_refreshes(plaza) -> None:
    service = plaza.hot
    service.refresh_seconds = 1.0
    authors = [seasoned(plaza, f"a{n}") for n in range(3)]
    originals(plaza, service, "重庆暴雨", "500000", authors)

    async def run() -> None:
        service.start()
        try:
            for _ in range(40):
                await asyncio.sleep(0.1)
                if service.hot_list(None) is not None:
                    break
        finally:
            await service.stop()

    asyncio.run(run())
    listed = service.hot_list(None)
    assert listed is not None and listed.topics() == ["重庆暴雨"]


def test_the_cli_reads_the_snapshot_the_server_saved(plaza, database_url: str) -> None:
    service = plaza.hot
    authors = [seasoned(plaza, f"a{n}") for n in range(3)]
    originals(plaza, service, "重庆暴雨", "500000", authors)
    service.refresh()
    asyncio.run(service.stop())  # what the server does on shutdown: save the snapshot
    assert isinstance(service.engine, MemoryEngine)
    assert plaza.settings.hot_snapshot_path.exists()

    env = {"PLAZA_DATA_DIR": str(plaza.settings.data_dir), "PLAZA_DATABASE_URL": database_url}
    shown = CliRunner().invoke(main, ["hot", "show"], env={**env, "PLAZA_LOCALE": "zh-CN"})
    assert shown.exit_code == 0, shown.output
    assert "全国热搜" in shown.output and "#重庆暴雨#" in shown.output
    assert str(plaza.settings.hot_snapshot_path) in shown.output
    city = CliRunner().invoke(main, ["hot", "show", "--city", "500103"], env={**env, "PLAZA_LOCALE": "en"})
    assert city.exit_code == 0, city.output
    assert "Hot search of 重庆市 (500000)" in city.output and "#重庆暴雨#" in city.output
    empty = CliRunner().invoke(main, ["hot", "show", "--city", "310000"], env={**env, "PLAZA_LOCALE": "en"})
    assert "(the list is empty)" in empty.output
    bad = CliRunner().invoke(main, ["hot", "show", "--city", "999999"], env={**env, "PLAZA_LOCALE": "en"})
    assert bad.exit_code == 1 and "City code 999999 is not valid" in bad.output

    before = plaza.settings.hot_snapshot_path.read_bytes()
    refreshed = CliRunner().invoke(main, ["hot", "refresh"], env={**env, "PLAZA_LOCALE": "en"})
    assert refreshed.exit_code == 0, refreshed.output
    assert "snapshot file was not rewritten" in refreshed.output and "#重庆暴雨#" in refreshed.output
    assert plaza.settings.hot_snapshot_path.read_bytes() == before


def test_the_cli_says_when_there_is_no_snapshot_yet(database_url: str, tmp_path: Path) -> None:
    env = {"PLAZA_DATA_DIR": str(tmp_path / "empty"), "PLAZA_DATABASE_URL": database_url,
           "PLAZA_LOCALE": "en"}
    result = CliRunner().invoke(main, ["hot", "show"], env=env)
    assert result.exit_code == 0, result.output
    assert "there is no snapshot file" in result.output and "never refreshed yet" in result.output


@pytest.fixture
def redis_settings(plaza: Plaza) -> Iterator[tuple[str, str]]:
    yield from redis_prefix_fixture()


def test_two_services_on_one_redis_count_and_list_together(plaza, redis_settings) -> None:
    url, prefix = redis_settings
    settings = replace(plaza.settings, redis_url=url, redis_prefix=prefix)
    one = HotService.from_settings(settings, plaza.db)
    two = HotService.from_settings(settings, plaza.db)
    assert isinstance(one.engine, RedisEngine) and one.engine.prefix == prefix
    chongqing = [seasoned(plaza, f"cq{n}", "500000") for n in range(3)]
    shanghai = [seasoned(plaza, f"sh{n}", "310000") for n in range(3)]
    originals(plaza, one, "重庆暴雨", "500000", chongqing)
    originals(plaza, two, "上海地铁", "310000", shanghai)
    one.flush()
    two.refresh()

    for service in (one, two):
        assert set(service.hot_list(None).topics()) == {"重庆暴雨", "上海地铁"}
        assert service.hot_list("500000").topics() == ["重庆暴雨"]
        assert service.hot_list("310000").topics() == ["上海地铁"]
        assert service.engine.topic_stats("重庆暴雨").originals == 3
    assert one.history("重庆暴雨")[0].uses == 3

    async def background() -> None:  # the task's Redis work runs in threads and stops cleanly
        one.refresh_seconds = 1.0
        one.start()
        await asyncio.sleep(1.3)
        await one.stop()

    asyncio.run(background())
    assert one.hot_list(None) is not None


def test_settings_choose_the_engine(tmp_path: Path) -> None:
    memory = load_settings(env={"PLAZA_DATA_DIR": str(tmp_path)})
    assert memory.redis_url == "" and memory.hot_refresh_seconds == 60.0
    assert memory.hot_snapshot_path == tmp_path.resolve() / "hot.snapshot"
    shared = load_settings(env={"PLAZA_DATA_DIR": str(tmp_path), "PLAZA_REDIS_URL": "redis://h:1/2",
                                "PLAZA_HOT_REFRESH_SECONDS": "15", "PLAZA_REDIS_PREFIX": "x:"})
    assert (shared.redis_url, shared.hot_refresh_seconds, shared.redis_prefix) == ("redis://h:1/2", 15.0, "x:")
    assert HotService.from_settings(shared, None).shared is True  # type: ignore[arg-type]
    assert HotService.from_settings(memory, None).shared is False  # type: ignore[arg-type]
