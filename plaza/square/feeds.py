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

from sqlalchemy import Connection, Row, delete, literal, select, update

from plaza.square.pagination import Keyset, Page
from plaza.square.visibility import SUSPENDED_IDS, suspended_ids
from plaza.storage import fast, upsert
from plaza.storage.schema import accounts, follows, home_feed, statuses

#: Followers at which an account's posts stop being copied into each follower's feed.
PULL_THRESHOLD = 10_000
#: How many of a newly followed account's recent posts are copied into the follower's feed.
BACKFILL = 40
VISIBLE_TO_FOLLOWERS = ("public", "unlisted", "private")
# Written as "not direct" rather than an IN list: SQLite would otherwise pick the
# (visibility, id) index and walk every public post instead of the (account_id, id) index.
_NOT_DIRECT = statuses.c.visibility != "direct"


_INSERT = fast.Sql("INSERT INTO home_feed (account_id, status_id) VALUES (?, ?)")
# The author's own feed and, unless the author is in pull mode (read fresh: the author row a
# request carries may predate the switch), the followers' feeds, in one statement.
TO_SELF_AND_FOLLOWERS = (
    "INSERT INTO home_feed (account_id, status_id) SELECT ?, ? UNION ALL "
    "SELECT account_id, ? FROM follows WHERE target_account_id = ? "
    "AND NOT (SELECT pull_feed FROM accounts WHERE id = ?)")
_TO_SELF_AND_FOLLOWERS = fast.Sql(TO_SELF_AND_FOLLOWERS)


def fan_out_params(author_id: int, status_id: int) -> tuple[int, ...]:
    """The parameters of :data:`TO_SELF_AND_FOLLOWERS`."""
    return (author_id, status_id, status_id, author_id, author_id)


def fan_out(conn: Connection, author: Row[Any], status_id: int, visibility: str,
            mentioned: Iterable[int] = ()) -> None:
    """Put a new post into the author's own feed, its followers' feeds (unless the author is in
    pull mode or the post is direct) and, for a direct message, the feeds of those it names."""
    if visibility == "direct":
        fast.execute_many(conn, _INSERT, [(a, status_id) for a in {author.id, *mentioned}])
        return
    fast.execute(conn, _TO_SELF_AND_FOLLOWERS, *fan_out_params(author.id, status_id))


# The feeds a post can be in: its author's, its author's followers' (fan-out and backfill) and,
# for a direct post, those it names. Removed by key: the feed has no index on status_id.
_REMOVE = fast.Sql(
    "DELETE FROM home_feed WHERE status_id = ? AND account_id IN ("
    "SELECT account_id FROM follows WHERE target_account_id = ? UNION ALL SELECT ? "
    "UNION ALL SELECT account_id FROM mentions WHERE status_id = ?)")


def on_delete(conn: Connection, status_id: int, author_id: int) -> None:
    """Take a post (or repost) that is being deleted out of every feed it was written to."""
    fast.execute(conn, _REMOVE, status_id, author_id, author_id, status_id)


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
    if recent:  # a post already there (a fan-out that raced the follow) stays once
        conn.execute(upsert.insert(conn, home_feed).on_conflict_do_nothing(),
                     [{"account_id": follower_id, "status_id": s} for s in recent])


def on_unfollow(conn: Connection, follower_id: int, target_id: int) -> None:
    """Take the unfollowed account's posts out of the follower's feed."""
    conn.execute(delete(home_feed).where(
        home_feed.c.account_id == follower_id,
        home_feed.c.status_id.in_(select(statuses.c.id).where(statuses.c.account_id == target_id))))


# The read path runs on every home-timeline request: plain SQL on the driver (plaza.storage.fast).
# A suspended account's posts stay in the feeds (they come back when the suspension is lifted)
# but are skipped when read. Only a reader who follows a suspended account pays for it (each feed
# row's author looked up): for the others the first test, evaluated once per statement (a few
# probes of the suspended accounts' partial index), is true. Its parameter is the reader. Other
# posts of suspended accounts a feed may hold (reposts of them, direct messages) are left out
# when the page's posts are loaded (plaza.square.views), which may leave the page short.
_UNSUSPENDED = (f"(NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id IN "
                f"({SUSPENDED_IDS})) OR (SELECT s.account_id FROM statuses s WHERE s.id = h.status_id) "
                f"NOT IN ({SUSPENDED_IDS}))")
_FEED = Keyset(f"SELECT h.status_id FROM home_feed h WHERE h.account_id = ? AND {_UNSUSPENDED} "
               "AND h.status_id < ? AND h.status_id > ? ORDER BY h.status_id {order} LIMIT ?")
# Pull-mode accounts are few (a partial index lists them); probe the reader's follows for each.
# (A correlated scalar subquery, not EXISTS: PostgreSQL would hash-join all the reader's follows.)
_PULLED_FROM = fast.Sql("SELECT a.id FROM accounts a WHERE a.pull_feed AND NOT a.suspended AND "
                        "(SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = a.id) IS NOT NULL")
_PULLED = Keyset("SELECT id FROM statuses WHERE account_id IN ({in}) AND visibility != 'direct' "
                 "AND id < ? AND id > ? ORDER BY id {order} LIMIT ?")


# On PostgreSQL, where every statement is a network round trip, a page newest first (the usual
# read) is one statement: the feed page and each followed pull-mode account's newest posts
# (LATERAL: an index scan with a LIMIT per pulled account), merged and limited. A full feed page
# bounds the pull from below (nothing older than its last post can make the page), so each pulled
# account's scan stops at once. SQLite has no LATERAL and no round trips to save.
# ``plaza.square.views.read_page`` wraps it to read the page's posts in the same statement.
HOME_PAGE_PG = (
    "WITH feed AS MATERIALIZED (SELECT h.status_id AS id FROM home_feed h WHERE h.account_id = ? "
    f"AND {_UNSUSPENDED} AND h.status_id < ? AND h.status_id > ? ORDER BY h.status_id DESC LIMIT ?) "
    "SELECT id FROM feed UNION SELECT s.id FROM accounts a CROSS JOIN LATERAL (SELECT id FROM statuses "
    "WHERE account_id = a.id AND visibility != 'direct' AND id < ? "
    "AND id > (SELECT CASE WHEN count(*) >= ? THEN min(id) ELSE ? END FROM feed) "
    "ORDER BY id DESC LIMIT ?) s WHERE a.pull_feed AND NOT a.suspended AND "
    "(SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = a.id) IS NOT NULL "
    "ORDER BY id DESC LIMIT ?")
_HOME_PAGE_PG = fast.Sql(HOME_PAGE_PG)


def home_page_params(account_id: int, page: Page) -> tuple[int, ...]:
    """The parameters of :data:`HOME_PAGE_PG` for one page."""
    upper, lower, limit = page.upper, page.lower, page.limit
    return (account_id, account_id, upper, lower, limit, upper, limit, lower, limit, account_id, limit)


def read(conn: Connection, account_id: int, page: Page) -> list[int]:
    """One page of an account's home timeline (ids, newest first)."""
    ascending = page.ascending
    if not ascending and conn.dialect.name == "postgresql":
        ordered = [r[0] for r in fast.fetch(conn, _HOME_PAGE_PG, *home_page_params(account_id, page))]
    else:
        feed = _FEED.fetch(conn, page, account_id, account_id)
        merged = set(feed)
        pulled_from = [r[0] for r in fast.fetch(conn, _PULLED_FROM, account_id)]
        if pulled_from:
            # Nothing beyond the feed page's last id can make this page: bound the pull by it.
            full = len(feed) == page.limit
            merged.update(_PULLED.fetch(conn, page, pulled_from,
                                        upper=feed[-1] if full and ascending else None,
                                        lower=feed[-1] if full and not ascending else None))
        ordered = sorted(merged, reverse=not ascending)[: page.limit]
    return sorted(ordered + below_feed(conn, account_id, page, ordered), reverse=True)


def below_feed(conn: Connection, account_id: int, page: Page, ids: list[int]) -> list[int]:
    """The older posts that complete a page newest first that the feed left short (it holds
    only what was fanned out or backfilled): read from the follows directly."""
    if len(ids) >= page.limit or page.ascending or page.since_id is not None:
        return []
    older = Page(max_id=min(ids) if ids else page.max_id, limit=page.limit - len(ids))
    return _from_follows(conn, account_id, older)


def _from_follows(conn: Connection, account_id: int, page: Page) -> list[int]:
    authors = (select(follows.c.target_account_id).where(follows.c.account_id == account_id)
               .union_all(select(literal(account_id, type_=follows.c.account_id.type))))
    stmt = select(statuses.c.id).where(statuses.c.account_id.in_(authors), _NOT_DIRECT,
                                       statuses.c.account_id.not_in(suspended_ids()))
    return [r[0] for r in conn.execute(page.apply(stmt, statuses.c.id))]
