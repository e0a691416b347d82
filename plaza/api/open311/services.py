"""GeoReport v2's service discovery, service list and service definitions.

    GET /open311/v2/discovery.{json,xml}            where the endpoint is, its formats, how to get a key
    GET /open311/v2/services.{json,xml}             the desk's catalogue leaves as services
    GET /open311/v2/services/{code}.{json,xml}      a service's attributes (urgency, anonymous)
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plaza.errors import NotFound
from plaza.http.context import off_loop, plaza_of
from plaza.http.locale import request_locale
from plaza.http.params import query_params
from plaza.i18n import gettext

from . import render, store
from .common import jurisdiction
from .formats import answer, endpoint

#: The formats this endpoint answers in, as discovery names them.
MIME_TYPES = ("text/xml", "application/json")


@endpoint
async def discovery(request: Request, fmt: str) -> Response:
    plaza = plaza_of(request)
    locale = request_locale(request)
    base = plaza.settings.base_url.rstrip("/")

    def work() -> dict[str, Any]:
        with plaza.db.read() as conn:
            changed = store.changeset(conn)
        changeset = render.iso(changed) or ""
        return {
            "changeset": changeset,
            "contact": gettext("open311_contact", locale, url=base),
            "key_service": gettext("open311_key_service", locale),
            "endpoints": [{"specification": render.SPECIFICATION, "url": f"{base}/open311/v2",
                           "changeset": changeset, "type": "production", "formats": list(MIME_TYPES)}],
        }

    return answer(fmt, await off_loop(request, work), root="discovery")


@endpoint
async def service_list(request: Request, fmt: str) -> Response:
    params = query_params(request)
    jurisdiction_id = params.text("jurisdiction_id")
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = jurisdiction(conn, jurisdiction_id)
            return [render.service(c) for c in render.leaves_by_code(conn, desk).values()]

    return answer(fmt, await off_loop(request, work), root="services", item="service")


@endpoint
async def service_definition(request: Request, fmt: str) -> Response:
    params = query_params(request)
    jurisdiction_id = params.text("jurisdiction_id")
    code = str(request.path_params["service_code"])
    locale = request_locale(request)
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            desk = jurisdiction(conn, jurisdiction_id)
            category = store.service(conn, desk, code)
            if category is None:
                raise NotFound("open311_service_unknown", code=code[:40])
            return render.definition(category, locale)

    return answer(fmt, await off_loop(request, work), root="service_definition")
