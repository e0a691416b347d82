"""Administrators' controls over hot search, for accounts with the admin or moderator role:
the pinned slot (置顶) of each list, blocked topics and keywords, and review (new entries wait for
approval, as Mastodon's trend review). Every control takes effect at the next refresh;
``POST …/refresh`` runs one at once. Each endpoint answers the controls as they now are.

    GET  /api/plaza/v1/admin/hot                          the controls
    POST /api/plaza/v1/admin/hot/pin      topic, note, city (none: national)
    POST /api/plaza/v1/admin/hot/unpin    city
    POST /api/plaza/v1/admin/hot/block    topic or keyword
    POST /api/plaza/v1/admin/hot/unblock  topic or keyword
    POST /api/plaza/v1/admin/hot/review   enabled (true / false)
    POST /api/plaza/v1/admin/hot/approve  topic
    POST /api/plaza/v1/admin/hot/reject   topic
    POST /api/plaza/v1/admin/hot/refresh
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.api.mastodon.protocol import (
    ORJSONResponse,
    Params,
    authenticate,
    parse_bool,
    plaza_of,
    read_params,
)
from plaza.errors import Forbidden, Invalid
from plaza.hot.service import HotService

from .hot import city_param, iso

#: Roles that may manage hot search.
MANAGERS = ("admin", "moderator")


def _manager(request: Request, write: bool) -> None:
    scopes = ("admin:write", "write") if write else ("admin:read", "read")
    caller = authenticate(request, *scopes)
    if caller.user.role not in MANAGERS:
        raise Forbidden("hot_admin_only")


def _state(hot: HotService) -> dict[str, Any]:
    state = hot.admin_state()
    names = hot.names([*(p.topic for p in state.pinned.values()), *state.blocked_topics,
                       *state.pending, *state.approved, *state.rejected])
    return {
        "review": state.review,
        "pinned": [{"city": city, "topic": names[p.topic], "note": p.note, "set_at": iso(p.set_at)}
                   for city, p in sorted(state.pinned.items(), key=lambda kv: kv[0] or "")],
        "blocked_topics": sorted(names[t] for t in state.blocked_topics),
        "blocked_keywords": sorted(state.blocked_keywords),
        "pending": [{"topic": names[t], "since": iso(state.pending[t])}
                    for t in sorted(state.pending, key=lambda t: (state.pending[t], t))],
        "approved": sorted(names[t] for t in state.approved),
        "rejected": sorted(names[t] for t in state.rejected),
    }


def _required(params: Params, name: str) -> str:
    value = (params.text(name) or "").strip().strip("#").strip()
    if not value:
        raise Invalid("parameter_missing", name=name)
    if len(value) > 100:
        raise Invalid("parameter_invalid", name=name)
    return value


def _block(params: Params, hot: HotService, block: bool) -> None:
    if params.text("keyword"):
        keyword = _required(params, "keyword")
        (hot.block_keyword if block else hot.unblock_keyword)(keyword)
    else:
        topic = _required(params, "topic")
        (hot.block_topic if block else hot.unblock_topic)(topic)


def _refresh(hot: HotService) -> None:
    hot.refresh()


_ACTIONS: dict[str, Callable[[Params, HotService], None]] = {
    "pin": lambda p, hot: hot.pin(_required(p, "topic"), (p.text("note") or "").strip()[:200],
                                  city_param(p.text("city"))),
    "unpin": lambda p, hot: hot.unpin(city_param(p.text("city"))),
    "block": lambda p, hot: _block(p, hot, True),
    "unblock": lambda p, hot: _block(p, hot, False),
    "review": lambda p, hot: hot.set_review(parse_bool(p.get("enabled"), "enabled", True)),
    "approve": lambda p, hot: hot.approve(_required(p, "topic")),
    "reject": lambda p, hot: hot.reject(_required(p, "topic")),
    "refresh": lambda p, hot: _refresh(hot),
}


async def show(request: Request) -> Response:
    _manager(request, write=False)
    hot = plaza_of(request).hot
    return ORJSONResponse(await hot.io(lambda: _state(hot)))


def _action(name: str):  # type: ignore[no-untyped-def]
    act = _ACTIONS[name]

    async def endpoint(request: Request) -> Response:
        _manager(request, write=True)
        params = await read_params(request)
        hot = plaza_of(request).hot

        def work() -> dict[str, Any]:
            act(params, hot)
            return _state(hot)

        return ORJSONResponse(await hot.io(work))
    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/admin/hot", show, methods=["GET"]),
        *[Route(f"/api/plaza/v1/admin/hot/{name}", _action(name), methods=["POST"])
          for name in _ACTIONS],
    ]
