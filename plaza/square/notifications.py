"""Notifications: mention, reply, reblog, favourite, follow — written in the same transaction
as what caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from plaza.errors import NotFound
from plaza.square.pagination import Page
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import notifications

TYPES = ("mention", "reply", "reblog", "favourite", "follow")


_INSERT = fast.Sql("INSERT INTO notifications (id, account_id, from_account_id, type, status_id, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?)")


def notify(conn: Connection, account_id: int, from_account_id: int, type_: str,
           status_id: int | None, now: datetime) -> None:
    fast.execute(conn, _INSERT, new_id(), account_id, from_account_id, type_, status_id, now)


def list_for(db: Database, account_id: int, page: Page, types: list[str] | None = None,
             exclude_types: list[str] | None = None) -> list[Row[Any]]:
    stmt = select(notifications).where(notifications.c.account_id == account_id)
    if types:
        stmt = stmt.where(notifications.c.type.in_(types))
    if exclude_types:
        stmt = stmt.where(notifications.c.type.not_in(exclude_types))
    with db.read() as conn:
        rows = list(conn.execute(page.apply(stmt, notifications.c.id)).all())
    return sorted(rows, key=lambda r: r.id, reverse=True)


def get(db: Database, account_id: int, notification_id: int) -> Row[Any]:
    with db.read() as conn:
        row = conn.execute(select(notifications).where(
            notifications.c.id == notification_id, notifications.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("not_found")
    return row


def dismiss(db: Database, account_id: int, notification_id: int | None = None) -> None:
    """Dismiss one notification, or clear them all."""
    stmt = delete(notifications).where(notifications.c.account_id == account_id)
    if notification_id is not None:
        stmt = stmt.where(notifications.c.id == notification_id)
    with db.write() as conn:
        conn.execute(stmt)
