"""Weibo data, read leniently: the JSON that weibo-crawler (github.com/dataabc/weibo-crawler)
writes — ``weibo/<name>/<uid>.json``: ``{"user": {...}, "weibo": [...]}``, a repost's original
in ``retweet`` — and Weibo's own status objects (``mid``, ``created_at`` like "Tue Feb 23
12:28:47 +0800 2021", ``user`` with ``verified_type``, ``retweeted_status``) as a JSON list, an
object with ``"statuses"``, or JSON Lines. The form is told per file.

A Weibo account becomes ``weibo_<uid>``, its display name its screen name; verified_type 1
(政府) makes a government account, 3 media, 2 and 4–7 organisations, anything else a citizen.
Counts may be written "1.2万" or "100万+". A record that cannot be read is skipped with where it
is (``file:line`` for JSON Lines, ``file: weibo N`` for a record of a list) and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from plaza.index.imports import profiles
from plaza.index.imports.records import (
    Account,
    BadRecord,
    Post,
    Skip,
    origin_key,
    parse_count,
    parse_time,
    plain_text,
    split_list,
)
from plaza.index.imports.writer import Item, Tick, bad
from plaza.square import text as square_text

ORIGIN = "weibo"
#: Files a directory is searched for (weibo-crawler also writes CSV and images beside them).
SUFFIXES = (".json", ".jsonl", ".ndjson")
_USERNAME_SAFE = re.compile(r"^[A-Za-z0-9_]{1,24}$")
#: Ticks of progress within a file, every so many records.
_TICK_EVERY = 1_000


def files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: each file named, and the JSON files under each directory named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                                and not p.name.startswith(".")))
        else:
            found.append(path)
    return found


def read(paths: Iterable[Path]) -> Iterator[Item]:
    """Every account, post, skip and note in the files, with ticks of progress (bytes)."""
    chosen = files(paths)
    sizes = [_size(p) for p in chosen]
    total = sum(sizes)
    done = 0
    for path, size in zip(chosen, sizes, strict=True):
        yield from _read_file(path, done, size, total)
        done += size
        yield Tick(done, total)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_file(path: Path, start: int, size: int, total: int) -> Iterator[Item]:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Skip(name, "unreadable_file", exc.strerror or str(exc))
        return
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        yield Skip(name, "unreadable_file", "empty")
        return
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if _looks_like_lines(raw):
            yield from _read_lines(name, raw, start, size, total)
        else:
            yield Skip(f"{name}:{exc.lineno}", "unreadable_file", f"not JSON: {exc.msg}")
        return
    yield from _read_document(name, doc, start, size, total)


def _looks_like_lines(raw: bytes) -> bool:
    """JSON Lines: the first non-empty line is a JSON object by itself."""
    for line in raw.splitlines():
        if line.strip():
            try:
                return isinstance(orjson.loads(line), dict)
            except orjson.JSONDecodeError:
                return False
    return False


def _read_lines(name: str, raw: bytes, start: int, size: int, total: int) -> Iterator[Item]:
    lines = raw.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Skip(where, "bad_json", exc.msg)
            continue
        if not isinstance(record, dict):
            yield Skip(where, "not_a_status", type(record).__name__)
            continue
        if "weibo" in record and "user" in record:  # a crawler document per line
            yield from _crawler_document(where, record)
        elif isinstance(record.get("user"), dict) or "mid" in record:
            yield from _status(where, record)
        else:
            yield from _crawler_weibo(where, record, None)
        if number % _TICK_EVERY == 0:
            yield Tick(start + size * number // len(lines), total)


def _read_document(name: str, doc: Any, start: int, size: int, total: int) -> Iterator[Item]:
    if isinstance(doc, dict) and ("weibo" in doc or "user" in doc and "statuses" not in doc):
        yield from _crawler_document(name, doc, start, size, total)
        return
    if isinstance(doc, dict) and isinstance(doc.get("statuses"), list):
        records: list[Any] = doc["statuses"]
    elif isinstance(doc, list):
        records = doc
    elif isinstance(doc, dict) and ("mid" in doc or isinstance(doc.get("user"), dict)):
        records = [doc]
    else:
        yield Skip(name, "unreadable_file", "neither weibo-crawler's {user, weibo} nor Weibo statuses")
        return
    for number, record in enumerate(records, start=1):
        where = f"{name}: record {number}"
        if not isinstance(record, dict):
            yield Skip(where, "not_a_status", type(record).__name__)
        elif "weibo" in record and "user" in record:
            yield from _crawler_document(where, record)
        elif isinstance(record.get("user"), dict) or "mid" in record:
            yield from _status(where, record)
        else:
            yield from _crawler_weibo(where, record, None)
        if number % _TICK_EVERY == 0:
            yield Tick(start + size * number // len(records), total)


# --- weibo-crawler -----------------------------------------------------------------------------


def _crawler_document(name: str, doc: dict[str, Any], start: int = 0, size: int = 0,
                      total: int = 0) -> list[Item]:
    # A list, not a generator: a document's items are made in one go (its JSON is read whole
    # anyway), and each item then passes one generator level fewer on its way to the writer.
    items: list[Item] = []
    author: Account | None = None
    user = doc.get("user")
    if isinstance(user, dict):
        try:
            author = account(user, name)
        except BadRecord as error:
            items.append(bad(f"{name}: user", error))
        else:
            items.append(author)
    weibos = doc.get("weibo") or []
    if not isinstance(weibos, list):
        items.append(Skip(f"{name}: weibo", "unreadable_file", "weibo is not a list"))
        return items
    for number, record in enumerate(weibos, start=1):
        where = f"{name}: weibo {number}"
        if not isinstance(record, dict):
            items.append(Skip(where, "not_a_status", type(record).__name__))
        else:
            items.extend(_crawler_weibo(where, record, author))
        if size and number % _TICK_EVERY == 0:
            items.append(Tick(start + size * number // len(weibos), total))
    return items


def _crawler_weibo(where: str, record: dict[str, Any], author: Account | None) -> list[Item]:
    key = record.get("id")
    if key is not None and key != "":
        where = f"{where} (id {str(key)[:40]})"
    items: list[Item] = []
    try:
        if author is None:  # a list of weibos without their user: each names its author
            if record.get("user_id") in (None, ""):
                raise BadRecord("no_author")
            author = _stub(record["user_id"], record.get("screen_name"), where)
            items.append(author)
        post = _crawler_post(record, author.origin_id, where)
        retweet = record.get("retweet")
        if retweet and isinstance(retweet, dict):
            if retweet.get("user_id") in (None, ""):
                raise BadRecord("original_author_unknown", str(retweet.get("id", ""))[:40])
            original_author = _stub(retweet["user_id"], retweet.get("screen_name"), where)
            try:
                original = _crawler_post(retweet, original_author.origin_id, f"{where} retweet")
            except BadRecord as error:
                raise BadRecord("bad_original", f"{error.reason} {error.detail}".strip()) from error
            if original_author.origin_id != author.origin_id:
                items.append(original_author)
            items.append(original)
            post.repost_of = original.origin_id
        items.append(post)
    except BadRecord as error:
        return [bad(where, error)]
    return items


_ABSENT = object()


def _crawler_post(record: dict[str, Any], account_id: str, where: str) -> Post:
    get = record.get
    origin_id = _id(get("id"))
    body = get("text")
    body = body if isinstance(body, str) else ""
    topics = get("topics", _ABSENT)
    topics = tuple(square_text.topics(body)) if topics is _ABSENT else split_list(topics)
    mentions = get("at_users", _ABSENT)
    mentions = tuple(square_text.mentions(body)) if mentions is _ABSENT else split_list(mentions)
    location = get("location")
    return Post(origin_id=origin_id, account=account_id, created_at=parse_time(get("created_at")),
                text=body, replies=parse_count(get("comments_count"), "comments_count"),
                reblogs=parse_count(get("reposts_count"), "reposts_count"),
                favourites=parse_count(get("attitudes_count"), "attitudes_count"),
                topics=topics, mentions=mentions, city=_city(location) if location else None, where=where)


# --- Weibo's status objects --------------------------------------------------------------------


def _status(where: str, record: dict[str, Any]) -> Iterator[Item]:
    key = record.get("mid") or record.get("idstr") or record.get("id")
    if key not in (None, ""):
        where = f"{where} (mid {str(key)[:40]})"
    try:
        user = record.get("user")
        if not isinstance(user, dict):
            raise BadRecord("no_author")
        author = account(user, where)
        post = _status_post(record, author.origin_id, where)
        items: list[Item] = [author]
        original = record.get("retweeted_status")
        if isinstance(original, dict) and original:
            original_user = original.get("user")
            if not isinstance(original_user, dict):  # deleted or hidden (此微博已被删除)
                raise BadRecord("original_author_unknown", str(original.get("mid") or original.get("id") or ""))
            try:
                original_author = account(original_user, where)
                original_post = _status_post(original, original_author.origin_id, f"{where} retweeted_status")
            except BadRecord as error:
                raise BadRecord("bad_original", f"{error.reason} {error.detail}".strip()) from error
            if original_author.origin_id != author.origin_id:
                items.append(original_author)
            items.append(original_post)
            post.repost_of = original_post.origin_id
        items.append(post)
    except BadRecord as error:
        yield bad(where, error)
        return
    yield from items


def _status_post(record: dict[str, Any], account_id: str, where: str) -> Post:
    origin_id = _id(record.get("mid") or record.get("idstr") or record.get("id"))
    long_text = record.get("longText")
    raw = long_text.get("longTextContent") if isinstance(long_text, dict) else None
    body = plain_text(raw or record.get("text") or "")
    region = record.get("region_name")
    place = region.replace("发布于", "").strip() if isinstance(region, str) else None
    return Post(origin_id=origin_id, account=account_id, created_at=parse_time(record.get("created_at")),
                text=body, replies=parse_count(record.get("comments_count"), "comments_count"),
                reblogs=parse_count(record.get("reposts_count"), "reposts_count"),
                favourites=parse_count(record.get("attitudes_count"), "attitudes_count"),
                reads=_reads(record), topics=tuple(square_text.topics(body)),
                mentions=tuple(square_text.mentions(body)), city=_city(place), where=where)


def _reads(record: dict[str, Any]) -> int | None:
    for key in ("reads_count", "read_count"):
        if record.get(key) not in (None, ""):
            return parse_count(record[key], key)
    return None


# --- accounts ----------------------------------------------------------------------------------


def _id(value: Any) -> str:
    if type(value) is int:  # as most are
        return origin_key(value)
    if value is None or isinstance(value, bool) or not str(value).strip():
        raise BadRecord("no_id")
    return origin_key(value)


def username_for(uid: str) -> str:
    return f"weibo_{uid}" if _USERNAME_SAFE.match(uid) else "weibo_" + origin_key("x" * 65 + uid)[5:21]


def _stub(uid: Any, screen_name: Any, where: str) -> Account:
    """An author known only by id and name (a repost's original): completed when its own
    profile is imported."""
    key = _id(uid)
    name = screen_name if isinstance(screen_name, str) and screen_name.strip() else username_for(key)
    return Account(origin_id=key, username=username_for(key), display_name=name, known=False, where=where)


def account(user: dict[str, Any], where: str) -> Account:
    """A Weibo user (weibo-crawler's ``user`` or a status's ``user``) as an account. A user object
    without ``verified``/``verified_type`` is taken for a name only."""
    key = _id(user.get("id") or user.get("idstr"))
    name = user.get("screen_name")
    name = name if isinstance(name, str) and name.strip() else username_for(key)
    if "verified_type" not in user and "verified" not in user:
        return _stub(key, name, where)
    try:
        verified_type = int(user.get("verified_type", -1))
    except (TypeError, ValueError):
        verified_type = -1
    kind = profiles.kind_of(verified_type, user.get("verified"))
    reason = _str(user.get("verified_reason"))
    location = _str(user.get("location"))
    profile, resolved = profiles.profile(kind, name, reason=reason, location=location)
    try:
        followers = parse_count(user.get("followers_count"), "followers_count")
    except BadRecord:
        followers = 0
    return Account(origin_id=key, username=username_for(key), display_name=name,
                   note=_str(user.get("description")), followers_count=followers, verified_type=verified_type,
                   profile=profile, unresolved_place=None if resolved else location, where=where)


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _city(location: Any) -> str | None:
    """The city a post was made in, from its location text ("重庆·解放碑"), when it resolves."""
    if not isinstance(location, str) or not location.strip():
        return None
    return profiles.home_city_of(profiles.place_of(location.replace("·", " ").strip()))

