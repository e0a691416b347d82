"""FixMyStreet's ``servicerequestupdates`` extension of GeoReport v2.

    GET  /open311/v2/servicerequestupdates.{json,xml}   the public steps of the desk's cases in a window
    POST /open311/v2/servicerequestupdates.{json,xml}   an update from the citizen's side (refused, see below)

GET: every public step (受理, 不予受理, 转办, 签收, 延期, 回复, 评价, 办结, 发回重办, 督办, 重新打开)
taken in ``[start_date, end_date]`` (the last 90 days by default, 90 days at most), oldest first,
1000 at most: ``update_id`` is ``{case}-{step}``, ``status`` FixMyStreet's extended status
(:mod:`.render`), ``description`` the reply itself or a sentence about the step, in the caller's
language — never a person's name or a citizen's own words.

POST: FixMyStreet sends what its users add to a report — a comment, "it is fixed", "it is still
not fixed". In the case workflow the citizen's side may only rate a reply (回访) or reopen a
closed case, and only as the citizen's own Plaza account: a case filed through Open311 has none,
so no update maps onto a step the workflow allows, and a comment has no step to be kept in.
The update is checked like any request (``api_key``, ``service_request_id``, ``status``,
``description``, ``updated_datetime``: 403, 400, 404 as the specification says) and then refused
with 403 in the specification's format, saying why; nothing is stored.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plaza.errors import BadRequest, Forbidden, NotFound
from plaza.http.context import off_loop, plaza_of
from plaza.http.locale import request_locale
from plaza.http.params import query_params, read_params

from . import keys, render, store
from .common import jurisdiction, parse_time, window
from .formats import answer, endpoint

#: The statuses FixMyStreet posts with an update (its extension's upper-case set).
POSTED_STATUSES = frozenset({
    "UNCHANGED", "OPEN", "CLOSED", "FIXED", "IN_PROGRESS", "PLANNED", "ACTION_SCHEDULED", "INVESTIGATING",
    "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "CANCELLED", "REOPEN",
    "FOR_TRIAGE"})
REQUIRED = ("service_request_id", "status", "description", "updated_datetime")


@endpoint
async def list_updates(request: Request, fmt: str) -> Response:
    params = query_params(request)
    locale = request_locale(request)
    jurisdiction_id = params.text("jurisdiction_id")
    since, until = window(parse_time(params.text("start_date"), "start_date"),
                          parse_time(params.text("end_date"), "end_date"))
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = jurisdiction(conn, jurisdiction_id)
            return render.Renderer(conn, desk, locale).updates(store.steps_between(conn, desk, since, until))

    return answer(fmt, await off_loop(request, work), root="service_request_updates", item="request_update")


@endpoint
async def post_update(request: Request, fmt: str) -> Response:
    params = await read_params(request)
    api_key = params.text("api_key")
    jurisdiction_id = params.text("jurisdiction_id")
    given = {name: (value or "").strip() for name, value in (
        ("service_request_id", params.text("service_request_id")), ("status", params.text("status")),
        ("description", params.text("description")), ("updated_datetime", params.text("updated_datetime")))}
    db = plaza_of(request).db

    def check() -> None:
        with db.read() as conn:
            keys.check(conn, api_key)
            desk = jurisdiction(conn, jurisdiction_id)
            for name in REQUIRED:
                if not given[name]:
                    raise BadRequest("parameter_missing", name=name)
            if given["status"].upper() not in POSTED_STATUSES:
                raise BadRequest("open311_update_status_invalid", value=given["status"][:40])
            parse_time(given["updated_datetime"], "updated_datetime")
            raw = given["service_request_id"]
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and store.requests_by_id(conn, desk, [int(raw)])):
                raise NotFound("open311_request_unknown", id=raw[:40])

    await off_loop(request, check)
    raise Forbidden("open311_update_refused")
