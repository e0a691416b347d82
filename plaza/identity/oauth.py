"""OAuth 2 as Mastodon clients use it: app registration, authorization codes (with optional
PKCE), and the code, client-credentials and password grants."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select

from plaza.clock import as_utc, utcnow
from plaza.errors import BadRequest, Invalid, Unauthorized
from plaza.identity import tokens
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import oauth_apps, oauth_codes

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class App:
    id: int
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: frozenset[str]
    client_id: str


def _app(row: object) -> App:
    return App(row.id, row.name, row.website, tuple(row.redirect_uris.split()),  # type: ignore[attr-defined]
               frozenset(row.scopes.split()), row.client_id)  # type: ignore[attr-defined]


def validate_scopes(scopes: frozenset[str]) -> frozenset[str]:
    for scope in scopes:
        if scope.split(":", 1)[0] not in {"read", "write", "follow", "push", "profile", "admin"}:
            raise Invalid("oauth_invalid_scope", scope=scope)
    return scopes


def register_app(db: Database, name: str, redirect_uris: str, scopes: str | None,
                 website: str | None = None) -> tuple[App, str]:
    """Register a client app (``POST /api/v1/apps``); the client secret is returned once."""
    if not name or not name.strip():
        raise Invalid("parameter_missing", name="client_name")
    uris = " ".join((redirect_uris or OOB).split())
    if not uris:
        raise Invalid("parameter_missing", name="redirect_uris")
    granted = validate_scopes(tokens.parse_scopes(scopes))
    secret = tokens.new_secret()
    app_id = new_id()
    client_id = tokens.new_secret()
    with db.write() as conn:
        conn.execute(insert(oauth_apps).values(
            id=app_id, name=name.strip()[:100], website=(website or None), redirect_uris=uris,
            scopes=" ".join(sorted(granted)), client_id=client_id,
            client_secret_hash=tokens.digest(secret), created_at=utcnow()))
    return App(app_id, name.strip()[:100], website or None, tuple(uris.split()), granted, client_id), secret


def find_app(db: Database, client_id: str | None) -> App | None:
    if not client_id:
        return None
    with db.read() as conn:
        row = conn.execute(select(oauth_apps).where(oauth_apps.c.client_id == client_id)).first()
    return _app(row) if row else None


def authenticate_client(db: Database, client_id: str | None, client_secret: str | None) -> App:
    """The app whose id and secret match, or 401 ``invalid_client``."""
    if not client_id or not client_secret:
        raise Unauthorized("oauth_invalid_client")
    with db.read() as conn:
        row = conn.execute(select(oauth_apps).where(oauth_apps.c.client_id == client_id)).first()
    if row is None or not hmac.compare_digest(row.client_secret_hash, tokens.digest(client_secret)):
        raise Unauthorized("oauth_invalid_client")
    return _app(row)


def requested_scopes(app: App, scope: str | None) -> frozenset[str]:
    """Scopes asked for at authorisation: a subset of what the app registered."""
    asked = validate_scopes(tokens.parse_scopes(scope, default=" ".join(app.scopes) or "read"))
    for s in asked:
        if not (s in app.scopes or s.split(":", 1)[0] in app.scopes):
            raise Invalid("oauth_invalid_scope", scope=s)
    return asked


def check_redirect(app: App, redirect_uri: str | None) -> str:
    uri = redirect_uri or (app.redirect_uris[0] if len(app.redirect_uris) == 1 else "")
    if uri not in app.redirect_uris:
        raise BadRequest("oauth_invalid_redirect")
    return uri


def issue_code(db: Database, app: App, account_id: int, scopes: frozenset[str], redirect_uri: str,
               code_challenge: str | None = None, code_challenge_method: str | None = None) -> str:
    """An authorization code for the consent the signed-in account just gave."""
    code = tokens.new_secret()
    with db.write() as conn:
        conn.execute(insert(oauth_codes).values(
            code_hash=tokens.digest(code), app_id=app.id, account_id=account_id,
            scopes=" ".join(sorted(scopes)), redirect_uri=redirect_uri,
            code_challenge=code_challenge or None,
            code_challenge_method=(code_challenge_method or "plain") if code_challenge else None,
            expires_at=utcnow() + CODE_LIFETIME))
    return code


def _pkce_ok(challenge: str, method: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    if method == "S256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        return hmac.compare_digest(computed, challenge)
    return hmac.compare_digest(verifier, challenge)


def exchange_code(db: Database, app: App, code: str | None, redirect_uri: str | None,
                  code_verifier: str | None = None, now: datetime | None = None
                  ) -> tuple[str, tokens.Token]:
    """The ``authorization_code`` grant: a code is good once, for ten minutes, for its app."""
    if not code:
        raise BadRequest("oauth_invalid_grant")
    now = now or utcnow()
    with db.write() as conn:
        row = conn.execute(select(oauth_codes).where(oauth_codes.c.code_hash == tokens.digest(code))).first()
        if row is not None:
            conn.execute(delete(oauth_codes).where(oauth_codes.c.code_hash == row.code_hash))
    if (row is None or row.app_id != app.id or as_utc(row.expires_at) < now
            or (redirect_uri and redirect_uri != row.redirect_uri)
            or (row.code_challenge and not _pkce_ok(row.code_challenge, row.code_challenge_method, code_verifier))):
        raise BadRequest("oauth_invalid_grant")
    return tokens.issue(db, row.account_id, app.id, frozenset(row.scopes.split()))
