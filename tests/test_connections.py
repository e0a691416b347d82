"""How Plaza uses database connections: many people signing in at once never exhaust them, a
thread that has read holds nothing afterwards, and an exhausted pool refuses (503) rather than
hangs. (The long proof under load is bench/soak.py; tests/test_soak.py runs a short one.)"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text

from plaza.app import create_app
from plaza.config import load_settings
from plaza.errors import ServiceBusy
from plaza.instance import Plaza
from plaza.storage.db import Database
from plaza.storage.engine import READ_POOL, make_engine
from tests.factories import citizen, post

PASSWORD = "correct horse battery"


def _sign_in(base: str, login: str) -> int:
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as browser:
        form = browser.get("/signin")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        answer = browser.post("/signin", data={"csrf_token": csrf.group(1), "login": login,
                                               "password": PASSWORD, "next": "/home"})
        return answer.status_code


@pytest.mark.server
def test_a_crowd_signing_in_on_the_web_at_once_leaves_the_server_answering(live_server) -> None:  # type: ignore[no-untyped-def]
    plaza = live_server.plaza
    people = [citizen(plaza, f"crowd{i}", password=PASSWORD) for i in range(4)]
    post(plaza, people[0], "人多的时候广场也要能打开 #压力测试#")
    with ThreadPoolExecutor(max_workers=24) as pool:
        outcomes = list(pool.map(lambda i: _sign_in(live_server.url, people[i % 4].username), range(24)))
    assert outcomes == [303] * 24  # every one signed in
    started = time.monotonic()
    with httpx.Client(base_url=live_server.url, timeout=30) as reader:
        assert reader.get("/api/v1/timelines/public").status_code == 200
        assert reader.get("/").status_code == 200
        assert _sign_in(live_server.url, people[1].username) == 303
    assert time.monotonic() - started < 20  # before the fix: 30 s per request, then 500s


def test_a_thread_that_has_read_holds_no_connection_afterwards(plaza: Plaza) -> None:
    """Threads that come and go (a thread pool's, hot search's) borrow a reading connection for
    their read and give it back: fifty of them leave the pool as it was."""
    db = plaza.db
    read_pool = db._read_engine.pool
    before = read_pool.checkedout()  # type: ignore[attr-defined]
    finished = threading.Barrier(51)

    def read_then_idle() -> None:
        with db.read() as conn:
            conn.execute(text("SELECT 1"))
        finished.wait(timeout=30)  # alive, idle, like a pooled worker thread

    threads = [threading.Thread(target=read_then_idle) for _ in range(50)]
    for thread in threads:
        thread.start()
    finished.wait(timeout=30)
    try:
        assert read_pool.checkedout() == before  # type: ignore[attr-defined]
        with db.write() as conn:  # writes never wait behind idle readers
            conn.execute(text("SELECT 1"))
    finally:
        for thread in threads:
            thread.join()


def test_an_exhausted_pool_refuses_with_503_instead_of_hanging(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """Were every reading connection held (it takes a fault to get there), a request is refused
    at once with 503 and Retry-After — and the server answers again once they are back."""
    from starlette.testclient import TestClient

    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="test-secret", rate_limits=False)
    db = Database(make_engine(settings),
                  read_engine=make_engine(settings, pool_size=READ_POOL, max_overflow=0, pool_timeout=0.5,
                                          autocommit=True))
    plaza = Plaza.from_settings(settings, db=db)
    held = threading.Event()
    release = threading.Event()
    holders = []

    def hold() -> None:
        with db.read():
            held.set()
            release.wait(timeout=30)

    for _ in range(READ_POOL):
        thread = threading.Thread(target=hold)
        thread.start()
        holders.append(thread)
    held.wait(timeout=10)
    time.sleep(0.2)
    try:
        with pytest.raises(ServiceBusy), db.read():
            pass
        with TestClient(create_app(plaza=plaza), base_url="http://127.0.0.1:8000") as client:
            started = time.monotonic()
            busy = client.get("/api/v1/accounts/lookup?acct=nobody")
            assert busy.status_code == 503
            assert busy.headers["Retry-After"].isdigit()
            assert time.monotonic() - started < 5
            release.set()
            for thread in holders:
                thread.join()
            assert client.get("/api/v1/accounts/lookup?acct=nobody").status_code == 404
    finally:
        release.set()
        for thread in holders:
            thread.join()
        db.dispose()


def test_cpu_heavy_work_beyond_the_queue_is_refused_at_once_and_abandoned_work_is_dropped(plaza: Plaza) -> None:
    """Argon2 checks wait in a bounded queue: a crowd larger than it is refused with 503 at once,
    and a check that waited past its deadline (the person has given up) is never computed."""
    import asyncio

    pool = plaza._compute
    pool.QUEUE = 4  # type: ignore[misc]
    pool.DEADLINE = 0.3  # type: ignore[misc]
    release = threading.Event()
    computed: list[int] = []

    def work(n: int):  # type: ignore[no-untyped-def]
        def run() -> int:
            release.wait(timeout=10)
            computed.append(n)
            return n
        return run

    async def crowd() -> list[object]:
        jobs = [asyncio.ensure_future(plaza.compute(work(n))) for n in range(7)]
        await asyncio.sleep(0.5)  # two run, two wait past their deadline, three were refused
        release.set()
        return await asyncio.gather(*jobs, return_exceptions=True)

    results = asyncio.run(crowd())
    refused = [r for r in results if isinstance(r, ServiceBusy)]
    done = [r for r in results if isinstance(r, int)]
    assert len(refused) == 5 and len(done) == 2
    assert sorted(computed) == sorted(done)  # the abandoned ones never ran
