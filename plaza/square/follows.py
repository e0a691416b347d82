"""Follows (关注): follow and unfollow, relationships, follower and following lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from plaza.clock import utcnow
from plaza.errors import Invalid, NotFound
from plaza.square import feeds
from plaza.square.notifications import notify
from plaza.square.pagination import Page
from plaza.storage import upsert
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import accounts, follows


def follow(db: Database, follower_id: int, target_id: int, created_at: datetime | None = None) -> bool:
    """Follow an account; True if this made a new follow (following twice is a no-op)."""
    if follower_id == target_id:
        raise Invalid("cannot_follow_self")
    now = created_at or utcnow()
    with db.write() as conn:
        target = conn.execute(select(accounts.c.id, accounts.c.suspended).where(accounts.c.id == target_id)).first()
        if target is None or target.suspended:
            raise NotFound("account_not_found")
        # Follows sent at once make one (the others wait for its commit and find it): the
        # counters, the notification and the home feed move once.
        made = conn.execute(upsert.insert(conn, follows).values(
            id=new_id(int(now.timestamp() * 1000)) if created_at else new_id(),  # back-dated: its time's id
            account_id=follower_id, target_account_id=target_id, created_at=now)
            .on_conflict_do_nothing(index_elements=[follows.c.account_id, follows.c.target_account_id])
            .returning(follows.c.id)).first()
        if made is None:
            return False
        conn.execute(update(accounts).where(accounts.c.id == follower_id)
                     .values(following_count=accounts.c.following_count + 1))
        conn.execute(update(accounts).where(accounts.c.id == target_id)
                     .values(followers_count=accounts.c.followers_count + 1))
        notify(conn, target_id, follower_id, "follow", None, now)
        feeds.on_follow(conn, follower_id, target_id)
    return True


def unfollow(db: Database, follower_id: int, target_id: int) -> bool:
    with db.write() as conn:
        removed = conn.execute(delete(follows).where(follows.c.account_id == follower_id,
                                                     follows.c.target_account_id == target_id)).rowcount
        if removed:
            conn.execute(update(accounts).where(accounts.c.id == follower_id)
                         .values(following_count=accounts.c.following_count - 1))
            conn.execute(update(accounts).where(accounts.c.id == target_id)
                         .values(followers_count=accounts.c.followers_count - 1))
            feeds.on_unfollow(conn, follower_id, target_id)
    return bool(removed)


@dataclass(frozen=True, slots=True)
class Relationship:
    id: int
    following: bool
    followed_by: bool


def relationships(db: Database, viewer_id: int, ids: list[int]) -> list[Relationship]:
    if not ids:
        return []
    with db.read() as conn:
        out_ = {r.target_account_id for r in conn.execute(select(follows.c.target_account_id).where(
            follows.c.account_id == viewer_id, follows.c.target_account_id.in_(ids)))}
        in_ = {r.account_id for r in conn.execute(select(follows.c.account_id).where(
            follows.c.target_account_id == viewer_id, follows.c.account_id.in_(ids)))}
    return [Relationship(i, i in out_, i in in_) for i in ids]


def followers(db: Database, account_id: int, page: Page) -> list[tuple[int, int]]:
    """(follow id, follower account id), newest first; the follow id pages the list."""
    stmt = select(follows.c.id, follows.c.account_id).where(follows.c.target_account_id == account_id)
    with db.read() as conn:
        rows = conn.execute(page.apply(stmt, follows.c.id)).all()
    return sorted(((r.id, r.account_id) for r in rows), reverse=True)


def following(db: Database, account_id: int, page: Page) -> list[tuple[int, int]]:
    stmt = select(follows.c.id, follows.c.target_account_id).where(follows.c.account_id == account_id)
    with db.read() as conn:
        rows = conn.execute(page.apply(stmt, follows.c.id)).all()
    return sorted(((r.id, r.target_account_id) for r in rows), reverse=True)


def following_ids(db: Database, account_id: int) -> list[int]:
    with db.read() as conn:
        return [r.target_account_id for r in conn.execute(
            select(follows.c.target_account_id).where(follows.c.account_id == account_id))]

