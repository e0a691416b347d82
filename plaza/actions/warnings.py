"""Official warnings (预警发布): issue, update, cancel and import — what the web form, Plaza's API
and the command line all call.

Each act writes, in one transaction, the warning's CAP message and its post by the issuing
account (an update and a cancellation answer the warning's post in its thread); once that has
committed, this process's timelines see it at once (``plaza.square.pins``) and hot search pins it
on the covered cities' lists (or takes it off).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from plaza.accounts import policy
from plaza.clock import as_utc, utcnow
from plaza.errors import Conflict, Forbidden, HotSearchUnavailable, Invalid, NotFound
from plaza.help import cap, warnings
from plaza.help.cap import CHINA, Alert
from plaza.help.warnings import NewWarning
from plaza.instance import Plaza
from plaza.square import accounts, pins, posts, views
from plaza.square.posts import NewStatus, Published
from plaza.storage.ids import new_id

log = logging.getLogger("plaza.help")


@dataclass(frozen=True, slots=True)
class Issued:
    """A warning as an act left it (or as read): its row, the division codes it names, its post
    (when just written) and the username of its post's author."""

    row: Row[Any]
    codes: tuple[str, ...]
    post: Published | None = None
    username: str | None = None

    def as_json(self, base_url: str) -> dict[str, Any]:
        username = self.post.author.username if self.post is not None else self.username
        return warnings.as_json(self.row, self.codes, base_url, username=username)


def _now() -> datetime:
    return as_utc(utcnow()).astimezone(CHINA).replace(microsecond=0)


def _base(plaza: Plaza, base_url: str | None) -> str:
    return plaza.settings.base_url if base_url is None else base_url


def _require(actor: Any, codes: tuple[str, ...] | list[str]) -> None:
    if not policy.may_warn(actor, codes):
        raise Forbidden("warning_not_allowed")


def _author(plaza: Plaza, actor: Any, as_account: Row[Any] | None) -> Row[Any]:
    author = as_account if as_account is not None else actor
    if author is None or getattr(author, "id", None) is None:
        raise Invalid("warning_author_required")
    return accounts.check_active(author)


async def _after(plaza: Plaza, done: Issued, *, unpin: Row[Any] | None = None) -> None:
    """Once committed: this process's timelines drop their copy of the warnings in force; hot
    search pins the new warning and takes off the one it replaced or withdrew (Redis being away
    costs the lists' pins, never the warning)."""
    pins.forget(plaza.db)
    hot = plaza.hot

    def pin() -> None:
        if unpin is not None:
            hot.unpin_warning(str(unpin.id))
        if warnings.in_force(done.row, utcnow()):
            hot.pin_warning(warnings.pin_of(done.row, done.codes))

    try:
        await hot.io(pin)
    except HotSearchUnavailable:
        log.warning("warning %s is not pinned on the hot lists: hot search is unreachable", done.row.id)
    if done.post is not None:
        view = views.published(done.post.status, done.post.author, done.post.mentioned, done.post.topics,
                               done.post.media, plaza.settings.base_url)
        plaza.hot.posted(view, done.post.author)


def _admit(row: Row[Any] | None) -> None:
    accounts.check_active(row)


def _publish(plaza: Plaza, author: Row[Any], text: str, reply_to: int | None) -> Published:
    drafted = posts.draft(NewStatus(text=text, visibility="public", in_reply_to_id=reply_to),
                          plaza.settings.max_post_chars)
    done = posts.publish(plaza.db, author.id, drafted, admit=_admit)
    if not isinstance(done, Published):  # no Idempotency-Key: always a new post
        raise NotFound("status_not_found")
    return done


async def issue_warning(plaza: Plaza, actor: Any, new: NewWarning, *, as_account: Row[Any] | None = None,
                        base_url: str | None = None) -> Issued:
    """Issue (发布) a warning for ``new.areas``: 403 unless ``actor`` may warn there; the post is
    by ``as_account`` (the command line's operator names one) or the actor itself."""
    now = _now()
    warnings.check(new, now)
    _require(actor, new.areas)
    author = _author(plaza, actor, as_account)
    base = _base(plaza, base_url)
    db = plaza.db

    def job() -> Issued:
        warning_id = new_id()
        alert = warnings.build_alert(
            new, identifier=warnings.identifier_for(warning_id, base), sender=warnings.sender_for(author.username, base),
            sent=now, sender_name=author.agency or author.display_name,
            web=f"{base.rstrip('/')}/api/plaza/v1/warnings/{warning_id}.cap" if base.startswith("http") else None)
        return _write(plaza, author, alert, cap.to_xml(alert), list(new.areas), new.polygon, warning_id,
                      topic=new.topic, references=None, source="plaza", now=now)

    done = await db.batched(job)
    await _after(plaza, done)
    return done


def _write(plaza: Plaza, author: Row[Any] | None, alert: Alert, document: bytes, codes: list[str],
           polygon: Any, warning_id: int, *, topic: str | None, references: Row[Any] | None, source: str,
           now: datetime) -> Issued:
    """The warning's row, its areas and its post, in the caller's transaction (a batched job)."""
    info = warnings.chosen_info(alert)
    published = None
    with plaza.db.write() as conn:
        if author is not None and alert.status == "Actual":
            event = info.event if info is not None else (references.event if references is not None else "")
            expires = (info.expires if info is not None else None) or (
                references.expires if references is not None else now)
            text = warnings.post_text(
                event=event, headline=info.headline if info is not None else None,
                description=info.description if info is not None else None,
                instruction=info.instruction if info is not None else None,
                areas=warnings.area_description(codes) if codes else (
                    references.area_description if references is not None else ""),
                expires=expires, topic=topic, msg_type=alert.msg_type, locale=author.locale,
                max_chars=plaza.settings.max_post_chars)
            reply_to = references.status_id if references is not None else None
            published = _publish(plaza, author, text, reply_to)
        row = warnings.store(conn, warning_id=warning_id, alert=alert, info=info, document=document, codes=codes,
                             polygon=polygon, account_id=author.id if author is not None else None,
                             status_id=int(published.status.id) if published is not None else None,
                             source=source, references=references, now=now)
        stored = warnings.areas_of(conn, [warning_id]).get(warning_id, [])
    return Issued(row, tuple(stored), published)


async def update_warning(plaza: Plaza, actor: Any, warning_id: int, changes: Mapping[str, Any], *,
                         base_url: str | None = None) -> Issued:
    """Update (更新) a warning: a new message referencing it (raise or lower the level, change the
    areas, extend it) that replaces it in every pin. 409 when it was cancelled or has expired."""
    now = _now()
    base = _base(plaza, base_url)
    db = plaza.db

    def load() -> tuple[Row[Any], list[str]]:
        with db.read() as conn:
            old = warnings.current(conn, warnings.get(conn, warning_id))
            return old, warnings.areas_of(conn, [old.id]).get(old.id, [])

    old, old_codes = await plaza.read(load)
    _still_in_force(old, now)
    _require(actor, old_codes)
    new = warnings.new_warning(changes, warnings.as_new(old, old_codes))
    warnings.check(new, now)
    _require(actor, new.areas)
    author = _author(plaza, actor, None)

    def job() -> Issued:
        with db.write() as conn:
            fresh = warnings.get(conn, old.id)
            _still_in_force(fresh, now)
        new_warning_id = new_id()
        alert = warnings.build_alert(
            new, identifier=warnings.identifier_for(new_warning_id, base),
            sender=warnings.sender_for(author.username, base), sent=now,
            sender_name=author.agency or author.display_name, msg_type="Update",
            references=(warnings.reference_of(fresh),))
        return _write(plaza, author, alert, cap.to_xml(alert), list(new.areas), new.polygon, new_warning_id,
                      topic=new.topic, references=fresh, source="plaza", now=now)

    done = await db.batched(job)
    await _after(plaza, done, unpin=old)
    return done


def _still_in_force(row: Row[Any], now: datetime) -> None:
    if row.msg_type == "Cancel" or row.cancelled_at is not None:
        raise Conflict("warning_cancelled")
    if row.superseded_by is not None:
        raise Conflict("warning_superseded")
    if as_utc(row.expires) <= now:
        raise Conflict("warning_expired")


async def cancel_warning(plaza: Plaza, actor: Any, warning_id: int, *, note: str | None = None,
                         base_url: str | None = None) -> Issued:
    """Cancel (解除) a warning at once: a CAP Cancel referencing it, a post in its thread saying it
    is lifted; it leaves every timeline and hot list. 409 when it was cancelled already."""
    now = _now()
    base = _base(plaza, base_url)
    db = plaza.db
    if note is not None and len(note) > warnings.MAX_HEADLINE:
        raise Invalid("text_too_long", limit=warnings.MAX_HEADLINE, length=len(note))

    def load() -> tuple[Row[Any], list[str]]:
        with db.read() as conn:
            old = warnings.current(conn, warnings.get(conn, warning_id))
            return old, warnings.areas_of(conn, [old.id]).get(old.id, [])

    old, codes = await plaza.read(load)
    if old.msg_type == "Cancel" or old.cancelled_at is not None:
        raise Conflict("warning_cancelled")
    _require(actor, codes)
    author = _author(plaza, actor, None)

    def job() -> Issued:
        with db.write() as conn:
            fresh = warnings.get(conn, old.id)
        if fresh.cancelled_at is not None or fresh.superseded_by is not None:
            raise Conflict("warning_cancelled" if fresh.cancelled_at is not None else "warning_superseded")
        new_warning_id = new_id()
        alert = warnings.cancel_alert(fresh, identifier=warnings.identifier_for(new_warning_id, base),
                                      sender=warnings.sender_for(author.username, base), sent=now, note=note)
        return _write(plaza, author, alert, cap.to_xml(alert), codes, (), new_warning_id, topic=None,
                      references=fresh, source="plaza", now=now)

    done = await db.batched(job)
    await _after(plaza, done, unpin=old)
    return done


async def import_cap(plaza: Plaza, actor: Any, document: bytes, *, as_account: Row[Any] | None = None) -> Issued:
    """Import (导入) a CAP 1.2 document from another system: validated against the OASIS schema
    (422 with the schema's reason), its areas read as GB/T 2260 geocodes or polygons, 403 unless
    ``actor`` may warn there. An Alert is a new warning; an Update or a Cancel replaces or
    withdraws the warning it references when Plaza has it. Stored as received; posted by
    ``as_account`` (else the actor) when it is an actual warning."""
    alert = cap.parse(document)
    imported = warnings.read_import(alert)
    now = _now()
    db = plaza.db

    def load() -> tuple[Row[Any] | None, list[str]]:
        with db.read() as conn:
            found = warnings.referenced(conn, alert)
            if found is None:
                return None, []
            found = warnings.current(conn, found)
            return found, warnings.areas_of(conn, [found.id]).get(found.id, [])

    references, old_codes = await plaza.read(load)
    if references is None and alert.msg_type != "Alert" and imported.info is None:
        raise Invalid("warning_reference_unknown")
    codes = list(imported.codes) or old_codes
    _require(actor, codes)
    if references is not None:
        _require(actor, old_codes)
    author = _author(plaza, actor, as_account)

    def job() -> Issued:
        return _write(plaza, author, alert, bytes(document), codes, imported.polygon, new_id(), topic=None,
                      references=references if alert.msg_type != "Alert" else None, source="import", now=now)

    done = await db.batched(job)
    await _after(plaza, done, unpin=references if alert.msg_type != "Alert" else None)
    return done


async def list_warnings(plaza: Plaza, *, area: str | None = None, every: bool = False,
                        base_url: str | None = None) -> list[dict[str, Any]]:
    """The warnings in force (or every message, ``every``), newest first, as Plaza's API shows them."""
    base = _base(plaza, base_url)
    db = plaza.db
    now = utcnow()

    def load() -> list[dict[str, Any]]:
        with db.read() as conn:
            rows = warnings.listed(conn, now, area=area, every=every)
            codes = warnings.areas_of(conn, [r.id for r in rows])
            names = warnings.usernames(conn, rows)
        return [warnings.as_json(r, codes.get(r.id, []), base, now, names.get(r.account_id)) for r in rows]

    return await plaza.read(load)


async def read_warning(plaza: Plaza, warning_id: int) -> Issued:
    """A warning as stored, with the division codes it names (404 when there is none)."""
    db = plaza.db

    def load() -> Issued:
        with db.read() as conn:
            row = warnings.get(conn, warning_id)
            codes = warnings.areas_of(conn, [row.id]).get(row.id, [])
            return Issued(row, tuple(codes), None, warnings.usernames(conn, [row]).get(row.account_id))

    return await plaza.read(load)
