"""Error pages in the reader's language: Plaza's own errors, unknown pages, bad requests, faults
(500), and the redirect to the sign-in page when a page needs a signed-in account."""

from __future__ import annotations

import html
import logging
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from plaza import i18n
from plaza.errors import PlazaError
from plaza.http.locale import request_locale, wants_json
from plaza.web.rendering import render
from plaza.web.sessions import current_account

log = logging.getLogger(__name__)

#: Statuses of Starlette's own errors (unknown route, wrong method, unparsable form) → messages.
HTTP_MESSAGES = {404: "page_not_found", 405: "method_not_allowed", 400: "body_invalid",
                 413: "body_invalid"}


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in account; answered with the sign-in page."""


async def render_error(request: Request, exc: PlazaError, locale: str) -> Response:
    return render(request, "error.html", {"status": exc.status, "message": exc.message(locale)},
                  status_code=exc.status)


async def render_server_error(request: Request, locale: str) -> Response:
    """The 500 page. The fault may lie in what every page reads (the database, the session), so
    when the full page cannot be drawn a bare one says the same in the same language."""
    message = i18n.gettext("server_error", locale)
    try:
        try:
            current_account(request)
        except Exception:  # noqa: BLE001 - the sessions' store may be what failed: signed out
            request.state.account = None
        return render(request, "error.html", {"status": 500, "message": message}, status_code=500)
    except Exception:  # the fault is already logged; this page must not fail too
        log.warning("the error page could not be drawn; answering a bare one", exc_info=True)
    back = i18n.gettext("back_to_square", locale)
    lang = "en" if locale == "en" else "zh-CN"
    page = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8">'
            f"<title>500</title><h1>{html.escape(message)}</h1>"
            f'<p><a href="/">{html.escape(back)}</a></p></html>')
    return HTMLResponse(page, status_code=500)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    key = HTTP_MESSAGES.get(exc.status_code)
    locale = request_locale(request)
    message = i18n.gettext(key, locale) if key else str(exc.detail)
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)
    response = render(request, "error.html", {"status": exc.status_code, "message": message},
                      status_code=exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def sign_in_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":  # a form posted after the session ended: start again from home
        target = "/home"
    return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)
