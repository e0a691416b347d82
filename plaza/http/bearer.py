"""Who is asking, for the APIs: the bearer token (hashed, cached for seconds), its scopes by
Mastodon's rules, and its account — refused while suspended or awaiting approval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from starlette.requests import Request

from plaza.errors import Forbidden, Invalid, NotFound, Unauthorized
from plaza.http.context import plaza_of
from plaza.identity import tokens
from plaza.identity.tokens import Token
from plaza.square import accounts


@dataclass(frozen=True, slots=True)
class Caller:
    """The bearer of a valid token: the token, and its account (None for an app-only token)."""

    token: Token
    account: Row[Any] | None

    @property
    def user(self) -> Row[Any]:
        """The account, for endpoints that refused app-only tokens (``authenticate(user=True)``)."""
        assert self.account is not None
        return self.account

    @property
    def account_id(self) -> int:
        return int(self.user.id)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def authenticate(request: Request, *scopes: str, user: bool = True) -> Caller:
    """The caller, or 401 when the token is missing or invalid; 403 when the token lacks every
    one of ``scopes`` or its account is suspended or still awaiting approval. With ``user`` an
    app-only token (client credentials) is refused, as Mastodon refuses it (422)."""
    token = token_of(request, *scopes, user=user)
    account = None
    if token.account_id is not None:
        try:
            account = accounts.get_acting(plaza_of(request).db, token.account_id)
        except NotFound:
            account = None
    return admit(request, token, account)


def token_of(request: Request, *scopes: str, user: bool = True) -> Token:
    """The first half of :func:`authenticate`, for a handler that reads the acting account inside
    a statement of its own: the token checked (401, 403 for scopes, 422 where ``user``), the
    account not yet. Answer nothing before :func:`admit` has checked the account."""
    secret = bearer(request)
    token = tokens.authenticate(plaza_of(request).db, secret) if secret else None
    if token is None:
        raise Unauthorized("token_invalid")
    if scopes and not any(tokens.scope_allows(token.scopes, s) for s in scopes):
        raise Forbidden("scope_missing", scope=" / ".join(scopes))
    if token.account_id is None and user:
        raise Invalid("user_required")
    return token


def admit(request: Request, token: Token, account: Row[Any] | None) -> Caller:
    """The second half of :func:`authenticate`: the token's account as read just now (None when
    it no longer exists: 401), refused while suspended or awaiting approval (403)."""
    if token.account_id is None:
        return Caller(token, None)
    if account is None:
        raise Unauthorized("token_invalid")
    request.state.account = account
    if account.suspended:
        raise Forbidden("account_suspended")
    if not account.approved:
        raise Forbidden("account_pending")
    return Caller(token, account)


def viewer_token(request: Request, *scopes: str) -> Token | None:
    """:func:`token_of` for public endpoints: None when no token came."""
    return token_of(request, *scopes, user=False) if bearer(request) is not None else None


def viewer(request: Request, *scopes: str) -> Row[Any] | None:
    """For public endpoints: the signed-in account if a token came (checked as strictly as on
    private endpoints), else None."""
    if bearer(request) is None:
        return None
    return authenticate(request, *scopes, user=False).account
