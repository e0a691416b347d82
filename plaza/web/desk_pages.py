"""The service desk's pages (城市服务台): a case's public page with the forms of the steps its
reader may take, the web form that files a case ("already reported — follow it" first), "my
cases", the desk staff's queue (keyboard-fast triage with the router's proposals) and a
department's inbox. Plain forms that post and redirect; :file:`static/desk.js` only adds the
cascading category pickers and the queue's keys.

The queue and the inbox show the masked text (公开文本) of each case: the original and the
contacts are on the case's own page, where each staff read of them is logged.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Connection, Row
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import actions, i18n, regions
from plaza.accounts import operators
from plaza.actions import cases as case_actions
from plaza.desk import cases, catalogue, desks
from plaza.desk.cases import NewCase
from plaza.desk.workflow import CASE, REJECT_REASONS, RESULTS, SATISFACTION
from plaza.errors import Forbidden, Invalid, NotFound, PlazaError, RateLimited
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.instance import Plaza
from plaza.square import accounts, media
from plaza.web.common import form_id, load, plaza_of, require_viewer
from plaza.web.rendering import CHINA_TIME, render
from plaza.web.sessions import CSRF_FIELD, checked_form, current_account, safe_next
from plaza.workflow.engine import StaleVersion

log = logging.getLogger("plaza.desk")

#: The staff queue's tabs, in order (plaza.desk.cases.QUEUE_VIEWS); the first is the default.
QUEUE_TABS = ("new", "open", "overdue", "due_soon", "returned", "escalated", "dissatisfied", "extension", "all")
PAGE_SIZE = 40
#: States in which the desk decides who handles a case: the router's proposals are shown then.
TRIAGE_STATES = ("submitted", "accepted", "returned")
#: What the web form sends besides the photos.
FORM_FIELDS = ("text", "category", "county", "address", "lat", "lon", "phone")
#: Form fields that are not an action's own.
NOT_FIELDS = frozenset({CSRF_FIELD, "version", "next", "accept_first"})


# --- shared helpers -------------------------------------------------------------------------------


def _case_id(request: Request) -> int:
    return path_id(request, "id", "case_not_found")


def _text(form: FormData, name: str, limit: int = 4000) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n").strip()[:limit] if isinstance(value, str) else ""


def _with_params(url: str, **params: str) -> str:
    """``url`` with ``params`` set in its query (a notice after a form)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in params] + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _done(request: Request) -> tuple[str | None, str | None]:
    """The step a form just took (``?done=accept&case=…``), for the notice after its redirect."""
    done, case = request.query_params.get("done"), request.query_params.get("case", "")
    if not done or CASE.step(done) is None:
        return None, None
    return done, case if case.isdigit() else None


def china_time(value: str | datetime | None) -> str:
    """An ISO 8601 moment (as a case's JSON has it) as ``YYYY-MM-DD HH:MM``, China Standard Time."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def _helpers(request: Request) -> dict[str, Any]:
    """Labels the desk's templates read, in the reader's language."""
    locale = request_locale(request)

    def word(prefix: str) -> Callable[[str | None], str]:
        return lambda key: i18n.gettext(f"{prefix}{key}", locale) if key else ""

    return {"state_label": word("case_state_"), "action_label": lambda a: i18n.gettext(
                f"case_action_{a or 'overdue'}", locale),
            "result_label": word("case_result_"), "satisfaction_label": word("case_satisfaction_"),
            "reason_label": word("case_reason_"), "urgency_label": word("case_urgency_"),
            "source_label": word("case_source_"), "china_time": china_time,
            "reject_reasons": REJECT_REASONS, "results": RESULTS, "satisfactions": SATISFACTION}


@lru_cache(maxsize=64)
def counties_of(region: str) -> tuple[tuple[str, str], ...]:
    """The counties (区县) of a desk's region as (code, name) for its picker; a province's with
    their city's name before them."""
    if region.endswith("0000"):
        prefixes = [region[:2] + f"{n:02d}" for n in range(1, 100)]
    elif region.endswith("00"):
        prefixes = [region[:4]]
    else:
        place = regions.resolve(region)
        return ((region, place.full_name if place else region),)
    found = []
    for prefix in prefixes:
        for n in range(1, 100):
            code = f"{prefix}{n:02d}"
            place = regions.resolve(code)
            if place is not None and place.county is not None:
                city = place.city.name if region.endswith("0000") and place.city.code != place.province.code else ""
                found.append((code, f"{city} {place.county.name}".strip()))
    return tuple(found)


def leaf_groups(conn: Connection, desk_id: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue's leaves for a select, grouped by their level-1 / level-2 names
    (``<optgroup>``): [("城乡建设 / 城市建设和市政管理", [(path, "城市公共设施"), …]), …]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for leaf in catalogue.leaves(conn, desk_id):
        names = leaf.names
        label = " / ".join(names[:-1]) if len(names) > 1 else names[0]
        groups.setdefault(label, []).append((leaf.path, names[-1]))
    return list(groups.items())


# --- the router's proposals ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    """Who might handle a case: the learned router's guess (with its confidence) or the rule's."""

    category: str | None
    department: str | None
    confidence: float | None


def _router() -> ModuleType | None:
    """``plaza.desk.routing`` when it is installed (the learned router's integration)."""
    try:
        return importlib.import_module("plaza.desk.routing")
    except ImportError:
        return None


def _proposal(item: Any) -> Proposal:
    """A proposal as the router gives it (an object or its JSON)."""
    def get(key: str) -> Any:
        return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)

    confidence = get("confidence")
    return Proposal(get("category"), get("department"), float(confidence) if confidence is not None else None)


def _stored(case: Row[Any]) -> list[Proposal]:
    """The proposals intake kept with the case, when it keeps them (migration 0017)."""
    raw = getattr(case, "proposals", None)
    try:
        return [_proposal(item) for item in json.loads(raw)[:3]] if raw else []
    except (TypeError, ValueError):
        return []


def _ruled(conn: Connection, desk: desks.Desk, case: Row[Any], category: str | None,
           names: Mapping[int, str]) -> str | None:
    """The department the desk's rules name for a category (a path) in the case's county."""
    if not category:
        return None
    try:
        category_id = catalogue.find(conn, desk.id, category).id
    except Invalid:
        return None
    rule = desks.route(conn, desk, category_id, case.county_code)
    return names.get(rule.lead_id) if rule is not None else None


def proposals(conn: Connection, desk: desks.Desk, case: Row[Any], names: Mapping[int, str]) -> list[Proposal]:
    """Who might handle a case in triage, best first: the rule for its category when it has one,
    then the router's top proposals (kept at intake, else asked now), each without a department
    of its own given the one the rules name for it (``names``: department ids to usernames)."""
    out: list[Proposal] = []
    if case.category_id:
        ruled = _ruled(conn, desk, case, catalogue.get(conn, desk.id, case.category_id).path, names)
        if ruled:
            out.append(Proposal(catalogue.get(conn, desk.id, case.category_id).path, ruled, None))
    found = _stored(case)
    routing = _router() if not found and case.state in TRIAGE_STATES else None
    if routing is not None:
        try:
            found = [_proposal(item) for item in list(routing.propose(conn, desk, case.text))[:3]]
        except ImportError:  # the router's own module (scikit-learn's model) is not installed
            found = []
        except Exception:  # noqa: BLE001 - a proposal must never cost the queue its page
            log.warning("the router proposed nothing for case %s", case.id, exc_info=True)
            found = []
    for guess in found:
        department = guess.department or _ruled(conn, desk, case, guess.category, names)
        if not any(p.category == guess.category and p.confidence is None for p in out):
            out.append(Proposal(guess.category, department, guess.confidence))
    return out


# --- a case's page and its steps ---------------------------------------------------------------


def _case_extras(plaza: Plaza, body: dict[str, Any]) -> dict[str, Any]:
    """What the case page shows beside the case's JSON: the accounts it names, and for the
    desk's staff the departments, the catalogue, proposals and possible duplicates."""
    with plaza.db.read() as conn:
        desk = desks.get(conn, body["desk"])
        wanted = [desk.username, *(n for n in [body["department"], *body["co_handlers"]] if n)]
        people = {r.username: r for r in accounts.resolve_names(conn, wanted).values()}
        extras: dict[str, Any] = {"desk": desk, "people": people, "departments": [], "groups": [],
                                  "proposals": [], "duplicates": [], "route_to": None}
        actions_here = set(body["actions"])
        if actions_here & {"accept", "forward"}:
            row = cases.load(conn, int(body["id"]))
            departments = desks.departments(conn, desk)
            names = {d.id: d.username for d in departments}
            extras.update(departments=departments, groups=leaf_groups(conn, desk.id),
                          proposals=proposals(conn, desk, row, names))
            extras["route_to"] = next((p.department for p in extras["proposals"] if p.department), None)
        if actions_here & {"link_duplicate"}:
            row = cases.load(conn, int(body["id"]))
            found = cases.similar(conn, desk, row.text, county=row.county_code, lat=row.lat, lon=row.lon,
                                  exclude=row.id, category_id=row.category_id)
            extras["duplicates"] = [(s.case, s.score) for s in found]
    return extras


def _photos(plaza: Plaza, owner_id: int | None, media_ids: list[str]) -> list[tuple[str, str]]:
    """(full, preview) links of a case's photos, or of uploads kept by the form."""
    out = []
    for raw in media_ids:
        if owner_id is None or not str(raw).isdigit():
            continue
        try:
            row = media.get(plaza.db, owner_id, int(raw))
        except NotFound:
            continue
        out.append(media.paths(row, None))
    return out


async def _case_response(request: Request, case_id: int, *, error: str | None = None,
                         form_action: str | None = None, form_values: Mapping[str, Any] | None = None,
                         status_code: int = 200) -> Response:
    plaza = plaza_of(request)
    viewer = current_account(request)
    body = await case_actions.read_case(plaza, case_id, viewer, via="web")
    extras = await plaza.read(lambda: _case_extras(plaza, body))
    source = None
    if body["source_status_id"]:
        found = load(request, [int(body["source_status_id"])])
        source = found[0] if found else None
    photos: list[tuple[str, str]] = []
    if "contact" in body and body["media"]:  # photos are shown to those who may see personal data
        photos = await plaza.read(lambda: _photos(plaza, _owner_of(plaza, case_id), body["media"]))
    done = request.query_params.get("done")
    notice = None
    if done == "filed":
        notice = i18n.gettext("case_done_filed", request_locale(request), id=body["id"])
    elif done == "followed":
        notice = i18n.gettext("case_done_followed", request_locale(request))
    elif done and CASE.step(done) is not None:
        notice = i18n.gettext("case_done_action", request_locale(request), id=body["id"],
                              action=_helpers(request)["action_label"](done))
    return render(request, "desk_case.html", {
        "case": body, **extras, "source": source, "photos": photos, "error": error, "notice": notice,
        "form_action": form_action, "form_values": dict(form_values or {}), **_helpers(request)},
        status_code=status_code)


def _owner_of(plaza: Plaza, case_id: int) -> int | None:
    with plaza.db.read() as conn:
        citizen_id = cases.load(conn, case_id).citizen_id
    return int(citizen_id) if citizen_id is not None else None


async def case_page(request: Request) -> Response:
    """``GET /cases/{id}``: a case as its reader may see it, with its steps and the forms of
    those the reader may take."""
    return await _case_response(request, _case_id(request))


def _action_fields(form: FormData) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in dict.fromkeys(form.keys()):
        if key in NOT_FIELDS:
            continue
        if key == "co_handlers":
            fields[key] = [v for v in form.getlist(key) if isinstance(v, str) and v]
        elif isinstance(value := form.get(key), str):
            fields[key] = value.replace("\r\n", "\n")
    return fields


async def case_action(request: Request) -> Response:
    """``POST /cases/{id}/actions/{action}``: take a step with the version the form was drawn at,
    then back to where the form was (``next``). A step someone took first (409) shows the case as
    it now is; a refusal (4xx) shows the page with the reason and the form as it was filled."""
    viewer = require_viewer(request)
    case_id = _case_id(request)
    action = str(request.path_params["action"])[:40]
    form = await checked_form(request)
    fields = _action_fields(form)
    back = safe_next(_text(form, "next", 2000), f"/cases/{case_id}")
    plaza = plaza_of(request)
    raw_version = _text(form, "version", 20)
    try:
        if not raw_version.isdigit():
            raise Invalid("case_version_missing")
        version = int(raw_version)
        if action == "forward" and _text(form, "accept_first", 2) == "1":  # 受理并转办: two steps, both recorded
            accepted = await case_actions.act_on_case(plaza, case_id, "accept", viewer, version=version,
                                                      fields={}, via="web")
            version = int(accepted["version"])
        await case_actions.act_on_case(plaza, case_id, action, viewer, version=version, fields=fields, via="web")
    except StaleVersion:
        return await _case_response(request, case_id, error=i18n.gettext("case_acted_first", request_locale(request)),
                                    form_action=action, form_values=fields, status_code=409)
    except (NotFound, RateLimited):
        raise
    except PlazaError as exc:
        return await _case_response(request, case_id, error=exc.message(request_locale(request)),
                                    form_action=action, form_values=fields, status_code=exc.status)
    return RedirectResponse(_with_params(back, done=action, case=str(case_id)), status_code=303)


async def follow(request: Request) -> Response:
    """``POST /cases/{id}/follow``: follow a case ("already reported — follow it")."""
    viewer = require_viewer(request)
    case_id = _case_id(request)
    await checked_form(request)
    await case_actions.follow_case(plaza_of(request), case_id, viewer)
    return RedirectResponse(f"/cases/{case_id}?done=followed", status_code=303)


# --- the web form ---------------------------------------------------------------------------------


def _form_context(plaza: Plaza, desk_name: str) -> dict[str, Any]:
    with plaza.db.read() as conn:
        desk = desks.get(conn, desk_name)
        return {"desk": desk, "groups": leaf_groups(conn, desk.id), "counties": counties_of(desk.region_code)}


def _coordinate(raw: str) -> float | None:
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise Invalid("place_coordinates_invalid") from exc


def _new_case(values: Mapping[str, str], anonymous: bool, desk: desks.Desk, citizen_id: int,
              media_ids: list[int]) -> NewCase:
    """The case the form describes. The county picked is the place when the address names none:
    the address is kept as the picker and the street make it (安徽省马鞍山市花山区 + 湖东路12号)."""
    text = values["text"]
    if not text:
        raise Invalid("case_text_missing")
    county = values["county"]
    address = values["address"]
    if county:
        if county not in dict(counties_of(desk.region_code)):
            raise Invalid("place_outside_desk", desk=desk.username)
        place = regions.resolve(county)
        if place is not None and place.county is not None and place.county.name not in address:
            address = place.full_name + address
    return NewCase(text=text, source="web", category=values["category"] or None, address=address,
                   lat=_coordinate(values["lat"]), lon=_coordinate(values["lon"]), anonymous=anonymous,
                   contact_phone=values["phone"], media_ids=tuple(media_ids), citizen_id=citizen_id,
                   place_hint=county or None)


Similar = tuple[dict[str, Any], float, bool]


def _similar(plaza: Plaza, desk: desks.Desk, new: NewCase) -> list[Similar]:
    """Open cases like the one about to be filed, as the public sees them, with their likeness
    and whether they are the citizen's own."""
    with plaza.db.read() as conn:
        category_id = catalogue.find(conn, desk.id, new.category).id if new.category else None
        found = cases.similar(conn, desk, new.text, county=new.place_hint, category_id=category_id,
                              lat=new.lat, lon=new.lon)
        return [(cases.view(conn, s.case, cases.NOBODY, history=False), s.score, s.case.citizen_id == new.citizen_id)
                for s in found]


def _render_form(request: Request, context: dict[str, Any], values: Mapping[str, str], *, anonymous: bool = False,
                 media_ids: list[int] | None = None, error: str | None = None,
                 similar: list[Similar] | None = None, status_code: int = 200) -> Response:
    viewer = current_account(request)
    plaza = plaza_of(request)
    kept = media_ids or []
    photos = _photos(plaza, viewer.id if viewer is not None else None, [str(i) for i in kept])
    return render(request, "desk_new.html", {
        **context, "form": dict(values), "anonymous": anonymous, "media_ids": kept, "photos": photos,
        "error": error, "similar": similar or [], "max_photos": cases.MAX_PHOTOS, **_helpers(request)},
        status_code=status_code)


async def new_case_form(request: Request) -> Response:
    """``GET /desks/{desk}/new``: the web form (网上诉求)."""
    require_viewer(request)
    plaza = plaza_of(request)
    desk_name = str(request.path_params["desk"])
    context = await plaza.read(lambda: _form_context(plaza, desk_name))
    return _render_form(request, context, dict.fromkeys(FORM_FIELDS, ""))


async def new_case_submit(request: Request) -> Response:
    """``POST /desks/{desk}/new``: with ``check=1`` first shows the open cases like this one
    (follow one, or submit anyway); files the case when there are none or when asked to. A
    refusal brings the form back as it was filled, its photos kept as uploads."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    desk_name = str(request.path_params["desk"])
    # Parsed here first with room for the photos; checked_form then checks the same (cached) form.
    await request.form(max_files=cases.MAX_PHOTOS, max_fields=60)
    form = await checked_form(request, max_upload=True)
    context = await plaza.read(lambda: _form_context(plaza, desk_name))
    desk: desks.Desk = context["desk"]
    values = {name: _text(form, name, 2200 if name == "text" else 300) for name in FORM_FIELDS}
    anonymous = _text(form, "anonymous", 5) == "1"
    media_ids = [int(v) for v in form.getlist("media_ids") if isinstance(v, str) and v.isdigit()][:cases.MAX_PHOTOS]
    try:
        for upload in form.getlist("photos"):
            if isinstance(upload, UploadFile) and upload.filename:
                if len(media_ids) >= cases.MAX_PHOTOS:
                    raise Invalid("media_too_many", limit=cases.MAX_PHOTOS)
                media_ids.append(int((await actions.upload_media(plaza, viewer.id, upload)).id))
        new = _new_case(values, anonymous, desk, int(viewer.id), media_ids)
        if _text(form, "check", 2) == "1":
            similar = await plaza.read(lambda: _similar(plaza, desk, new))
            if similar:
                return _render_form(request, context, values, anonymous=anonymous, media_ids=media_ids,
                                    similar=similar)
        body = await case_actions.submit_case(plaza, desk.username, new, limit_key=str(viewer.id),
                                                  citizen=viewer)
    except RateLimited:
        raise
    except PlazaError as exc:
        return _render_form(request, context, values, anonymous=anonymous, media_ids=media_ids,
                            error=exc.message(request_locale(request)), status_code=exc.status)
    return RedirectResponse(f"/cases/{body['id']}?done=filed", status_code=303)


# --- "my cases" -----------------------------------------------------------------------------------


def _mine(plaza: Plaza, viewer_id: int, max_id: int | None) -> dict[str, Any]:
    with plaza.db.read() as conn:
        rows = cases.mine(conn, viewer_id, limit=PAGE_SIZE, max_id=max_id)
        items = [{"case": cases.view(conn, r, cases.standing(conn, r, viewer_id), history=False),
                  "followed": r.citizen_id != viewer_id} for r in rows]
        agencies = operators.agencies_of(conn, viewer_id)
        queues, inboxes = [], {}
        for desk in desks.all_desks(conn):
            if viewer_id in desks.staff_ids(conn, desk):
                queues.append(desk)
            for department in desks.departments(conn, desk):
                if department.id in agencies:
                    inboxes[department.username] = department
    return {"items": items, "queues": queues, "inboxes": list(inboxes.values()),
            "older_max_id": int(rows[-1].id) if len(rows) >= PAGE_SIZE else None}


async def my_cases(request: Request) -> Response:
    """``GET /me/cases``: the cases one filed or follows, newest first; and, for staff, links to
    the queues and inboxes they work."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    max_id = form_id(request.query_params.get("max_id"), "max_id")
    found = await plaza.read(lambda: _mine(plaza, int(viewer.id), max_id))
    return render(request, "desk_mine.html", {**found, **_helpers(request)})


# --- the staff queue ------------------------------------------------------------------------------


def _queue(plaza: Plaza, desk_name: str, viewer_id: int, tab: str, filters: Mapping[str, str],
           max_id: int | None) -> dict[str, Any]:
    with plaza.db.read() as conn:
        desk = desks.get(conn, desk_name)
        if viewer_id not in desks.staff_ids(conn, desk):
            raise Forbidden("desk_staff_only")
        departments = desks.departments(conn, desk)
        names = {d.id: d.username for d in departments}
        category = catalogue.find(conn, desk.id, filters["category"]) if filters["category"] else None
        rows = cases.queue(conn, desk, view=tab, category_id=category.id if category else None,
                           county=filters["county"] or None,
                           department_id=desks.department_id(conn, desk, filters["department"])
                           if filters["department"] else None, limit=PAGE_SIZE, max_id=max_id)
        staff = cases.Standing(frozenset({cases.DESK}), desk.account_id)
        shown = cases.views(conn, rows, staff)
        items = []
        for row, case in zip(rows, shown, strict=True):
            found = proposals(conn, desk, row, names) if row.state in TRIAGE_STATES else []
            target = next((p for p in found if p.department), None)
            items.append({"case": case, "excerpt": row.public_text,
                          "proposals": found, "forward_to": target.department if target else None,
                          "forward_category": (target.category or "") if target and not row.category_id else ""})
        return {"desk": desk, "departments": departments, "groups": leaf_groups(conn, desk.id),
                "counties": counties_of(desk.region_code), "items": items,
                "older_max_id": int(rows[-1].id) if len(rows) >= PAGE_SIZE and tab != "due_soon" else None}


async def queue_page(request: Request) -> Response:
    """``GET /desks/{desk}/queue``: the desk's cases for its staff (403 for anyone else), by tab,
    filtered by category, county and department."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    params = request.query_params
    tab = params.get("view") or QUEUE_TABS[0]
    if tab not in QUEUE_TABS:
        raise Invalid("queue_view_invalid", value=tab[:40])
    filters = {name: (params.get(name) or "").strip()[:200] for name in ("category", "county", "department")}
    max_id = form_id(params.get("max_id"), "max_id")
    desk_name = str(request.path_params["desk"])
    found = await plaza.read(lambda: _queue(plaza, desk_name, int(viewer.id), tab, filters, max_id))
    done, done_case = _done(request)
    kept = {k: v for k, v in filters.items() if v}
    return render(request, "desk_queue.html", {
        **found, "tab": tab, "filters": filters, "done": done,
        "tabs": [(name, "?" + urlencode({"view": name, **kept}), f"queue_tab_{name}") for name in QUEUE_TABS],
        "done_case": done_case, **_helpers(request)})


# --- a department's inbox -------------------------------------------------------------------------


def _inbox(plaza: Plaza, department: Row[Any], viewer_id: int) -> dict[str, Any]:
    with plaza.db.read() as conn:
        if department.id not in operators.agencies_of(conn, viewer_id):
            raise Forbidden("department_staff_only")

        def item(row: Row[Any]) -> dict[str, Any]:
            return {"case": cases.view(conn, row, cases.standing(conn, row, viewer_id), history=False),
                    "excerpt": row.public_text}

        working = cases.inbox(conn, department.id, view="open", limit=200)
        done = [r for r in cases.inbox(conn, department.id, view="closed", limit=PAGE_SIZE)
                if r.state in ("replied", "follow_up")]
        in_hand = [r for r in working if r.state in ("acknowledged", "in_progress") and not r.extension_days]
        in_hand.sort(key=lambda r: (not r.overdue, r.resolve_by is None, r.resolve_by or r.created_at))
        return {"sections": [
            ("inbox_to_acknowledge", [item(r) for r in working if r.state == "forwarded"]),
            ("inbox_in_progress", [item(r) for r in in_hand]),
            ("inbox_extension", [item(r) for r in working if r.extension_days]),
            ("inbox_replied", [item(r) for r in done])]}


async def inbox_page(request: Request) -> Response:
    """``GET /departments/{username}/inbox``: a department's cases for its account and operators
    (403 for anyone else): to acknowledge, in progress (overdue first), extension asked, replied."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    department = accounts.find_by_username(plaza.db, str(request.path_params["username"])[:60])
    if department is None or department.kind != "government":
        raise NotFound("account_not_found")
    found = await plaza.read(lambda: _inbox(plaza, department, int(viewer.id)))
    done, done_case = _done(request)
    return render(request, "desk_inbox.html", {**found, "department": department, "done": done,
                                               "done_case": done_case, **_helpers(request)})


# --- a desk on its account's profile --------------------------------------------------------------


def desk_of(plaza: Plaza, account: Row[Any]) -> desks.Desk | None:
    """The desk run by a (government) account, if any: its profile offers the web form."""
    if account.kind != "government":
        return None
    with plaza.db.read() as conn:
        try:
            return desks.get(conn, account.username)
        except NotFound:
            return None
