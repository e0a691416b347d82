"""Notifications: mention, reply, reblog, favourite, follow — written in the same transaction
as what caused them. Read back, they show only what their recipient may see now: none from a
suspended account, none about a post the recipient may not see (a followers-only or direct reply
to one's public post names whom it is meant for, not the post's author)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from plaza.errors import NotFound
from plaza.square.pagination import Page
from plaza.square.visibility import suspended_ids, visible_ids
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import notifications, statuses

TYPES = ("mention", "reply", "reblog", "favourite", "follow")


_INSERT = fast.Sql("INSERT INTO notifications (id, account_id, from_account_id, type, status_id, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?)")


def notify(conn: Connection, account_id: int, from_account_id: int, type_: str,
           status_id: int | None, now: datetime) -> None:
    """Notify ``account_id``; a notification of a back-dated act (the demo's history, imports)
    gets an id of its own time, so ids follow time as pages expect."""
    at_ms = int(now.timestamp() * 1000)
    back_dated = at_ms < int(time.time() * 1000) - 1000
    fast.execute(conn, _INSERT, new_id(at_ms) if back_dated else new_id(), account_id, from_account_id, type_,
                 status_id, now)


@dataclass(frozen=True, slots=True)
class Listed:
    """A page of notifications: ``rows`` the account may read, newest first, and ``ids`` of
    every notification the page went through (its ``Link`` cursors: a page may show fewer)."""

    rows: list[Row[Any]]
    ids: list[int]


def page_for(db: Database, account_id: int, page: Page, types: list[str] | None = None,
             exclude_types: list[str] | None = None) -> Listed:
    """A page of the account's notifications that it may read (see :func:`readable`)."""
    stmt = select(notifications).where(notifications.c.account_id == account_id,
                                       notifications.c.from_account_id.not_in(suspended_ids()))
    if types:
        stmt = stmt.where(notifications.c.type.in_(types))
    if exclude_types:
        stmt = stmt.where(notifications.c.type.not_in(exclude_types))
    with db.read() as conn:
        rows = sorted(conn.execute(page.apply(stmt, notifications.c.id)).all(), key=lambda r: r.id, reverse=True)
        return Listed(readable(conn, account_id, rows), [r.id for r in rows])


def list_for(db: Database, account_id: int, page: Page, types: list[str] | None = None,
             exclude_types: list[str] | None = None) -> list[Row[Any]]:
    """:func:`page_for`'s readable notifications, newest first."""
    return page_for(db, account_id, page, types, exclude_types).rows


def get(db: Database, account_id: int, notification_id: int) -> Row[Any]:
    """One of the account's notifications, if it may read it; else 404."""
    with db.read() as conn:
        row = conn.execute(select(notifications).where(
            notifications.c.id == notification_id, notifications.c.account_id == account_id,
            notifications.c.from_account_id.not_in(suspended_ids()))).first()
        if row is None or not readable(conn, account_id, [row]):
            raise NotFound("not_found")
    return row


_ABOUT = select(statuses.c.id, statuses.c.account_id, statuses.c.visibility, statuses.c.reblog_of_id)


def readable(conn: Connection, account_id: int, rows: list[Row[Any]]) -> list[Row[Any]]:
    """The notifications among ``rows`` (the account's own) about posts the account may see now,
    and those about no post (follows); a notification whose post is gone is left out too."""
    about = list({r.status_id for r in rows if r.status_id is not None})
    if not about:
        return rows
    posts = conn.execute(_ABOUT.where(statuses.c.id.in_(about))).all()
    seen = visible_ids(conn, posts, account_id, staff=False)
    return [r for r in rows if r.status_id is None or r.status_id in seen]


def dismiss(db: Database, account_id: int, notification_id: int | None = None) -> None:
    """Dismiss one notification, or clear them all."""
    stmt = delete(notifications).where(notifications.c.account_id == account_id)
    if notification_id is not None:
        stmt = stmt.where(notifications.c.id == notification_id)
    with db.write() as conn:
        conn.execute(stmt)
