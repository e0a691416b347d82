"""Web page routes (placeholder until the web UI lands)."""

from starlette.applications import Starlette
from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []


def install(app: Starlette) -> None:
    """Hook the web layer into the app (error pages, template globals)."""
