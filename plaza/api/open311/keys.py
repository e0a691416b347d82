"""Open311 API keys: an administrator registers a civic app (``plaza open311 key create NAME``)
and hands it the key, which is shown once; Plaza keeps only its SHA-256, so a copy of the
database files no request. A revoked key files nothing more; the cases it filed stay."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from plaza.clock import as_utc, utcnow
from plaza.errors import Conflict, Forbidden, Invalid, NotFound
from plaza.storage.ids import new_id
from plaza.storage.schema import open311_keys

MAX_NAME_CHARS = 100
#: Longer than any key Plaza issues; a longer one is refused before it is hashed.
MAX_KEY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Key:
    """A registered app (its key is not kept)."""

    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _key(row: Row[Any]) -> Key:
    revoked = row.revoked_at
    return Key(int(row.id), str(row.name), as_utc(row.created_at), as_utc(revoked) if revoked is not None else None)


def create(conn: Connection, name: str) -> tuple[Key, str]:
    """Register an app by ``name`` (unique among the keys in use); returns it and its key, which
    is never shown again."""
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise Invalid("open311_key_name_invalid", limit=MAX_NAME_CHARS)
    if conn.execute(select(open311_keys.c.id).where(open311_keys.c.name == name,
                                                    open311_keys.c.revoked_at.is_(None))).first():
        raise Conflict("open311_key_name_taken", name=name)
    key = secrets.token_urlsafe(32)
    key_id = new_id()
    conn.execute(open311_keys.insert().values(id=key_id, name=name, key_hash=digest(key), created_at=utcnow()))
    return get(conn, str(key_id)), key


def all_keys(conn: Connection) -> list[Key]:
    return [_key(r) for r in conn.execute(select(open311_keys).order_by(open311_keys.c.created_at,
                                                                          open311_keys.c.id))]


def get(conn: Connection, name_or_id: str) -> Key:
    """A key by its id, else by the name of the one in use under it (404 when none)."""
    value = (name_or_id or "").strip()
    row = None
    if value.isascii() and value.isdigit() and len(value) <= 19:
        row = conn.execute(select(open311_keys).where(open311_keys.c.id == int(value))).first()
    if row is None:
        row = conn.execute(select(open311_keys).where(open311_keys.c.name == value)
                           .order_by(open311_keys.c.revoked_at.is_not(None), open311_keys.c.created_at.desc())).first()
    if row is None:
        raise NotFound("open311_key_not_found", name=value[:MAX_NAME_CHARS])
    return _key(row)


def revoke(conn: Connection, name_or_id: str) -> Key:
    """Stop a key from filing anything more (revoking twice changes nothing)."""
    key = get(conn, name_or_id)
    if key.revoked_at is None:
        conn.execute(update(open311_keys).where(open311_keys.c.id == key.id).values(revoked_at=utcnow()))
    return get(conn, str(key.id))


def check(conn: Connection, key: str | None) -> Key:
    """The app a request's ``api_key`` belongs to; 403 when it is missing, unknown or revoked."""
    if not key:
        raise Forbidden("open311_api_key_missing")
    if len(key) > MAX_KEY_CHARS:
        raise Forbidden("open311_api_key_invalid")
    row = conn.execute(select(open311_keys).where(open311_keys.c.key_hash == digest(key))).first()
    if row is None:
        raise Forbidden("open311_api_key_invalid")
    if row.revoked_at is not None:
        raise Forbidden("open311_api_key_revoked")
    return _key(row)
