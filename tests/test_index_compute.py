"""The evaluation index computed from the square: a day's counts per government account (what
counts, on which Beijing day, trusted or not) and a period's ranking, scores and flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from plaza.desk.metrics import parse_period
from plaza.errors import Invalid
from plaza.index import compute, daily, formulas
from plaza.instance import Plaza
from plaza.square import follows, posts
from plaza.storage.schema import index_daily, index_results
from plaza.workflow.worktime import BEIJING
from tests import factories

DAY = date(2026, 11, 10)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A moment of a Beijing day, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


def publish(plaza: Plaza, author, body: str, when: datetime, **kw) -> int:  # type: ignore[no-untyped-def]
    return posts.create(plaza.db, author, posts.NewStatus(text=body, **kw), created_at=when)


@pytest.fixture
def square(plaza: Plaza):  # type: ignore[no-untyped-def]
    """重庆发布 posts on 10 November; an old (trusted) and a new citizen repost, comment, like,
    mention and follow it; 重庆公安 stays silent."""
    fabu = factories.government(plaza, "cq_fabu", "重庆发布")
    police = factories.government(plaza, "cq_gongan", "重庆公安", department_type="public_security",
                                  agency="重庆市公安局")
    old = factories.citizen(plaza, "lao_wang", created_at=datetime.now(UTC) - timedelta(days=400))
    new = factories.citizen(plaza, "xin_hao")
    first = publish(plaza, fabu, "#重庆山火# 最新通报：北碚明火已全部扑灭", at(10))
    other = publish(plaza, old, "感谢消防员和志愿者", at(9))
    posts.reblog(plaza.db, fabu, other, created_at=at(10, 5))
    publish(plaza, fabu, "谢谢您的关心", at(10, 10), in_reply_to_id=other)
    posts.reblog(plaza.db, old, first, created_at=at(11))
    posts.reblog(plaza.db, new, first, created_at=at(11, 1))
    publish(plaza, old, "辛苦了", at(11, 20), in_reply_to_id=first)
    publish(plaza, new, "什么时候能上山？", at(11, 25), in_reply_to_id=first)
    posts.favourite(plaza.db, old, first, created_at=at(12))
    posts.favourite(plaza.db, new, first, created_at=at(12, 1))
    asked = publish(plaza, new, "@cq_fabu 缙云山下的路什么时候通？", at(12, 10))
    publish(plaza, fabu, "@xin_hao 预计明天上午恢复通行", at(12, 40), in_reply_to_id=asked)
    publish(plaza, new, "@cq_fabu 还有人在山上吗", at(13))
    follows.follow(plaza.db, old.id, fabu.id, created_at=at(13, 30))
    follows.follow(plaza.db, new.id, fabu.id, created_at=at(13, 31))
    # 00:30 on 11 November in Beijing is still 10 November in UTC: the next day's like
    posts.favourite(plaza.db, old, asked, created_at=at(0, 30, DAY + timedelta(days=1)))
    return {"fabu": fabu, "police": police, "old": old, "new": new, "first": first}


def test_a_day_counts_what_each_government_account_posted_and_what_others_did_to_it(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    with plaza.db.read() as conn:
        found = daily.count_day(conn, DAY)
    fabu = found[square["fabu"].id].counts
    assert square["police"].id not in found  # nothing happened to it
    assert (fabu["posts"], fabu["originals"], fabu["replies_given"], fabu["replies_to_citizens"]) == (2, 1, 2, 2)
    assert (fabu["reposts"], fabu["original_reposts"], fabu["reposters"]) == (2, 2, 2)
    assert (fabu["trusted_reposts"], fabu["trusted_reposters"]) == (1, 1)  # the new account counts raw only
    assert (fabu["comments"], fabu["original_comments"]) == (2, 2)
    assert (fabu["likes"], fabu["trusted_likes"], fabu["likes_max"]) == (2, 1, 2)
    assert (fabu["mentions"], fabu["mentions_answered"]) == (2, 1)
    assert (fabu["followers_gained"], fabu["trusted_followers_gained"]) == (2, 1)
    assert found[square["fabu"].id].answer_minutes.total() == 1
    # the citizens are not ranked: only government accounts are counted
    assert square["old"].id not in found and square["new"].id not in found


def test_a_day_ends_at_midnight_beijing_time_not_utc(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    with plaza.db.read() as conn:
        next_day = daily.count_day(conn, DAY + timedelta(days=1))
    # the like at 00:30 Beijing went to a citizen's post: nothing for 重庆发布 on the 11th
    assert square["fabu"].id not in next_day
    assert not next_day or all(c.counts["likes"] == 0 for c in next_day.values())


def test_computing_a_day_twice_stores_it_once(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    daily.compute_day(plaza.db, DAY)
    daily.compute_day(plaza.db, DAY)
    with plaza.db.read() as conn:
        rows = conn.execute(select(index_daily).where(index_daily.c.account_id == square["fabu"].id)).all()
    assert len(rows) == 1 and rows[0].posts == 2 and rows[0].answer_minutes != ""


def test_a_month_ranks_the_answering_account_first_and_flags_the_silent_one(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    period = parse_period("2026-11")
    ranked = compute.compute_period(plaza.db, period, now=at(12, 0, date(2026, 12, 7)))
    by_id = {r.account_id: r for r in ranked}
    fabu, police = by_id[square["fabu"].id], by_id[square["police"].id]
    assert [r.account_id for r in ranked] == [fabu.account_id, police.account_id]
    assert (fabu.rank, police.rank) == (1, 2)
    assert fabu.composite > police.composite
    assert "silent_14_days" in police.figures["flags"] and "silent_14_days" in fabu.figures["flags"]
    raw = fabu.figures["raw"]
    assert raw["mention_answer_rate"] == 0.5 and 25 <= raw["answer_minutes"] <= 35
    assert fabu.figures["scores"]["mention_answer_rate"] == 50.0  # a rate scores as a percentage
    # the classic index over the same month's totals
    expected = formulas.bci(2, 1, 2, 2, 2, 2, 2).value
    assert fabu.bci == pytest.approx(expected, abs=0.01)
    assert fabu.wci is None  # no reads known on the square
    assert fabu.dimensions["service"] is None  # no desk cases, no help: "no data", not zero
    assert fabu.figures["partial"] is True
    with plaza.db.read() as conn:
        stored = conn.execute(select(index_results.c.account_id, index_results.c.rank)
                              .where(index_results.c.period == "2026-11").order_by(index_results.c.rank)).all()
    assert [tuple(r) for r in stored] == [(fabu.account_id, 1), (police.account_id, 2)]


def test_periods_in_the_future_or_before_the_data_are_refused() -> None:
    now = datetime(2026, 12, 7, 4, tzinfo=UTC)
    with pytest.raises(Invalid) as future:
        compute.period_for("2027-01", now=now)
    assert future.value.key == "index_period_future"
    with pytest.raises(Invalid) as early:
        compute.period_for("2019-03", now=now, first_data=datetime(2025, 1, 1, tzinfo=UTC))
    assert early.value.key == "index_period_before_data"
    assert compute.period_for("2026-11", now=now).key == "2026-11"


def _hot_event(plaza: Plaza, topic: str, city: str, reached: datetime) -> None:
    from plaza.storage.schema import hot_topic_records

    with plaza.db.write() as conn:
        conn.execute(hot_topic_records.insert().values(
            topic=topic, list_key=city, first_onboard_at=reached.timestamp(), last_seen_at=reached.timestamp() + 3600,
            seconds_on_list=3600.0, peak_rank=2, peak_heat=900_000, peak_at=reached.timestamp() + 600))


def test_a_hot_event_is_answered_by_the_responsible_account_that_posted_in_it(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    from plaza.index import response

    _hot_event(plaza, "重庆山火", "500000", at(10, 30))
    _hot_event(plaza, "缙云山封路", "500000", at(15))  # nobody responsible posted in it
    events = {e.topic: e for e in response.detect(plaza.db, parse_period("2026-11"), now=at(12, 0, date(2026, 12, 7)))}
    fire = events["重庆山火"]
    assert fire.department_type == "fire_rescue" and fire.region_code == "500000"
    assert square["fabu"].id in fire.responsible  # the city's publicity account
    assert square["police"].id not in fire.responsible  # a fire is not the police's event
    assert fire.answered and fire.answered_by == square["fabu"].id and fire.minutes == 0
    assert not events["缙云山封路"].answered
    rates = response.account_rates(plaza.db, parse_period("2026-11"), now=at(12, 0, date(2026, 12, 7)))
    assert rates[square["fabu"].id] == (2, 1)


@pytest.fixture
def computed(plaza: Plaza, square):  # type: ignore[no-untyped-def]
    _hot_event(plaza, "重庆山火", "500000", at(10, 30))
    compute.compute_period(plaza.db, parse_period("2026-11"), now=at(12, 0, date(2026, 12, 7)))
    return square


def test_the_ranking_reads_through_the_api_with_filters_and_exports(client, computed) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/plaza/v1/index", params={"period": "2026-11"}).json()
    assert [a["account"]["username"] for a in body["accounts"]] == ["cq_fabu", "cq_gongan"]
    first = body["accounts"][0]
    assert first["rank"] == 1 and first["bci"] > 0 and first["service"] is None and first["partial"] is True
    assert body["total"] == 2 and body["settings"]["weights"]["service"] == 0.35
    police = client.get("/api/plaza/v1/index", params={"period": "2026-11", "department_type": "public_security"}).json()
    assert [a["account"]["username"] for a in police["accounts"]] == ["cq_gongan"]
    assert police["accounts"][0]["rank"] == 1 and police["accounts"][0]["overall_rank"] == 2
    assert "silent_14_days" in police["accounts"][0]["flags"]
    elsewhere = client.get("/api/plaza/v1/index", params={"period": "2026-11", "region": "310000"}).json()
    assert elsewhere["total"] == 0 and elsewhere["accounts"] == []
    exported = client.get("/api/plaza/v1/index", params={"period": "2026-11", "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("rank,overall_rank") and "cq_fabu" in lines[1]
    book = client.get("/api/plaza/v1/index", params={"period": "2026-11", "format": "xlsx"})
    assert book.status_code == 200 and book.content[:2] == b"PK"


def test_an_account_reads_its_indicators_ranks_and_classic_indices(client, computed) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/plaza/v1/index/accounts/cq_fabu", params={"period": "2026-11"}).json()
    assert body["ranks"]["overall"] == {"rank": 1, "of": 2}
    assert body["ranks"]["department_type"] == {"rank": 1, "of": 1}
    assert body["bci"]["value"] == pytest.approx(formulas.bci(2, 1, 2, 2, 2, 2, 2).value, abs=0.01)
    assert body["wci"] is None
    indicators = {i["key"]: i for i in body["indicators"]}
    assert indicators["trusted_reposters"]["value"] == 1 and indicators["mention_answer_rate"]["value"] == 0.5
    assert indicators["hot_response_rate"]["value"] == 1.0
    assert body["history"][-1]["period"] == "2026-11"
    citizen = client.get("/api/plaza/v1/index/accounts/lao_wang", params={"period": "2026-11"})
    assert citizen.status_code == 404
    events = client.get("/api/plaza/v1/index/events", params={"period": "2026-11"}).json()
    assert events["events_count"] == 1 and events["events"][0]["answered_by"]["username"] == "cq_fabu"


def test_bad_index_requests_get_clear_errors_in_the_readers_language(client, computed) -> None:  # type: ignore[no-untyped-def]
    future = client.get("/api/plaza/v1/index", params={"period": "2031-01"})
    assert future.status_code == 422 and "尚未开始" in future.json()["error"]
    missing = client.get("/api/plaza/v1/index", params={"period": "2026-10"}, headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and "plaza index compute --period 2026-10" in missing.json()["error"]
    level = client.get("/api/plaza/v1/index", params={"period": "2026-11", "level": "galactic"})
    assert level.status_code == 422 and "galactic" in level.json()["error"]
    limit = client.get("/api/plaza/v1/index", params={"period": "2026-11", "limit": "0"})
    assert limit.status_code == 422 and "limit" in limit.json()["error"]
    region = client.get("/api/plaza/v1/index", params={"period": "2026-11", "region": "999999"})
    assert region.status_code == 422


def test_the_nightly_run_computes_yesterdays_periods_once_a_day(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    morning = at(3, 0, date(2026, 11, 11))
    assert set(compute.nightly(plaza.db, now=morning)) == {"2026-11", "2026-W46", "2026-Q4"}
    assert compute.nightly(plaza.db, now=morning + timedelta(hours=5)) == []  # done today
    with plaza.db.read() as conn:
        ranked = conn.execute(select(index_results.c.account_id).where(index_results.c.period == "2026-11")).all()
    assert {r.account_id for r in ranked} == {square["fabu"].id, square["police"].id}
