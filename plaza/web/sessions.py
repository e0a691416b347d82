"""Who is signed in, and the per-session CSRF token every form carries.

The session is Starlette's signed (not encrypted) cookie (``plaza_session``); it holds an opaque
session secret and the CSRF token. The secret is a web session's (:mod:`plaza.identity.sessions`,
stored hashed), not an access token: it signs a browser in to the pages and is refused by the
API. Signing out ends it, so a copy of the cookie taken earlier stops working (at once in this
process, within the session cache's 30 s in the others), and a password change or suspension ends
every session. Signing in starts a fresh session (new secret, new CSRF token), so a token planted
before sign-in is worthless afterwards.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Row
from starlette.datastructures import FormData
from starlette.requests import Request

from plaza.clock import utcnow
from plaza.errors import Forbidden, NotFound
from plaza.http.limits import check_text
from plaza.identity import sessions
from plaza.identity.sessions import WebSession
from plaza.square import accounts
from plaza.storage.db import Database

CSRF_FIELD = "csrf_token"
_MISSING = object()
log = logging.getLogger(__name__)
#: "last used" writes under way (held so the event loop does not drop them half-done)
_touches: set[asyncio.Task[None]] = set()


def current_account(request: Request) -> Row[Any] | None:
    """The signed-in account (cached on ``request.state``), or None. A suspended or deleted
    account counts as signed out, and its session ends."""
    cached = getattr(request.state, "account", _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    account = None
    secret = request.session.get("secret")
    if isinstance(secret, str) and secret:
        db = request.app.state.plaza.db
        session = sessions.authenticate(db, secret)
        if session is not None:
            try:
                account = accounts.get_acting(db, session.account_id)
            except NotFound:
                account = None
            if account is not None and (account.suspended or not account.approved):
                sessions.end(db, secret)  # it must not come back when the account does
                account = None
            if account is not None:
                _note_use(db, secret, session)
    if account is None and request.session:
        request.session.pop("secret", None)
        request.session.pop("account_id", None)  # sessions from before revocable ones
    request.state.account = account
    return account


def _note_use(db: Database, secret: str, session: WebSession) -> None:
    """Keep the session's "last used" time within a few minutes of the truth, off the request's
    path: the write joins the writer thread's next group commit."""
    now = utcnow()
    if not session.needs_touch(now):
        return
    sessions.mark_used(secret, session, now)

    def job() -> None:
        sessions.touch(db, session.id, now)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # called from a worker thread: write here
        job()
        return
    task = loop.create_task(db.batched(job))
    _touches.add(task)
    task.add_done_callback(_touched)


def _touched(task: asyncio.Task[None]) -> None:
    _touches.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("could not record a web session's last use", exc_info=task.exception())


async def sign_in(request: Request, account: Row[Any]) -> None:
    """Start a new session for ``account`` (the old one, and its CSRF token, are dropped); the
    session is written in the group commit, off the event loop."""
    await _end(request)
    request.session.clear()
    db = request.app.state.plaza.db
    agent = request.headers.get("user-agent")
    secret, _session = await db.batched(lambda: sessions.start(db, int(account.id), agent))
    request.session["secret"] = secret
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.account = account


async def sign_out(request: Request) -> None:
    """End the session: no copy of the cookie signs anyone in again."""
    await _end(request)
    request.session.clear()
    request.state.account = None


async def _end(request: Request) -> None:
    secret = request.session.get("secret")
    if isinstance(secret, str) and secret:
        db = request.app.state.plaza.db
        await db.batched(lambda: sessions.end(db, secret))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def checked_form(request: Request, *, max_upload: bool = False) -> FormData:
    """The submitted form, once its CSRF token matches the session's; else 403 ``csrf_failed``."""
    form = await request.form(max_files=1 if max_upload else 0, max_fields=50)
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not expected or not hmac.compare_digest(
        sent.encode(), expected.encode()
    ):
        raise Forbidden("csrf_failed")
    for key, value in form.multi_items():  # every text field a page takes, checked here once
        check_text(key, key)
        if isinstance(value, str):
            check_text(value, key)
    return form


def safe_next(target: str | None, default: str = "/home") -> str:
    """A post-sign-in destination on this site only (no ``//host`` or ``http://`` redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\t"):
        return default
    return target
