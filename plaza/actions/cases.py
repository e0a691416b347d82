"""The service desk's acts (提交诉求, 受理, 转办 … 评价): what the web, the Mastodon side (a post to a
desk), Open311, Plaza's API, the CLI and the demo all call.

Each step commits with the notice it owes the citizen: when the case came from a post, the desk's
account answers in that post's thread (a citizen on any Mastodon app follows the case in their
notifications); otherwise it writes to them directly (a direct post). Either way in the same
transaction as the step, so a step is never taken unheard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, select

from plaza.desk import cases, desks, routing
from plaza.desk.cases import NewCase
from plaza.desk.workflow import PUBLIC_STEPS
from plaza.errors import PlazaError
from plaza.i18n import gettext
from plaza.instance import Plaza
from plaza.square import posts
from plaza.square.posts import NewStatus, Published
from plaza.storage import upsert
from plaza.storage.schema import accounts, case_followers, statuses

log = logging.getLogger("plaza.desk")
#: Characters of a reply quoted in a notice (the case page has the whole).
QUOTED_CHARS = 300


def case_url(plaza: Plaza, case_id: int, base_url: str | None = None) -> str:
    return f"{(base_url if base_url is not None else plaza.settings.base_url).rstrip('/')}/cases/{case_id}"


async def submit_case(plaza: Plaza, desk_name: str, new: NewCase, *, limit_key: str | None = None,
                      citizen: Row[Any] | None = None) -> dict[str, Any]:
    """File a case at a desk; returns it as its citizen sees it. Rate-limited per citizen (or
    Open311 key, or address). ``citizen`` is the filing account's row when the caller holds it
    (then the answer is made from what the write returned, reading nothing). The citizen who just
    filed it hears nothing more (the answer is the receipt); a case opened by a post is
    acknowledged in the post's thread instead (:func:`acknowledge_post`)."""
    plaza.limits.hit("case", limit_key or str(new.citizen_id))
    db = plaza.db

    def assess() -> tuple[desks.Desk, NewCase]:  # routing and dedupe read only: outside the write lock
        with db.read() as conn:
            desk = desks.recent(conn, desk_name)
            found = cases.assess(conn, desk, new, propose=routing.propose)
        return desk, replace(new, proposals=found.proposals, similar_to=found.similar_to,
                             similar_score=found.similar_score, signature=found.signature)

    desk, new = await plaza.read(assess)  # the router: some 0.3 ms of CPU, as much as the reads

    def job() -> cases.Filed:  # only the write under the write lock; the answer is made after
        with db.write() as conn:
            return cases.file(conn, desk, new)

    filed = await db.batched(job)
    who = cases.Standing(frozenset({cases.CITIZEN}), None) if new.citizen_id else cases.NOBODY

    def answer(conn: Connection | None) -> dict[str, Any]:
        lookups = cases.Lookups.of_filed(filed, desk, citizen)
        body = cases.view(conn, filed.row, who, lookups=lookups)
        if new.citizen_id is None:  # an Open311 client without an account: its token follows it
            body["token"] = filed.row.token
        return body

    if new.citizen_id is None or (citizen is not None and citizen.id == new.citizen_id):
        return answer(None)

    def read_answer() -> dict[str, Any]:
        with db.read() as conn:
            return answer(conn)

    return await plaza.read(read_answer)


async def act_on_case(plaza: Plaza, case_id: int, action: str, actor: Row[Any] | None, *, version: int,
                      fields: Mapping[str, Any], via: str = "api", base_url: str | None = None) -> dict[str, Any]:
    """Take a step on a case as ``actor``; returns the case as they now see it (409 with the
    current state when it moved since ``version``)."""
    db = plaza.db
    actor_id = actor.id if actor is not None else None

    def job() -> dict[str, Any]:
        with db.write() as conn:
            acted = cases.act(conn, case_id, action, actor_id, version=version, fields=fields)
            desk = desks.by_id(conn, acted.case.desk_id)
            for step in (action, *acted.extra):
                _notice(plaza, conn, desk, acted.case, step, acted.data if step == action else {}, base_url)
            who = cases.standing(conn, acted.case, actor_id)
            if who.entitled and actor_id is not None and cases.CITIZEN not in who.roles:
                cases.log_read(conn, case_id, actor_id, who, via)
            return cases.view(conn, acted.case, who)

    return await db.batched(job)


async def read_case(plaza: Plaza, case_id: int, viewer: Row[Any] | None, *, via: str = "api",
                    history: bool = True) -> dict[str, Any]:
    """A case as ``viewer`` may see it; a read of personal data by staff or a department is
    logged."""
    db = plaza.db
    viewer_id = viewer.id if viewer is not None else None

    def load() -> tuple[dict[str, Any], cases.Standing]:
        with db.read() as conn:
            case = cases.load(conn, case_id)
            who = cases.standing(conn, case, viewer_id)
            return cases.view(conn, case, who, history=history), who

    body, who = await plaza.read(load)
    if who.entitled and viewer_id is not None and cases.CITIZEN not in who.roles:
        def log_it() -> None:
            with db.write() as conn:
                cases.log_read(conn, case_id, viewer_id, who, via)
        await db.batched(log_it)
    return body


async def follow_case(plaza: Plaza, case_id: int, account: Row[Any]) -> bool:
    """Follow (关注) a case someone else filed — "already reported: follow it" — so its steps
    reach ``account`` as they reach its citizen. True when newly followed (the citizen of the
    case, or a follower already, changes nothing)."""
    db = plaza.db

    def job() -> bool:
        with db.write() as conn:
            case = cases.load(conn, case_id)  # 404 when there is none
            if case.citizen_id == account.id:
                return False
            added = conn.execute(upsert.insert(conn, case_followers).values(case_id=case.id, account_id=account.id)
                                 .on_conflict_do_nothing())
            return bool(added.rowcount)

    return await db.batched(job)


def post_intake(plaza: Plaza, opened: list[int]) -> Callable[[Connection, Published], None]:
    """The hook a post runs inside its own transaction: a public original post that mentions a
    desk's account or carries its column topic opens a case linked to it (its id into
    ``opened``). A post that cannot be a case (a government account's, one in another region …)
    stays a post."""

    def after(conn: Connection, published: Published) -> None:
        status, author = published.status, published.author
        if status.visibility not in ("public", "unlisted") or status.in_reply_to_id is not None:
            return
        if not published.mentioned and not published.topics:
            return
        if author.kind == "government":
            return
        desk = desks.for_post(conn, [m.id for m in published.mentioned], published.topics)
        if desk is None or author.id in desks.staff_ids(conn, desk):
            return
        try:
            with conn.begin_nested():
                case_id = cases.submit(conn, desk, NewCase(
                    text=status.text, source="post", citizen_id=author.id, source_status_id=status.id,
                    place_hint=status.city), at=status.created_at)
        except PlazaError as exc:
            log.info("post %s to %s opened no case: %s", status.id, desk.username, exc.key)
            return
        opened[:] = [case_id]  # a job retried by the writer runs this again

    return after


async def acknowledge_post(plaza: Plaza, case_id: int, base_url: str | None = None) -> None:
    """The desk's receipt in the thread of a post that opened a case, and the router's proposals
    and the similar cases for it (after the post commits: nothing slow under the post's write)."""
    db = plaza.db

    def assess() -> cases.Intake:
        with db.read() as conn:
            case = cases.load(conn, case_id)
            desk = desks.by_id(conn, case.desk_id)
            return cases.assess(conn, desk, NewCase(text=case.text, address=case.address), propose=routing.propose,
                                exclude=case_id)

    found = await plaza.compute(assess)

    def job() -> None:
        with db.write() as conn:
            cases.record_intake(conn, case_id, found)
            case = cases.load(conn, case_id)
            _notice(plaza, conn, desks.by_id(conn, case.desk_id), case, "start", {}, base_url)

    try:
        await db.batched(job)
    except PlazaError as exc:  # the case stands; its page has the receipt
        log.warning("no receipt for case %s: %s", case_id, exc.key)


# --- notices -----------------------------------------------------------------------------------------


def _notice(plaza: Plaza, conn: Connection, desk: desks.Desk, case: Row[Any], action: str,
            data: Mapping[str, Any], base_url: str | None) -> None:
    """Tell the citizen (and whoever follows the case) of a step, as the desk's account: in the
    source post's thread when there is one, else directly."""
    if action not in PUBLIC_STEPS:
        return
    recipients = cases.recipients(conn, case)
    if not recipients:
        return
    people = {r.id: r for r in conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.locale)
                                            .where(accounts.c.id.in_(recipients | {case.department_id or 0})))}
    department = people.get(case.department_id) if case.department_id else None
    source = None
    if case.source_status_id is not None:
        source = conn.execute(select(statuses.c.id, statuses.c.account_id, statuses.c.visibility).where(
            statuses.c.id == case.source_status_id)).first()
    for person_id in sorted(recipients):
        person = people.get(person_id)
        if person is None:
            continue
        text = notice_text(plaza, case, action, data, person.locale, department.username if department else None,
                           base_url)
        in_thread = source is not None and source.account_id == person_id and source.visibility in (
            "public", "unlisted")
        new = NewStatus(text=f"@{person.username} {text}", visibility="public" if in_thread else "direct",
                        in_reply_to_id=source.id if in_thread and source is not None else None)
        posts.publish(plaza.db, desk.account_id, new, max_chars=plaza.settings.max_post_chars)


def notice_text(plaza: Plaza, case: Row[Any], action: str, data: Mapping[str, Any], locale: str | None,
                department: str | None, base_url: str | None = None) -> str:
    """What the desk says of a step, in the citizen's language (nothing personal: the public
    may read it in the thread)."""
    url = case_url(plaza, case.id, base_url)
    params: dict[str, Any] = {"id": case.id, "url": url, "department": f"@{department}" if department else "",
                              "resolve_by": cases.iso(case.resolve_by) or "", "of": data.get("of", ""),
                              "reason": gettext(f"case_reason_{case.reject_reason or 'none'}", locale),
                              "text": (case.reply_text or "")[:QUOTED_CHARS]}
    if action == "reply" and case.reply_text and len(case.reply_text) > QUOTED_CHARS:
        params["text"] += "…"
    if action == "link_duplicate":
        params["url"] = case_url(plaza, int(data.get("of") or case.duplicate_of or case.id), base_url)
    return gettext(f"case_notice_{action}", locale, **params)
