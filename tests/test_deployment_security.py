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
from plaza.config import load_settings, parse_trusted_proxies
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
        # Every cookie Plaza sets travels over https only: the language chosen on a page too.
        chosen = client.get("/?lang=en")
        cookies = chosen.headers.get_list("set-cookie")
        assert any(c.lower().startswith("plaza_lang=") for c in cookies)
        for cookie in cookies:
            assert "secure" in {p.strip() for p in cookie.lower().split(";")}, cookie


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


# --- real server processes: forwarded headers, file modes -----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``plaza serve`` (and other ``plaza`` commands) as their own processes, on a data folder of
    their own, started with a given umask."""

    def __init__(self, data_dir: Path, umask: int = 0o022, **env: str) -> None:
        self.data_dir = data_dir
        self.umask = umask
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PLAZA_")}
        self.env.update(PLAZA_DATA_DIR=str(data_dir), PLAZA_HOST="127.0.0.1",
                        PLAZA_HOT_REFRESH_SECONDS="3600", **env)
        self.log = data_dir.parent / f"{data_dir.name}-serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def run(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "plaza.cli", *args], env=self.env,
                              umask=self.umask, capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "plaza.cli", "serve", "--log-level", "warning"],
                env={**self.env, "PLAZA_PORT": str(port)}, umask=self.umask, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"plaza serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/api/v1/instance", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"plaza serve did not answer within 90 s:\n{self.output()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        yield started
    finally:
        for server in started:
            server.stop()


def _sign_in_attempts(url: str, forwarded_for: list[str]) -> list[int]:
    """Wrong-password web sign-ins, each claiming to be forwarded for the given address."""
    statuses = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for address in forwarded_for:
            token = TOKEN_RE.search(client.get("/signin").text)
            assert token
            attempt = client.post("/signin", headers={"X-Forwarded-For": address}, data={
                "login": "nobody", "password": "wrong password", "csrf_token": token.group(1)})
            statuses.append(attempt.status_code)
    return statuses


pytest_server = pytest.mark.server


@pytest_server
def test_by_default_a_forged_forwarded_for_does_not_escape_the_sign_in_limit(tmp_path, servers) -> None:  # type: ignore[no-untyped-def]
    server = Server(tmp_path / "data", PLAZA_RATE_LIMIT_SIGN_IN="2/minute", PLAZA_HOT="off")
    servers.append(server)
    server.start()
    rotating = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    assert _sign_in_attempts(server.url, rotating) == [401, 401, 429]


@pytest_server
def test_behind_a_trusted_proxy_the_forwarded_address_is_what_the_limit_counts(tmp_path, servers) -> None:  # type: ignore[no-untyped-def]
    server = Server(tmp_path / "data", PLAZA_RATE_LIMIT_SIGN_IN="2/minute", PLAZA_HOT="off",
                    PLAZA_TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1")
    servers.append(server)
    server.start()
    # three people behind the proxy each have their own limit …
    assert _sign_in_attempts(server.url, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [401] * 3
    # … and one of them is still limited
    assert _sign_in_attempts(server.url, ["203.0.113.9"] * 3) == [401, 401, 429]


def test_a_mistyped_trusted_proxy_stops_the_start_with_a_clear_message() -> None:
    assert parse_trusted_proxies(" 127.0.0.1, 10.0.0.0/8,,::1 ") == (
        "127.0.0.1", "10.0.0.0/8", "::1")
    assert parse_trusted_proxies("") == ()
    for wrong in ("proxy.example", "10.0.0.1/8", "*", "300.1.1.1"):
        with pytest.raises(Invalid) as raised:
            parse_trusted_proxies(f"127.0.0.1,{wrong}")
        message = raised.value.message("en")
        assert wrong in message and "PLAZA_TRUSTED_PROXIES" in message


def _modes(root: Path) -> dict[str, str]:
    """Every folder and file under ``root`` (itself included) → its permission bits, in octal."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest_server
def test_the_data_folder_and_everything_in_it_is_its_owners_only(tmp_path, servers) -> None:  # type: ignore[no-untyped-def]
    # started with the most permissive umask: Plaza must not depend on the caller's
    data = tmp_path / "data"
    server = Server(data, umask=0o000, PLAZA_RATE_LIMITS="off")
    servers.append(server)
    server.run("db", "upgrade")
    server.run("account", "create", "li", "--display-name", "李", "--city", "500000",
               "--password", PASSWORD)
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        token = TOKEN_RE.search(client.get("/signin").text)
        assert token
        assert client.post("/signin", data={"login": "li", "password": PASSWORD, "next": "/home",
                                            "csrf_token": token.group(1)}).status_code in (200, 303)
        token = TOKEN_RE.search(client.get("/compose").text)
        assert token
        posted = client.post("/statuses", data={"text": "#一起守护这座城# 江边的晚霞", "visibility": "public",
                                                "csrf_token": token.group(1)},
                             files={"image": ("sunset.png", _png(), "image/png")})
        assert posted.status_code in (200, 303), posted.text
        assert "江边的晚霞" in client.get("/").text  # read on the square: hot search counts it
    running = _modes(data)
    server.stop()
    stopped = _modes(data)

    for name in ("plaza.db", "plaza.db-wal", "plaza.db-shm", "plaza.db.write-lock", "secret_key"):
        assert running.get(name) == "0o600", (name, running)
    assert any(re.fullmatch(r"media/[0-9a-f]{32}\.(png|jpg|webp)", name) for name in running), running
    assert "hot.snapshot" in stopped, stopped
    for modes in (running, stopped):
        wrong = {name: mode for name, mode in modes.items()
                 if mode != ("0o700" if name in (".", "media") else "0o600")}
        assert wrong == {}, wrong


# --- a fault is a page in the reader's language ---------------------------------------------------


@pytest.fixture
def matrices_table_gone(plaza: Plaza) -> Iterator[None]:
    """A real fault: the table the matrices page reads is gone (renamed away, and back after the
    test, since a PostgreSQL schema serves the whole run)."""
    with plaza.db.write() as conn:
        conn.execute(text("ALTER TABLE matrices RENAME TO matrices_gone"))
    try:
        yield
    finally:
        plaza.db.dispose()
        with plaza.db.write() as conn:
            conn.execute(text("ALTER TABLE matrices_gone RENAME TO matrices"))


def test_a_fault_on_a_page_is_an_error_page_in_the_readers_language(plaza, matrices_table_gone, caplog) -> None:  # type: ignore[no-untyped-def]
    zh, en = (i18n.gettext("server_error", locale) for locale in ("zh-CN", "en"))
    caplog.set_level(logging.ERROR, logger="plaza")
    with TestClient(create_app(plaza=plaza), raise_server_exceptions=False) as client:
        page = client.get("/matrices")
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        assert zh in page.text and 'class="error-status">500<' in page.text
        assert 'href="/signin"' in page.text  # the site's own page, not a bare string
        assert page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"

        for english in (client.get("/matrices?lang=en"),
                        client.get("/matrices", headers={"Accept-Language": "en-GB,en;q=0.9"})):
            assert english.status_code == 500 and en in english.text and zh not in english.text
        client.cookies.set("plaza_lang", "en")
        assert en in client.get("/matrices").text

        api = client.get("/api/plaza/v1/matrices", headers={"Accept-Language": "en"})
        assert api.status_code == 500 and api.json() == {"error": en}

    faults = [r for r in caplog.records if r.name == "plaza" and r.exc_info]
    assert faults and "matrices" in str(faults[0].exc_info[1])


def test_a_fault_while_signed_in_keeps_the_readers_page_and_over_https_its_headers(plaza, matrices_table_gone) -> None:  # type: ignore[no-untyped-def]
    citizen(plaza, "li", password=PASSWORD)
    with _client(plaza, "https://plaza.example.gov.cn", raise_server_exceptions=False) as client:
        sign_in(client, "li")
        csrf(client, "/home")
        page = client.get("/matrices")
        assert page.status_code == 500
        assert i18n.gettext("server_error", "zh-CN") in page.text
        assert "/signout" in page.text  # still shown signed in
        assert page.headers["strict-transport-security"] == HSTS
