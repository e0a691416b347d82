"""Post text: find links, topics (``#重庆山火#`` and ``#tag``) and mentions (``@重庆发布``), and
render a post as safe, Mastodon-shaped HTML. Pure functions, no I/O, never raise on any text."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MAX_MENTION_LENGTH",
    "MAX_TOPIC_LENGTH",
    "Span",
    "SpanKind",
    "mentions",
    "parse",
    "render_html",
    "topic_key",
    "topics",
]

SpanKind = Literal["topic", "mention", "link"]

MAX_TOPIC_LENGTH = 64  # characters inside a Weibo-style topic (also caps a Mastodon-style #tag)
MAX_MENTION_LENGTH = 30


@dataclass(frozen=True, slots=True)
class Span:
    """One token of a post: ``text[start:end]`` is the raw token exactly as written.

    ``value`` is the topic name without its hashes, the mention name without ``@``, or the URL.
    """

    kind: SpanKind
    start: int
    end: int
    value: str


# --- character classes --------------------------------------------------------------------------
# Written as functions over unicodedata rather than regex classes so that the rules are the same
# for every code point, including lone surrogates, unassigned code points and combining marks.

_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# A Mastodon-style tag glued to a word, a path ("/page#anchor") or an HTML entity ("&#123;") is
# not a tag.
_NO_HASHTAG_AFTER = _ASCII_WORD | {"/", "&"}
# "user@example.com" and "a.@b" are addresses, not mentions.
_NO_MENTION_AFTER = _ASCII_WORD | {"."}

# Ranges of CJK scripts, symbols and full-width forms: a link stops at the first of these, because
# Chinese text runs straight into URLs without a space ("详见https://x.cn/a。谢谢").
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x2FF0, 0x303F),  # ideographic description, CJK symbols and punctuation (、。《》「」 …)
    (0x3040, 0x33FF),  # kana, Bopomofo, Hangul compatibility, enclosed CJK, CJK compatibility
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms (，！？；：） …)
    (0x20000, 0x3FFFF),  # supplementary and tertiary ideographic planes
)

# Stripped from the end of a link: sentence punctuation that almost never ends a real URL.
_LINK_TRAILING = frozenset(".,;:!?)]}'，。！？；：、）》」")
# A closing bracket is kept when the URL holds its opening partner ("…/Foo_(bar)").
_LINK_BRACKETS = {")": "(", "]": "[", "}": "{"}

# ASCII-only case folding: under Unicode rules "httpſ://" (long s) would match too.
_LINK_START = re.compile(r"(?<![A-Za-z0-9])https?://", re.IGNORECASE | re.ASCII)
_TRIGGER = re.compile(r"[#@]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WHITESPACE_RUN = re.compile(r"\s+")


# Printable ASCII other than <>": the common case, answered without unicodedata.
_ASCII_URL_CHARS = frozenset(chr(cp) for cp in range(0x21, 0x7F)) - set('<>"')


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return cp >= _CJK_RANGES[0][0] and any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_url_char(ch: str) -> bool:
    if ch in _ASCII_URL_CHARS:
        return True
    # Control, format (zero-width, bidi) and surrogate code points are invisible or invalid in a
    # URL; treating them as terminators keeps spoofing characters out of hrefs.
    if ch.isspace() or ch in '<>"' or _is_cjk(ch):
        return False
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs")


def _is_word_char(ch: str) -> bool:
    # Letters (CJK included), combining marks (so "café" in NFD or Hindi words stay whole), decimal
    # digits and "_": Mastodon's [[:word:]].
    category = unicodedata.category(ch)
    return category[0] in "LM" or category == "Nd" or ch == "_"


def _is_name_char(ch: str) -> bool:
    return _is_word_char(ch) or ch == "-"


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "L"


def _is_letter_or_digit(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] == "L" or category == "Nd"


def _breaks_topic(ch: str) -> bool:
    # Cc covers \n, \r, \t, \x1c-\x1f and \x85; U+2028/U+2029 are the remaining line breaks.
    return ch in "\u2028\u2029" or unicodedata.category(ch) == "Cc"


# --- parsing -----------------------------------------------------------------------------------


def _links(text: str) -> list[Span]:
    spans: list[Span] = []
    pos = 0
    while (match := _LINK_START.search(text, pos)) is not None:
        start, body = match.start(), match.end()
        end = body
        while end < len(text) and _is_url_char(text[end]):
            end += 1
        end = _trim_link(text, start, end)
        if end > body:  # "https://" alone, or followed only by punctuation, is not a link
            spans.append(Span("link", start, end, text[start:end]))
            pos = end
        else:
            pos = body
    return spans


def _trim_link(text: str, start: int, end: int) -> int:
    """Drop trailing sentence punctuation from the link text[start:end]; return the new end."""
    # Counted once and updated while trimming, so a URL ending in many ")" stays linear.
    opened = {o: text.count(o, start, end) for o in _LINK_BRACKETS.values()}
    closed = {c: text.count(c, start, end) for c in _LINK_BRACKETS}
    while end > start:
        ch = text[end - 1]
        if ch not in _LINK_TRAILING:
            break
        opening = _LINK_BRACKETS.get(ch)
        if opening is not None:
            if opened[opening] >= closed[ch]:
                break  # this bracket closes one opened inside the URL
            closed[ch] -= 1
        end -= 1
    return end


def _weibo_topic(text: str, start: int, limit: int) -> Span | None:
    # The inner text cannot hold "#", so only the very next "#" can close the topic; searching a
    # bounded window keeps long texts linear.
    close = text.find("#", start + 1, min(limit, start + MAX_TOPIC_LENGTH + 2))
    if close == -1:
        return None
    inner = text[start + 1 : close]
    if not inner or inner[0].isspace() or inner[-1].isspace():
        return None
    if any(_breaks_topic(ch) for ch in inner):
        return None
    return Span("topic", start, close + 1, inner)


def _hashtag(text: str, start: int, limit: int) -> Span | None:
    if start > 0 and text[start - 1] in _NO_HASHTAG_AFTER:
        return None
    end = start + 1
    # Scan one past the limit only: that is enough to know the tag is too long.
    stop = min(limit, start + MAX_TOPIC_LENGTH + 2)
    while end < stop and _is_word_char(text[end]):
        end += 1
    name = text[start + 1 : end]
    # "#123" is an issue number, not a tag (Mastodon requires a letter); an over-long run is noise.
    if not name or len(name) > MAX_TOPIC_LENGTH or not any(_is_letter(ch) for ch in name):
        return None
    return Span("topic", start, end, name)


def _mention(text: str, start: int, limit: int) -> Span | None:
    if start > 0 and text[start - 1] in _NO_MENTION_AFTER:
        return None
    end = start + 1
    # Scan one past the limit only: that is enough to know the name is too long.
    stop = min(limit, start + MAX_MENTION_LENGTH + 2)
    while end < stop and _is_name_char(text[end]):
        end += 1
    name = text[start + 1 : end]
    if not name or len(name) > MAX_MENTION_LENGTH:
        return None
    # "@_@" and "@-" are emoticons and dashes, not people.
    if not any(_is_letter_or_digit(ch) for ch in name):
        return None
    return Span("mention", start, end, name)


def _scan(text: str, lo: int, hi: int, out: list[Span]) -> None:
    """Find topics and mentions in text[lo:hi], a stretch with no link in it."""
    pos = lo
    while (match := _TRIGGER.search(text, pos, hi)) is not None:
        at = match.start()
        span: Span | None
        if text[at] == "#":
            # A valid Weibo reading wins over a Mastodon one: "#a b#" is one topic, not "#a".
            span = _weibo_topic(text, at, hi) or _hashtag(text, at, hi)
        else:
            span = _mention(text, at, hi)
        if span is None:
            pos = at + 1
        else:
            out.append(span)
            pos = span.end


def parse(text: str) -> list[Span]:
    """All links, topics and mentions of ``text``, sorted by start and non-overlapping."""
    spans: list[Span] = []
    pos = 0
    # Links first: "#" and "@" are ordinary URL characters ("…/page#top", "…/@user"), so a topic
    # or mention never starts, or runs, inside a link.
    for link in _links(text):
        _scan(text, pos, link.start, spans)
        spans.append(link)
        pos = link.end
    _scan(text, pos, len(text), spans)
    return spans


def topic_key(name: str) -> str:
    """Normalised key for storing and looking up a topic: ``#ＰＹＴＨＯＮ#`` and ``#python`` meet.

    NFKC, casefold, NFKC again (casefolding can leave a string un-normalised, and the key must be
    stable: ``topic_key(topic_key(x)) == topic_key(x)``), whitespace runs collapsed to one space,
    stripped.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def _distinct(names: Iterable[str], key: Callable[[str], str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for name in names:
        k = key(name)
        if k not in seen:
            seen.add(k)
            result.append(name)
    return result


def topics(text: str) -> list[str]:
    """Distinct topic names as first written, in order of appearance (deduplicated by topic_key)."""
    return _distinct((s.value for s in parse(text) if s.kind == "topic"), topic_key)


def mentions(text: str) -> list[str]:
    """Distinct mention names in order of appearance (exact match: names are identities)."""
    return _distinct((s.value for s in parse(text) if s.kind == "mention"), lambda name: name)


# --- rendering ---------------------------------------------------------------------------------

_LINK_REL = "nofollow noopener noreferrer"


def _escape(s: str) -> str:
    return html.escape(s, quote=True)


def _plain_html(s: str) -> str:
    # Escape first: the <br /> we add must not be escaped, and no input "<" may survive.
    return _LINE_BREAK.sub("<br />", _escape(s))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: text between whitespace runs holding two or more line
    breaks (a blank line), with leading and trailing whitespace left out, empty ones dropped."""
    bounds: list[tuple[int, int]] = []
    pos = 0
    for run in _WHITESPACE_RUN.finditer(text):
        if len(_LINE_BREAK.findall(run.group())) >= 2:
            bounds.append((pos, run.start()))
            pos = run.end()
    bounds.append((pos, len(text)))
    result: list[tuple[int, int]] = []
    for start, end in bounds:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            result.append((start, end))
    return result


def _usable(text: str, spans: Iterable[Span]) -> list[Span]:
    """Spans given by a caller that really fit ``text``; anything else renders as plain text.

    A span is kept only if its raw token parses, on its own, back to exactly that span, and it does
    not overlap an earlier one. This keeps stale or hand-made spans from breaking the markup.
    """
    result: list[Span] = []
    end = 0
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if not (end <= span.start < span.end <= len(text)):
            continue
        raw = text[span.start : span.end]
        if parse(raw) != [Span(span.kind, 0, len(raw), span.value)]:
            continue
        result.append(span)
        end = span.end
    return result


def _span_html(
    text: str,
    span: Span,
    mention_url: Callable[[str], str | None],
    topic_url: Callable[[str], str],
) -> str:
    raw = text[span.start : span.end]
    if span.kind == "link":
        return (
            f'<a href="{_escape(span.value)}" rel="{_LINK_REL}" target="_blank">{_escape(raw)}</a>'
        )
    if span.kind == "mention":
        url = mention_url(span.value)
        if not url:  # unknown account: leave the text as the author wrote it
            return _escape(raw)
        return (
            f'<span class="h-card"><a href="{_escape(url)}" class="u-url mention">'
            f"@<span>{_escape(span.value)}</span></a></span>"
        )
    closing = "#" if raw.endswith("#") else ""  # Weibo style keeps its closing hash
    return (
        f'<a href="{_escape(topic_url(span.value))}" class="mention hashtag" rel="tag">'
        f"#<span>{_escape(span.value)}</span>{closing}</a>"
    )


def render_html(
    text: str,
    spans: list[Span] | None = None,
    *,
    mention_url: Callable[[str], str | None],
    topic_url: Callable[[str], str],
) -> str:
    """Render a post as Mastodon-shaped HTML.

    Paragraphs (split on blank lines, i.e. whitespace holding two or more line breaks) become
    ``<p>…</p>`` with their leading and trailing whitespace dropped; a single line break (``\\n``,
    ``\\r\\n`` or ``\\r``) becomes ``<br />``; all text is HTML-escaped. A text with no
    non-whitespace character renders as ``""``.

    ``spans`` defaults to ``parse(text)``; spans that do not fit ``text`` are rendered as plain
    text. ``mention_url(name)`` returns the profile URL, or None (or "") for an unknown name,
    which then stays plain text. ``topic_url(name)`` gets the topic name as written; apply
    :func:`topic_key` there if the URL should be canonical.
    """
    chosen = parse(text) if spans is None else _usable(text, spans)
    out: list[str] = []
    index = 0
    for start, end in _paragraphs(text):
        parts: list[str] = []
        pos = start
        # Spans never hold a line break nor begin or end with whitespace, so each lies wholly
        # inside one paragraph; anything else would have been dropped by _usable.
        while index < len(chosen) and chosen[index].start < start:
            index += 1
        while index < len(chosen) and chosen[index].end <= end:
            span = chosen[index]
            parts.append(_plain_html(text[pos : span.start]))
            parts.append(_span_html(text, span, mention_url, topic_url))
            pos = span.end
            index += 1
        parts.append(_plain_html(text[pos:end]))
        out.append("<p>" + "".join(parts) + "</p>")
    return "".join(out)
