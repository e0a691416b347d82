"""Group commit: posts submitted together are written in one transaction, each in its own
savepoint — a failing one is rolled back alone and its caller gets its error."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from plaza.errors import Invalid
from plaza.instance import Plaza
from plaza.square import follows, posts, timelines
from plaza.square.pagination import Page
from tests import factories


@pytest.mark.parametrize("failing", [0, 5, 10])
def test_concurrent_posts_all_land_and_one_failure_is_rolled_back_alone(plaza: Plaza, failing: int) -> None:
    author = factories.citizen(plaza)
    follower = factories.citizen(plaza)
    follows.follow(plaza.db, follower.id, author.id)

    def good(i: int):  # type: ignore[no-untyped-def]
        return lambda: posts.create(plaza.db, author, posts.NewStatus(text=f"第{i}条 #一起守护这座城#"))

    def bad():  # type: ignore[no-untyped-def]
        posts.create(plaza.db, author, posts.NewStatus(text="写了一半就失败"))
        raise Invalid("text_empty")

    async def submit() -> list[object]:
        jobs = [plaza.db.batched(good(i)) for i in range(10)]
        jobs.insert(failing, plaza.db.batched(bad))
        return await asyncio.gather(*jobs, return_exceptions=True)

    results = asyncio.run(submit())
    assert isinstance(results[failing], Invalid)
    written = [r for i, r in enumerate(results) if i != failing]
    assert all(isinstance(r, int) for r in written)
    home = timelines.home(plaza.db, follower.id, Page(limit=40))
    assert sorted(home) == sorted(written)  # every good post, and nothing of the failed one
    assert timelines.topic_count(plaza.db, "一起守护这座城") == 10


def test_a_batched_post_is_readable_when_its_caller_hears_back(plaza: Plaza) -> None:
    author = factories.citizen(plaza)

    async def post_then_read() -> tuple[int, list[int]]:
        status_id = await plaza.db.batched(
            lambda: posts.create(plaza.db, author, posts.NewStatus(text="重庆加油")))
        return status_id, timelines.home(plaza.db, author.id, Page())

    status_id, home = asyncio.run(post_then_read())
    assert home[0] == status_id


def test_a_repeated_idempotency_key_in_one_batch_makes_one_post(plaza: Plaza) -> None:
    author = factories.citizen(plaza)

    async def twice() -> list[int]:
        def job() -> object:
            return posts.create(plaza.db, author, posts.NewStatus(text="只发一次"), idempotency_key="same-key")

        return list(await asyncio.gather(plaza.db.batched(job), plaza.db.batched(job)))

    first, second = asyncio.run(twice())
    assert first == second
    assert timelines.home(plaza.db, author.id, Page()) == [first]


@pytest.mark.postgres
def test_a_batch_caught_in_a_deadlock_is_run_again_and_every_job_lands(plaza: Plaza) -> None:
    """Another process's transaction and a batch lock two rows in opposite orders; PostgreSQL
    aborts one of them. Whichever it picks, every job of the batch lands and no caller hears of
    the deadlock."""
    if plaza.db.is_sqlite:
        pytest.skip("SQLite has one writer at a time: no deadlock between writers")
    import threading
    import time

    from sqlalchemy import text

    first, second = factories.citizen(plaza), factories.citizen(plaza)
    bump = text("UPDATE accounts SET following_count = following_count + 1 WHERE id = :id")
    other = plaza.db.engine.connect()
    holding = threading.Event()

    def other_process() -> None:  # holds `second`, then wants `first`, which the batch holds
        with other.begin():
            other.execute(bump, {"id": second.id})
            holding.set()
            time.sleep(0.5)
            other.execute(bump, {"id": first.id})

    def lock(account_id: int):  # type: ignore[no-untyped-def]
        def job() -> int:
            with plaza.db.write() as conn:
                conn.execute(bump, {"id": account_id})
            return account_id
        return job

    async def batch() -> list[object]:
        jobs = [plaza.db.batched(lock(first.id)), plaza.db.batched(lock(second.id))]
        return await asyncio.gather(*jobs, return_exceptions=True)

    thread = threading.Thread(target=other_process)
    thread.start()
    holding.wait(timeout=10)
    try:
        results = asyncio.run(batch())
    finally:
        thread.join(timeout=30)
        other.close()
    assert results == [first.id, second.id]
    with plaza.db.read() as conn:
        counts = dict(conn.execute(text("SELECT id, following_count FROM accounts WHERE id IN (:a, :b)"),
                                   {"a": first.id, "b": second.id}).all())
    # the batch's two bumps, and the other transaction's two unless it was the one aborted
    assert counts[first.id] == counts[second.id] and counts[first.id] in (1, 2)


@pytest.mark.postgres
def test_a_batchs_posts_leave_their_authors_rows_unlocked_until_the_batch_ends(plaza: Plaza) -> None:
    """Two processes' batches with posts by the same authors in opposite orders deadlocked on
    the authors' rows (a second's stall each time). A batch's posts now count on their authors'
    rows at its end, in id order: while its jobs run, another transaction may lock those rows,
    and each post still answers with its author's count as it will be."""
    if plaza.db.is_sqlite:
        pytest.skip("SQLite has one writer at a time: no deadlock between writers")
    from sqlalchemy import text

    first, second = factories.citizen(plaza), factories.citizen(plaza)
    other = plaza.db.engine.connect()

    def post(author):  # type: ignore[no-untyped-def]
        return lambda: posts.publish(plaza.db, author.id, posts.NewStatus(text=f"{author.username} 报平安"))

    def probe() -> str:  # a job after the posts: the authors' rows are not held by the batch
        with other.begin():
            other.execute(text("SET LOCAL lock_timeout = '300ms'"))
            other.execute(text("SELECT id FROM accounts WHERE id IN (:a, :b) FOR NO KEY UPDATE"),
                          {"a": first.id, "b": second.id})
        return "free"

    async def batch() -> list[object]:
        return await asyncio.gather(plaza.db.batched(post(second)), plaza.db.batched(post(first)),
                                    plaza.db.batched(post(second)), plaza.db.batched(probe),
                                    return_exceptions=True)

    try:
        results = asyncio.run(batch())
    finally:
        other.close()
    assert results[3] == "free"
    shown = [(r.author.id, r.author.statuses_count) for r in results[:3]]  # type: ignore[union-attr]
    assert shown == [(second.id, 1), (first.id, 1), (second.id, 2)]
    with plaza.db.read() as conn:
        counts = dict(conn.execute(text("SELECT id, statuses_count FROM accounts WHERE id IN (:a, :b)"),
                                   {"a": first.id, "b": second.id}).all())
    assert counts == {first.id: 1, second.id: 2}


def test_a_deadlock_or_duplicate_raised_by_the_driver_itself_is_recognised_like_one_through_sqlalchemy() -> None:
    # plaza.storage.fast runs statements on psycopg's cursor: its errors come unwrapped, and a
    # batch that deadlocked must run again rather than fail its posts (seen in bench/help_surge.py)
    import psycopg.errors

    from plaza.storage import db as storage_db

    assert storage_db._must_retry(psycopg.errors.DeadlockDetected())
    assert storage_db._must_retry(psycopg.errors.SerializationFailure())
    assert not storage_db._must_retry(psycopg.errors.UndefinedTable())
    assert storage_db._duplicate(psycopg.errors.UniqueViolation())
    assert storage_db._duplicate(sqlite3.IntegrityError("UNIQUE constraint failed: favourites.account_id"))
    assert not storage_db._duplicate(sqlite3.IntegrityError("NOT NULL constraint failed: statuses.text"))
