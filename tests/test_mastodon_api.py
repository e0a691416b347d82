"""The Mastodon client API and OAuth 2 token side, as a client sees them over HTTP (both
database backends)."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from PIL import Image
from starlette.testclient import TestClient

from plaza.app import create_app
from plaza.config import load_settings
from plaza.identity import oauth, tokens
from plaza.instance import Plaza
from plaza.square import accounts
from tests.factories import citizen, government, post

OOB = "urn:ietf:wg:oauth:2.0:oob"
PASSWORD = "correct horse battery"


def register_app(client: TestClient, scopes: str = "read write follow push") -> dict:
    response = client.post("/api/v1/apps", data={"client_name": "测试客户端", "redirect_uris": OOB,
                                                 "scopes": scopes, "website": "https://example.org"})
    assert response.status_code == 200, response.text
    return response.json()


def password_token(client: TestClient, app: dict, username: str, password: str = PASSWORD,
                   scope: str = "read write follow push") -> str:
    response = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": username, "password": password, "scope": scope})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app_keys(client: TestClient) -> dict:
    return register_app(client)


def token_for(client: TestClient, app_keys: dict, row, scope: str = "read write follow push") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A bearer token for ``row`` issued by ``app_keys``' app, as the password grant would issue it
    (without paying for an Argon2 check in every test; the grants have tests of their own)."""
    plaza = client.app.state.plaza
    secret, _ = tokens.issue(plaza.db, row.id, int(app_keys["id"]), frozenset(scope.split()))
    return auth(secret)


def person(plaza, username: str | None = None, display_name: str | None = None, **kw):  # type: ignore[no-untyped-def]
    """A citizen without a password (hashing one costs most of a second)."""
    return citizen(plaza, username, display_name, password=None, **kw)


def png(width: int = 8, height: int = 6) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


# --- OAuth ----------------------------------------------------------------------------------------

def test_app_registration_and_password_grant_give_a_working_token(client, plaza) -> None:
    me = citizen(plaza, "shancheng", "山城小李")
    keys = register_app(client)
    assert keys["client_id"] and keys["client_secret"] and keys["redirect_uri"] == OOB
    assert sorted(keys["scopes"]) == ["follow", "push", "read", "write"]
    answer = client.post("/oauth/token", json={
        "grant_type": "password", "client_id": keys["client_id"], "client_secret": keys["client_secret"],
        "username": "shancheng", "password": PASSWORD, "scope": "read write follow push"}).json()
    assert answer["token_type"] == "Bearer" and set(answer["scope"].split()) == {"read", "write", "follow", "push"}
    account = client.get("/api/v1/accounts/verify_credentials", headers=auth(answer["access_token"])).json()
    assert account["id"] == str(me.id) and account["username"] == "shancheng"
    assert account["display_name"] == "山城小李" and account["source"]["note"] == ""
    assert account["plaza"]["home_city"] == "500000" and account["plaza"]["home_city_name"] == "重庆市"
    app = client.get("/api/v1/apps/verify_credentials", headers=auth(answer["access_token"])).json()
    assert app["name"] == "测试客户端"


def test_password_grant_accepts_email_and_refuses_a_wrong_password(client, plaza, app_keys) -> None:
    citizen(plaza, "xiaowang", email="wang@example.cn")
    assert password_token(client, app_keys, "wang@example.cn")
    wrong = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app_keys["client_id"],
        "client_secret": app_keys["client_secret"], "username": "xiaowang", "password": "nope nope nope"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert wrong.json()["error_description"] == "授权码或凭据无效"
    bad_client = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app_keys["client_id"], "client_secret": "guess",
        "username": "xiaowang", "password": PASSWORD})
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"


def test_password_grant_can_be_switched_off(database_url, tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="k", rate_limits=False, password_grant=False)
    instance = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
            citizen(instance, "nopass")
            keys = register_app(client)
            meta = client.get("/.well-known/oauth-authorization-server").json()
            assert meta["grant_types_supported"] == ["authorization_code", "client_credentials"]
            refused = client.post("/oauth/token", data={
                "grant_type": "password", "client_id": keys["client_id"],
                "client_secret": keys["client_secret"], "username": "nopass", "password": PASSWORD})
            assert refused.status_code == 400 and refused.json()["error"] == "unsupported_grant_type"
    finally:
        instance.db.dispose()


def test_server_metadata_lists_endpoints_and_enabled_grants(client) -> None:
    meta = client.get("/.well-known/oauth-authorization-server").json()
    base = "http://127.0.0.1:8000"
    assert meta["issuer"] == base + "/"
    assert meta["authorization_endpoint"] == base + "/oauth/authorize"
    assert meta["token_endpoint"] == base + "/oauth/token"
    assert meta["revocation_endpoint"] == base + "/oauth/revoke"
    assert meta["app_registration_endpoint"] == base + "/api/v1/apps"
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["grant_types_supported"] == ["authorization_code", "client_credentials", "password"]
    assert {"read", "write", "follow", "push"} <= set(meta["scopes_supported"])


def test_authorization_code_with_pkce(client, plaza, app_keys) -> None:
    me = person(plaza, "pkce_user")
    app = oauth.find_app(plaza.db, app_keys["client_id"])
    assert app is not None
    verifier = "a-long-random-verifier-string-of-at-least-43-characters-0123456789"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = oauth.issue_code(plaza.db, app, me.id, frozenset({"read", "write"}), OOB, challenge, "S256")
    wrong = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "client_id": app_keys["client_id"],
        "client_secret": app_keys["client_secret"], "code": code, "redirect_uri": OOB,
        "code_verifier": "not-the-verifier-but-just-as-well-formed-0123456789"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # A code is good once: the failed attempt used it up.
    code = oauth.issue_code(plaza.db, app, me.id, frozenset({"read", "write"}), OOB, challenge, "S256")
    answer = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "client_id": app_keys["client_id"],
        "client_secret": app_keys["client_secret"], "code": code, "redirect_uri": OOB,
        "code_verifier": verifier})
    assert answer.status_code == 200, answer.text
    assert set(answer.json()["scope"].split()) == {"read", "write"}
    who = client.get("/api/v1/accounts/verify_credentials", headers=auth(answer.json()["access_token"]))
    assert who.json()["username"] == "pkce_user"
    again = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "client_id": app_keys["client_id"],
        "client_secret": app_keys["client_secret"], "code": code, "redirect_uri": OOB,
        "code_verifier": verifier})
    assert again.status_code == 400


def test_revoked_token_stops_working(client, plaza, app_keys) -> None:
    citizen(plaza, "revoker")
    secret = password_token(client, app_keys, "revoker")
    assert client.get("/api/v1/accounts/verify_credentials", headers=auth(secret)).status_code == 200
    answer = client.post("/oauth/revoke", data={"client_id": app_keys["client_id"],
                                                "client_secret": app_keys["client_secret"], "token": secret})
    assert answer.status_code == 200 and answer.json() == {}
    after = client.get("/api/v1/accounts/verify_credentials", headers=auth(secret))
    assert after.status_code == 401


def test_rate_limit_on_sign_in_answers_429_with_retry_after(database_url, tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="k", rate_limits=True, rate_limit_sign_in="3/minute")
    instance = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
            citizen(instance, "limited")
            keys = register_app(client)
            form = {"grant_type": "password", "client_id": keys["client_id"],
                    "client_secret": keys["client_secret"], "username": "limited", "password": "wrong password"}
            statuses = [client.post("/oauth/token", data=form).status_code for _ in range(3)]
            assert statuses == [400, 400, 400]
            limited = client.post("/oauth/token", data=form, headers={"Accept-Language": "en"})
            assert limited.status_code == 429
            assert 1 <= int(limited.headers["Retry-After"]) <= 60
            assert "Too many requests" in limited.json()["error"]
    finally:
        instance.db.dispose()


# --- authorisation ------------------------------------------------------------------------------

def test_unauthenticated_write_is_401_with_error_body(client) -> None:
    answer = client.post("/api/v1/statuses", data={"status": "没有令牌"}, headers={"Accept-Language": "en"})
    assert answer.status_code == 401
    assert answer.json() == {"error": "The access token is invalid"}
    chinese = client.post("/api/v1/statuses", data={"status": "没有令牌"},
                          headers={"Authorization": "Bearer not-a-token"})
    assert chinese.status_code == 401 and chinese.json() == {"error": "访问令牌无效或已被撤销"}


def test_read_only_token_cannot_post(client, plaza, app_keys) -> None:
    me = person(plaza)
    headers = token_for(client, app_keys, me, scope="read")
    assert client.get("/api/v1/timelines/home", headers=headers).status_code == 200
    answer = client.post("/api/v1/statuses", data={"status": "只读令牌"}, headers=headers)
    assert answer.status_code == 403 and "write:statuses" in answer.json()["error"]
    follow_target = person(plaza)
    assert client.post(f"/api/v1/accounts/{follow_target.id}/follow", headers=headers).status_code == 403


def test_follow_scope_alone_may_follow_and_write_may_too(client, plaza, app_keys) -> None:
    me = person(plaza)
    one, two = person(plaza), person(plaza)
    follow_only = token_for(client, app_keys, me, scope="follow")
    assert client.post(f"/api/v1/accounts/{one.id}/follow", headers=follow_only).json()["following"] is True
    write_only = token_for(client, app_keys, me, scope="write")
    assert client.post(f"/api/v1/accounts/{two.id}/follow", headers=write_only).json()["following"] is True
    assert client.post("/api/v1/statuses", data={"status": "x"}, headers=follow_only).status_code == 403


def test_suspended_accounts_token_is_refused(client, plaza, app_keys) -> None:
    me = person(plaza)
    headers = token_for(client, app_keys, me)
    accounts.set_flags(plaza.db, me.id, suspended=True)
    answer = client.get("/api/v1/timelines/home?lang=en", headers=headers)
    assert answer.status_code == 403 and answer.json() == {"error": "This account is suspended"}
    # Public timelines read the account with the page: a suspended bearer still gets nothing.
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/tag/重庆山火", "/api/v1/timelines/city/500000"):
        assert client.get(path, headers=headers).status_code == 403
        assert client.get(path).status_code == 200


def test_a_new_posts_answer_is_what_reading_it_back_shows(client, plaza, app_keys) -> None:
    """The create answer is built from what the post's transaction wrote (no read back): it must
    match a later read exactly, the author's new count included; and a refused author (suspended
    a moment ago) gets 403 with nothing written."""
    cq = government(plaza, "cq_fabu", "重庆发布")
    me = person(plaza, "shancheng", "山城小李")
    headers = token_for(client, app_keys, me)
    first = client.post("/api/v1/statuses", headers=headers, json={"status": "早上好"}).json()
    created = client.post("/api/v1/statuses", headers={**headers, "Idempotency-Key": "k1"}, json={
        "status": "#重庆山火各处明火均已扑灭# 感谢 @重庆发布 和所有救援队员", "plaza_city": "500000"})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["account"]["statuses_count"] == first["account"]["statuses_count"] + 1 == 2
    assert [m["acct"] for m in body["mentions"]] == [cq.username]
    assert [t["name"] for t in body["tags"]] == ["重庆山火各处明火均已扑灭"]
    assert client.get(f"/api/v1/statuses/{body['id']}", headers=headers).json() == body
    again = client.post("/api/v1/statuses", headers={**headers, "Idempotency-Key": "k1"},
                        json={"status": "#重庆山火各处明火均已扑灭# 感谢 @重庆发布 和所有救援队员"})
    assert again.json()["id"] == body["id"] and again.json()["account"]["statuses_count"] == 2
    reply = client.post("/api/v1/statuses", headers=headers,
                        json={"status": "补充一句", "in_reply_to_id": body["id"]}).json()
    assert reply["in_reply_to_id"] == body["id"]
    assert client.get(f"/api/v1/statuses/{reply['id']}", headers=headers).json() == reply
    accounts.set_flags(plaza.db, me.id, suspended=True)
    refused = client.post("/api/v1/statuses", headers=headers, json={"status": "不该发出去"})
    assert refused.status_code == 403
    assert accounts.get(plaza.db, me.id).statuses_count == 3
    from sqlalchemy import select

    from plaza.storage.schema import statuses
    with plaza.db.read() as conn:
        assert conn.execute(select(statuses.c.id).where(statuses.c.text == "不该发出去")).first() is None


def test_app_token_cannot_read_a_home_timeline(client, app_keys) -> None:
    app_token = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app_keys["client_id"],
        "client_secret": app_keys["client_secret"], "scope": "read write"}).json()["access_token"]
    assert client.get("/api/v1/apps/verify_credentials", headers=auth(app_token)).status_code == 200
    assert client.get("/api/v1/timelines/home", headers=auth(app_token)).status_code == 422


# --- sign-up ------------------------------------------------------------------------------------

def app_token(client: TestClient, keys: dict, scope: str = "read write follow push") -> str:
    return client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": keys["client_id"],
        "client_secret": keys["client_secret"], "scope": scope}).json()["access_token"]


def test_sign_up_with_app_token_returns_a_user_token_in_beijing_by_default(client, app_keys) -> None:
    token = app_token(client, app_keys)
    answer = client.post("/api/v1/accounts", headers=auth(token), data={
        "username": "newcomer", "email": "new@example.cn", "password": "a good long password",
        "agreement": "true", "locale": "en", "reason": "想参与城市治理"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and set(body["scope"].split()) == {"read", "write", "follow", "push"}
    me = client.get("/api/v1/accounts/verify_credentials", headers=auth(body["access_token"])).json()
    assert me["username"] == "newcomer" and me["plaza"]["home_city"] == "110000"
    assert me["source"]["language"] == "en"
    second = client.post("/api/v1/accounts", headers=auth(token), json={
        "username": "cq_reader", "password": "a good long password", "agreement": True,
        "plaza_city": "500101", "display_name": "万州读者"})
    assert second.status_code == 200, second.text
    who = client.get("/api/v1/accounts/verify_credentials", headers=auth(second.json()["access_token"])).json()
    assert who["display_name"] == "万州读者" and who["plaza"]["home_city"] == "500000"


def test_sign_up_needs_agreement_and_a_valid_city(client, app_keys) -> None:
    token = app_token(client, app_keys)
    no_agreement = client.post("/api/v1/accounts", headers=auth(token), data={
        "username": "hasty", "password": "a good long password"})
    assert no_agreement.status_code == 422
    bad_city = client.post("/api/v1/accounts", headers={**auth(token), "Accept-Language": "en"}, data={
        "username": "lost", "password": "a good long password", "agreement": "1", "plaza_city": "999999"})
    assert bad_city.status_code == 422 and "999999" in bad_city.json()["error"]


def test_sign_up_awaiting_approval_gets_a_token_refused_until_approved(database_url, tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="k", rate_limits=False, approval_required=True)
    instance = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
            keys = register_app(client)
            assert client.get("/api/v1/instance").json()["approval_required"] is True
            answer = client.post("/api/v1/accounts", headers=auth(app_token(client, keys)), data={
                "username": "waiting", "password": "a good long password", "agreement": "on"})
            secret = answer.json()["access_token"]
            refused = client.get("/api/v1/accounts/verify_credentials?lang=en", headers=auth(secret))
            assert refused.status_code == 403
            assert refused.json() == {"error": "Your account is pending approval"}
            row = accounts.find_by_username(instance.db, "waiting")
            assert row is not None
            accounts.set_flags(instance.db, row.id, approved=True)
            assert client.get("/api/v1/accounts/verify_credentials", headers=auth(secret)).status_code == 200
    finally:
        instance.db.dispose()


def test_update_credentials_changes_name_note_language_and_city(client, plaza, app_keys) -> None:
    me = person(plaza)
    headers = token_for(client, app_keys, me)
    answer = client.patch("/api/v1/accounts/update_credentials", headers=headers, data={
        "display_name": "万州小张", "note": "家住万州\n<热爱>山城", "source[language]": "en",
        "bot": "false", "plaza_city": "500101"}, files={"avatar": ("a.png", png(), "image/png")})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["display_name"] == "万州小张"
    assert body["note"] == "<p>家住万州<br />&lt;热爱&gt;山城</p>"
    assert body["source"]["note"] == "家住万州\n<热爱>山城" and body["source"]["language"] == "en"
    assert body["plaza"]["home_city"] == "500000"
    assert body["avatar"].startswith("http://127.0.0.1:8000/media/") and body["avatar"].endswith(".png")


# --- instance -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/instance", "/api/v1/instance/", "/api/v2/instance"])
def test_instance_reports_a_mastodon_compatible_version_and_limits(client, plaza, path) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    body = answer.json()
    assert body["version"] == "4.3.0 (compatible; Plaza 0.1.0)"
    assert body["api_versions"] == {"mastodon": 2}
    assert body["configuration"]["statuses"]["max_characters"] == plaza.settings.max_post_chars
    assert body["configuration"]["statuses"]["max_media_attachments"] == 4
    assert body["title"] == plaza.settings.instance_title
    assert body["languages"] == ["zh", "en"]
    assert body["plaza"]["default_city"] == "110000"


def test_start_up_endpoints_answer_empty(client, plaza, app_keys) -> None:
    headers = token_for(client, app_keys, person(plaza))
    for path in ("/api/v1/custom_emojis", "/api/v1/filters", "/api/v2/filters", "/api/v1/lists",
                 "/api/v1/announcements", "/api/v1/follow_requests", "/api/v1/conversations"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200 and answer.json() == [], path
    assert client.get("/api/v1/markers", headers=headers).json() == {}
    assert client.get("/api/v1/preferences", headers=headers).json()["posting:default:visibility"] == "public"


# --- statuses -----------------------------------------------------------------------------------

def test_post_with_topic_and_mention_renders_a_mastodon_status(client, plaza, app_keys) -> None:
    government(plaza, "cq_fabu", "重庆发布")
    me = person(plaza, "shancheng", "山城小李")
    headers = token_for(client, app_keys, me)
    answer = client.post("/api/v1/statuses", headers=headers, data={
        "status": "#一起守护这座城# 感谢 @重庆发布 的及时通报", "visibility": "public", "language": "zh",
        "plaza_city": "500101", "plaza_latitude": "30.8", "plaza_longitude": "108.4"})
    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert isinstance(status["id"], str) and status["account"]["id"] == str(me.id)
    assert status["url"] == f"http://127.0.0.1:8000/@shancheng/{status['id']}"
    assert status["tags"] == [{"name": "一起守护这座城", "history": [], "following": False,
                               "url": "http://127.0.0.1:8000/topics/" + quote("一起守护这座城", safe="")}]
    assert [m["acct"] for m in status["mentions"]] == ["cq_fabu"]
    assert 'href="http://127.0.0.1:8000/@cq_fabu"' in status["content"]
    assert status["plaza"] == {"city": "500000", "city_name": "重庆市", "latitude": 30.8, "longitude": 108.4}
    assert status["created_at"].endswith("Z") and status["reblog"] is None and status["poll"] is None
    shown = client.get(f"/api/v1/statuses/{status['id']}").json()  # public: no token needed
    assert shown["content"] == status["content"]
    gov = client.get(f"/api/v1/accounts/{shown['mentions'][0]['id']}").json()
    assert gov["plaza"]["kind"] == "government" and gov["plaza"]["verified"] is True
    assert gov["plaza"]["region"] == {"code": "500000", "province": "重庆市", "city": "重庆市", "county": None}


def test_status_over_limit_is_422_with_message_in_chinese_by_default_and_english_on_request(
        client, plaza, app_keys) -> None:
    headers = token_for(client, app_keys, person(plaza))
    text = "长" * (plaza.settings.max_post_chars + 1)
    chinese = client.post("/api/v1/statuses", headers=headers, json={"status": text})
    assert chinese.status_code == 422
    assert chinese.json() == {"error": f"内容不能超过 {plaza.settings.max_post_chars} 个字符（当前 {len(text)} 个）"}
    english = client.post("/api/v1/statuses?lang=en", headers=headers, json={"status": text})
    assert english.status_code == 422
    assert english.json() == {"error": f"Text must be at most {plaza.settings.max_post_chars} characters "
                                       f"(it has {len(text)})"}


def test_bad_input_is_422_and_unknown_ids_are_404(client, plaza, app_keys) -> None:
    headers = token_for(client, app_keys, person(plaza))
    assert client.post("/api/v1/statuses", headers=headers,
                       data={"status": "x", "visibility": "friends"}).status_code == 422
    assert client.post("/api/v1/statuses", headers=headers,
                       data={"status": "x", "in_reply_to_id": "abc"}).status_code == 422
    assert client.post("/api/v1/statuses", headers=headers,
                       data={"status": "x", "media_ids[]": ["12x"]}).status_code == 422
    poll = client.post("/api/v1/statuses", headers=headers,
                       json={"status": "x", "poll": {"options": ["a", "b"], "expires_in": 600}})
    assert poll.status_code == 422
    assert client.post("/api/v1/statuses", headers=headers,
                       data={"status": "x", "scheduled_at": "2030-01-01T00:00:00Z"}).status_code == 422
    broken = client.post("/api/v1/statuses", headers={**headers, "Content-Type": "application/json"},
                         content=b"{not json")
    assert broken.status_code == 400 and broken.json()["error"] == "请求体无法解析"
    no_boundary = client.post("/api/v1/statuses", headers={**headers, "Content-Type": "multipart/form-data"},
                              content=b"status=x")
    assert no_boundary.status_code == 400
    assert client.get("/api/v1/statuses/abc").status_code == 404
    assert client.get("/api/v1/statuses/123456789").status_code == 404
    assert client.get("/api/v1/accounts/nobody").status_code == 404
    assert client.post("/api/v1/statuses/999/favourite", headers=headers).status_code == 404


def test_idempotency_key_makes_retry_return_same_status(client, plaza, app_keys) -> None:
    me = person(plaza)
    headers = {**token_for(client, app_keys, me), "Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/statuses", headers=headers, data={"status": "网络不好，只发一次"}).json()
    second = client.post("/api/v1/statuses", headers=headers, data={"status": "网络不好，只发一次"}).json()
    assert first["id"] == second["id"]
    assert client.get(f"/api/v1/accounts/{me.id}").json()["statuses_count"] == 1


def test_booleans_and_arrays_in_every_encoding(client, plaza, app_keys) -> None:
    me = person(plaza)
    headers = token_for(client, app_keys, me)
    media_ids = [client.post("/api/v2/media", headers=headers,
                             files={"file": ("a.png", png(), "image/png")}).json()["id"] for _ in range(2)]
    form = client.post("/api/v1/statuses", headers=headers, data={
        "status": "表单", "media_ids[]": media_ids, "sensitive": "on", "spoiler_text": ""}).json()
    assert [m["id"] for m in form["media_attachments"]] == media_ids and form["sensitive"] is True
    more = [client.post("/api/v1/media", headers=headers,
                        files={"file": ("b.png", png(), "image/png")}).json()["id"] for _ in range(2)]
    as_json = client.post("/api/v1/statuses", headers=headers,
                          json={"status": "JSON", "media_ids": more, "sensitive": False}).json()
    assert [m["id"] for m in as_json["media_attachments"]] == more and as_json["sensitive"] is False
    multipart = client.post("/api/v1/statuses", headers=headers,
                            data={"status": "multipart", "sensitive": "1"},
                            files={"ignored": ("x.txt", b"x", "text/plain")}).json()
    assert multipart["sensitive"] is True
    ids = f"id[]={form['id']}&id[]={as_json['id']}&id[]=nonsense"
    assert [s["id"] for s in client.get(f"/api/v1/statuses?{ids}").json()] == [form["id"], as_json["id"]]


def test_followers_only_posts_reach_followers_and_mentions_but_not_strangers(client, plaza, app_keys) -> None:
    author, fan, stranger = person(plaza), person(plaza), person(plaza)
    author_h, fan_h, stranger_h = (token_for(client, app_keys, a) for a in (author, fan, stranger))
    client.post(f"/api/v1/accounts/{author.id}/follow", headers=fan_h)
    private = client.post("/api/v1/statuses", headers=author_h,
                          data={"status": "只给粉丝看", "visibility": "private"}).json()
    assert private["visibility"] == "private"
    assert client.get(f"/api/v1/statuses/{private['id']}", headers=fan_h).status_code == 200
    assert client.get(f"/api/v1/statuses/{private['id']}", headers=stranger_h).status_code == 404
    assert client.get(f"/api/v1/statuses/{private['id']}").status_code == 404
    assert [s["id"] for s in client.get("/api/v1/timelines/home", headers=fan_h).json()] == [private["id"]]
    assert client.get("/api/v1/timelines/public").json() == []
    assert client.get(f"/api/v1/accounts/{author.id}/statuses", headers=stranger_h).json() == []
    assert len(client.get(f"/api/v1/accounts/{author.id}/statuses", headers=fan_h).json()) == 1
    assert client.post(f"/api/v1/statuses/{private['id']}/reblog", headers=fan_h).status_code == 403


def test_delete_returns_the_status_with_its_text_for_redraft(client, plaza, app_keys) -> None:
    me, other = person(plaza), person(plaza)
    headers = token_for(client, app_keys, me)
    status = client.post("/api/v1/statuses", headers=headers, data={"status": "写错了 #重庆山火#"}).json()
    assert client.delete(f"/api/v1/statuses/{status['id']}", headers=token_for(client, app_keys, other)
                         ).status_code == 403
    deleted = client.delete(f"/api/v1/statuses/{status['id']}", headers=headers)
    assert deleted.status_code == 200 and deleted.json()["text"] == "写错了 #重庆山火#"
    assert client.get(f"/api/v1/statuses/{status['id']}").status_code == 404


def test_reply_context_reblog_and_favourite(client, plaza, app_keys) -> None:
    author, fan = person(plaza), person(plaza)
    author_h, fan_h = token_for(client, app_keys, author), token_for(client, app_keys, fan)
    original = client.post("/api/v1/statuses", headers=author_h, data={"status": "原帖"}).json()
    reply = client.post("/api/v1/statuses", headers=fan_h,
                        data={"status": "回复", "in_reply_to_id": original["id"]}).json()
    assert reply["in_reply_to_id"] == original["id"] and reply["in_reply_to_account_id"] == str(author.id)
    context = client.get(f"/api/v1/statuses/{original['id']}/context").json()
    assert context == {"ancestors": [], "descendants": [client.get(f"/api/v1/statuses/{reply['id']}").json()]}
    reblog = client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=fan_h).json()
    assert reblog["reblog"]["id"] == original["id"] and reblog["reblog"]["reblogged"] is True
    liked = client.post(f"/api/v1/statuses/{original['id']}/favourite", headers=fan_h).json()
    assert liked["favourited"] is True and liked["favourites_count"] == 1 and liked["reblogs_count"] == 1
    assert [a["id"] for a in client.get(f"/api/v1/statuses/{original['id']}/favourited_by").json()] == [str(fan.id)]
    assert [a["id"] for a in client.get(f"/api/v1/statuses/{original['id']}/reblogged_by").json()] == [str(fan.id)]
    unliked = client.post(f"/api/v1/statuses/{original['id']}/unfavourite", headers=fan_h).json()
    assert unliked["favourited"] is False and unliked["favourites_count"] == 0
    unreblogged = client.post(f"/api/v1/statuses/{original['id']}/unreblog", headers=fan_h).json()
    assert unreblogged["id"] == original["id"] and unreblogged["reblogged"] is False


# --- media --------------------------------------------------------------------------------------

def test_media_upload_rejects_fake_image_and_oversized_file(client, plaza, app_keys) -> None:
    headers = token_for(client, app_keys, person(plaza, locale="en"))
    fake = client.post("/api/v2/media", headers=headers,
                       files={"file": ("photo.png", b"<?php echo 'not an image'; ?>", "image/png")})
    assert fake.status_code == 422 and fake.json() == {"error": "The file is not a valid image"}
    huge = b"\x89PNG\r\n\x1a\n" + b"0" * (plaza.settings.max_image_bytes + 10)
    big = client.post("/api/v2/media", headers=headers, files={"file": ("big.png", huge, "image/png")})
    assert big.status_code == 422 and "at most" in big.json()["error"]
    missing = client.post("/api/v2/media", headers=headers, data={"description": "没有文件"})
    assert missing.status_code == 422
    good = client.post("/api/v2/media", headers=headers,
                       files={"file": ("ok.png", png(40, 30), "image/png")}, data={"description": "火场照片"})
    assert good.status_code == 200, good.text
    body = good.json()
    assert body["type"] == "image" and body["description"] == "火场照片"
    assert body["meta"]["original"]["width"] == 40 and body["meta"]["original"]["height"] == 30
    path = urlsplit(body["url"]).path
    assert client.get(path).content.startswith(b"\x89PNG")
    described = client.put(f"/api/v1/media/{body['id']}", headers=headers, data={"description": "新的描述"})
    assert described.json()["description"] == "新的描述"
    assert client.get(f"/api/v1/media/{body['id']}", headers=headers).json()["description"] == "新的描述"


# --- timelines ----------------------------------------------------------------------------------

def test_post_appears_in_follower_home_as_soon_as_create_returns(client, plaza, app_keys) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    reader = person(plaza)
    cq_h, reader_h = token_for(client, app_keys, cq), token_for(client, app_keys, reader)
    relation = client.post(f"/api/v1/accounts/{cq.id}/follow", headers=reader_h).json()
    assert relation["following"] is True and relation["id"] == str(cq.id)
    for n in range(5):
        status = client.post("/api/v1/statuses", headers=cq_h, data={"status": f"山火通报第{n}号"}).json()
        home = client.get("/api/v1/timelines/home", headers=reader_h).json()
        assert home[0]["id"] == status["id"]


#: Every attribute of Mastodon's Status entity (4.3), and Plaza's own.
STATUS_KEYS = {
    "id", "uri", "url", "created_at", "account", "content", "visibility", "sensitive", "spoiler_text",
    "media_attachments", "application", "mentions", "tags", "emojis", "reblogs_count", "favourites_count",
    "replies_count", "in_reply_to_id", "in_reply_to_account_id", "reblog", "poll", "card", "language",
    "edited_at", "favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered", "plaza",
}


def test_timeline_statuses_have_mastodons_shape_and_equal_the_single_status(client, plaza, app_keys) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    reader = person(plaza, "shancheng", "山城小李")
    cq_h, reader_h = token_for(client, app_keys, cq), token_for(client, app_keys, reader)
    client.post(f"/api/v1/accounts/{cq.id}/follow", headers=reader_h)
    media = client.post("/api/v2/media", headers=cq_h, files={"file": ("fire.png", png(40, 30), "image/png")},
                        data={"description": "火场"}).json()
    original = client.post("/api/v1/statuses", headers=cq_h, json={
        "status": "感谢 @山城小李 #一起守护这座城# <b>不是标签</b>", "media_ids": [media["id"]],
        "spoiler_text": "山火", "plaza_city": "500000"}).json()
    client.post(f"/api/v1/statuses/{original['id']}/favourite", headers=reader_h)
    repost = client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=reader_h).json()
    home = client.get("/api/v1/timelines/home", headers=reader_h).json()
    assert [s["id"] for s in home] == [repost["id"], original["id"]]
    for shown in home:
        assert set(shown) == STATUS_KEYS
        assert shown == client.get(f"/api/v1/statuses/{shown['id']}", headers=reader_h).json()
    reblogged = home[0]["reblog"]
    assert set(reblogged) == STATUS_KEYS and reblogged == home[1]
    assert reblogged["favourited"] is True and reblogged["reblogged"] is True
    assert (reblogged["favourites_count"], reblogged["reblogs_count"]) == (1, 1)
    assert reblogged["account"]["id"] == str(cq.id) and home[0]["account"]["id"] == str(reader.id)
    assert [m["id"] for m in reblogged["media_attachments"]] == [media["id"]]
    assert [m["username"] for m in reblogged["mentions"]] == ["shancheng"]
    assert [t["name"] for t in reblogged["tags"]] == ["一起守护这座城"]
    assert "&lt;b&gt;" in reblogged["content"] and "<b>" not in reblogged["content"]
    assert reblogged["spoiler_text"] == "山火" and reblogged["plaza"]["city"] == "500000"
    # Counts and marks change on the cached post at once.
    client.post(f"/api/v1/statuses/{original['id']}/unfavourite", headers=reader_h)
    again = client.get("/api/v1/timelines/home", headers=reader_h).json()
    assert again[1]["favourited"] is False and again[1]["favourites_count"] == 0
    assert again[0]["reblog"] == again[1]


def test_link_header_lists_next_first_and_pages_walk_home_timeline(client, plaza, app_keys) -> None:
    me = person(plaza)
    headers = token_for(client, app_keys, me)
    made = [post(plaza, me, f"第{n}条") for n in range(45)]
    seen: list[str] = []
    url = "/api/v1/timelines/home?limit=20"
    pages = 0
    while url:
        answer = client.get(url, headers=headers)
        body = answer.json()
        seen += [s["id"] for s in body]
        link = answer.headers.get("link", "")
        if body:
            assert link.index('rel="next"') < link.index('rel="prev"') if 'rel="next"' in link else True
            assert f'min_id={body[0]["id"]}>; rel="prev"' in link
        pages += 1
        url = ""
        if 'rel="next"' in link:
            next_url = link.split(">;")[0].lstrip("<")
            assert next_url.startswith("http://127.0.0.1:8000/api/v1/timelines/home?")
            query = parse_qs(urlsplit(next_url).query)
            assert query["limit"] == ["20"] and query["max_id"] == [body[-1]["id"]]
            url = urlsplit(next_url).path + "?" + urlsplit(next_url).query
    assert seen == [str(i) for i in reversed(made)]
    assert pages == 3
    # Going back up: min_id gives the page just newer, still newest first.
    newer = client.get(f"/api/v1/timelines/home?min_id={made[9]}&limit=5", headers=headers).json()
    assert [s["id"] for s in newer] == [str(i) for i in reversed(made[10:15])]
    since = client.get(f"/api/v1/timelines/home?since_id={made[-3]}", headers=headers).json()
    assert [s["id"] for s in since] == [str(made[-1]), str(made[-2])]
    assert client.get("/api/v1/timelines/home?limit=zero", headers=headers).status_code == 422
    assert len(client.get("/api/v1/timelines/home?limit=100", headers=headers).json()) == 40


def test_tag_timeline_finds_weibo_style_topic_with_cjk(client, plaza) -> None:
    me = person(plaza)
    first = post(plaza, me, "#重庆 山火# 各处明火均已扑灭")
    post(plaza, me, "无关的微博")
    second = post(plaza, me, "#一起守护这座城# 感谢救援")
    hidden = post(plaza, me, "#重庆 山火# 仅粉丝可见", visibility="private")
    answer = client.get("/api/v1/timelines/tag/" + quote("重庆 山火"))
    assert answer.status_code == 200
    assert [s["id"] for s in answer.json()] == [str(first)]
    assert str(hidden) not in answer.text
    other = client.get("/api/v1/timelines/tag/" + quote("一起守护这座城")).json()
    assert [s["id"] for s in other] == [str(second)]
    tag = client.get("/api/v1/tags/" + quote("重庆 山火")).json()
    assert tag["name"] == "重庆 山火" and tag["history"] == [] and tag["following"] is False
    assert tag["url"] == "http://127.0.0.1:8000/topics/" + quote("重庆 山火", safe="")
    assert client.get("/api/v1/tags/" + quote("没有这个话题")).status_code == 404


def test_public_and_city_timelines(client, plaza) -> None:
    cq = person(plaza, home_city="500000")
    bj = person(plaza, home_city="110000")
    in_cq = post(plaza, cq, "山城的消息")
    in_bj = post(plaza, bj, "北京的消息")
    from_bj_about_cq = post(plaza, bj, "在重庆出差", city="500101")
    post(plaza, cq, "不公开", visibility="unlisted")
    assert [s["id"] for s in client.get("/api/v1/timelines/public").json()] == [
        str(from_bj_about_cq), str(in_bj), str(in_cq)]
    assert client.get("/api/v1/timelines/public?remote=true").json() == []
    assert [s["id"] for s in client.get("/api/v1/timelines/city/500000").json()] == [
        str(from_bj_about_cq), str(in_cq)]
    assert [s["id"] for s in client.get("/api/v1/timelines/city/500101").json()] == [
        str(from_bj_about_cq), str(in_cq)]
    assert client.get("/api/v1/timelines/city/999999").status_code == 404


# --- accounts and follows -----------------------------------------------------------------------

def test_follow_lists_relationships_lookup_and_search(client, plaza, app_keys) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    fans = [person(plaza) for _ in range(3)]
    for fan in fans:
        client.post(f"/api/v1/accounts/{cq.id}/follow", headers=token_for(client, app_keys, fan))
    answer = client.get(f"/api/v1/accounts/{cq.id}/followers?limit=2")
    assert [a["id"] for a in answer.json()] == [str(fans[2].id), str(fans[1].id)]
    assert 'rel="next"' in answer.headers["link"]
    next_url = answer.headers["link"].split(">;")[0].lstrip("<")
    rest = client.get(urlsplit(next_url).path + "?" + urlsplit(next_url).query).json()
    assert [a["id"] for a in rest] == [str(fans[0].id)]
    following = client.get(f"/api/v1/accounts/{fans[0].id}/following").json()
    assert [a["username"] for a in following] == ["cq_fabu"]
    headers = token_for(client, app_keys, fans[0])
    rels = client.get(f"/api/v1/accounts/relationships?id[]={cq.id}&id[]={fans[1].id}", headers=headers).json()
    assert [(r["id"], r["following"], r["followed_by"]) for r in rels] == [
        (str(cq.id), True, False), (str(fans[1].id), False, False)]
    unfollowed = client.post(f"/api/v1/accounts/{cq.id}/unfollow", headers=headers).json()
    assert unfollowed["following"] is False
    assert client.get(f"/api/v1/accounts/{cq.id}").json()["followers_count"] == 2
    assert client.get("/api/v1/accounts/lookup?acct=cq_fabu").json()["id"] == str(cq.id)
    assert client.get("/api/v1/accounts/lookup?acct=cq_fabu@127.0.0.1:8000").json()["id"] == str(cq.id)
    assert client.get("/api/v1/accounts/lookup?acct=cq_fabu@elsewhere.example").status_code == 404
    found = client.get("/api/v1/accounts/search?q=" + quote("重庆发布")).json()
    assert [a["id"] for a in found] == [str(cq.id)]


# --- notifications ------------------------------------------------------------------------------

def test_notification_types_including_the_reply_mapping(client, plaza, app_keys) -> None:
    author = person(plaza, "author")
    fan = person(plaza, "fan", "热心市民")
    author_h, fan_h = token_for(client, app_keys, author), token_for(client, app_keys, fan)
    original = client.post("/api/v1/statuses", headers=author_h, data={"status": "请大家注意防火"}).json()
    client.post(f"/api/v1/accounts/{author.id}/follow", headers=fan_h)
    client.post("/api/v1/statuses", headers=fan_h, data={"status": "收到", "in_reply_to_id": original["id"]})
    client.post("/api/v1/statuses", headers=fan_h, data={"status": "提醒一下 @author"})
    client.post(f"/api/v1/statuses/{original['id']}/favourite", headers=fan_h)
    client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=fan_h)
    answer = client.get("/api/v1/notifications", headers=author_h)
    kinds = [(n["type"], n["plaza_type"]) for n in answer.json()]
    assert kinds == [("reblog", "reblog"), ("favourite", "favourite"), ("mention", "mention"),
                     ("mention", "reply"), ("follow", "follow")]
    assert all(n["account"]["id"] == str(fan.id) for n in answer.json())
    assert "status" not in answer.json()[-1] and answer.json()[0]["status"]["id"] == original["id"]
    mentions = client.get("/api/v1/notifications?types[]=mention", headers=author_h).json()
    assert [n["plaza_type"] for n in mentions] == ["mention", "reply"]
    others = client.get("/api/v1/notifications?exclude_types[]=mention&exclude_types[]=follow",
                        headers=author_h).json()
    assert [n["type"] for n in others] == ["reblog", "favourite"]
    one = answer.json()[0]
    assert client.get(f"/api/v1/notifications/{one['id']}", headers=author_h).json()["id"] == one["id"]
    assert client.post(f"/api/v1/notifications/{one['id']}/dismiss", headers=author_h).status_code == 200
    assert len(client.get("/api/v1/notifications", headers=author_h).json()) == 4
    client.post("/api/v1/notifications/clear", headers=author_h)
    assert client.get("/api/v1/notifications", headers=author_h).json() == []
    assert client.get("/api/v1/notifications", headers=token_for(client, app_keys, fan, "write")).status_code == 403


# --- search -------------------------------------------------------------------------------------

def test_search_finds_accounts_statuses_and_topics(client, plaza, app_keys) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    found_post = post(plaza, cq, "#重庆山火# 感谢所有救援队员")
    post(plaza, cq, "今天天气晴")
    headers = token_for(client, app_keys, person(plaza))
    everything = client.get("/api/v2/search?q=" + quote("救援"), headers=headers).json()
    assert [s["id"] for s in everything["statuses"]] == [str(found_post)]
    accounts_only = client.get("/api/v2/search?type=accounts&q=" + quote("重庆"), headers=headers).json()
    assert [a["username"] for a in accounts_only["accounts"]] == ["cq_fabu"]
    assert accounts_only["statuses"] == [] and accounts_only["hashtags"] == []
    topics = client.get("/api/v2/search?type=hashtags&q=" + quote("#重庆"), headers=headers).json()
    assert [t["name"] for t in topics["hashtags"]] == ["重庆山火"]
    url = f"http://127.0.0.1:8000/@cq_fabu/{found_post}"
    resolved = client.get("/api/v2/search", params={"q": url, "resolve": "true"}, headers=headers).json()
    assert [s["id"] for s in resolved["statuses"]] == [str(found_post)]
    assert client.get("/api/v2/search?q=x&type=people").status_code == 422


def test_direct_posts_show_as_conversations_to_their_people_only(client, plaza, app_keys) -> None:
    sender, receiver, outsider = person(plaza, "sender"), person(plaza, "receiver"), person(plaza)
    sender_h = token_for(client, app_keys, sender)
    direct = client.post("/api/v1/statuses", headers=sender_h,
                         data={"status": "@receiver 私信内容", "visibility": "direct"}).json()
    [conversation] = client.get("/api/v1/conversations", headers=token_for(client, app_keys, receiver)).json()
    assert conversation["last_status"]["id"] == direct["id"]
    assert [a["username"] for a in conversation["accounts"]] == ["sender"]
    assert client.get("/api/v1/conversations", headers=token_for(client, app_keys, outsider)).json() == []
    assert client.get(f"/api/v1/statuses/{direct['id']}").status_code == 404


def test_sign_up_is_refused_when_registrations_are_closed(database_url, tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="k", rate_limits=False, registrations_open=False)
    instance = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
            assert client.get("/api/v2/instance").json()["registrations"]["enabled"] is False
            keys = register_app(client)
            answer = client.post("/api/v1/accounts?lang=en", headers=auth(app_token(client, keys)), data={
                "username": "toolate", "password": "a good long password", "agreement": "true"})
            assert answer.status_code == 403 and answer.json() == {"error": "Registrations are closed"}
    finally:
        instance.db.dispose()


def test_token_endpoint_refuses_unknown_grants_and_clients(client, app_keys) -> None:
    refresh = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x",
                                                "client_id": app_keys["client_id"],
                                                "client_secret": app_keys["client_secret"]})
    assert refresh.status_code == 400 and refresh.json()["error"] == "unsupported_grant_type"
    stranger = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "nobody",
                                                 "client_secret": "nothing"})
    assert stranger.status_code == 401 and stranger.json()["error"] == "invalid_client"
    basic = base64.b64encode(f"{app_keys['client_id']}:{app_keys['client_secret']}".encode()).decode()
    with_basic = client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "read"},
                             headers={"Authorization": f"Basic {basic}"})
    assert with_basic.status_code == 200 and with_basic.json()["scope"] == "read"
    too_wide = client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "admin:write",
                                                 "client_id": app_keys["client_id"],
                                                 "client_secret": app_keys["client_secret"]})
    assert too_wide.json()["error"] == "invalid_scope"
