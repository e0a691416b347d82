"""Importing real data into the evaluation index: weibo-crawler's JSON and Weibo's status objects,
a Mastodon account archive, CSV — counters as imported, government accounts told by Weibo's
verified_type and their names, re-imports that update and never duplicate, bad records skipped
with where they were; on both databases, and through the command line."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, func, select

from plaza.cli import main
from plaza.desk.metrics import parse_period
from plaza.index import compute
from plaza.index.imports import (
    EXAMPLES,
    UnreadableInput,
    import_csv,
    import_mastodon,
    import_weibo,
    profiles,
    writer,
)
from plaza.index.imports import weibo as weibo_reader
from plaza.index.imports.records import Account, BadRecord, Post, Skip, parse_count, parse_time, plain_text
from plaza.index.imports.writer import Tick
from plaza.instance import Plaza
from plaza.square import views
from plaza.storage.ids import ms_of
from plaza.storage.schema import (
    accounts,
    imported_accounts,
    imported_statuses,
    index_recount,
    mentions,
    status_topics,
    statuses,
    topics,
)
from plaza.workflow.worktime import BEIJING
from tests import factories

DATA = Path(__file__).parent / "data"
WEIBO = DATA / "weibo"
CQ_FILE = WEIBO / "重庆发布" / "1000000501.json"
SH_FILE = WEIBO / "上海发布" / "1000000502.json"
CITY = "110000"


def account(plaza: Plaza, username: str) -> Any:
    with plaza.db.read() as conn:
        return conn.execute(select(accounts).where(accounts.c.username == username)).one()


def post(plaza: Plaza, origin_id: str, origin: str = "weibo") -> Any:
    with plaza.db.read() as conn:
        return conn.execute(select(statuses, imported_statuses.c.reads_count)
                            .join(imported_statuses, imported_statuses.c.status_id == statuses.c.id)
                            .where(imported_statuses.c.origin == origin,
                                   imported_statuses.c.origin_id == origin_id)).one()


def count(plaza: Plaza, table: Any) -> int:
    with plaza.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def topic_names(plaza: Plaza, status_id: int) -> dict[str, bool]:
    with plaza.db.read() as conn:
        return {r.name: bool(r.public) for r in conn.execute(
            select(topics.c.name, status_topics.c.public).join(topics, topics.c.id == status_topics.c.topic_id)
            .where(status_topics.c.status_id == status_id))}


def mentioned(plaza: Plaza, status_id: int) -> set[str]:
    with plaza.db.read() as conn:
        return {r.username for r in conn.execute(
            select(accounts.c.username).join(mentions, mentions.c.account_id == accounts.c.id)
            .where(mentions.c.status_id == status_id))}


def skipped(report: Any) -> list[tuple[str, str]]:
    return [(s.where, s.reason) for s in report.skipped]


# --- pure readings ------------------------------------------------------------------------------


def test_counts_are_read_as_weibo_writes_them() -> None:
    assert [parse_count(v) for v in (12, "12", "1,234", "1.2万", "100万+", "3亿", "", None, 2.0)] == [
        12, 12, 1234, 12_000, 1_000_000, 300_000_000, 0, 0, 2]
    for bad_value in (-1, "-3", "abc", "1.2.3万", True):
        with pytest.raises(BadRecord):
            parse_count(bad_value)
    assert parse_count(10**12) == 2**31 - 1  # the counters' columns are 32-bit


def test_times_without_an_offset_are_beijing_time() -> None:
    beijing_noon = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)
    assert parse_time("2026-11-03 12:00:00") == beijing_noon
    assert parse_time("2026-11-03 12:00") == beijing_noon
    assert parse_time("Tue Nov 03 12:00:00 +0800 2026") == beijing_noon
    assert parse_time("2026-11-03T04:00:00Z") == beijing_noon
    assert parse_time("2026-11-03") == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
    for bad_value in ("3分钟前", "昨天 10:00", "", None, "1969-01-01", "Tue Nov 33 12:00:00 +0800 2026"):
        with pytest.raises(BadRecord):
            parse_time(bad_value)


def test_html_of_a_status_becomes_its_words() -> None:
    assert plain_text('<a href="/x">#马上办#</a> 已修复<br />谢谢 <img alt="[赞]" src="x.png">') == "#马上办# 已修复\n谢谢 [赞]"
    assert plain_text("<p>一</p><p>二 &amp; 三</p>") == "一\n\n二 & 三"
    assert plain_text("没有标记 &lt;b&gt;") == "没有标记 <b>"


def test_government_profiles_come_from_verification_name_and_location() -> None:
    def of(name: str, reason: str = "", location: str = "") -> tuple[Any, ...]:
        p, resolved = profiles.profile("government", name, reason=reason, location=location)
        return p.region_code, p.level, p.department_type, p.home_city, resolved

    assert of("重庆发布", "重庆市人民政府新闻办公室官方微博", "重庆 渝中区") == ("500000", "provincial", "publicity", "500000", True)
    assert of("马鞍山发布", location="安徽 马鞍山") == ("340500", "prefecture", "publicity", "340500", True)
    assert of("渝中发布", location="重庆") == ("500103", "county", "publicity", "500000", True)
    assert of("四川发布") == ("510000", "provincial", "publicity", "510100", True)  # a province: its capital
    assert of("中国气象局", location="北京 海淀区") == ("000000", "national", "meteorology", "110000", True)
    assert of("公安部", "中华人民共和国公安部官方微博")[:3] == ("000000", "national", "public_security")
    assert of("北京公交警方")[2] == "public_security"
    assert of("上海防汛")[:3] == ("310000", "provincial", "flood_control")
    assert of("平安重庆", "重庆市公安局官方微博")[2] == "public_security"
    assert of("某某单位") == (None, None, "other", None, False)
    assert [profiles.kind_of(t) for t in (1, 3, 2, 7, 0, -1, 200, None)] == [
        "government", "media", "organisation", "organisation", "citizen", "citizen", "citizen", "citizen"]


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), st.text(max_size=12),
                     st.sampled_from(["1.2万", "-3", "2026-11-01", "Tue Nov 03 08:15:00 +0800 2026", "abc"]))
_KEYS = st.sampled_from(["user", "weibo", "statuses", "id", "mid", "text", "created_at", "retweet", "retweeted_status",
                         "user_id", "screen_name", "verified_type", "verified", "followers_count", "attitudes_count",
                         "reposts_count", "topics", "at_users", "location", "longText"])
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_KEYS, inner, max_size=8)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_no_json_makes_the_weibo_reader_raise(doc: Any) -> None:
    for item in weibo_reader._read_document("f.json", doc, 0, 0, 0):
        assert isinstance(item, Account | Post | Skip | Tick)


# --- Weibo --------------------------------------------------------------------------------------


def test_weibo_crawler_file_imports_a_government_account_with_counters_as_imported(plaza: Plaza) -> None:
    report = import_weibo(plaza.db, [CQ_FILE], default_city=CITY)
    assert (report.accounts_created, report.posts_created, report.skipped) == (2, 5, [])
    cq = account(plaza, "weibo_1000000501")
    assert (cq.display_name, cq.kind, cq.region_code, cq.level, cq.department_type, cq.agency, cq.home_city) == (
        "重庆发布", "government", "500000", "provincial", "publicity", "重庆市人民政府新闻办公室", "500000")
    assert cq.followers_count == 6_238_000  # "623.8万"
    assert cq.verified_at is not None and cq.password_hash is None  # imported: nobody signs in as it
    # Four weibos of its own (one a repost); the original it reposted is 上海发布's, known by name only.
    assert cq.statuses_count == 4
    with plaza.db.read() as conn:
        marks = conn.execute(select(imported_accounts).where(imported_accounts.c.account_id == cq.id)).one()
    assert (marks.origin, marks.origin_id, marks.followers_count, marks.verified_type) == (
        "weibo", "1000000501", 6_238_000, 1)

    fire = post(plaza, "5100000000000011")
    assert (fire.replies_count, fire.reblogs_count, fire.favourites_count, fire.reads_count) == (1288, 3409, 15320, None)
    assert fire.city == "500000" and fire.visibility == "public" and fire.account_id == cq.id
    # The id is the post's own time, so the index's days by id range hold imported posts too.
    assert ms_of(fire.id) // 1000 == int(datetime(2026, 11, 11, 11, 5, 12, tzinfo=UTC).timestamp())
    assert topic_names(plaza, fire.id) == {"重庆山火": True}
    assert mentioned(plaza, fire.id) == {"weibo_1000000502"}
    lenient = post(plaza, "5100000000000014")
    assert (lenient.favourites_count, lenient.reblogs_count, lenient.replies_count) == (12_000, 1_000_000, 856)
    # a date alone: its midnight (the id gives it a millisecond of its own within that second)
    assert lenient.created_at.replace(tzinfo=UTC, microsecond=0) == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)

    repost, original = post(plaza, "5100000000000013"), post(plaza, "5100000000000101")
    assert repost.reblog_of_id == original.id and repost.account_id == cq.id
    assert repost.text.startswith("谢谢上海！")  # the reposter's comment is kept
    assert topic_names(plaza, repost.id) == {"一起守护这座城": True}  # a repost carries its original's topics
    sh = account(plaza, "weibo_1000000502")
    assert (sh.display_name, sh.kind, sh.statuses_count, original.account_id) == ("上海发布", "citizen", 1, sh.id)


def test_reimport_of_a_newer_crawl_updates_counters_and_completes_authors(plaza: Plaza, tmp_path: Path) -> None:
    import_weibo(plaza.db, [CQ_FILE], default_city=CITY)
    rows = count(plaza, statuses)
    # 上海发布 was known by name from the repost: its own file completes it and the shared original.
    report = import_weibo(plaza.db, [SH_FILE], default_city=CITY)
    assert (report.accounts_created, report.accounts_updated, report.posts_created, report.posts_updated) == (0, 1, 1, 1)
    sh = account(plaza, "weibo_1000000502")
    assert (sh.kind, sh.region_code, sh.level, sh.followers_count, sh.statuses_count) == (
        "government", "310000", "provincial", 14_210_000, 2)
    assert post(plaza, "5100000000000101").favourites_count == 9020

    newer = json.loads(CQ_FILE.read_text(encoding="utf-8"))
    newer["user"]["followers_count"] = "630万"
    for weibo in newer["weibo"]:
        weibo["attitudes_count"] = 20_000
    path = tmp_path / "1000000501.json"
    path.write_text(json.dumps(newer, ensure_ascii=False), encoding="utf-8")
    again = import_weibo(plaza.db, [path], default_city=CITY)
    assert (again.accounts_created, again.accounts_updated, again.posts_created) == (0, 1, 0)
    assert again.posts_updated == 5  # its four and the original inside its repost
    assert count(plaza, statuses) == rows + 1 and count(plaza, imported_statuses) == rows + 1
    assert count(plaza, status_topics) == 5 and count(plaza, imported_accounts) == 2
    assert post(plaza, "5100000000000011").favourites_count == 20_000
    cq = account(plaza, "weibo_1000000501")
    assert (cq.followers_count, cq.statuses_count) == (6_300_000, 4)
    same = import_weibo(plaza.db, [path], default_city=CITY)
    assert (same.accounts_unchanged, same.posts_unchanged, same.posts_created, same.posts_updated) == (1, 5, 0, 0)


def test_a_reimport_with_newer_counters_asks_the_index_to_count_their_days_again(plaza: Plaza, tmp_path: Path) -> None:
    from plaza.index import kept

    import_weibo(plaza.db, [CQ_FILE], default_city=CITY)
    kept.fold(plaza.db)
    with plaza.db.write() as conn:  # the days counted since: nothing asked any more
        conn.execute(index_recount.delete())
    newer = json.loads(CQ_FILE.read_text(encoding="utf-8"))
    for weibo in newer["weibo"]:
        weibo["attitudes_count"] = 20_000
    path = tmp_path / "1000000501.json"
    path.write_text(json.dumps(newer, ensure_ascii=False), encoding="utf-8")
    import_weibo(plaza.db, [path], default_city=CITY)
    kept.fold(plaza.db)
    with plaza.db.read() as conn:
        asked = kept.recount_days(conn)
    days = {datetime.fromtimestamp((post(plaza, str(weibo["id"])).id >> 16) / 1000, BEIJING).date()
            for weibo in newer["weibo"]}
    assert days and days <= asked


def test_weibo_api_statuses_import_with_their_authors(plaza: Plaza) -> None:
    report = import_weibo(plaza.db, [WEIBO / "statuses.json"], default_city=CITY)
    assert (report.accounts_created, report.posts_created, report.skipped) == (3, 3, [])
    mas = account(plaza, "weibo_1000000601")
    assert (mas.kind, mas.region_code, mas.level, mas.department_type, mas.followers_count) == (
        "government", "340500", "prefecture", "publicity", 1_186_000)
    assert (account(plaza, "weibo_1000000602").kind, account(plaza, "weibo_1000000602").home_city) == ("citizen", "340500")
    assert account(plaza, "weibo_1000000603").kind == "media"
    original, repost = post(plaza, "5100000000000201"), post(plaza, "5100000000000202")
    # The same status twice in a file (once inside a repost): one row, the later counters.
    assert (original.replies_count, original.reblogs_count, original.favourites_count) == (121, 46, 1030)
    assert original.text.startswith("#马上办# 雨山区湖东路") and "<a" not in original.text
    assert repost.reblog_of_id == original.id and repost.text == "路灯修好了，点赞[赞] #马上办#"
    assert topic_names(plaza, repost.id) == {"马上办": True}


def test_malformed_records_are_skipped_with_their_line_or_record(plaza: Plaza) -> None:
    lines, crawler = WEIBO / "malformed.jsonl", WEIBO / "malformed_crawler.json"
    report = import_weibo(plaza.db, [lines, crawler], default_city=CITY)
    assert skipped(report) == [
        (f"{lines}:2", "bad_json"),
        (f"{lines}:3", "no_id"),
        (f"{lines}:4 (mid 5100000000000304)", "bad_date"),
        (f"{lines}:6 (mid 5100000000000305)", "bad_count"),
        (f"{crawler}: weibo 2", "no_id"),
        (f"{crawler}: weibo 3 (id 5100000000000403)", "bad_date"),
        (f"{crawler}: weibo 4 (id 5100000000000404)", "bad_count"),
        (f"{crawler}: weibo 5 (id 5100000000000405)", "original_author_unknown"),
    ]
    assert report.skipped[3].detail == "reposts_count=-4"
    # The good records around them are in, and their accounts hold exactly them.
    assert report.posts_created == 4
    assert account(plaza, "weibo_1000000602").statuses_count == 2
    yuzhong = account(plaza, "weibo_1000000701")
    assert (yuzhong.region_code, yuzhong.level, yuzhong.statuses_count) == ("500103", "county", 2)


def test_a_file_that_is_not_weibo_data_is_reported_not_raised(plaza: Plaza, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"user": {"id": 1,\n "screen_name": ', encoding="utf-8")
    (tmp_path / "other.json").write_text('{"hello": "world"}', encoding="utf-8")
    report = import_weibo(plaza.db, [tmp_path], default_city=CITY)
    assert (report.files, report.unreadable, report.imported) == (2, 2, 0)
    assert [s.where for s in report.skipped] == [f"{tmp_path / 'broken.json'}:2", str(tmp_path / "other.json")]


def test_unresolved_places_take_the_default_city_and_taken_names_a_suffix(plaza: Plaza, tmp_path: Path) -> None:
    factories.government(plaza, "cq_fabu", "重庆发布")  # the square's own 重庆发布
    doc = {"user": {"id": "42", "screen_name": "无名小站", "location": "其他", "verified": False, "verified_type": -1,
                    "followers_count": 3},
           "weibo": [{"id": 1, "text": "你好", "created_at": "2026-11-01 08:00"}]}
    (tmp_path / "42.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report = import_weibo(plaza.db, [CQ_FILE, tmp_path / "42.json"], default_city="500000")
    assert account(plaza, "weibo_42").home_city == "500000"
    assert account(plaza, "weibo_1000000501").display_name == "重庆发布·微博"
    assert [(n.reason, n.detail) for n in report.notes] == [
        ("display_name_taken", "重庆发布 → 重庆发布·微博"), ("place_unresolved", "无名小站: 其他 → 500000")]
    assert account(plaza, "cq_fabu").statuses_count == 0


def test_chunks_keep_counts_true_and_posts_of_one_second_apart(plaza: Plaza, tmp_path: Path) -> None:
    """Many accounts posting in the same second, written 100 posts per transaction; a mention of
    an account that comes later in the import is linked at the end."""
    for uid in range(1, 6):
        weibos = [{"id": uid * 1000 + i, "text": f"第{i}条 @用户5 #同一秒#", "created_at": "2026-11-05 10:00:00",
                   "attitudes_count": i, "topics": "同一秒", "at_users": "用户5"} for i in range(60)]
        doc = {"user": {"id": str(uid), "screen_name": f"用户{uid}", "location": "重庆", "verified_type": -1},
               "weibo": weibos}
        (tmp_path / f"{uid}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report = import_weibo(plaza.db, [tmp_path], default_city=CITY, chunk=100)
    assert (report.posts_created, report.accounts_created, report.skipped) == (300, 5, [])
    assert [account(plaza, f"weibo_{uid}").statuses_count for uid in range(1, 6)] == [60] * 5
    with plaza.db.read() as conn:
        assert conn.execute(select(func.count(func.distinct(statuses.c.id)))).scalar_one() == 300
        assert conn.execute(select(func.count()).select_from(mentions)).scalar_one() == 300
    first = post(plaza, "1000")
    assert mentioned(plaza, first.id) == {"weibo_5"}


def test_posts_are_written_oldest_first_whatever_order_the_files_give(plaza: Plaza, tmp_path: Path) -> None:
    """Each file newest first (as weibo-crawler writes), among them reposts of the other
    account's weibos, written 100 posts per transaction: ids order as times do, every repost
    points at its original and every account holds exactly its posts."""
    def at(i: int) -> str:
        return f"2026-11-{1 + i // 24:02d} {i % 24:02d}:00:00"

    for uid, other in ((1, 2), (2, 1)):
        weibos: list[dict[str, Any]] = []
        for i in reversed(range(150)):
            weibo: dict[str, Any] = {"id": uid * 1000 + i, "text": f"第{i}条", "created_at": at(i)}
            if i and i % 10 == 0:  # a repost of the other's weibo of the hour before
                weibo["retweet"] = {"id": other * 1000 + i - 1, "user_id": other, "screen_name": f"用户{other}",
                                    "text": f"第{i - 1}条", "created_at": at(i - 1)}
            weibos.append(weibo)
        doc = {"user": {"id": str(uid), "screen_name": f"用户{uid}", "verified_type": -1}, "weibo": weibos}
        (tmp_path / f"{uid}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report = import_weibo(plaza.db, [tmp_path], default_city=CITY, chunk=100)
    assert (report.posts_created, report.skipped) == (300, [])
    with plaza.db.read() as conn:
        times = conn.execute(select(statuses.c.created_at).order_by(statuses.c.id)).scalars().all()
    assert times == sorted(times)
    assert post(plaza, "1010").reblog_of_id == post(plaza, "2009").id
    assert post(plaza, "2140").reblog_of_id == post(plaza, "1139").id
    assert [account(plaza, f"weibo_{uid}").statuses_count for uid in (1, 2)] == [150, 150]


def test_an_id_another_post_has_is_made_again(plaza: Plaza, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two posts of one millisecond, imported one after the other, drawn the same sequence
    number: the second is given another id."""
    drawn = iter([7, 7, 8, 9, 10])
    monkeypatch.setattr(writer.random, "getrandbits", lambda bits: next(drawn))
    for uid in (1, 2):
        doc = {"user": {"id": str(uid), "screen_name": f"用户{uid}", "verified_type": -1},
               "weibo": [{"id": uid, "text": "同一毫秒", "created_at": "2026-11-01T08:00:00.123+08:00"}]}
        path = tmp_path / f"{uid}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        assert import_weibo(plaza.db, [path], default_city=CITY).posts_created == 1
    first, second = post(plaza, "1"), post(plaza, "2")
    assert first.id != second.id and ms_of(first.id) == ms_of(second.id)
    assert (first.id & 0x3FF, second.id & 0x3FF) == (7, 8)


def test_sqlite_takes_as_many_rows_an_insert_as_its_variables_allow(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'rows.db'}")
    pairs = Table("pairs", MetaData(), Column("a", Integer, primary_key=True), Column("b", Text))
    pairs.metadata.create_all(engine)
    with engine.begin() as conn:
        driver = conn.connection.dbapi_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 9)  # four rows of two a statement
        writer._insert_rows(conn, pairs, ("a", "b"), [(i, str(i)) for i in range(25)])
        assert conn.execute(select(func.count(), func.sum(pairs.c.a)).select_from(pairs)).one() == (25, 300)
    engine.dispose()


def test_a_second_repost_of_one_original_by_one_account_is_skipped(plaza: Plaza, tmp_path: Path) -> None:
    original = {"id": 9, "user_id": 8, "screen_name": "原作者", "text": "原文", "created_at": "2026-11-01 08:00"}
    weibos = [{"id": 11, "text": "第一次转发", "created_at": "2026-11-01 09:00", "retweet": original},
              {"id": 12, "text": "又转发一次", "created_at": "2026-11-01 10:00", "retweet": original}]
    path = tmp_path / "7.json"
    path.write_text(json.dumps({"user": {"id": "7", "screen_name": "转发者", "verified_type": -1}, "weibo": weibos},
                               ensure_ascii=False), encoding="utf-8")
    report = import_weibo(plaza.db, [path], default_city=CITY)
    assert report.posts_created == 2 and skipped(report) == [(f"{path}: weibo 2 (id 12)", "repost_twice")]
    assert account(plaza, "weibo_7").statuses_count == 1


def test_stray_characters_and_overlong_topics_do_not_stop_an_import(plaza: Plaza, tmp_path: Path) -> None:
    doc = {"user": {"id": "5\x00", "screen_name": "奇怪的\x00名字@#", "description": "简介\x00", "verified_type": 1,
                    "verified_reason": "某某\x00官方微博"},
           "weibo": [{"id": 1, "text": "正文\x00里有空字符", "created_at": "2026-11-01 08:00",
                      "topics": "正常话题," + "长" * 300 + ", ", "at_users": "不存在的人"}]}
    path = tmp_path / "5.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report = import_weibo(plaza.db, [path], default_city=CITY)
    assert (report.accounts_created, report.posts_created, report.skipped) == (1, 1, [])
    row = account(plaza, "weibo_5")
    assert (row.display_name, row.note) == ("奇怪的名字", "简介")
    written = post(plaza, "1")
    assert written.text == "正文里有空字符" and topic_names(plaza, written.id) == {"正常话题": True}


def test_imported_reposts_show_on_the_square_with_their_comment(plaza: Plaza, client: Any) -> None:
    import_weibo(plaza.db, [CQ_FILE, SH_FILE], default_city=CITY)
    repost, original = post(plaza, "5100000000000013"), post(plaza, "5100000000000101")
    [view] = views.load(plaza.db, [repost.id], None, "http://x")
    assert view.reblog is not None and view.reblog.status.id == original.id
    assert "谢谢上海" in view.html and "一起守护这座城" in view.reblog.html
    shown = client.get(f"/api/v1/statuses/{repost.id}").json()
    assert shown["reblog"]["id"] == str(original.id) and shown["reblog"]["favourites_count"] == 9020
    cq = account(plaza, "weibo_1000000501")
    listed = client.get(f"/api/v1/accounts/{cq.id}/statuses").json()
    assert [s["id"] for s in listed][:2] == [str(post(plaza, "5100000000000014").id), str(repost.id)]
    assert client.get(f"/@{cq.username}").status_code == 200


def test_the_shipped_examples_are_the_demo_accounts_in_november(plaza: Plaza) -> None:
    report = import_weibo(plaza.db, [EXAMPLES], default_city=CITY)
    assert (report.files, report.accounts_created, report.skipped, report.notes) == (3, 3, [], [])
    assert 60 <= report.posts_created <= 120
    for uid, name, region, level in (("2000000001", "重庆发布", "500000", "provincial"),
                                     ("2000000002", "上海发布", "310000", "provincial"),
                                     ("2000000003", "马鞍山发布", "340500", "prefecture")):
        row = account(plaza, f"weibo_{uid}")
        assert (row.display_name, row.kind, row.region_code, row.level, row.department_type) == (
            name, "government", region, level, "publicity")
        assert 20 <= row.statuses_count <= 40
    with plaza.db.read() as conn:
        times = conn.execute(select(func.min(statuses.c.created_at), func.max(statuses.c.created_at))).one()
    assert times[0].month == 10 or times[0].month == 11  # Beijing's 1 November begins on 31 October UTC
    assert times[1].month == 11


def test_the_index_runs_on_imported_accounts_as_on_native_ones(plaza: Plaza) -> None:
    import_weibo(plaza.db, [EXAMPLES], default_city=CITY)
    ranked = compute.compute_period(plaza.db, parse_period("2026-11"), hot_events={},
                                    now=datetime(2026, 12, 7, 4, 0, tzinfo=UTC))
    names = {account(plaza, f"weibo_{uid}").id: name for uid, name in (
        ("2000000001", "重庆发布"), ("2000000002", "上海发布"), ("2000000003", "马鞍山发布"))}
    assert {r.account_id for r in ranked} == set(names) and [r.rank for r in ranked] == [1, 2, 3]
    with plaza.db.read() as conn:
        likes = dict(conn.execute(select(statuses.c.account_id, func.sum(statuses.c.favourites_count))
                                  .group_by(statuses.c.account_id)).all())
    for result in ranked:  # the likes counted are the likes imported (a repost's own, on Weibo, too)
        assert result.figures["raw"]["likes"] == likes[result.account_id], names[result.account_id]
        assert result.bci > 0


# --- Mastodon -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["dir", "zip", "gztar"])
def test_mastodon_archive_imports_public_posts(plaza: Plaza, tmp_path: Path, form: str) -> None:
    archive = DATA / "mastodon"
    if form != "dir":
        archive = Path(shutil.make_archive(str(tmp_path / "archive-20261204"), form, DATA / "mastodon"))
    report = import_mastodon(plaza.db, archive, default_city=CITY, home_city="500000")
    assert (report.accounts_created, report.posts_created) == (1, 4)
    assert [s.reason for s in report.skipped] == ["not_public", "not_public", "original_author_unknown", "bad_date"]
    assert report.skipped[0].where.endswith("outbox item 3 (https://social.example.org/users/cq_volunteer/statuses/113355000000000003)")
    me = account(plaza, "mastodon_cq_volunteer")
    assert (me.display_name, me.kind, me.home_city, me.note, me.statuses_count) == (
        "山城志愿者联盟", "citizen", "500000", "重庆的志愿者，在山火、洪水和日常里互相帮忙。", 4)
    with plaza.db.read() as conn:
        rows = conn.execute(select(statuses).where(statuses.c.account_id == me.id).order_by(statuses.c.id)).all()
    first, reply, unlisted, boost = rows
    assert first.text.startswith("北碚山火") and topic_names(plaza, first.id) == {"一起守护这座城": True}
    assert (reply.in_reply_to_id, reply.in_reply_to_account_id) == (first.id, me.id)
    assert unlisted.visibility == "unlisted" and topic_names(plaza, unlisted.id) == {"重庆山火": False}
    assert "\n下周组织复绿植树" in unlisted.text
    assert boost.reblog_of_id == first.id and boost.text == ""
    again = import_mastodon(plaza.db, DATA / "mastodon", default_city=CITY)
    assert (again.accounts_unchanged, again.posts_unchanged, again.posts_created) == (1, 4, 0)


def test_a_mastodon_archive_without_an_outbox_is_unreadable(plaza: Plaza, tmp_path: Path) -> None:
    (tmp_path / "actor.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="outbox.json"):
        import_mastodon(plaza.db, tmp_path, default_city=CITY)
    (tmp_path / "fake.zip").write_bytes(b"PK not really")
    with pytest.raises(UnreadableInput):
        import_mastodon(plaza.db, tmp_path / "fake.zip", default_city=CITY)


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_import_reports_bad_rows_by_line(plaza: Plaza) -> None:
    path = DATA / "csv_posts.csv"  # with a byte-order mark, and a text over two lines
    report = import_csv(plaza.db, path, default_city=CITY)
    assert skipped(report) == [(f"{path}:6", "bad_count"), (f"{path}:7", "bad_date"), (f"{path}:8", "original_missing")]
    assert (report.accounts_created, report.posts_created) == (3, 4)
    emergency = account(plaza, "csv_cq_emergency")
    assert (emergency.kind, emergency.region_code, emergency.level, emergency.department_type) == (
        "government", "500000", "provincial", "emergency_management")
    fire = account(plaza, "csv_liu_fire")  # no region code: read from its name 北碚消防
    assert (fire.region_code, fire.level, fire.department_type, fire.home_city) == (
        "500109", "county", "fire_rescue", "500000")
    first = post(plaza, "p1", "csv")
    assert (first.reblogs_count, first.replies_count, first.favourites_count, first.reads_count) == (120, 45, 880, 52000)
    assert post(plaza, "p2", "csv").text == "【提醒】山火期间请勿前往火场周边，\n不要放飞无人机。"
    assert post(plaza, "p3", "csv").reblog_of_id == first.id
    big = post(plaza, "p7", "csv")
    assert (big.reblogs_count, big.favourites_count, big.reads_count) == (12_000, 20_000, 1_000_000)
    assert big.created_at.replace(tzinfo=UTC, microsecond=0) == datetime(2026, 11, 4, 1, 0, tzinfo=UTC)


def test_a_csv_without_the_required_columns_is_unreadable(plaza: Plaza, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("who,what\na,b\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="account, post_id, created_at"):
        import_csv(plaza.db, path, default_city=CITY)


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"PLAZA_DATA_DIR": str(tmp_path / "data"), "PLAZA_DATABASE_URL": database_url, "PLAZA_LOCALE": "en",
            "PLAZA_DEFAULT_CITY": "500000"}


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env)


def test_cli_imports_weibo_and_summarises(env: dict[str, str], tmp_path: Path) -> None:
    report_path = tmp_path / "report.tsv"
    result = run(["import", "weibo", str(WEIBO), "--report", str(report_path)], env)
    assert result.exit_code == 0, result.output
    assert "Imported from Weibo (5 file(s)" in result.output
    assert "accounts 6 created" in result.output and "posts 13 created" in result.output
    assert "Skipped 8:" in result.output
    assert f"{WEIBO / 'malformed.jsonl'}:2: not JSON" in result.output
    lines = report_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "kind\twhere\treason\tdetail" and len(lines) == 1 + 8
    again = run(["import", "weibo", str(WEIBO)], env)
    assert again.exit_code == 0 and "posts 0 created, 0 updated, 13 unchanged" in again.output
    zh = run(["import", "weibo", str(CQ_FILE)], {**env, "PLAZA_LOCALE": "zh-CN"})
    assert zh.exit_code == 0 and "已从微博导入" in zh.output


def test_cli_exits_1_when_nothing_could_be_read(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("not json at all", encoding="utf-8")
    result = run(["import", "weibo", str(tmp_path / "x.json")], env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Nothing was imported" in result.output and "weibo-crawler" in result.output
    (tmp_path / "empty").mkdir()
    bad_archive = run(["import", "mastodon", str(tmp_path / "empty")], env)
    assert bad_archive.exit_code == 1 and "outbox.json" in bad_archive.output
    (tmp_path / "h.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    bad_csv = run(["import", "csv", str(tmp_path / "h.csv")], env)
    assert bad_csv.exit_code == 1 and "header" in bad_csv.output and "repost_of" in bad_csv.output
    bad_city = run(["import", "weibo", str(CQ_FILE), "--city", "999999"], env)
    assert bad_city.exit_code == 1 and "999999" in bad_city.output


def test_cli_imports_mastodon_and_csv(env: dict[str, str], tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "archive"), "zip", DATA / "mastodon")
    result = run(["import", "mastodon", archive, "--city", "500103"], env)
    assert result.exit_code == 0, result.output
    assert "accounts 1 created" in result.output and "posts 4 created" in result.output
    csv_result = run(["import", "csv", str(DATA / "csv_posts.csv")], env)
    assert csv_result.exit_code == 0, csv_result.output
    assert f"{DATA / 'csv_posts.csv'}:6: count invalid" in csv_result.output
