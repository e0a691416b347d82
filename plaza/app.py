"""The ASGI application: one :class:`~plaza.instance.Plaza` (settings, database, limits, hot
search) and the interface layers mounted on it — the Mastodon client API with OAuth, Plaza's own
API, the web pages and the media files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

from plaza.config import Settings, load_settings
from plaza.desk import routing
from plaza.errors import PlazaError
from plaza.files import keep_private, private_dir
from plaza.http import errors
from plaza.identity.sessions import IDLE_LIMIT as SESSION_IDLE_LIMIT
from plaza.instance import Plaza
from plaza.square import media
from plaza.workflow import engine as workflow_engine

log = logging.getLogger("plaza")


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    # Load the Chinese segmenter's dictionary (about a second) before the first request needs it.
    from plaza.square import search

    await run_in_threadpool(search.warm_up)
    # Train the help-request detector every public post passes through (about two seconds, once).
    from plaza.help import detect

    await run_in_threadpool(detect.detector)
    plaza: Plaza = app.state.plaza
    plaza.hot.start()
    from plaza.help.workflow import HELP
    from plaza.workflow.declaration import Limit

    workflow_engine.configure_limits(HELP, {"follow_up": Limit(hours=plaza.settings.help_follow_up_hours)})
    media_cleanup = asyncio.create_task(media.clean_periodically(plaza.db, plaza.settings.media_dir))
    overdue_sweep = asyncio.create_task(workflow_engine.sweep_periodically(plaza.db))
    retraining = asyncio.create_task(routing.retrain_periodically(plaza.db))
    from plaza.index import compute as index_compute
    from plaza.index import kept as index_kept

    index_nightly = asyncio.create_task(index_compute.compute_nightly(plaza.db))
    index_fold = asyncio.create_task(index_kept.fold_forever(plaza.db))
    try:
        yield
    finally:
        for task in (media_cleanup, overdue_sweep, retraining, index_nightly, index_fold):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await plaza.hot.stop()
        plaza.close()


def create_app(settings: Settings | None = None, plaza: Plaza | None = None) -> Starlette:
    """Build the application for ``settings`` (read from the environment when omitted)."""
    from plaza.api import mastodon, open311
    from plaza.api import plaza as plaza_api
    from plaza.http.limits import RequestLimits
    from plaza.http.security import SecurityHeaders
    from plaza.web import media_files
    from plaza.web import routes as web_routes

    keep_private()  # what this process writes beside the database is nobody else's to read
    if plaza is None:
        plaza = Plaza.from_settings(settings or load_settings())
    settings = plaza.settings
    private_dir(settings.data_dir)
    private_dir(settings.media_dir)
    routes = [
        *mastodon.routes(),
        *plaza_api.routes(),
        *open311.routes(),
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
            # bodies and URLs bounded before any interface reads them (inside the session, so a
            # refusal is answered in the reader's language)
            Middleware(RequestLimits, max_body_bytes=settings.max_body_bytes,
                       max_image_bytes=settings.max_image_bytes),
        ],
        exception_handlers={PlazaError: errors.plaza_error, Exception: errors.server_error},
    )
    app.state.plaza = plaza
    web_routes.install(app)
    return app
