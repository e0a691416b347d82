"""Incidents (事件) and their donation projects (公益项目) in Plaza's own API. Anyone reads (also
without a token); staff (moderators, administrators) open incidents, staff and the incident's own
account change and end them; an organisation opens its donation project and alone enters the
lines of its public ledger (公示).

    GET    /api/plaza/v1/incidents                          incidents, ongoing first (active, limit)
    POST   /api/plaza/v1/incidents                          open one
    GET    /api/plaza/v1/incidents/{slug}                   one, with what it gathers and its totals
    PATCH  /api/plaza/v1/incidents/{slug}                   change it
    POST   /api/plaza/v1/incidents/{slug}/end               end it (incident mode goes off)
    POST   /api/plaza/v1/incidents/{slug}/responders        name a responder (account, role)
    DELETE /api/plaza/v1/incidents/{slug}/responders/{id}
    GET    /api/plaza/v1/incidents/{slug}/totals            the help requests' totals (JSON)
    GET    /api/plaza/v1/incidents/{slug}/totals.csv        the same as CSV
    GET    /api/plaza/v1/incidents/{slug}/donations         its donation projects
    POST   /api/plaza/v1/incidents/{slug}/donations         open one
    GET    /api/plaza/v1/incidents/{slug}/donations/{id}/ledger      the project and its ledger
    GET    /api/plaza/v1/incidents/{slug}/donations/{id}/ledger.csv  the ledger as CSV
    POST   /api/plaza/v1/incidents/{slug}/donations/{id}/ledger      enter a line (the organisation)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.actions import incidents as actions
from plaza.clock import utcnow
from plaza.errors import Invalid
from plaza.help import incidents
from plaza.help.incidents import Incident, beijing, yuan
from plaza.http.bearer import authenticate
from plaza.http.context import plaza_of
from plaza.http.params import Params, parse_bool, path_id, query_params, read_params
from plaza.http.responses import ORJSONResponse
from plaza.regions import resolve
from plaza.square.views import topic_path

MAX_LIMIT = 100

# --- entities ---------------------------------------------------------------------------------


def _person(row: Any | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": str(row.id), "username": row.username, "display_name": row.display_name}


def _region(code: str, city_code: str | None) -> dict[str, Any]:
    place = resolve(code)
    return {"code": code, "name": place.full_name if place else code, "city_code": city_code}


def incident_entity(base: str, incident: Incident) -> dict[str, Any]:
    row = incident.row
    return {
        "id": str(row.id), "slug": row.slug, "name": row.name, "kind": row.kind, "summary": row.summary,
        "url": f"{base}/incidents/{row.slug}", "help_url": f"{base}/help/new?incident={row.slug}",
        "account": _person(incident.account),
        "regions": [_region(p.code, p.city_code) for p in incident.places],
        "topics": [{"name": name, "url": base + topic_path(name)} for name in incident.topics],
        "responders": [{"id": str(r.account_id), "username": r.username, "display_name": r.display_name,
                        "kind": r.kind, "role": r.role} for r in incident.responders],
        "started_at": beijing(row.started_at), "ended_at": beijing(row.ended_at),
        "active": bool(row.active), "mode": bool(row.mode),
    }


def totals_entity(incident: Incident, totals: dict[str, Any]) -> dict[str, Any]:
    return {"incident": incident.slug, **{key: totals.get(key) for key in incidents.TOTAL_KEYS}}


def _plain(value: Any) -> Any:
    return beijing(value) if isinstance(value, datetime) else value


def request_entity(found: dict[str, Any]) -> dict[str, Any]:
    """A help request as the public reads it (the shape :func:`plaza.help.incidents.requests_of`
    documents), times in Beijing time."""
    return {key: _plain(value) for key, value in found.items()}


def project_entity(base: str, slug: str, row: Row[Any]) -> dict[str, Any]:
    raised, disbursed, goal = int(row.raised_fen), int(row.disbursed_fen), int(row.goal_fen)
    url = f"{base}/incidents/{slug}/donations/{row.id}"
    return {
        "id": str(row.id), "incident": slug, "title": row.title, "description": row.description,
        "organisation": {"id": str(row.account_id), "username": row.org_username,
                         "display_name": row.org_display_name},
        "goal_fen": goal, "raised_fen": raised, "disbursed_fen": disbursed, "balance_fen": raised - disbursed,
        "goal": yuan(goal), "raised": yuan(raised), "disbursed": yuan(disbursed), "balance": yuan(raised - disbursed),
        "progress": round(raised / goal, 4) if goal else None, "entries": int(row.entries),
        "created_at": beijing(row.created_at), "url": url,
        "ledger_url": f"{base}/api/plaza/v1/incidents/{slug}/donations/{row.id}/ledger",
    }


def line_entity(row: Row[Any]) -> dict[str, Any]:
    return {"seq": int(row.seq), "kind": row.kind, "amount_fen": int(row.amount_fen), "amount": yuan(row.amount_fen),
            "counterpart": row.counterpart, "purpose": row.purpose, "at": beijing(row.at), "evidence": row.evidence,
            "entered_by": getattr(row, "entered_by_username", None), "created_at": beijing(row.created_at)}


# --- CSV ----------------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting with = + - @ is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheet programs read the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def _download(body: bytes, filename: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- handlers -----------------------------------------------------------------------------------

def _base(request: Request) -> str:
    return plaza_of(request).settings.base_url.rstrip("/")


def _slug(request: Request) -> str:
    return str(request.path_params["slug"])[:60]


def _limit(params: Params, default: int) -> int:
    raw = params.text("limit")
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid("limit_invalid", max=MAX_LIMIT)
    return int(raw)


def incident_fields(params: Params, *, partial: bool) -> dict[str, Any]:
    """The fields of an incident as the API (and the web's forms) give them."""
    fields: dict[str, Any] = {}
    for name in ("slug", "name", "kind", "summary", "account"):
        if name in params:
            fields[name] = params.text(name) or ""
    for name in ("regions", "responders"):
        if name in params:
            fields[name] = incidents.split_list(params.values(name))
    if "topics" in params:  # a topic may hold spaces: one a line, or a list
        fields["topics"] = [part for v in params.values("topics") for part in re.split(r"[\r\n,，、]+", str(v))
                            if part.strip()]
    if "started_at" in params:
        fields["started_at"] = incidents.parse_time(params.text("started_at"), "started_at")
    if "mode" in params:
        fields["mode"] = parse_bool(params.get("mode"), "mode")
    if not partial:
        for name in ("slug", "name", "kind", "account"):
            if not fields.get(name):
                raise Invalid("parameter_missing", name=name)
    return fields


async def list_incidents(request: Request) -> Response:
    params = query_params(request)
    active = parse_bool(params.get("active"), "active") if params.get("active") not in (None, "") else None
    found = await actions.list_incidents(plaza_of(request), active=active, limit=_limit(params, 50))
    base = _base(request)
    return ORJSONResponse([incident_entity(base, i) for i in found])


async def create_incident(request: Request) -> Response:
    caller = authenticate(request, "write")
    fields = incident_fields(await read_params(request), partial=False)
    incident = await actions.open_incident(plaza_of(request), caller.user, fields)
    return ORJSONResponse(incident_entity(_base(request), incident), status_code=201)


async def get_incident(request: Request) -> Response:
    plaza = plaza_of(request)
    report = await actions.read_incident(plaza, _slug(request))
    base = _base(request)
    body = incident_entity(base, report.incident)
    body.update({
        "totals": totals_entity(report.incident, report.totals),
        "requests": [request_entity(r) for r in report.requests],
        "warnings": [request_entity(w) for w in report.warnings],
        "donation_projects": [project_entity(base, report.incident.slug, p) for p in report.projects],
        "official_updates": [{"id": str(i), "url": f"{base}/api/v1/statuses/{i}"} for i in report.update_ids],
        "topic_posts": [{"id": str(i), "url": f"{base}/api/v1/statuses/{i}"} for i in report.topic_post_ids],
    })
    return ORJSONResponse(body)


async def change_incident(request: Request) -> Response:
    caller = authenticate(request, "write")
    fields = incident_fields(await read_params(request), partial=True)
    fields.pop("slug", None)
    fields.pop("responders", None)
    incident = await actions.change_incident(plaza_of(request), caller.user, _slug(request), fields)
    return ORJSONResponse(incident_entity(_base(request), incident))


async def end_incident(request: Request) -> Response:
    caller = authenticate(request, "write")
    incident = await actions.end_incident(plaza_of(request), caller.user, _slug(request))
    return ORJSONResponse(incident_entity(_base(request), incident))


async def add_responder(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    account = params.text("account") or params.text("account_id")
    if not account:
        raise Invalid("parameter_missing", name="account")
    incident = await actions.add_responder(plaza_of(request), caller.user, _slug(request), account,
                                           params.text("role") or "")
    return ORJSONResponse(incident_entity(_base(request), incident))


async def remove_responder(request: Request) -> Response:
    caller = authenticate(request, "write")
    incident = await actions.remove_responder(plaza_of(request), caller.user, _slug(request),
                                              path_id(request, "account_id"))
    return ORJSONResponse(incident_entity(_base(request), incident))


async def totals(request: Request) -> Response:
    report = await actions.read_incident(plaza_of(request), _slug(request), posts=False, request_limit=0)
    return ORJSONResponse(totals_entity(report.incident, report.totals))


async def totals_csv(request: Request) -> Response:
    report = await actions.read_incident(plaza_of(request), _slug(request), posts=False, request_limit=0)
    row = report.incident.row
    body = as_csv(("incident", "name", "kind", "started_at", "ended_at", *incidents.TOTAL_KEYS, "generated_at"),
                  [(row.slug, row.name, row.kind, beijing(row.started_at), beijing(row.ended_at),
                    *(report.totals.get(k) for k in incidents.TOTAL_KEYS), beijing(utcnow()))])
    return _download(body, f"{row.slug}-totals.csv")


async def list_projects(request: Request) -> Response:
    report = await actions.read_incident(plaza_of(request), _slug(request), posts=False, request_limit=0)
    base = _base(request)
    return ORJSONResponse([project_entity(base, report.incident.slug, p) for p in report.projects])


async def create_project(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    fields = {name: params.get(name) for name in ("account", "title", "goal_fen", "goal", "description")
              if name in params}
    found = await actions.open_donation_project(plaza_of(request), caller.user, _slug(request), fields)
    return ORJSONResponse(project_entity(_base(request), _slug(request).lower(), found), status_code=201)


async def ledger(request: Request) -> Response:
    incident, found, lines = await actions.read_project(plaza_of(request), _slug(request),
                                                        path_id(request, "project_id", "donation_project_not_found"))
    body = project_entity(_base(request), incident.slug, found)
    body["ledger"] = [line_entity(line) for line in lines]
    return ORJSONResponse(body)


async def ledger_csv(request: Request) -> Response:
    incident, found, lines = await actions.read_project(plaza_of(request), _slug(request),
                                                        path_id(request, "project_id", "donation_project_not_found"))
    body = as_csv(("seq", "at", "kind", "amount_yuan", "amount_fen", "counterpart", "purpose", "evidence",
                   "entered_by", "created_at"),
                  [(line.seq, beijing(line.at), line.kind, yuan(line.amount_fen), line.amount_fen, line.counterpart,
                    line.purpose, line.evidence, line.entered_by_username, beijing(line.created_at))
                   for line in lines])
    return _download(body, f"{incident.slug}-donation-{found.id}-ledger.csv")


def entry_of(params: Params) -> incidents.Entry:
    """A ledger line from ``kind``, ``amount_fen`` (or ``amount`` in yuan), ``counterpart``,
    ``purpose``, ``at``, ``evidence``."""
    amount: Any = params.get("amount_fen")
    if amount is None and params.text("amount"):
        amount = incidents.parse_yuan(params.text("amount"), "amount")
    if amount is None:
        raise Invalid("parameter_missing", name="amount_fen")
    return incidents.check_entry(params.text("kind"), amount, params.text("counterpart"), params.text("purpose"),
                                 incidents.parse_time(params.text("at"), "at"), params.text("evidence"))


async def add_line(request: Request) -> Response:
    caller = authenticate(request, "write")
    project_id = path_id(request, "project_id", "donation_project_not_found")
    entry = entry_of(await read_params(request))
    line, found = await actions.enter_ledger_line(plaza_of(request), caller.user, _slug(request), project_id, entry)
    body = project_entity(_base(request), _slug(request).lower(), found)
    body["line"] = line_entity(line)
    return ORJSONResponse(body, status_code=201)


def routes() -> list[BaseRoute]:
    prefix = "/api/plaza/v1/incidents"
    return [
        Route(prefix, list_incidents, methods=["GET"]),
        Route(prefix, create_incident, methods=["POST"]),
        Route(prefix + "/{slug}", get_incident, methods=["GET"]),
        Route(prefix + "/{slug}", change_incident, methods=["PATCH"]),
        Route(prefix + "/{slug}/end", end_incident, methods=["POST"]),
        Route(prefix + "/{slug}/responders", add_responder, methods=["POST"]),
        Route(prefix + "/{slug}/responders/{account_id}", remove_responder, methods=["DELETE"]),
        Route(prefix + "/{slug}/totals", totals, methods=["GET"]),
        Route(prefix + "/{slug}/totals.csv", totals_csv, methods=["GET"]),
        Route(prefix + "/{slug}/donations", list_projects, methods=["GET"]),
        Route(prefix + "/{slug}/donations", create_project, methods=["POST"]),
        Route(prefix + "/{slug}/donations/{project_id}/ledger", ledger, methods=["GET"]),
        Route(prefix + "/{slug}/donations/{project_id}/ledger.csv", ledger_csv, methods=["GET"]),
        Route(prefix + "/{slug}/donations/{project_id}/ledger", add_line, methods=["POST"]),
    ]
