"""Government matrices (政务矩阵) and matrix campaigns (矩阵联动) in Plaza's own API.

Anyone (also without a token) reads; a token with ``write`` manages (administrators and
moderators every matrix, a verified government account the ones it owns); following a whole
matrix takes ``follow`` (or ``write:follows``), as Mastodon's follow endpoint does.

    GET    /api/plaza/v1/matrices                      matrices, newest first (max_id, since_id, limit)
    POST   /api/plaza/v1/matrices                      create (name, kind, region_code, department_type,
                                                       root, account_ids[] / usernames[], owner, description)
    GET    /api/plaza/v1/matrices/{id}                 one, with members, activity and campaigns
    PUT    /api/plaza/v1/matrices/{id}                 rename, describe
    DELETE /api/plaza/v1/matrices/{id}
    POST   /api/plaza/v1/matrices/{id}/members         add by hand (account_ids[] / usernames[])
    DELETE /api/plaza/v1/matrices/{id}/members         take out by hand
    POST   /api/plaza/v1/matrices/{id}/sync            re-apply a derived matrix's rule
    POST   /api/plaza/v1/matrices/{id}/follow          follow every member
    POST   /api/plaza/v1/matrices/{id}/unfollow        unfollow every member
    GET    /api/plaza/v1/matrices/{id}/campaigns       its campaigns
    POST   /api/plaza/v1/matrices/{id}/campaigns       start one (topic, starts_at, ends_at, title, …)
    GET    /api/plaza/v1/campaigns/{id}                a campaign and what it brought
    POST   /api/plaza/v1/campaigns/{id}/end            end it now
    DELETE /api/plaza/v1/campaigns/{id}
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.api.mastodon.accounts import FOLLOW_SCOPES
from plaza.api.mastodon.entities import account_plaza, iso
from plaza.api.plaza.hot import iso as unix_iso
from plaza.errors import Invalid, NotFound
from plaza.http.bearer import authenticate, viewer
from plaza.http.context import off_loop, plaza_of
from plaza.http.params import Params, path_id, query_params, read_params
from plaza.http.responses import ORJSONResponse, page_response
from plaza.matrices import campaigns, matrices
from plaza.matrices.campaigns import CampaignReport, CampaignSpec
from plaza.matrices.matrices import MatrixSpec
from plaza.regions import resolve
from plaza.square import accounts
from plaza.square.pagination import parse_page
from plaza.square.views import topic_path
from plaza.storage.db import Database

# --- entities ---------------------------------------------------------------------------------

def account_brief(base: str, row: Row[Any]) -> dict[str, Any]:
    """A member as Mastodon clients know an account, kept small: who it is and its agency,
    region, level and department (never e-mail or anything private)."""
    return {"id": str(row.id), "username": row.username, "acct": row.username,
            "display_name": row.display_name, "url": f"{base}/@{row.username}", "plaza": account_plaza(row)}


def _region_name(code: str | None) -> str | None:
    place = resolve(code) if code else None
    return place.full_name if place is not None else None


def matrix_entity(base: str, row: Row[Any], members_count: int, people: dict[int, Row[Any]],
                  caller: Row[Any] | None) -> dict[str, Any]:
    def person(account_id: int | None) -> dict[str, Any] | None:
        found = people.get(account_id) if account_id is not None else None
        return account_brief(base, found) if found is not None else None

    return {
        "id": str(row.id), "name": row.name, "description": row.description, "kind": row.kind,
        "region_code": row.region_code, "region_name": _region_name(row.region_code),
        "department_type": row.department_type, "root": person(row.root_id), "owner": person(row.owner_id),
        "members_count": members_count, "synced_at": iso(row.synced_at), "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at), "url": f"{base}/matrices/{row.id}",
        "can_manage": matrices.can_manage(caller, row),
    }


def _people(db: Database, rows: list[Row[Any]]) -> dict[int, Row[Any]]:
    ids = {i for r in rows for i in (r.root_id, r.owner_id) if i is not None}
    with db.read() as conn:
        return accounts.get_many(conn, ids)


def campaign_entity(base: str, row: Row[Any]) -> dict[str, Any]:
    return {
        "id": str(row.id), "matrix_id": str(row.matrix_id), "topic": row.topic_name,
        "topic_url": base + topic_path(row.topic_name), "title": row.title,
        "description": row.description, "starts_at": iso(row.starts_at), "ends_at": iso(row.ends_at),
        "ended_early_at": iso(row.ended_early_at), "state": campaigns.state_of(row),
        "created_at": iso(row.created_at), "url": f"{base}/campaigns/{row.id}",
    }


def report_entity(base: str, db: Database, report: CampaignReport) -> dict[str, Any]:
    ids = {p.account_id for p in report.joined} | {p.account_id for p in report.propagation}
    with db.read() as conn:
        people = accounts.get_many(conn, ids)
    body = campaign_entity(base, report.campaign)
    body.update({
        "matrix": {"id": str(report.matrix.id), "name": report.matrix.name,
                   "url": f"{base}/matrices/{report.matrix.id}"},
        "members_count": report.members, "joined_count": len(report.joined),
        "coverage": round(report.coverage, 4), "reads": report.reads, "discussions": report.discussions,
        "peak_rank": report.peak_rank, "peak_heat": report.peak_heat, "peak_at": unix_iso(report.peak_at),
        "joined": [{"account": account_brief(base, people[p.account_id]), "first_at": iso(p.first_at),
                    "first_status_id": str(p.first_status_id), "first_kind": p.first_kind,
                    "originals": p.originals, "reposts": p.reposts}
                   for p in report.joined if p.account_id in people],
        "propagation": [{"status_id": str(p.status_id), "account": account_brief(base, people[p.account_id]),
                         "url": f"{base}/@{people[p.account_id].username}/{p.status_id}",
                         "created_at": iso(p.created_at), "excerpt": p.excerpt, "reposts": p.reposts,
                         "reposters": p.reposters,
                         "member_reposts": p.member_reposts, "replies": p.replies, "likes": p.likes,
                         "reads": p.reads}
                        for p in report.propagation if p.account_id in people],
    })
    return body


# --- parameters ---------------------------------------------------------------------------------

def _base(request: Request) -> str:
    return plaza_of(request).settings.base_url


def _account_id(db: Database, params: Params, id_name: str, username_name: str) -> int | None:
    """An account named by id (``root_id``) or by username (``root``)."""
    number = params.id(id_name)
    if number is not None:
        return number
    username = (params.text(username_name) or "").strip()
    if not username:
        return None
    row = accounts.find_by_username(db, username)
    if row is None:
        raise NotFound("account_not_found")
    return int(row.id)


def _account_ids(db: Database, params: Params) -> list[int]:
    """``account_ids[]`` and ``usernames[]`` as account ids (an unknown username is a 404)."""
    ids = params.ids("account_ids")
    for value in params.values("usernames"):
        row = accounts.find_by_username(db, str(value).strip())
        if row is None:
            raise NotFound("account_not_found")
        ids.append(int(row.id))
    if len(ids) > matrices.MAX_MEMBERS:
        raise Invalid("matrix_too_large", max=matrices.MAX_MEMBERS)
    return ids


def _text(params: Params, name: str, *aliases: str) -> str | None:
    for key in (name, *aliases):
        value = params.text(key)
        if value is not None and value.strip():
            return value.strip()
    return None


def _matrix_body(request: Request, matrix_id: int, caller: Row[Any] | None) -> dict[str, Any]:
    db = plaza_of(request).db
    base = _base(request)
    row = matrices.get(db, matrix_id)
    members = matrices.members(db, matrix_id)
    body = matrix_entity(base, row, len(members), _people(db, [row]), caller)
    activity = matrices.activity(db, matrix_id)
    body.update({
        "members": [{"account": account_brief(base, m.account), "source": m.source,
                     "added_at": iso(m.added_at)} for m in members],
        "activity": {"days": activity.days, "posts": activity.posts,
                     "active_members": activity.active_members},
        "campaigns": [campaign_entity(base, c) for c in campaigns.list_for(db, matrix_id)],
        "following": matrices.following_count(db, caller.id, matrix_id) if caller is not None else None,
    })
    return body


# --- matrices -----------------------------------------------------------------------------------

async def list_matrices(request: Request) -> Response:
    caller = viewer(request, "read")
    params = query_params(request)
    page = parse_page(params)
    db = plaza_of(request).db
    member = _account_id(db, params, "member_id", "member")

    def work() -> list[dict[str, Any]]:
        found = matrices.list_matrices(db, page, member_id=member)
        people = _people(db, [s.matrix for s in found])
        return [matrix_entity(_base(request), s.matrix, s.members_count, people, caller) for s in found]

    body = await off_loop(request, work)
    return page_response(request, body, [int(m["id"]) for m in body], page.limit)


async def create_matrix(request: Request) -> Response:
    caller = authenticate(request, "write")
    params = await read_params(request)
    db = plaza_of(request).db
    kind = _text(params, "kind") or ""
    spec = MatrixSpec(
        name=params.text("name") or "", kind=kind, description=params.text("description") or "",
        region_code=_text(params, "region_code", "region"), department_type=_text(params, "department_type"),
        root_id=_account_id(db, params, "root_id", "root"), member_ids=tuple(_account_ids(db, params)),
        owner_id=_account_id(db, params, "owner_id", "owner"))
    row = await run_in_threadpool(matrices.create, db, caller.user, spec)
    return ORJSONResponse(await off_loop(request, lambda: _matrix_body(request, row.id, caller.user)))


async def show_matrix(request: Request) -> Response:
    caller = viewer(request, "read")
    matrix_id = path_id(request, key="matrix_not_found")
    return ORJSONResponse(await off_loop(request, lambda: _matrix_body(request, matrix_id, caller)))


async def update_matrix(request: Request) -> Response:
    caller = authenticate(request, "write")
    matrix_id = path_id(request, key="matrix_not_found")
    params = await read_params(request)
    matrices.update_matrix(plaza_of(request).db, caller.user, matrix_id, name=params.text("name"),
                           description=params.text("description"))
    return ORJSONResponse(await off_loop(request, lambda: _matrix_body(request, matrix_id, caller.user)))


async def delete_matrix(request: Request) -> Response:
    caller = authenticate(request, "write")
    matrix_id = path_id(request, key="matrix_not_found")
    matrices.delete_matrix(plaza_of(request).db, caller.user, matrix_id)
    return ORJSONResponse({})


async def _change_members(request: Request, change: Callable[..., Any]) -> Response:
    """Add or remove members (``change`` is ``matrices.add_members`` or ``remove_members``) and
    answer the matrix as it now is."""
    caller = authenticate(request, "write")
    matrix_id = path_id(request, key="matrix_not_found")
    params = await read_params(request)
    db = plaza_of(request).db
    change(db, caller.user, matrix_id, _account_ids(db, params))
    return ORJSONResponse(await off_loop(request, lambda: _matrix_body(request, matrix_id, caller.user)))


async def add_members(request: Request) -> Response:
    return await _change_members(request, matrices.add_members)


async def remove_members(request: Request) -> Response:
    return await _change_members(request, matrices.remove_members)


async def sync_matrix(request: Request) -> Response:
    caller = authenticate(request, "write")
    matrix_id = path_id(request, key="matrix_not_found")
    result = await run_in_threadpool(matrices.sync, plaza_of(request).db, caller.user, matrix_id)
    matrix = await off_loop(request, lambda: _matrix_body(request, matrix_id, caller.user))
    return ORJSONResponse({"added": [str(i) for i in result.added],
                           "removed": [str(i) for i in result.removed], "matrix": matrix})


async def follow_matrix(request: Request) -> Response:
    """Follow every member the caller does not follow yet (rate-limited: it may be hundreds)."""
    caller = authenticate(request, *FOLLOW_SCOPES)
    matrix_id = path_id(request, key="matrix_not_found")
    plaza = plaza_of(request)
    matrices.get(plaza.db, matrix_id)
    plaza.limits.hit("matrix_follow", str(caller.account_id))
    result = await run_in_threadpool(matrices.follow_all, plaza.db, caller.account_id, matrix_id)
    return ORJSONResponse({"members": result.members, "followed": result.followed, "already": result.already,
                           "remaining": result.remaining})


async def unfollow_matrix(request: Request) -> Response:
    caller = authenticate(request, *FOLLOW_SCOPES)
    matrix_id = path_id(request, key="matrix_not_found")
    plaza = plaza_of(request)
    matrices.get(plaza.db, matrix_id)
    plaza.limits.hit("matrix_follow", str(caller.account_id))
    count = await run_in_threadpool(matrices.unfollow_all, plaza.db, caller.account_id, matrix_id)
    return ORJSONResponse({"unfollowed": count})


# --- campaigns ----------------------------------------------------------------------------------

async def list_campaigns(request: Request) -> Response:
    viewer(request, "read")
    matrix_id = path_id(request, key="matrix_not_found")
    db = plaza_of(request).db

    def work() -> list[dict[str, Any]]:
        matrices.get(db, matrix_id)
        return [campaign_entity(_base(request), c) for c in campaigns.list_for(db, matrix_id)]

    return ORJSONResponse(await off_loop(request, work))


def _time(params: Params, name: str) -> datetime:
    return campaigns.parse_time(params.text(name), name)


async def _report(request: Request, campaign_id: int) -> dict[str, Any]:
    plaza = plaza_of(request)
    report = await plaza.hot.io(lambda: campaigns.report(plaza.db, plaza.hot, campaign_id))
    return report_entity(_base(request), plaza.db, report)


async def create_campaign(request: Request) -> Response:
    caller = authenticate(request, "write")
    matrix_id = path_id(request, key="matrix_not_found")
    params = await read_params(request)
    spec = CampaignSpec(topic=params.text("topic") or "", starts_at=_time(params, "starts_at"),
                        ends_at=_time(params, "ends_at"), title=params.text("title") or "",
                        description=params.text("description") or "")
    row = campaigns.create(plaza_of(request).db, caller.user, matrix_id, spec)
    return ORJSONResponse(await _report(request, row.id))


async def show_campaign(request: Request) -> Response:
    viewer(request, "read")
    campaign_id = path_id(request, key="campaign_not_found")
    return ORJSONResponse(await _report(request, campaign_id))


async def end_campaign(request: Request) -> Response:
    caller = authenticate(request, "write")
    campaign_id = path_id(request, key="campaign_not_found")
    campaigns.end(plaza_of(request).db, caller.user, campaign_id)
    return ORJSONResponse(await _report(request, campaign_id))


async def delete_campaign(request: Request) -> Response:
    caller = authenticate(request, "write")
    campaign_id = path_id(request, key="campaign_not_found")
    campaigns.delete_campaign(plaza_of(request).db, caller.user, campaign_id)
    return ORJSONResponse({})


def routes() -> list[BaseRoute]:
    prefix = "/api/plaza/v1"
    return [
        Route(f"{prefix}/matrices", list_matrices, methods=["GET"]),
        Route(f"{prefix}/matrices", create_matrix, methods=["POST"]),
        Route(f"{prefix}/matrices/{{id}}", show_matrix, methods=["GET"]),
        Route(f"{prefix}/matrices/{{id}}", update_matrix, methods=["PUT"]),
        Route(f"{prefix}/matrices/{{id}}", delete_matrix, methods=["DELETE"]),
        Route(f"{prefix}/matrices/{{id}}/members", add_members, methods=["POST"]),
        Route(f"{prefix}/matrices/{{id}}/members", remove_members, methods=["DELETE"]),
        Route(f"{prefix}/matrices/{{id}}/sync", sync_matrix, methods=["POST"]),
        Route(f"{prefix}/matrices/{{id}}/follow", follow_matrix, methods=["POST"]),
        Route(f"{prefix}/matrices/{{id}}/unfollow", unfollow_matrix, methods=["POST"]),
        Route(f"{prefix}/matrices/{{id}}/campaigns", list_campaigns, methods=["GET"]),
        Route(f"{prefix}/matrices/{{id}}/campaigns", create_campaign, methods=["POST"]),
        Route(f"{prefix}/campaigns/{{id}}", show_campaign, methods=["GET"]),
        Route(f"{prefix}/campaigns/{{id}}", delete_campaign, methods=["DELETE"]),
        Route(f"{prefix}/campaigns/{{id}}/end", end_campaign, methods=["POST"]),
    ]
