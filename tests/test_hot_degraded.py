"""Hot search is a part of the square, not its foundation: with its Redis unreachable the pages
and APIs still answer (the lists are empty for the while), posting still works, the log says
what is wrong once in a while rather than every second, and administrators' actions are refused
with 503 and a message — never a 500."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from starlette.testclient import TestClient

from plaza.app import create_app
from plaza.config import load_settings
from plaza.instance import Plaza
from tests.factories import citizen, post
from tests.hotsupport import bearer_for


def test_pages_and_apis_answer_while_hot_searchs_redis_is_down(database_url: str, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:  # a port nobody listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    plaza = Plaza.from_settings(load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                                              secret_key="test-secret", rate_limits=False, redis_url=dead))
    author = citizen(plaza, "li", password=None)
    admin = citizen(plaza, "boss", password=None, role="admin")
    post(plaza, author, "#台风梅花# 注意防范")
    caplog.set_level(logging.WARNING, logger="plaza.hot")
    try:
        with TestClient(create_app(plaza=plaza), base_url="http://127.0.0.1:8000",
                        raise_server_exceptions=False) as client:
            for path in ("/", "/hot", "/hot/list", "/hot?city=500000", "/topics/台风梅花",
                         "/api/plaza/v1/hot", "/api/plaza/v1/topics/台风梅花", "/api/v1/trends/tags",
                         "/api/v1/trends/statuses", "/api/v1/tags/台风梅花", "/api/v1/timelines/public",
                         "/api/v2/search?q=台风"):
                assert client.get(path).status_code == 200, path
            assert client.get("/api/plaza/v1/hot").json()["entries"] == []
            made = client.post("/api/v1/statuses", data={"status": "#台风梅花# 路上积水"},
                               headers=bearer_for(plaza, author))
            assert made.status_code == 200
            refused = client.post("/api/plaza/v1/admin/hot/pin", data={"topic": "台风梅花"},
                                  headers=bearer_for(plaza, admin))
            assert refused.status_code == 503 and refused.json()["error"]
        warnings = [r for r in caplog.records if r.name == "plaza.hot"]
        assert 1 <= len(warnings) <= 2  # said once, not once per request
    finally:
        plaza.close()
