"""Test fixtures: a fresh Plaza per test on SQLite and, when available, on PostgreSQL.

PostgreSQL runs use a schema of their own (``plaza_test_<pid>``) so runs never collide. Set
``PLAZA_TEST_POSTGRES=required`` (CI does) to make an unreachable server a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from plaza.app import create_app
from plaza.config import load_settings, normalise_database_url
from plaza.instance import Plaza
from plaza.storage.migrate import upgrade
from plaza.storage.schema import metadata

POSTGRES_URL = os.environ.get("PLAZA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_REQUIRED = os.environ.get("PLAZA_TEST_POSTGRES", "").lower() == "required"


def _postgres_available() -> str | None:
    try:
        engine = create_engine(normalise_database_url(POSTGRES_URL))
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "plaza.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    problem = _postgres_available()
    if problem is not None:
        if POSTGRES_REQUIRED:
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {problem}")
    schema = f"plaza_test_{os.getpid()}"
    admin = create_engine(normalise_database_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = postgres_url_for(schema)
    engine = create_engine(normalise_database_url(url))
    upgrade(engine)
    engine.dispose()
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def postgres_url_for(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


def _truncate_postgres(url: str) -> None:
    engine = create_engine(normalise_database_url(url))
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "plaza.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    schema = request.getfixturevalue("postgres_schema")
    url = postgres_url_for(schema)
    _truncate_postgres(url)
    return url


@pytest.fixture
def plaza(database_url: str, tmp_path: Path) -> Iterator[Plaza]:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="test-secret", rate_limits=False)
    instance = Plaza.from_settings(settings)
    yield instance
    instance.close()


@pytest.fixture
def app(plaza: Plaza):  # type: ignore[no-untyped-def]
    return create_app(plaza=plaza)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


class LiveServer:
    """A real Plaza HTTP server on a free loopback port, for real clients (mastodon-py, toot,
    Chromium)."""

    def __init__(self, app, plaza: Plaza) -> None:  # type: ignore[no-untyped-def]
        import socket
        import threading

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.plaza = plaza
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        import time

        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(plaza: Plaza) -> Iterator[LiveServer]:
    """A served Plaza whose public URL is the server's own address."""
    from dataclasses import replace

    server = LiveServer(None, plaza)
    plaza.settings = replace(plaza.settings, port=server.port, public_url=server.url)
    server.server.config.app = create_app(plaza=plaza)
    server.start()
    yield server
    server.stop()
