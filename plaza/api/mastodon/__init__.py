"""The Mastodon client REST API and the token side of OAuth 2, so existing apps and libraries
(``mastodon-py``, ``toot``) work with Plaza unmodified.

One module per resource — :mod:`.oauth`, :mod:`.instance`, :mod:`.accounts`, :mod:`.statuses`,
:mod:`.media`, :mod:`.timelines`, :mod:`.notifications`, :mod:`.search`, :mod:`.trends` — each
parsing, authorising, calling an action or a service and rendering :mod:`.entities`. What
they share with every interface (parameters, bearer tokens and scopes, ``Link`` headers, orjson
responses) is in :mod:`plaza.http`.

Plaza's additions are prefixed ``plaza``: a ``plaza`` object on accounts, statuses and the
instance; ``plaza_city`` / ``plaza_latitude`` / ``plaza_longitude`` parameters; the city feed
``GET /api/v1/timelines/city/:code``; and ``plaza_type`` on notifications (a reply arrives as
Mastodon's ``mention`` with ``plaza_type: "reply"``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every route of the API, fixed paths before parameterised ones, the busiest first (routes are
    tried in order; no path of one module matches another's)."""
    from . import (
        accounts,
        instance,
        media,
        notifications,
        oauth,
        search,
        statuses,
        timelines,
        trends,
    )

    return [
        *timelines.routes(),
        *statuses.routes(),
        *oauth.routes(),
        *instance.routes(),
        *accounts.routes(),
        *media.routes(),
        *notifications.routes(),
        *search.routes(),
        *trends.routes(),
    ]
