"""The Mastodon client REST API (placeholder until the API lands)."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
