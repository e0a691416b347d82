"""One action per user intent: the same act through the web pages and through the Mastodon API
has the same effects — hot search counts it, the same rate limit applies (issue 10, item 15)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from plaza.app import create_app
from plaza.config import load_settings
from plaza.hot import TopicStats
from plaza.instance import Plaza
from tests.factories import citizen, post
from tests.hotsupport import bearer_for, seasoned
from tests.test_web_pages import csrf, sign_in

PASSWORD = "correct horse battery"


def web_user(plaza: Plaza, username: str) -> Any:
    """A seasoned citizen (trust weight 1) who signs in on the web with :data:`PASSWORD`."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from plaza.square import accounts
    from plaza.storage.schema import accounts as accounts_table

    row = citizen(plaza, username, password=PASSWORD)
    now = datetime.now(UTC)
    with plaza.db.write() as conn:
        conn.execute(update(accounts_table).where(accounts_table.c.id == row.id).values(
            created_at=now - timedelta(days=400), statuses_count=40, last_status_at=now))
    return accounts.get(plaza.db, row.id)


def stats(plaza: Plaza, topic: str) -> TopicStats:
    plaza.hot.flush()
    return plaza.hot.engine.topic_stats(topic)


def test_a_post_made_on_the_web_counts_for_hot_search_as_one_made_through_the_api(
        client: TestClient, plaza: Plaza) -> None:
    web_user(plaza, "webber")
    appster = seasoned(plaza, "appster")
    sign_in(client, "webber")
    made = client.post("/statuses", data={"csrf_token": csrf(client, "/home"), "text": "#城市夜跑# 网页发的",
                                          "visibility": "public"}, follow_redirects=False)
    assert made.status_code == 303
    assert stats(plaza, "城市夜跑").originals == 1  # before: 0, the web's post was never counted
    answer = client.post("/api/v1/statuses", data={"status": "#城市夜跑# 客户端发的"},
                         headers=bearer_for(plaza, appster))
    assert answer.status_code == 200
    assert stats(plaza, "城市夜跑").originals == 2


def test_a_like_and_a_repost_made_on_the_web_count_as_through_the_api(client: TestClient, plaza: Plaza) -> None:
    author = seasoned(plaza, "author")
    web_user(plaza, "webber")
    appster = seasoned(plaza, "appster")
    status_id = post(plaza, author, "#山城步道# 周末去走走")
    sign_in(client, "webber")
    token = csrf(client, "/home")
    for action in ("favourite", "reblog"):
        assert client.post(f"/statuses/{status_id}/{action}", data={"csrf_token": token},
                           follow_redirects=False).status_code == 303
    by_web = stats(plaza, "山城步道")
    assert by_web.interactions == 2  # before: 0
    for action in ("favourite", "reblog"):
        assert client.post(f"/api/v1/statuses/{status_id}/{action}",
                           headers=bearer_for(plaza, appster)).status_code == 200
    assert stats(plaza, "山城步道").interactions == 4


def test_a_search_on_the_web_page_adds_search_heat_as_the_api_does(client: TestClient, plaza: Plaza) -> None:
    searcher = seasoned(plaza, "searcher")
    assert client.get("/search?q=%23防汛抢险%23").status_code == 200
    assert stats(plaza, "防汛抢险").searches == 1  # before: 0
    assert client.get("/api/v2/search?q=防汛抢险", headers=bearer_for(plaza, searcher)).status_code == 200
    assert stats(plaza, "防汛抢险").searches == 2


@pytest.fixture
def limited(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A Plaza that allows three posts (and reposts) per account an hour."""
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="test-secret", rate_limit_posting="3/hour")
    instance = Plaza.from_settings(settings)
    with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
        yield instance, client
    instance.close()


@pytest.mark.parametrize("door", ["web", "api"])
def test_reposts_count_against_the_posting_limit_through_every_door(limited, door: str) -> None:  # type: ignore[no-untyped-def]
    plaza, client = limited
    author = seasoned(plaza, "author")
    me = web_user(plaza, "me")
    targets = [post(plaza, author, f"第{i}条") for i in range(4)]
    repost: Callable[[int], Any]
    if door == "web":
        sign_in(client, "me")
        token = csrf(client, "/home")
        repost = lambda sid: client.post(f"/statuses/{sid}/reblog", data={"csrf_token": token},  # noqa: E731
                                         follow_redirects=False)
    else:
        headers = bearer_for(plaza, me)
        repost = lambda sid: client.post(f"/api/v1/statuses/{sid}/reblog", headers=headers)  # noqa: E731
    codes = [repost(sid).status_code for sid in targets]
    assert codes == ([303] * 3 if door == "web" else [200] * 3) + [429]  # before: the API had no limit


@pytest.mark.parametrize("door", ["web", "api"])
def test_following_is_rate_limited_per_account_through_every_door(database_url: str, tmp_path: Path,
                                                                  door: str) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="test-secret", rate_limit_follows="2/hour")
    plaza = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=plaza), base_url="http://127.0.0.1:8000") as client:
            me = web_user(plaza, "me")
            stars = [citizen(plaza, f"star{i}", password=None) for i in range(3)]
            if door == "web":
                sign_in(client, "me")
                token = csrf(client, "/home")
                codes = [client.post(f"/@{s.username}/follow", data={"csrf_token": token},
                                     follow_redirects=False).status_code for s in stars]
                assert codes == [303, 303, 429]  # before: no limit
            else:
                headers = bearer_for(plaza, me)
                codes = [client.post(f"/api/v1/accounts/{s.id}/follow", headers=headers).status_code
                         for s in stars]
                assert codes == [200, 200, 429]
            followed = client.get(f"/api/v1/accounts/{me.id}").json()["following_count"]
            assert followed == 2
    finally:
        plaza.close()


def test_the_default_city_is_a_setting(database_url: str, tmp_path: Path) -> None:
    """``PLAZA_DEFAULT_CITY``: where a sign-up naming no city lives, and what the instance tells
    clients; a code that is not a city stops the start with a message."""
    settings = load_settings(env={"PLAZA_DEFAULT_CITY": "500000"}, data_dir=tmp_path / "data",
                             database_url=database_url, secret_key="test-secret", rate_limits=False)
    instance = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
            app = client.post("/api/v1/apps", data={"client_name": "注册测试", "redirect_uris":
                                                    "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"}).json()
            app_token = client.post("/oauth/token", data={
                "grant_type": "client_credentials", "client_id": app["client_id"],
                "client_secret": app["client_secret"], "scope": "read write"}).json()["access_token"]
            made = client.post("/api/v1/accounts", headers={"Authorization": f"Bearer {app_token}"}, data={
                "username": "newcomer", "password": PASSWORD, "agreement": "true"})
            assert made.status_code == 200, made.text
            me = client.get("/api/v1/accounts/verify_credentials",
                            headers={"Authorization": f"Bearer {made.json()['access_token']}"}).json()
            assert me["plaza"]["home_city"] == "500000"
            assert client.get("/api/v1/instance").json()["plaza"]["default_city"] == "500000"
    finally:
        instance.close()
    with pytest.raises(ValueError, match="PLAZA_DEFAULT_CITY"):
        load_settings(env={"PLAZA_DEFAULT_CITY": "999999"}, data_dir=tmp_path / "data", secret_key="x")
