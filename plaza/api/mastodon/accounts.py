"""Accounts: sign-up with an app token, one's own profile, other people's profiles and posts,
follower and following lists, follow and unfollow, relationships.

Plaza additions: ``plaza_city`` (a 6-digit division code; a sign-up without one lives in the
instance's default city, ``PLAZA_DEFAULT_CITY``, until the person changes it) on sign-up and on
``update_credentials``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza import actions
from plaza.errors import Forbidden, Invalid, NotFound
from plaza.http.bearer import authenticate, viewer
from plaza.http.context import client_address, plaza_of
from plaza.http.params import path_id, query_params, read_params
from plaza.http.responses import ORJSONResponse, page_response
from plaza.identity import tokens
from plaza.square import accounts, follows, timelines
from plaza.square.pagination import parse_offset, parse_page
from plaza.square.visibility import may_review

from .entities import Renderer, domain, relationship, token
from .timelines import statuses_page

FOLLOW_SCOPES = ("write:follows", "follow")


def _renderer(request: Request) -> Renderer:
    return Renderer(plaza_of(request).settings.base_url)


def _visible_account(request: Request, account_id: int, viewer: Row[Any] | None = None) -> Row[Any]:
    """The account; a suspended one is hidden from all but staff (``viewer``), who review it."""
    row = accounts.get(plaza_of(request).db, account_id)
    if row.suspended and not may_review(viewer):
        raise NotFound("account_not_found")
    return row


async def sign_up(request: Request) -> Response:
    """``POST /api/v1/accounts`` with an app token (client credentials). Answers a user token with
    the app token's scopes; when approval is required the token works only once approved."""
    plaza = plaza_of(request)
    caller = authenticate(request, "write:accounts", user=False)
    if caller.account is not None:
        raise Forbidden("forbidden")
    if not plaza.settings.registrations_open:
        raise Forbidden("registrations_closed")
    params = await read_params(request)
    for name in ("username", "password"):
        if not params.text(name):
            raise Invalid("parameter_missing", name=name)
    if not params.flag("agreement"):
        raise Invalid("agreement_required")
    row = await actions.sign_up(
        plaza, username=params.text("username") or "", password=params.text("password") or "",
        address=client_address(request), display_name=params.text("display_name"),
        email=params.text("email"), home_city=params.text("plaza_city") or None,
        locale=params.text("locale"))
    secret, issued = await plaza.db.batched(
        lambda: tokens.issue(plaza.db, row.id, caller.token.app_id, caller.token.scopes))
    return ORJSONResponse(token(secret, issued.scopes))


async def verify_credentials(request: Request) -> Response:
    caller = authenticate(request, "read:accounts", "profile")
    return ORJSONResponse(_renderer(request).credential_account(caller.user))


async def _save_image(request: Request, account_id: int, upload: Any, purpose: str) -> str:
    plaza = plaza_of(request)
    row = await actions.upload_media(plaza, account_id, upload, purpose=purpose)
    return str(row.file_name)


async def update_credentials(request: Request) -> Response:
    """``PATCH /api/v1/accounts/update_credentials``: display name, note, language, bot flag,
    ``plaza_city``, avatar and header images."""
    caller = authenticate(request, "write:accounts")
    params = await read_params(request)
    changes: dict[str, Any] = {
        "display_name": params.text("display_name"),
        "note": params.text("note"),
        "locale": params.text("source[language]") or params.text("locale"),
        "home_city": params.text("plaza_city"),
        "bot": params.flag("bot") if "bot" in params else None,
    }
    for field in ("avatar", "header"):
        upload = params.file(field)
        if upload is not None:
            changes[field] = await _save_image(request, caller.account_id, upload, field)
    row = await actions.update_profile(plaza_of(request), caller.account_id, **changes)
    request.state.account = row
    return ORJSONResponse(_renderer(request).credential_account(row))


async def show(request: Request) -> Response:
    me = viewer(request, "read:accounts")
    return ORJSONResponse(_renderer(request).account(_visible_account(request, path_id(request), me)))


async def lookup(request: Request) -> Response:
    """``GET /api/v1/accounts/lookup?acct=name`` (``name@this-server`` too)."""
    viewer(request, "read:accounts")
    acct = (request.query_params.get("acct") or "").strip().lstrip("@")
    name, _, host = acct.partition("@")
    if not name or (host and host.lower() != domain(plaza_of(request).settings.base_url).lower()):
        raise NotFound("account_not_found")
    row = accounts.find_by_username(plaza_of(request).db, name)
    if row is None or row.suspended:
        raise NotFound("account_not_found")
    return ORJSONResponse(_renderer(request).account(row))


def local_query(request: Request, query: str) -> str:
    """``name@this-server`` is ``name``: this server's accounts by their full handle."""
    q = query.strip().lstrip("@")
    name, _, host = q.partition("@")
    if host and host.lower() == domain(plaza_of(request).settings.base_url).lower():
        return name
    return q


def limit_offset(request: Request, default: int = 40, maximum: int = 80) -> tuple[int, int]:
    params = query_params(request)
    try:
        limit = int(params.text("limit") or default)
    except ValueError as exc:
        raise Invalid("limit_invalid", max=maximum) from exc
    if limit < 1:
        raise Invalid("limit_invalid", max=maximum)
    return min(limit, maximum), parse_offset(params.text("offset"))


async def search_endpoint(request: Request) -> Response:
    me = viewer(request, "read:accounts")
    params = query_params(request)
    limit, offset = limit_offset(request)
    following_of = me.id if me is not None and params.flag("following") else None
    plaza = plaza_of(request)
    rows = await plaza.read(lambda: actions.matching_accounts(
        plaza, local_query(request, params.text("q") or ""), limit, offset, following_of))
    renderer = _renderer(request)
    return ORJSONResponse([renderer.account(r) for r in rows])


async def account_statuses(request: Request) -> Response:
    """An account's posts as the caller may see them (``exclude_replies``, ``exclude_reblogs``,
    ``only_media``; ``pinned`` is always empty: Plaza has no pinned posts)."""
    me = viewer(request, "read:statuses")
    account = _visible_account(request, path_id(request), me)
    params = query_params(request)
    page = parse_page(request.query_params)
    if params.flag("pinned"):
        return ORJSONResponse([])
    plaza = plaza_of(request)
    viewer_id = me.id if me is not None else None
    viewer_follows = bool(viewer_id is not None and viewer_id != account.id and
                          follows.relationships(plaza.db, viewer_id, [account.id])[0].following)
    ids = timelines.account(plaza.db, account.id, viewer_id, page,
                            exclude_replies=params.flag("exclude_replies"),
                            exclude_reblogs=params.flag("exclude_reblogs"),
                            only_media=params.flag("only_media"), viewer_follows=viewer_follows)
    return statuses_page(request, ids, viewer_id, page, review=may_review(me))


def _people_page(request: Request, pairs: list[tuple[int, int]], limit: int) -> Response:
    plaza = plaza_of(request)
    with plaza.db.read() as conn:
        rows = accounts.get_many(conn, {account_id for _, account_id in pairs})
    renderer = _renderer(request)
    body = [renderer.account(rows[a]) for _, a in pairs if a in rows and not rows[a].suspended]
    return page_response(request, body, [follow_id for follow_id, _ in pairs], limit)


async def followers(request: Request) -> Response:
    viewer(request, "read:accounts")
    account = _visible_account(request, path_id(request))
    page = parse_page(request.query_params, default_limit=40, max_limit=80)
    return _people_page(request, follows.followers(plaza_of(request).db, account.id, page), page.limit)


async def following(request: Request) -> Response:
    viewer(request, "read:accounts")
    account = _visible_account(request, path_id(request))
    page = parse_page(request.query_params, default_limit=40, max_limit=80)
    return _people_page(request, follows.following(plaza_of(request).db, account.id, page), page.limit)


async def follow(request: Request) -> Response:
    caller = authenticate(request, *FOLLOW_SCOPES)
    target = path_id(request, key="account_not_found")
    return ORJSONResponse(relationship(await actions.follow(plaza_of(request), caller.account_id, target)))


async def unfollow(request: Request) -> Response:
    caller = authenticate(request, *FOLLOW_SCOPES)
    target = _visible_account(request, path_id(request, key="account_not_found")).id
    return ORJSONResponse(relationship(await actions.unfollow(plaza_of(request), caller.account_id, target)))


async def relationships(request: Request) -> Response:
    """``GET /api/v1/accounts/relationships?id[]=1&id[]=2``."""
    caller = authenticate(request, "read:follows", "follow")
    ids = query_params(request).ids("id", skip_malformed=True)  # Mastodon skips ids it cannot find
    rels = follows.relationships(plaza_of(request).db, caller.account_id, list(dict.fromkeys(ids)))
    return ORJSONResponse([relationship(r) for r in rels])


def routes() -> list[BaseRoute]:
    # The fixed paths come before ``/{id}``.
    return [
        Route("/api/v1/accounts", sign_up, methods=["POST"]),
        Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
        Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH", "PUT"]),
        Route("/api/v1/accounts/relationships", relationships, methods=["GET"]),
        Route("/api/v1/accounts/lookup", lookup, methods=["GET"]),
        Route("/api/v1/accounts/search", search_endpoint, methods=["GET"]),
        Route("/api/v1/accounts/{id}", show, methods=["GET"]),
        Route("/api/v1/accounts/{id}/statuses", account_statuses, methods=["GET"]),
        Route("/api/v1/accounts/{id}/followers", followers, methods=["GET"]),
        Route("/api/v1/accounts/{id}/following", following, methods=["GET"]),
        Route("/api/v1/accounts/{id}/follow", follow, methods=["POST"]),
        Route("/api/v1/accounts/{id}/unfollow", unfollow, methods=["POST"]),
    ]
