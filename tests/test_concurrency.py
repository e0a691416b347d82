"""What may happen at most once happens once, however many ask at the same moment.

A real ``plaza serve`` with several worker processes (three on PostgreSQL, two on SQLite), and
a crowd of HTTP clients (httpx, each on its own connection, so the kernel spreads them over the
workers) released together by a barrier, each doing the same act: repost one post, like it,
follow one account, retry one post with its ``Idempotency-Key``, sign up one username, exchange
one OAuth code — and the undoing acts (unrepost, unlike, unfollow, delete). For each: no answer
is a 5xx, every answer agrees with the others, the database holds the fact once, and the
counters equal what the tables hold.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bench import soaklib
from plaza.config import load_settings
from plaza.identity import oauth, tokens
from plaza.instance import Plaza
from plaza.square import accounts, posts
from plaza.storage.schema import (
    access_tokens,
    favourites,
    follows,
    idempotency_keys,
    notifications,
    statuses,
)
from plaza.storage.schema import accounts as accounts_table

pytestmark = pytest.mark.server

POSTGRES_URL = os.environ.get("PLAZA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: How many clients act at once.
CROWD = 16
_names = itertools.count(1)


@dataclass
class Served:
    url: str
    plaza: Plaza  # the same database, for setting up and for looking at what was written

    def citizen(self) -> tuple[Any, str]:
        """A new account and a bearer token of its own."""
        name = f"racer{next(_names)}"
        row = accounts.create(self.plaza.db, username=name, password=None, home_city="500000")
        secret, _token = tokens.issue(self.plaza.db, row.id, None, frozenset({"read", "write", "follow"}))
        return row, secret

    def count(self, table: Any, *where: Any) -> int:
        with self.plaza.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def account(self, account_id: int) -> Any:
        with self.plaza.db.read() as conn:
            return conn.execute(select(accounts_table).where(accounts_table.c.id == account_id)).one()

    def status(self, status_id: int) -> Any:
        with self.plaza.db.read() as conn:
            return conn.execute(select(statuses).where(statuses.c.id == status_id)).one()

    def assert_counts_true(self, account_id: int) -> None:
        """The account's counters equal what the tables hold."""
        row = self.account(account_id)
        assert row.statuses_count == self.count(statuses, statuses.c.account_id == account_id)
        assert row.followers_count == self.count(follows, follows.c.target_account_id == account_id)
        assert row.following_count == self.count(follows, follows.c.account_id == account_id)

    def at_once(self, act: Callable[[httpx.Client], httpx.Response], n: int = CROWD) -> list[httpx.Response]:
        """``n`` clients, each connected first, then released together to ``act``."""
        barrier = threading.Barrier(n)

        def one(_i: int) -> httpx.Response:
            with httpx.Client(base_url=self.url, timeout=60) as client:
                client.get("/api/v1/instance").raise_for_status()  # connected, to some worker
                barrier.wait()
                return act(client)

        with ThreadPoolExecutor(n) as pool:
            answers = list(pool.map(one, range(n)))
        failed = [(r.status_code, r.text[:200]) for r in answers if r.status_code >= 500]
        assert not failed, failed
        return answers


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp(f"races-{request.param}")
    schema = f"plaza_races_{os.getpid()}"
    if request.param == "sqlite":
        url, workers = f"sqlite:///{root / 'data' / 'plaza.db'}", 2
        (root / "data").mkdir()
    else:
        request.getfixturevalue("postgres_schema")  # skips (or fails if required) without it
        url, workers = soaklib.fresh_postgres_schema(POSTGRES_URL, schema), 3
    server = soaklib.PlazaProcess(root / "data", url, workers=workers, env={"PLAZA_RATE_LIMITS": "off"})
    plaza: Plaza | None = None
    try:
        server.start()  # migrates the database first
        settings = load_settings(env={}, data_dir=root / "tests", database_url=url, secret_key="test-secret",
                                 rate_limits=False)
        plaza = Plaza.from_settings(settings)
        yield Served(server.url, plaza)
        assert "Traceback" not in server.output(), server.output()[-4000:]
    finally:
        if plaza is not None:
            plaza.close()
        server.kill()
        if request.param == "postgres":
            soaklib.drop_postgres_schema(POSTGRES_URL, schema)


def test_a_crowd_reposting_one_post_as_one_account_makes_one_repost(served: Served) -> None:
    author, _ = served.citizen()
    fan, secret = served.citizen()
    original = posts.create(served.plaza.db, author, posts.NewStatus(text="#一起守护这座城# 山火救援进展"))

    answers = served.at_once(lambda c: c.post(f"/api/v1/statuses/{original}/reblog", headers=_auth(secret)))

    assert {r.status_code for r in answers} == {200}
    assert len({r.json()["id"] for r in answers}) == 1  # everyone hears of the same repost
    assert {r.json()["reblog"]["id"] for r in answers} == {str(original)}
    assert served.count(statuses, statuses.c.reblog_of_id == original) == 1
    assert served.status(original).reblogs_count == 1
    assert served.count(notifications, notifications.c.type == "reblog", notifications.c.status_id == original) == 1
    served.assert_counts_true(fan.id)

    undone = served.at_once(lambda c: c.post(f"/api/v1/statuses/{original}/unreblog", headers=_auth(secret)))

    assert {r.status_code for r in undone} == {200}
    assert served.count(statuses, statuses.c.reblog_of_id == original) == 0
    assert served.status(original).reblogs_count == 0
    served.assert_counts_true(fan.id)


def test_a_crowd_liking_one_post_as_one_account_likes_it_once(served: Served) -> None:
    author, _ = served.citizen()
    _fan, secret = served.citizen()
    liked = posts.create(served.plaza.db, author, posts.NewStatus(text="感谢消防员"))

    answers = served.at_once(lambda c: c.post(f"/api/v1/statuses/{liked}/favourite", headers=_auth(secret)))

    assert {r.status_code for r in answers} == {200}
    assert {(r.json()["favourited"], r.json()["favourites_count"]) for r in answers} == {(True, 1)}
    assert served.count(favourites, favourites.c.status_id == liked) == 1
    assert served.status(liked).favourites_count == 1
    assert served.count(notifications, notifications.c.type == "favourite", notifications.c.status_id == liked) == 1

    undone = served.at_once(lambda c: c.post(f"/api/v1/statuses/{liked}/unfavourite", headers=_auth(secret)))

    assert {r.status_code for r in undone} == {200}
    assert {(r.json()["favourited"], r.json()["favourites_count"]) for r in undone} == {(False, 0)}
    assert served.status(liked).favourites_count == 0


def test_a_crowd_following_one_account_as_one_account_follows_once(served: Served) -> None:
    star, _ = served.citizen()
    fan, secret = served.citizen()
    posts.create(served.plaza.db, star, posts.NewStatus(text="关注我们获取最新消息"))

    answers = served.at_once(lambda c: c.post(f"/api/v1/accounts/{star.id}/follow", headers=_auth(secret)))

    assert {r.status_code for r in answers} == {200}
    assert {r.json()["following"] for r in answers} == {True}
    assert served.count(follows, follows.c.account_id == fan.id, follows.c.target_account_id == star.id) == 1
    assert served.count(notifications, notifications.c.type == "follow", notifications.c.account_id == star.id) == 1
    served.assert_counts_true(star.id)
    served.assert_counts_true(fan.id)

    undone = served.at_once(lambda c: c.post(f"/api/v1/accounts/{star.id}/unfollow", headers=_auth(secret)))

    assert {r.status_code for r in undone} == {200}
    assert {r.json()["following"] for r in undone} == {False}
    served.assert_counts_true(star.id)
    served.assert_counts_true(fan.id)


def test_a_post_retried_at_once_with_one_idempotency_key_is_posted_once(served: Served) -> None:
    author, secret = served.citizen()
    headers = {**_auth(secret), "Idempotency-Key": "one-post-please"}

    answers = served.at_once(lambda c: c.post("/api/v1/statuses", headers=headers,
                                              json={"status": "#马上办# 路灯坏了"}))

    assert {r.status_code for r in answers} == {200}
    assert len({r.json()["id"] for r in answers}) == 1
    assert served.count(statuses, statuses.c.account_id == author.id) == 1
    assert served.count(idempotency_keys, idempotency_keys.c.account_id == author.id) == 1
    served.assert_counts_true(author.id)


def test_a_crowd_deleting_one_post_deletes_it_once(served: Served) -> None:
    author, secret = served.citizen()
    fan, _ = served.citizen()
    gone = posts.create(served.plaza.db, author, posts.NewStatus(text="发错了"))
    kept = posts.create(served.plaza.db, author, posts.NewStatus(text="这条留着"))
    posts.reblog(served.plaza.db, fan, gone)

    answers = served.at_once(lambda c: c.delete(f"/api/v1/statuses/{gone}", headers=_auth(secret)))

    assert sorted(r.status_code for r in answers) == [200] + [404] * (CROWD - 1)
    assert served.count(statuses, statuses.c.id == gone) == 0
    assert served.count(statuses, statuses.c.id == kept) == 1
    served.assert_counts_true(author.id)
    served.assert_counts_true(fan.id)


def test_a_crowd_signing_up_one_username_makes_one_account(served: Served) -> None:
    app, _secret = oauth.register_app(served.plaza.db, "抢注", None, "read write")
    app_token, _ = tokens.issue(served.plaza.db, None, app.id, frozenset({"read", "write"}))
    name = f"racer{next(_names)}"

    answers = served.at_once(lambda c: c.post(
        "/api/v1/accounts", headers=_auth(app_token),
        data={"username": name, "password": "correct horse battery", "agreement": "true"}), n=12)

    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [422] * 11, [r.text[:120] for r in answers]
    assert {r.json()["error"] for r in answers if r.status_code == 422} == {"用户名已被使用"}
    assert served.count(accounts_table, accounts_table.c.username_key == name) == 1


def test_a_crowd_exchanging_one_oauth_code_gets_one_token(served: Served) -> None:
    owner, _ = served.citizen()
    app, client_secret = oauth.register_app(served.plaza.db, "客户端", None, "read write")
    code = oauth.issue_code(served.plaza.db, app, owner.id, frozenset({"read"}), oauth.OOB)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": oauth.OOB,
            "client_id": app.client_id, "client_secret": client_secret}

    answers = served.at_once(lambda c: c.post("/oauth/token", data=form), n=12)

    assert sorted(r.status_code for r in answers) == [200] + [400] * 11
    assert {r.json()["error"] for r in answers if r.status_code == 400} == {"invalid_grant"}
    assert served.count(access_tokens, access_tokens.c.app_id == app.id,
                        access_tokens.c.account_id == owner.id) == 1

