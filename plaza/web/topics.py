"""The topic page (话题): the topic's description (导语), counters (阅读 讨论 原创 互动, participants),
its place on the national hot list with its record and a heat curve of the last day, its hosts
(主持人), then its posts; staff appoint and remove hosts there, and hosts and staff write the
description."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza.errors import Forbidden, Invalid, NotFound, PlazaError
from plaza.hot.service import HotService
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.square import accounts, timelines, topics
from plaza.square.views import topic_path
from plaza.web.common import page_of, plaza_of, require_viewer, timeline
from plaza.web.curve import heat_chart
from plaza.web.hot import formatting
from plaza.web.rendering import render
from plaza.web.sessions import checked_form, current_account

#: The heat curve covers the last day (or less, since the topic was first listed).
CURVE_SECONDS = 24 * 3600.0
#: Notices after a form: ``?saved=`` value → message key.
SAVED = {"host_added": "topic_host_added", "host_removed": "topic_host_removed",
         "description": "topic_description_saved"}


def topic_name(request: Request) -> str:
    name = request.path_params["name"].strip().strip("#").strip()
    if not name:
        raise NotFound("not_found")
    return name


def _hot_facts(hot: HotService, name: str) -> dict[str, Any]:
    """Counters, rank and heat, the record on the national list and the last day's curve."""
    now = hot.clock()
    report = hot.topic(name)
    record = hot.topic_record(name)
    curve = hot.curve(name, since=now - CURVE_SECONDS)
    return {"report": report, "record": record, "chart": heat_chart(curve, now=now, window=CURVE_SECONDS)}


async def _topic_page(request: Request, name: str, *, error: str | None = None,
                      typed: dict[str, str] | None = None, status_code: int = 200) -> Response:
    plaza = plaza_of(request)
    db, hot = plaza.db, plaza.hot
    viewer = current_account(request)
    page = page_of(request)
    if not topics.visible(db, name, viewer) and not await asyncio.to_thread(hot.ever_listed, name):
        raise NotFound("topic_not_found")  # no public post names it: as if none did
    if request.method == "GET":
        hot.topic_viewed(name, viewer)
    facts = await asyncio.to_thread(_hot_facts, hot, name)  # the curve and record come from the database
    curation = topics.curation(db, name)
    ids = timelines.topic(db, name, page)
    saved = SAVED.get(request.query_params.get("saved", ""))
    return render(request, "topic.html", {
        "topic": curation.name if curation is not None else name,
        "count": timelines.topic_count(db, name),
        "curation": curation,
        "hosts": curation.hosts if curation is not None else (),
        "description": curation.description if curation is not None else None,
        "is_manager": topics.is_manager(viewer),
        "may_describe": topics.may_describe(viewer, curation),
        "max_hosts": topics.MAX_HOSTS,
        "max_description": topics.MAX_DESCRIPTION_CHARS,
        "saved": saved, "error": error, "typed": typed or {},
        **facts, **formatting(request), **timeline(request, ids, page),
    }, status_code=status_code)


async def topic(request: Request) -> Response:
    """A topic (话题): its description, counters, hosts and heat curve, then its public posts and
    public reposts of them, newest first. Opening it counts as a read (阅读) of the topic. A
    topic no public post names is not found, unless hot search listed it (staff see every
    topic a post names)."""
    return await _topic_page(request, topic_name(request))


def _back(name: str, saved: str) -> Response:
    return RedirectResponse(f"{topic_path(name)}?saved={saved}", status_code=303)


async def _failed(request: Request, name: str, exc: PlazaError, typed: dict[str, str]) -> Response:
    return await _topic_page(request, name, error=exc.message(request_locale(request)), typed=typed,
                             status_code=exc.status)


async def add_host(request: Request) -> Response:
    """Staff appoint a host (主持人) by username."""
    viewer = require_viewer(request)
    name = topic_name(request)
    form = await checked_form(request)
    username = form.get("username")
    username = username.strip().lstrip("@") if isinstance(username, str) else ""
    try:
        if not topics.is_manager(viewer):
            raise Forbidden("topic_hosts_staff_only")
        if not username:
            raise Invalid("topic_host_username_missing")
        row = accounts.find_by_username(plaza_of(request).db, username[:60])
        if row is None:
            raise Invalid("topic_host_unknown")
        topics.appoint_host(plaza_of(request).db, name, int(row.id), by=viewer)
    except PlazaError as exc:
        return await _failed(request, name, exc, {"username": username[:60]})
    return _back(name, "host_added")


async def remove_host(request: Request) -> Response:
    """Staff remove a host."""
    viewer = require_viewer(request)
    name = topic_name(request)
    account_id = path_id(request, "account_id")
    await checked_form(request)
    try:
        topics.remove_host(plaza_of(request).db, name, account_id, by=viewer)
    except PlazaError as exc:
        return await _failed(request, name, exc, {})
    return _back(name, "host_removed")


async def set_description(request: Request) -> Response:
    """Hosts and staff write the description (导语); an empty one removes it."""
    viewer = require_viewer(request)
    name = topic_name(request)
    form = await checked_form(request)
    text = form.get("description")
    text = text if isinstance(text, str) else ""
    try:
        topics.set_description(plaza_of(request).db, name, text, by=viewer)
    except PlazaError as exc:
        return await _failed(request, name, exc, {"description": text[:2000]})
    return _back(name, "description")

