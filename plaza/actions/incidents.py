"""Incidents (事件) and their donation projects (公益项目): opening, changing and ending an incident,
its responders, a project and the lines of its public ledger — what the web pages and Plaza's
API both call — and the public reads of an incident as the pages and the API show it.

Writes go through the group commit; every write by this process forgets the incident-mode
banners it keeps for a few seconds (:func:`in_mode`), so a change shows at once here and within
:data:`BANNER_SECONDS` in other processes.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row

from plaza.errors import Forbidden, Invalid, NotFound
from plaza.help import incidents
from plaza.help.incidents import Entry, Incident, IncidentSpec
from plaza.instance import Plaza
from plaza.square import accounts, timelines
from plaza.square.pagination import Page, parse_page

#: How long a process keeps the incidents in incident mode (the banners of every front page).
BANNER_SECONDS = 5.0
#: Posts of the incident's topics shown on its page, and official updates.
POSTS_SHOWN = 10
UPDATES_SHOWN = 10
REQUESTS_SHOWN = 200

#: per database (a process serves one; tests open many): when read, and what was found
_banners: weakref.WeakKeyDictionary[Any, tuple[float, list[Incident]]] = weakref.WeakKeyDictionary()
_banners_lock = threading.Lock()


def _forget_banners(plaza: Plaza) -> None:
    with _banners_lock:
        _banners.pop(plaza.db, None)


async def in_mode(plaza: Plaza) -> list[Incident]:
    """Active incidents in incident mode, kept per process for :data:`BANNER_SECONDS`."""
    cached = _banners.get(plaza.db)
    if cached is not None and time.monotonic() - cached[0] < BANNER_SECONDS:
        return cached[1]

    def work() -> list[Incident]:
        with plaza.db.read() as conn:
            return incidents.in_mode(conn)

    found = await plaza.read(work)
    with _banners_lock:
        _banners[plaza.db] = (time.monotonic(), found)
    return found


def banners_for(found: list[Incident], city_code: str | None = None) -> list[Incident]:
    """The banners a page shows: every incident in incident mode on the front page and home,
    those affecting the city on a city's feed."""
    if city_code is None:
        return found
    return [i for i in found if i.affects_city(city_code)]


async def _write(plaza: Plaza, job: Callable[[Connection], Any]) -> Any:
    def run() -> Any:
        with plaza.db.write() as conn:
            return job(conn)

    try:
        return await plaza.db.batched(run)
    finally:
        _forget_banners(plaza)


def _account_id(conn: Connection, value: Any, name: str) -> int | None:
    """An account named by id or by username (``@name`` too); None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().lstrip("@")
    if text.isdigit() and len(text) > 6:
        return int(text)
    row = accounts.resolve_names(conn, [text[:60]]).get(text[:60])
    if row is None:
        raise Invalid("incident_account_unknown" if name == "account" else "incident_responder_unknown")
    return int(row.id)


async def open_incident(plaza: Plaza, actor: Any, fields: dict[str, Any]) -> Incident:
    """Open an incident (staff: :data:`~plaza.accounts.policy.Permission.MANAGE_INCIDENTS`).
    ``fields``: slug, name, kind, account (id or username), summary, regions, topics,
    started_at, mode, responders (ids or usernames)."""
    if not incidents.may_create(actor):
        raise Forbidden("incident_staff_only")

    def job(conn: Connection) -> Incident:
        account_id = _account_id(conn, fields.get("account"), "account")
        if account_id is None:
            raise Invalid("parameter_missing", name="account")
        spec = IncidentSpec(
            slug=str(fields.get("slug") or ""), name=str(fields.get("name") or ""),
            kind=str(fields.get("kind") or ""), account_id=account_id, summary=str(fields.get("summary") or ""),
            regions=tuple(fields.get("regions") or ()), topics=tuple(fields.get("topics") or ()),
            started_at=fields.get("started_at"), mode=bool(fields.get("mode")),
            responders=tuple(i for i in (_account_id(conn, r, "responder") for r in fields.get("responders") or ())
                             if i is not None))
        return incidents.create(conn, spec, by=getattr(actor, "id", None))

    found: Incident = await _write(plaza, job)
    return found


async def change_incident(plaza: Plaza, actor: Any, slug: str, changes: dict[str, Any]) -> Incident:
    """Change an incident (staff, or its own account and operators); ``changes`` as
    :data:`plaza.help.incidents.CHANGEABLE`, ``account`` by id or username."""

    def job(conn: Connection) -> Incident:
        incident = incidents.by_slug(conn, slug)
        incidents.require_manage(conn, actor, incident)
        values = dict(changes)
        if "account" in values:
            values["account_id"] = _account_id(conn, values.pop("account"), "account")
        return incidents.change(conn, incident, values)

    found: Incident = await _write(plaza, job)
    return found


async def end_incident(plaza: Plaza, actor: Any, slug: str) -> Incident:
    """End an incident (staff, or its own account): incident mode goes off with it."""

    def job(conn: Connection) -> Incident:
        incident = incidents.by_slug(conn, slug)
        incidents.require_manage(conn, actor, incident)
        return incidents.end(conn, incident)

    found: Incident = await _write(plaza, job)
    return found


async def add_responder(plaza: Plaza, actor: Any, slug: str, account: Any, role: str = "") -> Incident:
    """Name an account among the incident's responders (救援力量), with what it does there."""

    def job(conn: Connection) -> Incident:
        incident = incidents.by_slug(conn, slug)
        incidents.require_manage(conn, actor, incident)
        account_id = _account_id(conn, account, "responder")
        if account_id is None:
            raise Invalid("parameter_missing", name="account")
        incidents.add_responder(conn, incident.id, account_id, role)
        return incidents.load(conn, incident.id)

    found: Incident = await _write(plaza, job)
    return found


async def remove_responder(plaza: Plaza, actor: Any, slug: str, account_id: int) -> Incident:
    def job(conn: Connection) -> Incident:
        incident = incidents.by_slug(conn, slug)
        incidents.require_manage(conn, actor, incident)
        incidents.remove_responder(conn, incident.id, account_id)
        return incidents.load(conn, incident.id)

    found: Incident = await _write(plaza, job)
    return found


async def open_donation_project(plaza: Plaza, actor: Any, slug: str, fields: dict[str, Any]) -> Row[Any]:
    """Open a donation project for an incident: an organisation (its account or operators) for
    itself, or staff for an organisation. ``fields``: account (the organisation; the actor's own
    account when absent), title, goal_fen (or goal in yuan), description."""

    def job(conn: Connection) -> Row[Any]:
        incident = incidents.by_slug(conn, slug)
        account_id = _account_id(conn, fields.get("account"), "account") or getattr(actor, "id", None)
        if not (incidents.may_create(actor) or incidents.acts_for(conn, actor, account_id)):
            raise Forbidden("ledger_organisation_only")
        goal = fields.get("goal_fen")
        if goal is None and fields.get("goal") not in (None, ""):
            goal = incidents.parse_yuan(str(fields.get("goal")), "goal")
        return incidents.create_project(conn, incident, account_id=int(account_id or 0),
                                        title=str(fields.get("title") or ""), goal_fen=goal,
                                        description=str(fields.get("description") or ""),
                                        by=getattr(actor, "id", None))

    found: Row[Any] = await _write(plaza, job)
    return found


async def enter_ledger_line(plaza: Plaza, actor: Any, slug: str, project_id: int, entry: Entry
                            ) -> tuple[Row[Any], Row[Any]]:
    """Append a line to a project's public ledger (its organisation only): (line, project)."""

    def job(conn: Connection) -> tuple[Row[Any], Row[Any]]:
        incident = incidents.by_slug(conn, slug)
        found = incidents.project(conn, project_id)
        if found.incident_id != incident.id:
            raise NotFound("donation_project_not_found")
        return incidents.add_entry(conn, project_id, entry, by=actor)

    result: tuple[Row[Any], Row[Any]] = await _write(plaza, job)
    return result


# --- public reads ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Sources:
    """Where an incident's help requests, totals and warnings come from (the help requests' and
    warnings' tables, :mod:`plaza.help.incidents`); a test may pass its own."""

    requests: Callable[..., list[dict[str, Any]]] | None = None
    totals: Callable[[Connection, int], dict[str, Any]] | None = None
    warnings: Callable[[Connection, Any], list[dict[str, Any]]] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """An incident as its public page and the API show it."""

    incident: Incident
    totals: dict[str, Any]
    requests: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    projects: list[Row[Any]]
    update_ids: list[int] = field(default_factory=list)
    topic_post_ids: list[int] = field(default_factory=list)


def latest_in_topics(plaza: Plaza, names: tuple[str, ...], limit: int = POSTS_SHOWN) -> list[int]:
    """The newest public posts of any of the topics (the square's topic timelines, merged)."""
    page: Page = parse_page({"limit": str(limit)})
    ids: set[int] = set()
    for name in names:
        ids.update(timelines.topic(plaza.db, name, page))
    return sorted(ids, reverse=True)[:limit]


async def read_incident(plaza: Plaza, slug: str, *, sources: Sources | None = None,
                        posts: bool = True, request_limit: int = REQUESTS_SHOWN) -> Report:
    """Everything an incident gathers, read at once: its facts, the totals, help requests and
    warnings (from ``sources``, by default :mod:`plaza.help.incidents`), donation projects, and
    with ``posts`` the ids of the official updates and of its topics' latest posts."""
    chosen = sources or Sources()

    def work() -> Report:
        with plaza.db.read() as conn:
            incident = incidents.by_slug(conn, slug)
            totals = {**dict.fromkeys(incidents.TOTAL_KEYS, 0), "median_minutes_to_help": None,
                      **(chosen.totals or incidents.totals_of)(conn, incident.id)}
            requests = list((chosen.requests or incidents.requests_of)(conn, incident.id, limit=request_limit))
            warnings = list((chosen.warnings or incidents.warnings_of)(conn, incident))
            projects = incidents.projects_of(conn, incident.id)
            updates = incidents.official_updates(conn, incident, limit=UPDATES_SHOWN) if posts else []
        topic_posts = latest_in_topics(plaza, incident.topics) if posts and incident.topics else []
        return Report(incident, totals, requests, warnings, projects, updates, topic_posts)

    report: Report = await plaza.read(work)
    return report


async def list_incidents(plaza: Plaza, *, active: bool | None = None, limit: int = 50) -> list[Incident]:
    def work() -> list[Incident]:
        with plaza.db.read() as conn:
            return incidents.listing(conn, active=active, limit=limit)

    found: list[Incident] = await plaza.read(work)
    return found


async def read_project(plaza: Plaza, slug: str, project_id: int) -> tuple[Incident, Row[Any], list[Row[Any]]]:
    """A donation project of an incident with its whole ledger, first line first."""

    def work() -> tuple[Incident, Row[Any], list[Row[Any]]]:
        with plaza.db.read() as conn:
            incident = incidents.by_slug(conn, slug)
            found = incidents.project(conn, project_id)
            if found.incident_id != incident.id:
                raise NotFound("donation_project_not_found")
            return incident, found, incidents.ledger(conn, project_id)

    result: tuple[Incident, Row[Any], list[Row[Any]]] = await plaza.read(work)
    return result


async def may_keep_ledger(plaza: Plaza, actor: Any, project: Row[Any]) -> bool:
    def work() -> bool:
        with plaza.db.read() as conn:
            return incidents.may_keep_ledger(conn, actor, project)

    return bool(await plaza.read(work))


async def may_manage(plaza: Plaza, actor: Any, incident: Incident) -> bool:
    def work() -> bool:
        with plaza.db.read() as conn:
            return incidents.may_manage(conn, actor, incident)

    return bool(await plaza.read(work))
