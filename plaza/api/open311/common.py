"""What every GeoReport resource reads the same way: the jurisdiction (a desk, by its account's
username), W3C date-times and the window they bound (90 days at most, the last 90 by default),
comma-separated lists."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Connection

from plaza.clock import utcnow
from plaza.desk import desks
from plaza.desk.desks import Desk
from plaza.errors import BadRequest, NotFound

#: The longest window GET requests and GET servicerequestupdates search, and their default.
WINDOW = timedelta(days=90)
MAX_LIST_ITEMS = 1000
MAX_DATE_CHARS = 40


def jurisdiction(conn: Connection, jurisdiction_id: str | None) -> Desk:
    """The desk a request is for: named by ``jurisdiction_id`` (its account's username), which
    may be left out while the server has a single desk; 404 for an unknown one."""
    name = (jurisdiction_id or "").strip()
    if name:
        try:
            return desks.get(conn, name)
        except NotFound:
            raise NotFound("open311_jurisdiction_unknown", id=name[:60]) from None
    served = desks.all_desks(conn)
    if not served:
        raise NotFound("open311_no_jurisdiction")
    if len(served) > 1:
        raise BadRequest("open311_jurisdiction_required", desks=", ".join(d.username for d in served))
    return served[0]


def parse_time(value: str | None, name: str) -> datetime | None:
    """A W3C date-time with its offset (``2024-01-01T00:00:00Z``); None when absent; 400 when
    malformed or without a time zone."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_DATE_CHARS or "T" not in text.upper():
        raise BadRequest("open311_date_invalid", name=name)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest("open311_date_invalid", name=name) from None
    if when.tzinfo is None:
        raise BadRequest("open311_date_invalid", name=name)
    return when


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The window a search covers: as given, or the 90 days before ``end`` (now when absent), or
    the 90 days after ``start``; 400 when it ends before it starts or spans more than 90 days."""
    try:
        if start is None:
            end = end or utcnow()
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
    except OverflowError:
        raise BadRequest("open311_date_range") from None
    if end < start or end - start > WINDOW:
        raise BadRequest("open311_date_range")
    return start, end


def comma_list(values: list[object], limit: int = MAX_LIST_ITEMS) -> list[str]:
    """Values given comma-separated, repeated, or both, in order and without repeats."""
    items: dict[str, None] = {}
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part:
                items[part] = None
    if len(items) > limit:
        raise BadRequest("open311_list_too_long", limit=limit)
    return list(items)


def coordinate(value: str | None, low: float, high: float) -> float | None:
    """A latitude or longitude in its range; None when absent; 400 otherwise."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise BadRequest("open311_coordinates_invalid") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise BadRequest("open311_coordinates_invalid")
    return number
