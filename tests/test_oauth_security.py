"""OAuth 2 done right (issue 10, item 7) and app registration bounded (item 4), as clients and
attackers see them over HTTP, on both database backends.

Every app is a confidential client (RFC 6749 2.3.1); PKCE is S256 only and checked as RFC 7636
says, with RFC 9700's downgrade rule; a code is used once, by its own app, with its redirect URI.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
from mastodon import Mastodon, MastodonIllegalArgumentError, MastodonUnauthorizedError
from sqlalchemy import func, select
from starlette.testclient import TestClient

from plaza.app import Plaza, create_app
from plaza.clock import utcnow
from plaza.config import load_settings
from plaza.errors import BadRequest
from plaza.identity import oauth, tokens
from plaza.storage.schema import oauth_apps
from tests.factories import citizen

OOB = oauth.OOB
CALLBACK = "https://client.example/callback"
VERIFIER = "a-long-random-verifier-string-of-at-least-43-characters-0123456789"
OTHER_VERIFIER = "another-verifier-which-is-also-long-enough-to-be-valid-9876543210"
PASSWORD = "correct horse battery"  # what tests.factories.citizen sets
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')
CODE_RE = re.compile(r'<code class="oauth-code">([^<]+)</code>')


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def register(client: httpx.Client, name: str = "测试客户端", redirect_uris: object = OOB,
             scopes: str = "read write follow", **fields: object) -> dict:
    response = client.post("/api/v1/apps", json={
        "client_name": name, "redirect_uris": redirect_uris, "scopes": scopes, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def code_for(plaza: Plaza, keys: dict, account_id: int, redirect_uri: str = OOB,
             challenge: str | None = None) -> str:
    """A code as the consent page issues it once the person allows the app."""
    app = oauth.find_app(plaza.db, keys["client_id"])
    assert app is not None
    return oauth.issue_code(plaza.db, app, account_id, frozenset({"read", "write"}), redirect_uri,
                            challenge, "S256" if challenge else None)


def exchange(client: httpx.Client, keys: dict, code: str, *, redirect_uri: str | None = OOB,
             verifier: str | None = None, secret: str | None = "the app's",
             **headers: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "client_id": keys["client_id"], "code": code}
    if secret is not None:
        form["client_secret"] = keys["client_secret"] if secret == "the app's" else secret
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    if verifier is not None:
        form["code_verifier"] = verifier
    return client.post("/oauth/token", data=form, headers=headers)


def whose(client: httpx.Client, answer: httpx.Response) -> str | int:
    """The username the token of a token response signs in as, or the status refusing it."""
    token = answer.json()["access_token"]
    me = client.get("/api/v1/accounts/verify_credentials",
                    headers={"Authorization": f"Bearer {token}"})
    return me.json()["username"] if me.status_code == 200 else me.status_code


def errors(*answers: httpx.Response) -> list[tuple[int, str]]:
    return [(a.status_code, a.json().get("error")) for a in answers]


def sign_in(client: httpx.Client, login: str) -> None:
    token = CSRF_RE.search(client.get("/signin").text)
    assert token
    done = client.post("/signin", data={"login": login, "password": PASSWORD, "next": "/home",
                                        "csrf_token": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303, done.text


def consent(client: httpx.Client, query: str) -> str:
    """Allow the app on the consent page; the code the out-of-band page shows."""
    page = client.get(f"/oauth/authorize?{query}")
    assert page.status_code == 200, page.text
    fields = dict(HIDDEN_RE.findall(page.text))
    issued = client.post("/oauth/authorize", data={**fields, "decision": "authorize"})
    assert issued.status_code == 200, issued.text
    found = CODE_RE.search(issued.text)
    assert found
    return found.group(1)


def app_count(plaza: Plaza) -> int:
    with plaza.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(oauth_apps)).scalar_one())


# --- the authorization code -----------------------------------------------------------------------

def test_stolen_code_cannot_be_used_by_another_client_and_stays_its_apps(client, plaza) -> None:
    victim = register(client, "受害客户端")
    thief = register(client, "恶意客户端")
    li = citizen(plaza, "li", password=None)
    for challenge, verifier in ((None, None), (s256(VERIFIER), VERIFIER)):
        code = code_for(plaza, victim, li.id, challenge=challenge)
        attempts = [
            # Any verifier once stood in for the client secret.
            exchange(client, victim, code, verifier=VERIFIER, secret=None),
            exchange(client, victim, code, verifier=verifier, secret="guessed"),
            # The thief's own app, properly authenticated, with someone else's code.
            exchange(client, thief, code, verifier=verifier),
            exchange(client, thief, code, verifier=VERIFIER),
            exchange(client, thief, code),
        ]
        assert errors(*attempts) == [(401, "invalid_client")] * 2 + [(400, "invalid_grant")] * 3
        own = exchange(client, victim, code, verifier=verifier)
        assert own.status_code == 200, own.text
        assert whose(client, own) == "li"


def test_verifier_is_required_when_the_code_was_issued_with_a_challenge(client, plaza) -> None:
    keys = register(client)
    li = citizen(plaza, "li", password=None)
    code = code_for(plaza, keys, li.id, challenge=s256(VERIFIER))
    assert errors(exchange(client, keys, code)) == [(400, "invalid_grant")]
    # A failed attempt by the code's own app uses the code up.
    assert errors(exchange(client, keys, code, verifier=VERIFIER)) == [(400, "invalid_grant")]

    code = code_for(plaza, keys, li.id, challenge=s256(VERIFIER))
    assert errors(exchange(client, keys, code, verifier=OTHER_VERIFIER)) == [(400, "invalid_grant")]

    code = code_for(plaza, keys, li.id, challenge=s256(VERIFIER))
    malformed = exchange(client, keys, code, verifier="too-short", **{"Accept-Language": "en"})
    assert errors(malformed) == [(400, "invalid_request")]
    assert "code_verifier" in malformed.json()["error_description"]
    right = exchange(client, keys, code, verifier=VERIFIER)  # a malformed request used nothing up
    assert right.status_code == 200 and whose(client, right) == "li"


def test_verifier_is_refused_when_the_code_was_issued_without_a_challenge(client, plaza) -> None:
    keys = register(client)
    li = citizen(plaza, "li", password=None)
    code = code_for(plaza, keys, li.id)
    # RFC 9700 2.1.1: a verifier for a code without a challenge is a downgrade attempt.
    assert errors(exchange(client, keys, code, verifier=VERIFIER)) == [(400, "invalid_grant")]
    code = code_for(plaza, keys, li.id)
    plain = exchange(client, keys, code)
    assert plain.status_code == 200 and whose(client, plain) == "li"


def test_redirect_uri_is_required_at_the_exchange_and_equal_to_the_codes(client, plaza) -> None:
    other = "com.example.app:/oauth2redirect"
    keys = register(client, redirect_uris=[CALLBACK, other])
    li = citizen(plaza, "li", password=None)
    code = code_for(plaza, keys, li.id, redirect_uri=CALLBACK)
    missing = exchange(client, keys, code, redirect_uri=None, **{"Accept-Language": "en"})
    assert errors(missing) == [(400, "invalid_request")]
    assert "redirect_uri" in missing.json()["error_description"]
    assert errors(exchange(client, keys, code, redirect_uri=other)) == [(400, "invalid_grant")]
    slash = exchange(client, keys, code, redirect_uri=CALLBACK + "/")
    assert errors(slash) == [(400, "invalid_grant")]

    code = code_for(plaza, keys, li.id, redirect_uri=CALLBACK)
    right = exchange(client, keys, code, redirect_uri=CALLBACK)
    assert right.status_code == 200 and whose(client, right) == "li"


def test_replayed_code_fails_and_revokes_the_token_its_first_use_gave(client, plaza) -> None:
    keys = register(client)
    thief = register(client, "恶意客户端")
    li = citizen(plaza, "li", password=None)
    code = code_for(plaza, keys, li.id, challenge=s256(VERIFIER))
    first = exchange(client, keys, code, verifier=VERIFIER)
    assert first.status_code == 200 and whose(client, first) == "li"
    # Another app cannot use the code, nor revoke its owner's token by trying.
    assert errors(exchange(client, thief, code, verifier=VERIFIER)) == [(400, "invalid_grant")]
    assert whose(client, first) == "li"

    again = exchange(client, keys, code, verifier=VERIFIER)
    assert errors(again) == [(400, "invalid_grant")]
    assert whose(client, first) == 401


def test_concurrent_exchanges_of_one_code_give_at_most_one_token_and_revoke_it(plaza) -> None:
    app, _ = oauth.register_app(plaza.db, "并发客户端", OOB, "read")
    li = citizen(plaza, "li", password=None)
    code = oauth.issue_code(plaza.db, app, li.id, frozenset({"read"}), OOB)
    start = threading.Barrier(8)

    def attempt(_: int) -> str | None:
        start.wait()
        try:
            return oauth.exchange_code(plaza.db, app, code, OOB)[0]
        except BadRequest:
            return None

    with ThreadPoolExecutor(8) as pool:
        given = [secret for secret in pool.map(attempt, range(8)) if secret]
    assert len(given) == 1
    # The others were replays of a used code: the one token is revoked too (RFC 6749 4.1.2).
    assert tokens.authenticate(plaza.db, given[0]) is None


def test_expired_code_is_refused(client, plaza) -> None:
    keys = register(client)
    li = citizen(plaza, "li", password=None)
    app = oauth.find_app(plaza.db, keys["client_id"])
    assert app is not None
    code = oauth.issue_code(plaza.db, app, li.id, frozenset({"read"}), OOB,
                            now=utcnow() - oauth.CODE_LIFETIME - timedelta(seconds=1))
    assert errors(exchange(client, keys, code)) == [(400, "invalid_grant")]


def test_token_endpoint_authenticates_clients_by_body_or_basic_per_rfc_6749(client, plaza) -> None:
    keys = register(client)
    li = citizen(plaza, "li", password=None)

    def basic(client_id: str, secret: str) -> dict[str, str]:
        pair = f"{quote(client_id)}:{quote(secret)}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    wrong = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers=basic(keys["client_id"], "wrong"))
    assert errors(wrong) == [(401, "invalid_client")]
    assert wrong.headers["WWW-Authenticate"].startswith("Basic ")
    garbage = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                          headers={"Authorization": "Basic %%%not-base64"})
    assert errors(garbage) == [(401, "invalid_client")] and "WWW-Authenticate" in garbage.headers
    thief = register(client, "恶意客户端")
    mixed = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                              "client_id": thief["client_id"]},
                        headers=basic(keys["client_id"], keys["client_secret"]))
    assert errors(mixed) == [(401, "invalid_client")]
    in_body = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": keys["client_id"],
        "client_secret": "wrong"})
    assert errors(in_body) == [(401, "invalid_client")] and "WWW-Authenticate" in in_body.headers
    for odd in ("nul\x00id", "x" * 10_000):
        refused = client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": odd, "client_secret": "s"})
        assert errors(refused) == [(401, "invalid_client")]

    code = code_for(plaza, keys, li.id)
    answer = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": OOB},
                         headers=basic(keys["client_id"], keys["client_secret"]))
    assert answer.status_code == 200 and whose(client, answer) == "li"
    assert answer.headers["Cache-Control"] == "no-store"  # RFC 6749 5.1
    revoked = client.post("/oauth/revoke", data={"token": answer.json()["access_token"]},
                          headers=basic(keys["client_id"], "wrong"))
    assert errors(revoked) == [(401, "invalid_client")] and "WWW-Authenticate" in revoked.headers
    assert whose(client, answer) == "li"


def test_token_endpoint_answers_nul_bytes_in_any_field_with_a_4xx(client, plaza) -> None:
    keys = register(client)
    client_auth = {"client_id": keys["client_id"], "client_secret": keys["client_secret"]}
    forms = [
        {**client_auth, "grant_type": "password", "username": "li\x00", "password": "p\x00w"},
        {**client_auth, "grant_type": "authorization_code", "code": "c\x00",
         "redirect_uri": "r\x00"},
        {**client_auth, "grant_type": "authorization_code", "code": "c", "redirect_uri": OOB,
         "code_verifier": "v\x00" * 30},
        {**client_auth, "grant_type": "client_credentials", "scope": "read\x00"},
        {**client_auth, "grant_type": "nul\x00"},
        {"grant_type": "client_credentials", "client_id": "\x00", "client_secret": "\x00"},
    ]
    statuses = [client.post("/oauth/token", data=form).status_code for form in forms]
    assert statuses == [400, 400, 400, 422, 400, 401]
    revoked = client.post("/oauth/revoke", data={**client_auth, "token": "t\x00"})
    assert revoked.status_code == 200


# --- PKCE at the consent page ---------------------------------------------------------------------

def test_s256_consent_gives_a_token_to_the_app_proving_secret_and_verifier(client, plaza) -> None:
    keys = register(client, redirect_uris=OOB, scopes="read write")
    citizen(plaza, "li")
    sign_in(client, "li")
    query = urlencode({"client_id": keys["client_id"], "redirect_uri": OOB, "response_type": "code",
                       "scope": "read", "code_challenge": s256(VERIFIER),
                       "code_challenge_method": "S256"})
    code = consent(client, query)
    answer = exchange(client, keys, code, verifier=VERIFIER)
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "read" and whose(client, answer) == "li"


def test_plain_pkce_and_malformed_challenges_are_refused_in_readers_language(client, plaza) -> None:
    keys = register(client)
    meta = client.get("/.well-known/oauth-authorization-server").json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    base = {"client_id": keys["client_id"], "redirect_uri": OOB, "response_type": "code",
            "scope": "read"}

    def authorize(lang: str | None = None, **fields: str) -> httpx.Response:
        headers = {"Accept-Language": lang} if lang else {}
        return client.get("/oauth/authorize?" + urlencode({**base, **fields}), headers=headers)

    plain = authorize(code_challenge=VERIFIER, code_challenge_method="plain")
    assert plain.status_code == 400 and "不支持的 PKCE 方法 plain：请使用 S256" in plain.text
    english = authorize("en", code_challenge=VERIFIER, code_challenge_method="plain")
    assert english.status_code == 400
    assert "PKCE method plain is not supported: use S256" in english.text
    # Without a method the challenge is plain (RFC 7636 4.3), which is not offered.
    assert authorize("en", code_challenge=VERIFIER).status_code == 400
    for challenge in ("short", s256(VERIFIER)[:-1] + "=", s256(VERIFIER) + "A", "+" * 43):
        malformed = authorize("en", code_challenge=challenge, code_challenge_method="S256")
        assert malformed.status_code == 400 and "code_challenge is malformed" in malformed.text
    without_challenge = authorize("en", code_challenge_method="S256")
    assert without_challenge.status_code == 400 and "code_challenge" in without_challenge.text
    assert authorize(code_challenge=s256(VERIFIER), code_challenge_method="S256").status_code == 200
    app = oauth.find_app(plaza.db, keys["client_id"])
    assert app is not None
    someone = citizen(plaza, password=None)
    with pytest.raises(BadRequest):  # nor can any other caller issue a plain code
        oauth.issue_code(plaza.db, app, someone.id, frozenset({"read"}), OOB, VERIFIER, "plain")


@pytest.mark.server
def test_mastodon_py_signs_in_with_the_code_flow_and_cannot_use_a_code_twice(live_server) -> None:
    citizen(live_server.plaza, "li")
    client_id, client_secret = Mastodon.create_app("Plaza 授权码", api_base_url=live_server.url,
                                                   scopes=["read", "write"])
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live_server.url)
    url = api.auth_request_url(scopes=["read", "write"], allow_http=True)
    with httpx.Client(base_url=live_server.url) as browser:
        sign_in(browser, "li")
        code = consent(browser, url.split("?", 1)[1])
    api.log_in(code=code, scopes=["read", "write"], allow_http=True)
    assert api.me().username == "li"
    again = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live_server.url)
    with pytest.raises(MastodonIllegalArgumentError):
        again.log_in(code=code, scopes=["read", "write"], allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):  # the replay revoked the first use's token
        api.me()


# --- registration ---------------------------------------------------------------------------------

def test_app_name_must_be_1_to_100_characters_and_is_never_truncated(client, plaza) -> None:
    long = client.post("/api/v1/apps?lang=en", json={"client_name": "长" * 101})
    assert long.status_code == 422
    assert long.json()["error"] == ("The app name must be 1–100 characters "
                                    "without control characters")
    chinese = client.post("/api/v1/apps", json={"client_name": "长" * 101, "redirect_uris": OOB})
    assert chinese.json()["error"] == "应用名称须为 1–100 个字符，且不含控制字符"
    for name in ("", "   ", "nul\x00name", "bell\x07"):
        assert client.post("/api/v1/apps", json={"client_name": name}).status_code == 422
    assert app_count(plaza) == 0
    assert register(client, "长" * 100)["name"] == "长" * 100


def test_app_website_must_be_empty_or_an_http_url_of_at_most_255_characters(client, plaza) -> None:
    for website in ("javascript:alert(1)", "ftp://files.example/", "example.org", "https://",
                    "https://example.org/" + "a" * 236, "https://exa mple.org/", "http://[::1",
                    "https://:443/"):
        refused = client.post("/api/v1/apps?lang=en",
                              json={"client_name": "站点", "website": website})
        assert refused.status_code == 422, website
        assert refused.json()["error"] == ("The website must be an http(s) URL "
                                           "of at most 255 characters")
    assert app_count(plaza) == 0
    assert register(client, website="")["website"] is None
    longest = "https://example.org/" + "a" * 235
    assert register(client, website=longest)["website"] == longest


def test_redirect_uris_are_at_most_ten_absolute_uris_without_fragment(client, plaza) -> None:
    refused = {
        "11 URIs": [f"https://client.example/{n}" for n in range(11)],
        "2,001 characters": "https://client.example/" + "a" * 1978,
        "fragment": "https://client.example/callback#top",
        "relative": "/callback",
        "no scheme": "client.example/callback",
        "script": "javascript:alert(1)",
        "data": "data:text/html,<script>alert(1)</script>",
        "no host": "https:///callback",
        "open IPv6 host": "https://[::1/callback",
        "control character": "myapp://call\x00back",
        "not a string": [CALLBACK, 42],
    }
    for what, uris in refused.items():
        answer = client.post("/api/v1/apps?lang=en",
                             json={"client_name": "回调", "redirect_uris": uris})
        assert answer.status_code == 422, what
        assert "redirect uri" in answer.json()["error"].lower(), what
    huge_uri = "https://a.example/" + "a" * 10_000_000
    huge = client.post("/api/v1/apps", json={"client_name": "巨大", "redirect_uris": huge_uri})
    assert huge.status_code in (413, 422)  # 413 once bodies are bounded before they are read
    assert app_count(plaza) == 0

    custom = ["com.example.app:/oauth2redirect", "myapp://callback", CALLBACK + "?from=plaza", OOB]
    keys = register(client, redirect_uris=custom)
    assert keys["redirect_uris"] == custom
    longest = "https://client.example/" + "a" * 1977
    assert register(client, redirect_uris=f"{longest}\n{OOB}")["redirect_uris"] == [longest, OOB]
    form = client.post("/api/v1/apps",
                       data={"client_name": "表单", "redirect_uris[]": [CALLBACK, OOB]})
    assert form.status_code == 200 and form.json()["redirect_uris"] == [CALLBACK, OOB]
    assert register(client, redirect_uris=[f"myapp://cb/{n}" for n in range(10)])


def test_unknown_scopes_are_refused_at_registration(client, plaza) -> None:
    for scopes in ("read bogus", "read:nonsense", "admin", "write:statuses:all"):
        unknown = client.post("/api/v1/apps?lang=en",
                              json={"client_name": "权限", "scopes": scopes})
        assert unknown.status_code == 422, scopes
        assert unknown.json() == {"error": f"Unknown scope: {scopes.split()[-1]}"}
    # Every granular scope at once is more than the 255 characters a scope list is stored in.
    everything = " ".join(f"{top}:{sub}" for top in ("read", "write")
                          for sub in ("accounts", "blocks", "bookmarks", "favourites", "filters",
                                      "follows", "lists", "mutes", "notifications", "statuses"))
    assert len(everything) > 255
    too_many = client.post("/api/v1/apps", json={"client_name": "权限", "scopes": everything})
    assert too_many.status_code == 422
    assert too_many.json()["error"] == "权限范围过多：合计不能超过 255 个字符"
    assert app_count(plaza) == 0
    granular = register(client, scopes="read:statuses write:media push")
    assert sorted(granular["scopes"]) == ["push", "read:statuses", "write:media"]


def test_app_registration_is_rate_limited_per_client_address(database_url, tmp_path: Path) -> None:
    settings = load_settings(env={"PLAZA_RATE_LIMIT_APPS": "3/hour"}, data_dir=tmp_path / "data",
                             database_url=database_url, secret_key="k", rate_limits=True)
    instance = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
            register(client, "第一")
            register(client, "第二")
            # A refused attempt counts too: the limit is on trying.
            assert client.post("/api/v1/apps", json={"client_name": ""}).status_code == 422
            limited = client.post("/api/v1/apps", json={"client_name": "第四"},
                                  headers={"Accept-Language": "en"})
            assert limited.status_code == 429
            assert 1 <= int(limited.headers["Retry-After"]) <= 3600
            assert "Too many requests" in limited.json()["error"]
            assert app_count(instance) == 2
    finally:
        instance.db.dispose()
