"""Web sessions are revocable: signing out (or losing the account) ends them for every copy of
the cookie, not only in the browser that signed out."""

from __future__ import annotations

from starlette.testclient import TestClient

from plaza.square import accounts
from tests.factories import citizen
from tests.test_web_pages import csrf, sign_in


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
    from sqlalchemy import select

    from plaza.storage.schema import access_tokens

    li = citizen(plaza, "li")
    sign_in(client, "li")
    with plaza.db.read() as conn:
        stored = [r.token_hash for r in conn.execute(
            select(access_tokens.c.token_hash).where(access_tokens.c.account_id == li.id))]
    cookie = client.cookies.get("plaza_session") or ""
    assert stored and all(h not in cookie for h in stored)


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
