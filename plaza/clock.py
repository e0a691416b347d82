"""The one clock services read, so tests can set the time instead of sleeping.

Services call :func:`utcnow`; it asks the installed :class:`Clock` (the system's, unless a test
installed another with :func:`use`). A running :class:`~plaza.instance.Plaza` carries its clock
too (``plaza.clock``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved (tests)."""

    def __init__(self, at: datetime) -> None:
        self.at = as_utc(at)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


SYSTEM: Clock = SystemClock()
_installed: Clock = SYSTEM


def utcnow() -> datetime:
    return _installed.now()


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Read ``clock`` everywhere while the block runs (a test's deterministic time)."""
    global _installed
    previous, _installed = _installed, clock
    try:
        yield clock
    finally:
        _installed = previous


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time Plaza reasons about is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
