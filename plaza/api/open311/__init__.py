"""Open311 GeoReport v2 (``/open311/v2``), so existing civic apps and tools file and follow the
service desk's cases: service discovery, the catalogue as services (:mod:`.services`), requests
filed with an administrator-issued ``api_key`` and followed by id or token (:mod:`.requests`),
FixMyStreet's ``servicerequestupdates`` extension (:mod:`.updates`) — JSON and XML
(:mod:`.formats`), a desk as the ``jurisdiction_id``, public data only (:mod:`.render`).
Keys are managed from the command line (``plaza open311 key …``, :mod:`.keys`).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

PREFIX = "/open311/v2"


def routes() -> list[BaseRoute]:
    from starlette.routing import Route

    from . import requests, services, updates

    return [
        Route(f"{PREFIX}/discovery.{{format}}", services.discovery, methods=["GET"]),
        Route(f"{PREFIX}/services.{{format}}", services.service_list, methods=["GET"]),
        Route(f"{PREFIX}/services/{{service_code}}.{{format}}", services.service_definition, methods=["GET"]),
        Route(f"{PREFIX}/requests.{{format}}", requests.create_request, methods=["POST"]),
        Route(f"{PREFIX}/requests.{{format}}", requests.list_requests, methods=["GET"]),
        Route(f"{PREFIX}/requests/{{service_request_id}}.{{format}}", requests.get_request, methods=["GET"]),
        Route(f"{PREFIX}/tokens/{{token}}.{{format}}", requests.get_token, methods=["GET"]),
        Route(f"{PREFIX}/servicerequestupdates.{{format}}", updates.list_updates, methods=["GET"]),
        Route(f"{PREFIX}/servicerequestupdates.{{format}}", updates.post_update, methods=["POST"]),
    ]
