"""Timelines: home, the public square, a city's feed (同城), a topic, an account.

Home is read from the materialised feed (:mod:`plaza.square.feeds`), written in each post's own
transaction, so a post is in every follower's home timeline the moment its create returns.

The official warnings in force for a city (:mod:`plaza.square.pins`) are pinned at the top of
its feed and of the home timeline of everyone whose home city it is, and left out further down.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from plaza.square import accounts, feeds, pins, views
from plaza.square.pagination import Keyset, Page
from plaza.square.text import topic_key
from plaza.square.visibility import LISTED, SUSPENDED_IDS, suspended_ids
from plaza.storage.db import Database
from plaza.storage.schema import media_attachments, mentions, status_topics, statuses, topics


def _ids(db: Database, stmt: Select[Any], page: Page) -> list[int]:
    with db.read() as conn:
        rows = conn.execute(page.apply(stmt, statuses.c.id)).all()
    return page.finish([r[0] for r in rows])


def home(db: Database, account_id: int, page: Page) -> list[int]:
    """Own posts and those of followed accounts (not their direct messages), newest first."""
    with db.read() as conn:
        return feeds.read(conn, account_id, page)


# A page shown: its ids and their views for a viewer, and the viewer's own account row read with
# them (the caller checks it may still read) — on PostgreSQL in one statement for a page newest
# first (plaza.square.views.read_page).

def _with_pins(db: Database, conn: Connection, shown: views.Shown, city_code: str | None, page: Page,
               viewer_id: int | None, base_url: str) -> views.Shown:
    """The page with the warnings pinned for ``city_code`` first (on the top page) and not again
    further down; ``ids`` stay the page's own, for its ``Link`` header."""
    pinned = pins.for_city(db, conn, city_code)
    if not pinned:
        return shown
    taken = set(pinned)
    rest = [v for v in shown.views if v.status.id not in taken]
    if not pins.first_page(page):
        return views.Shown(shown.ids, rest, shown.acting)
    return views.Shown(shown.ids, views.load_with(conn, pinned, viewer_id, base_url) + rest, shown.acting)


def pinned(db: Database, city_code: str | None) -> list[int]:
    """The posts pinned for ``city_code`` now (the warnings in force there, most severe first)."""
    with db.read() as conn:
        return pins.for_city(db, conn, city_code)


def home_shown(db: Database, account_id: int, page: Page, base_url: str) -> views.Shown:
    """:func:`home` with its posts loaded for the account itself, the warnings in force for its
    home city pinned first."""
    with db.read() as conn:
        if conn.dialect.name == "postgresql" and not page.ascending:
            shown = views.read_page(conn, feeds.HOME_PAGE_PG, feeds.home_page_params(account_id, page),
                                    account_id, base_url)
            older = feeds.below_feed(conn, account_id, page, shown.ids)
            if older:
                shown = views.Shown(shown.ids + older,
                                    shown.views + views.load_with(conn, older, account_id, base_url), shown.acting)
        else:
            ids = feeds.read(conn, account_id, page)
            shown = views.Shown(ids, views.load_with(conn, ids, account_id, base_url),
                                accounts.acting_row(conn, account_id))
        city = shown.acting.home_city if shown.acting is not None else None
        return _with_pins(db, conn, shown, city, page, account_id, base_url)


def _keyset_shown(db: Database, keyset: Keyset, page: Page, params: tuple[object, ...],
                  viewer_id: int | None, base_url: str, *, pinned_for: str | None = None) -> views.Shown:
    with db.read() as conn:
        if conn.dialect.name == "postgresql" and not page.ascending:
            shown = views.read_page(conn, keyset.desc.source, (*params, page.upper, page.lower, page.limit),
                                    viewer_id, base_url)
        else:
            ids = page.finish(keyset.fetch(conn, page, *params))
            shown = views.Shown(ids, views.load_with(conn, ids, viewer_id, base_url),
                                accounts.acting_row(conn, viewer_id))
        if pinned_for is None:
            return shown
        return _with_pins(db, conn, shown, pinned_for, page, viewer_id, base_url)


# The listed timelines show public posts of accounts that are not suspended (a suspended
# account's posts vanish, and come back when it is lifted). A topic's posts are those its
# ``status_topics`` rows mark as listed: public posts, and public reposts of public posts, of
# accounts not suspended (plaza.square.topics.relist_posts_of keeps that true on suspension).
_LISTED = f"visibility = '{LISTED}' AND reblog_of_id IS NULL AND account_id NOT IN ({SUSPENDED_IDS})"
_PUBLIC = Keyset(f"SELECT id FROM statuses WHERE {_LISTED} AND id < ? AND id > ? ORDER BY id {{order}} LIMIT ?")
_CITY = Keyset(f"SELECT id FROM statuses WHERE city = ? AND {_LISTED} "
               "AND id < ? AND id > ? ORDER BY id {order} LIMIT ?")
_TOPIC = Keyset('SELECT status_id FROM status_topics WHERE topic_id = (SELECT id FROM topics WHERE key = ?) '
                'AND "public" AND status_id < ? AND status_id > ? ORDER BY status_id {order} LIMIT ?')


def public(db: Database, page: Page, *, only_media: bool = False) -> list[int]:
    """The square: public original posts and replies, no reposts (Mastodon's public timeline)."""
    if not only_media:
        return _PUBLIC.ids(db, page)
    stmt = select(statuses.c.id).where(statuses.c.visibility == LISTED, statuses.c.reblog_of_id.is_(None),
                                       statuses.c.account_id.not_in(suspended_ids()),
                                       statuses.c.id.in_(select(media_attachments.c.status_id)))
    return _ids(db, stmt, page)


def public_shown(db: Database, page: Page, viewer_id: int | None, base_url: str) -> views.Shown:
    """:func:`public` (without ``only_media``) with its posts loaded for ``viewer_id``."""
    return _keyset_shown(db, _PUBLIC, page, (), viewer_id, base_url)


def city_shown(db: Database, city_code: str, page: Page, viewer_id: int | None, base_url: str) -> views.Shown:
    """:func:`city` with its posts loaded for ``viewer_id``, the warnings in force there pinned
    first."""
    return _keyset_shown(db, _CITY, page, (city_code,), viewer_id, base_url, pinned_for=city_code)


def topic_shown(db: Database, name: str, page: Page, viewer_id: int | None, base_url: str) -> views.Shown:
    """:func:`topic` with its posts loaded for ``viewer_id``."""
    return _keyset_shown(db, _TOPIC, page, (topic_key(name),), viewer_id, base_url)


def city(db: Database, city_code: str, page: Page) -> list[int]:
    """A city's feed (同城): public posts made in the city (a post's city is where it was made,
    else its author's home city)."""
    return _CITY.ids(db, page, city_code)


def topic(db: Database, name: str, page: Page) -> list[int]:
    """Public posts carrying a topic, and public reposts of public ones, newest first."""
    return _TOPIC.ids(db, page, topic_key(name))


def topic_count(db: Database, name: str) -> int:
    """How many posts and reposts :func:`topic` lists (its discussions, 讨论量)."""
    topic_id = select(topics.c.id).where(topics.c.key == topic_key(name)).scalar_subquery()
    stmt = select(func.count()).select_from(status_topics).where(
        status_topics.c.topic_id == topic_id, status_topics.c.public.is_(True))
    with db.read() as conn:
        return int(conn.execute(stmt).scalar_one())


def account(db: Database, account_id: int, viewer_id: int | None, page: Page, *,
            exclude_replies: bool = False, exclude_reblogs: bool = False, only_media: bool = False,
            viewer_follows: bool = False) -> list[int]:
    """An account's posts as a viewer may see them (plaza.square.visibility): public and
    unlisted, followers-only ones to followers, and those that mention the viewer."""
    allowed = ["public", "unlisted"]
    if viewer_id == account_id:
        allowed += ["private", "direct"]
    elif viewer_follows:
        allowed.append("private")
    shown: ColumnElement[bool] = statuses.c.visibility.in_(allowed)
    if viewer_id is not None and viewer_id != account_id:
        mentioning = select(mentions.c.status_id).where(mentions.c.account_id == viewer_id)
        shown = or_(shown, and_(statuses.c.visibility.in_(("private", "direct")), statuses.c.id.in_(mentioning)))
    stmt = select(statuses.c.id).where(statuses.c.account_id == account_id, shown)
    if exclude_replies:
        stmt = stmt.where(or_(statuses.c.in_reply_to_id.is_(None),
                              statuses.c.in_reply_to_account_id == account_id))
    if exclude_reblogs:
        stmt = stmt.where(statuses.c.reblog_of_id.is_(None))
    if only_media:
        stmt = stmt.where(statuses.c.id.in_(select(media_attachments.c.status_id)))
    return _ids(db, stmt, page)


def direct_mentions(db: Database, account_id: int, page: Page) -> list[int]:
    """Direct messages to and from an account (conversations)."""
    to_me = select(mentions.c.status_id).where(mentions.c.account_id == account_id)
    stmt = select(statuses.c.id).where(statuses.c.visibility == "direct",
                                       or_(statuses.c.account_id == account_id, statuses.c.id.in_(to_me)),
                                       statuses.c.account_id.not_in(suspended_ids()))
    return _ids(db, stmt, page)
