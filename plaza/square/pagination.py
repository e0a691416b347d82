"""Keyset pagination over time-ordered ids (``max_id``, ``since_id``, ``min_id``, ``limit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Select

from plaza.errors import Invalid

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


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


def parse_id(value: Any, name: str = "id") -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value))
    except ValueError as exc:
        raise Invalid("id_invalid", value=str(value)[:40]) from exc
    if number < 0 or number >= 2**63:
        raise Invalid("id_invalid", value=str(value)[:40])
    return number


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
