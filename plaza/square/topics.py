"""Topic curation: a topic's hosts (主持人, accounts appointed to look after it, as on Weibo) and its
description (导语, a short plain-text introduction shown above its posts).

Administrators and moderators appoint and remove hosts; hosts and staff write the description.
A topic exists once a post has named it (:mod:`plaza.square.posts` creates the row); names are
matched by their key (:func:`plaza.square.text.topic_key`), so ``#重庆暴雨#`` and ``重庆暴雨`` meet.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, delete, exists, func, select

from plaza.accounts import policy
from plaza.accounts.policy import Permission
from plaza.clock import utcnow
from plaza.errors import Forbidden, Invalid, NotFound
from plaza.square.text import topic_key
from plaza.square.visibility import may_review
from plaza.storage import fast, upsert
from plaza.storage.db import Database
from plaza.storage.schema import (
    accounts,
    status_topics,
    topic_descriptions,
    topic_hosts,
    topics,
)

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "MAX_HOSTS",
    "TopicCuration",
    "appoint_host",
    "curation",
    "is_manager",
    "may_describe",
    "normalise_description",
    "publicly_used",
    "relist_posts_of",
    "remove_host",
    "set_description",
    "visible",
]

#: Hosts a topic may have at once.
MAX_HOSTS = 5
#: Longest description (导语), in characters (code points, as posts are counted).
MAX_DESCRIPTION_CHARS = 200
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True, slots=True)
class TopicCuration:
    """What curates a topic: its stored name, description (None when unset) and hosts (account
    rows in the order they were appointed; suspended accounts are left out)."""

    topic_id: int
    name: str
    description: str | None
    hosts: tuple[Row[Any], ...]

    def is_host(self, account_id: int) -> bool:
        return any(h.id == account_id for h in self.hosts)


def is_manager(account: Any | None) -> bool:
    """Whoever appoints hosts (and may always edit a description): staff, or the command line's
    :data:`~plaza.accounts.policy.OPERATOR` (recorded as no account)."""
    return policy.may(account, Permission.MANAGE_TOPICS)


def _key(name: str) -> str:
    return topic_key(name.strip().strip("#").strip())


def _topic(conn: Connection, name: str, *, lock: bool = False) -> Row[Any] | None:
    """The topic's row; with ``lock``, held until the transaction ends (PostgreSQL: ``FOR
    UPDATE``; SQLite has one writer at a time anyway), so staff acting on one topic at once
    take turns."""
    key = _key(name)
    if not key:
        return None
    stmt = select(topics).where(topics.c.key == key)
    return conn.execute(stmt.with_for_update() if lock else stmt).first()


def _existing(conn: Connection, name: str, *, lock: bool = False) -> Row[Any]:
    topic = _topic(conn, name, lock=lock)
    if topic is None:
        raise NotFound("topic_not_found")
    return topic


def _read(conn: Connection, topic: Row[Any]) -> TopicCuration:
    hosts = conn.execute(
        select(accounts).join(topic_hosts, topic_hosts.c.account_id == accounts.c.id)
        .where(topic_hosts.c.topic_id == topic.id, accounts.c.suspended.is_(False))
        .order_by(topic_hosts.c.created_at, accounts.c.id)).all()
    description = conn.execute(select(topic_descriptions.c.description)
                               .where(topic_descriptions.c.topic_id == topic.id)).scalar()
    return TopicCuration(int(topic.id), topic.name, description or None, tuple(hosts))


def publicly_used(topic_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL: the topic is on a listed post (see :func:`relist_posts_of`). A topic used only in
    unlisted, followers-only or direct posts, or by suspended accounts, is not shown to the
    public anywhere: its name, counters and page would give those posts away."""
    return exists().where(status_topics.c.topic_id == topic_id, status_topics.c.public.is_(True))


# A post is listed under its topics (``status_topics.public``) when it is public, of an account
# that is not suspended, and, for a repost, of a public original (plaza.square.visibility).
_RELIST = fast.Sql(
    'UPDATE status_topics SET "public" = EXISTS (SELECT 1 FROM statuses s JOIN accounts a '
    "ON a.id = s.account_id WHERE s.id = status_topics.status_id AND s.visibility = 'public' "
    "AND NOT a.suspended AND (s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses o "
    "WHERE o.id = s.reblog_of_id AND o.visibility = 'public'))) "
    "WHERE status_id IN (SELECT id FROM statuses WHERE account_id = ?)")


def relist_posts_of(conn: Connection, account_id: int) -> None:
    """Mark again which of the account's posts are listed under their topics, in the caller's
    write: none while it is suspended, its public ones once the suspension is lifted."""
    fast.execute(conn, _RELIST, account_id)


def visible(db: Database, name: str, viewer: Any | None) -> bool:
    """Whether ``viewer`` may learn that the topic exists: it is :func:`publicly_used`, or the
    viewer is staff and some post has named it."""
    key = _key(name)
    if not key:
        return False
    stmt = select(topics.c.id).where(topics.c.key == key)
    if not may_review(viewer):
        stmt = stmt.where(publicly_used(topics.c.id))
    with db.read() as conn:
        return conn.execute(stmt).first() is not None


def curation(db: Database, name: str) -> TopicCuration | None:
    """The topic's description and hosts, or None when no post has named the topic yet."""
    with db.read() as conn:
        topic = _topic(conn, name)
        return _read(conn, topic) if topic is not None else None


def may_describe(account: Any | None, topic: TopicCuration | None) -> bool:
    """Whether ``account`` may write the topic's description: staff, or one of its hosts."""
    if account is None or topic is None:
        return False
    return is_manager(account) or topic.is_host(int(account.id))


def _require_manager(by: Any) -> None:
    if not is_manager(by):
        raise Forbidden("topic_hosts_staff_only")


def appoint_host(db: Database, name: str, account_id: int, *, by: Any) -> TopicCuration:
    """Appoint an account as a host (主持人) of the topic; ``by`` must be staff. Appointing a
    host again changes nothing. An unknown, suspended or unapproved account, or a sixth host,
    is refused (422)."""
    _require_manager(by)
    with db.write() as conn:
        topic = _existing(conn, name, lock=True)  # two appointments at once count each other
        host = conn.execute(select(accounts.c.id, accounts.c.suspended, accounts.c.approved)
                            .where(accounts.c.id == account_id)).first()
        if host is None or host.suspended or not host.approved:
            raise Invalid("topic_host_unknown")
        already = conn.execute(select(topic_hosts.c.account_id).where(
            topic_hosts.c.topic_id == topic.id, topic_hosts.c.account_id == account_id)).first()
        if already is None:
            count = conn.execute(select(func.count()).select_from(topic_hosts)
                                 .where(topic_hosts.c.topic_id == topic.id)).scalar_one()
            if count >= MAX_HOSTS:
                raise Invalid("topic_hosts_full", limit=MAX_HOSTS)
            # Two staff appointing the same host at once: one row, no error for either.
            conn.execute(upsert.insert(conn, topic_hosts).values(
                topic_id=topic.id, account_id=account_id, appointed_by=by.id, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=[topic_hosts.c.topic_id, topic_hosts.c.account_id]))
        return _read(conn, topic)


def remove_host(db: Database, name: str, account_id: int, *, by: Any) -> TopicCuration:
    """Remove a host from the topic; ``by`` must be staff. 404 when the account is not a host."""
    _require_manager(by)
    with db.write() as conn:
        topic = _existing(conn, name)
        removed = conn.execute(delete(topic_hosts).where(
            topic_hosts.c.topic_id == topic.id, topic_hosts.c.account_id == account_id)).rowcount
        if not removed:
            raise NotFound("topic_host_not_found")
        return _read(conn, topic)


def normalise_description(text: str) -> str:
    """A description as stored: plain text, line breaks kept (as ``\\n``), other control
    characters and bidirectional overrides (which could disguise the text) removed, surrounding
    whitespace stripped."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    kept = "".join(c for c in text if c == "\n" or (
        unicodedata.category(c) not in ("Cc", "Cs") and c not in _BIDI_CONTROLS))
    return kept.strip()


def set_description(db: Database, name: str, text: str, *, by: Any) -> TopicCuration:
    """Write the topic's description (导语); an empty text removes it. Hosts and staff only;
    longer than :data:`MAX_DESCRIPTION_CHARS` is refused (422)."""
    description = normalise_description(text)
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise Invalid("topic_description_too_long", limit=MAX_DESCRIPTION_CHARS, length=len(description))
    with db.write() as conn:
        topic = _existing(conn, name)
        if not may_describe(by, _read(conn, topic)):
            raise Forbidden("topic_description_forbidden")
        now = utcnow()
        if not description:
            conn.execute(delete(topic_descriptions).where(topic_descriptions.c.topic_id == topic.id))
        else:  # written at once by two: the later write stands, neither fails
            written = {"description": description, "updated_by": by.id, "updated_at": now}
            conn.execute(upsert.insert(conn, topic_descriptions).values(topic_id=topic.id, **written)
                         .on_conflict_do_update(index_elements=[topic_descriptions.c.topic_id], set_=written))
        return _read(conn, topic)
