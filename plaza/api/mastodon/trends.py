"""Trends (``/api/v1/trends/tags``, its older alias ``/api/v1/trends``, and
``/api/v1/trends/statuses``), served from hot search's national list (热搜榜): the listed topics
as Mastodon Tags with their usage history, and the most shared recent public posts of those
topics."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.errors import Invalid
from plaza.http.bearer import viewer
from plaza.http.context import off_loop, plaza_of
from plaza.http.params import Params, query_params
from plaza.http.responses import ORJSONResponse
from plaza.square import timelines, views
from plaza.square.pagination import Page, parse_offset

from .entities import Renderer, tag, tag_history

#: Listed topics whose posts are candidates for trending statuses.
STATUS_TOPICS = 10
#: Newest posts read from each of those topics.
POSTS_PER_TOPIC = 20


def _window(params: Params, default: int, most: int) -> tuple[int, int]:
    """``limit`` (1…most) and ``offset`` (≥ 0), as Mastodon's trends take them."""
    try:
        limit = int(params.text("limit") or default)
    except ValueError as exc:
        raise Invalid("limit_invalid", max=most) from exc
    if not 1 <= limit <= most:
        raise Invalid("limit_invalid", max=most)
    return limit, parse_offset(params.text("offset"))


async def trend_tags(request: Request) -> Response:
    """The national hot list as Tags, in rank order, each with seven days of history."""
    viewer(request, "read")
    limit, offset = _window(query_params(request), 10, 20)
    plaza = plaza_of(request)
    hot, base = plaza.hot, plaza.settings.base_url

    def build() -> list[dict[str, Any]]:
        listed = hot.hot_list(None)
        keys = [e.topic for e in listed.entries[offset:offset + limit]] if listed else []
        names = hot.names(keys)
        return [tag(base, names[k], history=tag_history(hot.history(k))) for k in keys]

    return ORJSONResponse(await hot.io(build))


async def trend_statuses(request: Request) -> Response:
    """Recent public posts of the listed topics, most reposted, liked and replied first (a repost
    counts as its original)."""
    me = viewer(request, "read:statuses")
    viewer_id = me.id if me is not None else None
    limit, offset = _window(query_params(request), 20, 40)
    plaza = plaza_of(request)
    listed = await plaza.hot.io(lambda: plaza.hot.hot_list(None))
    names = listed.topics()[:STATUS_TOPICS] if listed is not None else []

    def build() -> list[orjson.Fragment]:
        ids: dict[int, None] = {}
        for name in names:
            ids.update(dict.fromkeys(timelines.topic(plaza.db, name, Page(limit=POSTS_PER_TOPIC))))
        base = plaza.settings.base_url
        shown: dict[int, views.StatusView] = {}
        for view in views.load(plaza.db, list(ids), viewer_id, base):
            original = view.reblog or view
            shown.setdefault(original.status.id, original)
        ranked = sorted(shown.values(), key=lambda v: (
            -(v.status.reblogs_count + v.status.favourites_count + v.status.replies_count),
            -v.status.id))
        renderer = Renderer(base)
        return [renderer.status_json(v) for v in ranked[offset:offset + limit]]

    return ORJSONResponse(await off_loop(request, build))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/trends", trend_tags, methods=["GET"]),
        Route("/api/v1/trends/tags", trend_tags, methods=["GET"]),
        Route("/api/v1/trends/statuses", trend_statuses, methods=["GET"]),
    ]
