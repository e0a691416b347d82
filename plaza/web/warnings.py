"""Official warnings (预警) on the web: the warnings in force, and the form on which an authorised
account issues one (meteorology, emergency management, flood control, earthquake and fire
accounts for their region; administrators anywhere) — the same action as Plaza's API."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza.accounts import policy
from plaza.actions import warnings as warning_actions
from plaza.errors import Forbidden, PlazaError, RateLimited
from plaza.help import cap, warnings
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.web.common import plaza_of, require_viewer
from plaza.web.rendering import WARNING_COLOURS, render
from plaza.web.sessions import checked_form

FORM_FIELDS = ("type", "level", "areas", "onset", "expires", "headline", "description", "instruction",
               "urgency", "certainty", "polygon", "topic")


def _text(form: FormData, name: str, limit: int = 4000) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n")[:limit] if isinstance(value, str) else ""


async def warnings_page(request: Request) -> Response:
    """``/warnings``: the warnings in force (``?area=`` a place's), most recent first."""
    area = (request.query_params.get("area") or "").strip() or None
    found = await warning_actions.list_warnings(plaza_of(request), area=area, base_url="")
    return render(request, "warnings.html", {"items": found, "area": area or ""})


def _form_context(values: dict[str, str], error: str | None = None) -> dict[str, Any]:
    kinds = [(t.key, t.chinese, t.english) for t in cap.WARNING_TYPES.values()]
    colours = [(colour, f"warning_colour_{WARNING_COLOURS[colour]}") for colour in warnings.COLOURS]
    return {"values": values, "error": error, "kinds": kinds, "colours": colours,
            "urgencies": warnings.URGENCIES, "certainties": warnings.CERTAINTIES}


def _may_warn(request: Request) -> Any:
    viewer = require_viewer(request)
    if not policy.may_issue_any_warning(viewer):
        raise Forbidden("warning_not_allowed")
    return viewer


async def new_warning_form(request: Request) -> Response:
    """``GET /warnings/new``: the form (authorised accounts only); areas default to the account's."""
    viewer = _may_warn(request)
    region = viewer.region_code if viewer.region_code and viewer.region_code != "000000" else ""
    values = dict.fromkeys(FORM_FIELDS, "") | {"areas": region, "urgency": "Expected", "certainty": "Likely"}
    return render(request, "warning_new.html", _form_context(values))


async def new_warning_submit(request: Request) -> Response:
    """``POST /warnings/new``: issue it, then show its post; a refusal brings the form back filled."""
    viewer = _may_warn(request)
    form = await checked_form(request)
    values = {name: _text(form, name) for name in FORM_FIELDS}
    try:
        new = warnings.new_warning(values)
        done = await warning_actions.issue_warning(plaza_of(request), viewer, new)
    except RateLimited:
        raise
    except PlazaError as exc:
        return render(request, "warning_new.html", _form_context(values, exc.message(request_locale(request))),
                      status_code=exc.status)
    return RedirectResponse(f"/@{viewer.username}/{done.row.status_id}", status_code=303)


async def warning_page(request: Request) -> Response:
    """``/warnings/{id}``: the warning's post (its CAP document when it has none)."""
    found = await warning_actions.read_warning(plaza_of(request), path_id(request, "id", "warning_not_found"))
    if found.row.status_id is not None and found.username is not None:
        return RedirectResponse(f"/@{found.username}/{found.row.status_id}", status_code=303)
    return RedirectResponse(f"/api/plaza/v1/warnings/{found.row.id}.cap", status_code=303)


async def cancel_submit(request: Request) -> Response:
    """``POST /warnings/{id}/cancel``: lift (解除) a warning, from the list of warnings."""
    viewer = require_viewer(request)
    form = await checked_form(request)
    warning_id = path_id(request, "id", "warning_not_found")
    await warning_actions.cancel_warning(plaza_of(request), viewer, warning_id,
                                         note=_text(form, "note", warnings.MAX_HEADLINE) or None)
    return RedirectResponse("/warnings", status_code=303)
