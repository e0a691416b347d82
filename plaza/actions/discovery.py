"""Searching (搜索): what the web's search page and the Mastodon API's search call. Every
search for a keyword counts toward hot search's search heat (搜索热度), whichever door it came in
through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from plaza.errors import Invalid
from plaza.instance import Plaza
from plaza.square import accounts, follows, search

KINDS = ("accounts", "statuses", "hashtags")
#: Characters of a search: a keyword, a name or a sentence, never a document to segment.
MAX_QUERY_CHARS = 200


def _bounded(query: str) -> str:
    q = query.strip()
    if len(q) > MAX_QUERY_CHARS:
        raise Invalid("query_too_long", limit=MAX_QUERY_CHARS, length=len(q))
    return q


@dataclass(frozen=True, slots=True)
class Found:
    accounts: list[Row[Any]]
    status_ids: list[int]
    topics: list[Row[Any]]


async def search_square(plaza: Plaza, query: str, viewer: Row[Any] | None, *, kind: str | None = None,
                        limit: int = 20, offset: int = 0, following_only: bool = False) -> Found:
    """Accounts (an exact username first), public posts holding every word of ``query``
    (Chinese segmentation) and topics; ``kind`` narrows it to one of :data:`KINDS`."""
    q = _bounded(query)
    if not q:
        return Found([], [], [])
    plaza.hot.searched(q, viewer)
    db = plaza.db
    viewer_id = viewer.id if viewer is not None else None

    def find() -> Found:
        found_accounts = (matching_accounts(plaza, q, limit, offset, viewer_id if following_only else None)
                          if kind in (None, "accounts") else [])
        status_ids = (search.search_statuses(db, q, viewer_id, limit=limit, offset=offset)
                      if kind in (None, "statuses") else [])
        topics = search.search_topics(db, q, limit=limit, offset=offset) if kind in (None, "hashtags") else []
        return Found(found_accounts, status_ids, topics)

    return await plaza.read(find)


def matching_accounts(plaza: Plaza, query: str, limit: int, offset: int,
                      following_of: int | None = None) -> list[Row[Any]]:
    """Accounts matching ``query``, an exact username first (``@name`` too); with
    ``following_of``, only those that account follows."""
    q = _bounded(query).lstrip("@")
    db = plaza.db
    rows = search.search_accounts(db, q, limit=limit, offset=offset)
    if offset == 0 and q:
        exact = accounts.find_by_username(db, q)
        if exact is not None and not exact.suspended:
            rows = ([exact] + [r for r in rows if r.id != exact.id])[:limit]
    if following_of is not None:
        followed = set(follows.following_ids(db, following_of))
        rows = [r for r in rows if r.id in followed]
    return rows
