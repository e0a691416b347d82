"""Plaza's records rendered as Mastodon 4.x entities (Account, Status, MediaAttachment,
Notification, Relationship, Tag, Application), each with a ``plaza`` object for what Mastodon has
no field for: account kind, verified government details, region and city."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson
from markupsafe import escape
from sqlalchemy import Row

import plaza
from plaza import regions
from plaza.hot.engine import DayUse
from plaza.square import media, views
from plaza.square.follows import Relationship
from plaza.square.views import StatusView, topic_path

#: What ``/api/v1/instance`` reports: Mastodon clients parse the leading version number.
VERSION = f"4.3.0 (compatible; Plaza {plaza.__version__})"
API_VERSION = 2
#: Shipped by the web layer under ``plaza/web/static``.
DEFAULT_AVATAR = "/static/avatar.png"
DEFAULT_HEADER = "/static/header.png"


def iso(value: datetime | None) -> str | None:
    """Mastodon's timestamps: UTC with milliseconds, ``2022-08-26T08:00:00.000Z``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{value.microsecond // 1000:03d}Z")


def iso_midnight(value: datetime) -> str:
    """An account's ``created_at``: Mastodon rounds it to the day."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}T00:00:00.000Z"


def iso_day(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def domain(base_url: str) -> str:
    return urlsplit(base_url).netloc


@lru_cache(maxsize=4096)
def division_name(code: str | None) -> str | None:
    division = regions.lookup(code) if code else None
    return division.name if division is not None else None


@lru_cache(maxsize=4096)
def region(code: str | None) -> dict[str, Any] | None:
    """A division code as ``{code, province, city, county}`` names, or None."""
    place = regions.resolve(code) if code else None
    if place is None:
        return None
    return {"code": code, "province": place.province.name, "city": place.city.name,
            "county": place.county.name if place.county is not None else None}


def note_html(note: str) -> str:
    if not note:
        return ""
    paragraphs = [p for p in note.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{str(escape(p)).replace(chr(10), '<br />')}</p>" for p in paragraphs)


def account_plaza(row: Row[Any]) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "home_city": row.home_city,
        "home_city_name": division_name(row.home_city),
        "region": region(row.region_code),
        "agency": row.agency,
        "level": row.level,
        "department_type": row.department_type,
        "verified": row.verified_at is not None,
        "parent_id": str(row.parent_id) if row.parent_id is not None else None,
        "organisation_type": row.organisation_type,
    }


@lru_cache(maxsize=8192)
def _topic_url(base_url: str, name: str) -> str:
    return base_url + topic_path(name)


def tag(base_url: str, name: str, tag_id: int | None = None,
        history: list[dict[str, str]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "url": _topic_url(base_url, name), "history": history or [],
                           "following": False}
    if tag_id is not None:
        out["id"] = str(tag_id)
    return out


def tag_history(days: Iterable[DayUse]) -> list[dict[str, str]]:
    """Mastodon's ``Tag.history``: one entry per day, today first, every value a string (the day
    as the UNIX time it began, in Beijing time)."""
    return [{"day": str(d.day), "uses": str(d.uses), "accounts": str(d.accounts)} for d in days]


def relationship(rel: Relationship) -> dict[str, Any]:
    return {
        "id": str(rel.id), "following": rel.following, "showing_reblogs": rel.following,
        "notifying": False, "languages": None, "followed_by": rel.followed_by, "blocking": False,
        "blocked_by": False, "muting": False, "muting_notifications": False, "requested": False,
        "requested_by": False, "domain_blocking": False, "endorsed": False, "note": "",
    }


@lru_cache(maxsize=4096)
def account_entity(base: str, row: Row[Any]) -> dict[str, Any]:
    """An Account. Cached on the whole row, so a changed counter or profile renders afresh;
    callers must not mutate the result (it is shared)."""
    url = f"{base}/@{row.username}"
    avatar = _image(base, row.avatar, DEFAULT_AVATAR)
    header = _image(base, row.header, DEFAULT_HEADER)
    return {
        "id": str(row.id),
        "username": row.username,
        "acct": row.username,
        "display_name": row.display_name,
        "locked": False,
        "bot": bool(row.bot),
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": iso_midnight(row.created_at),
        "note": note_html(row.note),
        "url": url,
        "uri": url,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": row.followers_count,
        "following_count": row.following_count,
        "statuses_count": row.statuses_count,
        "last_status_at": iso_day(row.last_status_at),
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [],
        "plaza": account_plaza(row),
    }


def _image(base: str, value: str | None, default: str) -> str:
    if not value:
        return base + default
    if value.startswith(("http://", "https://")):
        return value
    if value.startswith("/"):
        return base + value
    return f"{base}/media/{value}"


def _size(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


#: Fixed parts of recently rendered statuses as JSON (an object left open, see
#: Renderer._status_fixed), oldest first (a plain dict keeps insertion order).
_fixed_statuses: dict[tuple[str, int], bytes] = {}
_FIXED_STATUSES_MAX = views.STATUS_CACHE


class Renderer:
    """Renders the entities of one response against the instance's base URL."""

    __slots__ = ("base",)

    def __init__(self, base_url: str) -> None:
        self.base = base_url

    def account(self, row: Row[Any]) -> dict[str, Any]:
        return account_entity(self.base, row)

    def credential_account(self, row: Row[Any]) -> dict[str, Any]:
        """``verify_credentials``: the account plus its editable ``source``."""
        out = dict(self.account(row))
        out["source"] = {
            "privacy": "public", "sensitive": False, "language": "en" if row.locale == "en" else "zh",
            "note": row.note or "", "fields": [], "follow_requests_count": 0,
            "hide_collections": False, "discoverable": True, "indexable": True,
        }
        out["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False}
        return out

    def media(self, row: Row[Any], visibility: str | None = None) -> dict[str, Any]:
        """A MediaAttachment, for a viewer entitled to see it: ``visibility`` is its post's (None
        for an upload not on a post yet); a followers-only or direct post's image, or an
        unattached upload, gets signed, expiring links (:func:`plaza.square.media.paths`)."""
        url, preview = media.paths(row, visibility)
        meta: dict[str, Any] = {}
        if row.width and row.height:
            original = _size(row.width, row.height)
            small = (_size(row.thumbnail_width, row.thumbnail_height)
                     if row.thumbnail_width and row.thumbnail_height else original)
            meta = {"original": original, "small": small}
        return {"id": str(row.id), "type": row.type, "url": self.base + url,
                "preview_url": self.base + preview, "remote_url": None, "preview_remote_url": None,
                "text_url": None, "meta": meta, "description": row.description, "blurhash": None}

    def status(self, view: StatusView, text: str | None = None) -> dict[str, Any]:
        """A Status as a dict, for an answer that adds to it (a deleted post's ``text``); every
        other answer embeds :meth:`status_json`."""
        out: dict[str, Any] = orjson.loads(self._status_bytes(view))
        if text is not None:
            out["text"] = text
        return out

    def status_json(self, view: StatusView) -> orjson.Fragment:
        """A Status, serialised (orjson embeds the fragment as it is in whatever holds it)."""
        return orjson.Fragment(self._status_bytes(view))

    def _status_bytes(self, view: StatusView) -> bytes:
        """The part that never changes once the post is written is serialised once per process
        (:meth:`_status_fixed`); counts, the viewer's marks, the author and the images are added
        per request."""
        s = view.status
        changing = orjson.dumps({
            "replies_count": s.replies_count,
            "reblogs_count": s.reblogs_count,
            "favourites_count": s.favourites_count,
            "favourited": view.favourited,
            "reblogged": view.reblogged,
            "reblog": self.status_json(view.reblog) if view.reblog is not None else None,
            "account": self.account(view.account),
            "media_attachments": [self.media(m, s.visibility) for m in view.media],
        })
        return self._status_fixed(view) + changing[1:]

    def _status_fixed(self, view: StatusView) -> bytes:
        """The part of a Status that never changes once the post is written (no edits in Plaza),
        as a JSON object left open for the changing fields (``{"id":"1",…,``): serialised once
        per process and shared, so a page of 20 costs 20 small serialisations and joins."""
        key = (self.base, view.status.id)
        fixed = _fixed_statuses.get(key)
        if fixed is not None:
            return fixed
        s = view.status
        url = f"{self.base}/@{view.account.username}/{s.id}"
        fields = {
            "id": str(s.id),
            "created_at": iso(s.created_at),
            "in_reply_to_id": str(s.in_reply_to_id) if s.in_reply_to_id is not None else None,
            "in_reply_to_account_id": (str(s.in_reply_to_account_id)
                                       if s.in_reply_to_account_id is not None else None),
            "sensitive": bool(s.sensitive),
            "spoiler_text": s.spoiler_text or "",
            "visibility": s.visibility,
            "language": s.language,
            "uri": url,
            "url": url,
            "edited_at": iso(s.edited_at),
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "content": view.html,
            "filtered": [],
            "application": None,
            "mentions": [{"id": str(m.id), "username": m.username, "url": f"{self.base}/@{m.username}",
                          "acct": m.username} for m in view.mentions],
            "tags": [tag(self.base, name) for name in view.topics],
            "emojis": [],
            "card": None,
            "poll": None,
            "plaza": {"city": s.city, "city_name": division_name(s.city),
                      "latitude": s.latitude, "longitude": s.longitude},
        }
        fixed = orjson.dumps(fields)[:-1] + b","
        _fixed_statuses[key] = fixed
        if len(_fixed_statuses) > _FIXED_STATUSES_MAX:
            _fixed_statuses.pop(next(iter(_fixed_statuses)))
        return fixed

    def notification(self, row: Row[Any], from_account: Row[Any],
                     status: orjson.Fragment | None) -> dict[str, Any]:
        # Mastodon has no "reply" type: a reply reaches a client as a mention.
        out = {"id": str(row.id), "type": "mention" if row.type == "reply" else row.type,
               "plaza_type": row.type, "created_at": iso(row.created_at),
               "group_key": f"ungrouped-{row.id}", "account": self.account(from_account)}
        if status is not None:
            out["status"] = status
        return out


def application(app: Any, *, client_id: str | None = None, client_secret: str | None = None
                ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(app.id), "name": app.name, "website": app.website,
        "scopes": sorted(app.scopes), "redirect_uris": list(app.redirect_uris),
        "redirect_uri": "\n".join(app.redirect_uris), "vapid_key": "",
    }
    if client_id is not None:
        out["client_id"] = client_id
    if client_secret is not None:
        out["client_secret"] = client_secret
        out["client_secret_expires_at"] = 0
    return out


def token(secret: str, scopes: frozenset[str], created_at: datetime | None = None) -> dict[str, Any]:
    moment = created_at or datetime.now(UTC)
    return {"access_token": secret, "token_type": "Bearer", "scope": " ".join(sorted(scopes)),
            "created_at": int(moment.timestamp())}
