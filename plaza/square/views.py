"""Posts made ready to show: a page of status ids loaded with their authors, reposted originals,
mentions, topics, images and the viewer's own likes and reposts, in a fixed number of queries."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Row, bindparam, select

from plaza.square import accounts as accounts_service
from plaza.square import text
from plaza.square.accounts import ACCOUNT_VERSION
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.schema import (
    accounts,
    media_attachments,
    mentions,
    status_topics,
    statuses,
    topics,
)


@dataclass(slots=True)
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


class _LRU:
    """A bounded in-process map for what never changes once a post is written: its rendered HTML,
    the accounts it mentions (by username, which is permanent), its topics and its images."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = size
        self.get = self._items.get  # looked up on every status of every page

    def put(self, key: Any, value: Any) -> None:
        self._items[key] = value
        if len(self._items) > self._size:
            self._items.popitem(last=False)

    def drop(self, key: Any) -> None:
        self._items.pop(key, None)


@dataclass(frozen=True, slots=True)
class _Parts:
    mentions: tuple[Row[Any], ...]
    topics: tuple[str, ...]
    media: tuple[Row[Any], ...]


#: How many statuses each per-process cache keeps. The statuses a busy instance shows within a
#: few minutes (timelines are mostly the newest posts) fit several times over; a cached status
#: costs ~3 KB across the caches, so this bounds them at ~15 MB per worker.
STATUS_CACHE = 5_000

_parts_cache = _LRU(STATUS_CACHE)


def remember_parts(status_id: int, mentioned: list[Row[Any]], topic_names: list[str]) -> None:
    """A post just written, without images: its mentioned accounts and topics are known."""
    _parts_cache.put(status_id, _Parts(tuple(mentioned), tuple(topic_names), ()))


def forget_media(status_id: int | None) -> None:
    """An image's description changed: load the post's images afresh next time."""
    if status_id is not None:
        _parts_cache.drop(status_id)


_html_cache = _LRU(STATUS_CACHE)


def render_status(row: Row[Any], mentioned: list[Row[Any]], base_url: str) -> str:
    """The post's HTML, with the names it mentions resolved to the accounts linked at posting."""
    if not row.text:
        return ""
    known: dict[str, Row[Any]] = {}
    for m in mentioned:
        known[m.display_name] = m
    for m in mentioned:  # a username means its account, whatever another's display name says
        known[m.username] = m
    for name in text.mentions(row.text):
        if name not in known:
            for m in mentioned:
                if name.lower() in (m.username_key, m.display_name_key):
                    known[name] = m
    return render(row.text, known, base_url)


# Built once: constructing SQLAlchemy statements per request costs more than running them.
_MENTIONS = (select(mentions.c.status_id, accounts).join(accounts, accounts.c.id == mentions.c.account_id)
             .where(mentions.c.status_id.in_(bindparam("ids", expanding=True))))
_TOPICS = (select(status_topics.c.status_id, topics.c.name)
           .join(topics, topics.c.id == status_topics.c.topic_id)
           .where(status_topics.c.status_id.in_(bindparam("ids", expanding=True))))
_MEDIA = (select(media_attachments).where(media_attachments.c.status_id.in_(bindparam("ids", expanding=True)))
          .order_by(media_attachments.c.id))


#: Recently shown statuses and accounts, reused while their raw rows are unchanged.
#: Only counters change on a post (no edits; a deletion removes the row); an account's profile
#: edits set updated_at.
_status_rows = fast.RowCache(statuses, STATUS_CACHE, ("replies_count", "reblogs_count", "favourites_count"))
_account_rows = fast.RowCache(accounts, STATUS_CACHE, ACCOUNT_VERSION)
#: How whole status and account rows are read and made (for a writer that reads them back with
#: ``RETURNING``).
STATUS_ROWS = _status_rows.rows
ACCOUNT_ROWS = _account_rows.rows
_RAW_VIEWER_MARKS = fast.Sql(
    "SELECT status_id, 0 FROM favourites WHERE account_id = ? AND status_id IN ({in}) "
    "UNION ALL SELECT reblog_of_id, 1 FROM statuses WHERE account_id = ? AND reblog_of_id IN ({in})")
# On PostgreSQL (a round trip per statement) the authors' versions and the viewer's marks come in
# one statement: kind 0 rows are account versions, 1 a like, 2 a repost of the status in column 2.
_PAD = ", NULL" * (len(ACCOUNT_VERSION))
# (The marks are probed per status, as in _PAGE_PG below.)
_AUTHORS_AND_MARKS_PG = fast.Sql(
    f"SELECT 0, {_account_rows.version_columns} FROM accounts WHERE id IN ({{in}}) "
    f"UNION ALL SELECT 1, x{_PAD} FROM unnest(CAST(? AS bigint[])) x WHERE "
    "(SELECT 1 FROM favourites f WHERE f.account_id = ? AND f.status_id = x) IS NOT NULL "
    f"UNION ALL SELECT 2, x{_PAD} FROM unnest(CAST(? AS bigint[])) x WHERE "
    "(SELECT 1 FROM statuses r WHERE r.reblog_of_id = x AND r.account_id = ? LIMIT 1) IS NOT NULL")


def load_with(conn: Connection, ids: list[int], viewer_id: int | None, base_url: str) -> list[StatusView]:
    rows = _status_rows.get(conn, ids)
    originals_needed = {r.reblog_of_id for r in rows.values() if r.reblog_of_id is not None} - rows.keys()
    if originals_needed:
        rows.update(_status_rows.get(conn, list(originals_needed)))
    all_ids = list(rows)
    authors = list({r.account_id for r in rows.values()})
    liked: set[int] = set()
    reposted: set[int] = set()
    if viewer_id is not None and conn.dialect.name == "postgresql" and authors:
        versions = []
        for kind, key, *rest in fast.fetch(conn, _AUTHORS_AND_MARKS_PG, authors, all_ids, viewer_id,
                                           all_ids, viewer_id):
            if kind == 0:
                versions.append((key, *rest))
            else:
                (liked if kind == 1 else reposted).add(key)
        people = _account_rows.resolve(conn, versions)
    else:
        people = _account_rows.get(conn, authors)
        if viewer_id is not None:
            for status_id, kind in fast.fetch(conn, _RAW_VIEWER_MARKS, viewer_id, all_ids, viewer_id,
                                              all_ids):
                (reposted if kind else liked).add(status_id)
    return _assemble(conn, ids, rows, people, liked, reposted, base_url)


def remember_written(conn: Connection, status: Row[Any], author: Row[Any]) -> None:
    """A post and its author's row as its create just wrote them (made with :data:`STATUS_ROWS`
    and :data:`ACCOUNT_ROWS`): kept for the followers' reads that come next."""
    _status_rows.put(conn, status)
    _account_rows.put(conn, author)


def published(status: Row[Any], author: Row[Any], mentioned: tuple[Row[Any], ...], topics: tuple[str, ...],
              media: tuple[Row[Any], ...], base_url: str) -> StatusView:
    """The view of a post just written, from what its create wrote (no read back)."""
    html = render_status(status, list(mentioned), base_url)
    _html_cache.put((status.id, base_url), html)
    return StatusView(status=status, account=author, html=html, mentions=mentioned, topics=topics,
                      media=media, favourited=False, reblogged=False)


@dataclass(frozen=True, slots=True)
class Shown:
    """A timeline page as read: its ids (newest first), their views and the viewer's own
    account row as it is now (None without a viewer, or when the account no longer exists)."""

    ids: list[int]
    views: list[StatusView]
    acting: Row[Any] | None = None


# On PostgreSQL, where every statement is a round trip and a plan, a timeline page newest first
# is one statement: the page's ids, the versions of its statuses (and of the originals its
# reposts point at), of their authors and of the viewer's own account, and the viewer's likes
# and reposts among them. Kinds: 0 a page id; 1 a status version (key, -, replies, reblogs,
# favourites); 2 an author's and 5 the viewer's account version (in ACCOUNT_VERSION's order);
# 3 a like and 4 a repost by the viewer (probed per shown post, a correlated subquery: a join
# would read all the viewer's likes or posts, thousands for an active account). Whole rows are
# read afterwards only for what changed.
_PAGE_PG = """WITH page(id) AS MATERIALIZED ({ids}),
st AS MATERIALIZED (SELECT id, account_id, reblog_of_id, replies_count, reblogs_count, favourites_count
    FROM statuses WHERE id IN (SELECT id FROM page)),
shown AS MATERIALIZED (SELECT id, account_id, replies_count, reblogs_count, favourites_count FROM st
    UNION SELECT id, account_id, replies_count, reblogs_count, favourites_count FROM statuses
    WHERE id IN (SELECT reblog_of_id FROM st))
SELECT 0, id, NULL::timestamptz, NULL::integer, NULL::integer, NULL::integer, NULL::timestamptz FROM page
UNION ALL SELECT 1, id, NULL, replies_count, reblogs_count, favourites_count, NULL FROM shown
UNION ALL SELECT 2, {accounts} FROM accounts WHERE id IN (SELECT account_id FROM shown)
UNION ALL SELECT 5, {accounts} FROM accounts WHERE id = ?
UNION ALL SELECT 3, id, NULL, NULL, NULL, NULL, NULL FROM shown
    WHERE (SELECT 1 FROM favourites f WHERE f.account_id = ? AND f.status_id = shown.id) IS NOT NULL
UNION ALL SELECT 4, id, NULL, NULL, NULL, NULL, NULL FROM shown
    WHERE (SELECT 1 FROM statuses r WHERE r.reblog_of_id = shown.id AND r.account_id = ? LIMIT 1) IS NOT NULL"""
_page_statements: dict[str, fast.Sql] = {}


def read_page(conn: Connection, ids_sql: str, params: tuple[Any, ...], viewer_id: int | None,
              base_url: str) -> Shown:
    """PostgreSQL only: a page newest first in one statement. ``ids_sql`` selects the page's ids
    (``?`` parameters ``params``), newest first, limited."""
    sql = _page_statements.get(ids_sql)
    if sql is None:
        sql = _page_statements[ids_sql] = fast.Sql(
            _PAGE_PG.format(ids=ids_sql, accounts=_account_rows.version_columns))
    ids: list[int] = []
    status_versions = []
    account_versions = []
    acting_version = []
    liked: set[int] = set()
    reposted: set[int] = set()
    for row in fast.fetch(conn, sql, *params, viewer_id, viewer_id, viewer_id):
        kind = row[0]
        if kind == 0:
            ids.append(row[1])
        elif kind == 1:
            status_versions.append((row[1], row[3], row[4], row[5]))
        elif kind == 2:
            account_versions.append(row[1:])
        elif kind == 3:
            liked.add(row[1])
        elif kind == 4:
            reposted.add(row[1])
        else:
            acting_version.append(row[1:])
    ids.sort(reverse=True)
    rows = _status_rows.resolve(conn, status_versions)
    people = _account_rows.resolve(conn, account_versions)
    acting = accounts_service.resolve_acting(conn, acting_version) if viewer_id is not None else None
    return Shown(ids, _assemble(conn, ids, rows, people, liked, reposted, base_url), acting)


def _assemble(conn: Connection, ids: list[int], rows: dict[int, Any], people: dict[int, Any],
              liked: set[int], reposted: set[int], base_url: str) -> list[StatusView]:
    """Views for ``ids`` from their rows, authors and the viewer's marks; what a post is made of
    (mentions, topics, images) from the cache or read for those not in it."""
    all_ids = list(rows)
    parts: dict[int, _Parts] = {}
    missing = []
    for status_id in all_ids:
        cached = _parts_cache.get(status_id)
        if cached is None:
            missing.append(status_id)
        else:
            parts[status_id] = cached
    if missing:
        mentioned: dict[int, list[Row[Any]]] = {}
        for m in conn.execute(_MENTIONS, {"ids": missing}):
            mentioned.setdefault(m.status_id, []).append(m)
        tagged: dict[int, list[str]] = {}
        for t in conn.execute(_TOPICS, {"ids": missing}):
            tagged.setdefault(t.status_id, []).append(t.name)
        media: dict[int, list[Row[Any]]] = {}
        for m in conn.execute(_MEDIA, {"ids": missing}):
            media.setdefault(m.status_id, []).append(m)
        for status_id in missing:
            parts[status_id] = _Parts(tuple(mentioned.get(status_id, ())), tuple(tagged.get(status_id, ())),
                                      tuple(media.get(status_id, ())))
            _parts_cache.put(status_id, parts[status_id])

    def view(status_id: int) -> StatusView | None:
        row = rows.get(status_id)
        if row is None or row.account_id not in people:
            return None
        reblog = view(row.reblog_of_id) if row.reblog_of_id is not None else None
        if row.reblog_of_id is not None and reblog is None:
            return None
        part = parts[row.id]
        html = _html_cache.get((row.id, base_url))
        if html is None:
            html = render_status(row, list(part.mentions), base_url)
            _html_cache.put((row.id, base_url), html)
        return StatusView(
            status=row, account=people[row.account_id], html=html, mentions=part.mentions,
            topics=part.topics, media=part.media, favourited=row.id in liked,
            reblogged=row.id in reposted, reblog=reblog)

    out = []
    for status_id in ids:
        v = view(status_id)
        if v is not None:
            out.append(v)
    return out
