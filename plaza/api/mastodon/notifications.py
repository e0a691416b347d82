"""Notifications: list (``types[]``, ``exclude_types[]``, keyset pages), one, dismiss, clear.

Plaza's internal type ``reply`` has no Mastodon counterpart: clients receive it as ``mention``,
with ``plaza_type: "reply"`` for those who care, and a ``mention`` filter includes replies.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.errors import NotFound
from plaza.http.bearer import authenticate
from plaza.http.context import plaza_of
from plaza.http.params import path_id, query_params
from plaza.http.responses import ORJSONResponse, page_response
from plaza.square import accounts, notifications, views
from plaza.square.pagination import parse_page

from .entities import Renderer

NEEDS_STATUS = frozenset({"mention", "reply", "reblog", "favourite"})


def internal_types(types: list[Any]) -> list[str]:
    out: list[str] = []
    for t in types:
        out.append(str(t))
        if t == "mention":
            out.append("reply")
    return out


def render(request: Request, rows: list[Row[Any]], viewer_id: int) -> list[dict[str, Any]]:
    plaza = plaza_of(request)
    base = plaza.settings.base_url
    status_ids = list(dict.fromkeys(r.status_id for r in rows if r.status_id is not None))
    renderer = Renderer(base)
    statuses = {v.status.id: renderer.status_json(v) for v in views.load(plaza.db, status_ids, viewer_id, base)}
    with plaza.db.read() as conn:
        people = accounts.get_many(conn, {r.from_account_id for r in rows})
    out = []
    for row in rows:
        sender = people.get(row.from_account_id)
        status = statuses.get(row.status_id) if row.status_id is not None else None
        if sender is None or sender.suspended or (row.type in NEEDS_STATUS and status is None):
            continue  # the post was deleted or the sender suspended since
        out.append(renderer.notification(row, sender, status))
    return out


async def index(request: Request) -> Response:
    caller = authenticate(request, "read:notifications")
    params = query_params(request)
    page = parse_page(request.query_params, default_limit=40, max_limit=80)
    listed = notifications.page_for(plaza_of(request).db, caller.account_id, page,
                                    types=internal_types(params.values("types")) or None,
                                    exclude_types=internal_types(params.values("exclude_types")) or None)
    return page_response(request, render(request, listed.rows, caller.account_id), listed.ids, page.limit)


async def show(request: Request) -> Response:
    caller = authenticate(request, "read:notifications")
    row = notifications.get(plaza_of(request).db, caller.account_id, path_id(request))
    rendered = render(request, [row], caller.account_id)
    if not rendered:
        raise NotFound("not_found")
    return ORJSONResponse(rendered[0])


async def dismiss(request: Request) -> Response:
    caller = authenticate(request, "write:notifications")
    notifications.dismiss(plaza_of(request).db, caller.account_id, path_id(request))
    return ORJSONResponse({})


async def clear(request: Request) -> Response:
    caller = authenticate(request, "write:notifications")
    notifications.dismiss(plaza_of(request).db, caller.account_id)
    return ORJSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/notifications", index, methods=["GET"]),
        Route("/api/v1/notifications/clear", clear, methods=["POST"]),
        Route("/api/v1/notifications/{id}", show, methods=["GET"]),
        Route("/api/v1/notifications/{id}/dismiss", dismiss, methods=["POST"]),
    ]
