"""The evaluation index's DuckDB engine counts exactly what the SQL statements count.

Both count the same square — native posts, reposts, comments, likes, follows, mentions answered
late, a followers-only post, a suspended account, government accounts reposting each other, and
Weibo posts imported with their own counters and reads — on SQLite and PostgreSQL, and every day,
every h-index and the whole period's results must agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from plaza.desk.metrics import parse_period
from plaza.hot.trust import FULL_AGE_DAYS
from plaza.index import compute, daily, engine, imports
from plaza.instance import Plaza
from plaza.square import follows, posts
from plaza.storage.schema import accounts, index_results
from tests import factories
from tests.test_index_compute import DAY, at, publish, square  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(engine.available("sqlite:////tmp/any.db") is not None,
                                reason="DuckDB is not installed (pip install 'plaza[index]')")


@pytest.fixture
def busy(plaza: Plaza, square, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]  # noqa: F811
    """The square of test_index_compute and more: days before and after, what each rule excludes."""
    monkeypatch.delenv(engine.ENV, raising=False)
    return build_busy(plaza, square)


def build_busy(plaza: Plaza, square, *, imported: bool = True):  # type: ignore[no-untyped-def]  # noqa: F811
    """``square`` and more (see :func:`busy`); with ``imported``, Weibo's example files imported."""
    fabu, police, old, new = square["fabu"], square["police"], square["old"], square["new"]
    farm = factories.citizen(plaza, "shui_jun")
    verified = factories.citizen(plaza, "ji_zhe")
    with plaza.db.write() as conn:
        conn.execute(update(accounts).where(accounts.c.id == farm.id).values(suspended=True))
        conn.execute(update(accounts).where(accounts.c.id == verified.id).values(verified_at=datetime.now(UTC)))
    before = DAY - timedelta(days=1)
    early = publish(plaza, police, "提醒：山火期间请勿进山", at(20, day=before))
    publish(plaza, police, "内部通知", at(21, day=before), visibility="private")  # not counted as a post
    posts.reblog(plaza.db, fabu, early, created_at=at(8))  # government reposting government, a day later
    posts.reblog(plaza.db, verified, early, created_at=at(9))
    posts.favourite(plaza.db, farm, early, created_at=at(9, 30))  # a suspended liker counts raw only
    posts.favourite(plaza.db, verified, early, created_at=at(9, 31))
    publish(plaza, new, "北碚的路通了吗", at(10, 30), in_reply_to_id=early)
    asked = publish(plaza, old, "@cq_gongan 山上还有人吗", at(22))
    publish(plaza, police, "@lao_wang 已全部撤离", at(9, day=DAY + timedelta(days=2)), in_reply_to_id=asked)
    follows.follow(plaza.db, verified.id, police.id, created_at=at(23))
    follows.follow(plaza.db, farm.id, police.id, created_at=at(23, 5))
    publish(plaza, fabu, "自己回复自己", at(23, 30), in_reply_to_id=square["first"])
    if imported:
        report = imports.import_weibo(plaza.db, [imports.EXAMPLES], default_city="500000")
        assert report.posts > 0
    square["early"] = early
    return square


def _sql_days(plaza: Plaza, first: date, end: date) -> dict[date, list[tuple]]:  # type: ignore[type-arg]
    out = {}
    with plaza.db.read() as conn:
        for i in range((end - first).days):
            day = first + timedelta(days=i)
            out[day] = sorted(entry.values(a, day) for a, entry in daily.count_day(conn, day).items())
    return out


@pytest.mark.parametrize("scan", [False, True], ids=["by-range", "by-scan"])
def test_every_day_counts_the_same_by_duckdb_and_by_the_statements(plaza: Plaza, busy, scan: bool) -> None:  # type: ignore[no-untyped-def]
    first, end = date(2026, 11, 1), date(2026, 12, 1)
    want = _sql_days(plaza, first, end)
    counted = engine.count_range(plaza.db.engine.url, first, end, age_days=FULL_AGE_DAYS, scan=scan)
    got = counted.days()
    for day, rows in want.items():
        assert sorted(got.get(day, [])) == rows, day
    # the square's own day and an imported day both have something to compare
    assert want[DAY] and any(rows for day, rows in want.items() if day.day == 1)
    fabu = {row[0]: row for row in got[DAY]}[busy["fabu"].id]
    assert fabu[2] == 3  # posts: two of 10 November and the repost of 重庆公安's post


def test_the_h_index_is_the_same_by_duckdb_and_by_the_statement(plaza: Plaza, busy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    period = parse_period("2026-11")
    by_duckdb = compute._h_index(plaza.db, period)
    monkeypatch.setenv(engine.ENV, "sql")
    assert compute._h_index(plaza.db, period) == by_duckdb
    assert by_duckdb  # the imported posts carry their reposts


def test_a_period_ranks_the_same_by_duckdb_and_by_the_statements(plaza: Plaza, busy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    period = parse_period("2026-11")
    now = datetime(2026, 12, 7, tzinfo=UTC)

    def ranked() -> list[tuple]:  # type: ignore[type-arg]
        compute.compute_period(plaza.db, period, now=now)
        with plaza.db.read() as conn:
            return conn.execute(select(index_results.c.account_id, index_results.c.rank, index_results.c.composite,
                                       index_results.c.bci, index_results.c.wci, index_results.c.figures)
                                .where(index_results.c.period == period.key)
                                .order_by(index_results.c.rank)).all()

    by_duckdb = ranked()
    from plaza.storage.schema import index_daily, index_days

    with plaza.db.write() as conn:
        conn.execute(index_daily.delete())
        conn.execute(index_days.delete())
    monkeypatch.setenv(engine.ENV, "sql")
    assert ranked() == by_duckdb
    assert len(by_duckdb) >= 5  # the square's two accounts and the imported ones


def test_the_engine_says_why_it_cannot_count(monkeypatch: pytest.MonkeyPatch) -> None:
    assert engine.available("sqlite://") == "an in-memory SQLite database"
    assert engine.available("mysql://x@localhost/plaza") == "no DuckDB scanner for mysql"
    monkeypatch.setenv(engine.ENV, "sql")
    assert engine.available("sqlite:////tmp/plaza.db") == f"{engine.ENV}=sql"
    monkeypatch.setenv(engine.ENV, "duckdb")
    with pytest.raises(RuntimeError, match="in-memory"):
        engine.engine_for("sqlite://")
