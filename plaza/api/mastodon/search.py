"""Search (``/api/v2/search``: accounts, statuses by Chinese full text, topics) and the Tag
entity (``/api/v1/tags/:name``). With ``resolve``, this server's own profile and post URLs
resolve to their account or status."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza import actions
from plaza.errors import Invalid, NotFound
from plaza.http.bearer import viewer
from plaza.http.context import plaza_of
from plaza.http.params import query_params
from plaza.http.responses import ORJSONResponse
from plaza.square import accounts, posts, topics
from plaza.square.pagination import parse_offset
from plaza.square.text import topic_key

from .accounts import local_query
from .entities import Renderer, tag, tag_history
from .timelines import render_statuses

TYPES = ("accounts", "statuses", "hashtags")
_LOCAL_URL = re.compile(r"^/@(?P<username>[A-Za-z0-9_]{1,30})(?:/(?P<status>\d{1,20}))?/?$")


def _resolve_url(request: Request, q: str, viewer_id: int | None) -> tuple[list[Any], list[int]]:
    """A URL of this server's profile or post → ([account row], [status id])."""
    base = plaza_of(request).settings.base_url
    if not q.startswith(base + "/"):
        return [], []
    match = _LOCAL_URL.match(q[len(base):])
    if match is None:
        return [], []
    plaza = plaza_of(request)
    row = accounts.find_by_username(plaza.db, match["username"])
    if row is None or row.suspended:
        return [], []
    if match["status"] is None:
        return [row], []
    with plaza.db.read() as conn:
        try:
            status = posts.get_visible(conn, int(match["status"]), viewer_id)
        except NotFound:
            return [], []
    return [], [status.id] if status.account_id == row.id else []


async def search_v2(request: Request) -> Response:
    me = viewer(request, "read:search")
    viewer_id = me.id if me is not None else None
    params = query_params(request)
    q = (params.text("q") or "").strip()
    kind = params.text("type") or None
    if kind is not None and kind not in TYPES:
        raise Invalid("parameter_invalid", name="type")
    try:
        limit = min(max(int(params.text("limit") or 20), 1), 40)
    except ValueError as exc:
        raise Invalid("limit_invalid", max=40) from exc
    offset = parse_offset(params.text("offset"))
    plaza = plaza_of(request)
    renderer = Renderer(plaza.settings.base_url)
    found_accounts: list[Any] = []
    status_ids: list[int] = []
    hashtags: list[dict[str, Any]] = []
    is_url = q.startswith(("http://", "https://"))
    if q and (params.flag("resolve") or is_url):
        found_accounts, status_ids = await plaza.read(lambda: _resolve_url(request, q, viewer_id))
    if q and not is_url:
        found = await actions.search_square(plaza, local_query(request, q), me, kind=kind, limit=limit,
                                            offset=offset)
        if not found_accounts and not status_ids:
            found_accounts, status_ids = found.accounts, found.status_ids
        hashtags = [tag(renderer.base, t.name, t.id) for t in found.topics]
    if kind not in (None, "accounts"):
        found_accounts = []
    if kind not in (None, "statuses"):
        status_ids = []
    return ORJSONResponse({
        "accounts": [renderer.account(r) for r in found_accounts],
        "statuses": render_statuses(request, status_ids, viewer_id),
        "hashtags": hashtags,
    })


async def show_tag(request: Request) -> Response:
    """A topic as a Mastodon Tag with its usage history from hot search: seven days, or none when
    hot search counted no use of it in that week (posts made before counting began, or loaded
    without the API); following tags is not offered. A topic no public post names is not found
    (staff excepted), as if no post had named it."""
    me = viewer(request, "read:statuses")
    name = request.path_params["name"].strip().strip("#")
    key = topic_key(name) if name else ""
    plaza = plaza_of(request)
    found = topics.curation(plaza.db, name) if key and topics.visible(plaza.db, name, me) else None
    if found is None:
        raise NotFound("not_found")
    days = await plaza.hot.io(lambda: plaza.hot.history(key))
    used = any(d.uses or d.accounts for d in days)
    return ORJSONResponse(tag(plaza.settings.base_url, found.name, found.topic_id,
                              tag_history(days) if used else []))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v2/search", search_v2, methods=["GET"]),
        Route("/api/v1/tags/{name:path}", show_tag, methods=["GET"]),
    ]
