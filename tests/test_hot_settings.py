"""Hot search as an operator and a visitor meet it: switching it off, one snapshot file per
worker when several workers count without Redis, and the web pages counting what they show."""

from __future__ import annotations

from pathlib import Path

from plaza.config import load_settings
from plaza.hot.service import HotService
from plaza.square import views
from tests.factories import post
from tests.hotsupport import seasoned


def test_switched_off_hot_search_records_nothing(plaza) -> None:  # type: ignore[no-untyped-def]
    off = HotService.from_settings(load_settings(env={"PLAZA_HOT": "off"}, data_dir=str(plaza.settings.data_dir),
                                                 database_url=plaza.settings.database_url), plaza.db)
    author = seasoned(plaza, "author")
    shown = views.load(plaza.db, [post(plaza, author, "#重庆暴雨# 道路积水")], None)[0]
    off.posted(shown, author)
    off.displayed([shown], author)
    off.searched("重庆暴雨", author)
    assert off.flush() == 0
    assert off.engine.topic_stats("重庆暴雨").originals == 0

    on = plaza.hot
    on.posted(shown, author)
    assert on.flush() == 1
    assert on.engine.topic_stats("重庆暴雨").originals == 1


def test_each_worker_keeps_its_own_snapshot_file(tmp_path: Path) -> None:
    first = load_settings(env={"PLAZA_WORKER": "0"}, data_dir=str(tmp_path))
    second = load_settings(env={"PLAZA_WORKER": "1"}, data_dir=str(tmp_path))
    alone = load_settings(env={}, data_dir=str(tmp_path))
    assert first.hot_snapshot_path == alone.hot_snapshot_path == tmp_path.resolve() / "hot.snapshot"
    assert second.hot_snapshot_path == tmp_path.resolve() / "hot.snapshot.1"


def test_the_web_square_counts_the_topics_it_shows_as_read(client, plaza) -> None:  # type: ignore[no-untyped-def]
    author = seasoned(plaza, "author")
    post(plaza, author, "#北碚山火# 明火已扑灭")
    plaza.hot.flush()
    before = plaza.hot.engine.topic_stats("北碚山火").reads
    assert client.get("/").status_code == 200
    assert client.get("/city/500000").status_code == 200
    plaza.hot.flush()
    assert plaza.hot.engine.topic_stats("北碚山火").reads == before + 2
