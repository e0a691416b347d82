"""Incidents (事件) on the web: the list, an incident's page (banner, summary, totals, the map,
help requests, responders, official updates, warnings, its topics' latest posts, donation
projects with their progress), a donation project's public ledger with the organisation's form,
and the forms with which staff and an incident's own account open, change and end it.

The banner of incident mode (事件模式) is :func:`banners`, which the front page, home and the
affected cities' feeds show; its help form (``/help/new?incident=``) is the help requests'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import i18n
from plaza.actions import incidents as actions
from plaza.actions.incidents import Report
from plaza.errors import Forbidden, Invalid, PlazaError
from plaza.help import incidents
from plaza.help.incidents import Incident, beijing, yuan
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.web.common import load, plaza_of, require_viewer
from plaza.web.incident_map import STATE_COLOURS, draw_map
from plaza.web.rendering import render
from plaza.web.sessions import checked_form, current_account

#: Notices after a form: ``?done=`` value → message key.
DONE = {"saved": "incident_saved", "ended": "incident_ended_notice", "responder": "incident_responder_added",
        "project": "project_created", "line": "ledger_added"}
FIELDS = ("slug", "name", "kind", "account", "summary", "regions", "topics", "started_at")


async def banners(request: Request, city_code: str | None = None) -> list[Incident]:
    """The incidents whose banner this page shows: all in incident mode (the front page, home),
    or those affecting ``city_code`` (its feed)."""
    return actions.banners_for(await actions.in_mode(plaza_of(request)), city_code)


def help_url(incident: Incident) -> str:
    return f"/help/new?incident={quote(incident.slug)}"


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def shown_time(value: Any) -> str:
    """A time as the pages show it (``2022-08-25 18:00``, Beijing time); text as it is given."""
    if isinstance(value, datetime):
        return (beijing(value) or "")[:16].replace("T", " ")
    return "" if value is None else str(value)[:16].replace("T", " ")


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)

    def state_label(state: str | None) -> str:
        key = f"help_state_{state}"
        label = i18n.gettext(key, locale)
        return (state or "") if label == key else label

    return {"yuan": yuan, "beijing": beijing, "help_url": help_url, "state_colours": STATE_COLOURS,
            "shown_time": shown_time, "state_label": state_label,
            "percent": lambda raised, goal: f"{min(raised / goal, 9.99) * 100:.0f}%" if goal else "—"}


# --- reading ----------------------------------------------------------------------------------

async def incident_list(request: Request) -> Response:
    """``/incidents``: ongoing incidents, then ended ones."""
    found = await actions.list_incidents(plaza_of(request), limit=100)
    return render(request, "incidents.html", {"incidents": found, "may_create": incidents.may_create(
        current_account(request)), **_helpers(request)})


def page_values(request: Request, report: Report, *, may_manage: bool) -> dict[str, Any]:
    """What ``incident.html`` shows of a report (a test may build the report itself)."""
    incident = report.incident
    return {
        "incident": incident, "totals": report.totals, "requests": report.requests, "warnings": report.warnings,
        "projects": report.projects, "may_manage": may_manage,
        "map": draw_map([p.code for p in incident.places], report.requests, locale=request_locale(request)),
        "updates": load(request, report.update_ids), "topic_posts": load(request, report.topic_post_ids),
        "done": _done(request), "kinds": incidents.KINDS, **_helpers(request),
    }


async def incident_page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    """``/incidents/{slug}``: everything the incident gathers."""
    plaza = plaza_of(request)
    viewer = current_account(request)
    report = await actions.read_incident(plaza, str(request.path_params["slug"])[:60])
    may_manage = viewer is not None and await actions.may_manage(plaza, viewer, report.incident)
    return render(request, "incident.html", {**page_values(request, report, may_manage=may_manage), "error": error,
                                             "may_open_project": viewer is not None and (
                                                 may_manage or viewer.kind == "organisation")},
                  status_code=status_code)


async def project_page(request: Request, *, error: str | None = None, typed: dict[str, str] | None = None,
                       status_code: int = 200) -> Response:
    """``/incidents/{slug}/donations/{id}``: the project, its progress and its public ledger; the
    organisation's form to enter a line."""
    plaza = plaza_of(request)
    viewer = current_account(request)
    incident, project, lines = await actions.read_project(
        plaza, str(request.path_params["slug"])[:60], path_id(request, "project_id", "donation_project_not_found"))
    keeps = viewer is not None and await actions.may_keep_ledger(plaza, viewer, project)
    return render(request, "incident_donation.html", {
        "incident": incident, "project": project, "lines": lines, "may_keep": keeps, "error": error,
        "typed": typed or {}, "done": _done(request), "ledger_kinds": incidents.LEDGER_KINDS, **_helpers(request)},
        status_code=status_code)


# --- forms --------------------------------------------------------------------------------------

def _typed(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: (value.strip()[:6000] if isinstance(value := form.get(name), str) else "") for name in names}


def _fields(typed: dict[str, str], mode: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {k: v for k, v in typed.items() if k not in ("regions", "topics", "started_at")}
    fields["regions"] = incidents.split_list([typed.get("regions", "")])
    fields["topics"] = [line.strip() for line in typed.get("topics", "").splitlines() if line.strip()]
    if typed.get("started_at"):
        fields["started_at"] = incidents.parse_time(typed["started_at"], "started_at")
    fields["mode"] = mode
    return fields


def _form_values(incident: Incident | None) -> dict[str, str]:
    if incident is None:
        return {}
    row = incident.row
    return {"slug": row.slug, "name": row.name, "kind": row.kind, "summary": row.summary,
            "account": incident.account.username if incident.account is not None else "",
            "regions": " ".join(p.code for p in incident.places), "topics": "\n".join(incident.topics),
            "started_at": (beijing(row.started_at) or "")[:16].replace("T", " "), "mode": "1" if row.mode else ""}


def _form(request: Request, incident: Incident | None, typed: dict[str, str], *, error: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "incident_form.html", {"incident": incident, "typed": typed, "error": error,
                                                  "kinds": incidents.KINDS}, status_code=status_code)


async def new_form(request: Request) -> Response:
    """``/incidents/new``: staff open an incident."""
    viewer = require_viewer(request)
    if not incidents.may_create(viewer):
        raise Forbidden("incident_staff_only")
    return _form(request, None, {"kind": "wildfire", "mode": "1"})


async def create(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await checked_form(request)
    typed = _typed(form, FIELDS)
    typed["mode"] = "1" if form.get("mode") else ""
    try:
        incident = await actions.open_incident(plaza_of(request), viewer, _fields(typed, bool(form.get("mode"))))
    except PlazaError as exc:
        return _form(request, None, typed, error=exc.message(request_locale(request)), status_code=exc.status)
    return RedirectResponse(f"/incidents/{incident.slug}?done=saved", status_code=303)


async def edit_form(request: Request) -> Response:
    """``/incidents/{slug}/edit``: staff and the incident's own account change it."""
    viewer = require_viewer(request)
    report = await actions.read_incident(plaza_of(request), str(request.path_params["slug"])[:60], posts=False,
                                         request_limit=0)
    if not await actions.may_manage(plaza_of(request), viewer, report.incident):
        raise Forbidden("incident_managers_only")
    return _form(request, report.incident, _form_values(report.incident))


async def save(request: Request) -> Response:
    viewer = require_viewer(request)
    slug = str(request.path_params["slug"])[:60]
    form = await checked_form(request)
    typed = _typed(form, FIELDS)
    typed["mode"] = "1" if form.get("mode") else ""
    try:
        fields = _fields(typed, bool(form.get("mode")))
        fields.pop("slug", None)
        incident = await actions.change_incident(plaza_of(request), viewer, slug, fields)
    except PlazaError as exc:
        report = await actions.read_incident(plaza_of(request), slug, posts=False, request_limit=0)
        return _form(request, report.incident, typed, error=exc.message(request_locale(request)),
                     status_code=exc.status)
    return RedirectResponse(f"/incidents/{incident.slug}?done=saved", status_code=303)


async def end(request: Request) -> Response:
    viewer = require_viewer(request)
    slug = str(request.path_params["slug"])[:60]
    await checked_form(request)
    try:
        await actions.end_incident(plaza_of(request), viewer, slug)
    except PlazaError as exc:
        return await incident_page(request, error=exc.message(request_locale(request)), status_code=exc.status)
    return RedirectResponse(f"/incidents/{slug}?done=ended", status_code=303)


async def add_responder(request: Request) -> Response:
    viewer = require_viewer(request)
    slug = str(request.path_params["slug"])[:60]
    form = await checked_form(request)
    typed = _typed(form, ("account", "role"))
    try:
        if not typed["account"]:
            raise Invalid("parameter_missing", name="account")
        await actions.add_responder(plaza_of(request), viewer, slug, typed["account"], typed["role"])
    except PlazaError as exc:
        return await incident_page(request, error=exc.message(request_locale(request)), status_code=exc.status)
    return RedirectResponse(f"/incidents/{slug}?done=responder", status_code=303)


async def open_project(request: Request) -> Response:
    viewer = require_viewer(request)
    slug = str(request.path_params["slug"])[:60]
    form = await checked_form(request)
    typed = _typed(form, ("account", "title", "goal", "description"))
    try:
        found = await actions.open_donation_project(plaza_of(request), viewer, slug,
                                                    {k: v for k, v in typed.items() if v or k != "account"})
    except PlazaError as exc:
        return await incident_page(request, error=exc.message(request_locale(request)), status_code=exc.status)
    return RedirectResponse(f"/incidents/{slug}/donations/{found.id}?done=project", status_code=303)


async def add_line(request: Request) -> Response:
    """The organisation enters a line of its ledger (amount in yuan)."""
    viewer = require_viewer(request)
    slug = str(request.path_params["slug"])[:60]
    project_id = path_id(request, "project_id", "donation_project_not_found")
    form = await checked_form(request)
    typed = _typed(form, ("kind", "amount", "counterpart", "purpose", "at", "evidence"))
    try:
        entry = incidents.check_entry(typed["kind"], incidents.parse_yuan(typed["amount"], "amount"),
                                      typed["counterpart"], typed["purpose"],
                                      incidents.parse_time(typed["at"], "at"), typed["evidence"])
        await actions.enter_ledger_line(plaza_of(request), viewer, slug, project_id, entry)
    except PlazaError as exc:
        return await project_page(request, error=exc.message(request_locale(request)), typed=typed,
                                  status_code=exc.status)
    return RedirectResponse(f"/incidents/{slug}/donations/{project_id}?done=line", status_code=303)
