"""Help in emergencies' acts (求助, 核实, 合并, 派遣, 认领, 完成, 确认, 公示, 撤回): what the web, Plaza's
API, the CLI, the demo — and every post, whichever interface wrote it — call.

Every request is durably stored before its answer: a surge loses none. Screening every public
post for a help request happens before the post's write (the detector's score) and, for the few
posts that are requests, inside the post's own transaction (the draft request and its source), so
a post on the web, from a Mastodon app or from the demo is screened alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from plaza import privacy
from plaza.errors import Forbidden, Invalid, NotFound, PlazaError
from plaza.help import detect, incidents, requests, triage
from plaza.help.requests import NewRequest
from plaza.help.workflow import HELP, VERIFIER
from plaza.i18n import gettext
from plaza.instance import Plaza
from plaza.square import posts
from plaza.square.posts import NewStatus, Published
from plaza.storage.schema import accounts, help_requests, statuses
from plaza.workflow import engine

log = logging.getLogger("plaza.help")
#: The topic a person files a help request under (a post under it is one, in the person's words).
HELP_TOPIC = "求助"


def _key(plaza: Plaza) -> bytes:
    return plaza.settings.secret_key.encode()


def request_url(plaza: Plaza, request_id: int, base_url: str | None = None) -> str:
    return f"{(base_url if base_url is not None else plaza.settings.base_url).rstrip('/')}/help/{request_id}"


def incident_for(conn: Connection, *, slug: str | None = None, city: str | None = None,
                 topics: tuple[str, ...] = ()) -> int | None:
    """The incident a request belongs to: the one its form names (422 when there is none of that
    name), else an active incident whose topic the post carries, else the active incident over
    the request's city."""
    if slug:
        try:
            return incidents.by_slug(conn, slug).id
        except NotFound as exc:
            raise Invalid("help_incident_unknown", slug=slug[:60]) from exc
    wanted = {t.lower() for t in topics}
    if wanted:
        for incident in incidents.listing(conn, active=True, limit=50):
            if wanted & {t.lower() for t in incident.topics}:
                return incident.id
    if not city:
        return None
    found = incidents.for_city(conn, city)
    return found[0].id if found else None


async def submit_help(plaza: Plaza, new: NewRequest, *, requester: Row[Any] | None = None,
                      limit_key: str | None = None, incident: str | None = None) -> dict[str, Any]:
    """File a help request; returns it as its requester sees it. Its place is resolved (or kept
    as text and flagged), its urgency scored, its likely duplicate found and its incident (the
    one named, else the one over its city) known before the write; it is stored before the
    answer. Rate-limited per requester (or address)."""
    plaza.limits.hit("help", limit_key or str(new.requester_id))
    new = requests.check(replace(new, place_hint=new.place_hint or (requester.home_city if requester else None)))
    db = plaza.db
    key = _key(plaza)

    def assess() -> tuple[requests.Intake, int | None]:
        with db.read() as conn:
            found = requests.assess(conn, new, key)
            return found, incident_for(conn, slug=incident, city=found.where.city or new.place_hint)

    intake, incident_id = await plaza.read(assess)
    if incident_id is not None:
        new = replace(new, incident_id=incident_id)

    def job() -> requests.Filed:
        with db.write() as conn:
            return requests.file(conn, new, intake)

    filed = await db.batched(job)
    who = requests.Standing(frozenset({"requester"})) if new.requester_id else requests.NOBODY

    def answer() -> dict[str, Any]:
        with db.read() as conn:
            return requests.view(conn, filed.row, who, events=[filed.first])

    return await plaza.read(answer)


async def act_on_help(plaza: Plaza, request_id: int, action: str, actor: Row[Any] | None, *,
                      version: int | None, fields: Mapping[str, Any], via: str = "api",
                      base_url: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Take a step on a request as ``actor``; returns it as they now see it (409 with the current
    state when it moved since ``version``; a claim needs no version and of concurrent claims
    exactly one wins). ``at`` is when the step happened, for a history written afterwards (the
    demo's): the step and its publication post carry that moment; by default, now."""
    db = plaza.db
    key = _key(plaza)
    hours = plaza.settings.help_follow_up_hours

    def job() -> dict[str, Any]:
        with db.write() as conn:
            acted = requests.act(conn, request_id, action, actor, version=version, fields=fields, key=key,
                                 follow_up_hours=hours, at=at)
            if acted.action in NOTICES:
                _notice(plaza, conn, acted.row, acted.action, base_url, at)
            if acted.action == "publish" or "publish" in acted.extra:
                _publish(plaza, conn, acted.row, base_url, created_at=at)
            row = requests.load(conn, request_id)
            who = requests.standing(conn, row, actor)
            if who.entitled and actor is not None and "requester" not in who.roles:
                requests.log_read(conn, request_id, actor.id, who, via, why=f"step:{acted.action}")
            return requests.view(conn, row, who)

    return await db.batched(job)


async def read_help(plaza: Plaza, request_id: int, viewer: Row[Any] | None, *, via: str = "api",
                    why: str = "", history: bool = True) -> dict[str, Any]:
    """A request as ``viewer`` may see it; a read of personal data by a verifier or a responder
    is logged with who, in which role and why."""
    db = plaza.db

    def load() -> tuple[dict[str, Any], requests.Standing]:
        with db.read() as conn:
            row = requests.load(conn, request_id)
            who = requests.standing(conn, row, viewer)
            body = requests.view(conn, row, who, history=history)
            if VERIFIER in who.roles:
                body["possible_duplicates"] = [
                    {"id": str(d.request_id), "similarity": d.score, "why": d.why}
                    for d in requests.duplicates(
                        conn, phone_hash=row.phone_hash, county=row.county_code, city=row.city_code,
                        signature=bytes.fromhex(row.signature), place_text=row.place_text, lat=row.lat,
                        lon=row.lon, exclude=row.id)]
                body["data_reads"] = requests.reads_of(conn, request_id)
            return body, who

    body, who = await plaza.read(load)
    if who.entitled and viewer is not None and "requester" not in who.roles:
        def log_it() -> None:
            with db.write() as conn:
                requests.log_read(conn, request_id, viewer.id, who, via, why)
        await db.batched(log_it)
    return body


async def next_to_verify(plaza: Plaza, verifier: Row[Any], *, view: str = "verify",
                         city: str | None = None, via: str = "api") -> dict[str, Any] | None:
    """The most urgent request nobody holds, locked to ``verifier`` for a while (two verifiers
    asking at once get two different requests); None when the queue is empty."""
    db = plaza.db

    def job() -> dict[str, Any] | None:
        with db.write() as conn:
            if not requests.is_verifier(conn, verifier):
                raise Forbidden("help_verifiers_only")
            row = requests.take_next(conn, verifier.id, view=view, city=city)
            if row is None:
                return None
            who = requests.standing(conn, row, verifier)
            requests.log_read(conn, row.id, verifier.id, who, via, why="verify")
            return requests.view(conn, row, who)

    return await db.batched(job)


async def lock_help(plaza: Plaza, request_id: int, verifier: Row[Any], *, release: bool = False) -> dict[str, Any]:
    """Hold a request to work it (409 when another verifier does), or let it go."""
    db = plaza.db

    def job() -> dict[str, Any]:
        with db.write() as conn:
            if not requests.is_verifier(conn, verifier):
                raise Forbidden("help_verifiers_only")
            if release:
                requests.load(conn, request_id)
                requests.unlock(conn, request_id, verifier.id)
                return {"id": str(request_id), "locked": None}
            until = requests.lock(conn, request_id, verifier.id)
            return {"id": str(request_id), "locked": {"by": verifier.username, "until": requests.iso(until)}}

    return await db.batched(job)


# --- notices and publication (公示) -------------------------------------------------------------------

#: Steps the requester hears of, from the responder's account: in the thread of the post that
#: reported the request (so whoever reads it knows help is on its way — no second boat to the
#: same door), else directly.
NOTICES = frozenset({"claim", "complete", "release"})


def _notice(plaza: Plaza, conn: Connection, row: Row[Any], action: str, base_url: str | None,
            at: datetime | None = None) -> None:
    responder_id = row.responder_id
    if action == "release":
        last = [e for e in engine.history(conn, HELP, row.id) if e.action == "release"]
        responder_id = int(last[-1].data.get("responder") or 0) if last and last[-1].data.get("responder") else None
    if responder_id is None or row.requester_id is None:
        return
    people = {r.id: r for r in conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.locale)
                                            .where(accounts.c.id.in_([responder_id, row.requester_id])))}
    responder, requester = people.get(responder_id), people.get(row.requester_id)
    if responder is None or requester is None or responder.id == requester.id:
        return
    source = None
    if row.source_status_id is not None:
        source = conn.execute(select(statuses.c.id, statuses.c.account_id, statuses.c.visibility).where(
            statuses.c.id == row.source_status_id)).first()
    in_thread = source is not None and source.account_id == requester.id and source.visibility in ("public",
                                                                                                   "unlisted")
    text = gettext(f"help_notice_{action}", requester.locale, responder=f"@{responder.username}",
                   url=request_url(plaza, row.id, base_url))
    posts.publish(plaza.db, responder.id, NewStatus(
        text=f"@{requester.username} {text}", visibility="public" if in_thread else "direct",
        in_reply_to_id=source.id if in_thread and source is not None else None),
        max_chars=max(plaza.settings.max_post_chars, 500), created_at=at)


def _duration(minutes: float, locale: str | None) -> str:
    if minutes < 60:
        return gettext("help_minutes", locale, n=max(1, round(minutes)))
    if minutes < 48 * 60:
        return gettext("help_hours", locale, n=round(minutes / 60, 1))
    return gettext("help_days", locale, n=round(minutes / 1440, 1))


def publication_text(plaza: Plaza, row: Row[Any], responder: str | None, locale: str | None,
                     base_url: str | None = None) -> str:
    """The public record that help arrived: need, county, who helped, how long — nothing personal."""
    place = requests.public_place(row)
    minutes = ((row.completed_at - row.created_at).total_seconds() / 60) if row.completed_at else 0.0
    return gettext("help_published_post", locale, need=gettext(f"help_need_{row.need}", locale),
                   place=place["name"] or gettext("help_place_unknown", locale),
                   responder=f"@{responder}" if responder else "", took=_duration(minutes, locale),
                   people=row.people_helped or 0, url=request_url(plaza, row.id, base_url))


def _publish(plaza: Plaza, conn: Connection, row: Row[Any], base_url: str | None, *,
             created_at: datetime | None = None) -> None:
    """A post by the responder's account, written in the publishing step's transaction (at
    ``created_at`` for a history written afterwards, else now)."""
    if row.responder_id is None:
        return
    responder = conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.locale)
                             .where(accounts.c.id == row.responder_id)).first()
    if responder is None:
        return
    text = publication_text(plaza, row, responder.username, responder.locale, base_url)
    done = posts.publish(plaza.db, responder.id, NewStatus(text=text, visibility="public"),
                         max_chars=max(plaza.settings.max_post_chars, 500), created_at=created_at)
    status_id = done.status.id if isinstance(done, Published) else int(done)
    conn.execute(update(help_requests).where(help_requests.c.id == row.id).values(published_status_id=status_id))


# --- screening every post ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Screened:
    """What screening found in a post before its write (the detector's verdict)."""

    detection: detect.Detection
    over: bool


def screen(text: str, hint: str | None) -> Screened | None:
    """The detector's verdict on a post's text, or None when there is nothing to act on."""
    if not text or not text.strip():
        return None
    over = detect.says_it_is_over(text)
    found = detect.detect(text, hint)
    if not found.is_request and not over and HELP_TOPIC not in text:
        return None
    return Screened(found, over)


def post_screening(plaza: Plaza, screened: Screened | None, opened: list[int]) -> Callable[[Connection, Published],
                                                                                          None]:
    """The hook a post runs inside its own transaction: a public post that is a help request
    becomes a draft request for the verifiers (or joins the request it repeats as one more
    source — a repost, a "扩散", the same phone); a post under #求助# is its author's own request;
    "已获救" from a requester closes their open requests."""
    key = _key(plaza)

    def after(conn: Connection, published: Published) -> None:
        status = published.status
        if screened is None or status.visibility not in ("public", "unlisted"):
            return
        try:
            with conn.begin_nested():
                found = _screened(conn, key, published, screened)
        except PlazaError as exc:
            log.info("post %s made no help request: %s", status.id, exc.key)
            return
        if found is not None:
            opened[:] = [found]  # a job retried by the writer runs this again

    return after


def _screened(conn: Connection, key: bytes, published: Published, screened: Screened) -> int | None:
    status, author = published.status, published.author
    detection = screened.detection
    if screened.over:
        for row in requests.open_of_requester(conn, author.id):
            requests.act(conn, row.id, "close", None, version=row.version, fields={"reason": "safe",
                                                                                   "note": "post:" + str(status.id)},
                         key=key, as_system=True)
        return None
    under_topic = HELP_TOPIC in published.topics
    if not detection.is_request and not under_topic:
        return None
    phones = [status.text[s.start:s.end] for s in privacy.find_personal(status.text)
              if s.kind in ("mobile", "landline")]
    phone_hash = triage.phone_hash(phones[0], key) if phones else None
    # a reply or a repost-with-text of a post that reports a request reports the same one
    parent = requests.for_status(conn, status.in_reply_to_id) if status.in_reply_to_id else None
    if parent is not None:
        survivor = requests.surviving(conn, parent)
        requests.add_source(conn, survivor.id, "post", status_id=status.id, account_id=author.id,
                            contact_phone=phones[0] if phones else "", phone_hash=phone_hash)
        return survivor.id
    new = requests.check(NewRequest(
        text=status.text, need=detection.need or "other", source="post",
        people=detection.people if detection.people and detection.people <= requests.MAX_PEOPLE else None,
        place_text=detection.place.text[:requests.MAX_PLACE_CHARS] if detection.place else "",
        contact_phone=phones[0][:30] if phones else "", second_phone=phones[1][:30] if len(phones) > 1 else "",
        requester_id=author.id, source_status_id=status.id, detected=not under_topic,
        detect_score=detection.score, place_hint=author.home_city or None))
    intake = requests.assess(conn, new, key)
    new = replace(new, incident_id=incident_for(conn, city=intake.where.city or author.home_city or None,
                                                topics=published.topics))
    if intake.similar_to is not None and joins(conn, intake, status.text):
        target = requests.surviving(conn, requests.load(conn, intake.similar_to))
        if target.state in requests.OPEN:
            requests.add_source(conn, target.id, "post", status_id=status.id, account_id=author.id,
                                contact_phone=new.contact_phone, second_phone=new.second_phone,
                                phone_hash=intake.phone_hash)
            return int(target.id)
    return int(requests.file(conn, new, intake, at=status.created_at).row.id)


def joins(conn: Connection, intake: requests.Intake, text: str) -> bool:
    """Whether a screened post is one more report of the request intake found, by itself (else
    it is a request of its own, its likeness shown to the verifiers): the same phone; or words
    alike enough (≥ SAME_REQUEST_SIMILARITY — a place alone never is) with no other phone and no
    other building or door named (3号楼 is not 5号楼, however alike the rest)."""
    if intake.similar_to is None:
        return False
    if intake.same_phone:
        return True
    if intake.similar_text < requests.SAME_REQUEST_SIMILARITY:
        return False
    target = requests.load(conn, intake.similar_to)
    if intake.phone_hash is not None and target.phone_hash is not None and (
            intake.phone_hash not in requests.phone_hashes_of(conn, target.id)):
        return False  # words alike, another phone: two families of one compound — a verifier decides
    return not requests.numbers_disagree(text, target.text)


async def repost_screening(plaza: Plaza, original_id: int, repost_id: int, account_id: int) -> None:
    """A repost (转发, 扩散) of a post that reports a request counts as one more source of it."""
    db = plaza.db

    def linked() -> int | None:
        with db.read() as conn:
            original = conn.execute(select(statuses.c.reblog_of_id).where(statuses.c.id == original_id)).scalar()
            row = requests.for_status(conn, original or original_id)
            return int(row.id) if row is not None else None

    request_id = await plaza.read(linked)
    if request_id is None:
        return

    def job() -> None:
        with db.write() as conn:
            survivor = requests.surviving(conn, requests.load(conn, request_id))
            requests.add_source(conn, survivor.id, "repost", status_id=repost_id, account_id=account_id)

    await db.batched(job)
