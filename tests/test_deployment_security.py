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
