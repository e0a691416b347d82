"""Statuses (微博): post (with ``Idempotency-Key``), read, delete-and-redraft, thread context,
repost, like, who liked or reposted.

Plaza additions on ``POST /api/v1/statuses``: ``plaza_city`` (the 6-digit division code of where
the post is about; default the author's home city) and ``plaza_latitude`` / ``plaza_longitude``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza import actions
from plaza.errors import Invalid, NotFound
from plaza.http.bearer import admit, authenticate, token_of, viewer
from plaza.http.context import plaza_of
from plaza.http.params import Params, path_id, query_params, read_params
from plaza.http.responses import ORJSONResponse
from plaza.square import accounts, posts, views
from plaza.square.visibility import may_review

from .entities import Renderer
from .timelines import render_statuses


def _coordinate(params: Params, name: str) -> float | None:
    raw = params.text(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise Invalid("coordinates_invalid") from exc


def new_status(params: Params) -> posts.NewStatus:
    """The post a request describes; polls and scheduling are refused, Plaza has neither."""
    if any(key == "poll" or key.startswith("poll[") for key in params.keys()):  # noqa: SIM118 (Params is no dict)
        raise Invalid("poll_not_supported")
    if params.text("scheduled_at"):
        raise Invalid("scheduled_not_supported")
    language = params.text("language") or None
    if language is not None and len(language) > 10:
        raise Invalid("parameter_invalid", name="language")
    spoiler = params.text("spoiler_text") or ""
    return posts.NewStatus(
        text=params.text("status") or "",
        visibility=params.text("visibility") or "public",
        in_reply_to_id=params.id("in_reply_to_id"),
        media_ids=tuple(params.ids("media_ids")),
        sensitive=params.flag("sensitive"),
        spoiler_text=spoiler,
        language=language,
        city=params.text("plaza_city") or None,
        latitude=_coordinate(params, "plaza_latitude"),
        longitude=_coordinate(params, "plaza_longitude"),
    )


async def create(request: Request) -> Response:
    plaza = plaza_of(request)
    token = token_of(request, "write:statuses")
    params = await read_params(request)
    new = new_status(params)

    def admit_author(row: Any) -> None:  # in the post's own transaction
        admit(request, token, row)

    view = await actions.post_status(plaza, int(token.account_id),  # type: ignore[arg-type]
                                     new, idempotency_key=request.headers.get("idempotency-key") or None,
                                     admit=admit_author)
    return ORJSONResponse(Renderer(plaza.settings.base_url).status_json(view))


async def show(request: Request) -> Response:
    me = viewer(request, "read:statuses")
    plaza = plaza_of(request)
    view = await actions.shown(plaza, path_id(request, key="status_not_found"), me)
    return ORJSONResponse(Renderer(plaza.settings.base_url).status_json(view))


async def show_many(request: Request) -> Response:
    """``GET /api/v1/statuses?id[]=…``: those that exist and the caller may see, in order."""
    me = viewer(request, "read:statuses")
    viewer_id = me.id if me is not None else None
    wanted = query_params(request).ids("id", skip_malformed=True)
    plaza = plaza_of(request)
    visible: list[int] = []
    with plaza.db.read() as conn:
        for status_id in dict.fromkeys(wanted[:40]):
            try:
                posts.get_visible(conn, status_id, viewer_id)
            except NotFound:
                continue
            visible.append(status_id)
    return ORJSONResponse(render_statuses(request, visible, viewer_id, review=may_review(me)))


async def delete(request: Request) -> Response:
    """Delete a status; the answer carries its source ``text`` for delete-and-redraft."""
    caller = authenticate(request, "write:statuses")
    status_id = path_id(request, key="status_not_found")
    plaza = plaza_of(request)
    view = await actions.shown(plaza, status_id, caller.user)
    deleted = await actions.delete_status(plaza, caller.user, status_id)
    return ORJSONResponse(Renderer(plaza.settings.base_url).status(view, text=deleted.text))


async def context(request: Request) -> Response:
    me = viewer(request, "read:statuses")
    viewer_id = me.id if me is not None else None
    ancestors, descendants = posts.context(plaza_of(request).db, path_id(request, key="status_not_found"),
                                           viewer_id)
    base = plaza_of(request).settings.base_url
    renderer = Renderer(base)
    by_id = {v.status.id: renderer.status_json(v)
             for v in views.load(plaza_of(request).db, ancestors + descendants, viewer_id, base,
                                 review=may_review(me))}
    return ORJSONResponse({"ancestors": [by_id[i] for i in ancestors if i in by_id],
                           "descendants": [by_id[i] for i in descendants if i in by_id]})


#: reblog / unreblog / favourite / unfavourite → (the action, the scope it needs)
_ACTIONS = {
    "reblog": (actions.reblog, "write:statuses"),
    "unreblog": (actions.unreblog, "write:statuses"),
    "favourite": (actions.favourite, "write:favourites"),
    "unfavourite": (actions.unfavourite, "write:favourites"),
}


def _action(kind: str):  # type: ignore[no-untyped-def]
    """reblog / unreblog / favourite / unfavourite: act, then answer the status as it now is."""
    act, scope = _ACTIONS[kind]

    async def endpoint(request: Request) -> Response:
        caller = authenticate(request, scope)
        status_id = path_id(request, key="status_not_found")
        plaza = plaza_of(request)
        if kind == "reblog":
            visibility = (await read_params(request)).text("visibility") or "public"
            view = await actions.reblog(plaza, caller.user, status_id, visibility)
        else:
            view = await act(plaza, caller.user, status_id)
        return ORJSONResponse(Renderer(plaza.settings.base_url).status_json(view))
    return endpoint


def _people(kind: str):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        me = viewer(request, "read:statuses")
        viewer_id = me.id if me is not None else None
        plaza = plaza_of(request)
        status_id = path_id(request, key="status_not_found")
        lister = posts.favourited_by if kind == "favourited_by" else posts.reblogged_by
        ids = lister(plaza.db, status_id, viewer_id, limit=80)
        with plaza.db.read() as conn:
            rows = accounts.get_many(conn, ids)
        renderer = Renderer(plaza.settings.base_url)
        body: list[dict[str, Any]] = [renderer.account(rows[i]) for i in ids
                                      if i in rows and not rows[i].suspended]
        return ORJSONResponse(body)
    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/statuses", create, methods=["POST"]),
        Route("/api/v1/statuses", show_many, methods=["GET"]),
        Route("/api/v1/statuses/{id}", show, methods=["GET"]),
        Route("/api/v1/statuses/{id}", delete, methods=["DELETE"]),
        Route("/api/v1/statuses/{id}/context", context, methods=["GET"]),
        Route("/api/v1/statuses/{id}/reblog", _action("reblog"), methods=["POST"]),
        Route("/api/v1/statuses/{id}/unreblog", _action("unreblog"), methods=["POST"]),
        Route("/api/v1/statuses/{id}/favourite", _action("favourite"), methods=["POST"]),
        Route("/api/v1/statuses/{id}/unfavourite", _action("unfavourite"), methods=["POST"]),
        Route("/api/v1/statuses/{id}/favourited_by", _people("favourited_by"), methods=["GET"]),
        Route("/api/v1/statuses/{id}/reblogged_by", _people("reblogged_by"), methods=["GET"]),
    ]
