"""Timelines: home, the public square, a topic (``/tag/…``, Weibo-style names with CJK and spaces
work URL-encoded), and Plaza's city feed (同城) ``/api/v1/timelines/city/:code`` — plus the
conversations built from direct posts. Keyset pages with ``Link`` headers throughout."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza import regions
from plaza.errors import NotFound
from plaza.http.bearer import admit, authenticate, token_of, viewer, viewer_token
from plaza.http.context import off_loop, plaza_of
from plaza.http.params import query_params
from plaza.http.responses import ORJSONResponse, page_response
from plaza.identity.tokens import Token
from plaza.square import timelines, views
from plaza.square.pagination import Page, parse_page

from .entities import Renderer


def render_statuses(request: Request, ids: list[int], viewer_id: int | None, *,
                    review: bool = False) -> list[orjson.Fragment]:
    """The statuses of ``ids`` that still exist, in order, serialised (``review``: staff see
    suspended accounts' posts among ids they were allowed to open, see ``views.load``)."""
    base = plaza_of(request).settings.base_url
    renderer = Renderer(base)
    return [renderer.status_json(v) for v in views.load(plaza_of(request).db, ids, viewer_id, base, review=review)]


def statuses_page(request: Request, ids: list[int], viewer_id: int | None, page: Page, *,
                  review: bool = False) -> ORJSONResponse:
    """A page of statuses (newest first) with its ``Link`` header; its topics count as read."""
    plaza = plaza_of(request)
    loaded = views.load(plaza.db, ids, viewer_id, plaza.settings.base_url, review=review)
    return _answer(request, loaded, ids, page)


def _answer(request: Request, loaded: list[views.StatusView], ids: list[int], page: Page) -> ORJSONResponse:
    plaza = plaza_of(request)
    plaza.hot.displayed(loaded, getattr(request.state, "account", None))
    renderer = Renderer(plaza.settings.base_url)
    return page_response(request, [renderer.status_json(v) for v in loaded], ids, page.limit)


def _shown_page(request: Request, token: Token | None, page: Page, shown: views.Shown) -> ORJSONResponse:
    """A page read with its acting account (plaza.square.timelines.*_shown): the account is
    checked (suspended, pending, gone) before anything is answered."""
    if token is not None:
        admit(request, token, shown.acting)
    return _answer(request, shown.views, shown.ids, page)


def _viewer_id(token: Token | None) -> int | None:
    return token.account_id if token is not None else None


# Timeline handlers do all their database work, authentication included, in ``off_loop``: on
# PostgreSQL even the token's account row is a network round trip the event loop must not wait on,
# so the page's own statement reads it (token_of, then admit once the page is read).


async def home(request: Request) -> Response:
    def work() -> Response:
        token = token_of(request, "read:statuses")
        page = parse_page(request.query_params)
        plaza = plaza_of(request)
        account_id = int(token.account_id)  # type: ignore[arg-type]  # token_of refused app tokens
        shown = timelines.home_shown(plaza.db, account_id, page, plaza.settings.base_url)
        return _shown_page(request, token, page, shown)

    return await off_loop(request, work)


async def public(request: Request) -> Response:
    """The square. ``remote`` is empty: Plaza does not federate, every post is local."""
    def work() -> Response:
        token = viewer_token(request, "read:statuses")
        params = query_params(request)
        page = parse_page(request.query_params)
        if params.flag("remote"):
            viewer(request, "read:statuses")
            return ORJSONResponse([])
        plaza = plaza_of(request)
        if params.flag("only_media"):
            me = viewer(request, "read:statuses")
            ids = timelines.public(plaza.db, page, only_media=True)
            return statuses_page(request, ids, me.id if me is not None else None, page)
        shown = timelines.public_shown(plaza.db, page, _viewer_id(token), plaza.settings.base_url)
        return _shown_page(request, token, page, shown)

    return await off_loop(request, work)


async def tag(request: Request) -> Response:
    """A topic's public posts and reposts; ``/tag/%E9%87%8D%E5%BA%86%E5%B1%B1%E7%81%AB`` is #重庆山火#."""
    def work() -> Response:
        token = viewer_token(request, "read:statuses")
        params = query_params(request)
        page = parse_page(request.query_params)
        name = request.path_params["hashtag"].strip().strip("#")
        if params.flag("remote") or not name:
            viewer(request, "read:statuses")
            return ORJSONResponse([])
        plaza = plaza_of(request)
        shown = timelines.topic_shown(plaza.db, name, page, _viewer_id(token), plaza.settings.base_url)
        return _shown_page(request, token, page, shown)

    return await off_loop(request, work)


async def city(request: Request) -> Response:
    """Plaza addition: a city's public feed (同城) by 6-digit division code; a county's code reads
    as its city's."""
    def work() -> Response:
        token = viewer_token(request, "read:statuses")
        page = parse_page(request.query_params)
        code = request.path_params["code"]
        city_code = regions.city_code(code) if len(code) == 6 and code.isdigit() else None
        if city_code is None:
            viewer(request, "read:statuses")
            raise NotFound("city_invalid", code=code[:12])
        plaza = plaza_of(request)
        shown = timelines.city_shown(plaza.db, city_code, page, _viewer_id(token), plaza.settings.base_url)
        return _shown_page(request, token, page, shown)

    return await off_loop(request, work)


async def conversations(request: Request) -> Response:
    """Direct posts to and from the caller, each shown as a one-post conversation."""
    caller = authenticate(request, "read:statuses")
    page = parse_page(request.query_params)
    plaza = plaza_of(request)
    ids = timelines.direct_mentions(plaza.db, caller.account_id, page)
    base = plaza.settings.base_url
    renderer = Renderer(base)
    loaded = views.load(plaza.db, ids, caller.account_id, base)
    body = []
    for view in loaded:
        people = {view.account.id: view.account}
        for mentioned in view.mentions:
            people.setdefault(mentioned.id, mentioned)
        people.pop(caller.account_id, None)
        body.append({"id": str(view.status.id), "unread": False,
                     "accounts": [renderer.account(p) for p in people.values()],
                     "last_status": renderer.status_json(view)})
    return page_response(request, body, ids, page.limit)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/timelines/home", home, methods=["GET"]),
        Route("/api/v1/timelines/public", public, methods=["GET"]),
        Route("/api/v1/timelines/tag/{hashtag:path}", tag, methods=["GET"]),
        Route("/api/v1/timelines/city/{code}", city, methods=["GET"]),
        Route("/api/v1/conversations", conversations, methods=["GET"]),
    ]
