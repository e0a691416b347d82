"""The one clock services read, so tests can set the time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time Plaza reasons about is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
