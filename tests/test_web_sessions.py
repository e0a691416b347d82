"""Web sessions are revocable: signing out (or losing the account) ends them for every copy of
the cookie, not only in the browser that signed out. A session's secret signs a browser in to the
pages and nothing else (it is no API token), and each session keeps where and when it was used."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text, update
from starlette.testclient import TestClient

from plaza.clock import as_utc, utcnow
from plaza.config import normalise_database_url
from plaza.identity import sessions, tokens
from plaza.square import accounts
from plaza.storage.migrate import upgrade
from plaza.storage.schema import access_tokens, oauth_apps, web_sessions
from tests.conftest import POSTGRES_URL, postgres_url_for
from tests.factories import citizen
from tests.test_web_pages import csrf, sign_in


def session_secret(client: TestClient) -> str:
    """The secret inside the session cookie (Starlette signs the cookie; it does not hide it)."""
    cookie = client.cookies.get("plaza_session") or ""
    payload = cookie.split(".", 1)[0]
    return str(json.loads(base64.b64decode(payload))["secret"])


def _home_status(client: TestClient, cookie: str) -> int:
    client.cookies.set("plaza_session", cookie)
    return client.get("/home", follow_redirects=False).status_code


def test_a_copied_session_cookie_stops_working_after_sign_out(client, plaza) -> None:  # type: ignore[no-untyped-def]
    citizen(plaza, "li")
    assert sign_in(client, "li").status_code == 303
    stolen = client.cookies.get("plaza_session")
    assert stolen and _home_status(client, stolen) == 200  # the copy works while signed in

    assert client.post("/signout", data={"csrf_token": csrf(client, "/home")},
                       follow_redirects=False).status_code == 303
    assert _home_status(client, stolen) == 303  # replaying the old cookie: back to sign-in


def test_signing_in_again_ends_the_previous_session(client, plaza) -> None:  # type: ignore[no-untyped-def]
    citizen(plaza, "li")
    sign_in(client, "li")
    first = client.cookies.get("plaza_session")
    sign_in(client, "li")
    second = client.cookies.get("plaza_session")
    assert first != second
    assert _home_status(client, second) == 200
    assert _home_status(client, first) == 303


def test_a_suspended_account_is_signed_out_of_the_web(client, plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    sign_in(client, "li")
    assert client.get("/home", follow_redirects=False).status_code == 200
    accounts.set_flags(plaza.db, li.id, suspended=True)
    assert client.get("/home", follow_redirects=False).status_code == 303


def test_the_session_secret_is_stored_only_hashed(client, plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    sign_in(client, "li")
    secret = session_secret(client)
    with plaza.db.read() as conn:
        rows = conn.execute(select(web_sessions).where(web_sessions.c.account_id == li.id)).all()
    assert [r.secret_hash for r in rows] == [hashlib.sha256(secret.encode()).hexdigest()]
    assert all(secret not in str(value) for value in rows[0])
    cookie = client.cookies.get("plaza_session") or ""
    assert rows[0].secret_hash not in cookie


def test_a_web_session_is_not_an_api_bearer_token(client, plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    sign_in(client, "li")
    assert client.get("/home", follow_redirects=False).status_code == 200
    bearer = {"Authorization": f"Bearer {session_secret(client)}"}
    client.cookies.clear()  # an API client would send only the header
    assert client.get("/api/v1/accounts/verify_credentials", headers=bearer).status_code == 401
    assert client.post("/api/v1/statuses", headers=bearer, data={"status": "from a stolen cookie"}
                       ).status_code == 401
    with plaza.db.read() as conn:  # signing in on the web issued no API token at all
        issued = conn.execute(select(access_tokens.c.id)
                              .where(access_tokens.c.account_id == li.id)).all()
    assert issued == []


def test_where_you_are_signed_in_lists_each_browser(client, plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    before = utcnow() - timedelta(seconds=5)
    client.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    sign_in(client, "li")
    laptop = client.cookies.get("plaza_session") or ""
    client.cookies.clear()
    client.headers["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile Safari"
    sign_in(client, "li")

    where = sessions.for_account(plaza.db, li.id)
    assert [s.user_agent for s in where] == [  # the most recently used first
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile Safari",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"]
    assert all(before <= s.created_at <= utcnow() and s.last_used_at >= s.created_at for s in where)

    client.cookies.set("plaza_session", laptop)
    assert client.post("/signout", data={"csrf_token": csrf(client, "/home")},
                       follow_redirects=False).status_code == 303
    assert [s.user_agent for s in sessions.for_account(plaza.db, li.id)] == [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile Safari"]


def test_a_browsers_description_is_stored_cleaned_and_bounded(plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    _secret, started = sessions.start(plaza.db, li.id, "Bad\x00Agent\r\n" + "x" * 1000)
    assert started.user_agent == "BadAgent" + "x" * 247
    assert [s.user_agent for s in sessions.for_account(plaza.db, li.id)] == [started.user_agent]


def _last_used(plaza, session_id: int) -> datetime:  # type: ignore[no-untyped-def]
    with plaza.db.read() as conn:
        value = conn.execute(select(web_sessions.c.last_used_at)
                             .where(web_sessions.c.id == session_id)).scalar_one()
    return as_utc(value)


def _set_last_used(plaza, session_id: int, when: datetime) -> None:  # type: ignore[no-untyped-def]
    with plaza.db.write() as conn:
        conn.execute(update(web_sessions).where(web_sessions.c.id == session_id)
                     .values(last_used_at=when))
    sessions.forget_cached()  # as another process, or this one 30 s later, would read it


def _wait_until(check, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


def test_last_use_is_recorded_at_most_every_few_minutes(client, plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    sign_in(client, "li")
    [session] = sessions.for_account(plaza.db, li.id)

    # used ten minutes ago: this page view is recorded
    ten_minutes_ago = utcnow() - timedelta(minutes=10)
    _set_last_used(plaza, session.id, ten_minutes_ago)
    assert client.get("/home").status_code == 200
    assert _wait_until(lambda: _last_used(plaza, session.id) > utcnow() - timedelta(minutes=1))
    recorded = _last_used(plaza, session.id)

    # the pages right after it write nothing
    for _ in range(3):
        assert client.get("/home").status_code == 200
    time.sleep(0.3)
    assert _last_used(plaza, session.id) == recorded

    # used two minutes ago (within the interval): not written again, even by a fresh process
    two_minutes_ago = utcnow() - timedelta(minutes=2)
    _set_last_used(plaza, session.id, two_minutes_ago)
    assert client.get("/home").status_code == 200
    time.sleep(0.3)
    assert _last_used(plaza, session.id) == two_minutes_ago


def test_a_session_unused_for_thirty_days_has_ended(client, plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    sign_in(client, "li")
    cookie = client.cookies.get("plaza_session") or ""
    [session] = sessions.for_account(plaza.db, li.id)
    _set_last_used(plaza, session.id, utcnow() - timedelta(days=31))
    assert _home_status(client, cookie) == 303
    assert sessions.for_account(plaza.db, li.id) == []


def test_a_copied_cookie_does_not_come_back_when_the_suspension_ends(client, plaza) -> None:  # type: ignore[no-untyped-def]
    li = citizen(plaza, "li")
    sign_in(client, "li")
    stolen = client.cookies.get("plaza_session") or ""
    accounts.set_flags(plaza.db, li.id, suspended=True)
    assert _home_status(client, stolen) == 303
    accounts.set_flags(plaza.db, li.id, suspended=False)
    assert _home_status(client, stolen) == 303


def test_a_new_password_ends_every_session_and_token(client, plaza) -> None:  # type: ignore[no-untyped-def]
    from plaza.identity import tokens

    li = citizen(plaza, "li")
    sign_in(client, "li")
    session = client.cookies.get("plaza_session") or ""
    secret, _token = tokens.issue(plaza.db, li.id, None, frozenset({"read"}))
    assert tokens.authenticate(plaza.db, secret) is not None
    accounts.set_password(plaza.db, li.id, "a brand new passphrase")
    assert tokens.authenticate(plaza.db, secret) is None
    assert _home_status(client, session) == 303


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("postgres_schema")  # skips (or fails) as the other tests do
    schema = f"plaza_migration_{os.getpid()}"
    admin = create_engine(normalise_database_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield postgres_url_for(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_sessions_from_before_web_sessions_end_and_their_secrets_stop_working(empty_database) -> None:  # type: ignore[no-untyped-def]
    from plaza.storage.db import Database

    engine = create_engine(normalise_database_url(empty_database))
    upgrade(engine, "0008")
    now = utcnow()
    web_secret, app_secret = "an old web session's token", "an app's token"
    with engine.begin() as conn:
        conn.execute(insert(oauth_apps).values(
            id=1, name="toot", redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read",
            client_id="toot", client_secret_hash="0" * 64, created_at=now))
        conn.execute(insert(access_tokens), [
            {"id": 10, "token_hash": tokens.digest(web_secret), "app_id": None, "account_id": None,
             "scopes": "follow read write", "created_at": now},
            {"id": 11, "token_hash": tokens.digest(app_secret), "app_id": 1, "account_id": None,
             "scopes": "read", "created_at": now}])
    upgrade(engine)
    db = Database(engine)
    try:
        assert tokens.authenticate(db, web_secret) is None  # the cookie's token: revoked
        assert tokens.authenticate(db, app_secret) is not None  # apps stay signed in
    finally:
        db.dispose()


def test_a_password_hashed_with_older_parameters_signs_in_and_is_hashed_anew(client, plaza) -> None:  # type: ignore[no-untyped-def]
    """Plaza's Argon2id parameters (plaza.identity.passwords) may change; people keep signing in."""
    from argon2 import PasswordHasher

    from plaza.storage.schema import accounts as accounts_table

    li = citizen(plaza, "li", password=None)
    older = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)  # argon2-cffi's default
    with plaza.db.write() as conn:
        conn.execute(update(accounts_table).where(accounts_table.c.id == li.id)
                     .values(password_hash=older.hash("correct horse battery")))
    assert sign_in(client, "li").status_code == 303
    stored = accounts.get(plaza.db, li.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    client.post("/signout", data={"csrf_token": csrf(client, "/home")})
    assert sign_in(client, "li").status_code == 303  # the new hash verifies
