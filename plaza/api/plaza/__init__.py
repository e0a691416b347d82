"""Plaza's own API (``/api/plaza/v1``): what Mastodon's API has no place for.

:mod:`.hot` serves hot search (热搜, national and per city) and topics; :mod:`.admin` gives
administrators and moderators the pinned slot, blocks and review of the lists; :mod:`.openapi`
describes them all (``/api/plaza/v1/openapi.json``). Parameters,
bearer tokens and JSON responses work as in the Mastodon API (:mod:`plaza.api.mastodon.protocol`).
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    from starlette.routing import Route

    from . import admin, hot, openapi

    return [*hot.routes(), *admin.routes(),
            Route("/api/plaza/v1/openapi.json", openapi.openapi, methods=["GET"])]
