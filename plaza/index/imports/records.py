"""What every importer hands the writer — an account, a post, a skipped record, a note — and the
lenient readings of what sources write: counts ("1.2万"), times ("Tue Feb 23 12:28:47 +0800
2021", "2021-02-23 12:28"), HTML to plain text. Pure: no database, no files."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

#: Where an import comes from (``imported_accounts.origin``).
ORIGINS = ("weibo", "mastodon", "csv")
#: Times without an offset are Beijing time (UTC+8), as Weibo and Chinese data sets write them.
BEIJING = timezone(timedelta(hours=8))
#: The counters' columns are 32-bit on PostgreSQL.
MAX_COUNT = 2**31 - 1
#: Characters of an origin id (``imported_*.origin_id``); longer ids (URLs) are stored hashed.
MAX_ORIGIN_ID = 64


@dataclass(slots=True)
class Profile:
    """What an account is, as far as its source tells (see :mod:`.profiles`)."""

    kind: str = "citizen"
    home_city: str | None = None  # None: not resolved, the import's default city is used
    region_code: str | None = None  # government accounts
    level: str | None = None
    department_type: str | None = None
    agency: str | None = None


@dataclass(slots=True)
class Account:
    """An account of the source. ``known`` False: only its id and name are known (an author seen
    through a repost); it is created as a citizen and completed when its own profile comes."""

    origin_id: str
    username: str  # wanted; another is chosen when taken (weibo_<uid>, mastodon_<name>, csv_<id>)
    display_name: str
    known: bool = True
    note: str = ""
    followers_count: int = 0
    verified_type: int | None = None
    profile: Profile = field(default_factory=Profile)
    #: the place text that did not resolve (reported; the home city is the default)
    unresolved_place: str | None = None
    where: str = ""


@dataclass(slots=True)
class Post:
    """A post of the source, checked: its time is UTC, its counts are not negative."""

    origin_id: str
    account: str  # the author's origin id
    created_at: datetime
    text: str
    replies: int = 0
    reblogs: int = 0
    favourites: int = 0
    reads: int | None = None
    topics: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # names, resolved by username or display name
    mention_refs: tuple[str, ...] = ()  # origin ids of accounts of the same origin (Mastodon)
    city: str | None = None  # where it was posted, when the source says; else the author's city
    visibility: str = "public"
    language: str | None = "zh"
    spoiler_text: str = ""
    repost_of: str | None = None  # the original's origin id
    reply_to: str | None = None  # the parent's origin id (linked when imported too)
    where: str = ""


@dataclass(frozen=True, slots=True)
class Skip:
    """A record not imported: where it is (file and line, or record number) and why (a message
    key of the command line, with its parameters)."""

    where: str
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    """Something imported that a person may want to check (an unresolved place, a renamed
    display name)."""

    where: str
    reason: str
    detail: str = ""


class BadRecord(ValueError):
    """A record that cannot be imported: ``reason`` is the skip's key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


def origin_key(value: Any) -> str:
    """An origin id as stored: the text itself, or a hash when longer than the column."""
    text = str(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = text.strip()
    if len(text) <= MAX_ORIGIN_ID:
        return text
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()


# --- counts ------------------------------------------------------------------------------------

_UNITS = {"万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000, "k": 1_000, "K": 1_000}
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([万亿wWkK]?)\s*\+?$")


def parse_count(value: Any, name: str = "count") -> int:
    """A count as sources write it: 12, "12", "1,234", "1.2万" (12,000), "100万+" (1,000,000),
    "3亿"; missing or empty is 0. Negative or unreadable counts raise :class:`BadRecord`."""
    if type(value) is int and value >= 0:  # as most are
        return value if value <= MAX_COUNT else MAX_COUNT
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise BadRecord("bad_count", f"{name}={value!r}")
    if isinstance(value, int):
        if value < 0:
            raise BadRecord("bad_count", f"{name}={value}")
        return min(value, MAX_COUNT)
    if isinstance(value, float):
        if value < 0 or value != value:
            raise BadRecord("bad_count", f"{name}={value}")
        return min(int(value), MAX_COUNT)
    if isinstance(value, str):
        known = _COUNTS_READ.get(value)
        if known is not None:
            return known
        if len(_COUNTS_READ) >= 10_000:
            _COUNTS_READ.clear()
        _COUNTS_READ[value] = count = _parse_count_text(value, name)
        return count
    raise BadRecord("bad_count", f"{name}={value!r}")


#: Counts written as text, as read ("1.2万" and its like recur all through a crawl).
_COUNTS_READ: dict[str, int] = {}


def _parse_count_text(value: str, name: str) -> int:
    text = value.strip().replace(",", "").replace("，", "")
    if text.isdigit():
        return min(int(text), MAX_COUNT)
    match = _COUNT.match(text)
    if match is not None:
        number, unit = match.groups()
        return min(int(float(number) * _UNITS.get(unit, 1)), MAX_COUNT)
    raise BadRecord("bad_count", f"{name}={value!r}")


# --- times -------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                       "Oct", "Nov", "Dec"), start=1)}
#: Earliest and latest years taken as a post's time (ids hold milliseconds since 1970).
_YEARS = (2000, 2100)


def parse_time(value: Any) -> datetime:
    """A post's time as UTC: ISO 8601 and "2021-02-23 12:28[:47]" (without an offset: Beijing
    time), a date alone (its start, Beijing time), or Weibo's API form "Tue Feb 23 12:28:47
    +0800 2021". Anything else (Weibo's relative "3分钟前") raises :class:`BadRecord`."""
    if type(value) is str and len(value) == 19 and value[10] == " " and value[4] == "-":
        # "2021-02-23 12:28:47", Beijing time, as weibo-crawler writes every post's
        try:
            beijing = datetime.fromisoformat(value + "+08:00").astimezone(UTC)
        except ValueError:
            pass
        else:
            if _YEARS[0] <= beijing.year < _YEARS[1]:
                return beijing
    if not isinstance(value, str) or not value.strip():
        raise BadRecord("bad_date", repr(value))
    text = value.strip()
    at: datetime | None = None
    if text[:1].isdigit():
        try:
            at = datetime.fromisoformat(text if "/" not in text and "Z" not in text
                                        else text.replace("/", "-").replace("Z", "+00:00"))
        except ValueError:
            at = None
    else:
        parts = text.split()
        if len(parts) == 6 and parts[1] in _MONTHS:  # Tue Feb 23 12:28:47 +0800 2021
            try:
                hour, minute, second = (int(p) for p in parts[3].split(":"))
                offset = parts[4]
                sign = -1 if offset[0] == "-" else 1
                zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
                at = datetime(int(parts[5]), _MONTHS[parts[1]], int(parts[2]), hour, minute, second, tzinfo=zone)
            except (ValueError, IndexError, TypeError):
                at = None
    if at is None:
        raise BadRecord("bad_date", text[:40])
    if at.tzinfo is None:
        at = at.replace(tzinfo=BEIJING)
    at = at.astimezone(UTC)
    if not _YEARS[0] <= at.year < _YEARS[1]:
        raise BadRecord("bad_date", text[:40])
    return at


# --- text --------------------------------------------------------------------------------------


class _Text(HTMLParser):
    """The words of an HTML fragment: paragraphs and ``<br>`` become line breaks, an image its
    ``alt`` (Weibo writes emoji as ``<img alt="[doge]">``), every other tag goes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(value: Any) -> str:
    """A post's text without markup (sources write HTML: Weibo's API, Mastodon's archive)."""
    if not isinstance(value, str):
        return ""
    if "<" not in value:
        return html.unescape(value) if "&" in value else value
    parser = _Text()
    parser.feed(value)
    parser.close()
    return "".join(parser.parts).strip()


def split_list(value: Any) -> tuple[str, ...]:
    """weibo-crawler's comma-separated lists ("重庆山火,一起守护这座城"), or a JSON list."""
    if not value:
        return ()
    if type(value) is str and "," not in value:  # one item, as most are
        one = value.strip().strip("#@")
        return (one,) if one else ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(dict.fromkeys(s for s in (str(i).strip().strip("#@") for i in items) if s))
