"""Small builders for tests: accounts and posts with sensible defaults."""

from __future__ import annotations

from typing import Any

from plaza.accounts.government import GovernmentProfile
from plaza.instance import Plaza
from plaza.square import accounts, posts

_counter = [0]


def citizen(plaza: Plaza, username: str | None = None, display_name: str | None = None,
            home_city: str = "500000", password: str | None = "correct horse battery", **kw: Any):  # type: ignore[no-untyped-def]
    _counter[0] += 1
    username = username or f"citizen{_counter[0]}"
    return accounts.create(plaza.db, username=username, display_name=display_name or username,
                           password=password, home_city=home_city, **kw)


def government(plaza: Plaza, username: str, display_name: str, region_code: str = "500000",
               level: str = "provincial", department_type: str = "publicity",
               agency: str = "中共重庆市委宣传部", parent: str | None = None):  # type: ignore[no-untyped-def]
    return accounts.create(plaza.db, username=username, display_name=display_name, password="government pass 1",
                           home_city=region_code if region_code != "000000" else "110000", kind="government",
                           government=GovernmentProfile(agency, region_code, level, department_type, parent))


def post(plaza: Plaza, author, body: str, **kw: Any) -> int:  # type: ignore[no-untyped-def]
    return posts.create(plaza.db, author, posts.NewStatus(text=body, **kw))
