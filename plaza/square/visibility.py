"""Who may see a post (可见范围): the rules every read path applies, in one place.

Mastodon's semantics. Public and unlisted posts are for everyone, but only public ones are
*listed*: the public, topic and city timelines, search, trends and hot search show public posts
only (unlisted ones open by link and on the author's profile). Followers-only posts are for the
author, the author's followers and those they mention; direct posts for the author and those
they mention. A repost is seen only where its original is seen too.

A suspended account's posts vanish from every read path for everyone; staff (moderators and
administrators) may still open them one by one for review: a post, its thread, the account's
profile. They come back when the suspension is lifted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, select

from plaza.accounts import policy
from plaza.accounts.policy import Permission
from plaza.storage import fast
from plaza.storage.schema import accounts

#: Roles that review suspended accounts' posts.
#: The visibilities anyone may open (by link, on the author's profile).
OPEN = ("public", "unlisted")
#: The visibility that is listed: timelines for everyone, topics, search, trends, hot search.
LISTED = "public"

#: SQL: the accounts that are suspended, for ``account_id NOT IN (…)`` (few rows, read off the
#: partial index ``ix_accounts_suspended``; PostgreSQL hashes them once per statement).
SUSPENDED_IDS = "SELECT id FROM accounts WHERE suspended"


def suspended_ids() -> Select[Any]:
    """:data:`SUSPENDED_IDS` as SQLAlchemy Core, for ``column.not_in(suspended_ids())``."""
    return select(accounts.c.id).where(accounts.c.suspended.is_(True))


def may_review(account: Any | None) -> bool:
    """Whether ``account`` may open a suspended account's posts and profile for review
    (moderators and administrators, :mod:`plaza.accounts.policy`)."""
    return policy.may(account, Permission.MODERATE_POSTS)


def may_see(visibility: str, *, own: bool, follows: bool, mentioned: bool) -> bool:
    """The rule of one post's visibility for one viewer (suspension aside)."""
    if own or mentioned or visibility in OPEN:
        return True
    return visibility == "private" and follows


@dataclass(frozen=True, slots=True)
class _Post:
    id: int
    account_id: int
    visibility: str
    reblog_of_id: int | None


_POSTS = fast.Sql("SELECT id, account_id, visibility, reblog_of_id FROM statuses WHERE id IN ({in})")
_SUSPENDED_AMONG = fast.Sql("SELECT id FROM accounts WHERE suspended AND id IN ({in})")
_MENTIONED_AMONG = fast.Sql("SELECT status_id FROM mentions WHERE account_id = ? AND status_id IN ({in})")
_FOLLOWED_AMONG = fast.Sql(
    "SELECT target_account_id FROM follows WHERE account_id = ? AND target_account_id IN ({in})")
_ROLE = fast.Sql("SELECT role FROM accounts WHERE id = ?")


def visible_ids(conn: Connection, rows: Iterable[Any], viewer_id: int | None, *,
                staff: bool | None = None) -> set[int]:
    """The ids of the status ``rows`` (anything with ``id``, ``account_id``, ``visibility`` and
    ``reblog_of_id``) that ``viewer_id`` may see, in a few batched reads. ``staff``: whether
    posts of suspended accounts are shown to this viewer — None to decide by the viewer's role
    (opening posts one by one), False on lists (timelines, notifications), where they never are.
    """
    posts = {int(r.id): _Post(int(r.id), int(r.account_id), r.visibility, r.reblog_of_id) for r in rows}
    if not posts:
        return set()
    wanted = {p.reblog_of_id for p in posts.values() if p.reblog_of_id is not None} - posts.keys()
    known = dict(posts)
    if wanted:
        for raw in fast.fetch(conn, _POSTS, list(wanted)):
            known[raw[0]] = _Post(*raw)
    authors = list({p.account_id for p in known.values()})
    suspended = {r[0] for r in fast.fetch(conn, _SUSPENDED_AMONG, authors)}
    if suspended and staff is None:
        role = fast.fetch(conn, _ROLE, viewer_id) if viewer_id is not None else []
        staff = bool(role) and Permission.MODERATE_POSTS in policy.GRANTS.get(role[0][0], frozenset())
    closed = [p for p in known.values() if p.visibility not in OPEN and p.account_id != viewer_id]
    mentioned: set[int] = set()
    followed: set[int] = set()
    if closed and viewer_id is not None:
        mentioned = {r[0] for r in fast.fetch(conn, _MENTIONED_AMONG, viewer_id, [p.id for p in closed])}
        private_authors = list({p.account_id for p in closed if p.visibility == "private"})
        if private_authors:
            followed = {r[0] for r in fast.fetch(conn, _FOLLOWED_AMONG, viewer_id, private_authors)}

    def sees(post: _Post | None) -> bool:
        if post is None or (post.account_id in suspended and not staff):
            return False
        return may_see(post.visibility, own=post.account_id == viewer_id,
                       follows=post.account_id in followed, mentioned=post.id in mentioned)

    return {p.id for p in posts.values()
            if sees(p) and (p.reblog_of_id is None or sees(known.get(p.reblog_of_id)))}


def visible_in_order(conn: Connection, rows: Sequence[Any], viewer_id: int | None, *,
                     staff: bool | None = None) -> list[int]:
    """:func:`visible_ids` as a list in the order of ``rows``."""
    seen = visible_ids(conn, rows, viewer_id, staff=staff)
    return [int(r.id) for r in rows if int(r.id) in seen]
