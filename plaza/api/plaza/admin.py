"""Administrators' controls over hot search, for accounts with the admin or moderator role:
the pinned slot (置顶) of each list, blocked topics and keywords, and review (new entries wait for
approval, as Mastodon's trend review). Every control takes effect at the next refresh;
``POST …/refresh`` runs one at once. Each endpoint answers the controls as they now are, and
every action is logged with who took it (``GET …/history``, newest first, paged with ``max_id``
and ``limit`` and a ``Link`` header as Mastodon's lists are).

    GET  /api/plaza/v1/admin/hot                          the controls
    POST /api/plaza/v1/admin/hot/pin      topic, note, city (none: national)
    POST /api/plaza/v1/admin/hot/unpin    city
    POST /api/plaza/v1/admin/hot/block    topic or keyword
    POST /api/plaza/v1/admin/hot/unblock  topic or keyword
    POST /api/plaza/v1/admin/hot/review   enabled (true / false)
    POST /api/plaza/v1/admin/hot/approve  topic
    POST /api/plaza/v1/admin/hot/reject   topic
    POST /api/plaza/v1/admin/hot/refresh
    GET  /api/plaza/v1/admin/hot/history                  the actions taken, newest first
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.accounts import policy
from plaza.accounts.policy import Permission
from plaza.errors import Invalid
from plaza.hot.service import AdminAction, HotService
from plaza.http.bearer import Caller, authenticate
from plaza.http.context import plaza_of
from plaza.http.params import Params, parse_bool, query_params, read_params
from plaza.http.responses import ORJSONResponse, page_response
from plaza.square import accounts

from .hot import city_param, iso

#: Actions per page of the history (default and most).
HISTORY_LIMIT, HISTORY_MAX = 40, 80


def _manager(request: Request, write: bool) -> Caller:
    scopes = ("admin:write", "write") if write else ("admin:read", "read")
    caller = authenticate(request, *scopes)
    policy.require(caller.user, Permission.MANAGE_HOT_SEARCH, key="hot_admin_only")
    return caller


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
    return value  # its length is the service's to check, for the web and the API alike


def _block(params: Params, hot: HotService, by: int, block: bool) -> None:
    if params.text("keyword"):
        keyword = _required(params, "keyword")
        (hot.block_keyword if block else hot.unblock_keyword)(keyword, by=by)
    else:
        topic = _required(params, "topic")
        (hot.block_topic if block else hot.unblock_topic)(topic, by=by)


def _refresh(hot: HotService, by: int) -> None:
    hot.refresh(by=by)


#: name → what it does, given the parameters, the service and the acting account's id
_ACTIONS: dict[str, Callable[[Params, HotService, int], None]] = {
    "pin": lambda p, hot, by: hot.pin(_required(p, "topic"), (p.text("note") or "").strip(),
                                      city_param(p.text("city")), by=by),
    "unpin": lambda p, hot, by: hot.unpin(city_param(p.text("city")), by=by),
    "block": lambda p, hot, by: _block(p, hot, by, True),
    "unblock": lambda p, hot, by: _block(p, hot, by, False),
    "review": lambda p, hot, by: hot.set_review(parse_bool(p.get("enabled"), "enabled", True),
                                                by=by),
    "approve": lambda p, hot, by: hot.approve(_required(p, "topic"), by=by),
    "reject": lambda p, hot, by: hot.reject(_required(p, "topic"), by=by),
    "refresh": lambda p, hot, by: _refresh(hot, by),
}


async def show(request: Request) -> Response:
    _manager(request, write=False)
    hot = plaza_of(request).hot
    return ORJSONResponse(await hot.io(lambda: _state(hot)))


def _action(name: str):  # type: ignore[no-untyped-def]
    act = _ACTIONS[name]

    async def endpoint(request: Request) -> Response:
        caller = _manager(request, write=True)
        params = await read_params(request)
        hot = plaza_of(request).hot

        def work() -> dict[str, Any]:
            act(params, hot, caller.account_id)
            return _state(hot)

        # in a thread: the action is logged (and a refresh stored) in the database
        return ORJSONResponse(await asyncio.to_thread(work))
    return endpoint


def _action_body(action: AdminAction, names: dict[str, str],
                 actors: dict[int, Any]) -> dict[str, Any]:
    actor = actors.get(action.account_id) if action.account_id is not None else None
    keyword = action.action in ("block_keyword", "unblock_keyword")
    return {
        "id": str(action.id),
        "at": iso(action.at),
        "action": action.action,
        "account": {"id": str(actor.id), "username": actor.username,
                    "display_name": actor.display_name} if actor is not None else None,
        "topic": names[action.topic] if action.topic and not keyword else None,
        "keyword": action.topic if keyword else None,
        "city": action.city,
        "note": action.note,
    }


async def history(request: Request) -> Response:
    """Administrators' actions on hot search, newest first: who, what, on which topic or
    keyword and list, with the note; ``max_id`` and ``limit`` page through them."""
    _manager(request, write=False)
    params = query_params(request)
    try:
        limit = int(params.text("limit") or HISTORY_LIMIT)
    except ValueError as exc:
        raise Invalid("limit_invalid", max=HISTORY_MAX) from exc
    if limit < 1:
        raise Invalid("limit_invalid", max=HISTORY_MAX)
    limit = min(limit, HISTORY_MAX)
    before = params.id("max_id")
    plaza = plaza_of(request)
    hot = plaza.hot

    def work() -> list[dict[str, Any]]:
        actions = hot.admin_history(limit, before)
        names = hot.names([a.topic for a in actions if a.topic])
        with plaza.db.read() as conn:
            actors = accounts.get_many(conn, {a.account_id for a in actions
                                              if a.account_id is not None})
        return [_action_body(a, names, actors) for a in actions]

    body = await asyncio.to_thread(work)
    return page_response(request, body, [int(a["id"]) for a in body], limit)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/admin/hot", show, methods=["GET"]),
        Route("/api/plaza/v1/admin/hot/history", history, methods=["GET"]),
        *[Route(f"/api/plaza/v1/admin/hot/{name}", _action(name), methods=["POST"])
          for name in _ACTIONS],
    ]
