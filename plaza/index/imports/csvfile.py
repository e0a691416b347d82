"""Posts from a CSV file (UTF-8, with or without a byte-order mark; a header row is required), one
post per row:

========================= ======================================================================
column                    meaning
========================= ======================================================================
``account`` (required)    the author's id in the data set (becomes ``csv_<account>``)
``display_name``          the author's name as shown (default: the account); the first row of
                          an account says who it is, later rows' account columns are not read
``kind``                  citizen (default), government, media or organisation
``region_code``           a 6-digit division code (GB/T 2260): a government account's region,
                          anyone's home city; 000000 for national bodies; empty: read from the
                          display name, else the import's default city
``post_id`` (required)    the post's id in the data set (re-importing finds it by this)
``created_at`` (required) ISO 8601 or "2026-11-03 08:15[:00]" (without an offset: Beijing time)
``text``                  the post's text (a repost's: the reposter's comment)
``reposts``               reposts counted by the source (转发)
``comments``              comments (评论)
``likes``                 likes (点赞)
``reads``                 reads (阅读数); empty when not known
``repost_of``             for a repost: the ``post_id`` of the original (in this or an earlier
                          import); empty for an original post
========================= ======================================================================

Counts may be written "1.2万". A government account's level comes from its division code and its
department type from its name (发布, 公安, 气象 …). An optional ``followers`` column sets the
account's followers. Unknown columns are ignored. A row that cannot be read is skipped with its
line number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from plaza import regions
from plaza.accounts.kinds import KINDS, NATIONAL_REGION
from plaza.index.imports import profiles
from plaza.index.imports.records import (
    Account,
    BadRecord,
    Post,
    origin_key,
    parse_count,
    parse_time,
)
from plaza.index.imports.writer import Item, Tick, bad
from plaza.square import text as square_text

ORIGIN = "csv"
COLUMNS = ("account", "display_name", "kind", "region_code", "post_id", "created_at", "text", "reposts",
           "comments", "likes", "reads", "repost_of")
REQUIRED = ("account", "post_id", "created_at")
_USERNAME_SAFE = re.compile(r"^[A-Za-z0-9_]{1,26}$")


class CsvError(Exception):
    """The file cannot be read as the import's CSV (not UTF-8, no header, required columns missing)."""


def username_for(account_id: str) -> str:
    return f"csv_{account_id}" if _USERNAME_SAFE.match(account_id) else "csv_" + origin_key("x" * 65 + account_id)[5:21]


def _account(row: dict[str, str], key: str, where: str) -> Account:
    name = (row.get("display_name") or "").strip() or key
    kind = (row.get("kind") or "citizen").strip().lower() or "citizen"
    if kind not in KINDS:
        raise BadRecord("bad_kind", kind)
    code = (row.get("region_code") or "").strip()
    if code and code != NATIONAL_REGION and not regions.is_place(code):
        raise BadRecord("bad_region", code)
    profile, resolved = profiles.profile(kind, name, region_code=code or None)
    try:
        followers = parse_count(row.get("followers"), "followers")
    except BadRecord:
        followers = 0
    return Account(origin_id=key, username=username_for(key), display_name=name, followers_count=followers,
                   profile=profile, unresolved_place=None if resolved else (code or name), where=where)


def read(path: Path) -> Iterator[Item]:
    """Every account and post of the file. Raises :class:`CsvError` when it is not such a CSV."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CsvError(exc.strerror or str(exc)) from exc
    total = path.stat().st_size or 1
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        for text in handle:
            consumed += len(text.encode("utf-8"))
            yield text

    with handle:
        try:
            reader = csv.reader(lines())
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CsvError(f"line 1: {exc}") from exc
        if not header:
            raise CsvError("empty file: a header row is required")
        names = [h.strip().lower() for h in header]
        lacking = [c for c in REQUIRED if c not in names]
        if lacking:
            raise CsvError(f"the header lacks {', '.join(lacking)} (columns: {', '.join(COLUMNS)})")
        accounts: set[str] = set()
        line = reader.line_num + 1
        rows = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                yield bad(f"{path}:{line}", BadRecord("bad_encoding", str(exc)))
                break  # the decoder cannot find the next line's start
            except csv.Error as exc:
                yield bad(f"{path}:{line}", BadRecord("bad_row", str(exc)))
                line = reader.line_num + 1
                continue
            where = f"{path}:{line}"
            line = reader.line_num + 1
            rows += 1
            if rows % 1_000 == 0:
                yield Tick(min(consumed, total), total)
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(names):
                yield bad(where, BadRecord("bad_row", f"{len(values)} fields, the header has {len(names)}"))
                continue
            row = dict(zip(names, values, strict=False))
            try:
                key = origin_key(row.get("account") or "")
                if not key:
                    raise BadRecord("no_author")
                if key not in accounts:
                    author = _account(row, key, where)
                    accounts.add(key)
                    yield author
                yield _post(row, key, where)
            except BadRecord as error:
                yield bad(where, error)
        yield Tick(total, total)


def _post(row: dict[str, str], account: str, where: str) -> Post:
    post_id = (row.get("post_id") or "").strip()
    if not post_id:
        raise BadRecord("no_id")
    body = row.get("text") or ""
    reads = (row.get("reads") or "").strip()
    repost_of = (row.get("repost_of") or "").strip()
    return Post(origin_id=origin_key(post_id), account=account, created_at=parse_time(row.get("created_at")),
                text=body, replies=parse_count(row.get("comments"), "comments"),
                reblogs=parse_count(row.get("reposts"), "reposts"), favourites=parse_count(row.get("likes"), "likes"),
                reads=parse_count(reads, "reads") if reads else None,
                topics=tuple(square_text.topics(body)), mentions=tuple(square_text.mentions(body)),
                repost_of=origin_key(repost_of) if repost_of else None, where=where)

