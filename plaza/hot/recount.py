"""Recount what hot search can learn again from the square's posts (``plaza hot rebuild``): after
a crash that lost the engine's state (a memory snapshot gone or stale, a Redis flushed), the
database still holds every post, repost and like.

Recovered, per topic: originals (原创量), discussions (讨论量: originals and reposts),
interactions (互动量: replies, reposts, likes), participants, and the per-day uses and accounts of
the last days (``Tag.history``) — by the same rules as the live hooks of ``HotService``: only
what the public may see counts (public posts, public reposts of public posts, likes of public
posts: the rows ``status_topics`` marks public); a public reply counts for its own topics and,
when its parent is public too, for its parent's.
Not recoverable (never stored per event): reads (阅读量, and each post's 阅读数), searches and
search click-throughs, and the heat windows (heat builds up again from new activity).

The posts are read in chunks of consecutive ids (ids are time-ordered), so memory holds one
chunk of rows plus the counters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from plaza.hot.engine import Recount
from plaza.hot.events import DAY_OFFSET_SECONDS, day_start
from plaza.square.visibility import LISTED
from plaza.storage.schema import favourites, status_topics, statuses, topics

if TYPE_CHECKING:
    from plaza.storage.db import Database

__all__ = ["recount"]

#: Posts (or likes) read per query.
CHUNK = 20_000


def _timestamp(value: datetime) -> float:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).timestamp()


class _Tally:
    """The counters being built, and the topic keys of topic ids."""

    def __init__(self, keys: dict[int, str], days: set[int], day_offset: int) -> None:
        self.result = Recount()
        self.keys = keys
        self.days = days
        self.day_offset = day_offset

    def add(self, kind: str, topic_ids: set[int], account_id: int, at: datetime) -> None:
        r = self.result
        day = day_start(_timestamp(at), self.day_offset) if kind in ("original", "repost") else None
        for topic_id in topic_ids:
            key = self.keys.get(topic_id)
            if key is None:
                continue
            if kind == "original":
                r.originals[key] += 1
                r.discussions[key] += 1
            elif kind == "repost":
                r.discussions[key] += 1
                r.interactions[key] += 1
            else:  # reply, like
                r.interactions[key] += 1
            r.participants.setdefault(key, set()).add(account_id)
            if day is not None and day in self.days:
                uses, accounts = r.days.setdefault(day, {}).get(key, (0, set()))
                accounts.add(account_id)
                r.days[day][key] = (uses + 1, accounts)


def _bounds(conn: Any, id_column: Any, after: int) -> int | None:
    """The last id of the next chunk after ``after`` (None when there is none)."""
    inner = select(id_column.label("id")).where(id_column > after).order_by(id_column).limit(CHUNK)
    return conn.execute(select(func.max(inner.subquery().c.id))).scalar()


def _posts(conn: Any, tally: _Tally, after: int, upto: int) -> int:
    """Originals, replies and reposts with ids in (after, upto]; returns how many posts."""
    s, st = statuses, status_topics
    in_range = (s.c.id > after) & (s.c.id <= upto)
    posts: dict[int, tuple[str, int, datetime, set[int]]] = {}
    # originals and replies (own topics), reposts (their original's topics, linked on the repost);
    # a link is public when its post is (a repost: and its original), see plaza.square.posts
    own = conn.execute(
        select(s.c.id, s.c.account_id, s.c.created_at, s.c.in_reply_to_id, s.c.reblog_of_id, st.c.topic_id)
        .join(st, st.c.status_id == s.c.id).where(in_range, st.c.public.is_(True)))
    for sid, account, at, reply_to, reblog_of, topic_id in own:
        if reblog_of is not None:
            kind = "repost"
        else:
            kind = "original" if reply_to is None else "reply"
        posts.setdefault(sid, (kind, account, at, set()))[3].add(topic_id)
    # public replies also count for their parent's topics, when the parent is public too
    parent = st.alias("parent_topics")
    replies = conn.execute(
        select(s.c.id, s.c.account_id, s.c.created_at, parent.c.topic_id)
        .join(parent, parent.c.status_id == s.c.in_reply_to_id)
        .where(in_range, s.c.in_reply_to_id.is_not(None), s.c.visibility == LISTED,
               parent.c.public.is_(True)))
    for sid, account, at, topic_id in replies:
        posts.setdefault(sid, ("reply", account, at, set()))[3].add(topic_id)
    for kind, account, at, topic_ids in posts.values():
        tally.add(kind, topic_ids, account, at)
    return len(posts)


def _likes(conn: Any, tally: _Tally, after: int, upto: int) -> int:
    f, st = favourites, status_topics
    rows = conn.execute(
        select(f.c.id, f.c.account_id, f.c.created_at, st.c.topic_id)
        .join(st, st.c.status_id == f.c.status_id)
        .where(f.c.id > after, f.c.id <= upto, st.c.public.is_(True)))
    likes: dict[int, tuple[int, datetime, set[int]]] = {}
    for fid, account, at, topic_id in rows:
        likes.setdefault(fid, (account, at, set()))[2].add(topic_id)
    for account, at, topic_ids in likes.values():
        tally.add("like", topic_ids, account, at)
    return len(likes)


def recount(
    db: Database,
    *,
    days: list[int],
    day_offset: int = DAY_OFFSET_SECONDS,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[Recount, int, int]:
    """Count every topic's recoverable counters from the database; ``days`` are the history
    days (``day_start`` values) to fill. Returns the counters, the posts and the likes read.
    ``progress(stage, done)`` is called after each chunk."""
    with db.read() as conn:
        keys = {int(i): str(k) for i, k in conn.execute(select(topics.c.id, topics.c.key))}
    tally = _Tally(keys, set(days), day_offset)
    counted_posts = counted_likes = 0
    for stage, column, count in (("posts", statuses.c.id, _posts),
                                 ("likes", favourites.c.id, _likes)):
        after = -1
        while True:
            with db.read() as conn:
                upto = _bounds(conn, column, after)
                if upto is None:
                    break
                done = count(conn, tally, after, upto)
            after = upto
            if stage == "posts":
                counted_posts += done
            else:
                counted_likes += done
            if progress is not None:
                progress(stage, counted_posts if stage == "posts" else counted_likes)
    return tally.result, counted_posts, counted_likes
