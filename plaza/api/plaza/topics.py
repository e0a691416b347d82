"""Topic curation in Plaza's API: a topic's hosts (主持人) and description (导语).

    POST   /api/plaza/v1/topics/{name}/hosts               account_id or username (staff)
    DELETE /api/plaza/v1/topics/{name}/hosts/{account_id}  (staff)
    PUT    /api/plaza/v1/topics/{name}/description         description (hosts and staff; POST too)

Each answers the topic's curation as it now is (``TopicCuration``); ``GET …/topics/{name}``
(:mod:`.hot`) carries the same ``hosts`` and ``description``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.errors import Forbidden, Invalid, NotFound
from plaza.http.bearer import authenticate
from plaza.http.context import plaza_of
from plaza.http.params import Params, path_id, read_params
from plaza.http.responses import ORJSONResponse
from plaza.square import accounts, topics
from plaza.square.topics import TopicCuration


def host_json(row: Row[Any]) -> dict[str, Any]:
    """A host as the API shows it (ids as strings, as everywhere in Plaza's APIs)."""
    return {"id": str(row.id), "username": row.username, "acct": row.username,
            "display_name": row.display_name, "kind": row.kind}


def curation_json(name: str, curation: TopicCuration | None) -> dict[str, Any]:
    if curation is None:
        return {"name": name, "description": None, "hosts": []}
    return {"name": curation.name, "description": curation.description,
            "hosts": [host_json(h) for h in curation.hosts]}


def topic_name(request: Request) -> str:
    name = request.path_params["name"].strip().strip("#").strip()
    if not name:
        raise NotFound("not_found")
    return name


def _host_id(request: Request, params: Params) -> int:
    """The account to appoint: ``account_id``, else ``username`` (``@name`` accepted)."""
    if params.text("account_id"):
        account_id = params.id("account_id")
        assert account_id is not None
        return account_id
    username = (params.text("username") or "").strip()
    if not username:
        raise Invalid("parameter_missing", name="account_id")
    row = accounts.find_by_username(plaza_of(request).db, username[:60])
    if row is None:
        raise Invalid("topic_host_unknown")
    return int(row.id)


async def add_host(request: Request) -> Response:
    caller = authenticate(request, "admin:write", "write")
    if not topics.is_manager(caller.user):
        raise Forbidden("topic_hosts_staff_only")
    name = topic_name(request)
    params = await read_params(request)
    db = plaza_of(request).db
    curation = topics.appoint_host(db, name, _host_id(request, params), by=caller.user)
    return ORJSONResponse(curation_json(name, curation))


async def remove_host(request: Request) -> Response:
    caller = authenticate(request, "admin:write", "write")
    name = topic_name(request)
    account_id = path_id(request, "account_id", key="topic_host_not_found")
    curation = topics.remove_host(plaza_of(request).db, name, account_id, by=caller.user)
    return ORJSONResponse(curation_json(name, curation))


async def set_description(request: Request) -> Response:
    caller = authenticate(request, "write")
    name = topic_name(request)
    params = await read_params(request)
    text = params.text("description")
    if text is None:
        raise Invalid("parameter_missing", name="description")
    curation = topics.set_description(plaza_of(request).db, name, text, by=caller.user)
    return ORJSONResponse(curation_json(name, curation))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/topics/{name:path}/hosts", add_host, methods=["POST"]),
        Route("/api/plaza/v1/topics/{name:path}/hosts/{account_id}", remove_host, methods=["DELETE"]),
        Route("/api/plaza/v1/topics/{name:path}/description", set_description, methods=["PUT", "POST"]),
    ]
