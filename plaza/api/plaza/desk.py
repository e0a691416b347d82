"""The city service desk (城市服务台) in Plaza's own API.

    GET  /api/plaza/v1/desks                              the desks
    GET  /api/plaza/v1/desks/{desk}                       account, region, column topic, departments, limits
    GET  /api/plaza/v1/desks/{desk}/categories            the catalogue (?leaves=true: services only)
    POST /api/plaza/v1/desks/{desk}/categories            staff: add a category (path)
    GET  /api/plaza/v1/desks/{desk}/rules                 who is responsible for what, where
    PUT  /api/plaza/v1/desks/{desk}/rules                 staff: set one (category, county, lead, co_handlers[])
    PUT  /api/plaza/v1/desks/{desk}/limits                staff: time limits (category, urgency, acknowledge, resolve)
    GET  /api/plaza/v1/desks/{desk}/cases                 staff: the queue (view, state, department, category,
                                                          county, max_id, limit); others: the public list
    GET  /api/plaza/v1/desks/{desk}/similar               open cases like a text (text, county, lat, lon)
    POST /api/plaza/v1/desks/{desk}/classify              staff: the router's top 3 for a text
    POST /api/plaza/v1/cases                              file a case (desk, text, category, place{text,lat,lon},
                                                          urgency, anonymous, contact{name,phone,email}, media_ids[])
    GET  /api/plaza/v1/cases                              the caller's own cases
    GET  /api/plaza/v1/cases/{id}                         a case as the caller may see it, with its history
    POST /api/plaza/v1/cases/{id}/actions/{action}        take a step (version + the action's fields)
    GET  /api/plaza/v1/departments/{username}/cases       a department's inbox (its account and operators)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.accounts import operators
from plaza.actions import cases as case_actions
from plaza.desk import cases as desk_cases
from plaza.desk import catalogue, desks, limits, routing
from plaza.desk.cases import NewCase
from plaza.errors import Forbidden, Invalid, NotFound
from plaza.http.bearer import authenticate, viewer
from plaza.http.context import off_loop, plaza_of
from plaza.http.params import Params, parse_bool, query_params, read_params
from plaza.http.responses import ORJSONResponse, page_response
from plaza.square import accounts

MAX_LIMIT = 200


def _desk_name(request: Request) -> str:
    return str(request.path_params["desk"])


def _case_id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise NotFound("case_not_found")
    return int(raw)


def _limit(params: Params, default: int = 40) -> int:
    raw = params.text("limit")
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid("parameter_invalid", name="limit")
    return int(raw)


def _is_staff(conn: Any, desk: desks.Desk, account: Row[Any] | None) -> bool:
    return account is not None and account.id in desks.staff_ids(conn, desk)


def _require_staff(conn: Any, desk: desks.Desk, account: Row[Any]) -> None:
    if not _is_staff(conn, desk, account) and account.role != "admin":
        raise Forbidden("desk_staff_only")


# --- desks -------------------------------------------------------------------------------------------


async def list_desks(request: Request) -> Response:
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            return [desks.describe(conn, d) for d in desks.all_desks(conn)]

    return ORJSONResponse(await off_loop(request, work))


async def get_desk(request: Request) -> Response:
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            return desks.describe(conn, desks.get(conn, _desk_name(request)))

    return ORJSONResponse(await off_loop(request, work))


async def get_categories(request: Request) -> Response:
    params = query_params(request)
    only_leaves = params.flag("leaves")
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = desks.get(conn, _desk_name(request))
            found = catalogue.leaves(conn, desk.id) if only_leaves else catalogue.all_of(conn, desk.id)
            return [{"id": str(c.id), "code": c.code, "name": c.name, "path": c.path, "level": c.level,
                     "parent_id": str(c.parent_id) if c.parent_id else None, "active": c.active} for c in found]

    return ORJSONResponse(await off_loop(request, work))


async def add_category(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    path = (params.text("path") or "").strip()
    db = plaza_of(request).db

    def job() -> dict[str, Any]:
        with db.write() as conn:
            desk = desks.get(conn, _desk_name(request))
            _require_staff(conn, desk, caller.user)
            made = catalogue.add(conn, desk.id, path)
            return {"id": str(made.id), "code": made.code, "name": made.name, "path": made.path, "level": made.level}

    return ORJSONResponse(await db.batched(job), status_code=201)


async def get_rules(request: Request) -> Response:
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            return desks.rules(conn, desks.get(conn, _desk_name(request)))

    return ORJSONResponse(await off_loop(request, work))


async def put_rule(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    category = params.text("category") or ""
    county = params.text("county") or None
    lead = params.text("lead") or params.text("department") or ""
    co = [str(v) for v in params.values("co_handlers")]
    db = plaza_of(request).db

    def job() -> list[dict[str, Any]]:
        with db.write() as conn:
            desk = desks.get(conn, _desk_name(request))
            _require_staff(conn, desk, caller.user)
            desks.set_rule(conn, desk, category, county, lead, co)
            return desks.rules(conn, desk)

    return ORJSONResponse(await db.batched(job))


async def put_limits(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    db = plaza_of(request).db

    def job() -> dict[str, Any]:
        with db.write() as conn:
            desk = desks.get(conn, _desk_name(request))
            _require_staff(conn, desk, caller.user)
            category = params.text("category")
            category_id = catalogue.find(conn, desk.id, category).id if category else None
            set_to = limits.set_limits(conn, desk.id, category_id, params.text("urgency") or "ordinary",
                                       params.text("acknowledge") or "", params.text("resolve") or "")
            return set_to.as_json()

    return ORJSONResponse(await db.batched(job))


async def desk_queue(request: Request) -> Response:
    caller = viewer(request, "read")
    params = query_params(request)
    limit = _limit(params)
    max_id = params.id("max_id")
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = desks.get(conn, _desk_name(request))
            if not _is_staff(conn, desk, caller):
                rows = desk_cases.public_list(conn, desk, limit=limit, max_id=max_id)
                return desk_cases.views(conn, rows, desk_cases.NOBODY)
            department = params.text("department")
            category = params.text("category")
            rows = desk_cases.queue(
                conn, desk, view=params.text("view") or "open", state=params.text("state") or None,
                department_id=desks.department_id(conn, desk, department) if department else None,
                category_id=catalogue.find(conn, desk.id, category).id if category else None,
                county=params.text("county") or None, limit=limit, max_id=max_id)
            staff = desk_cases.Standing(frozenset({desk_cases.DESK}), desk.account_id)
            return desk_cases.views(conn, rows, staff)

    body = await off_loop(request, work)
    return page_response(request, body, [int(c["id"]) for c in body], limit)


async def similar_cases(request: Request) -> Response:
    params = query_params(request)
    text = (params.text("text") or "").strip()
    if not text:
        raise Invalid("case_text_missing")
    lat, lon = _coordinate(params, "lat"), _coordinate(params, "lon")
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = desks.get(conn, _desk_name(request))
            found = desk_cases.similar(conn, desk, text[:desk_cases.MAX_TEXT_CHARS],
                                       county=params.text("county") or None, lat=lat, lon=lon)
            return [{**desk_cases.view(conn, s.case, desk_cases.NOBODY, history=False), "similarity": s.score}
                    for s in found]

    return ORJSONResponse(await off_loop(request, work))


def _coordinate(params: Params, name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError) as exc:
        raise Invalid("place_coordinates_invalid") from exc


# --- cases -------------------------------------------------------------------------------------------


def new_case_from(params: Params, citizen_id: int | None, source: str) -> NewCase:
    """A case as a form or a JSON body gives it (``place`` and ``contact`` as objects or as
    ``place[text]`` fields)."""
    def text(*names: str) -> str:
        for name in names:
            value = params.text(name)
            if value:
                return value
        return ""

    media = params.ids("media_ids")
    return NewCase(
        text=text("text", "description"), source=source, title=text("title"),
        category=text("category", "service_code") or None, urgency=text("urgency") or "ordinary",
        address=text("place[text]", "address", "address_string"),
        lat=_coordinate(params, "place[lat]") if "place[lat]" in params else _coordinate(params, "lat"),
        lon=_coordinate(params, "place[lon]") if "place[lon]" in params else _coordinate(params, "lon"),
        anonymous=parse_bool(params.get("anonymous"), "anonymous"),
        contact_name=text("contact[name]", "contact_name"), contact_phone=text("contact[phone]", "phone"),
        contact_email=text("contact[email]", "email"), media_ids=tuple(media), citizen_id=citizen_id)


async def create_case(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    desk = (params.text("desk") or "").strip()
    if not desk:
        raise Invalid("parameter_missing", name="desk")
    new = new_case_from(params, caller.account_id, "api")
    plaza = plaza_of(request)
    body = await case_actions.submit_case(plaza, desk, new, limit_key=str(caller.account_id),
                                              citizen=caller.account)
    return ORJSONResponse(body, status_code=201)


async def my_cases(request: Request) -> Response:
    caller = authenticate(request, "read")
    params = query_params(request)
    limit = _limit(params, 20)
    max_id = params.id("max_id")
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            rows = desk_cases.mine(conn, caller.account_id, limit=limit, max_id=max_id)
            return desk_cases.views(conn, rows, viewer_id=caller.account_id, personal=True)

    body = await off_loop(request, work)
    return page_response(request, body, [int(c["id"]) for c in body], limit)


async def get_case(request: Request) -> Response:
    case_id = _case_id(request)
    caller = viewer(request, "read")
    body = await case_actions.read_case(plaza_of(request), case_id, caller)
    if caller is not None and body["my_roles"] and desk_cases.DESK in body["my_roles"]:
        def work() -> list[dict[str, Any]]:
            db = plaza_of(request).db
            with db.read() as conn:
                case = desk_cases.load(conn, case_id)
                desk = desks.by_id(conn, case.desk_id)
                found = desk_cases.similar(conn, desk, case.text, county=case.county_code, lat=case.lat,
                                           lon=case.lon, exclude=case.id, category_id=case.category_id)
                return [{"id": str(s.case.id), "title": s.case.title, "state": s.case.state,
                         "similarity": s.score} for s in found]

        body["possible_duplicates"] = await off_loop(request, work)
    return ORJSONResponse(body)


async def case_action(request: Request) -> Response:
    case_id = _case_id(request)
    action = str(request.path_params["action"])
    caller = authenticate(request, "write")
    params = await read_params(request)
    version = params.id("version")
    if version is None:
        raise Invalid("case_version_missing")
    fields: dict[str, Any] = {}
    for key in params:
        if key.endswith("]"):
            continue
        values = params.values(key)
        fields[key] = values if key in ("co_handlers",) else params.get(key)
    body = await case_actions.act_on_case(plaza_of(request), case_id, action, caller.user, version=int(version),
                                          fields=fields)
    return ORJSONResponse(body)


async def department_cases(request: Request) -> Response:
    caller = authenticate(request, "read")
    params = query_params(request)
    limit = _limit(params)
    max_id = params.id("max_id")
    username = str(request.path_params["username"])
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            department = accounts.resolve_names(conn, [username]).get(username)
            if department is None:
                raise NotFound("account_not_found")
            if department.id not in operators.agencies_of(conn, caller.account_id):
                raise Forbidden("department_staff_only")
            rows = desk_cases.inbox(conn, department.id, view=params.text("view") or "open", limit=limit,
                                    max_id=max_id)
            return desk_cases.views(conn, rows, viewer_id=caller.account_id)

    body = await off_loop(request, work)
    return page_response(request, body, [int(c["id"]) for c in body], limit)


async def classify(request: Request) -> Response:
    """The router's proposals for a text (the desk's staff and its own account)."""
    caller = authenticate(request, "read")
    params = await read_params(request)
    text = (params.text("text") or "").strip()
    if not text:
        raise Invalid("case_text_missing")
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            desk = desks.get(conn, _desk_name(request))
            if not _is_staff(conn, desk, caller.user):
                raise Forbidden("desk_staff_only")
            return {"suggestions": [p.as_json() for p in routing.propose(conn, desk, text[:2000])]}

    return ORJSONResponse(await off_loop(request, work))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/desks", list_desks, methods=["GET"]),
        Route("/api/plaza/v1/desks/{desk}", get_desk, methods=["GET"]),
        Route("/api/plaza/v1/desks/{desk}/categories", get_categories, methods=["GET"]),
        Route("/api/plaza/v1/desks/{desk}/categories", add_category, methods=["POST"]),
        Route("/api/plaza/v1/desks/{desk}/rules", get_rules, methods=["GET"]),
        Route("/api/plaza/v1/desks/{desk}/rules", put_rule, methods=["PUT"]),
        Route("/api/plaza/v1/desks/{desk}/limits", put_limits, methods=["PUT"]),
        Route("/api/plaza/v1/desks/{desk}/cases", desk_queue, methods=["GET"]),
        Route("/api/plaza/v1/desks/{desk}/similar", similar_cases, methods=["GET"]),
        Route("/api/plaza/v1/desks/{desk}/classify", classify, methods=["POST"]),
        Route("/api/plaza/v1/cases", create_case, methods=["POST"]),
        Route("/api/plaza/v1/cases", my_cases, methods=["GET"]),
        Route("/api/plaza/v1/cases/{id}", get_case, methods=["GET"]),
        Route("/api/plaza/v1/cases/{id}/actions/{action}", case_action, methods=["POST"]),
        Route("/api/plaza/v1/departments/{username}/cases", department_cases, methods=["GET"]),
    ]


