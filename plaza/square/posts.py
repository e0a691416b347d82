"""Posts (微博 / statuses): create with topics and mentions, reply, repost (reblog), like
(favourite), delete — each one durable transaction committed before the caller answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from plaza import regions
from plaza.accounts import policy
from plaza.accounts.policy import Permission
from plaza.clock import utcnow
from plaza.errors import Forbidden, Invalid, NotFound, ServiceBusy
from plaza.square import accounts as accounts_service
from plaza.square import feeds, media, search, text, views
from plaza.square.notifications import notify
from plaza.square.visibility import LISTED, visible_ids, visible_in_order
from plaza.storage import db as db_module
from plaza.storage import fast, upsert
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import (
    accounts,
    favourites,
    media_attachments,
    status_topics,
    statuses,
    topics,
)

VISIBILITIES = ("public", "unlisted", "private", "direct")
MAX_MEDIA = 4


@dataclass(frozen=True)
class NewStatus:
    """What a person submits when they post."""

    text: str
    visibility: str = "public"
    in_reply_to_id: int | None = None
    media_ids: tuple[int, ...] = ()
    sensitive: bool = False
    spoiler_text: str = ""
    language: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def validate(new: NewStatus, max_chars: int) -> None:
    if new.visibility not in VISIBILITIES:
        raise Invalid("visibility_invalid", value=new.visibility)
    length = len(new.text)
    if length > max_chars:
        raise Invalid("text_too_long", limit=max_chars, length=length)
    if not new.text.strip() and not new.media_ids:
        raise Invalid("text_empty")
    if len(new.media_ids) > MAX_MEDIA:
        raise Invalid("too_many_media")
    if len(new.spoiler_text) > 255:
        raise Invalid("text_too_long", limit=255, length=len(new.spoiler_text))
    if new.city is not None and regions.city_code(new.city) is None:
        raise Invalid("city_invalid", code=new.city)
    if (new.latitude is None) != (new.longitude is None) or (
        new.latitude is not None and not (-90 <= new.latitude <= 90 and -180 <= new.longitude <= 180)  # type: ignore[operator]
    ):
        raise Invalid("coordinates_invalid")


def topic_ids(conn: Connection, names: list[str], now: datetime) -> dict[int, str]:
    """The named topics as id → stored name, creating those that are new (a topic keeps the
    name it was first written with)."""
    if not names:
        return {}
    keys = {text.topic_key(n): n for n in names}
    found = {key: (topic_id, name) for topic_id, key, name in fast.fetch(conn, _TOPICS_BY_KEY, list(keys))}
    for key, name in keys.items():
        if key not in found:
            topic_id = new_id()
            try:
                with conn.begin_nested():
                    conn.execute(insert(topics).values(id=topic_id, name=name[:100], key=key, created_at=now))
                found[key] = (topic_id, name[:100])
            except IntegrityError:  # another process created it a moment ago
                row = conn.execute(select(topics.c.id, topics.c.name).where(topics.c.key == key)).one()
                found[key] = (row.id, row.name)
    return dict(found.values())


def can_see(conn: Connection, status: Row[Any], viewer_id: int | None) -> bool:
    """Whether ``viewer_id`` may open this post (:mod:`plaza.square.visibility`): public and
    unlisted for all; followers-only for the author, followers and those mentioned; direct for
    the author and those mentioned; a repost only with its original; a suspended account's
    posts for staff only."""
    return int(status.id) in visible_ids(conn, [status], viewer_id)


def get_visible(conn: Connection, status_id: int, viewer_id: int | None) -> Row[Any]:
    """The post, if ``viewer_id`` may open it; else 404 (whether it exists or not)."""
    row = conn.execute(_STATUS, {"id": status_id}).first()
    if row is None or not can_see(conn, row, viewer_id):
        raise NotFound("status_not_found")
    return row


# The posting path runs these on every post: plain SQL on the driver (plaza.storage.fast), which
# costs a fraction of SQLAlchemy's per-statement work and joins the same transaction.
_STATUS = select(statuses).where(statuses.c.id == bindparam("id"))
_INSERT_STATUS = fast.Sql(
    "INSERT INTO statuses (id, account_id, text, spoiler_text, sensitive, visibility, language, "
    "in_reply_to_id, in_reply_to_account_id, reblog_of_id, city, latitude, longitude, replies_count, "
    "reblogs_count, favourites_count, created_at, edited_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 0, 0, 0, ?, NULL) "
    f"RETURNING {views.STATUS_ROWS.columns}")
_INSERT_STATUS_TOPIC = fast.Sql("INSERT INTO status_topics (topic_id, status_id, public) VALUES (?, ?, ?)")
_INSERT_MENTION = fast.Sql("INSERT INTO mentions (status_id, account_id) VALUES (?, ?)")
_IDEMPOTENT = fast.Sql("SELECT status_id FROM idempotency_keys WHERE account_id = ? AND key = ?")
_COUNT_REPLY = fast.Sql("UPDATE statuses SET replies_count = replies_count + 1 WHERE id = ?")
# An Idempotency-Key is claimed before anything is written, for the post about to be made: the
# key's primary key lets one request of many sent at once have it (the others wait for its
# commit, then find it taken and answer its post).
_CLAIM_KEY = fast.Sql("INSERT INTO idempotency_keys (account_id, key, status_id, created_at) "
                      "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING status_id")
# Then the author's count goes up: the same statement reads the author's row as it now is (the
# caller checks it may still post, and the answer shows the new count without reading it back).
_COUNT_POST = fast.Sql("UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = ? "
                       f"WHERE id = ? RETURNING {views.ACCOUNT_ROWS.columns}")
# On PostgreSQL (a round trip per statement) both in one: no row comes back when the key was taken.
_CLAIM_AND_COUNT_PG = fast.Sql(
    "WITH k AS (INSERT INTO idempotency_keys (account_id, key, status_id, created_at) "
    "SELECT ?, ?, ?, ? WHERE ?::text IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1) "
    "UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = ? "
    "WHERE id = ? AND (?::text IS NULL OR EXISTS (SELECT 1 FROM k)) "
    f"RETURNING {views.ACCOUNT_ROWS.columns}")
# Inside a group-commit batch on PostgreSQL the key is claimed and the author's row only read:
# the count goes up at the batch's end (:func:`_count_posts`), every author of the batch in id
# order, so two processes' batches never hold two authors' rows in opposite orders (a deadlock,
# which PostgreSQL breaks only after ``deadlock_timeout``, a second of stall).
_CLAIM_AND_READ_PG = fast.Sql(
    "WITH k AS (INSERT INTO idempotency_keys (account_id, key, status_id, created_at) "
    "SELECT ?, ?, ?, ? WHERE ?::text IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1) "
    f"SELECT {views.ACCOUNT_ROWS.columns} FROM accounts "
    "WHERE id = ? AND (?::text IS NULL OR EXISTS (SELECT 1 FROM k))")
_LOCK_AUTHORS_PG = fast.Sql("SELECT id FROM accounts WHERE id = ANY(?) ORDER BY id FOR NO KEY UPDATE")
_COUNT_POSTS_PG = fast.Sql(
    "UPDATE accounts SET statuses_count = statuses_count + v.n, "
    "last_status_at = GREATEST(COALESCE(last_status_at, v.at), v.at) "
    "FROM unnest(?::bigint[], ?::int[], ?::timestamptz[]) AS v(id, n, at) WHERE accounts.id = v.id")
_COUNTED = "posts_counted"


def _count_posts(conn: Connection, items: list[tuple[int, datetime]]) -> None:
    """The batch's posts counted on their authors' rows: locked in id order, then one update."""
    counts: dict[int, tuple[int, datetime]] = {}
    for author_id, at in items:
        n, last = counts.get(author_id, (0, at))
        counts[author_id] = (n + 1, max(last, at))
    ids = sorted(counts)
    fast.fetch(conn, _LOCK_AUTHORS_PG, ids)
    fast.execute(conn, _COUNT_POSTS_PG, ids, [counts[i][0] for i in ids], [counts[i][1] for i in ids])


db_module.register_deferred(_COUNTED, _count_posts)


def _claim_and_count_pg(conn: Connection, author_id: int, key: str | None, status_id: int,
                        now: datetime) -> list[Any]:
    """Claim the key and count the post on PostgreSQL: at once outside a batch; in a batch the
    row is read and shown as it will be (this batch's earlier posts by the author included)."""
    if not db_module.can_defer(conn, _COUNTED):
        return fast.fetch(conn, _CLAIM_AND_COUNT_PG, author_id, key, status_id, now, key,
                          now, author_id, key)
    found = fast.fetch(conn, _CLAIM_AND_READ_PG, author_id, key, status_id, now, key, author_id, key)
    if not found:
        return found
    earlier = sum(1 for a, _at in db_module.deferred(conn, _COUNTED) if a == author_id)
    db_module.defer(conn, _COUNTED, (author_id, now))
    row = views.ACCOUNT_ROWS.make(conn, found[0])
    return [row._replace(statuses_count=row.statuses_count + earlier + 1, last_status_at=now)]


# On PostgreSQL a post that is not direct is then written in one statement: the post, its search
# document and the home feeds.
_WRITE_POST_PG = fast.Sql(
    f"WITH s AS ({_INSERT_STATUS.source}), "
    f"d AS ({search.INSERT_DOCUMENT_IF_ANY}), f AS ({feeds.TO_SELF_AND_FOLLOWERS}) SELECT * FROM s")
_TOPICS_BY_KEY = fast.Sql("SELECT id, key, name FROM topics WHERE key IN ({in})")
_ACCOUNT = fast.Sql(f"SELECT {views.ACCOUNT_ROWS.columns} FROM accounts WHERE id = ?")
_status_row = views.STATUS_ROWS.make
_account_row = views.ACCOUNT_ROWS.make


@dataclass(frozen=True)
class Draft:
    """A post checked and parsed, ready to write: everything :func:`create` needs that takes no
    database (the segmentation for search above all), done before any write lock is taken."""

    new: NewStatus
    document: list[str]
    topic_names: list[str]
    mention_names: list[str]


def draft(new: NewStatus, max_chars: int = 2000) -> Draft:
    validate(new, max_chars)
    spans = text.parse(new.text)
    return Draft(new, search.document_tokens(new.text, spans), text.topics(new.text), text.mentions(new.text))


@dataclass(frozen=True)
class Published:
    """A post as :func:`publish` wrote it — enough to show it without reading it back."""

    status: Row[Any]
    author: Row[Any]  # the author's row after the post (its count and last post time)
    mentioned: tuple[Row[Any], ...]
    topics: tuple[str, ...]
    media: tuple[Row[Any], ...]


def create(db: Database, author: Row[Any], new: NewStatus | Draft, *, max_chars: int = 2000,
           idempotency_key: str | None = None, created_at: datetime | None = None) -> int:
    """Publish a post and return its id (see :func:`publish`)."""
    done = publish(db, author.id, new, max_chars=max_chars, idempotency_key=idempotency_key,
                   created_at=created_at)
    return done if isinstance(done, int) else int(done.status.id)


def _anyone(author: Row[Any] | None) -> None:
    if author is None:
        raise NotFound("account_not_found")


def publish(db: Database, author_id: int, new: NewStatus | Draft, *, max_chars: int = 2000,
            idempotency_key: str | None = None, created_at: datetime | None = None,
            admit: Callable[[Row[Any] | None], None] = _anyone,
            after: Callable[[Connection, Published], None] | None = None) -> Published | int:
    """Publish a post. ``admit`` sees the author's row as the post's transaction reads it (None
    if the account is gone) and raises to refuse (a suspension made a moment ago counts). With
    an ``Idempotency-Key`` a retried request returns the first post's id instead of making a
    second one. Pass a :class:`Draft` to have the parsing done already (outside the caller's
    write batch). ``after`` runs inside the post's transaction once it is written (a post to a
    service desk opens its case in the same commit)."""
    drafted = new if isinstance(new, Draft) else draft(new, max_chars)
    new = drafted.new
    document, topic_names, mention_names = drafted.document, drafted.topic_names, drafted.mention_names
    now = created_at or utcnow()
    key = idempotency_key[:128] if idempotency_key else None
    status_id = new_id(int(now.timestamp() * 1000)) if created_at else new_id()
    with db.write() as conn:
        if conn.dialect.name == "postgresql":
            counted = _claim_and_count_pg(conn, author_id, key, status_id, now)
        else:
            claimed = key is None or bool(fast.fetch(conn, _CLAIM_KEY, author_id, key, status_id, now))
            counted = fast.fetch(conn, _COUNT_POST, now, author_id) if claimed else []
        if not counted:  # the key was used (a retried request), or the account is gone
            done = fast.fetch(conn, _IDEMPOTENT, author_id, key) if key else []
            found = fast.fetch(conn, _ACCOUNT, author_id)
            admit(_account_row(conn, found[0]) if found else None)
            if not done or done[0][0] == status_id:  # the key is this post's own claim
                raise NotFound("account_not_found")
            return int(done[0][0])
        author = _account_row(conn, counted[0])
        admit(author)
        parent = None
        if new.in_reply_to_id is not None:
            parent = conn.execute(_STATUS, {"id": new.in_reply_to_id}).first()
            if parent is None or parent.reblog_of_id is not None or not can_see(conn, parent, author.id):
                raise Invalid("reply_target_missing")
        city = regions.city_code(new.city) if new.city else author.home_city
        columns = (status_id, author.id, new.text, new.spoiler_text, new.sensitive or bool(new.spoiler_text),
                   new.visibility, new.language, parent.id if parent else None,
                   parent.account_id if parent else None, city, new.latitude, new.longitude, now)
        in_one = conn.dialect.name == "postgresql" and new.visibility != "direct"
        if in_one:
            tokens = " ".join(document)
            written = fast.fetch(conn, _WRITE_POST_PG, *columns, status_id, tokens, tokens,
                                 *feeds.fan_out_params(author.id, status_id))
        else:
            written = fast.fetch(conn, _INSERT_STATUS, *columns)
        status = _status_row(conn, written[0])
        media: tuple[Row[Any], ...] = ()
        if new.media_ids:
            attached = conn.execute(update(media_attachments).where(
                media_attachments.c.id.in_(list(new.media_ids)), media_attachments.c.account_id == author.id,
                media_attachments.c.status_id.is_(None), media_attachments.c.purpose == "status",
                media_attachments.c.discarded_at.is_(None)).values(status_id=status_id)).rowcount
            if attached != len(set(new.media_ids)):
                raise Invalid("media_invalid", id=",".join(map(str, new.media_ids)))
            media = tuple(conn.execute(select(media_attachments).where(media_attachments.c.status_id == status_id)
                                       .order_by(media_attachments.c.id)))
        tagged = topic_ids(conn, topic_names, now)
        if tagged:
            public = new.visibility == LISTED  # on topic timelines (not unlisted)
            fast.execute_many(conn, _INSERT_STATUS_TOPIC, [(tid, status_id, public) for tid in tagged])
        resolved = accounts_service.resolve_names(conn, mention_names)
        mentioned = {row.id for row in resolved.values()}
        if mentioned:
            fast.execute_many(conn, _INSERT_MENTION, [(status_id, a) for a in mentioned])
        for account_id in mentioned - {author.id}:
            notify(conn, account_id, author.id, "mention", status_id, now)
        if parent is not None:
            fast.execute(conn, _COUNT_REPLY, parent.id)
            if parent.account_id != author.id and parent.account_id not in mentioned:
                notify(conn, parent.account_id, author.id, "reply", status_id, now)
        if not in_one:
            search.index_status(conn, status_id, document)
            feeds.fan_out(conn, author, status_id, new.visibility, mentioned)
        views.remember_written(conn, status, author)
        people = tuple({r.id: r for r in resolved.values()}.values())
        published = Published(status, author, people, tuple(tagged.values()), media)
        if after is not None:
            after(conn, published)
    if not new.media_ids:  # what the post is made of is known: spare the first read its queries
        views.remember_parts(status_id, list(people), list(tagged.values()))
    return published


def _original(conn: Connection, status_id: int, viewer_id: int) -> Row[Any]:
    """The post itself, or the post a repost points at: likes and reposts go to the original."""
    status = get_visible(conn, status_id, viewer_id)
    if status.reblog_of_id is not None:
        status = get_visible(conn, status.reblog_of_id, viewer_id)
    return status


@dataclass(frozen=True, slots=True)
class Done:
    """What an act that happens at most once (a repost, a like) came to: ``status_id`` (the
    repost, the liked post) and whether this call made it (``new``) or found it made before."""

    status_id: int
    new: bool


def reblog(db: Database, account: Row[Any], status_id: int, visibility: str = "public",
           created_at: datetime | None = None) -> int:
    """Repost (转发) a post; reposting twice returns the first repost."""
    return reblog_once(db, account, status_id, visibility, created_at).status_id


def reblog_once(db: Database, account: Row[Any], status_id: int, visibility: str = "public",
                created_at: datetime | None = None) -> Done:
    """:func:`reblog`, saying whether this call made the repost. Reposts sent at once make one:
    the others wait for its commit and answer it; the counters and the notification move once."""
    now = created_at or utcnow()
    with db.write() as conn:
        original = _original(conn, status_id, account.id)
        if original.visibility not in ("public", "unlisted"):
            raise Forbidden("reblog_not_allowed")
        reblog_id = new_id(int(now.timestamp() * 1000)) if created_at else new_id()
        shown_to = visibility if visibility in VISIBILITIES[:3] else "public"
        insert_once = (upsert.insert(conn, statuses).values(
            id=reblog_id, account_id=account.id, text="", spoiler_text="", sensitive=False,
            visibility=shown_to, reblog_of_id=original.id,
            city=account.home_city, replies_count=0, reblogs_count=0, favourites_count=0, created_at=now)
            .on_conflict_do_nothing(index_elements=[statuses.c.reblog_of_id, statuses.c.account_id],
                                    index_where=statuses.c.reblog_of_id.is_not(None))  # migration 0014
            .returning(statuses.c.id))
        # The repost that was there may be undone between the two statements (an unrepost sent
        # at the same moment): then this one is made after all.
        for _attempt in range(3):
            if conn.execute(insert_once).first() is not None:
                break
            existing = conn.execute(select(statuses.c.id).where(
                statuses.c.reblog_of_id == original.id, statuses.c.account_id == account.id)).scalar()
            if existing is not None:
                return Done(existing, False)
        else:
            raise ServiceBusy()
        # Reposts carry the topics of the original: they count as discussion (讨论量). Listed on
        # topic timelines only when the repost and its original both are public.
        topic_rows = conn.execute(select(status_topics.c.topic_id).where(status_topics.c.status_id == original.id)).all()
        if topic_rows:
            listed = shown_to == original.visibility == LISTED
            fast.execute_many(conn, _INSERT_STATUS_TOPIC, [(r.topic_id, reblog_id, listed) for r in topic_rows])
        conn.execute(update(statuses).where(statuses.c.id == original.id)
                     .values(reblogs_count=statuses.c.reblogs_count + 1))
        conn.execute(update(accounts).where(accounts.c.id == account.id).values(
            statuses_count=accounts.c.statuses_count + 1, last_status_at=now))
        if original.account_id != account.id:
            notify(conn, original.account_id, account.id, "reblog", original.id, now)
        feeds.fan_out(conn, account, reblog_id, shown_to)
    return Done(reblog_id, True)


def unreblog(db: Database, account: Row[Any], status_id: int) -> int:
    """Undo a repost; returns the original's id."""
    with db.write() as conn:
        original = _original(conn, status_id, account.id)
        for (reblog_id,) in conn.execute(select(statuses.c.id).where(
                statuses.c.reblog_of_id == original.id, statuses.c.account_id == account.id)):
            feeds.on_delete(conn, reblog_id, account.id)
        removed = conn.execute(delete(statuses).where(
            statuses.c.reblog_of_id == original.id, statuses.c.account_id == account.id)).rowcount
        if removed:
            conn.execute(update(statuses).where(statuses.c.id == original.id)
                         .values(reblogs_count=statuses.c.reblogs_count - removed))
            conn.execute(update(accounts).where(accounts.c.id == account.id)
                         .values(statuses_count=accounts.c.statuses_count - removed))
    return int(original.id)


def favourite(db: Database, account: Row[Any], status_id: int, created_at: datetime | None = None) -> int:
    """Like (点赞) a post; liking twice is a no-op. Returns the liked post's id (the original's)."""
    return favourite_once(db, account, status_id, created_at).status_id


def favourite_once(db: Database, account: Row[Any], status_id: int, created_at: datetime | None = None) -> Done:
    """:func:`favourite`, saying whether this call made the like: of likes sent at once one is
    made, and the count and the notification move once."""
    now = created_at or utcnow()
    with db.write() as conn:
        status = _original(conn, status_id, account.id)
        made = conn.execute(upsert.insert(conn, favourites).values(  # a back-dated like, a back-dated id
            id=new_id(int(now.timestamp() * 1000)) if created_at else new_id(), account_id=account.id,
            status_id=status.id, created_at=now)
            .on_conflict_do_nothing(index_elements=[favourites.c.account_id, favourites.c.status_id])
            .returning(favourites.c.id)).first()
        if made is not None:
            conn.execute(update(statuses).where(statuses.c.id == status.id)
                         .values(favourites_count=statuses.c.favourites_count + 1))
            if status.account_id != account.id:
                notify(conn, status.account_id, account.id, "favourite", status.id, now)
    return Done(int(status.id), made is not None)


def unfavourite(db: Database, account: Row[Any], status_id: int) -> int:
    with db.write() as conn:
        status = _original(conn, status_id, account.id)
        removed = conn.execute(delete(favourites).where(
            favourites.c.account_id == account.id, favourites.c.status_id == status.id)).rowcount
        if removed:
            conn.execute(update(statuses).where(statuses.c.id == status.id)
                         .values(favourites_count=statuses.c.favourites_count - removed))
    return int(status.id)


def delete_status(db: Database, actor: Row[Any], status_id: int) -> Row[Any]:
    """Delete a post (its author, or a moderator). Returns the deleted row (for delete-and-redraft)."""
    with db.write() as conn:
        # Locked: of deletions sent at once one deletes; the others find it gone (404), so the
        # counters move once.
        status = conn.execute(select(statuses).where(statuses.c.id == status_id).with_for_update()).first()
        if status is None or not can_see(conn, status, actor.id):
            raise NotFound("status_not_found")
        if status.account_id != actor.id:
            policy.require(actor, Permission.MODERATE_POSTS)
        reblogs = conn.execute(select(statuses.c.id, statuses.c.account_id)
                               .where(statuses.c.reblog_of_id == status.id)).all()
        for r in reblogs:
            conn.execute(update(accounts).where(accounts.c.id == r.account_id)
                         .values(statuses_count=accounts.c.statuses_count - 1))
            feeds.on_delete(conn, r.id, r.account_id)
        feeds.on_delete(conn, status.id, status.account_id)
        media.discard_of_status(conn, status.id)
        conn.execute(delete(statuses).where(statuses.c.reblog_of_id == status.id))
        conn.execute(delete(statuses).where(statuses.c.id == status.id))
        if status.in_reply_to_id is not None:
            conn.execute(update(statuses).where(statuses.c.id == status.in_reply_to_id)
                         .values(replies_count=statuses.c.replies_count - 1))
        if status.reblog_of_id is not None:
            conn.execute(update(statuses).where(statuses.c.id == status.reblog_of_id)
                         .values(reblogs_count=statuses.c.reblogs_count - 1))
        conn.execute(update(accounts).where(accounts.c.id == status.account_id)
                     .values(statuses_count=accounts.c.statuses_count - 1))
        search.remove_status(conn, status.id)
    return status


def context(db: Database, status_id: int, viewer_id: int | None) -> tuple[list[int], list[int]]:
    """Ancestors (oldest first) and descendants (in thread order) visible to the viewer; a reply
    the viewer may not see hides the replies below it."""
    with db.read() as conn:
        status = get_visible(conn, status_id, viewer_id)
        chain: list[Row[Any]] = []
        parent_id = status.in_reply_to_id
        while parent_id is not None and len(chain) < 100:
            parent = conn.execute(_STATUS, {"id": parent_id}).first()
            if parent is None:
                break
            chain.append(parent)
            parent_id = parent.in_reply_to_id
        ancestors = visible_in_order(conn, chain[::-1], viewer_id)
        descendants: list[int] = []
        frontier = [status.id]
        while frontier and len(descendants) < 500:
            children = conn.execute(select(statuses).where(statuses.c.in_reply_to_id.in_(frontier))
                                    .order_by(statuses.c.id)).all()
            frontier = visible_in_order(conn, children, viewer_id)
            descendants.extend(frontier)
        # Depth-first thread order, as Mastodon returns it.
        order = _thread_order(conn, status.id, set(descendants))
    return ancestors, order


def _thread_order(conn: Connection, root: int, members: set[int]) -> list[int]:
    if not members:
        return []
    rows = conn.execute(select(statuses.c.id, statuses.c.in_reply_to_id)
                        .where(statuses.c.id.in_(list(members)))).all()
    children: dict[int, list[int]] = {}
    for r in rows:
        children.setdefault(r.in_reply_to_id, []).append(r.id)
    out: list[int] = []
    stack = sorted(children.get(root, []), reverse=True)
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(sorted(children.get(node, []), reverse=True))
    return out


def favourited_by(db: Database, status_id: int, viewer_id: int | None, limit: int = 40) -> list[int]:
    with db.read() as conn:
        get_visible(conn, status_id, viewer_id)
        return [r.account_id for r in conn.execute(
            select(favourites.c.account_id).where(favourites.c.status_id == status_id)
            .order_by(favourites.c.id.desc()).limit(limit))]


def reblogged_by(db: Database, status_id: int, viewer_id: int | None, limit: int = 40) -> list[int]:
    """Who reposted the post: only the reposts the viewer may see (a followers-only repost
    names its author to that author's followers alone)."""
    with db.read() as conn:
        get_visible(conn, status_id, viewer_id)
        reposts = conn.execute(
            select(statuses.c.id, statuses.c.account_id, statuses.c.visibility, statuses.c.reblog_of_id)
            .where(statuses.c.reblog_of_id == status_id).order_by(statuses.c.id.desc()).limit(limit)).all()
        shown = visible_ids(conn, reposts, viewer_id, staff=False)
        return [r.account_id for r in reposts if r.id in shown]
