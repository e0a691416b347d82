"""Web sessions (登录会话): the opaque secret a browser's cookie carries, stored only hashed.

A session secret signs a browser in to the web pages and nothing else: it is not an access token,
so the Mastodon API refuses it as a bearer token. Each session keeps what "where you're signed
in" shows: when it started, when it was last used (written at most every few minutes, not per
request) and the browser's user agent. A session ends on sign-out, password change or suspension
(:func:`plaza.identity.tokens.revoke_all_for_account`), and after :data:`IDLE_LIMIT` unused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from plaza.clock import as_utc, utcnow
from plaza.identity.tokens import TokenCache, digest, new_secret
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import web_sessions

#: ``last_used_at`` is written when it is older than this, so a busy reader costs one write per
#: interval rather than one per page.
TOUCH_INTERVAL = timedelta(minutes=5)
#: A session unused this long has ended (the cookie lives as long after its last use).
IDLE_LIMIT = timedelta(days=30)
#: Longest user agent kept (the column's size); longer ones are cut.
USER_AGENT_CHARS = 255


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live web session as the web layer sees it (never the secret itself)."""

    id: int
    account_id: int
    user_agent: str
    created_at: datetime
    last_used_at: datetime

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_used_at >= TOUCH_INTERVAL


_cache: TokenCache[WebSession] = TokenCache()


def clean_user_agent(value: str | None) -> str:
    """A user agent fit to store: printable text (PostgreSQL refuses NUL), at most 255 chars."""
    text = "".join(ch for ch in (value or "") if ch.isprintable())
    return text.strip()[:USER_AGENT_CHARS]


def start(db: Database, account_id: int, user_agent: str | None = None,
          now: datetime | None = None) -> tuple[str, WebSession]:
    """Start a session for ``account_id``; the secret is returned once and stored hashed."""
    now = now or utcnow()
    secret = new_secret()
    session = WebSession(new_id(), account_id, clean_user_agent(user_agent), now, now)
    with db.write() as conn:
        conn.execute(insert(web_sessions).values(
            id=session.id, secret_hash=digest(secret), account_id=account_id,
            user_agent=session.user_agent, created_at=now, last_used_at=now))
    return secret, session


def authenticate(db: Database, secret: str, now: datetime | None = None) -> WebSession | None:
    """The live session a cookie's secret stands for, or None (unknown, ended or idle too long)."""
    now = now or utcnow()
    key = digest(secret)
    clock = time.monotonic()
    session = _cache.get(key, clock)
    if session is None:
        with db.read() as conn:
            row = conn.execute(
                select(web_sessions.c.id, web_sessions.c.account_id, web_sessions.c.user_agent,
                       web_sessions.c.created_at, web_sessions.c.last_used_at)
                .where(web_sessions.c.secret_hash == key, web_sessions.c.ended_at.is_(None))
            ).first()
        if row is None:
            return None
        session = _session(row)
        _cache.put(key, session, clock)
    if now - session.last_used_at > IDLE_LIMIT:
        return None
    return session


def mark_used(secret: str, session: WebSession, now: datetime) -> WebSession:
    """Note in this process's cache that ``session`` was used at ``now`` (so the requests that
    follow do not write it again); :func:`touch` then writes it."""
    used = replace(session, last_used_at=now)
    _cache.put(digest(secret), used, time.monotonic())
    return used


def touch(db: Database, session_id: int, now: datetime) -> None:
    """Record that a session was used at ``now`` (never moves ``last_used_at`` back)."""
    with db.write() as conn:
        conn.execute(update(web_sessions)
                     .where(web_sessions.c.id == session_id, web_sessions.c.last_used_at < now)
                     .values(last_used_at=now))


def end(db: Database, secret: str, now: datetime | None = None) -> bool:
    """End the session of ``secret`` (sign-out). True if a live one was ended."""
    key = digest(secret)
    _cache.drop(key)
    with db.write() as conn:
        return conn.execute(
            update(web_sessions)
            .where(web_sessions.c.secret_hash == key, web_sessions.c.ended_at.is_(None))
            .values(ended_at=now or utcnow())).rowcount > 0


def for_account(db: Database, account_id: int, now: datetime | None = None) -> list[WebSession]:
    """Where an account is signed in: its live sessions, the most recently used first."""
    now = now or utcnow()
    with db.read() as conn:
        rows = conn.execute(
            select(web_sessions.c.id, web_sessions.c.account_id, web_sessions.c.user_agent,
                   web_sessions.c.created_at, web_sessions.c.last_used_at)
            .where(web_sessions.c.account_id == account_id, web_sessions.c.ended_at.is_(None),
                   web_sessions.c.last_used_at > now - IDLE_LIMIT)
            .order_by(web_sessions.c.last_used_at.desc(), web_sessions.c.id.desc())).all()
    return [_session(row) for row in rows]


def forget_cached() -> None:
    """Drop this process's cached sessions (after many were ended at once)."""
    _cache.clear()


def _session(row: Any) -> WebSession:
    return WebSession(int(row.id), int(row.account_id), row.user_agent, as_utc(row.created_at),
                      as_utc(row.last_used_at))
