"""Accounts of the square: citizens, government accounts (政务号), media and organisations.

Usernames are ASCII (URLs, Mastodon ``acct``); display names may be Chinese and are unique, as on
Weibo, so ``@重庆发布`` in a post resolves to one account.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, case, delete, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from plaza import regions
from plaza.accounts import government as government_accounts
from plaza.accounts import policy
from plaza.accounts.government import GovernmentProfile
from plaza.accounts.kinds import (
    KINDS,
    ORGANISATION_TYPES,
)
from plaza.clock import utcnow
from plaza.errors import Conflict, Forbidden, Invalid, NotFound
from plaza.identity import tokens
from plaza.identity.passwords import hash_password, needs_rehash, verify_password
from plaza.square import topics
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import accounts, oauth_codes

ROLES = policy.ROLES

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
RESERVED = frozenset({"admin", "administrator", "root", "api", "oauth", "settings", "topics", "tags",
                      "search", "hot", "about", "static", "media", "web", "plaza", "system", "support",
                      "login", "logout", "signup", "sign_in", "sign_up", "notifications", "explore"})


def username_key(username: str) -> str:
    return username.lower()


def display_name_key(name: str) -> str:
    """Uniqueness key of a display name: NFKC, case-folded (Ａ and a collide, as people read them)."""
    return unicodedata.normalize("NFKC", name).casefold()


def validate_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise Invalid("username_invalid")
    if username_key(username) in RESERVED:
        raise Invalid("username_reserved")
    return username


def validate_display_name(name: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not 1 <= len(name) <= 30 or any(
        c in "@#" or (unicodedata.category(c)[0] in "CZ" and c != " ") for c in name
    ):
        raise Invalid("display_name_invalid")
    return name


#: Characters of a profile's bio (简介), as Mastodon's.
MAX_NOTE_CHARS = 500
#: Characters of an e-mail address (RFC 5321's path limit less the brackets).
MAX_EMAIL_CHARS = 254


def validate_note(note: str | None) -> str:
    note = note or ""
    if len(note) > MAX_NOTE_CHARS:
        raise Invalid("note_too_long", limit=MAX_NOTE_CHARS, length=len(note))
    return note


def validate_city(code: str | None) -> str:
    code = (code or "").strip()
    city = regions.city_code(code) if len(code) == 6 and code.isdigit() else None
    if city is None:
        raise Invalid("city_invalid", code=code)
    return city


def validate_password(password: str) -> str:
    if len(password or "") < 8:
        raise Invalid("password_too_short")
    if len(password) > 128:
        raise Invalid("password_too_long")
    return password


def create(
    db: Database,
    *,
    username: str,
    display_name: str | None = None,
    password: str | None,
    home_city: str,
    email: str | None = None,
    kind: str = "citizen",
    note: str = "",
    locale: str = "zh-CN",
    role: str = "user",
    approved: bool = True,
    government: GovernmentProfile | None = None,
    organisation_type: str | None = None,
    created_at: datetime | None = None,
    password_hash: str | None = None,
) -> Row[Any]:
    """Create an account after validating every field; government accounts are verified at once
    (only administrators create them)."""
    username = validate_username(username)
    display = validate_display_name(display_name or username)
    city = validate_city(home_city)
    note = validate_note(note)
    if kind not in KINDS:
        raise Invalid("kind_invalid", kind=kind)
    if email:
        email = email.strip().lower()
        if len(email) > MAX_EMAIL_CHARS or not EMAIL_RE.match(email):
            raise Invalid("email_invalid")
    if password_hash is None and password is not None:
        password_hash = hash_password(validate_password(password))
    if kind == "government":
        if government is None:
            raise Invalid("government_fields_required")
        government_accounts.check(government)
    if organisation_type is not None and organisation_type not in ORGANISATION_TYPES:
        raise Invalid("parameter_invalid", name="organisation_type")
    now = created_at or utcnow()
    values: dict[str, Any] = dict(
        id=new_id(int(now.timestamp() * 1000)) if created_at else new_id(),
        username=username, username_key=username_key(username), display_name=display,
        display_name_key=display_name_key(display), kind=kind, note=note or "", home_city=city,
        locale=locale, email=email or None, password_hash=password_hash, role=role,
        approved=approved, suspended=False, bot=False, organisation_type=organisation_type,
        followers_count=0, following_count=0, statuses_count=0, created_at=now, updated_at=now,
    )
    try:
        with db.write() as conn:
            _check_unique(conn, username, display, email)
            if government is not None and kind == "government":
                values.update(agency=government.agency.strip(), region_code=government.region_code,
                              level=government.level, department_type=government.department_type,
                              parent_id=government_accounts.resolve_parent(conn, government.parent_username),
                              verified_at=now)
            conn.execute(insert(accounts).values(**values))
            return conn.execute(select(accounts).where(accounts.c.id == values["id"])).one()
    except IntegrityError as exc:  # lost a race with another sign-up: answered as if it came second
        with db.read() as conn:
            _check_unique(conn, username, display, email)
        raise Conflict("username_taken") from exc


def _check_unique(conn: Connection, username: str, display: str, email: str | None,
                  exclude_id: int | None = None) -> None:
    """Usernames, display names and e-mails are unique; and since ``@name`` in a post may be
    either, no display name may read as another account's username, nor a username as another
    account's display name (width and case folded) — else ``@cq_fabu`` could reach an impostor."""
    # One statement, so one snapshot: read one by one, a sign-up committing between two reads
    # made a taken username read as a taken display name.
    name_hit = or_(accounts.c.username_key == username_key(username),
                   accounts.c.display_name_key == display_name_key(username)) if username else false()
    display_hit = or_(accounts.c.display_name_key == display_name_key(display),
                      accounts.c.username_key == display_name_key(display)) if display else false()
    email_hit = accounts.c.email == email if email else false()
    stmt = select(func.max(case((name_hit, 1), else_=0)), func.max(case((display_hit, 1), else_=0)),
                  func.max(case((email_hit, 1), else_=0))).where(or_(name_hit, display_hit, email_hit))
    if exclude_id is not None:
        stmt = stmt.where(accounts.c.id != exclude_id)
    name_taken, display_taken, email_taken = conn.execute(stmt).one()
    if name_taken:
        raise Invalid("username_taken")
    if display_taken:
        raise Invalid("display_name_taken")
    if email_taken:
        raise Invalid("email_taken")


_BY_ID = select(accounts).where(accounts.c.id == bindparam("id"))


def get(db: Database, account_id: int) -> Row[Any]:
    with db.read() as conn:
        row = conn.execute(_BY_ID, {"id": account_id}).first()
    if row is None:
        raise NotFound("account_not_found")
    return row


#: The columns of an account that change without ``updated_at`` changing: its counters. Every
#: other change (profile, role, suspension, verification, password) sets ``updated_at``.
ACCOUNT_VERSION = ("updated_at", "followers_count", "following_count", "statuses_count", "last_status_at")
_acting = fast.RowCache(accounts, 5_000, ACCOUNT_VERSION)


def get_acting(db: Database, account_id: int) -> Any:
    """The account behind a request's token, read on every API request: one indexed read on the
    driver, the row object reused while unchanged (so a suspension or role change counts at
    once, whichever process made it)."""
    with db.read() as conn:
        row = acting_row(conn, account_id)
    if row is None:
        raise NotFound("account_not_found")
    return row


def acting_row(conn: Connection, account_id: int | None) -> Any:
    """:func:`get_acting` inside the caller's read (None for no id or no such account)."""
    return None if account_id is None else _acting.get(conn, (account_id,)).get(account_id)


def resolve_acting(conn: Connection, versions: list[Any]) -> Any:
    """The acting account from its version read inside a statement of the caller's own
    (``(id, *ACCOUNT_VERSION)``, none when it does not exist), as :func:`get_acting` reads it."""
    found = _acting.resolve(conn, versions)
    return next(iter(found.values()), None)


def check_active(row: Row[Any] | None) -> Row[Any]:
    """The account as it may act now: gone is 404, suspended or awaiting approval 403."""
    if row is None:
        raise NotFound("account_not_found")
    if row.suspended:
        raise Forbidden("account_suspended")
    if not row.approved:
        raise Forbidden("account_pending")
    return row


def get_many(conn: Connection, ids: set[int] | list[int]) -> dict[int, Row[Any]]:
    if not ids:
        return {}
    rows = conn.execute(select(accounts).where(accounts.c.id.in_(list(ids)))).all()
    return {r.id: r for r in rows}


def find_by_username(db: Database, username: str) -> Row[Any] | None:
    with db.read() as conn:
        return conn.execute(select(accounts).where(
            accounts.c.username_key == username_key(username.lstrip("@").split("@", 1)[0]))).first()


def resolve_names(conn: Connection, names: list[str]) -> dict[str, Row[Any]]:
    """Resolve mention names to accounts; unknown names are absent. A name that is some
    account's username always means that account (``@cq_fabu`` is 重庆发布, whatever anyone calls
    themselves); otherwise it is a display name (``@重庆发布``). Width and case are ignored as
    people read them (``@ＣＱ_fabu`` is ``@cq_fabu``)."""
    if not names:
        return {}
    keys = {n: display_name_key(n) for n in names}
    wanted = list(set(keys.values()))
    rows = conn.execute(select(accounts).where(or_(
        accounts.c.username_key.in_(wanted), accounts.c.display_name_key.in_(wanted)))).all()
    by_user = {r.username_key: r for r in rows}
    by_display = {r.display_name_key: r for r in rows}
    found: dict[str, Row[Any]] = {}
    for name in names:
        row = by_user.get(keys[name]) or by_display.get(keys[name])
        if row is not None and not row.suspended:
            found[name] = row
    return found


def authenticate(db: Database, login: str, password: str) -> Row[Any] | None:
    """The account for a username or e-mail and password, or None (same time either way)."""
    login = (login or "").strip()
    row = None
    if "\x00" not in login:  # no account has one, and PostgreSQL refuses to look
        with db.read() as conn:
            row = conn.execute(select(accounts).where(or_(
                accounts.c.username_key == username_key(login),
                accounts.c.email == login.lower()))).first()
    if not verify_password(row.password_hash if row else None, password or ""):
        return None
    assert row is not None
    if needs_rehash(row.password_hash):
        with db.write() as conn:
            conn.execute(update(accounts).where(accounts.c.id == row.id)
                         .values(password_hash=hash_password(password)))
    return row


EDITABLE = ("display_name", "note", "home_city", "locale", "avatar", "header", "bot")


def update_profile(db: Database, account_id: int, **changes: Any) -> Row[Any]:
    """Edit one's own profile; only :data:`EDITABLE` fields, each validated."""
    values: dict[str, Any] = {}
    for field, value in changes.items():
        if value is None or field not in EDITABLE:
            continue
        if field == "display_name":
            values["display_name"] = validate_display_name(value)
            values["display_name_key"] = display_name_key(values["display_name"])
        elif field == "home_city":
            values["home_city"] = validate_city(value)
        elif field == "note":
            values["note"] = validate_note(value)
        elif field == "locale":
            from plaza.i18n import normalise

            values["locale"] = normalise(value)
        else:
            values[field] = value
    with db.write() as conn:
        if "display_name" in values:
            _check_unique(conn, "", values["display_name"], None, exclude_id=account_id)
        if values:
            values["updated_at"] = utcnow()
            conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))
        row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if row is None:
        raise NotFound("account_not_found")
    return row


def set_password(db: Database, account_id: int, password: str) -> None:
    """A new password signs the account out everywhere: every access token and web session
    issued under the old one is revoked."""
    with db.write() as conn:
        conn.execute(update(accounts).where(accounts.c.id == account_id)
                     .values(password_hash=hash_password(validate_password(password)), updated_at=utcnow()))
    tokens.revoke_all_for_account(db, account_id)


def set_flags(db: Database, account_id: int, **flags: Any) -> None:
    """Administrators: role, approval, suspension. Suspending (封禁) signs the account out
    everywhere in the same transaction: its access tokens and web sessions are revoked and its
    unused authorisation codes dropped, so nothing issued before works again when the suspension
    is lifted. Its posts vanish from every read path (``plaza.square.visibility``) until then."""
    allowed = {k: v for k, v in flags.items() if k in {"role", "approved", "suspended"} and v is not None}
    if "role" in allowed and allowed["role"] not in ROLES:
        raise Invalid("parameter_invalid", name="role")
    if allowed:
        with db.write() as conn:
            conn.execute(update(accounts).where(accounts.c.id == account_id).values(**allowed, updated_at=utcnow()))
            if "suspended" in allowed:
                topics.relist_posts_of(conn, account_id)  # off topic timelines and pages, or back
            if allowed.get("suspended"):
                tokens.revoke_all_in(conn, account_id)
                conn.execute(delete(oauth_codes).where(oauth_codes.c.account_id == account_id))
        if allowed.get("suspended"):
            tokens.forget_cached()


def list_accounts(db: Database, *, kind: str | None = None, pending: bool | None = None,
                  limit: int = 50, offset: int = 0) -> list[Row[Any]]:
    stmt = select(accounts).order_by(accounts.c.id.desc()).limit(limit).offset(offset)
    if kind:
        stmt = stmt.where(accounts.c.kind == kind)
    if pending is not None:
        stmt = stmt.where(accounts.c.approved.is_(not pending))
    with db.read() as conn:
        return list(conn.execute(stmt).all())


def count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(accounts)).scalar_one())
