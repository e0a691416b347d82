"""Official warnings (预警) through Plaza's API: the warnings in force as JSON, each as a CAP 1.2
document, all of them as an Atom feed; issuing (JSON), importing (a CAP document), updating and
cancelling (authorised government accounts and administrators)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.actions import warnings as warning_actions
from plaza.clock import utcnow
from plaza.errors import BadRequest, Invalid
from plaza.help import warnings
from plaza.http.bearer import authenticate
from plaza.http.context import plaza_of
from plaza.http.params import path_id, query_params, read_params
from plaza.http.responses import ORJSONResponse

#: What a CAP document may be posted as.
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")
ATOM = "http://www.w3.org/2005/Atom"
#: Fields of a warning as JSON (issuing) and of its update.
FIELDS = ("type", "level", "areas", "expires", "onset", "headline", "description", "instruction", "urgency",
          "certainty", "polygon", "topic")


def _base(request: Request) -> str:
    return plaza_of(request).settings.base_url


def _area(request: Request) -> str | None:
    area = query_params(request).text("area")
    return area.strip() or None if area is not None else None


async def list_warnings(request: Request) -> Response:
    """The warnings in force, newest first; ``?area=500000`` those covering a place, ``?all=1``
    every message (updates, cancellations and expired ones too)."""
    params = query_params(request)
    found = await warning_actions.list_warnings(plaza_of(request), area=_area(request), every=params.flag("all"),
                                                base_url=_base(request))
    return ORJSONResponse(found)


def _fields(params: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = params.values(name) if name in ("areas", "polygon") and len(params.values(name)) > 1 \
            else params.get(name)
        if isinstance(value, dict):
            raise Invalid("parameter_invalid", name=name)
        if name == "polygon" and isinstance(value, list) and value and not isinstance(value[0], list):
            raise Invalid("warning_polygon_invalid")
        values[name] = value
    return values


async def create_warning(request: Request) -> Response:
    """Issue a warning (a JSON or form body), or import a CAP 1.2 document (a body of type
    ``application/cap+xml`` or ``application/xml``)."""
    caller = authenticate(request, "write")
    plaza = plaza_of(request)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in CAP_TYPES:
        document = await request.body()
        if not document.strip():
            raise BadRequest("body_invalid")
        done = await warning_actions.import_cap(plaza, caller.user, document)
    else:
        params = await read_params(request)
        new = warnings.new_warning(_fields(params))
        done = await warning_actions.issue_warning(plaza, caller.user, new, base_url=_base(request))
    return ORJSONResponse(done.as_json(_base(request)), status_code=201)


async def show_warning(request: Request) -> Response:
    found = await warning_actions.read_warning(plaza_of(request), _warning_id(request))
    return ORJSONResponse(found.as_json(_base(request)))


def _warning_id(request: Request) -> int:
    return path_id(request, "id", "warning_not_found")


async def warning_cap(request: Request) -> Response:
    """The warning's CAP 1.2 document: as received for an import, as written for Plaza's own."""
    found = await warning_actions.read_warning(plaza_of(request), _warning_id(request))
    return Response(found.row.cap_xml.encode("utf-8"), media_type="application/cap+xml; charset=utf-8")


async def update_warning(request: Request) -> Response:
    """Update a warning: the fields that change (level, areas, expiry, texts)."""
    caller = authenticate(request, "write")
    params = await read_params(request)
    done = await warning_actions.update_warning(plaza_of(request), caller.user, _warning_id(request),
                                                _fields(params), base_url=_base(request))
    return ORJSONResponse(done.as_json(_base(request)), status_code=201)


async def cancel_warning(request: Request) -> Response:
    """Cancel (解除) a warning; ``note`` says why."""
    caller = authenticate(request, "write")
    params = await read_params(request)
    done = await warning_actions.cancel_warning(plaza_of(request), caller.user, _warning_id(request),
                                                note=params.text("note"), base_url=_base(request))
    return ORJSONResponse(done.as_json(_base(request)), status_code=201)


def atom_feed(items: list[dict[str, Any]], base_url: str, self_url: str) -> bytes:
    """The warnings as an Atom 1.0 feed (RFC 4287): one entry per warning, linking its CAP
    document (``rel="alternate"``, ``application/cap+xml``) and its post."""
    base = base_url.rstrip("/")
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "id", f"{base}/api/plaza/v1/warnings.atom")
    add(feed, "title", "预警信息 · Official warnings")
    updated = max((i["sent"] for i in items), default=None) or warnings.iso(utcnow())
    add(feed, "updated", updated)
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    author = add(feed, "author")
    add(author, "name", warnings.host_of(base_url))
    for item in items:
        entry = add(feed, "entry")
        add(entry, "id", f"{base}/api/plaza/v1/warnings/{item['id']}")
        add(entry, "title", f"{item['event']} · {item['area_description']}"[:300])
        add(entry, "updated", item["sent"])
        add(entry, "published", item["sent"])
        who = add(entry, "author")
        add(who, "name", item["sender"])
        add(entry, "summary", item["headline"] or item["description"] or item["event"])
        add(entry, "link", rel="alternate", type="application/cap+xml", href=item["cap_url"])
        if item["url"] is not None:
            add(entry, "link", rel="related", type="text/html", href=item["url"])
        if item["level"]:
            add(entry, "category", term=item["level"], label=item["severity"])
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)


async def warnings_atom(request: Request) -> Response:
    """The warnings in force as an Atom feed (``?area=`` as for the list)."""
    found = await warning_actions.list_warnings(plaza_of(request), area=_area(request), base_url=_base(request))
    self_url = f"{_base(request).rstrip('/')}/api/plaza/v1/warnings.atom"
    return Response(atom_feed(found, _base(request), self_url), media_type="application/atom+xml; charset=utf-8")


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/warnings", list_warnings, methods=["GET"]),
        Route("/api/plaza/v1/warnings", create_warning, methods=["POST"]),
        Route("/api/plaza/v1/warnings.atom", warnings_atom, methods=["GET"]),
        Route("/api/plaza/v1/warnings/{id}.cap", warning_cap, methods=["GET"]),
        Route("/api/plaza/v1/warnings/{id}", show_warning, methods=["GET"]),
        Route("/api/plaza/v1/warnings/{id}/update", update_warning, methods=["POST"]),
        Route("/api/plaza/v1/warnings/{id}/cancel", cancel_warning, methods=["POST"]),
    ]

