"""Help in emergencies through Plaza's API (``/api/plaza/v1/help``).

    POST /api/plaza/v1/help/detect                          verifiers: is a text a help request (plaza.help.detect)
    POST /api/plaza/v1/help/requests                        file a request (need, people, vulnerable[], text,
                                                            place{text,lat,lon}, contact{phone,name,second_phone},
                                                            on_behalf, media_ids[], hours_without_contact)
    GET  /api/plaza/v1/help/requests                        public list (city, state, max_id, limit; mine=true:
                                                            the caller's own)
    GET  /api/plaza/v1/help/requests/{id}                   a request as the caller may see it (why=: the reason
                                                            a verifier or responder opens personal data, logged)
    POST /api/plaza/v1/help/requests/{id}/actions/{action}  take a step (version + the action's fields; claim
                                                            needs no version)
    POST /api/plaza/v1/help/requests/{id}/lock              verifiers: hold it to work it (DELETE: let it go)
    GET  /api/plaza/v1/help/queue                           verifiers: the queue by urgency (view, city, county,
                                                            need, max_id, limit)
    POST /api/plaza/v1/help/queue/next                      verifiers: the most urgent free request, locked to
                                                            the caller (204 when none)
    GET  /api/plaza/v1/help/responders                      the responders (public: name, capabilities, area, load)
    POST /api/plaza/v1/help/responders                      verifiers: register or change one (username,
                                                            capabilities[], region, capacity, lat, lon, active)
    GET  /api/plaza/v1/help/responders/{username}/requests  the responder's own list (view=offered|mine)
    POST /api/plaza/v1/help/verifiers                       administrators (or an organisation for its people):
                                                            make an account a verifier
    GET  /api/plaza/v1/help/totals                          public totals (city, incident; format=json|csv)
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import Row, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.accounts import policy
from plaza.accounts.policy import Permission
from plaza.actions import help as help_actions
from plaza.errors import Forbidden, Invalid, NotFound
from plaza.help import detect, requests
from plaza.help.requests import NewRequest
from plaza.http.bearer import authenticate, viewer
from plaza.http.context import off_loop, plaza_of
from plaza.http.params import Params, parse_bool, query_params, read_params
from plaza.http.responses import ORJSONResponse, page_response
from plaza.storage.schema import accounts as accounts_table
from plaza.storage.schema import help_responders

#: Characters screened at most (a post is 500; a pasted template a little more).
MAX_TEXT_CHARS = 5000


async def detect_request(request: Request) -> Response:
    caller = authenticate(request, "read")
    policy.require(caller.user, Permission.VERIFY_HELP, key="help_verifiers_only")
    params = await read_params(request)
    text = params.text("text")
    if text is None or not text.strip():
        raise Invalid("parameter_missing", name="text")
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid("text_too_long", limit=MAX_TEXT_CHARS, length=len(text))
    hint = caller.user.home_city or None
    found = await plaza_of(request).compute(lambda: detect.detect(text, hint))
    return ORJSONResponse(found.as_json())


# --- requests ------------------------------------------------------------------------------------------


def _request_id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise NotFound("help_request_not_found")
    return int(raw)


def _limit(params: Params, default: int = 40) -> int:
    raw = params.text("limit")
    if raw in (None, ""):
        return default
    try:
        return max(1, min(int(str(raw)), 200))
    except ValueError as exc:
        raise Invalid("parameter_invalid", name="limit") from exc


def _number(params: Params, *names: str) -> float | None:
    for name in names:
        raw = params.get(name)
        if raw in (None, ""):
            continue
        if isinstance(raw, bool):
            raise Invalid("parameter_invalid", name=name)
        try:
            return float(raw)
        except (TypeError, ValueError) as exc:
            raise Invalid("parameter_invalid", name=name) from exc
    return None


def new_request_from(params: Params, requester_id: int | None, source: str) -> NewRequest:
    """A request as a form or a JSON body gives it (``place`` and ``contact`` as objects or as
    ``place[text]`` fields)."""
    def text(*names: str) -> str:
        for name in names:
            value = params.text(name)
            if value:
                return value
        return ""

    people = _number(params, "people")
    if people is not None and people != int(people):
        raise Invalid("help_people_invalid", limit=requests.MAX_PEOPLE)
    vulnerable: list[str] = []
    for value in params.values("vulnerable"):
        vulnerable += [v.strip() for v in str(value).split(",") if v.strip()]
    return NewRequest(
        text=text("text", "description"), need=text("need") or "other", source=source,
        people=int(people) if people is not None else None, vulnerable=tuple(dict.fromkeys(vulnerable)),
        place_text=text("place[text]", "address", "place_text"),
        lat=_number(params, "place[lat]", "lat"), lon=_number(params, "place[lon]", "lon"),
        contact_name=text("contact[name]", "contact_name"), contact_phone=text("contact[phone]", "phone"),
        second_phone=text("contact[second_phone]", "second_phone"),
        on_behalf=parse_bool(params.get("on_behalf"), "on_behalf"), media_ids=tuple(params.ids("media_ids")),
        requester_id=requester_id, hours_without_contact=_number(params, "hours_without_contact"))


async def create_request(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    new = new_request_from(params, caller.account_id, "api")
    body = await help_actions.submit_help(plaza_of(request), new, requester=caller.account,
                                          limit_key=str(caller.account_id),
                                          incident=(params.text("incident") or "").strip() or None)
    return ORJSONResponse(body, status_code=201)


def _csv(table: list[list[Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in table:  # a cell a spreadsheet would run as a formula is quoted as text
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in line])
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _format(params: Params) -> str:
    fmt = params.text("format") or "json"
    if fmt not in ("json", "csv"):
        raise Invalid("parameter_invalid", name="format")
    return fmt


async def list_requests(request: Request) -> Response:
    params = query_params(request)
    fmt = _format(params)
    caller = viewer(request, "read")
    limit = _limit(params, 20)
    max_id = params.id("max_id")
    mine = params.flag("mine")
    if mine and caller is None:
        authenticate(request, "read")
    state = params.text("state") or None
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            if mine and caller is not None:
                rows = requests.mine(conn, caller.id, limit=limit, max_id=max_id)
                if fmt == "csv":  # their own: everything they gave
                    exported.extend(requests.export_rows(conn, rows, personal=True))
                return requests.views(conn, rows, caller)
            rows = requests.public_list(conn, city=params.text("city") or None, state=state, limit=limit,
                                        max_id=max_id)
            if fmt == "csv":  # the public columns only, whoever exports
                exported.extend(requests.export_rows(conn, rows, personal=False))
            return requests.views(conn, rows, None, who=requests.NOBODY)

    exported: list[list[Any]] = []
    body = await off_loop(request, work)
    if fmt == "csv":
        return _csv(exported or [list(requests.EXPORT_PUBLIC)], "help-requests.csv")
    return page_response(request, body, [int(r["id"]) for r in body], limit)


async def get_request(request: Request) -> Response:
    request_id = _request_id(request)
    caller = viewer(request, "read")
    why = (query_params(request).text("why") or "")[:200]
    body = await help_actions.read_help(plaza_of(request), request_id, caller, why=why)
    return ORJSONResponse(body)


async def request_action(request: Request) -> Response:
    request_id = _request_id(request)
    action = str(request.path_params["action"])
    caller = authenticate(request, "write")
    params = await read_params(request)
    version = params.id("version")
    fields: dict[str, Any] = {}
    for key in params:
        if key.endswith("]") and not key.startswith(("place[", "contact[")):
            continue
        values = params.values(key)
        fields[key] = values if key in ("responders", "vulnerable", "media_ids") else params.get(key)
    if "people_helped" in fields and isinstance(fields["people_helped"], str):
        raw = fields["people_helped"].strip()
        if not raw.isdigit():
            raise Invalid("help_people_helped_invalid")
        fields["people_helped"] = int(raw)
    body = await help_actions.act_on_help(plaza_of(request), request_id, action, caller.user,
                                          version=int(version) if version is not None else None, fields=fields)
    return ORJSONResponse(body)


async def lock_request(request: Request) -> Response:
    request_id = _request_id(request)
    caller = authenticate(request, "write")
    body = await help_actions.lock_help(plaza_of(request), request_id, caller.user,
                                        release=request.method == "DELETE")
    return ORJSONResponse(body)


async def get_queue(request: Request) -> Response:
    caller = authenticate(request, "read")
    params = query_params(request)
    limit = _limit(params)
    fmt = _format(params)
    db = plaza_of(request).db

    def work() -> tuple[list[dict[str, Any]], list[list[Any]]]:
        with db.read() as conn:
            if not requests.is_verifier(conn, caller.user):
                raise Forbidden("help_verifiers_only")
            rows = requests.queue(conn, view=params.text("view") or "verify", city=params.text("city") or None,
                                  county=params.text("county") or None, need=params.text("need") or None,
                                  limit=limit, max_id=params.id("max_id"))
            table = requests.export_rows(conn, rows, personal=True) if fmt == "csv" else []
            return requests.views(conn, rows, caller.user), table

    body, table = await off_loop(request, work)
    if fmt == "csv":  # a verifier's export carries the personal columns: each request's read is logged
        ids = [int(line[0]) for line in table[1:]]

        def log_them() -> None:
            with db.write() as conn:
                who = requests.Standing(frozenset({"verifier"}))
                for request_id in ids:
                    requests.log_read(conn, request_id, caller.account_id, who, "export", why="export")

        if ids:
            await plaza_of(request).db.batched(log_them)
        return _csv(table, "help-queue.csv")
    return ORJSONResponse(body)


async def queue_next(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    body = await help_actions.next_to_verify(plaza_of(request), caller.user, view=params.text("view") or "verify",
                                             city=params.text("city") or None)
    if body is None:
        return Response(status_code=204)
    return ORJSONResponse(body)


# --- responders and verifiers ------------------------------------------------------------------------


def _responder_json(row: Row[Any], username: str, display_name: str, busy: int) -> dict[str, Any]:
    return {"username": username, "display_name": display_name, "capabilities": row.capabilities.split(","),
            "region": row.region_code, "capacity": row.capacity, "holding": busy, "active": bool(row.active)}


async def list_responders(request: Request) -> Response:
    params = query_params(request)
    region = params.text("region") or None
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            query = select(help_responders, accounts_table.c.username, accounts_table.c.display_name).join(
                accounts_table, accounts_table.c.id == help_responders.c.account_id)
            if region:
                query = query.where(help_responders.c.region_code.startswith(region.rstrip("0")[:4] or region))
            rows = conn.execute(query.order_by(accounts_table.c.username)).all()
            busy = requests.load_of(conn, [r.account_id for r in rows])
            return [_responder_json(r, r.username, r.display_name, busy.get(r.account_id, 0)) for r in rows]

    return ORJSONResponse(await off_loop(request, work))


async def register_responder(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    username = (params.text("username") or "").lstrip("@")
    if not username:
        raise Invalid("parameter_missing", name="username")
    capabilities: list[str] = []
    for value in params.values("capabilities"):
        capabilities += [v.strip() for v in str(value).split(",") if v.strip()]
    capacity = _number(params, "capacity")
    db = plaza_of(request).db

    def job() -> dict[str, Any]:
        with db.write() as conn:
            if not requests.is_verifier(conn, caller.user):
                raise Forbidden("help_verifiers_only")
            account = requests.account_named(conn, username)
            if account is None:
                raise NotFound("account_not_found")
            row = requests.register_responder(
                conn, account.id, capabilities=capabilities, region_code=params.text("region") or "",
                capacity=int(capacity) if capacity is not None else 5, lat=_number(params, "lat"),
                lon=_number(params, "lon"), active=params.flag("active", True), by=caller.account_id)
            return _responder_json(row, account.username, account.display_name,
                                   requests.load_of(conn, [account.id]).get(account.id, 0))

    return ORJSONResponse(await db.batched(job), status_code=201)


async def responder_requests(request: Request) -> Response:
    caller = authenticate(request, "read")
    params = query_params(request)
    username = str(request.path_params["username"]).lstrip("@")
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            account = requests.account_named(conn, username)
            if account is None:
                raise NotFound("account_not_found")
            mine = {r.account_id for r in requests.responders_of(conn, caller.account_id)}
            if account.id not in mine:
                raise Forbidden("help_responders_only")
            rows = requests.for_responder(conn, [account.id], view=params.text("view") or "offered",
                                          limit=_limit(params))
            return requests.views(conn, rows, caller.user)

    return ORJSONResponse(await off_loop(request, work))


async def grant_verifier(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    username = (params.text("username") or "").lstrip("@")
    organisation = (params.text("organisation") or "").lstrip("@")
    db = plaza_of(request).db

    def job() -> dict[str, Any]:
        with db.write() as conn:
            account = requests.account_named(conn, username) if username else None
            if account is None:
                raise NotFound("account_not_found")
            org_id = None
            if organisation:
                org = requests.account_named(conn, organisation)
                if org is None:
                    raise NotFound("account_not_found")
                org_id = org.id
            requests.grant_verifier(conn, caller.user, account.id, organisation_id=org_id)
            return {"username": account.username, "verifier": True, "organisation": organisation or None}

    return ORJSONResponse(await db.batched(job), status_code=201)


async def totals(request: Request) -> Response:
    params = query_params(request)
    city = params.text("city") or None
    incident = params.id("incident")
    fmt = params.text("format") or "json"
    if fmt not in ("json", "csv"):
        raise Invalid("parameter_invalid", name="format")
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            return requests.totals(conn, incident_id=incident, city=city)

    body = await off_loop(request, work)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(list(body))
        writer.writerow(["" if v is None else v for v in body.values()])
        return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="help-totals.csv"'})
    return ORJSONResponse(body)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/help/detect", detect_request, methods=["POST"]),
        Route("/api/plaza/v1/help/requests", create_request, methods=["POST"]),
        Route("/api/plaza/v1/help/requests", list_requests, methods=["GET"]),
        Route("/api/plaza/v1/help/requests/{id}", get_request, methods=["GET"]),
        Route("/api/plaza/v1/help/requests/{id}/actions/{action}", request_action, methods=["POST"]),
        Route("/api/plaza/v1/help/requests/{id}/lock", lock_request, methods=["POST", "DELETE"]),
        Route("/api/plaza/v1/help/queue", get_queue, methods=["GET"]),
        Route("/api/plaza/v1/help/queue/next", queue_next, methods=["POST"]),
        Route("/api/plaza/v1/help/responders", list_responders, methods=["GET"]),
        Route("/api/plaza/v1/help/responders", register_responder, methods=["POST"]),
        Route("/api/plaza/v1/help/responders/{username}/requests", responder_requests, methods=["GET"]),
        Route("/api/plaza/v1/help/verifiers", grant_verifier, methods=["POST"]),
        Route("/api/plaza/v1/help/totals", totals, methods=["GET"]),
    ]
