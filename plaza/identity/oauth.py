"""OAuth 2 as Mastodon clients use it: app registration, authorization codes (with optional
PKCE, S256 only), and the code, client-credentials and password grants.

Every app is a confidential client: it gets a secret at registration and authenticates with it
at the token endpoint for every grant (RFC 6749 2.3.1), PKCE or not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from plaza.clock import as_utc, utcnow
from plaza.errors import BadRequest, Invalid, Unauthorized
from plaza.identity import tokens
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import oauth_apps, oauth_codes

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
#: How long a code is kept after it expires, so that a late replay still revokes what it gave.
CODE_RETENTION = timedelta(days=1)

#: Only what the server metadata advertises (``code_challenge_methods_supported``).
PKCE_METHODS = ("S256",)
#: RFC 7636 4.1: 43–128 characters of the unreserved set.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
#: An S256 challenge is the base64url (unpadded) SHA-256 of the verifier: always 43 characters.
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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


# --- pure rules -----------------------------------------------------------------------------------

def validate_scopes(scopes: frozenset[str]) -> frozenset[str]:
    for scope in scopes:
        if scope.split(":", 1)[0] not in {"read", "write", "follow", "push", "profile", "admin"}:
            raise Invalid("oauth_invalid_scope", scope=scope)
    return scopes


def _shown(uri: str) -> str:
    """A redirect URI as an error message quotes it (it may be megabytes long)."""
    return _CONTROL.sub("?", uri[:60]) + ("…" if len(uri) > 60 else "")


def check_challenge(challenge: str | None, method: str | None) -> tuple[str, str] | None:
    """A PKCE challenge and its method as RFC 7636 4.3 has them, or None without PKCE.

    A challenge without a method means ``plain`` (RFC 7636 4.3), which is not advertised."""
    if not challenge:
        if method:
            raise BadRequest("parameter_missing", name="code_challenge")
        return None
    method = method or "plain"
    if method not in PKCE_METHODS:
        raise BadRequest("pkce_method_unsupported", method=_shown(method[:20]),
                         supported=", ".join(PKCE_METHODS))
    if not _S256_CHALLENGE.fullmatch(challenge):
        raise BadRequest("pkce_challenge_invalid")
    return challenge, method


def check_verifier(verifier: str | None) -> str | None:
    if verifier is not None and not _VERIFIER.fullmatch(verifier):
        raise BadRequest("oauth_invalid_request", name="code_verifier")
    return verifier


def _pkce_ok(challenge: str | None, method: str | None, verifier: str | None) -> bool:
    """RFC 7636 4.6, and the downgrade rule of RFC 9700 2.1.1: a code issued without a
    challenge refuses a verifier."""
    if not challenge:
        return verifier is None
    if verifier is None or method != "S256":
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return hmac.compare_digest(computed.decode(), challenge)


def _plausible_client_id(client_id: str | None) -> bool:
    # Client ids are 43 url-safe characters; anything else (a NUL, megabytes) is no client's.
    return client_id is not None and 0 < len(client_id) <= 64 and "\x00" not in client_id


# --- apps -----------------------------------------------------------------------------------------

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
    if not _plausible_client_id(client_id):
        return None
    with db.read() as conn:
        row = conn.execute(select(oauth_apps).where(oauth_apps.c.client_id == client_id)).first()
    return _app(row) if row else None


def authenticate_client(db: Database, client_id: str | None, client_secret: str | None) -> App:
    """The app whose id and secret match, or 401 ``invalid_client``."""
    if not _plausible_client_id(client_id) or not client_secret:
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


# --- authorization codes --------------------------------------------------------------------------

def issue_code(db: Database, app: App, account_id: int, scopes: frozenset[str], redirect_uri: str,
               code_challenge: str | None = None, code_challenge_method: str | None = None,
               now: datetime | None = None) -> str:
    """An authorization code for the consent the signed-in account just gave."""
    pkce = check_challenge(code_challenge, code_challenge_method)
    code = tokens.new_secret()
    now = now or utcnow()
    with db.write() as conn:
        # Codes are few (one per consent): sweeping the long-expired ones here keeps them few.
        conn.execute(delete(oauth_codes).where(oauth_codes.c.expires_at < now - CODE_RETENTION))
        conn.execute(insert(oauth_codes).values(
            code_hash=tokens.digest(code), app_id=app.id, account_id=account_id,
            scopes=" ".join(sorted(scopes)), redirect_uri=redirect_uri,
            code_challenge=pkce[0] if pkce else None,
            code_challenge_method=pkce[1] if pkce else None,
            expires_at=now + CODE_LIFETIME))
    return code


def exchange_code(db: Database, app: App, code: str | None, redirect_uri: str | None,
                  code_verifier: str | None = None, now: datetime | None = None
                  ) -> tuple[str, tokens.Token]:
    """The ``authorization_code`` grant for ``app``, already authenticated by its secret.

    A code is good once, for ten minutes, for its own app with the redirect URI it was issued
    for and, when it was issued with a PKCE challenge, the matching verifier. Another app's
    attempt leaves the code alone (it cannot burn someone else's code); a failed attempt by its
    own app uses it up; a second use revokes the token the first use gave (RFC 6749 4.1.2).
    """
    if not code:
        raise BadRequest("oauth_invalid_request", name="code")
    if not redirect_uri:
        raise BadRequest("oauth_invalid_request", name="redirect_uri")
    check_verifier(code_verifier)
    now = now or utcnow()
    key = tokens.digest(code)
    issued: tuple[str, tokens.Token] | None = None
    replayed: int | None = None
    with db.write() as conn:
        row = conn.execute(select(oauth_codes).where(oauth_codes.c.code_hash == key)).first()
        if row is None or row.app_id != app.id:
            pass  # unknown, or another app's: not this caller's to use up
        elif row.used_at is not None:
            replayed = row.token_id
        elif (as_utc(row.expires_at) < now or redirect_uri != row.redirect_uri
              or not _pkce_ok(row.code_challenge, row.code_challenge_method, code_verifier)):
            conn.execute(delete(oauth_codes).where(oauth_codes.c.code_hash == key))
        else:
            issued, replayed = _redeem(conn, row, now)
    if replayed is not None:
        tokens.revoke_ids(db, [replayed])
    if issued is None:
        raise BadRequest("oauth_invalid_grant")
    return issued


def _redeem(conn: Connection, row: object, now: datetime
            ) -> tuple[tuple[str, tokens.Token] | None, int | None]:
    """Mark the code used and issue its token; if a concurrent exchange used it first, return
    the token that exchange issued, to be revoked."""
    code = oauth_codes.c
    claimed = conn.execute(update(oauth_codes)
                           .where(code.code_hash == row.code_hash, code.used_at.is_(None))  # type: ignore[attr-defined]
                           .values(used_at=now)).rowcount
    if not claimed:
        # The other exchange has committed by now (our update waited for its row lock).
        first = conn.execute(select(code.token_id).where(code.code_hash == row.code_hash)).scalar()  # type: ignore[attr-defined]
        return None, first
    secret, token = tokens.issue_in(conn, row.account_id, row.app_id,  # type: ignore[attr-defined]
                                    frozenset(row.scopes.split()), now)  # type: ignore[attr-defined]
    conn.execute(update(oauth_codes).where(code.code_hash == row.code_hash)  # type: ignore[attr-defined]
                 .values(token_id=token.id))
    return (secret, token), None
