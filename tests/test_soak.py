"""A crowd using Plaza at once does not hang it: a short soak against a real ``plaza serve``.

The driver of ``bench/soak.py`` (``bench/soaklib.py``), shorter: the demo loaded into a fresh
database on each backend; a burst of 12 simultaneous web sign-ins (a dozen browsers once hung
the server for good) and a read right after it; then 40 people arriving over 20 s — browsers
with cookies, CSRF tokens and forms, Mastodon apps with the password grant and the API — who
sign in, read, post, reply, like, repost and follow for 24 s; then SIGTERM. No timing bar here
(that is the bench's job): every request answered within a generous timeout, none with a 5xx,
the server stopped within 10 s.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest

from bench import soaklib

pytestmark = pytest.mark.server

POSTGRES_URL = os.environ.get("PLAZA_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
#: Timeouts are generous, no timing bar: on a busy 2-core machine Argon2 sign-ins (~0.2 s of
#: CPU each) queue for tens of seconds, and there is no telling how busy the machine is. A hung
#: server's requests still fail: they wait 30 s for a database connection and get a 500, or
#: never get an answer at all. The 52 sign-ins or so are spread out: 12 at once, then the
#: arrivals over 20 s.
CONFIG = soaklib.SoakConfig(users=40, duration=24.0, ramp=20.0, think=1.0, timeout=20.0,
                            sign_in_timeout=60.0, burst=12, burst_every=0.0,
                            session_steps=(15, 40))
#: What everyone in the crowd does at least once, or the load was not real …
DONE_BY_THE_CROWD = ("web.signin_burst", "web.signin", "web.home", "web.signout", "api.token",
                     "api.home", "probe")
#: … and what some of them do (how many depends on how fast a busy machine lets them go).
WRITES = ("web.post", "web.reply", "web.like", "web.repost", "api.post", "api.favourite",
          "api.reblog")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def soak(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One short soak per backend: its result, with ``stop`` (SIGTERM, timed) and ``log``."""
    data = tmp_path_factory.mktemp(f"soak-{request.param}") / "data"
    schema = f"plaza_soak_{os.getpid()}"
    if request.param == "sqlite":
        url = f"sqlite:///{data / 'plaza.db'}"
    else:
        request.getfixturevalue("postgres_schema")  # skips (or fails if required) without it
        url = soaklib.fresh_postgres_schema(POSTGRES_URL, schema)
    server = soaklib.PlazaProcess(data, url, env={"PLAZA_RATE_LIMITS": "off"})
    try:
        server.load_demo(citizens=CONFIG.accounts_needed() + 10, posts=300)
        server.start()
        result = asyncio.run(soaklib.run_users(server.url, CONFIG, [server.pid],
                                               say=lambda _line: None))
        result["stop"] = vars(server.stop(kill_after=15.0))
        result["log"] = server.output()[-3000:]
        print(f"\n{request.param}:\n{soaklib.report(result)}")  # shown with pytest -s
        yield result
    finally:
        server.kill()
        if request.param == "postgres":
            soaklib.drop_postgres_schema(POSTGRES_URL, schema)


def explain(result: dict[str, Any]) -> str:
    return f"\n{soaklib.report(result)}\n--- the server's log (end) ---\n{result['log']}"


def test_the_server_still_answers_a_read_right_after_a_burst_of_sign_ins(
        soak: dict[str, Any]) -> None:
    assert soak["read_after_burst"]["status"] == 200, explain(soak)


def test_no_request_is_answered_with_a_server_error(soak: dict[str, Any]) -> None:
    errors = {kind: s["status_5xx"] for kind, s in soak["kinds"].items() if s["status_5xx"]}
    assert not errors, explain(soak)


def test_every_request_is_answered_while_the_crowd_uses_plaza(soak: dict[str, Any]) -> None:
    unanswered = {kind: s["timeouts"] + s["transport_errors"] for kind, s in soak["kinds"].items()
                  if s["timeouts"] or s["transport_errors"]}
    assert not unanswered, explain(soak)
    assert soak["probe"]["failed"] == 0, explain(soak)


def test_the_crowd_really_signed_in_read_and_wrote(soak: dict[str, Any]) -> None:
    kinds = soak["kinds"]
    not_done = [kind for kind in DONE_BY_THE_CROWD if kinds.get(kind, {}).get("ok", 0) == 0]
    assert not not_done, f"never done: {not_done}" + explain(soak)
    assert sum(kinds.get(kind, {}).get("ok", 0) for kind in WRITES) >= 5, explain(soak)
    assert kinds["web.signin_burst"]["ok"] == CONFIG.burst, explain(soak)
    # Nobody was signed out behind their back, no form was refused, no token was lost.
    anomalies = {kind: s["anomalies"] for kind, s in kinds.items() if s["anomalies"]}
    assert not anomalies, f"{anomalies}" + explain(soak)


def test_the_server_stops_within_ten_seconds_of_sigterm(soak: dict[str, Any]) -> None:
    assert not soak["stop"]["killed"], explain(soak)
    assert soak["stop"]["seconds"] <= 10.0, explain(soak)
