"""How errors are answered, whatever the interface: a :class:`~plaza.errors.PlazaError` with its
status and a message in the reader's language (JSON for the APIs, the web layer's page for the
web), a fault as a 500 logged with its traceback."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plaza import i18n
from plaza.errors import PlazaError
from plaza.http.locale import request_locale, wants_json
from plaza.http.security import add_security_headers

log = logging.getLogger("plaza")


async def plaza_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlazaError)
    locale = request_locale(request)
    headers = dict(exc.headers or {})
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if wants_json(request) or not hasattr(request.app.state, "render_error"):
        body: dict[str, object] = {"error": exc.message(locale), **(exc.details or {})}
        if exc.key.startswith("oauth_"):
            body = {"error": exc.key.removeprefix("oauth_"), "error_description": exc.message(locale)}
        return JSONResponse(body, status_code=exc.status, headers=headers or None)
    response: Response = await request.app.state.render_error(request, exc, locale)
    if headers:
        response.headers.update(headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """A fault: logged with its traceback; the person sees an error page in their language (the
    APIs: JSON ``{"error": …}``). This answer bypasses the middleware, so it gets the security
    headers here."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    locale = request_locale(request)
    response: Response
    if wants_json(request) or not hasattr(request.app.state, "render_server_error"):
        response = JSONResponse({"error": i18n.gettext("server_error", locale)}, status_code=500)
    else:
        response = await request.app.state.render_server_error(request, locale)
    add_security_headers(response.headers, hsts=request.app.state.plaza.settings.is_https)
    return response
