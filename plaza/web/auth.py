"""Signing up, in and out. Both forms are rate-limited by client address; signing in starts a
fresh session."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza.app import request_locale
from plaza.errors import Forbidden, PlazaError
from plaza.square import accounts
from plaza.web.common import plaza_of
from plaza.web.rendering import render
from plaza.web.sessions import checked_form, current_account, safe_next, sign_in, sign_out


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _field(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


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
    plaza.limits.hit("sign_in", client_address(request))
    login = _field(form, "login", 254)
    password = form.get("password")
    next_url = safe_next(_field(form, "next", 2000))
    account = await run_in_threadpool(accounts.authenticate, plaza.db, login,
                                      password if isinstance(password, str) else "")
    locale = request_locale(request)
    if account is None:
        return sign_in_page(request, next_url=next_url, login=login, status_code=401,
                            error=PlazaError("sign_in_failed").message(locale))
    if account.suspended or not account.approved:
        problem = Forbidden("account_suspended" if account.suspended else "account_pending")
        return sign_in_page(request, next_url=next_url, login=login, status_code=problem.status,
                            error=problem.message(locale))
    sign_in(request, account)
    return RedirectResponse(next_url, status_code=303)


async def sign_out_submit(request: Request) -> Response:
    await checked_form(request)
    sign_out(request)
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
    settings = plaza.settings
    form = await checked_form(request)
    if not settings.registrations_open:
        raise Forbidden("registrations_closed")
    plaza.limits.hit("sign_up", client_address(request))
    values = {name: _field(form, name, 254) for name in ("username", "display_name", "email", "home_city")}
    password = form.get("password")
    locale = request_locale(request)
    try:
        account = await run_in_threadpool(
            lambda: accounts.create(
                plaza.db, username=values["username"], display_name=values["display_name"] or None,
                password=password if isinstance(password, str) else "", home_city=values["home_city"],
                email=values["email"] or None, locale=locale, approved=not settings.approval_required))
    except PlazaError as exc:
        return _sign_up_page(request, values, error=exc.message(locale), status_code=exc.status)
    if not account.approved:
        return sign_in_page(request, notice=PlazaError("account_pending").message(locale))
    sign_in(request, account)
    return RedirectResponse("/home", status_code=303)
