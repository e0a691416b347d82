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

from plaza.errors import Invalid, NotFound
from plaza.square import accounts, media, posts, views
from plaza.square.views import StatusView

from .entities import Renderer
from .protocol import (
    ORJSONResponse,
    Params,
    admit,
    authenticate,
    off_loop,
    path_id,
    plaza_of,
    query_params,
    read_params,
    token_of,
    viewer,
)
from .timelines import render_statuses


def _load_one(request: Request, status_id: int, viewer_id: int | None) -> StatusView:
    plaza = plaza_of(request)
    with plaza.db.read() as conn:
        posts.get_visible(conn, status_id, viewer_id)
        loaded = views.load_with(conn, [status_id], viewer_id, plaza.settings.base_url)
    if not loaded:
        raise NotFound("status_not_found")
    return loaded[0]


def _one(request: Request, status_id: int, viewer_id: int | None) -> Response:
    view = _load_one(request, status_id, viewer_id)
    return ORJSONResponse(Renderer(plaza_of(request).settings.base_url).status_json(view))


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
    if any(key == "poll" or key.startswith("poll[") for key in params.keys()):
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
    plaza.limits.hit("posting", str(token.account_id))
    drafted = posts.draft(new, plaza.settings.max_post_chars)
    author_id, key = int(token.account_id), request.headers.get("idempotency-key") or None  # type: ignore[arg-type]
    base = plaza.settings.base_url

    def admit_author(row: Any) -> None:  # in the post's own transaction
        admit(request, token, row)

    done = await plaza.db.batched(lambda: posts.publish(plaza.db, author_id, drafted, idempotency_key=key,
                                                        admit=admit_author))
    parent_id = new.in_reply_to_id
    if isinstance(done, posts.Published) and parent_id is None:
        view = views.published(done.status, done.author, done.mentioned, done.topics, done.media, base)
        plaza.hot.posted(view, done.author)
        return ORJSONResponse(Renderer(base).status_json(view))

    def reread() -> Response:  # a retried request (Idempotency-Key), or a reply and its parent
        status_id = done if isinstance(done, int) else int(done.status.id)
        with plaza.db.read() as conn:  # the author's own post: no visibility check needed
            loaded = views.load_with(conn, [status_id, *([parent_id] if parent_id else [])], author_id, base)
        if not loaded or loaded[0].status.id != status_id:  # deleted in the moment since (by a moderator)
            raise NotFound("status_not_found")
        if isinstance(done, posts.Published):
            plaza.hot.posted(loaded[0], done.author, loaded[1] if len(loaded) > 1 else None)
        return ORJSONResponse(Renderer(base).status_json(loaded[0]))

    return await off_loop(request, reread)


async def show(request: Request) -> Response:
    me = viewer(request, "read:statuses")
    return _one(request, path_id(request, key="status_not_found"), me.id if me is not None else None)


async def show_many(request: Request) -> Response:
    """``GET /api/v1/statuses?id[]=…``: those that exist and the caller may see, in order."""
    me = viewer(request, "read:statuses")
    viewer_id = me.id if me is not None else None
    wanted: list[int] = []
    for raw in query_params(request).values("id"):
        try:
            wanted.append(int(str(raw)))
        except ValueError:
            continue
    plaza = plaza_of(request)
    visible: list[int] = []
    with plaza.db.read() as conn:
        for status_id in dict.fromkeys(wanted[:40]):
            try:
                posts.get_visible(conn, status_id, viewer_id)
            except NotFound:
                continue
            visible.append(status_id)
    return ORJSONResponse(render_statuses(request, visible, viewer_id))


async def delete(request: Request) -> Response:
    """Delete a status; the answer carries its source ``text`` for delete-and-redraft."""
    caller = authenticate(request, "write:statuses")
    status_id = path_id(request, key="status_not_found")
    view = _load_one(request, status_id, caller.account_id)
    deleted = posts.delete_status(plaza_of(request).db, caller.user, status_id)
    media.remove_discarded(plaza_of(request).db, plaza_of(request).settings.media_dir)  # its images
    return ORJSONResponse(Renderer(plaza_of(request).settings.base_url).status(view, text=deleted.text))


async def context(request: Request) -> Response:
    me = viewer(request, "read:statuses")
    viewer_id = me.id if me is not None else None
    ancestors, descendants = posts.context(plaza_of(request).db, path_id(request, key="status_not_found"),
                                           viewer_id)
    base = plaza_of(request).settings.base_url
    renderer = Renderer(base)
    by_id = {v.status.id: renderer.status_json(v)
             for v in views.load(plaza_of(request).db, ancestors + descendants, viewer_id, base)}
    return ORJSONResponse({"ancestors": [by_id[i] for i in ancestors if i in by_id],
                           "descendants": [by_id[i] for i in descendants if i in by_id]})


def _action(kind: str):  # type: ignore[no-untyped-def]
    """reblog / unreblog / favourite / unfavourite: act, then answer the status as it now is."""
    async def endpoint(request: Request) -> Response:
        scope = "write:favourites" if "favourite" in kind else "write:statuses"
        caller = authenticate(request, scope)
        status_id = path_id(request, key="status_not_found")
        db = plaza_of(request).db
        if kind == "reblog":
            params = await read_params(request)
            shown = posts.reblog(db, caller.user, status_id, params.text("visibility") or "public")
        elif kind == "unreblog":
            shown = posts.unreblog(db, caller.user, status_id)
        elif kind == "favourite":
            shown = posts.favourite(db, caller.user, status_id)
        else:
            shown = posts.unfavourite(db, caller.user, status_id)
        view = _load_one(request, shown, caller.account_id)
        if kind in ("reblog", "favourite"):
            getattr(plaza_of(request).hot, "reposted" if kind == "reblog" else "liked")(view, caller.user)
        return ORJSONResponse(Renderer(plaza_of(request).settings.base_url).status_json(view))
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
