"""OAuth 2 as Mastodon clients speak it: app registration, the token endpoint (authorization code
with PKCE, client credentials, password; every grant authenticates the client), revocation and
the server metadata (RFC 8414).

The consent page (``/oauth/authorize``) belongs to the web layer.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote_plus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza import actions
from plaza.errors import BadRequest, Forbidden, Unauthorized
from plaza.http.bearer import authenticate
from plaza.http.context import client_address, plaza_of
from plaza.http.params import Params, read_params
from plaza.http.responses import ORJSONResponse
from plaza.identity import oauth, tokens

from .entities import application, token


def grant_types(request: Request) -> list[str]:
    """What the token endpoint accepts; the password grant can be switched off."""
    kinds = ["authorization_code", "client_credentials"]
    if plaza_of(request).settings.password_grant:
        kinds.append("password")
    return kinds


async def register_app(request: Request) -> Response:
    """``POST /api/v1/apps``: open to anyone, so rate-limited per address and bounded
    (``identity.oauth.register_app``); the client secret is shown this once."""
    plaza = plaza_of(request)
    plaza.limits.hit("register_app", client_address(request))
    params = await read_params(request, controls=False)
    uris = params.values("redirect_uris")
    one = uris[0] if len(uris) == 1 and isinstance(uris[0], str) else None  # Mastodon's own form
    app, secret = oauth.register_app(plaza.db, params.text("client_name") or "",
                                     uris if one is None else one,
                                     params.text("scopes"), params.text("website"))
    return ORJSONResponse(application(app, client_id=app.client_id, client_secret=secret))


async def verify_app(request: Request) -> Response:
    """``GET /api/v1/apps/verify_credentials``: the app behind any token."""
    caller = authenticate(request, user=False)
    app = oauth.app_by_id(plaza_of(request).db, caller.token.app_id)
    if app is None:
        raise Unauthorized("token_invalid")
    return ORJSONResponse(application(app))


def _client(request: Request, params: Params) -> tuple[str | None, str | None]:
    """Client id and secret from HTTP Basic authentication or the body (RFC 6749 2.3.1)."""
    client_id, secret = params.text("client_id"), params.text("client_secret")
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return client_id, secret
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _client_refused() from exc
    # Both halves are form-encoded before they are joined (RFC 6749 2.3.1).
    basic_id, _, basic_secret = (unquote_plus(part) for part in decoded.partition(":"))
    if (client_id or basic_id) != basic_id or (secret or basic_secret) != basic_secret:
        raise _client_refused()  # the body names another client than the header
    return basic_id, basic_secret


def _client_refused() -> Unauthorized:
    # RFC 6749 5.2 (and any 401, RFC 9110 15.5.2) names the scheme to authenticate with.
    error = Unauthorized("oauth_invalid_client")
    error.headers = {"WWW-Authenticate": 'Basic realm="Plaza", charset="UTF-8"'}
    return error


def _authenticated_client(request: Request, params: Params) -> oauth.App:
    """The app making the request, proven by its secret: every Plaza app is a confidential
    client, whatever the grant (PKCE adds to the secret, it does not replace it)."""
    client_id, secret = _client(request, params)
    try:
        return oauth.authenticate_client(plaza_of(request).db, client_id, secret)
    except Unauthorized as exc:
        raise _client_refused() from exc


def _token_response(secret: str, scopes: frozenset[str]) -> Response:
    # RFC 6749 5.1: a response carrying a token is never cached.
    return ORJSONResponse(token(secret, scopes),
                          headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def token_endpoint(request: Request) -> Response:
    """``POST /oauth/token``."""
    plaza = plaza_of(request)
    params = await read_params(request, controls=False)
    grant = params.text("grant_type") or ""
    if grant not in grant_types(request):
        raise BadRequest("oauth_unsupported_grant_type", grant=grant[:40])
    app = _authenticated_client(request, params)
    if grant == "authorization_code":
        # Not in the group commit: a replayed code revokes what it issued, and that must stay
        # written though the exchange fails.
        access, issued = await run_in_threadpool(
            oauth.exchange_code, plaza.db, app, params.text("code"), params.text("redirect_uri"),
            params.text("code_verifier"))
        return _token_response(access, issued.scopes)
    scopes = oauth.requested_scopes(app, params.text("scope"))
    account_id = None
    if grant == "password":
        try:
            row = await actions.sign_in(plaza, params.text("username") or "", params.text("password") or "",
                                        address=client_address(request))
        except (Unauthorized, Forbidden) as exc:
            raise BadRequest("oauth_invalid_grant") from exc
        account_id = row.id
    access, issued = await plaza.db.batched(lambda: tokens.issue(plaza.db, account_id, app.id, scopes))
    return _token_response(access, issued.scopes)


async def revoke(request: Request) -> Response:
    """``POST /oauth/revoke`` (RFC 7009): revoking an unknown token also answers 200."""
    plaza = plaza_of(request)
    params = await read_params(request, controls=False)
    app = _authenticated_client(request, params)
    value = params.text("token")
    if value:
        await plaza.db.batched(lambda: tokens.revoke(plaza.db, value, app_id=app.id))
    return ORJSONResponse({})


async def server_metadata(request: Request) -> Response:
    """``GET /.well-known/oauth-authorization-server`` (RFC 8414), as Mastodon 4.3 publishes it."""
    base = plaza_of(request).settings.base_url
    body: dict[str, Any] = {
        "issuer": base + "/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": base + "/oauth/authorize",
        "token_endpoint": base + "/oauth/token",
        "revocation_endpoint": base + "/oauth/revoke",
        "app_registration_endpoint": base + "/api/v1/apps",
        "scopes_supported": list(tokens.SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": grant_types(request),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": list(oauth.PKCE_METHODS),
    }
    return ORJSONResponse(body)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/apps", register_app, methods=["POST"]),
        Route("/api/v1/apps/verify_credentials", verify_app, methods=["GET"]),
        Route("/oauth/token", token_endpoint, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/.well-known/oauth-authorization-server", server_metadata, methods=["GET"]),
    ]
