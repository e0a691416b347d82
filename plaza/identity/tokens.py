"""Opaque secrets (access tokens, OAuth codes, client secrets) stored only as SHA-256 hashes.

A secret has 256 bits of entropy, so a fast hash is enough: no dictionary attack applies.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from plaza.clock import utcnow
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import access_tokens

SCOPES = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(value: str | None, default: str = "read") -> frozenset[str]:
    return frozenset((value or default).replace("+", " ").replace(",", " ").split())


def scope_allows(granted: frozenset[str], needed: str) -> bool:
    """Mastodon's scope rule: ``read`` covers ``read:statuses``; ``follow`` is covered by
    ``read``+``write`` for the follow endpoints, handled by the caller passing alternatives."""
    if needed in granted:
        return True
    top = needed.split(":", 1)[0]
    return top != needed and top in granted


@dataclass(frozen=True, slots=True)
class Token:
    """An access token as the API sees it (never the secret itself)."""

    id: int
    account_id: int | None
    app_id: int | None
    scopes: frozenset[str]


class TokenCache:
    """A small LRU of token hash → Token, so each API request skips one database read.

    Revocation clears the entry in this process; other processes notice within ``ttl`` seconds.
    """

    def __init__(self, size: int = 4096, ttl: float = 30.0) -> None:
        self._items: OrderedDict[str, tuple[float, Token]] = OrderedDict()
        self._size = size
        self._ttl = ttl
        self._lock = Lock()

    def get(self, key: str, now: float) -> Token | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or now - item[0] > self._ttl:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, token: Token, now: float) -> None:
        with self._lock:
            self._items[key] = (now, token)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = TokenCache()


def issue(db: Database, account_id: int | None, app_id: int | None, scopes: frozenset[str],
          now: datetime | None = None) -> tuple[str, Token]:
    """Create an access token; the secret is returned once and stored hashed."""
    with db.write() as conn:
        return issue_in(conn, account_id, app_id, scopes, now)


def issue_in(conn: Connection, account_id: int | None, app_id: int | None, scopes: frozenset[str],
             now: datetime | None = None) -> tuple[str, Token]:
    """:func:`issue` inside the caller's write transaction."""
    secret = new_secret()
    token = Token(new_id(), account_id, app_id, scopes)
    conn.execute(insert(access_tokens).values(
        id=token.id, token_hash=digest(secret), app_id=app_id, account_id=account_id,
        scopes=" ".join(sorted(scopes)), created_at=now or utcnow()))
    return secret, token


def authenticate(db: Database, secret: str) -> Token | None:
    """The live token for a bearer secret, or None."""
    import time

    key = digest(secret)
    now = time.monotonic()
    cached = _cache.get(key, now)
    if cached is not None:
        return cached
    with db.read() as conn:
        row = conn.execute(
            select(access_tokens.c.id, access_tokens.c.account_id, access_tokens.c.app_id,
                   access_tokens.c.scopes)
            .where(access_tokens.c.token_hash == key, access_tokens.c.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    token = Token(row.id, row.account_id, row.app_id, frozenset(row.scopes.split()))
    _cache.put(key, token, now)
    return token


def revoke(db: Database, secret: str, app_id: int | None = None) -> bool:
    """Revoke a token (only the issuing app's, when ``app_id`` is given). True if one was revoked."""
    key = digest(secret)
    _cache.drop(key)
    stmt = update(access_tokens).where(access_tokens.c.token_hash == key,
                                       access_tokens.c.revoked_at.is_(None))
    if app_id is not None:
        stmt = stmt.where(access_tokens.c.app_id == app_id)
    with db.write() as conn:
        return conn.execute(stmt.values(revoked_at=utcnow())).rowcount > 0


def revoke_ids(db: Database, ids: list[int]) -> None:
    """Revoke tokens by id (those an authorization code gave, when the code is replayed)."""
    with db.write() as conn:
        conn.execute(update(access_tokens)
                     .where(access_tokens.c.id.in_(ids), access_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow()))
    _cache.clear()  # keyed by hash, not id; revocations are rare


def revoke_all_for_account(db: Database, account_id: int) -> None:
    """Sign an account out everywhere (password change, suspension)."""
    with db.write() as conn:
        conn.execute(update(access_tokens)
                     .where(access_tokens.c.account_id == account_id,
                            access_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow()))
    _cache.clear()
