"""What a handler of any interface asks of the request it serves: the running Plaza, the
client's address (as the trusted proxies give it), and where a read's database work runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from starlette.requests import Request

if TYPE_CHECKING:
    from plaza.instance import Plaza

T = TypeVar("T")


def plaza_of(request: Request) -> Plaza:
    return request.app.state.plaza  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def off_loop(request: Request, work: Callable[[], T]) -> T:
    """Database work of a read. On PostgreSQL each statement waits for a network round trip, so
    the work runs on a reader thread and the event loop serves other requests meanwhile; on
    SQLite nothing waits, and the hop to a thread would cost more than it saves."""
    db = plaza_of(request).db
    if db.is_sqlite:
        return work()
    return await db.reading(work)
