"""Signing up, in and out. Both forms are rate-limited by client address; signing in starts a
fresh session."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import actions
from plaza.errors import Forbidden, PlazaError, RateLimited, Unauthorized
from plaza.http.context import client_address
from plaza.http.locale import request_locale
from plaza.web.common import plaza_of
from plaza.web.rendering import render
from plaza.web.sessions import checked_form, current_account, safe_next, sign_in, sign_out


def _field(form: FormData, name: str, limit: int | None = 200) -> str:
    """A form field, stripped; cut to ``limit`` only where what is cut cannot matter (a login to
    look up, a page to return to) — fields to keep are checked whole by their validators."""
    value = form.get(name)
    return (value.strip()[:limit] if limit else value.strip()) if isinstance(value, str) else ""


def sign_in_page(request: Request, *, next_url: str = "/home", login: str = "", error: str | None = None,
                 status_code: int = 200, notice: str | None = None) -> Response:
    return render(request, "signin.html", {"next": safe_next(next_url), "login": login, "error": error,
                                           "notice": notice}, status_code=status_code)


async def sign_in_form(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if current_account(request) is not None:
        return RedirectResponse(next_url, status_code=303)
    return sign_in_page(request, next_url=next_url)


async def sign_in_submit(request: Request) -> Response:
    plaza = plaza_of(request)
    form = await checked_form(request)
    login = _field(form, "login", 254)
    password = form.get("password")
    next_url = safe_next(_field(form, "next", 2000))
    try:
        account = await actions.sign_in(plaza, login, password if isinstance(password, str) else "",
                                        address=client_address(request))
    except (Unauthorized, Forbidden) as problem:
        return sign_in_page(request, next_url=next_url, login=login, status_code=problem.status,
                            error=problem.message(request_locale(request)))
    await sign_in(request, account)
    return RedirectResponse(next_url, status_code=303)


async def sign_out_submit(request: Request) -> Response:
    await checked_form(request)
    await sign_out(request)
    return RedirectResponse("/", status_code=303)


def _sign_up_page(request: Request, values: dict[str, Any], error: str | None = None,
                  status_code: int = 200) -> Response:
    return render(request, "signup.html", {"form": values, "error": error}, status_code=status_code)


async def sign_up_form(request: Request) -> Response:
    if current_account(request) is not None:
        return RedirectResponse("/home", status_code=303)
    return _sign_up_page(request, {"username": "", "display_name": "", "email": "", "home_city": ""})


async def sign_up_submit(request: Request) -> Response:
    plaza = plaza_of(request)
    form = await checked_form(request)
    values = {name: _field(form, name, None) for name in ("username", "display_name", "email", "home_city")}
    password = form.get("password")
    locale = request_locale(request)
    try:
        account = await actions.sign_up(
            plaza, username=values["username"], password=password if isinstance(password, str) else "",
            address=client_address(request), display_name=values["display_name"], email=values["email"],
            home_city=values["home_city"], locale=locale)
    except RateLimited:
        raise
    except PlazaError as exc:
        return _sign_up_page(request, values, error=exc.message(locale), status_code=exc.status)
    if not account.approved:
        return sign_in_page(request, notice=PlazaError("account_pending").message(locale))
    await sign_in(request, account)
    return RedirectResponse("/home", status_code=303)
