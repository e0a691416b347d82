"""Home feeds (fan-out on write with a pull path for very large accounts).

A new post is written into the home feed of each follower inside the post's own transaction, so
it is in every follower's home timeline the moment the create request returns. An account whose
followers reach :data:`PULL_THRESHOLD` switches (for good) to pull mode: its posts are not copied
into followers' feeds; readers merge them in when they read (the approach large Weibo- and
Twitter-like systems take for celebrity accounts, which would otherwise cost one row per follower
per post).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, literal, select, update

from plaza.square.pagination import Page
from plaza.storage.schema import accounts, follows, home_feed, statuses

#: Followers at which an account's posts stop being copied into each follower's feed.
PULL_THRESHOLD = 10_000
#: How many of a newly followed account's recent posts are copied into the follower's feed.
BACKFILL = 40
VISIBLE_TO_FOLLOWERS = ("public", "unlisted", "private")
# Written as "not direct" rather than an IN list: SQLite would otherwise pick the
# (visibility, id) index and walk every public post instead of the (account_id, id) index.
_NOT_DIRECT = statuses.c.visibility != "direct"


_INSERT = insert(home_feed)
_PULL_MODE = select(accounts.c.pull_feed).where(accounts.c.id == bindparam("id"))
_TO_FOLLOWERS = insert(home_feed).from_select(
    ["account_id", "status_id"],
    select(follows.c.account_id, bindparam("status_id", type_=home_feed.c.status_id.type))
    .where(follows.c.target_account_id == bindparam("author")))


def fan_out(conn: Connection, author: Row[Any], status_id: int, visibility: str,
            mentioned: Iterable[int] = ()) -> None:
    """Put a new post into the author's own feed, its followers' feeds (unless the author is in
    pull mode or the post is direct) and, for a direct message, the feeds of those it names."""
    conn.execute(_INSERT, {"account_id": author.id, "status_id": status_id})
    if visibility == "direct":
        recipients = [a for a in set(mentioned) if a != author.id]
        if recipients:
            conn.execute(_INSERT, [{"account_id": a, "status_id": status_id} for a in recipients])
        return
    # Read fresh: the author row a request carries may predate the switch to pull mode.
    if visibility in VISIBLE_TO_FOLLOWERS and not conn.execute(_PULL_MODE, {"id": author.id}).scalar():
        conn.execute(_TO_FOLLOWERS, {"status_id": status_id, "author": author.id})


def on_follow(conn: Connection, follower_id: int, target_id: int) -> None:
    """Backfill the follower's feed with the target's recent posts; switch the target to pull mode
    once it has :data:`PULL_THRESHOLD` followers."""
    target = conn.execute(select(accounts.c.pull_feed, accounts.c.followers_count)
                          .where(accounts.c.id == target_id)).one()
    if not target.pull_feed and target.followers_count >= PULL_THRESHOLD:
        conn.execute(update(accounts).where(accounts.c.id == target_id).values(pull_feed=True))
        return
    if target.pull_feed:
        return
    recent = [r.id for r in conn.execute(
        select(statuses.c.id).where(statuses.c.account_id == target_id,
                                    _NOT_DIRECT)
        .order_by(statuses.c.id.desc()).limit(BACKFILL))]
    if recent:
        conn.execute(insert(home_feed), [{"account_id": follower_id, "status_id": s} for s in recent])


def on_unfollow(conn: Connection, follower_id: int, target_id: int) -> None:
    """Take the unfollowed account's posts out of the follower's feed."""
    conn.execute(delete(home_feed).where(
        home_feed.c.account_id == follower_id,
        home_feed.c.status_id.in_(select(statuses.c.id).where(statuses.c.account_id == target_id))))


_NEWEST = 2**63 - 1
_FEED_DESC = (select(home_feed.c.status_id)
              .where(home_feed.c.account_id == bindparam("account"),
                     home_feed.c.status_id < bindparam("upper"), home_feed.c.status_id > bindparam("lower"))
              .order_by(home_feed.c.status_id.desc()).limit(bindparam("limit")))
_FEED_ASC = (select(home_feed.c.status_id)
             .where(home_feed.c.account_id == bindparam("account"),
                    home_feed.c.status_id < bindparam("upper"), home_feed.c.status_id > bindparam("lower"))
             .order_by(home_feed.c.status_id.asc()).limit(bindparam("limit")))
_PULLED_FROM = (select(follows.c.target_account_id)
                .join(accounts, accounts.c.id == follows.c.target_account_id)
                .where(follows.c.account_id == bindparam("account"), accounts.c.pull_feed.is_(True)))
_PULLED = (select(statuses.c.id)
           .where(statuses.c.account_id.in_(bindparam("authors", expanding=True)), _NOT_DIRECT,
                  statuses.c.id < bindparam("upper"), statuses.c.id > bindparam("lower")))
_PULLED_DESC = _PULLED.order_by(statuses.c.id.desc()).limit(bindparam("limit"))
_PULLED_ASC = _PULLED.order_by(statuses.c.id.asc()).limit(bindparam("limit"))


def read(conn: Connection, account_id: int, page: Page) -> list[int]:
    """One page of an account's home timeline (ids, newest first)."""
    # Statements are prebuilt with the page's bounds as parameters: this runs on every read.
    ascending = page.min_id is not None
    upper = page.max_id if page.max_id is not None else _NEWEST
    lower = max(page.since_id or 0, page.min_id or 0)
    params = {"account": account_id, "upper": upper, "lower": lower, "limit": page.limit}
    feed = [r[0] for r in conn.execute(_FEED_ASC if ascending else _FEED_DESC, params)]
    merged = set(feed)
    pulled_from = [r[0] for r in conn.execute(_PULLED_FROM, {"account": account_id})]
    if pulled_from:
        bounds = {"upper": upper, "lower": lower}
        if len(feed) == page.limit:
            # Nothing beyond the feed page's last id can make this page: bound the pull by it.
            bounds["upper" if ascending else "lower"] = feed[-1]
        merged.update(r[0] for r in conn.execute(
            _PULLED_ASC if ascending else _PULLED_DESC,
            {"authors": pulled_from, "limit": page.limit, **bounds}))
    ordered = sorted(merged, reverse=not ascending)[: page.limit]
    if len(ordered) < page.limit and not ascending and page.since_id is None:
        # Below the materialised feed (older than its backfill): read the follows directly.
        older = Page(max_id=min(ordered) if ordered else page.max_id, limit=page.limit - len(ordered))
        ordered += _from_follows(conn, account_id, older)
    return sorted(ordered, reverse=True)


def _from_follows(conn: Connection, account_id: int, page: Page) -> list[int]:
    authors = (select(follows.c.target_account_id).where(follows.c.account_id == account_id)
               .union_all(select(literal(account_id, type_=follows.c.account_id.type))))
    stmt = select(statuses.c.id).where(statuses.c.account_id.in_(authors), _NOT_DIRECT)
    return [r[0] for r in conn.execute(page.apply(stmt, statuses.c.id))]
