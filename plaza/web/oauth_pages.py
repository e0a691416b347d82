"""The OAuth consent page (授权): a Mastodon client sends the person here; once signed in they
see the app and the access it asks for, and allow or deny it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import i18n
from plaza.errors import BadRequest, Invalid
from plaza.http.locale import request_locale
from plaza.identity import oauth
from plaza.web.auth import sign_in_page
from plaza.web.common import plaza_of, require_viewer
from plaza.web.rendering import render
from plaza.web.sessions import checked_form, current_account

FORWARDED = ("client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge",
             "code_challenge_method")


@dataclass(frozen=True)
class Grant:
    """A validated authorisation request."""

    app: oauth.App
    redirect_uri: str
    scopes: frozenset[str]
    state: str
    code_challenge: str
    code_challenge_method: str

    def hidden_fields(self) -> dict[str, str]:
        return {"client_id": self.app.client_id, "redirect_uri": self.redirect_uri,
                "response_type": "code", "scope": " ".join(sorted(self.scopes)),
                "state": self.state, "code_challenge": self.code_challenge,
                "code_challenge_method": self.code_challenge_method}


def _grant(request: Request, params: Any) -> Grant:
    """Check an authorisation request (RFC 6749 4.1.1, RFC 7636 4.3). Errors are shown on a page
    in the reader's language, never sent to a redirect URI that is not yet known to be the app's."""
    def value(name: str, limit: int = 2000) -> str:
        raw = params.get(name)
        if not isinstance(raw, str):
            return ""
        if len(raw) > limit:  # refused, not cut: a cut value could match something it is not
            raise BadRequest("oauth_invalid_request", name=name)
        return raw

    app = oauth.find_app(plaza_of(request).db, value("client_id", 100) or None)
    if app is None:
        raise BadRequest("oauth_invalid_client")
    if value("response_type", 20) != "code":
        raise Invalid("parameter_invalid", name="response_type")
    redirect_uri = oauth.check_redirect(app, value("redirect_uri") or None)
    scopes = oauth.requested_scopes(app, value("scope") or None)
    pkce = oauth.check_challenge(value("code_challenge", 128) or None,
                                 value("code_challenge_method", 20) or None)
    challenge, method = pkce or ("", "")
    return Grant(app, redirect_uri, scopes, value("state", 1000), challenge, method)


def _scope_label(scope: str, locale: str) -> str:
    key = "scope_" + scope.split(":", 1)[0]
    label = i18n.gettext(key, locale)
    return f"{label} ({scope})" if label != key else scope


def _redirect(uri: str, **params: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(uri + ("&" if "?" in uri else "?") + query, status_code=302)


async def authorize_form(request: Request) -> Response:
    grant = _grant(request, request.query_params)
    viewer = current_account(request)
    forced = request.query_params.get("force_login", "").lower() in ("1", "true", "yes")
    if viewer is None or forced:
        # Come back here (without force_login) once signed in.
        back = {k: v for k, v in request.query_params.items() if k in FORWARDED}
        return sign_in_page(request, next_url="/oauth/authorize?" + urlencode(back),
                            notice=i18n.gettext("oauth_sign_in_first", request_locale(request),
                                                app=grant.app.name))
    locale = request_locale(request)
    return render(request, "authorize.html", {
        "grant": grant, "app": grant.app, "fields": grant.hidden_fields(),
        "scopes": [_scope_label(s, locale) for s in sorted(grant.scopes)]})


async def authorize_submit(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await checked_form(request)
    grant = _grant(request, form)
    if form.get("decision") != "authorize":
        if grant.redirect_uri == oauth.OOB:
            return render(request, "oauth_result.html", {"app": grant.app, "code": None})
        return _redirect(grant.redirect_uri, error="access_denied", state=grant.state)
    db = plaza_of(request).db
    code = await db.batched(lambda: oauth.issue_code(db, grant.app, viewer.id, grant.scopes, grant.redirect_uri,
                                                     grant.code_challenge or None,
                                                     grant.code_challenge_method or None))
    if grant.redirect_uri == oauth.OOB:
        return render(request, "oauth_result.html", {"app": grant.app, "code": code})
    return _redirect(grant.redirect_uri, code=code, state=grant.state)
