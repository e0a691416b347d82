"""Who is signed in, and the per-session CSRF token every form carries.

The session is Starlette's signed cookie (``plaza_session``); it holds a session secret and the
CSRF token. The secret is an access token issued at sign-in (stored hashed, like every token), so
signing out revokes it: a copy of the cookie taken earlier stops working (at once in this
process, within the token cache's 30 s in the others), and a password change or suspension ends
every session. Signing in starts a fresh session (new secret, new CSRF token), so a token planted
before sign-in is worthless afterwards.
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
from plaza.identity import tokens
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
    secret = request.session.get("secret")
    if isinstance(secret, str) and secret:
        db = request.app.state.plaza.db
        token = tokens.authenticate(db, secret)
        if token is not None and token.account_id is not None:
            try:
                account = accounts.get_acting(db, token.account_id)
            except NotFound:
                account = None
        if account is not None and (account.suspended or not account.approved):
            account = None
    if account is None and request.session:
        request.session.pop("secret", None)
        request.session.pop("account_id", None)  # sessions from before revocable ones
    request.state.account = account
    return account


#: What a web session may do: what the pages do (no admin scopes; administrators' pages check
#: the account's role).
WEB_SCOPES = frozenset({"read", "write", "follow"})


def sign_in(request: Request, account: Row[Any]) -> None:
    """Start a new session for ``account`` (the old one, and its CSRF token, are dropped)."""
    _revoke(request)
    request.session.clear()
    secret, _token = tokens.issue(request.app.state.plaza.db, int(account.id), None, WEB_SCOPES)
    request.session["secret"] = secret
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.account = account


def sign_out(request: Request) -> None:
    """End the session: its secret is revoked, so no copy of the cookie signs anyone in again."""
    _revoke(request)
    request.session.clear()
    request.state.account = None


def _revoke(request: Request) -> None:
    secret = request.session.get("secret")
    if isinstance(secret, str) and secret:
        tokens.revoke(request.app.state.plaza.db, secret)


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
