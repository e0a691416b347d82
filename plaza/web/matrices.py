"""Government matrices (政务矩阵) and matrix campaigns (矩阵联动) on the web: the list of matrices,
a matrix's page (members by level, recent activity, campaigns, "follow all"), a campaign's page
(who joined and when, counters, peak rank, linked propagation), and the forms with which staff
and a matrix's owner manage them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import i18n
from plaza.clock import as_utc, utcnow
from plaza.errors import Invalid, NotFound, PlazaError
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.matrices import campaigns, matrices
from plaza.matrices.campaigns import CHINA_TIME, CampaignSpec
from plaza.matrices.matrices import KINDS, MatrixSpec
from plaza.square import accounts
from plaza.web.common import load, older_than, page_of, plaza_of, require_viewer
from plaza.web.hot import formatting
from plaza.web.rendering import label, render
from plaza.web.sessions import checked_form, current_account

MATRIX_FIELDS = ("name", "kind", "description", "region_code", "department_type", "root", "members")
CAMPAIGN_FIELDS = ("topic", "title", "starts_at", "ends_at", "description")
#: Notices after a form: ``?done=`` value → message key.
DONE = {"created": "matrix_created", "members_added": "matrix_members_added",
        "member_removed": "matrix_member_removed", "synced": "matrix_synced", "saved": "matrix_saved",
        "unfollowed": "matrix_unfollowed", "campaign_ended": "campaign_ended"}


def _fields(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: (value.strip()[:600] if isinstance(value := form.get(name), str) else "") for name in names}


def _usernames(text: str) -> list[str]:
    """Usernames typed into one field, separated by spaces, commas or new lines (``@`` optional)."""
    return [name.lstrip("@") for name in re.split(r"[\s,，、]+", text) if name.strip("@")]


def _account_ids(request: Request, usernames: list[str]) -> list[int]:
    db = plaza_of(request).db
    ids = []
    for name in usernames[:matrices.MAX_MEMBERS]:
        row = accounts.find_by_username(db, name[:60])
        if row is None:
            raise NotFound("account_not_found")
        ids.append(int(row.id))
    return ids


def china_time(value: datetime | None) -> str:
    """A moment as ``YYYY-MM-DD HH:MM`` in China Standard Time."""
    return as_utc(value).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _input_time(value: datetime) -> str:
    """A moment as a ``datetime-local`` field's value (China Standard Time)."""
    return as_utc(value).astimezone(CHINA_TIME).strftime("%Y-%m-%dT%H:%M")


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    return {"kind_label": lambda key: label(KINDS, key, locale), "china_time": china_time,
            "state_label": lambda state: i18n.gettext(f"campaign_state_{state}", locale),
            "join_label": lambda kind: i18n.gettext(f"campaign_kind_{kind}", locale),
            "percent": lambda share: f"{share * 100:.0f}%", **formatting(request)}


def _may_create(viewer: Row[Any] | None) -> bool:
    return viewer is not None and (matrices.is_staff(viewer) or matrices.is_government(viewer))


# --- the list of matrices ---------------------------------------------------------------------

def _list_page(request: Request, *, error: str | None = None, typed: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    viewer = current_account(request)
    db = plaza_of(request).db
    page = page_of(request)
    found = matrices.list_matrices(db, page)
    with db.read() as conn:
        owners = accounts.get_many(conn, {s.matrix.owner_id for s in found if s.matrix.owner_id})
    default = {name: "" for name in MATRIX_FIELDS}
    if viewer is not None and not matrices.is_staff(viewer):
        default.update(kind="tree", root=viewer.username)
    return render(request, "matrices.html", {
        "matrices": found, "owners": owners, "older_max_id": older_than([s.matrix.id for s in found], page),
        "may_create": _may_create(viewer), "staff": matrices.is_staff(viewer), "kinds": KINDS,
        "form": typed or default, "error": error, **_helpers(request),
    }, status_code=status_code)


async def matrix_list(request: Request) -> Response:
    """``/matrices``: every matrix, newest first, and the form to create one."""
    return _list_page(request)


async def create_matrix(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await checked_form(request)
    typed = _fields(form, MATRIX_FIELDS)
    db = plaza_of(request).db
    try:
        root_id = None
        if typed["kind"] == "tree":
            roots = _account_ids(request, _usernames(typed["root"])[:1])
            root_id = roots[0] if roots else None
        spec = MatrixSpec(name=typed["name"], kind=typed["kind"], description=typed["description"],
                          region_code=typed["region_code"] or None,
                          department_type=typed["department_type"] or None, root_id=root_id,
                          member_ids=tuple(_account_ids(request, _usernames(typed["members"]))))
        row = await run_in_threadpool(matrices.create, db, viewer, spec)
    except PlazaError as exc:
        return _list_page(request, error=exc.message(request_locale(request)), typed=typed,
                          status_code=exc.status)
    return RedirectResponse(f"/matrices/{row.id}?done=created", status_code=303)


# --- a matrix ---------------------------------------------------------------------------------

def _groups(members: list[matrices.Member]) -> list[tuple[str, list[matrices.Member]]]:
    """Members by administrative level, in the order of the levels."""
    groups: dict[str, list[matrices.Member]] = {}
    for member in members:  # already ordered by level, then region
        groups.setdefault(member.account.level or "", []).append(member)
    return list(groups.items())


def _matrix_page(request: Request, matrix_id: int, *, error: str | None = None,
                 typed: dict[str, str] | None = None, status_code: int = 200) -> Response:
    viewer = current_account(request)
    db = plaza_of(request).db
    matrix = matrices.get(db, matrix_id)
    members = matrices.members(db, matrix_id)
    page = page_of(request)
    ids = matrices.recent_posts(db, matrix_id, page)
    with db.read() as conn:
        people = accounts.get_many(conn, {i for i in (matrix.owner_id, matrix.root_id) if i is not None})
    now = utcnow()
    done = DONE.get(request.query_params.get("done", ""))
    followed = request.query_params.get("followed", "")
    default = {"topic": "", "title": "", "description": "", "starts_at": _input_time(now),
               "ends_at": _input_time(now + timedelta(days=7))}
    return render(request, "matrix.html", {
        "matrix": matrix, "owner": people.get(matrix.owner_id), "root": people.get(matrix.root_id),
        "groups": _groups(members), "members_count": len(members),
        "activity": matrices.activity(db, matrix_id), "campaigns": campaigns.list_for(db, matrix_id),
        "state_of": campaigns.state_of,
        "statuses": load(request, ids), "older_max_id": older_than(ids, page),
        "can_manage": matrices.can_manage(viewer, matrix), "derived": matrix.kind in matrices.DERIVED,
        "following": matrices.following_count(db, viewer.id, matrix_id) if viewer is not None else 0,
        # a member following its own matrix follows everyone but itself
        "followable": len(members) - (viewer is not None and any(m.account.id == viewer.id for m in members)),
        "done": done, "followed": followed if followed.isdigit() else None,
        "error": error, "form": typed or default, **_helpers(request),
    }, status_code=status_code)


async def matrix_page(request: Request) -> Response:
    return _matrix_page(request, path_id(request, "matrix_id"))


def _failed(request: Request, matrix_id: int, exc: PlazaError, typed: dict[str, str] | None = None) -> Response:
    """The matrix page again with the form's error (an unknown matrix is the error page)."""
    if exc.key == "matrix_not_found":
        raise exc
    return _matrix_page(request, matrix_id, error=exc.message(request_locale(request)), typed=typed,
                        status_code=exc.status)


def _back(matrix_id: int, done: str) -> Response:
    return RedirectResponse(f"/matrices/{matrix_id}?done={done}", status_code=303)


async def _follow_members(request: Request, follow: bool) -> Response:
    """Follow (or unfollow) every member of the matrix in one action."""
    viewer = require_viewer(request)
    await checked_form(request)
    matrix_id = path_id(request, "matrix_id")
    plaza = plaza_of(request)
    matrices.get(plaza.db, matrix_id)
    plaza.limits.hit("matrix_follow", str(viewer.id))
    if not follow:
        await run_in_threadpool(matrices.unfollow_all, plaza.db, viewer.id, matrix_id)
        return _back(matrix_id, "unfollowed")
    result = await run_in_threadpool(matrices.follow_all, plaza.db, viewer.id, matrix_id)
    return RedirectResponse(f"/matrices/{matrix_id}?followed={result.followed}", status_code=303)


async def follow_all(request: Request) -> Response:
    """Follow every member of the matrix the viewer does not follow yet."""
    return await _follow_members(request, True)


async def unfollow_all(request: Request) -> Response:
    return await _follow_members(request, False)


async def add_members(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await checked_form(request)
    matrix_id = path_id(request, "matrix_id")
    matrices.get(plaza_of(request).db, matrix_id)
    typed = _fields(form, ("usernames",))
    try:
        names = _usernames(typed["usernames"])
        if not names:
            raise Invalid("parameter_missing", name="usernames")
        matrices.add_members(plaza_of(request).db, viewer, matrix_id, _account_ids(request, names))
    except PlazaError as exc:
        return _failed(request, matrix_id, exc)
    return _back(matrix_id, "members_added")


async def remove_member(request: Request) -> Response:
    viewer = require_viewer(request)
    await checked_form(request)
    matrix_id = path_id(request, "matrix_id")
    account_id = path_id(request, "account_id")
    try:
        matrices.remove_members(plaza_of(request).db, viewer, matrix_id, [account_id])
    except PlazaError as exc:
        return _failed(request, matrix_id, exc)
    return _back(matrix_id, "member_removed")


async def sync_matrix(request: Request) -> Response:
    viewer = require_viewer(request)
    await checked_form(request)
    matrix_id = path_id(request, "matrix_id")
    try:
        await run_in_threadpool(matrices.sync, plaza_of(request).db, viewer, matrix_id)
    except PlazaError as exc:
        return _failed(request, matrix_id, exc)
    return _back(matrix_id, "synced")


async def edit_matrix(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await checked_form(request)
    matrix_id = path_id(request, "matrix_id")
    typed = _fields(form, ("name", "description"))
    try:
        matrices.update_matrix(plaza_of(request).db, viewer, matrix_id, name=typed["name"] or None,
                               description=typed["description"])
    except PlazaError as exc:
        return _failed(request, matrix_id, exc)
    return _back(matrix_id, "saved")


async def delete_matrix(request: Request) -> Response:
    viewer = require_viewer(request)
    await checked_form(request)
    matrices.delete_matrix(plaza_of(request).db, viewer, path_id(request, "matrix_id"))
    return RedirectResponse("/matrices", status_code=303)


async def create_campaign(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await checked_form(request)
    matrix_id = path_id(request, "matrix_id")
    matrices.get(plaza_of(request).db, matrix_id)
    typed = _fields(form, CAMPAIGN_FIELDS)
    try:
        spec = CampaignSpec(topic=typed["topic"], title=typed["title"], description=typed["description"],
                            starts_at=campaigns.parse_time(typed["starts_at"], "starts_at"),
                            ends_at=campaigns.parse_time(typed["ends_at"], "ends_at"))
        row = campaigns.create(plaza_of(request).db, viewer, matrix_id, spec)
    except PlazaError as exc:
        return _failed(request, matrix_id, exc, typed)
    return RedirectResponse(f"/campaigns/{row.id}", status_code=303)


# --- a campaign -------------------------------------------------------------------------------

async def campaign_page(request: Request) -> Response:
    """A campaign: its topic and period, counters, peak rank, who joined and when, and what each
    member post brought."""
    campaign_id = path_id(request, "campaign_id")
    plaza = plaza_of(request)
    report = await plaza.hot.io(lambda: campaigns.report(plaza.db, plaza.hot, campaign_id))
    joined_ids = {p.account_id for p in report.joined}
    members = matrices.members(plaza.db, report.matrix.id)
    with plaza.db.read() as conn:
        people = accounts.get_many(conn, joined_ids | {p.account_id for p in report.propagation})
    viewer = current_account(request)
    return render(request, "campaign.html", {
        "report": report, "campaign": report.campaign, "matrix": report.matrix, "people": people,
        "waiting": [m.account for m in members if m.account.id not in joined_ids],
        "can_manage": matrices.can_manage(viewer, report.matrix),
        "done": DONE.get(request.query_params.get("done", "")), **_helpers(request),
    })


async def end_campaign(request: Request) -> Response:
    viewer = require_viewer(request)
    await checked_form(request)
    campaign_id = path_id(request, "campaign_id")
    campaigns.end(plaza_of(request).db, viewer, campaign_id)
    return RedirectResponse(f"/campaigns/{campaign_id}?done=campaign_ended", status_code=303)


async def delete_campaign(request: Request) -> Response:
    viewer = require_viewer(request)
    await checked_form(request)
    campaign_id = path_id(request, "campaign_id")
    campaign = campaigns.get(plaza_of(request).db, campaign_id)
    campaigns.delete_campaign(plaza_of(request).db, viewer, campaign_id)
    return RedirectResponse(f"/matrices/{campaign.matrix_id}", status_code=303)
