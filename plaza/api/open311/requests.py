"""GeoReport v2's service requests: filed by a registered app, followed by anyone.

    POST /open311/v2/requests.{json,xml}                     file a case (api_key; form-encoded)
    GET  /open311/v2/requests.{json,xml}                     cases by id, service, window, status
    GET  /open311/v2/requests/{service_request_id}.{json,xml}
    GET  /open311/v2/tokens/{token}.{json,xml}               the case a token stands for

A request is filed as a case of the desk (``source`` open311, the app's key kept with it) by
:func:`plaza.actions.cases.submit_case`, rate-limited per key. Filing is synchronous: the answer
(200, as the specification's examples and FixMyStreet expect) has the case's id *and* the token
(an app written for batch servers follows the token).

What an app sends and where it goes: ``service_code`` → the category; ``lat``/``long`` (which
must lie in the desk's region) or ``address_string`` → the place; ``description`` → the text
(the service's name when left out, since the field is optional); ``attribute[urgency]`` and
``attribute[anonymous]`` → the case's urgency and anonymity; ``first_name``, ``last_name``,
``phone``, ``email`` → the case's contact, which only the desk and the departments it is
forwarded to ever see; ``media_url`` → kept, never fetched (no network at run time), as the
text's last line ``图片：URL`` (no column holds it), so staff see it and GET requests gives it
back (masked like the text). ``address_id``, ``device_id`` and ``account_id`` are not used:
Plaza has no address register, and an app's own account is not a Plaza account.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from plaza.actions import cases as case_actions
from plaza.desk.cases import NewCase
from plaza.desk.catalogue import Category
from plaza.desk.desks import Desk
from plaza.errors import BadRequest, NotFound
from plaza.http.context import off_loop, plaza_of
from plaza.http.locale import request_locale
from plaza.http.params import Params, parse_bool, query_params, read_params
from plaza.regions.address import resolve_place

from . import keys, render, store
from .common import comma_list, coordinate, jurisdiction, parse_time, window
from .formats import answer, endpoint

MAX_MEDIA_URL_CHARS = 500
MAX_ID_CHARS = 19
MAX_TOKEN_CHARS = 40


def _contact_name(first: str, last: str) -> str:
    """The name as it is written: family name first in Chinese (张伟), given name first otherwise."""
    if not (first + last).isascii():
        return f"{last}{first}"
    return f"{first} {last}".strip()


def _media_url(value: str | None) -> str | None:
    url = (value or "").strip()
    if not url:
        return None
    if (len(url) > MAX_MEDIA_URL_CHARS or not url.lower().startswith(("http://", "https://"))
            or any(ch.isspace() for ch in url)):
        raise BadRequest("open311_media_url_invalid", limit=MAX_MEDIA_URL_CHARS)
    return url


def _attribute(params: Params, code: str, allowed: tuple[str, ...]) -> str | None:
    value = (params.text(f"attribute[{code}]") or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise BadRequest("open311_attribute_invalid", code=code, value=value[:40])
    return value


@endpoint
async def create_request(request: Request, fmt: str) -> Response:
    params = await read_params(request)
    plaza = plaza_of(request)
    locale = request_locale(request)
    api_key = params.text("api_key")
    jurisdiction_id = params.text("jurisdiction_id")
    code = (params.text("service_code") or "").strip()
    raw_lat, raw_lon = params.text("lat"), params.text("long")
    address = (params.text("address_string") or "").strip()
    address_id = (params.text("address_id") or "").strip()
    description = (params.text("description") or "").strip()
    raw_media_url = params.text("media_url")
    contact_name = _contact_name((params.text("first_name") or "").strip(), (params.text("last_name") or "").strip())
    phone = (params.text("phone") or "").strip()
    email = (params.text("email") or "").strip()

    def check() -> tuple[Desk, keys.Key, Category, dict[str, str]]:
        with plaza.db.read() as conn:
            key = keys.check(conn, api_key)  # a wrong key is refused before anything else is judged
            desk = jurisdiction(conn, jurisdiction_id)
            if not code:
                raise BadRequest("open311_service_code_missing")
            service = store.service(conn, desk, code)
            if service is None:
                raise NotFound("open311_service_unknown", code=code[:40])
            renderer = render.Renderer(conn, desk, locale)
            return desk, key, service, {u: renderer.notice(service.id, u) for u in render.URGENCY_KEYS}

    desk, key, service, notices = await off_loop(request, check)
    lat, lon = coordinate(raw_lat, -90, 90), coordinate(raw_lon, -180, 180)
    if (lat is None) != (lon is None):
        raise BadRequest("open311_coordinates_invalid")
    if lat is None and not address:
        raise BadRequest("open311_address_id_unsupported" if address_id else "open311_location_missing")
    if lat is not None and lon is not None:
        # The point is where the problem is: it must lie in the desk's region, whatever the text says.
        place = resolve_place(lat=lat, lon=lon)
        if place is None or not desk.covers(place.county_code or place.city_code):
            raise BadRequest("place_outside_desk", desk=desk.username)
    media_url = _media_url(raw_media_url)
    urgency = _attribute(params, "urgency", render.URGENCY_KEYS) or "ordinary"
    anonymous = parse_bool(_attribute(params, "anonymous", render.BOOLEAN_KEYS), "attribute[anonymous]")
    new = NewCase(text=render.with_media(description or service.name, media_url), source="open311",
                  category=service.path, urgency=urgency, address=address, lat=lat, lon=lon, anonymous=anonymous,
                  contact_name=contact_name, contact_phone=phone, contact_email=email, citizen_id=None,
                  open311_key_id=key.id)
    body = await case_actions.submit_case(plaza, desk.username, new, limit_key=f"open311:{key.id}")
    filed = [{"service_request_id": body["id"], "token": body.get("token"), "service_notice": notices[urgency],
              "account_id": None}]
    return answer(fmt, filed, root="service_requests", item="request")


@endpoint
async def list_requests(request: Request, fmt: str) -> Response:
    params = query_params(request)
    locale = request_locale(request)
    jurisdiction_id = params.text("jurisdiction_id")
    wanted_ids = comma_list(params.values("service_request_id"))
    codes = comma_list(params.values("service_code"))
    statuses = comma_list(params.values("status"))
    start = parse_time(params.text("start_date"), "start_date")
    end = parse_time(params.text("end_date"), "end_date")
    ids: list[int] = []
    for value in wanted_ids:
        if not value.isascii() or not value.isdigit() or len(value) > MAX_ID_CHARS:
            raise BadRequest("open311_request_id_invalid", value=value[:40])
        ids.append(int(value))
    for status in statuses:
        if status not in render.STATUS_STATES:
            raise BadRequest("open311_status_invalid", value=status[:40])
    since, until = window(start, end)
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = jurisdiction(conn, jurisdiction_id)
            if ids:  # the ids override every other filter
                rows = store.requests_by_id(conn, desk, ids)
            else:
                states = [s for status in statuses for s in render.STATUS_STATES[status]] if statuses else None
                category_ids = None
                if codes:
                    leaves = render.leaves_by_code(conn, desk)
                    category_ids = [leaves[c].id for c in codes if c in leaves]
                rows = store.requests_between(conn, desk, since, until, states=states, category_ids=category_ids)
            return render.Renderer(conn, desk, locale).requests(rows)

    return answer(fmt, await off_loop(request, work), root="service_requests", item="request")


@endpoint
async def get_request(request: Request, fmt: str) -> Response:
    params = query_params(request)
    locale = request_locale(request)
    jurisdiction_id = params.text("jurisdiction_id")
    raw = str(request.path_params["service_request_id"])
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = jurisdiction(conn, jurisdiction_id)
            rows = (store.requests_by_id(conn, desk, [int(raw)])
                    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_CHARS else [])
            if not rows:
                raise NotFound("open311_request_unknown", id=raw[:40])
            return render.Renderer(conn, desk, locale).requests(rows)

    return answer(fmt, await off_loop(request, work), root="service_requests", item="request")


@endpoint
async def get_token(request: Request, fmt: str) -> Response:
    params = query_params(request)
    jurisdiction_id = params.text("jurisdiction_id")
    token = str(request.path_params["token"])
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        with db.read() as conn:
            desk = jurisdiction(conn, jurisdiction_id)
            case = store.by_token(conn, desk, token) if len(token) <= MAX_TOKEN_CHARS else None
            if case is None:
                raise NotFound("open311_token_unknown")
            return [{"service_request_id": str(case.id), "token": token}]

    return answer(fmt, await off_loop(request, work), root="service_requests", item="request")
