"""Helpers for the hot-search tests: accounts old and active enough to count fully, bearer
tokens without a password check, and a Redis engine under a private key prefix."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square import accounts
from plaza.storage.schema import accounts as accounts_table
from tests.factories import citizen

REDIS_URL = os.environ.get("PLAZA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_REQUIRED = os.environ.get("PLAZA_TEST_REDIS", "").lower() == "required"


def seasoned(plaza: Plaza, username: str, home_city: str = "500000", **kw: Any) -> Any:
    """A citizen who joined a year ago and posts most days: trust weight 1 (see plaza.hot.trust)."""
    row = citizen(plaza, username, password=None, home_city=home_city, **kw)
    now = datetime.now(UTC)
    with plaza.db.write() as conn:
        conn.execute(update(accounts_table).where(accounts_table.c.id == row.id).values(
            created_at=now - timedelta(days=400), statuses_count=40, last_status_at=now))
    return accounts.get(plaza.db, row.id)


def bearer_for(plaza: Plaza, row: Any) -> dict[str, str]:
    """An Authorization header for ``row`` (an app-less token with every user scope)."""
    secret, _ = tokens.issue(plaza.db, row.id, None, frozenset({"read", "write", "follow"}))
    return {"Authorization": f"Bearer {secret}"}


def redis_url_or_skip() -> str:
    """The test Redis, or a skip (a failure with PLAZA_TEST_REDIS=required) when unreachable."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        if REDIS_REQUIRED:
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def unique_prefix() -> str:
    return f"plaza:test:{uuid.uuid4().hex[:12]}:"


def clear_prefix(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def redis_prefix_fixture() -> Iterator[tuple[str, str]]:
    url = redis_url_or_skip()
    prefix = unique_prefix()
    try:
        yield url, prefix
    finally:
        clear_prefix(url, prefix)
