"""Chinese full-text search over posts, accounts and topics (jieba word segmentation)."""

from __future__ import annotations

from typing import Any

import jieba
from sqlalchemy import Connection, Row, delete, insert, or_, select

from plaza.square.text import Span
from plaza.storage.db import Database
from plaza.storage.schema import accounts, search_documents, statuses, topics

jieba.setLogLevel(60)


def segment(body: str) -> list[str]:
    """Search-engine segmentation: 感谢所有救援队员 → 感谢 所有 救援 队员 救援队员 …"""
    return [t.strip().lower() for t in jieba.cut_for_search(body) if t.strip()]


def index_status(conn: Connection, status_id: int, body: str, spans: list[Span] | None = None) -> None:
    if body.strip():
        conn.execute(insert(search_documents).values(status_id=status_id, tokens=" ".join(segment(body))))


def remove_status(conn: Connection, status_id: int) -> None:
    conn.execute(delete(search_documents).where(search_documents.c.status_id == status_id))


def search_statuses(db: Database, query: str, viewer_id: int | None, limit: int = 20, offset: int = 0) -> list[int]:
    words = segment(query)
    if not words:
        return []
    stmt = (select(search_documents.c.status_id)
            .join(statuses, statuses.c.id == search_documents.c.status_id)
            .where(statuses.c.visibility == "public"))
    for w in words:
        stmt = stmt.where(search_documents.c.tokens.contains(w))
    with db.read() as conn:
        return [r[0] for r in conn.execute(stmt.order_by(search_documents.c.status_id.desc())
                                           .limit(limit).offset(offset))]


def search_accounts(db: Database, query: str, limit: int = 20, offset: int = 0) -> list[Row[Any]]:
    q = query.strip().lstrip("@").lower()
    if not q:
        return []
    stmt = (select(accounts).where(or_(accounts.c.username_key.contains(q),
                                       accounts.c.display_name_key.contains(q)))
            .where(accounts.c.suspended.is_(False))
            .order_by(accounts.c.followers_count.desc()).limit(limit).offset(offset))
    with db.read() as conn:
        return list(conn.execute(stmt).all())


def search_topics(db: Database, query: str, limit: int = 20, offset: int = 0) -> list[Row[Any]]:
    q = query.strip().strip("#").lower()
    if not q:
        return []
    with db.read() as conn:
        return list(conn.execute(select(topics).where(topics.c.key.contains(q))
                                 .order_by(topics.c.id.desc()).limit(limit).offset(offset)).all())
