"""Plaza's own API (``/api/plaza/v1``): what Mastodon's API has no place for.

:mod:`.hot` serves hot search (热搜, national and per city) and topics; :mod:`.topics` lets staff
appoint topic hosts (主持人) and hosts write a topic's description (导语); :mod:`.admin` gives
administrators and moderators the pinned slot, blocks and review of the lists; :mod:`.matrices`
serves government matrices (政务矩阵) and their campaigns (矩阵联动); :mod:`.help` screens texts for help requests and
serves them; :mod:`.warnings` serves official warnings (预警) as JSON, CAP 1.2 and Atom; :mod:`.incidents` serves
incidents (事件), their totals and donation ledgers; :mod:`.openapi`
describes them all (``/api/plaza/v1/openapi.json``). Parameters, bearer tokens and JSON
responses work as in the Mastodon API: both use :mod:`plaza.http` (``params``, ``bearer``,
``responses``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    from starlette.routing import Route

    from . import admin, desk, desk_metrics, help, hot, incidents, index, matrices, openapi, topics, warnings

    return [*hot.routes(), *topics.routes(), *admin.routes(), *matrices.routes(), *desk.routes(),
            Route("/api/plaza/v1/openapi.json", openapi.openapi, methods=["GET"]),
            *desk_metrics.routes(), *help.routes(), *warnings.routes(), *incidents.routes(),
            *index.routes()]
