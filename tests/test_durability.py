"""A killed server loses nothing it acknowledged.

``plaza serve`` runs as a real process on a temporary SQLite data folder; a few clients post over
HTTP for about two seconds, the server is killed with SIGKILL while they post, restarted on the
same folder, and every status that was answered with 200 must be there.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from plaza.storage.schema import statuses

pytestmark = pytest.mark.server

POSTING_SECONDS = 2.0
THREADS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``plaza serve`` in its own process group (so SIGKILL reaches every worker)."""

    def __init__(self, data_dir: Path, workers: int) -> None:
        self.data_dir = data_dir
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log = data_dir.parent / f"serve-{workers}.log"

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLAZA_")}
        env.update(PLAZA_DATA_DIR=str(self.data_dir), PLAZA_RATE_LIMITS="off", PLAZA_HOST="127.0.0.1",
                   PLAZA_PORT=str(port), PLAZA_LOCALE="en")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "plaza.cli", "serve", "--workers", str(self.workers),
                 "--log-level", "warning"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"plaza serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/api/v1/instance", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"plaza serve did not answer within 60 s:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL the server and its workers: no shutdown, no flush, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture(params=[1, 2], ids=["one-worker", "two-workers"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    instance = Server(tmp_path / "data", request.param)
    try:
        yield instance
    finally:
        instance.stop()


def sign_up(url: str) -> str:
    """A user token the way a Mastodon app gets one: register, client credentials, sign up."""
    with httpx.Client(base_url=url, timeout=30) as client:
        app = client.post("/api/v1/apps", data={"client_name": "durability", "scopes": "read write follow",
                                                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})
        assert app.status_code == 200, app.text
        keys = app.json()
        grant = client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": keys["client_id"],
            "client_secret": keys["client_secret"], "scope": "read write follow"})
        assert grant.status_code == 200, grant.text
        app_token = grant.json()["access_token"]
        account = client.post("/api/v1/accounts", headers={"Authorization": f"Bearer {app_token}"},
                              data={"username": "durable", "email": "durable@example.org",
                                    "password": "correct horse battery", "agreement": "true",
                                    "locale": "zh-CN", "plaza_city": "500000"})
        assert account.status_code == 200, account.text
        return str(account.json()["access_token"])


def post_until_killed(url: str, token: str, n: int, acknowledged: list[tuple[float, str, str]],
                      stop: threading.Event) -> None:
    """Post until the server goes away; record (time, id, text) of every 200."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        count = 0
        while not stop.is_set():
            count += 1
            body = f"#持久性测试# 线程 {n} 第 {count} 条：重庆发布 @durable"
            try:
                response = client.post("/api/v1/statuses", data={"status": body})
            except httpx.HTTPError:
                return  # the server is gone
            if response.status_code == 200:
                acknowledged.append((time.monotonic(), str(response.json()["id"]), body))


def test_acknowledged_posts_survive_kill_9(server: Server) -> None:
    server.start()
    token = sign_up(server.url)
    acknowledged: list[tuple[float, str, str]] = []
    stop = threading.Event()
    threads = [threading.Thread(target=post_until_killed, args=(server.url, token, n, acknowledged, stop),
                                daemon=True) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    # The first post in each worker loads the word-segmentation dictionary; time from the first
    # acknowledgements, so the clients really post for POSTING_SECONDS.
    deadline = time.monotonic() + 60
    while len(acknowledged) < THREADS and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(POSTING_SECONDS)
    killed_at = time.monotonic()
    server.kill()  # mid-stream: the clients are still posting
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    assert not any(t.is_alive() for t in threads)

    assert len(acknowledged) >= 10, f"too few posts to mean anything:\n{server.output()}"
    last = max(at for at, _, _ in acknowledged)
    assert killed_at - last < 1.0, "the kill did not land while posts were being acknowledged"

    server.start()  # the same data folder, a new port
    ids = {int(status_id) for _, status_id, _ in acknowledged}
    assert len(ids) == len(acknowledged)
    engine = create_engine(f"sqlite:///{server.data_dir / 'plaza.db'}")
    try:
        with engine.connect() as conn:
            stored = {row.id: row.text for row in conn.execute(
                select(statuses.c.id, statuses.c.text).where(statuses.c.id.in_(list(ids))))}
    finally:
        engine.dispose()
    missing = ids - set(stored)
    assert not missing, f"{len(missing)} of {len(ids)} acknowledged posts were lost"
    assert all(stored[int(i)] == body for _, i, body in acknowledged)

    # And the restarted server serves them: the newest (most at risk) and a sample of the rest.
    newest = [i for _, i, _ in sorted(acknowledged)[-20:]]
    sample = [i for _, i, _ in acknowledged[:: max(1, len(acknowledged) // 20)]]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        for status_id in dict.fromkeys(newest + sample):
            response = client.get(f"/api/v1/statuses/{status_id}")
            assert response.status_code == 200, (status_id, response.text)
            assert response.json()["id"] == status_id
        assert client.get("/api/v1/accounts/verify_credentials").json()["statuses_count"] >= len(ids)
