"""Plaza deployed as people run it: over HTTPS behind a proxy, with several workers sharing Redis,
on a machine other people use. Cookies and HSTS follow the public address, rate limits hold across
processes and cannot be dodged with a forged ``X-Forwarded-For``, the data folder is its owner's
only, and a fault shows a page in the reader's language rather than a bare string.
"""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import text
from starlette.testclient import TestClient

from plaza import i18n
from plaza.app import Plaza, create_app
from plaza.config import load_settings
from plaza.errors import Invalid
from plaza.ratelimit import RateLimits
from tests.factories import citizen
from tests.hotsupport import redis_prefix_fixture
from tests.test_web_pages import PASSWORD, TOKEN_RE, csrf, sign_in

HSTS = "max-age=31536000"


# --- HTTPS: Secure cookie and HSTS ----------------------------------------------------------------


def _client(plaza: Plaza, public_url: str, **kw: object) -> TestClient:
    plaza.settings = replace(plaza.settings, public_url=public_url)
    return TestClient(create_app(plaza=plaza), base_url=public_url, **kw)  # type: ignore[arg-type]


def test_over_https_the_session_cookie_is_secure_and_every_response_asks_for_https(plaza) -> None:  # type: ignore[no-untyped-def]
    citizen(plaza, "li", password=PASSWORD)
    with _client(plaza, "https://plaza.example.gov.cn") as client:
        signed_in = sign_in(client, "li")
        assert signed_in.status_code == 303
        cookie = signed_in.headers["set-cookie"].lower()
        assert cookie.startswith("plaza_session=")
        assert {"secure", "httponly", "samesite=lax"} <= {p.strip() for p in cookie.split(";")}
        for path in ("/", "/home", "/api/v1/instance", "/static/plaza.css", "/no-such-page",
                     "/api/v1/statuses/1"):
            response = client.get(path, follow_redirects=False)
            assert response.headers.get("strict-transport-security") == HSTS, path


def test_over_plain_http_the_cookie_is_not_secure_and_no_hsts_is_sent(plaza) -> None:  # type: ignore[no-untyped-def]
    citizen(plaza, "li", password=PASSWORD)
    with _client(plaza, "http://127.0.0.1:8000") as client:
        signed_in = sign_in(client, "li")
        cookie = signed_in.headers["set-cookie"].lower()
        assert "secure" not in {p.strip() for p in cookie.split(";")}
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert "strict-transport-security" not in client.get("/home").headers


# --- rate limits shared through Redis -------------------------------------------------------------


@pytest.fixture
def redis_settings() -> Iterator[tuple[str, str]]:
    yield from redis_prefix_fixture()


def _limited_plaza(database_url: str, data_dir: Path, **settings: object) -> Plaza:
    return Plaza.from_settings(load_settings(
        env={}, data_dir=data_dir, database_url=database_url, secret_key="test-secret",
        rate_limits=True, rate_limit_sign_in="3/minute", hot_enabled=False, **settings))


def _wrong_password(client: TestClient) -> int:
    return sign_in(client, "li", password="not the password").status_code


def test_two_instances_sharing_redis_share_one_sign_in_limit(database_url, tmp_path, redis_settings) -> None:  # type: ignore[no-untyped-def]
    url, prefix = redis_settings
    first = _limited_plaza(database_url, tmp_path / "a", redis_url=url, redis_prefix=prefix)
    second = _limited_plaza(database_url, tmp_path / "b", redis_url=url, redis_prefix=prefix)
    citizen(first, "li", password=PASSWORD)
    try:
        with TestClient(create_app(plaza=first)) as a, TestClient(create_app(plaza=second)) as b:
            # one address guessing through both workers: 3 guesses a minute in all, not 3 each
            assert [_wrong_password(a), _wrong_password(b), _wrong_password(a)] == [401, 401, 401]
            refused = sign_in(b, "li", password="not the password")
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) >= 1
            assert _wrong_password(a) == 429
        assert first.limits.shared and second.limits.shared
    finally:
        first.db.dispose()
        second.db.dispose()


def test_rate_limit_keys_live_under_the_instances_redis_prefix(redis_settings) -> None:
    import redis

    url, prefix = redis_settings
    limits = RateLimits(True, {"sign_in": "3/minute"}, redis_url=url,
                        redis_prefix=prefix + "ratelimit")
    limits.hit("sign_in", "192.0.2.7")
    keys = [k.decode() for k in redis.Redis.from_url(url).scan_iter(match=prefix + "*")]
    assert keys and all(k.startswith(prefix + "ratelimit:") for k in keys)


def test_when_redis_is_down_limits_still_hold_in_memory_and_nothing_fails(database_url, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:  # a port nobody listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    plaza = _limited_plaza(database_url, tmp_path / "data", redis_url=dead)
    citizen(plaza, "li", password=PASSWORD)
    caplog.set_level(logging.WARNING, logger="plaza.ratelimit")
    try:
        with TestClient(create_app(plaza=plaza), raise_server_exceptions=False) as client:
            assert [_wrong_password(client) for _ in range(4)] == [401, 401, 401, 429]
            assert sign_in(client, "li", password=PASSWORD).status_code == 429  # still limited
        assert not plaza.limits.shared
        warnings = [r for r in caplog.records if r.name == "plaza.ratelimit"]
        assert len(warnings) == 1 and "Redis unreachable" in warnings[0].getMessage()
    finally:
        plaza.db.dispose()
