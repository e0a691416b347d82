"""A Mastodon account archive (设置 → 导入和导出 → 申请存档): ``actor.json`` (the ActivityPub
Person) and ``outbox.json`` (an OrderedCollection of ``Create`` activities holding ``Note``s and
``Announce``s, the boosts), as a directory or the ``.zip`` / ``.tar.gz`` Mastodon hands out.

The account becomes ``mastodon_<name>`` (a citizen, in the import's city unless told otherwise);
public and unlisted posts are imported with their hashtags, and replies to its own posts keep
their thread. Followers-only and direct posts are not (their readers are not here, and the
account cannot sign in to read them): each is a skip line. A boost is imported when the boosted
post is in the archive (a boost of one's own post); a boost of someone else's post is skipped —
the archive does not say who wrote it. Archives carry no counters: likes, boosts and replies are 0.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from plaza.index.imports.records import (
    Account,
    BadRecord,
    Post,
    Profile,
    Skip,
    origin_key,
    parse_time,
    plain_text,
)
from plaza.index.imports.writer import Item, Tick, bad
from plaza.square import text as square_text

ORIGIN = "mastodon"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_FORMS = {PUBLIC, "as:Public", "Public"}
_NAME = re.compile(r"[^A-Za-z0-9_]")
#: The biggest member read from an archive (outbox.json of a very busy account is ~100 MB).
MAX_MEMBER_BYTES = 512 * 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be read (not found, not a zip or tar.gz, no outbox.json)."""


def _members(path: Path) -> dict[str, bytes]:
    """actor.json and outbox.json from a directory, a .zip or a .tar.gz (wherever they sit in it)."""
    wanted = ("actor.json", "outbox.json")
    found: dict[str, bytes] = {}
    try:
        if path.is_dir():
            for name in wanted:
                hits = sorted(path.rglob(name), key=lambda p: len(p.parts))
                if hits:
                    found[name] = hits[0].read_bytes()
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for info in sorted(archive.infolist(), key=lambda i: i.filename.count("/")):
                    name = PurePosixPath(info.filename).name
                    if name in wanted and name not in found and not info.is_dir():
                        if info.file_size > MAX_MEMBER_BYTES:
                            raise ArchiveError(f"{info.filename} is larger than {MAX_MEMBER_BYTES} bytes")
                        found[name] = archive.read(info)
        elif tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                for member in sorted(archive.getmembers(), key=lambda m: m.name.count("/")):
                    name = PurePosixPath(member.name).name
                    if name in wanted and name not in found and member.isfile():
                        if member.size > MAX_MEMBER_BYTES:
                            raise ArchiveError(f"{member.name} is larger than {MAX_MEMBER_BYTES} bytes")
                        handle = archive.extractfile(member)
                        if handle is not None:
                            found[name] = handle.read()
        else:
            raise ArchiveError("not a directory, a .zip or a .tar.gz")
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        raise ArchiveError(str(exc)) from exc
    if "outbox.json" not in found:
        raise ArchiveError("no outbox.json in it")
    return found


def _load(name: str, raw: bytes) -> Any:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(f"{name}:{exc.lineno}: not JSON: {exc.msg}") from exc


def username_for(preferred: str, actor_id: str) -> str:
    """``mastodon_<name>`` when it fits (30 characters), else a short name with a hash."""
    name = _NAME.sub("_", preferred)[:30] or "account"
    wanted = f"mastodon_{name}"
    if len(wanted) <= 30:
        return wanted
    return f"m_{name[:19]}_{hashlib.sha1(actor_id.encode()).hexdigest()[:8]}"


def account(actor: dict[str, Any], where: str, home_city: str | None) -> Account:
    actor_id = actor.get("id")
    if not isinstance(actor_id, str) or not actor_id.strip():
        raise BadRecord("no_id")
    preferred = actor.get("preferredUsername")
    preferred = preferred if isinstance(preferred, str) and preferred else actor_id.rstrip("/").rsplit("/", 1)[-1]
    name = actor.get("name")
    display = name if isinstance(name, str) and name.strip() else preferred
    return Account(origin_id=origin_key(actor_id), username=username_for(preferred, actor_id), display_name=display,
                   note=plain_text(actor.get("summary") or "")[:500], followers_count=0,
                   profile=Profile(kind="citizen", home_city=home_city), where=where)


def _addressed(activity: dict[str, Any], note: dict[str, Any], key: str) -> set[str]:
    out: set[str] = set()
    for source in (activity, note):
        value = source.get(key)
        if isinstance(value, str):
            out.add(value)
        elif isinstance(value, list):
            out.update(v for v in value if isinstance(v, str))
    return out


def visibility(activity: dict[str, Any], note: dict[str, Any]) -> str:
    """public (to the Public collection), unlisted (cc it), else private or direct."""
    if _addressed(activity, note, "to") & _PUBLIC_FORMS:
        return "public"
    if _addressed(activity, note, "cc") & _PUBLIC_FORMS:
        return "unlisted"
    return "private"


def _note(note: dict[str, Any], author: str, where: str, seen: dict[str, str]) -> Post:
    note_id = note.get("id")
    if not isinstance(note_id, str) or not note_id.strip():
        raise BadRecord("no_id")
    created = parse_time(note.get("published"))
    content_map = note.get("contentMap")
    language = next(iter(content_map), None) if isinstance(content_map, dict) and content_map else None
    body = plain_text(note.get("content") or "")
    tag = note.get("tag")
    tags: list[Any] = tag if isinstance(tag, list) else []
    topics = tuple(dict.fromkeys(t["name"].lstrip("#") for t in tags if isinstance(t, dict)
                                 and t.get("type") == "Hashtag" and isinstance(t.get("name"), str)
                                 and t["name"].lstrip("#"))) or tuple(square_text.topics(body))
    refs = tuple(origin_key(t["href"]) for t in tags if isinstance(t, dict) and t.get("type") == "Mention"
                 and isinstance(t.get("href"), str))
    reply_to = note.get("inReplyTo")
    summary = note.get("summary")
    return Post(origin_id=origin_key(note_id), account=author, created_at=created, text=body,
                topics=topics, mention_refs=refs, language=(language or "")[:10] or None,
                spoiler_text=summary if isinstance(summary, str) else "",
                reply_to=seen.get(reply_to) if isinstance(reply_to, str) else None, where=where)


def read(path: Path, *, home_city: str | None = None) -> Iterator[Item]:
    """The account and its posts. Raises :class:`ArchiveError` when the archive cannot be read."""
    members = _members(path)
    outbox = _load("outbox.json", members["outbox.json"])
    actor = _load("actor.json", members["actor.json"]) if "actor.json" in members else None
    items = outbox.get("orderedItems") if isinstance(outbox, dict) else None
    if not isinstance(items, list):
        raise ArchiveError("outbox.json has no orderedItems")
    if not isinstance(actor, dict):
        actor_id = next((a.get("actor") for a in items if isinstance(a, dict) and isinstance(a.get("actor"), str)), None)
        if actor_id is None:
            raise ArchiveError("no actor.json, and no activity names its actor")
        actor = {"id": actor_id}
    try:
        author = account(actor, f"{path}: actor.json", home_city)
    except BadRecord as exc:
        raise ArchiveError("actor.json has no id") from exc
    yield author
    seen: dict[str, str] = {}  # a Note's id (URI) → its origin id, for replies and boosts
    total = len(items)
    for number, activity in enumerate(items, start=1):
        where = f"{path}: outbox item {number}"
        if number % 1_000 == 0:
            yield Tick(number, total)
        if not isinstance(activity, dict):
            yield Skip(where, "not_a_status", type(activity).__name__)
            continue
        kind = activity.get("type")
        obj = activity.get("object")
        try:
            if kind == "Create" and isinstance(obj, dict) and obj.get("type") in ("Note", "Question", "Article"):
                shown = visibility(activity, obj)
                if shown not in ("public", "unlisted"):
                    yield Skip(f"{where} ({obj.get('id', '')})", "not_public", shown)
                    continue
                post = _note(obj, author.origin_id, f"{where} ({obj.get('id', '')})", seen)
                post.visibility = shown
                seen[str(obj["id"])] = post.origin_id
                yield post
            elif kind == "Announce":
                target = obj.get("id") if isinstance(obj, dict) else obj
                if not isinstance(target, str) or target not in seen:
                    yield Skip(f"{where} ({target})", "original_author_unknown", str(target)[:200])
                    continue
                shown = visibility(activity, {})
                if shown not in ("public", "unlisted"):
                    yield Skip(where, "not_public", shown)
                    continue
                activity_id = activity.get("id")
                if not isinstance(activity_id, str) or not activity_id:
                    raise BadRecord("no_id")
                yield Post(origin_id=origin_key(activity_id), account=author.origin_id,
                           created_at=parse_time(activity.get("published")), text="", visibility=shown,
                           language=None, repost_of=seen[target], where=where)
            else:
                yield Skip(where, "not_a_status", str(kind))
        except BadRecord as error:
            yield bad(where, error)
    yield Tick(total, total)
