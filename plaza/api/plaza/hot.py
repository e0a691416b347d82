"""Hot search (热搜) and topics: ``GET /api/plaza/v1/hot[?city=CODE]`` and
``GET /api/plaza/v1/topics/{name}``. Times are ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza import regions
from plaza.errors import Invalid, NotFound
from plaza.hot.lists import HotSnapshot, scope_of
from plaza.hot.service import HotService
from plaza.http.bearer import viewer
from plaza.http.context import off_loop, plaza_of
from plaza.http.responses import ORJSONResponse
from plaza.square import topics

from .topics import host_json


def iso(at: float | None) -> str | None:
    """A UNIX time as ISO 8601 UTC with milliseconds, as Mastodon writes times."""
    if at is None:
        return None
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def city_param(raw: str | None) -> str | None:
    """The list a ``city`` parameter names: a city's 6-digit code (a county's reads as its
    city's); absent or empty is the national list; anything else is a 422."""
    if raw is None or raw == "":
        return None
    code = regions.city_code(raw) if len(raw) == 6 and raw.isdigit() else None
    if code is None:
        raise Invalid("city_invalid", code=raw[:12])
    return code


def hot_list_body(hot: HotService, city: str | None, snapshot: HotSnapshot | None) -> dict[str, Any]:
    """A list as JSON, topics under the names they were first written with; a city's with the
    official warnings in force there pinned above it (``warnings``, the most severe first)."""
    entries = snapshot.entries if snapshot is not None else ()
    pinned = snapshot.pinned if snapshot is not None else None
    names = hot.names([e.topic for e in entries] + ([pinned.topic] if pinned else []))
    return {
        "scope": scope_of(city),
        "city": city,
        "refreshed_at": iso(snapshot.refreshed_at) if snapshot is not None else None,
        "pinned": {"topic": names[pinned.topic], "note": pinned.note, "set_at": iso(pinned.set_at)}
        if pinned is not None else None,
        "warnings": [{"id": w.key, "event": w.title, "level": w.level, "headline": w.note or None,
                      "status_id": str(w.status_id) if w.status_id is not None else None,
                      "expires": iso(w.until)} for w in hot.warnings(city)],
        "entries": [{"rank": e.rank, "topic": names[e.topic], "heat": e.heat, "label": e.label,
                     "onboard_at": iso(e.onboard_at), "reads": e.reads,
                     "discussions": e.discussions} for e in entries],
    }


async def hot_list(request: Request) -> Response:
    """The national list, or one city's (同城热搜) with ``?city=500000``."""
    viewer(request, "read")
    city = city_param(request.query_params.get("city"))
    hot = plaza_of(request).hot
    return ORJSONResponse(await hot.io(lambda: hot_list_body(hot, city, hot.hot_list(city))))


async def topic(request: Request) -> Response:
    """A topic's counters (阅读量, 讨论量, 原创量, 互动量, participants), its rank and heat on the
    national list (null when not listed), its description (导语) and hosts (主持人) and its heat
    curve. 404 unless a public post names it or hot search has listed it (staff: any topic a
    post names), so the topics of followers-only and direct posts cannot be confirmed."""
    me = viewer(request, "read")
    name = request.path_params["name"].strip().strip("#").strip()
    if not name:
        raise NotFound("not_found")
    hot = plaza_of(request).hot
    db = plaza_of(request).db
    if not await off_loop(request, lambda: topics.visible(db, name, me)) \
            and not await hot.io(lambda: hot.ever_listed(name)):
        raise NotFound("topic_not_found")
    report = await hot.io(lambda: hot.topic(name))
    curated = await off_loop(request, lambda: topics.curation(db, name))
    return ORJSONResponse({
        "name": report.name, "reads": report.reads, "discussions": report.discussions,
        "originals": report.originals, "interactions": report.interactions,
        "participants": report.participants, "rank": report.rank, "heat": report.heat,
        "description": curated.description if curated is not None else None,
        "hosts": [host_json(h) for h in curated.hosts] if curated is not None else [],
        "curve": [{"at": iso(p.at), "heat": p.heat, "rank": p.rank} for p in report.curve],
        "peak_rank": report.peak_rank, "seconds_on_list": report.seconds_on_list,
        "half_life": report.half_life,
    })


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/hot", hot_list, methods=["GET"]),
        Route("/api/plaza/v1/topics/{name:path}", topic, methods=["GET"]),
    ]
