"""The administration page (管理): approve, suspend and promote accounts, and verify government
accounts (政务号认证). Moderators and administrators only; what each may do, and to whom, is
:mod:`plaza.accounts.policy`'s to say (only administrators change roles and verify)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza.accounts import government, policy
from plaza.accounts.government import GovernmentProfile
from plaza.accounts.policy import Permission
from plaza.errors import Forbidden, NotFound, PlazaError
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.square import accounts
from plaza.web.common import plaza_of, require_viewer
from plaza.web.rendering import render
from plaza.web.sessions import checked_form

PAGE = 50
#: action → (flags to set, the permission it takes).
ACTIONS: dict[str, tuple[dict[str, Any], Permission]] = {
    "approve": ({"approved": True}, Permission.APPROVE_ACCOUNTS),
    "suspend": ({"suspended": True}, Permission.SUSPEND_ACCOUNTS),
    "unsuspend": ({"suspended": False}, Permission.SUSPEND_ACCOUNTS),
    "make_moderator": ({"role": "moderator"}, Permission.CHANGE_ROLES),
    "remove_moderator": ({"role": "user"}, Permission.CHANGE_ROLES),
}
GOVERNMENT_FIELDS = ("username", "agency", "region_code", "level", "department_type", "parent_username")


def require_staff(request: Request) -> Row[Any]:
    viewer = require_viewer(request)
    if not policy.is_staff(viewer):
        raise Forbidden("forbidden")
    return viewer


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return max(0, min(int(raw), 1_000_000)) if raw.isdigit() else 0


def _admin_page(request: Request, *, verify: dict[str, str] | None = None, error: str | None = None,
                status_code: int = 200) -> Response:
    viewer = require_staff(request)
    offset = _offset(request)
    pending = request.query_params.get("pending") == "1"
    rows = accounts.list_accounts(plaza_of(request).db, pending=True if pending else None,
                                  limit=PAGE, offset=offset)
    return render(request, "admin.html", {
        "accounts": rows, "offset": offset, "more": len(rows) == PAGE, "pending": pending,
        "verify": verify or dict.fromkeys(GOVERNMENT_FIELDS, ""), "error": error,
        "verified": request.query_params.get("verified", "")[:30],
        "may": lambda permission, target=None: policy.may(viewer, Permission(permission), target),
    }, status_code=status_code)


async def admin_page(request: Request) -> Response:
    require_staff(request)
    return _admin_page(request)


async def account_action(request: Request) -> Response:
    viewer = require_staff(request)
    await checked_form(request)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise NotFound("not_found")
    flags, permission = ACTIONS[action]
    account_id = path_id(request, "account_id")
    target = accounts.get(plaza_of(request).db, account_id)
    policy.require(viewer, permission, target)
    accounts.set_flags(plaza_of(request).db, target.id, **flags)
    return RedirectResponse("/admin", status_code=303)


def _fields(form: FormData) -> dict[str, str]:
    return {name: (value.strip() if isinstance(value := form.get(name), str) else "")
            for name in GOVERNMENT_FIELDS}


async def verify_government(request: Request) -> Response:
    """Turn an account into a verified government account: agency, division code, level,
    department type and (optionally) its parent in the matrix. An administrator's act, never on
    one's own account."""
    viewer = require_staff(request)
    form = await checked_form(request)
    values = _fields(form)
    db = plaza_of(request).db
    try:
        target = accounts.find_by_username(db, values["username"]) if values["username"] else None
        if target is None:
            raise NotFound("account_not_found")
        government.verify(db, target.id, GovernmentProfile(
            agency=values["agency"], region_code=values["region_code"], level=values["level"],
            department_type=values["department_type"], parent_username=values["parent_username"] or None),
            by=viewer)
    except PlazaError as exc:
        return _admin_page(request, verify=values, error=exc.message(request_locale(request)),
                           status_code=exc.status)
    return RedirectResponse(f"/admin?verified={target.username}", status_code=303)
