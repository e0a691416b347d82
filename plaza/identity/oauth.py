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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

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

#: Registration bounds (``POST /api/v1/apps``).
MAX_NAME_CHARS = 100
MAX_WEBSITE_CHARS = 255
MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_CHARS = 2000
#: The scope lists are stored in ``String(255)`` columns.
MAX_SCOPES_CHARS = 255
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
#: Schemes a browser would run or read locally instead of handing to an app.
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: Mastodon's scopes (docs.joinmastodon.org/api/oauth-scopes), Plaza's own included.
_GRANULAR = {
    "read": ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists",
             "mutes", "notifications", "search", "statuses"),
    "write": ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
              "follows", "lists", "media", "mutes", "notifications", "reports", "statuses"),
    "admin:read": ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                   "email_domain_blocks", "canonical_email_blocks"),
    "admin:write": ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                    "email_domain_blocks", "canonical_email_blocks"),
}
KNOWN_SCOPES = frozenset({*tokens.SCOPES, *_GRANULAR,
                          *(f"{top}:{sub}" for top, subs in _GRANULAR.items() for sub in subs)})


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

def _shown(uri: str) -> str:
    """A value as an error message quotes it (a redirect URI may be megabytes long)."""
    return _CONTROL.sub("?", uri[:60]) + ("…" if len(uri) > 60 else "")


def validate_scopes(scopes: frozenset[str], registering: bool = False) -> frozenset[str]:
    """Known scopes only, and few enough to store. The OAuth endpoints answer RFC 6749's
    ``invalid_scope``; registration, a plain message as Mastodon's does."""
    for scope in sorted(scopes):
        if scope not in KNOWN_SCOPES:
            raise Invalid("scope_unknown" if registering else "oauth_invalid_scope",
                          scope=_shown(scope))
    if len(" ".join(scopes)) > MAX_SCOPES_CHARS:
        raise Invalid("scopes_too_many" if registering else "oauth_invalid_scope",
                      scope=_shown(" ".join(sorted(scopes))), max=MAX_SCOPES_CHARS)
    return scopes


def _covered(scope: str, granted: frozenset[str]) -> bool:
    """Whether ``granted`` includes ``scope`` itself or a wider scope (``read`` ⊇ ``read:lists``,
    ``admin:read`` ⊇ ``admin:read:accounts``)."""
    while True:
        if scope in granted:
            return True
        if ":" not in scope:
            return False
        scope = scope.rsplit(":", 1)[0]


def check_name(name: str | None) -> str:
    """An app's name: 1–100 characters, no control characters; refused, never truncated."""
    name = (name or "").strip()
    if not name:
        raise Invalid("parameter_missing", name="client_name")
    if len(name) > MAX_NAME_CHARS or _CONTROL.search(name):
        raise Invalid("app_name_invalid", max=MAX_NAME_CHARS)
    return name


def check_website(website: str | None) -> str | None:
    """Empty, or an http(s) URL of at most 255 characters."""
    website = (website or "").strip()
    if not website:
        return None
    if (len(website) > MAX_WEBSITE_CHARS or not _is_web_url(website) or _CONTROL.search(website)
            or any(c.isspace() for c in website)):
        raise Invalid("app_website_invalid", max=MAX_WEBSITE_CHARS)
    return website


def _is_web_url(value: str) -> bool:
    """An http(s) URL with a host."""
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[::1" (an IPv6 host left open)
        return False


def check_redirect_uri(uri: str) -> str:
    """RFC 6749 3.1.2: an absolute URI without a fragment, or the out-of-band URN. Apps' own
    schemes (``com.example.app:/oauth``, ``myapp://callback``) are allowed; schemes a browser
    would run itself are not."""
    if uri == OOB:
        return uri
    scheme, colon, rest = uri.partition(":")
    if (len(uri) > MAX_REDIRECT_URI_CHARS or not colon or not rest or not _SCHEME.fullmatch(scheme)
            or scheme.lower() in _FORBIDDEN_SCHEMES or "#" in uri or _CONTROL.search(uri)
            or any(c.isspace() for c in uri)):
        raise Invalid("redirect_uri_invalid", uri=_shown(uri), max=MAX_REDIRECT_URI_CHARS)
    if scheme.lower() in ("http", "https") and not _is_web_url(uri):
        raise Invalid("redirect_uri_invalid", uri=_shown(uri), max=MAX_REDIRECT_URI_CHARS)
    return uri


def check_redirect_uris(value: str | Sequence[object] | None) -> tuple[str, ...]:
    """At most ten redirect URIs, from one whitespace-separated string (as Mastodon takes them)
    or a list of strings; none given means the out-of-band URN."""
    if value is None or isinstance(value, str):
        uris: list[str] = (value or "").split()
    else:
        uris = []
        for item in value:
            if not isinstance(item, str):
                raise Invalid("redirect_uri_invalid", uri=_shown(str(item)),
                              max=MAX_REDIRECT_URI_CHARS)
            uris.append(item.strip())
    uris = list(dict.fromkeys(u for u in uris if u))
    if len(uris) > MAX_REDIRECT_URIS:
        raise Invalid("redirect_uris_too_many", max=MAX_REDIRECT_URIS)
    return tuple(check_redirect_uri(u) for u in uris) or (OOB,)


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

def register_app(db: Database, name: str, redirect_uris: str | Sequence[object] | None,
                 scopes: str | None, website: str | None = None) -> tuple[App, str]:
    """Register a client app (``POST /api/v1/apps``); the client secret is returned once."""
    name = check_name(name)
    uris = check_redirect_uris(redirect_uris)
    granted = validate_scopes(tokens.parse_scopes(scopes), registering=True)
    site = check_website(website)
    secret = tokens.new_secret()
    app_id = new_id()
    client_id = tokens.new_secret()
    with db.write() as conn:
        conn.execute(insert(oauth_apps).values(
            id=app_id, name=name, website=site, redirect_uris=" ".join(uris),
            scopes=" ".join(sorted(granted)), client_id=client_id,
            client_secret_hash=tokens.digest(secret), created_at=utcnow()))
    return App(app_id, name, site, uris, granted, client_id), secret


def app_by_id(db: Database, app_id: int | None) -> App | None:
    """The app that issued a token (None for tokens no app issued)."""
    if app_id is None:
        return None
    with db.read() as conn:
        row = conn.execute(select(oauth_apps).where(oauth_apps.c.id == app_id)).first()
    return _app(row) if row is not None else None


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
    for s in sorted(asked):
        if not _covered(s, app.scopes):
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
