"""Who is signed in, and the per-session CSRF token every form carries.

The session is Starlette's signed cookie (``plaza_session``); it holds only the account id and
the CSRF token. Signing in starts a fresh session (new token), so a token planted before sign-in
is worthless afterwards.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Row
from starlette.datastructures import FormData
from starlette.requests import Request

from plaza.errors import Forbidden, NotFound
from plaza.square import accounts

CSRF_FIELD = "csrf_token"
_MISSING = object()


def current_account(request: Request) -> Row[Any] | None:
    """The signed-in account (cached on ``request.state``), or None. A suspended or deleted
    account counts as signed out."""
    cached = getattr(request.state, "account", _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    account = None
    account_id = request.session.get("account_id")
    if isinstance(account_id, int):
        try:
            account = accounts.get(request.app.state.plaza.db, account_id)
        except NotFound:
            account = None
        if account is not None and (account.suspended or not account.approved):
            account = None
        if account is None:
            request.session.clear()
    request.state.account = account
    return account


def sign_in(request: Request, account: Row[Any]) -> None:
    """Start a new session for ``account`` (the old one, and its CSRF token, are dropped)."""
    request.session.clear()
    request.session["account_id"] = int(account.id)
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.account = account


def sign_out(request: Request) -> None:
    request.session.clear()
    request.state.account = None


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
    return form


def safe_next(target: str | None, default: str = "/home") -> str:
    """A post-sign-in destination on this site only (no ``//host`` or ``http://`` redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\t"):
        return default
    return target
