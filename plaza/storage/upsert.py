"""``INSERT … ON CONFLICT`` on either database: what records a fact that may exist at most once
(a like, a follow, a repost, an Idempotency-Key) inserts this way, so that callers racing on
several processes make it once — the losers insert nothing and learn so — instead of one of
them failing on the unique index."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's ``INSERT`` for ``table`` (it has ``on_conflict_do_nothing`` and
    ``on_conflict_do_update``, the same on both)."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
