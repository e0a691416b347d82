"""Run Plaza under uvicorn: migrate, then serve ``plaza.app:create_app`` on one or more workers.

The application is built by the factory in every worker process, from the same ``PLAZA_*``
environment, so the settings the command line resolved are exported before uvicorn starts.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable

from plaza.config import Settings
from plaza.storage.engine import make_engine
from plaza.storage.migrate import upgrade

APP_FACTORY = "plaza.app:create_app"


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def event_loop() -> str:
    """uvloop when installed (uvicorn[standard] brings it), else asyncio."""
    return "uvloop" if _available("uvloop") else "asyncio"


def http_protocol() -> str:
    """httptools when installed, else h11."""
    return "httptools" if _available("httptools") else "h11"


def export_settings(settings: Settings, environ: dict[str, str] | None = None) -> None:
    """Write what the command line decided into ``PLAZA_*`` variables, so every worker's
    :func:`plaza.config.load_settings` reads the same instance (the factory takes no arguments)."""
    env = os.environ if environ is None else environ
    env["PLAZA_HOST"] = settings.host
    env["PLAZA_PORT"] = str(settings.port)
    env["PLAZA_DATA_DIR"] = str(settings.data_dir)
    env["PLAZA_DATABASE_URL"] = settings.database_url
    env["PLAZA_SQLITE_SYNCHRONOUS"] = settings.sqlite_synchronous
    env["PLAZA_RATE_LIMITS"] = "on" if settings.rate_limits else "off"
    if settings.public_url:
        env["PLAZA_PUBLIC_URL"] = settings.public_url


def migrate(settings: Settings) -> None:
    """Bring the database to the newest schema (what ``plaza db upgrade`` does)."""
    engine = make_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def serve(settings: Settings, workers: int = 1, *, announce: Callable[[str], None] | None = None,
          log_level: str = "info") -> None:
    """Migrate, then serve until interrupted. ``workers`` > 1 runs uvicorn's multiprocess
    supervisor (each worker builds its own app and engine; they share the one database)."""
    import uvicorn

    if workers < 1:
        raise ValueError("workers must be at least 1")
    migrate(settings)
    export_settings(settings)
    if announce is not None:
        announce(settings.base_url)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        loop=event_loop(),
        http=http_protocol(),
        lifespan="auto",
        log_level=log_level,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
