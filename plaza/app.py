"""The ASGI application: one :class:`~plaza.instance.Plaza` (settings, database, limits, hot
search) and the interface layers — the Mastodon client API with OAuth, Plaza's own API, and the web pages —
mounted on it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plaza import i18n
from plaza.config import Settings, load_settings
from plaza.errors import PlazaError
from plaza.identity.sessions import IDLE_LIMIT as SESSION_IDLE_LIMIT
from plaza.instance import Plaza
from plaza.storage.files import keep_private, private_dir
from plaza.square import media

log = logging.getLogger("plaza")


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/"))


def request_locale(request: Request) -> str:
    account = getattr(request.state, "account", None)
    preferred = request.query_params.get("lang") or request.cookies.get("plaza_lang") or (
        account.locale if account is not None and getattr(account, "locale", None) else None)
    return i18n.negotiate(request.headers.get("accept-language"), preferred)


async def plaza_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlazaError)
    locale = request_locale(request)
    headers = dict(exc.headers or {})
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if wants_json(request) or not hasattr(request.app.state, "render_error"):
        body: dict[str, object] = {"error": exc.message(locale)}
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
    from plaza.web.security import add_security_headers

    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    locale = request_locale(request)
    response: Response
    if wants_json(request) or not hasattr(request.app.state, "render_server_error"):
        response = JSONResponse({"error": i18n.gettext("server_error", locale)}, status_code=500)
    else:
        response = await request.app.state.render_server_error(request, locale)
    add_security_headers(response.headers, hsts=request.app.state.plaza.settings.is_https)
    return response


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    # Load the Chinese segmenter's dictionary (about a second) before the first request needs it.
    from plaza.square import search

    await run_in_threadpool(search.warm_up)
    plaza: Plaza = app.state.plaza
    plaza.hot.start()
    media_cleanup = asyncio.create_task(media.clean_periodically(plaza.db, plaza.settings.media_dir))
    try:
        yield
    finally:
        media_cleanup.cancel()
        with suppress(asyncio.CancelledError):
            await media_cleanup
        await plaza.hot.stop()
        plaza.close()


def create_app(settings: Settings | None = None, plaza: Plaza | None = None) -> Starlette:
    """Build the application for ``settings`` (read from the environment when omitted)."""
    from plaza.api import mastodon
    from plaza.api import plaza as plaza_api
    from plaza.web import media_files
    from plaza.web import routes as web_routes
    from plaza.web.security import SecurityHeaders

    keep_private()  # what this process writes beside the database is nobody else's to read
    if plaza is None:
        plaza = Plaza.from_settings(settings or load_settings())
    settings = plaza.settings
    private_dir(settings.data_dir)
    private_dir(settings.media_dir)
    routes = [
        *mastodon.routes(),
        *plaza_api.routes(),
        *media_files.routes(),
        *web_routes.routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=_lifespan,
        middleware=[
            # HSTS and Secure cookies only when people come over HTTPS (PLAZA_PUBLIC_URL)
            Middleware(SecurityHeaders, hsts=settings.is_https),
            Middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="plaza_session", same_site="lax", https_only=settings.is_https,
                       max_age=int(SESSION_IDLE_LIMIT.total_seconds())),
        ],
        exception_handlers={PlazaError: plaza_error, Exception: server_error},
    )
    app.state.plaza = plaza
    web_routes.install(app)
    return app
