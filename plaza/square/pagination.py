"""Keyset pagination over time-ordered ids (``max_id``, ``since_id``, ``min_id``, ``limit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Select

from plaza.errors import Invalid
from plaza.storage import fast
from plaza.storage.db import Database

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
#: The deepest ``offset`` an offset-paged list (search, trends) serves.
MAX_OFFSET = 10_000


@dataclass(frozen=True, slots=True)
class Page:
    """A request for one page: newest first below ``max_id``, above ``since_id``; or, with
    ``min_id``, the page immediately newer than ``min_id`` (still returned newest first)."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    def apply(self, stmt: Select[Any], column: Column[Any]) -> Select[Any]:
        if self.max_id is not None:
            stmt = stmt.where(column < self.max_id)
        if self.since_id is not None:
            stmt = stmt.where(column > self.since_id)
        if self.min_id is not None:
            return stmt.where(column > self.min_id).order_by(column.asc()).limit(self.limit)
        return stmt.order_by(column.desc()).limit(self.limit)

    @property
    def ascending(self) -> bool:
        """A ``min_id`` page is read oldest first (then put newest first by :meth:`finish`)."""
        return self.min_id is not None

    @property
    def upper(self) -> int:
        """Exclusive upper bound of the page's ids."""
        return self.max_id if self.max_id is not None else 2**63 - 1

    @property
    def lower(self) -> int:
        """Exclusive lower bound of the page's ids."""
        return max(self.since_id or 0, self.min_id or 0)

    def finish(self, ids: list[int]) -> list[int]:
        """Put rows fetched by :meth:`apply` newest first."""
        return sorted(ids, reverse=True) if self.min_id is not None else ids


class Keyset:
    """One keyset-paged query on the driver (plaza.storage.fast), in both directions: ``{order}``
    is filled per direction; the statement ends with ``… < ? AND … > ? ORDER BY … {order} LIMIT ?``
    and takes the page's bounds and limit after its own parameters."""

    def __init__(self, sql: str) -> None:
        self.desc = fast.Sql(sql.replace("{order}", "DESC"))
        self.asc = fast.Sql(sql.replace("{order}", "ASC"))

    def fetch(self, conn: Connection, page: Page, *params: object, upper: int | None = None,
              lower: int | None = None) -> list[int]:
        """Ids in the query's order (oldest first for a ``min_id`` page); ``upper``/``lower``
        narrow the page's bounds."""
        rows = fast.fetch(conn, self.asc if page.ascending else self.desc, *params,
                          page.upper if upper is None else upper, page.lower if lower is None else lower,
                          page.limit)
        return [r[0] for r in rows]

    def ids(self, db: Database, page: Page, *params: object) -> list[int]:
        """The page's ids, newest first."""
        with db.read() as conn:
            return page.finish(self.fetch(conn, page, *params))


def parse_id(value: Any, name: str = "id") -> int | None:
    """An id given as a parameter (None when absent): digits below 2**63, what a BIGINT holds;
    anything else is a 422 naming the value."""
    if value is None or value == "":
        return None
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) >= 2**63:
        raise Invalid("id_invalid", value=text[:40])
    return int(text)


def parse_offset(value: Any, maximum: int = MAX_OFFSET) -> int:
    """``offset`` of an offset-paged list: 0…``maximum`` (deeper pages cost the database more
    than anyone reads); else a 422."""
    if value is None or value == "":
        return 0
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > maximum:
        raise Invalid("offset_invalid", max=maximum)
    return int(text)


def parse_page(params: Any, default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT) -> Page:
    """Build a :class:`Page` from query parameters; a bad value is a 422 naming it."""
    raw = params.get("limit")
    if raw in (None, ""):
        limit = default_limit
    else:
        try:
            limit = int(str(raw))
        except ValueError as exc:
            raise Invalid("limit_invalid", max=max_limit) from exc
        if limit < 1:
            raise Invalid("limit_invalid", max=max_limit)
        limit = min(limit, max_limit)
    return Page(parse_id(params.get("max_id")), parse_id(params.get("since_id")),
                parse_id(params.get("min_id")), limit)
