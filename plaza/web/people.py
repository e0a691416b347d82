"""People: profiles (with the government badge and agency card), follow / unfollow, one's own
settings and notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import actions, i18n
from plaza.errors import NotFound, PlazaError
from plaza.http.locale import request_locale
from plaza.square import accounts, follows, notifications, timelines
from plaza.square.views import account_path
from plaza.square.visibility import may_review
from plaza.web.common import load, older_than, page_of, plaza_of, require_viewer
from plaza.web.desk_pages import desk_of
from plaza.web.rendering import remember_language, render
from plaza.web.sessions import checked_form, current_account


def _account(request: Request) -> Row[Any]:
    """The account named in the path; suspended accounts are hidden from all but staff."""
    account = accounts.find_by_username(plaza_of(request).db, request.path_params["username"])
    if account is None:
        raise NotFound("account_not_found")
    if account.suspended and not may_review(current_account(request)):
        raise NotFound("account_suspended")
    return account


async def profile(request: Request) -> Response:
    account = _account(request)
    db = plaza_of(request).db
    viewer = current_account(request)
    following = False
    if viewer is not None and viewer.id != account.id:
        [relationship] = follows.relationships(db, viewer.id, [account.id])
        following = relationship.following
    page = page_of(request)
    ids = timelines.account(db, account.id, viewer.id if viewer else None, page, viewer_follows=following)
    parent = None
    if account.parent_id is not None:
        try:
            parent = accounts.get(db, account.parent_id)
        except NotFound:
            parent = None
    return render(request, "profile.html", {
        "account": account, "following": following, "parent": parent, "desk": desk_of(plaza_of(request), account),
        "statuses": load(request, ids, review=True), "older_max_id": older_than(ids, page)})


async def follow(request: Request) -> Response:
    viewer = require_viewer(request)
    await checked_form(request)
    account = _account(request)
    await actions.follow(plaza_of(request), viewer.id, account.id)
    return RedirectResponse(account_path(account.username), status_code=303)


async def unfollow(request: Request) -> Response:
    viewer = require_viewer(request)
    await checked_form(request)
    account = _account(request)
    await actions.unfollow(plaza_of(request), viewer.id, account.id)
    return RedirectResponse(account_path(account.username), status_code=303)


def _settings_page(request: Request, values: dict[str, Any], error: str | None = None,
                   saved: bool = False, status_code: int = 200) -> Response:
    return render(request, "settings.html", {"form": values, "error": error, "saved": saved},
                  status_code=status_code)


async def settings_form(request: Request) -> Response:
    viewer = require_viewer(request)
    values = {"display_name": viewer.display_name, "note": viewer.note, "home_city": viewer.home_city,
              "locale": i18n.normalise(viewer.locale)}
    return _settings_page(request, values, saved=request.query_params.get("saved") == "1")


async def settings_submit(request: Request) -> Response:
    viewer = require_viewer(request)
    form = await checked_form(request)
    values = {name: (form.get(name) if isinstance(form.get(name), str) else "")
              for name in ("display_name", "note", "home_city", "locale")}
    values["note"] = str(values["note"]).replace("\r\n", "\n")
    try:
        await actions.update_profile(plaza_of(request), viewer.id, **{k: str(v).strip() if k != "note" else v
                                                                      for k, v in values.items()})
    except PlazaError as exc:
        return _settings_page(request, values, error=exc.message(request_locale(request)),
                              status_code=exc.status)
    response = RedirectResponse("/settings?saved=1", status_code=303)
    # The language cookie outranks the account setting, so it follows the new choice.
    remember_language(request, response, str(values["locale"]))
    return response


async def notifications_page(request: Request) -> Response:
    viewer = require_viewer(request)
    db = plaza_of(request).db
    page = page_of(request)
    listed = notifications.page_for(db, viewer.id, page)
    rows = listed.rows
    with db.read() as conn:
        people = accounts.get_many(conn, {r.from_account_id for r in rows})
    status_views = {v.status.id: v for v in load(request, [r.status_id for r in rows if r.status_id])}
    items = [{"notification": r, "from": people.get(r.from_account_id), "view": status_views.get(r.status_id)}
             for r in rows if r.from_account_id in people]
    return render(request, "notifications.html", {
        "items": items, "older_max_id": older_than(listed.ids, page)})
