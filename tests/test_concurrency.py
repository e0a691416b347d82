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

import asyncio
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from bench import soaklib
from plaza.config import load_settings, normalise_database_url
from plaza.identity import oauth, tokens
from plaza.instance import Plaza
from plaza.square import accounts, posts
from plaza.storage.ids import new_id
from plaza.storage.migrate import upgrade
from plaza.storage.schema import (
    access_tokens,
    favourites,
    follows,
    home_feed,
    idempotency_keys,
    notifications,
    status_topics,
    statuses,
    topic_hosts,
    topics,
)
from plaza.storage.schema import accounts as accounts_table
from tests.hotsupport import bearer_for, seasoned

POSTGRES_URL = os.environ.get("PLAZA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: How many clients act at once.
CROWD = 16
_names = itertools.count(1)


@dataclass
class Served:
    url: str
    plaza: Plaza  # the same database, for setting up and for looking at what was written

    def citizen(self, role: str = "user") -> tuple[Any, str]:
        """A new account and a bearer token of its own."""
        name = f"racer{next(_names)}"
        row = accounts.create(self.plaza.db, username=name, password=None, home_city="500000", role=role)
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


@pytest.mark.server
class TestWhatIsDoneOnceIsDoneOnceWhenSentAtOnce:
    """Each act sent by a crowd at the same moment, to a server of several processes."""

    def test_a_crowd_reposting_one_post_as_one_account_makes_one_repost(self, served: Served) -> None:
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


    def test_a_crowd_liking_one_post_as_one_account_likes_it_once(self, served: Served) -> None:
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


    def test_a_crowd_following_one_account_as_one_account_follows_once(self, served: Served) -> None:
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


    def test_a_post_retried_at_once_with_one_idempotency_key_is_posted_once(self, served: Served) -> None:
        author, secret = served.citizen()
        headers = {**_auth(secret), "Idempotency-Key": "one-post-please"}

        answers = served.at_once(lambda c: c.post("/api/v1/statuses", headers=headers,
                                                  json={"status": "#马上办# 路灯坏了"}))

        assert {r.status_code for r in answers} == {200}
        assert len({r.json()["id"] for r in answers}) == 1
        assert served.count(statuses, statuses.c.account_id == author.id) == 1
        assert served.count(idempotency_keys, idempotency_keys.c.account_id == author.id) == 1
        served.assert_counts_true(author.id)


    def test_a_crowd_deleting_one_post_deletes_it_once(self, served: Served) -> None:
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


    def test_staff_appointing_one_topic_host_or_describing_one_topic_at_once_do_it_once(
            self, served: Served) -> None:
        _admin, secret = served.citizen(role="admin")
        host, _ = served.citizen()
        author, _ = served.citizen()
        posts.create(served.plaza.db, author, posts.NewStatus(text="#防汛提示# 注意安全"))
        topic = "防汛提示"

        appointed = served.at_once(lambda c: c.post(f"/api/plaza/v1/topics/{topic}/hosts", headers=_auth(secret),
                                                    data={"account_id": str(host.id)}))
        described = served.at_once(lambda c: c.put(f"/api/plaza/v1/topics/{topic}/description",
                                                   headers=_auth(secret), data={"description": "汛期出行提示"}))

        assert {r.status_code for r in appointed + described} == {200}
        assert served.count(topic_hosts, topic_hosts.c.account_id == host.id) == 1
        assert {r.json()["description"] for r in described} == {"汛期出行提示"}

    def test_staff_appointing_different_hosts_at_once_never_pass_the_limit(self, served: Served) -> None:
        from plaza.square.topics import MAX_HOSTS

        _admin, secret = served.citizen(role="admin")
        author, _ = served.citizen()
        posts.create(served.plaza.db, author, posts.NewStatus(text="#城市更新# 老街改造"))
        topic = "城市更新"
        for _ in range(MAX_HOSTS - 1):
            host, _ = served.citizen()
            assert httpx.post(f"{served.url}/api/plaza/v1/topics/{topic}/hosts", headers=_auth(secret),
                              data={"account_id": str(host.id)}).status_code == 200
        candidates = iter([served.citizen()[0].id for _ in range(8)])
        lock = threading.Lock()

        def appoint(c: httpx.Client) -> httpx.Response:
            with lock:
                candidate = next(candidates)
            return c.post(f"/api/plaza/v1/topics/{topic}/hosts", headers=_auth(secret),
                          data={"account_id": str(candidate)})

        answers = served.at_once(appoint, n=8)

        assert sorted(r.status_code for r in answers) == [200] + [422] * 7
        with served.plaza.db.read() as conn:
            topic_id = conn.execute(select(topics.c.id).where(topics.c.name == topic)).scalar_one()
        assert served.count(topic_hosts, topic_hosts.c.topic_id == topic_id) == MAX_HOSTS

    def test_a_crowd_signing_up_one_username_makes_one_account(self, served: Served) -> None:
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


    def test_a_crowd_exchanging_one_oauth_code_gets_one_token(self, served: Served) -> None:
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

    def test_desk_staff_acting_on_one_case_at_once_take_one_step_and_the_rest_hear_409(
            self, served: Served) -> None:
        from plaza.desk import cases as desk_cases
        from plaza.storage.schema import workflow_events
        from tests.support.desks import mas_desk

        mas = mas_desk(served.plaza)
        with served.plaza.db.write() as conn:
            case_id = desk_cases.submit(conn, mas.desk, desk_cases.NewCase(
                text="花山区湖东路路灯不亮", citizen_id=mas.citizen.id, category="城乡建设/城市建设和市政管理/城市公共设施"))
        staff = [mas.staff, mas.account]
        secrets = [tokens.issue(served.plaza.db, person.id, None, frozenset({"read", "write"}))[0] for person in staff]
        turn = itertools.count()

        def accept(client: httpx.Client) -> httpx.Response:
            secret = secrets[next(turn) % len(secrets)]  # two people of the desk, each many times
            return client.post(f"/api/plaza/v1/cases/{case_id}/actions/accept", json={"version": 1},
                               headers=_auth(secret))

        answers = served.at_once(accept)

        assert sorted(r.status_code for r in answers) == [200] + [409] * (CROWD - 1)
        assert {(r.json()["state"], r.json()["version"]) for r in answers if r.status_code == 409} == {("accepted", 2)}
        assert served.count(workflow_events, workflow_events.c.subject_id == case_id) == 2  # start, accept


    def test_responders_claiming_one_help_request_at_once_one_wins_and_the_rest_hear_409(
            self, served: Served) -> None:
        from plaza.help import requests as help_requests
        from plaza.storage.schema import workflow_events

        verifier, _ = served.citizen(role="admin")
        teams = [served.citizen() for _ in range(CROWD)]
        with served.plaza.db.write() as conn:
            for team, _secret in teams:
                help_requests.register_responder(conn, team.id, capabilities=["rescue"], region_code="500000")
            new = help_requests.check(help_requests.NewRequest(
                text="重庆市北碚区歇马镇山火逼近，村里三位老人需要转移", need="rescue", contact_phone="13800138000"))
            request_id = int(help_requests.file(conn, new, help_requests.assess(conn, new, b"k")).row.id)
            help_requests.act(conn, request_id, "verify", verifier, version=1, fields={"outcome": "verified"}, key=b"k")
        turn = itertools.count()

        def claim(client: httpx.Client) -> httpx.Response:
            _team, secret = teams[next(turn)]  # sixteen teams, each claiming once, no version sent
            return client.post(f"/api/plaza/v1/help/requests/{request_id}/actions/claim", json={},
                               headers=_auth(secret))

        answers = served.at_once(claim)

        assert sorted(r.status_code for r in answers) == [200] + [409] * (CROWD - 1)
        winner = next(r.json() for r in answers if r.status_code == 200)
        assert winner["state"] == "claimed" and winner["contact"]["phone"] == "13800138000"
        claims = served.count(workflow_events, workflow_events.c.workflow == "help",
                              workflow_events.c.subject_id == request_id, workflow_events.c.action == "claim")
        assert claims == 1
        with served.plaza.db.read() as conn:
            row = help_requests.load(conn, request_id)
        assert row.state == "claimed" and row.responder_id in {team.id for team, _ in teams}
        assert winner["responder"] == next(team.username for team, _ in teams if team.id == row.responder_id)


def test_a_like_or_repost_sent_again_counts_once_for_hot_search(client: TestClient, plaza: Plaza) -> None:
    author = seasoned(plaza, "author")
    fan = seasoned(plaza, "fan")
    status_id = posts.create(plaza.db, author, posts.NewStatus(text="#山城步道# 周末去走走"))
    for action in ("favourite", "reblog") * 3:
        assert client.post(f"/api/v1/statuses/{status_id}/{action}",
                           headers=bearer_for(plaza, fan)).status_code == 200
    plaza.hot.flush()
    # before: 6, the fan's like and repost counted three times each
    assert plaza.hot.engine.topic_stats("山城步道").interactions == pytest.approx(2.0)


def test_migration_0014_keeps_the_first_of_reposts_made_twice_and_recounts(database_url: str,
                                                                           tmp_path: Path) -> None:
    schema = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        schema = f"plaza_test_mig_{os.getpid()}"
        url = soaklib.fresh_postgres_schema(POSTGRES_URL, schema)
    engine = create_engine(normalise_database_url(url))
    try:
        upgrade(engine, "0013")
        now = datetime.now(UTC)
        person = {"kind": "citizen", "note": "", "home_city": "500000", "locale": "zh-CN", "role": "user",
                  "approved": True, "suspended": False, "bot": False, "followers_count": 0,
                  "following_count": 0, "pull_feed": False, "created_at": now, "updated_at": now}
        post = {"text": "", "spoiler_text": "", "sensitive": False, "visibility": "public", "replies_count": 0,
                "reblogs_count": 0, "favourites_count": 0, "created_at": now}
        with engine.begin() as conn:
            for account_id, name, count in ((1, "author", 1), (2, "twice", 4), (3, "once", 1)):
                conn.execute(insert(accounts_table).values(id=account_id, username=name, username_key=name,
                                                           display_name=name, display_name_key=name,
                                                           statuses_count=count, **person))
            conn.execute(insert(topics).values(id=100, name="t", key="t", created_at=now))
            conn.execute(insert(statuses).values(id=10, account_id=1, **{**post, "text": "#t#", "reblogs_count": 4}))
            conn.execute(insert(statuses).values(id=11, account_id=2, **{**post, "text": "own"}))
            # account 2 reposted post 10 three times (the race), account 3 once
            for repost, account_id in ((20, 2), (21, 2), (22, 2), (30, 3)):
                conn.execute(insert(statuses).values(id=repost, account_id=account_id, reblog_of_id=10, **post))
                conn.execute(insert(status_topics).values(topic_id=100, status_id=repost, public=True))
                conn.execute(insert(home_feed).values(account_id=account_id, status_id=repost))
                conn.execute(insert(notifications).values(id=repost + 1000, account_id=1, from_account_id=account_id,
                                                          type="reblog", status_id=10, created_at=now))
        upgrade(engine)
        with engine.connect() as conn:
            def ids(stmt: Any) -> list[int]:
                return sorted(conn.execute(stmt).scalars())

            assert ids(select(statuses.c.id).where(statuses.c.reblog_of_id == 10)) == [20, 30]
            assert ids(select(home_feed.c.status_id)) == [20, 30]
            assert ids(select(status_topics.c.status_id)) == [20, 30]
            assert ids(select(notifications.c.id)) == [1020, 1030]
            assert conn.execute(select(statuses.c.reblogs_count).where(statuses.c.id == 10)).scalar() == 2
            assert ids(select(accounts_table.c.statuses_count)) == [1, 1, 2]
        with pytest.raises(IntegrityError), engine.begin() as conn:  # and never again
            conn.execute(insert(statuses).values(id=23, account_id=2, reblog_of_id=10, **post))
        with engine.begin() as conn:  # posts that are not reposts are not concerned
            conn.execute(insert(statuses).values(id=12, account_id=2, **{**post, "text": "again"}))
    finally:
        engine.dispose()
        if schema is not None:
            soaklib.drop_postgres_schema(POSTGRES_URL, schema)


def test_a_batched_write_that_loses_a_race_on_a_unique_index_runs_again_and_sees_the_winner(
        plaza: Plaza, database_url: str) -> None:
    """A write that looks before it inserts (a profile's display name, say) and finds its row
    taken by another process in between is run once more — and answers as for a row already
    there — instead of failing; the other writes of its batch are untouched."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: nobody writes between the look and the insert")
    author = accounts.create(plaza.db, username="looker_author", password=None, home_city="500000")
    fan = accounts.create(plaza.db, username="looker_fan", password=None, home_city="500000")
    liked = posts.create(plaza.db, author, posts.NewStatus(text="先看后写"))
    other_process = create_engine(normalise_database_url(database_url))
    runs: list[int] = []

    def like_after_looking() -> str:
        with plaza.db.write() as conn:
            runs.append(1)
            mine = (favourites.c.account_id == fan.id, favourites.c.status_id == liked)
            if conn.execute(select(favourites.c.id).where(*mine)).first() is not None:
                return "liked already"
            if len(runs) == 1:  # another process likes it between the look and the insert
                with other_process.begin() as other:
                    other.execute(insert(favourites).values(id=new_id(), account_id=fan.id, status_id=liked,
                                                            created_at=datetime.now(UTC)))
            conn.execute(insert(favourites).values(id=new_id(), account_id=fan.id, status_id=liked,
                                                   created_at=datetime.now(UTC)))
            return "liked"

    async def batch() -> list[object]:
        return await asyncio.gather(
            plaza.db.batched(like_after_looking),
            plaza.db.batched(lambda: posts.create(plaza.db, author, posts.NewStatus(text="同一批"))),
            return_exceptions=True)

    try:
        outcome = asyncio.run(batch())
    finally:
        other_process.dispose()
    assert outcome[0] == "liked already"  # before: IntegrityError, a 500 for its caller
    assert isinstance(outcome[1], int)
