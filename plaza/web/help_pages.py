"""Help requests' pages (求助): the form that asks for help, a request's page with the forms of the
steps its reader may take, the verifiers' queue (most urgent first, "take the next one", keys
j / k / Enter), a responder's page (requests offered to it, those it holds), the public list with
its totals and "my requests". Plain forms that post and redirect, each calling an act of
:mod:`plaza.actions.help`; :file:`static/help.js` only adds "use my location" and the queue's keys.

Lists show no personal data. A request's own page shows it to its requester, the verifiers and
the responder that claimed it, and each read of it by a verifier or a responder is logged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Row
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import actions, i18n
from plaza.actions import help as help_actions
from plaza.errors import Forbidden, Invalid, NotFound, PlazaError, RateLimited
from plaza.help import detect, requests, triage
from plaza.help.requests import NewRequest
from plaza.help.workflow import CLOSE_REASONS, HELP, OUTCOMES, VERIFIER
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.instance import Plaza
from plaza.square import accounts, media
from plaza.square.views import StatusView
from plaza.web.common import form_id, load, plaza_of, require_viewer
from plaza.web.desk_pages import china_time
from plaza.web.rendering import render, status_path, when
from plaza.web.sessions import CSRF_FIELD, checked_form, current_account, safe_next
from plaza.workflow.engine import StaleVersion

#: The verifiers' queue's tabs, in order (plaza.help.requests.QUEUE_VIEWS); the first is the default.
QUEUE_TABS = ("verify", "follow_up", "dispatch", "working", "confirm", "unresolved_place", "open", "closed")
PAGE_SIZE = 40
#: What the form sends besides the vulnerable people, "on behalf" and the photos.
FORM_FIELDS = ("need", "text", "people", "hours_without_contact", "address", "lat", "lon", "contact_phone",
               "contact_name", "second_phone", "incident")
#: Form fields that are not an action's own.
NOT_FIELDS = frozenset({CSRF_FIELD, "version", "next", "into_id"})
#: Hours since last contact a form may say (a month).
MAX_HOURS = 720.0


# --- shared helpers -------------------------------------------------------------------------------


def _request_id(request: Request) -> int:
    return path_id(request, "id", "help_request_not_found")


def _text(form: FormData, name: str, limit: int = 4000) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n").strip()[:limit] if isinstance(value, str) else ""


def _age(value: str | None, locale: str) -> str:
    """How long ago an ISO 8601 moment (as a request's JSON has it) was, as the pages say it."""
    return when(datetime.fromisoformat(value), locale) if value else ""


def _helpers(request: Request) -> dict[str, Any]:
    """Labels and vocabularies the help templates read, in the reader's language."""
    locale = request_locale(request)

    def word(prefix: str) -> Callable[[str | None], str]:
        return lambda key: i18n.gettext(f"{prefix}{key}", locale) if key else ""

    return {"state_label": word("help_state_"), "need_label": word("help_need_"),
            "action_label": lambda a: i18n.gettext(f"help_action_{a or 'overdue'}", locale),
            "vulnerable_label": word("help_vulnerable_"), "signal_label": word("help_signal_"),
            "outcome_label": word("help_outcome_"), "reason_label": word("help_reason_"),
            "source_label": word("help_source_"), "why_label": word("help_why_"), "tab_label": word("help_tab_"),
            "china_time": china_time, "age": lambda value: _age(value, locale),
            "needs": detect.NEEDS, "vulnerable_kinds": triage.VULNERABLE, "outcomes": tuple(OUTCOMES),
            "close_reasons": CLOSE_REASONS, "max_photos": requests.MAX_PHOTOS}


def _done_notice(request: Request, request_id: str) -> str | None:
    """The notice after a form's redirect (``?done=filed`` or ``?done=<step>``)."""
    done = request.query_params.get("done")
    locale = request_locale(request)
    if done == "filed":
        return i18n.gettext("help_done_filed", locale, id=request_id)
    if done and HELP.step(done) is not None:
        return i18n.gettext("help_done_action", locale, action=i18n.gettext(f"help_action_{done}", locale))
    return None


def _photos(plaza: Plaza, owner_id: int | None, media_ids: list[str]) -> list[tuple[str, str]]:
    """(full, preview) links of a request's photos, or of uploads kept by the form."""
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


def _workplaces(plaza: Plaza, viewer: Row[Any] | None) -> dict[str, Any]:
    """Where the viewer works on help requests: the verifiers' queue, the responders they act for."""
    if viewer is None:
        return {"verifier": False, "responders": []}
    with plaza.db.read() as conn:
        teams = requests.responders_of(conn, viewer.id)
        found = accounts.get_many(conn, [t.account_id for t in teams]) if teams else {}
        return {"verifier": requests.is_verifier(conn, viewer),
                "responders": [found[t.account_id] for t in teams if t.account_id in found]}


# --- a request's page and its steps -------------------------------------------------------------


def _extras(plaza: Plaza, body: dict[str, Any]) -> dict[str, Any]:
    """What the page shows beside the request's JSON: its possible duplicates as the public sees
    them (for verifiers, to merge into), and who filed it (whose uploads its photos are)."""
    with plaza.db.read() as conn:
        row = requests.load(conn, int(body["id"]))
        duplicates = []
        for found in body.get("possible_duplicates") or []:
            try:
                other = requests.load(conn, int(found["id"]))
            except NotFound:
                continue
            duplicates.append((found, requests.view(conn, other, requests.NOBODY, history=False)))
        return {"duplicates": duplicates, "requester_id": row.requester_id}


def _source_links(request: Request, sources: list[dict[str, Any]]) -> dict[str, StatusView]:
    """The posts a request's sources are, by id, as the viewer may see them."""
    ids = [int(s["status_id"]) for s in sources if s.get("status_id")]
    return {str(v.status.id): v for v in load(request, ids)} if ids else {}


async def _request_response(request: Request, request_id: int, *, error: str | None = None,
                            form_action: str | None = None, form_values: Mapping[str, Any] | None = None,
                            status_code: int = 200) -> Response:
    plaza = plaza_of(request)
    viewer = current_account(request)
    body = await help_actions.read_help(plaza, request_id, viewer, via="web")
    extras = await plaza.read(lambda: _extras(plaza, body))
    posts = _source_links(request, body.get("sources") or [])
    photos: list[tuple[str, str]] = []
    if "contact" in body and body.get("media"):  # photos are shown to those who may see personal data
        photos = await plaza.read(lambda: _photos(plaza, extras["requester_id"], body["media"]))
    return render(request, "help_request.html", {
        "req": body, **extras, "posts": posts, "photos": photos, "error": error,
        "notice": _done_notice(request, body["id"]), "form_action": form_action,
        "form_values": dict(form_values or {}), "status_path": status_path, **_helpers(request)},
        status_code=status_code)


async def request_page(request: Request) -> Response:
    """``GET /help/{id}``: a request as its reader may see it, with its history and the forms of
    the steps the reader may take."""
    return await _request_response(request, _request_id(request))


def _action_fields(form: FormData) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in dict.fromkeys(form.keys()):
        if key in NOT_FIELDS:
            continue
        if isinstance(value := form.get(key), str):
            fields[key] = value.replace("\r\n", "\n")
    into = _text(form, "into_id", 20)
    if into:  # a number typed beats the duplicate picked
        fields["into"] = into
    return fields


async def request_action(request: Request) -> Response:
    """``POST /help/{id}/actions/{action}``: take a step with the version the form was drawn at
    (a claim needs none: of concurrent claims one wins), then back to where the form was
    (``next``). A step someone took first (409) shows the request as it now is; a refusal (4xx)
    shows the page with the reason and the form as it was filled."""
    viewer = require_viewer(request)
    request_id = _request_id(request)
    action = str(request.path_params["action"])[:40]
    form = await checked_form(request)
    fields = _action_fields(form)
    back = safe_next(_text(form, "next", 2000), f"/help/{request_id}")
    plaza = plaza_of(request)
    locale = request_locale(request)
    raw_version = _text(form, "version", 20)
    try:
        version = int(raw_version) if raw_version.isdigit() else None
        if version is None and action != "claim":
            raise Invalid("help_version_missing")
        await help_actions.act_on_help(plaza, request_id, action, viewer, version=version, fields=fields, via="web")
    except StaleVersion as exc:
        moved = i18n.gettext("help_moved", locale, state=i18n.gettext(f"help_state_{exc.current.state}", locale))
        return await _request_response(request, request_id, error=moved, form_action=action, form_values=fields,
                                       status_code=409)
    except (NotFound, RateLimited):
        raise
    except PlazaError as exc:
        return await _request_response(request, request_id, error=exc.message(locale), form_action=action,
                                       form_values=fields, status_code=exc.status)
    return RedirectResponse(_with_params(back, done=action), status_code=303)


def _with_params(url: str, **params: str) -> str:
    path, _, query = url.partition("?")
    kept = [part for part in query.split("&") if part and part.split("=", 1)[0] not in params]
    return path + "?" + "&".join([*kept, urlencode(params)])


# --- the form -------------------------------------------------------------------------------------


def _number(raw: str, key: str, **params: Any) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise Invalid(key, **params) from exc
    if not math.isfinite(value):
        raise Invalid(key, **params)
    return value


def _new_request(values: Mapping[str, str], vulnerable: list[str], on_behalf: bool, requester_id: int,
                 media_ids: list[int]) -> NewRequest:
    """The request the form describes (checked by plaza.help.requests.check when filed)."""
    people = _number(values["people"], "help_people_invalid", limit=requests.MAX_PEOPLE)
    if people is not None and people != int(people):
        raise Invalid("help_people_invalid", limit=requests.MAX_PEOPLE)
    hours = _number(values["hours_without_contact"], "help_hours_invalid")
    if hours is not None and not 0 <= hours <= MAX_HOURS:
        raise Invalid("help_hours_invalid")
    return NewRequest(
        text=values["text"], need=values["need"] or "other", source="web",
        people=int(people) if people is not None else None, vulnerable=tuple(dict.fromkeys(vulnerable)),
        place_text=values["address"], lat=_number(values["lat"], "place_coordinates_invalid"),
        lon=_number(values["lon"], "place_coordinates_invalid"), contact_name=values["contact_name"],
        contact_phone=values["contact_phone"], second_phone=values["second_phone"], on_behalf=on_behalf,
        media_ids=tuple(media_ids), requester_id=requester_id, hours_without_contact=hours)


def _render_form(request: Request, values: Mapping[str, str], *, vulnerable: list[str] | None = None,
                 on_behalf: bool = False, media_ids: list[int] | None = None, error: str | None = None,
                 status_code: int = 200) -> Response:
    viewer = current_account(request)
    plaza = plaza_of(request)
    kept = media_ids or []
    photos = _photos(plaza, viewer.id if viewer is not None else None, [str(i) for i in kept])
    return render(request, "help_new.html", {
        "form": dict(values), "vulnerable": vulnerable or [], "on_behalf": on_behalf, "media_ids": kept,
        "photos": photos, "error": error, **_helpers(request)}, status_code=status_code)


async def new_request_form(request: Request) -> Response:
    """``GET /help/new``: the help form (求助表单); ``?incident=`` is carried along with it."""
    require_viewer(request)
    values = dict.fromkeys(FORM_FIELDS, "")
    values["incident"] = (request.query_params.get("incident") or "").strip()[:80]
    return _render_form(request, values)


async def new_request_submit(request: Request) -> Response:
    """``POST /help/new``: file the request and open its page; a refusal brings the form back as
    it was filled, in the reader's language, its photos kept as uploads."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    # Parsed here first with room for the photos; checked_form then checks the same (cached) form.
    await request.form(max_files=requests.MAX_PHOTOS, max_fields=60)
    form = await checked_form(request, max_upload=True)
    values = {name: _text(form, name, 2200 if name == "text" else 300) for name in FORM_FIELDS}
    vulnerable = [v for v in form.getlist("vulnerable") if isinstance(v, str) and v][:len(triage.VULNERABLE) + 1]
    on_behalf = _text(form, "on_behalf", 5) == "1"
    media_ids = [int(v) for v in form.getlist("media_ids")
                 if isinstance(v, str) and v.isascii() and v.isdigit() and int(v) < 2**63][:requests.MAX_PHOTOS]
    try:
        for upload in form.getlist("photos"):
            if isinstance(upload, UploadFile) and upload.filename:
                if len(media_ids) >= requests.MAX_PHOTOS:
                    raise Invalid("media_too_many", limit=requests.MAX_PHOTOS)
                media_ids.append(int((await actions.upload_media(plaza, viewer.id, upload)).id))
        new = _new_request(values, vulnerable, on_behalf, int(viewer.id), media_ids)
        body = await help_actions.submit_help(plaza, new, requester=viewer, limit_key=str(viewer.id),
                                              incident=values.get("incident") or None)
    except RateLimited:
        raise
    except PlazaError as exc:
        return _render_form(request, values, vulnerable=vulnerable, on_behalf=on_behalf, media_ids=media_ids,
                            error=exc.message(request_locale(request)), status_code=exc.status)
    return RedirectResponse(f"/help/{body['id']}?done=filed", status_code=303)


# --- the verifiers' queue -------------------------------------------------------------------------


def _queue(plaza: Plaza, viewer: Row[Any], tab: str, max_id: int | None) -> dict[str, Any]:
    with plaza.db.read() as conn:
        if not requests.is_verifier(conn, viewer):
            raise Forbidden("help_verifiers_only")
        rows = requests.queue(conn, view=tab, limit=PAGE_SIZE, max_id=max_id)
        shown = requests.views(conn, rows, viewer, who=requests.Standing(frozenset({VERIFIER})))
        return {"items": shown, "older_max_id": int(rows[-1].id) if len(rows) >= PAGE_SIZE else None}


async def queue_page(request: Request) -> Response:
    """``GET /help/queue``: the verifiers' queue by tab, the most urgent first (403 for anyone
    else); each row shows what the list may (the masked text), never contacts or addresses."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    tab = request.query_params.get("view") or QUEUE_TABS[0]
    if tab not in QUEUE_TABS:
        raise Invalid("queue_view_invalid", value=tab[:40])
    max_id = form_id(request.query_params.get("max_id"), "max_id")
    found = await plaza.read(lambda: _queue(plaza, viewer, tab, max_id))
    return render(request, "help_queue.html", {
        **found, "tab": tab, "tabs": [(name, "?" + urlencode({"view": name})) for name in QUEUE_TABS],
        "empty": request.query_params.get("empty") == "1", **_helpers(request)})


async def queue_next(request: Request) -> Response:
    """``POST /help/queue/next``: the most urgent request of the tab nobody holds, locked to the
    verifier and opened (its read logged); back to the queue when there is none."""
    viewer = require_viewer(request)
    form = await checked_form(request)
    tab = _text(form, "view", 40) or QUEUE_TABS[0]
    if tab not in QUEUE_TABS:
        raise Invalid("queue_view_invalid", value=tab)
    body = await help_actions.next_to_verify(plaza_of(request), viewer, view=tab, via="web")
    if body is None:
        return RedirectResponse("/help/queue?" + urlencode({"view": tab, "empty": "1"}), status_code=303)
    return RedirectResponse(f"/help/{body['id']}", status_code=303)


# --- a responder's page ---------------------------------------------------------------------------


def _responder(plaza: Plaza, username: str, viewer: Row[Any]) -> dict[str, Any]:
    with plaza.db.read() as conn:
        account = requests.account_named(conn, username)
        if account is None:
            raise NotFound("account_not_found")
        if account.id not in {r.account_id for r in requests.responders_of(conn, viewer.id)}:
            raise Forbidden("help_responders_only")
        offered = requests.for_responder(conn, [account.id], view="offered", limit=PAGE_SIZE)
        holding = requests.for_responder(conn, [account.id], view="mine", limit=PAGE_SIZE)
        return {"responder": account, "offered": requests.views(conn, offered, viewer),
                "holding": requests.views(conn, holding, viewer)}


async def responder_page(request: Request) -> Response:
    """``GET /help/responders/{username}``: for a responder's account and its operators (403 for
    anyone else): the requests offered to it, to claim, and those it holds."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    username = str(request.path_params["username"]).lstrip("@")[:60]
    found = await plaza.read(lambda: _responder(plaza, username, viewer))
    return render(request, "help_responder.html", {**found, **_helpers(request)})


# --- the public list and "my requests" ------------------------------------------------------------


def _public(plaza: Plaza, viewer: Row[Any] | None, city: str | None, state: str | None,
            max_id: int | None) -> dict[str, Any]:
    with plaza.db.read() as conn:
        rows = requests.public_list(conn, city=city, state=state, limit=PAGE_SIZE, max_id=max_id)
        return {"items": requests.views(conn, rows, None, who=requests.NOBODY),
                "totals": requests.totals(conn, city=city),
                "older_max_id": int(rows[-1].id) if len(rows) >= PAGE_SIZE else None}


async def public_list(request: Request) -> Response:
    """``GET /help``: every request (but merged ones) as the public sees it — need, county,
    state — with the totals (``?city=``, ``?state=``)."""
    plaza = plaza_of(request)
    viewer = current_account(request)
    params = request.query_params
    city = (params.get("city") or "").strip()[:12] or None
    state = (params.get("state") or "").strip()[:20] or None
    if state is not None and state not in HELP.states:
        raise Invalid("parameter_invalid", name="state")
    max_id = form_id(params.get("max_id"), "max_id")
    found = await plaza.read(lambda: _public(plaza, viewer, city, state, max_id))
    places = await plaza.read(lambda: _workplaces(plaza, viewer))
    return render(request, "help_list.html", {**found, **places, **_helpers(request)})


def _mine(plaza: Plaza, viewer: Row[Any], max_id: int | None) -> dict[str, Any]:
    with plaza.db.read() as conn:
        rows = requests.mine(conn, viewer.id, limit=PAGE_SIZE, max_id=max_id)
        return {"items": requests.views(conn, rows, viewer),
                "older_max_id": int(rows[-1].id) if len(rows) >= PAGE_SIZE else None}


async def my_requests(request: Request) -> Response:
    """``GET /help/mine``: the viewer's own requests, newest first, and where they work on others'."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    max_id = form_id(request.query_params.get("max_id"), "max_id")
    found = await plaza.read(lambda: _mine(plaza, viewer, max_id))
    places = await plaza.read(lambda: _workplaces(plaza, viewer))
    return render(request, "help_mine.html", {**found, **places, **_helpers(request)})
