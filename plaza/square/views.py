"""Posts made ready to show: a page of status ids loaded with their authors, reposted originals,
mentions, topics, images and the viewer's own likes and reposts, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Row, select

from plaza.square import text
from plaza.storage.db import Database
from plaza.storage.schema import (
    accounts,
    favourites,
    media_attachments,
    mentions,
    status_topics,
    statuses,
    topics,
)


@dataclass(frozen=True, slots=True)
class StatusView:
    status: Row[Any]
    account: Row[Any]
    html: str
    mentions: tuple[Row[Any], ...]
    topics: tuple[str, ...]
    media: tuple[Row[Any], ...]
    favourited: bool
    reblogged: bool
    reblog: StatusView | None = None


def topic_path(name: str) -> str:
    return "/topics/" + quote(name, safe="")


def account_path(username: str) -> str:
    return "/@" + username


def render(body: str, known: dict[str, Row[Any]], base_url: str) -> str:
    """Safe HTML for a post: mentions that resolved link to profiles, topics to topic pages."""
    def mention_url(name: str) -> str | None:
        row = known.get(name)
        return base_url + account_path(row.username) if row is not None else None

    return text.render_html(body, mention_url=mention_url,
                            topic_url=lambda name: base_url + topic_path(name))


def load(db: Database, ids: list[int], viewer_id: int | None, base_url: str = "") -> list[StatusView]:
    """Views for ``ids`` in the same order; ids that no longer exist are skipped."""
    if not ids:
        return []
    with db.read() as conn:
        return load_with(conn, ids, viewer_id, base_url)


def load_with(conn: Connection, ids: list[int], viewer_id: int | None, base_url: str) -> list[StatusView]:
    rows = {r.id: r for r in conn.execute(select(statuses).where(statuses.c.id.in_(ids)))}
    originals_needed = {r.reblog_of_id for r in rows.values() if r.reblog_of_id is not None} - rows.keys()
    if originals_needed:
        rows.update({r.id: r for r in conn.execute(select(statuses).where(statuses.c.id.in_(originals_needed)))})
    all_ids = list(rows)
    author_ids = {r.account_id for r in rows.values()}
    mention_rows = conn.execute(
        select(mentions.c.status_id, accounts).join(accounts, accounts.c.id == mentions.c.account_id)
        .where(mentions.c.status_id.in_(all_ids))).all()
    people = {r.id: r for r in conn.execute(select(accounts).where(accounts.c.id.in_(author_ids)))}
    mentioned: dict[int, list[Row[Any]]] = {}
    for m in mention_rows:
        mentioned.setdefault(m.status_id, []).append(m)
    topic_rows = conn.execute(
        select(status_topics.c.status_id, topics.c.name).join(topics, topics.c.id == status_topics.c.topic_id)
        .where(status_topics.c.status_id.in_(all_ids))).all()
    tagged: dict[int, list[str]] = {}
    for t in topic_rows:
        tagged.setdefault(t.status_id, []).append(t.name)
    media: dict[int, list[Row[Any]]] = {}
    for m in conn.execute(select(media_attachments).where(media_attachments.c.status_id.in_(all_ids))
                          .order_by(media_attachments.c.id)):
        media.setdefault(m.status_id, []).append(m)
    liked: set[int] = set()
    reposted: set[int] = set()
    if viewer_id is not None:
        liked = {r.status_id for r in conn.execute(select(favourites.c.status_id).where(
            favourites.c.account_id == viewer_id, favourites.c.status_id.in_(all_ids)))}
        reposted = {r.reblog_of_id for r in conn.execute(select(statuses.c.reblog_of_id).where(
            statuses.c.account_id == viewer_id, statuses.c.reblog_of_id.in_(all_ids)))}

    def view(status_id: int) -> StatusView | None:
        row = rows.get(status_id)
        if row is None or row.account_id not in people:
            return None
        reblog = view(row.reblog_of_id) if row.reblog_of_id is not None else None
        if row.reblog_of_id is not None and reblog is None:
            return None
        ms = mentioned.get(row.id, [])
        known: dict[str, Row[Any]] = {}
        for m in ms:
            known[m.username] = m
            known[m.display_name] = m
        for name in text.mentions(row.text):
            if name not in known:
                for m in ms:
                    if name.lower() in (m.username_key, m.display_name_key):
                        known[name] = m
        return StatusView(
            status=row, account=people[row.account_id], html=render(row.text, known, base_url) if row.text else "",
            mentions=tuple(ms), topics=tuple(tagged.get(row.id, ())), media=tuple(media.get(row.id, ())),
            favourited=row.id in liked, reblogged=row.id in reposted, reblog=reblog)

    out = []
    for status_id in ids:
        v = view(status_id)
        if v is not None:
            out.append(v)
    return out
