"""The reader's language (简体中文 by default, English on request) and whether a request is
answered in JSON (the APIs and OAuth's token side) or with pages."""

from __future__ import annotations

from starlette.requests import Request

from plaza import i18n

#: Paths answered in JSON, errors included.
JSON_PATHS = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PATHS)


def request_locale(request: Request) -> str:
    """``?lang=``, then the language cookie, then the signed-in account's setting, then
    ``Accept-Language``."""
    account = getattr(request.state, "account", None)
    preferred = request.query_params.get("lang") or request.cookies.get("plaza_lang") or (
        account.locale if account is not None and getattr(account, "locale", None) else None)
    return i18n.negotiate(request.headers.get("accept-language"), preferred)
