"""The day counts kept as the square writes equal the days counted again from the square's rows.

The square of test_index_engine (posts, reposts, comments, likes, follows, mentions answered late,
a followers-only post, a suspended liker, government accounts reposting each other, imported Weibo
posts) is written through the square's own functions; the journal its triggers filled is folded
and every day compared with the count from the rows (DuckDB where installed, else the SQL
statements). Then the square takes things back — an unlike, an unfollow, an unrepost, a comment
deleted, the first answer to a mention deleted (the next reply becomes the answer), a government
post with likes, reposts, comments and mentions deleted, a citizen's account deleted — and the
two must agree again: on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from plaza.index import compute, daily, kept
from plaza.instance import Plaza
from plaza.square import follows, posts
from plaza.storage.schema import INDEX_DAILY_COUNTS, accounts, index_daily, index_days, index_journal, index_keeping
from tests import factories
from tests.test_index_compute import DAY, at, publish, square  # noqa: F401  (the fixture)
from tests.test_index_engine import build_busy, busy  # noqa: F401  (the fixture)

FIRST, END = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def acts(plaza: Plaza, square):  # type: ignore[no-untyped-def]  # noqa: F811
    """test_index_engine's square, written after keeping began; without its imported posts."""
    _keep_all(plaza)
    return build_busy(plaza, square, imported=False)


def _keep_all(plaza: Plaza) -> None:
    """Keeping began before the square's first act (as on a server running since then)."""
    with plaza.db.write() as conn:
        conn.execute(delete(index_keeping))
        conn.execute(insert(index_keeping).values(id=1, since_id=0))


def _kept(plaza: Plaza) -> dict[date, list[tuple[Any, ...]]]:
    """index_daily as the fold left it, by day (rows as daily._COLUMNS orders them)."""
    out: dict[date, list[tuple[Any, ...]]] = {}
    with plaza.db.read() as conn:
        for row in conn.execute(select(index_daily).where(index_daily.c.day >= FIRST, index_daily.c.day < END)):
            values = row._mapping
            day = values["day"] if isinstance(values["day"], date) else date.fromisoformat(str(values["day"]))
            out.setdefault(day, []).append((int(values["account_id"]), day,
                                            *(int(values[k]) for k in INDEX_DAILY_COUNTS), values["answer_minutes"]))
    return {day: sorted(rows) for day, rows in out.items()}


def _counted(plaza: Plaza) -> dict[date, list[tuple[Any, ...]]]:
    return {day: sorted(tuple(r) for r in rows) for day, rows in daily._count(plaza.db, FIRST, END).items() if rows}


def _same(plaza: Plaza, asked: set[date]) -> kept.Folded:
    folded = kept.fold(plaza.db, now=datetime(2026, 12, 7, tzinfo=UTC))
    with plaza.db.read() as conn:
        asked = asked | kept.recount_days(conn)
    got, want = _kept(plaza), _counted(plaza)
    for day in sorted(set(got) | set(want)):
        if day in asked:
            continue
        assert got.get(day, []) == want.get(day, []), day
    return folded


def test_the_kept_days_equal_the_days_counted_from_the_rows(plaza: Plaza, acts) -> None:  # type: ignore[no-untyped-def]
    folded = _same(plaza, set())
    assert DAY in folded.days and not folded.recount
    fabu = acts["fabu"]
    row = {r[0]: r for r in _kept(plaza)[DAY]}[fabu.id]
    counts = dict(zip(INDEX_DAILY_COUNTS, row[2:-1], strict=True))
    assert counts["posts"] == 3 and counts["likes"] == 2 and counts["reposters"] == 2 and counts["mentions"] == 2
    with plaza.db.read() as conn:  # folded: the journal is empty
        assert conn.execute(select(index_journal.c.seq)).first() is None


def test_what_is_taken_back_is_taken_from_the_kept_days(plaza: Plaza, acts) -> None:  # type: ignore[no-untyped-def]
    _same(plaza, set())
    fabu, police, old, new = acts["fabu"], acts["police"], acts["old"], acts["new"]
    first = acts["first"]
    # an unlike, an unfollow, an unrepost, a comment deleted
    posts.unfavourite(plaza.db, new, first)
    follows.unfollow(plaza.db, new.id, fabu.id)
    posts.unreblog(plaza.db, new, first)
    with plaza.db.read() as conn:
        from plaza.storage.schema import statuses

        replies = [r.id for r in conn.execute(select(statuses.c.id, statuses.c.account_id).where(
            statuses.c.in_reply_to_id == first)) if r.account_id == new.id]
    posts.delete_status(plaza.db, new, replies[0])
    # a mention answered twice: the first answer deleted, the second becomes the answer
    asked = publish(plaza, old, "@cq_gongan 北碚的路还封着吗", at(15))
    one = publish(plaza, police, "@lao_wang 正在核实", at(15, 30), in_reply_to_id=asked)
    publish(plaza, police, "@lao_wang 已经通了", at(18), in_reply_to_id=asked)
    posts.delete_status(plaza.db, police, one)
    _same(plaza, set())
    # a government post with what was done to it, and its mentions
    liked = publish(plaza, police, "@cq_fabu 联合通报：山火已扑灭", at(16))
    posts.favourite(plaza.db, old, liked, created_at=at(16, 5))
    posts.favourite(plaza.db, new, liked, created_at=at(17, day=DAY + timedelta(days=1)))
    posts.reblog(plaza.db, old, liked, created_at=at(16, 10))
    publish(plaza, new, "辛苦", at(16, 20), in_reply_to_id=liked)
    publish(plaza, fabu, "@cq_gongan 收到", at(16, 30), in_reply_to_id=liked)
    _same(plaza, set())
    posts.delete_status(plaza.db, police, liked)
    _same(plaza, set())
    # a citizen's account deleted: the days of its likes, reposts and follows are counted again
    passer = factories.citizen(plaza, "lu_guo", created_at=datetime.now(UTC) - timedelta(days=400))
    posts.favourite(plaza.db, passer, first, created_at=at(19))
    posts.reblog(plaza.db, passer, first, created_at=at(19, 1))
    follows.follow(plaza.db, passer.id, police.id, created_at=at(19, 2))
    _same(plaza, set())
    with plaza.db.write() as conn:
        conn.execute(delete(accounts).where(accounts.c.id == passer.id))
    folded = _same(plaza, set())
    assert DAY in folded.recount
    # counted again once over: then every day equals the count from the rows
    daily.compute_days(plaza.db, FIRST, END, now=datetime(2026, 12, 7, tzinfo=UTC))
    assert _kept(plaza) == _counted(plaza)
    with plaza.db.read() as conn:
        assert not kept.recount_days(conn)


def test_a_period_of_kept_days_is_only_rolled_up(plaza: Plaza, busy) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Kept days are marked computed without a count from the rows; a day asked to be counted
    again is counted once it is over; both give the same ranking as counting everything."""
    _keep_all(plaza)
    period = compute.period_for("2026-11", now=datetime(2026, 12, 7, tzinfo=UTC))
    now = datetime(2026, 12, 7, tzinfo=UTC)
    kept_results = compute.compute_period(plaza.db, period, now=now)
    with plaza.db.read() as conn:
        computed = {r.day for r in conn.execute(select(index_days.c.day))}
        assert not kept.recount_days(conn)  # the imported days were counted again
    assert DAY in computed or date.fromisoformat(str(DAY)) in computed
    daily.compute_days(plaza.db, period.first, period.end, now=now, recount=True)
    counted_results = compute.compute_period(plaza.db, period, now=now)
    assert [(r.account_id, r.rank, round(r.composite, 9)) for r in kept_results] == [
        (r.account_id, r.rank, round(r.composite, 9)) for r in counted_results]


def test_days_before_keeping_began_are_counted_from_the_rows(plaza: Plaza, busy) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with plaza.db.read() as conn:
        since = kept.since_id(conn)
    assert not kept.keeps(DAY, since)  # the migration ran today: November was before it
    assert kept.keeps(kept.first_kept_day(since), since)
    assert not kept.keeps(kept.first_kept_day(since) - timedelta(days=1), since)



def test_the_command_line_counts_kept_days_again_only_when_asked(plaza: Plaza, acts, database_url: str,  # type: ignore[no-untyped-def]
                                                                 tmp_path) -> None:
    from click.testing import CliRunner

    from plaza.cli import main

    env = {"PLAZA_DATA_DIR": str(tmp_path / "data"), "PLAZA_DATABASE_URL": database_url, "PLAZA_LOCALE": "en"}
    kept.fold(plaza.db, now=datetime(2026, 12, 7, tzinfo=UTC))
    fabu = acts["fabu"].id
    with plaza.db.write() as conn:  # a kept count gone wrong (say, by hand)
        conn.execute(index_daily.update().where(index_daily.c.account_id == fabu, index_daily.c.day == DAY)
                     .values(likes=999))

    def likes() -> int:
        with plaza.db.read() as conn:
            return int(conn.execute(select(index_daily.c.likes).where(
                index_daily.c.account_id == fabu, index_daily.c.day == DAY)).scalar_one())

    done = CliRunner().invoke(main, ["index", "compute", "--period", "2026-11"], env=env)
    assert done.exit_code == 0, done.output
    assert likes() == 999  # a kept day is rolled up, not counted again
    again = CliRunner().invoke(main, ["index", "compute", "--period", "2026-11", "--recount"], env=env)
    assert again.exit_code == 0, again.output
    assert likes() == 2 and "2026-11" in again.output
