"""Pages that list posts: the square, home, a city's feed (同城), search results (a topic's page is
in :mod:`plaza.web.topics`). Home and a city's feed show the warnings in force there first; the
square, home and an affected city's feed carry the banner of an incident in incident mode
(:func:`plaza.web.incidents.banners`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import actions, regions
from plaza.errors import Invalid, NotFound
from plaza.http.locale import request_locale
from plaza.square import timelines
from plaza.web import hot, incidents
from plaza.web.common import load, page_of, plaza_of, require_viewer, timeline
from plaza.web.rendering import render
from plaza.web.sessions import current_account


async def square(request: Request) -> Response:
    """The square (广场): every public post, newest first — the front page for visitors — with the
    national hot list's top entries beside it."""
    page = page_of(request)
    ids = timelines.public(plaza_of(request).db, page)
    return render(request, "square.html", {**timeline(request, ids, page), "hot_top": await hot.top_box(request),
                                           "incident_banners": await incidents.banners(request)})


async def home(request: Request) -> Response:
    """Home (首页): one's own posts and those of followed accounts, with a compose box."""
    viewer = require_viewer(request)
    page = page_of(request)
    db = plaza_of(request).db
    ids = timelines.home(db, viewer.id, page)
    return render(request, "home.html", {**timeline(request, ids, page, timelines.pinned(db, viewer.home_city)),
                                         "incident_banners": await incidents.banners(request)})


async def city_index(request: Request) -> Response:
    """``/city``: the viewer's home city, or a picker-chosen one (``?code=``)."""
    chosen = request.query_params.get("code")
    viewer = current_account(request)
    code = chosen or (viewer.home_city if viewer is not None else plaza_of(request).settings.default_city)
    return RedirectResponse(f"/city/{code}", status_code=303)


async def city(request: Request) -> Response:
    """A city's feed (同城): public posts made in the city."""
    code = request.path_params["code"]
    city_code = regions.city_code(code) if len(code) == 6 and code.isdigit() else None
    if city_code is None:
        raise NotFound("city_not_found")
    if city_code != code:  # a county: show the city it belongs to
        return RedirectResponse(f"/city/{city_code}", status_code=303)
    page = page_of(request)
    db = plaza_of(request).db
    ids = timelines.city(db, code, page)
    return render(request, "city.html", {"city_code": code, **timeline(request, ids, page, timelines.pinned(db, code)),
                                         "incident_banners": await incidents.banners(request, code)})


async def search_page(request: Request) -> Response:
    """Search (搜索): posts (Chinese word segmentation), accounts and topics."""
    query = request.query_params.get("q", "").strip()
    try:
        found = await actions.search_square(plaza_of(request), query, current_account(request), limit=20)
    except Invalid as exc:  # the search stays in its box, to be shortened
        return render(request, "search.html", {"query": "", "typed": query,
                                               "error": exc.message(request_locale(request))},
                      status_code=exc.status)
    return render(request, "search.html", {"typed": query, "error": None,
        "query": query, "statuses": load(request, found.status_ids), "accounts": found.accounts[:10],
        "topics": found.topics[:10], "older_max_id": None})
