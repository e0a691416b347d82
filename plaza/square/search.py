"""Chinese full-text search over posts, accounts and topics.

Posts
-----
A post is turned into *tokens* in Python, once, when it is written (:func:`index_status`), and the
tokens are stored space-separated in ``search_documents.tokens``. Both engines only ever split that
string on spaces, so what a search means is decided here, identically for both:

* SQLite: the FTS5 table ``search_fts`` (external content over ``search_documents``, kept in sync
  by triggers). Its ``unicode61`` tokenizer is configured so that every character a token may hold
  is a token character: it splits on the spaces only.
* PostgreSQL: the generated column ``search_documents.lexemes`` =
  ``array_to_tsvector(array_remove(string_to_array(tokens, ' '), ''))`` with a GIN index: the
  lexemes are exactly our tokens. (``to_tsvector('simple', tokens)`` would run PostgreSQL's own
  word parser over them again, whose idea of a word — hosts, numbers, letters per ``lc_ctype`` —
  is not FTS5's; not parsing keeps the two engines identical.)

Both are created by migration 0002.

Tokens: the text is NFKC-normalised and case-folded; runs of Chinese characters are segmented by
jieba (documents with ``cut_for_search``, the fine-grained mode: 重庆蓝天救援队 → 重庆 蓝天 救援
救援队 蓝天救援队; queries with the precise ``cut``); runs of other letters, marks and digits
(Latin, Cyrillic, …) are one token each (``COVID-19`` → ``covid`` ``19``); punctuation, symbols
and emoji are dropped. A post's topics and mentions also give one whole token each
(``#重庆山火#`` → ``重庆山火``, ``@重庆发布`` → ``重庆发布``).

A query matches a post when **every** query token is one of the post's tokens (AND, any order,
whole tokens only: 和尚 does not match 结婚的和尚未结婚的, ``chong`` does not match ``chongqing``).
A ``#topic#`` or ``@name`` in a query asks for that whole topic or name. Results are public
original posts (no reposts, nothing unlisted, followers-only or direct), **newest first**: on a
microblog recency is what people want from a word search, and it lets the engines read matches
off the index in id order and stop after one page instead of scoring every match.

Changing the segmentation (``FIELD_TERMS``, jieba's version, the rules below) changes the tokens of
new posts only; older posts keep theirs until they are indexed again.

Accounts and topics are small tables: they are matched with ``LIKE`` on their normalised keys.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from math import log
from typing import Any

import jieba
import marisa_trie
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    case,
    cast,
    column,
    delete,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from plaza.square import text as post_text
from plaza.square.accounts import display_name_key
from plaza.square.pagination import MAX_LIMIT
from plaza.square.text import Span
from plaza.square.topics import publicly_used
from plaza.square.visibility import LISTED, suspended_ids
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.schema import accounts, search_documents, statuses, topics

__all__ = [
    "FIELD_TERMS",
    "index_status",
    "query_tokens",
    "remove_status",
    "search_accounts",
    "search_statuses",
    "search_topics",
    "segment",
    "warm_up",
]

#: Words of the square that jieba's general dictionary would split; each segments as one word
#: (cut_for_search still adds the words inside them: 蓝天救援队 → 蓝天, 救援, 救援队, 蓝天救援队).
FIELD_TERMS: tuple[str, ...] = (
    "政务微博", "政务号", "城市服务台", "热搜", "同城", "转办", "办结", "回访", "留言板",
    "救援队", "蓝天救援队", "救援队员", "山火", "防汛", "抗洪", "台风", "暴雨", "丁真",
    "文旅局", "应急管理局", "网信办", "共青团中央",
)

#: jieba frequency given to each field term (at least): enough to win in context (丁真的世界 → 丁真 的
#: 世界, not 丁 真的 世界) without stealing from common words (不同城市 stays 不同 城市).
FIELD_TERM_FREQUENCY = 3000
#: Longer tokens are cut to this many characters (documents and queries alike, so they still meet).
MAX_TOKEN_LENGTH = 64
#: Query tokens beyond this many are ignored (each one narrows the result; this bounds the work).
MAX_QUERY_TOKENS = 16
#: The FTS5 table of migration 0002 (SQLite).
FTS_TABLE = "search_fts"
#: The generated tsvector column of migration 0002 (PostgreSQL).
PG_LEXEMES = "lexemes"

jieba.setLogLevel(60)  # jieba logs "Building prefix dict…" to stderr at DEBUG/INFO; silence it


class _Known:
    """What stands in for jieba's ``FREQ`` dict once the dictionary is compact: jieba's cutting
    code only asks ``FREQ.get(word)`` whether a word is in the dictionary with a frequency, and
    the trie holds exactly those words (a C call, as the dict's ``get`` was)."""

    __slots__ = ("get",)

    def __init__(self, words: marisa_trie.Trie) -> None:
        self.get = words.__contains__


class _Segmenter(jieba.Tokenizer):  # type: ignore[misc]
    """jieba, with its dictionary kept in a compact trie (marisa-trie) once it is loaded.

    jieba keeps its dictionary as a Python dict of 350,000 words and every prefix of each: about
    60 MB in every process, most of a small server's memory budget. The trie of the words and an
    array of their log frequencies take about 4 MB. The segmentation is exactly jieba's (the
    dictionary words starting at each position, the route with the highest total log frequency,
    the HMM for runs of unknown characters — tests compare the two on a corpus); only how a word
    is looked up differs. After :meth:`compact` the dictionary is fixed: ``add_word`` and
    ``suggest_freq`` belong before it.
    """

    FREQ: Any  # jieba's dict of words and prefixes; after compact(), a _Known
    _words: marisa_trie.Trie | None = None  # until compact(): jieba's own dict and methods
    _log_frequency: array[float]
    _longest: int

    def compact(self) -> None:
        """Move the loaded dictionary (with any words added) into the trie and drop jieba's dict."""
        frequencies: dict[str, int] = self.FREQ
        words = marisa_trie.Trie(word for word, frequency in frequencies.items() if frequency)
        self._log_frequency = array("d", bytes(8 * (len(words) + 1)))  # + log(1) for the unknown
        for word, key in words.iteritems():
            self._log_frequency[key] = log(frequencies[word])
        self._longest = max(map(len, words.iterkeys()), default=1)
        self._words = words
        self.FREQ = _Known(words)

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # jieba's name
        """For each position, where the dictionary words starting there end (the position itself
        when none does): one trie walk per position instead of a dict lookup per prefix."""
        if self._words is None:
            return super().get_DAG(sentence)  # type: ignore[no-any-return]
        prefixes = self._words.prefixes
        longest = self._longest
        dag = {}
        for k in range(len(sentence)):
            dag[k] = [k + len(word) - 1 for word in prefixes(sentence[k:k + longest])] or [k]
        return dag

    def calc(self, sentence: str, dag: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:
        """jieba's route: from the end, the best total of log(frequency / total) (a character
        outside the dictionary counts as frequency 1), ties to the longer word."""
        if self._words is None:
            super().calc(sentence, dag, route)
            return
        n = len(sentence)
        route[n] = (0, 0)
        log_total = log(self.total)
        key_of = self._words.get
        log_frequency = self._log_frequency
        unknown = len(log_frequency) - 1  # the extra last entry: log(1)
        for idx in range(n - 1, -1, -1):
            ends = dag[idx]
            x = ends[0]
            best = (log_frequency[key_of(sentence[idx:x + 1], unknown)] - log_total + route[x + 1][0], x)
            for x in ends[1:]:
                candidate = (log_frequency[key_of(sentence[idx:x + 1], unknown)] - log_total + route[x + 1][0], x)
                best = max(best, candidate)
            route[idx] = best


_jieba = _Segmenter()  # our own instance: FIELD_TERMS stay out of the process-wide dictionary
_jieba_ready = False
_jieba_lock = threading.Lock()


def _segmenter() -> jieba.Tokenizer:
    """jieba with its dictionary loaded (about a second, once per process), FIELD_TERMS added
    and the whole made compact."""
    global _jieba_ready
    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                _jieba.initialize()
                for word in FIELD_TERMS:
                    frequency = max(_jieba.suggest_freq(word, False), FIELD_TERM_FREQUENCY)
                    _jieba.add_word(word, frequency)
                _jieba.compact()
                _jieba_ready = True
    return _jieba


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) rather than in the first post's write
    transaction: call it when a server starts. Idempotent, thread-safe."""
    _segmenter()


# --- tokens --------------------------------------------------------------------------------------

# Chinese characters (〇, CJK unified ideographs and extensions A–H, compatibility ideographs).
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
# Variation selectors pick a glyph, not a word: 葛󠄀 is 葛.
_IGNORED = dict.fromkeys([*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])


def _is_word_char(ch: str) -> bool:
    # Letters, marks and numbers: FTS5's tokenizer is set up (migration 0002) to treat exactly
    # these as token characters, so a token never splits there.
    return unicodedata.category(ch)[0] in "LMN"


def _normalise(body: str) -> str:
    """NFKC (全角 ＡＢＣ → abc, compatibility ideographs), case-folded, NFKC again (as topic keys)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", body).casefold())
    return folded.translate(_IGNORED)


def _words(chunk: str) -> Iterator[str]:
    """Maximal runs of word characters in a stretch without Chinese characters."""
    start = None
    for i, ch in enumerate(chunk):
        if _is_word_char(ch):
            if start is None:
                start = i
        elif start is not None:
            yield chunk[start:i]
            start = None
    if start is not None:
        yield chunk[start:]


def _runs(normalised: str) -> Iterator[tuple[bool, str]]:
    """(is_han, run): runs of Chinese characters, and runs of other word characters between them."""
    pos = 0
    for match in _HAN_RUN.finditer(normalised):
        for word in _words(normalised[pos:match.start()]):
            yield False, word
        yield True, match.group()
        pos = match.end()
    for word in _words(normalised[pos:]):
        yield False, word


def _tokens(body: str, *, fine: bool) -> Iterator[str]:
    for han, run in _runs(_normalise(body)):
        if not han:
            if any(unicodedata.category(c)[0] in "LN" for c in run):  # not a lone stray mark
                yield run[:MAX_TOKEN_LENGTH]
            continue
        seg = _segmenter()
        # The run is Chinese characters only, so jieba's pieces are too (it returns characters
        # outside its own range one by one).
        for word in (seg.cut_for_search(run) if fine else seg.cut(run)):
            if word:
                yield word[:MAX_TOKEN_LENGTH]


def _distinct(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def _whole(name: str) -> str:
    """One token for a whole topic or mention name: its word characters, normalised."""
    return "".join(c for c in _normalise(name) if _is_word_char(c))[:MAX_TOKEN_LENGTH]


def segment(body: str) -> list[str]:
    """Index tokens of a text, fine-grained, in order (repeats kept).

    感谢所有救援队员 → 感谢 所有 救援 队员; 重庆蓝天救援队 → 重庆 蓝天 救援 救援队 蓝天救援队;
    ``Plaza 3.0!`` → plaza 3 0. Never raises; punctuation-only text gives ``[]``.
    """
    return list(_tokens(body, fine=True))


def query_tokens(query: str) -> list[str]:
    """The tokens a post must all hold to match ``query`` (precise segmentation, distinct, capped).

    ``#topic#`` and ``@name`` ask for the whole topic or name; everything else is segmented.
    """
    parts: list[str] = []
    pos = 0
    for span in post_text.parse(query):
        if span.kind in ("topic", "mention"):
            parts.extend(_tokens(query[pos:span.start], fine=False))
            whole = _whole(span.value)
            if whole:
                parts.append(whole)
            pos = span.end
    parts.extend(_tokens(query[pos:], fine=False))
    return _distinct(parts)[:MAX_QUERY_TOKENS]


def document_tokens(body: str, spans: list[Span] | None = None) -> list[str]:
    """What :func:`index_status` stores: the text's tokens, then each topic and mention whole."""
    spans = post_text.parse(body) if spans is None else spans
    extra: list[str] = []
    for span in spans:
        if span.kind in ("topic", "mention"):
            extra.append(_whole(span.value))
            extra.extend(segment(span.value))
    return _distinct(t for t in [*segment(body), *extra] if t)


# --- posts ---------------------------------------------------------------------------------------


_INSERT_DOCUMENT = fast.Sql("INSERT INTO search_documents (status_id, tokens) VALUES (?, ?)")
#: The same as a statement that writes nothing when ``tokens`` is empty (for a caller that folds
#: it into a statement of its own): parameters status id, tokens, tokens.
INSERT_DOCUMENT_IF_ANY = "INSERT INTO search_documents (status_id, tokens) SELECT ?, ? WHERE ? != ''"


def index_status(conn: Connection, status_id: int, tokens: list[str]) -> None:
    """Index a new post inside the caller's transaction. ``tokens`` come from
    :func:`document_tokens`, computed before the transaction so no lock is held while segmenting;
    a text without words is not indexed."""
    if tokens:
        fast.execute(conn, _INSERT_DOCUMENT, status_id, " ".join(tokens))


def remove_status(conn: Connection, status_id: int) -> None:
    # On SQLite a trigger removes the FTS5 entry too; deleting the status cascades here as well.
    conn.execute(delete(search_documents).where(search_documents.c.status_id == status_id))


_fts = table(FTS_TABLE, column("rowid", Integer))
# PostgreSQL only: the generated column of migration 0002 (not in the shared metadata, SQLite has
# no such column), array_to_tsvector(array_remove(string_to_array(tokens, ' '), '')), GIN-indexed.
_lexemes = table(search_documents.name, column("status_id", Integer), column(PG_LEXEMES, TSVECTOR))
#: PostgreSQL: how many of the newest documents the first step reads (see :func:`_postgres_ids`).
RECENT_WINDOW = 10_000


def _fts5_query(tokens: list[str]) -> str:
    """An FTS5 query requiring every token: each one a quoted string, so nothing is an operator."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def _tsquery(tokens: list[str]) -> str:
    """A tsquery requiring every token, each one a quoted lexeme (taken as is, not parsed)."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens)


def _holds_all(lexemes: Any, tokens: list[str]) -> ColumnElement[bool]:
    return lexemes.op("@@")(cast(literal(_tsquery(tokens)), TSQUERY))


# What search shows: public posts and replies (no reposts), of accounts that are not suspended.
_PUBLIC_ORIGINAL = (statuses.c.visibility == LISTED, statuses.c.reblog_of_id.is_(None),
                    statuses.c.account_id.not_in(suspended_ids()))


def _sqlite_query(tokens: list[str], limit: int, offset: int) -> Select[Any]:
    """FTS5 reads its doclists in rowid order, newest first, and stops after ``limit`` hits."""
    return (select(statuses.c.id)
            .select_from(_fts.join(statuses, statuses.c.id == _fts.c.rowid))
            .where(literal_column(FTS_TABLE).op("MATCH")(_fts5_query(tokens)), *_PUBLIC_ORIGINAL)
            .order_by(_fts.c.rowid.desc()).limit(limit).offset(offset))


def _postgres_recent_query(tokens: list[str], limit: int) -> Select[Any]:
    """Step 1: the newest matches among the newest RECENT_WINDOW documents (a bounded read)."""
    recent = (select(_lexemes.c.status_id, _lexemes.c[PG_LEXEMES])
              .order_by(_lexemes.c.status_id.desc()).limit(RECENT_WINDOW).subquery("recent"))
    return (select(recent.c.status_id)
            .join(statuses, statuses.c.id == recent.c.status_id)
            .where(_holds_all(recent.c[PG_LEXEMES], tokens), *_PUBLIC_ORIGINAL)
            .order_by(recent.c.status_id.desc()).limit(limit))


def _postgres_index_query(tokens: list[str], limit: int, offset: int) -> Select[Any]:
    """Step 2: every match, found through the GIN index, then sorted (MATERIALIZED keeps the
    planner from walking the primary key backwards instead)."""
    matches = (select(_lexemes.c.status_id)
               .join(statuses, statuses.c.id == _lexemes.c.status_id)
               .where(_holds_all(_lexemes.c[PG_LEXEMES], tokens), *_PUBLIC_ORIGINAL)
               .cte("matches").prefix_with("MATERIALIZED"))
    return (select(matches.c.status_id)
            .order_by(matches.c.status_id.desc()).limit(limit).offset(offset))


def _postgres_ids(conn: Connection, tokens: list[str], limit: int, offset: int) -> list[int]:
    """Newest-first matches on PostgreSQL, in at most two bounded steps.

    Left to itself the planner answers ``ORDER BY id DESC LIMIT 20`` by walking the primary key
    backwards and testing every document until 20 match: fast for a common word, but a word it
    guesses to be common that is rare or absent makes it read every document (seconds at a
    million posts). The GIN index alone is the opposite: fast for rare words, slow for common
    ones (it fetches every match to sort them). So: first the newest RECENT_WINDOW documents;
    if they do not hold the page, the GIN index — the words are then rare (recently, at least),
    so there are few matches to fetch. (FTS5 needs none of this: its doclists are in id order.)
    """
    wanted = offset + limit
    ids = [r[0] for r in conn.execute(_postgres_recent_query(tokens, wanted))]
    if len(ids) >= wanted:
        return ids[offset:]
    return [r[0] for r in conn.execute(_postgres_index_query(tokens, limit, offset))]


def _window(limit: int, offset: int) -> tuple[int, int]:
    return max(0, min(int(limit), MAX_LIMIT)), max(0, int(offset))


def search_statuses(db: Database, query: str, viewer_id: int | None, limit: int = 20,
                    offset: int = 0) -> list[int]:
    """Ids of public original posts holding every token of ``query``, newest first (none of a
    suspended account).

    ``viewer_id`` is accepted for when search grows to the viewer's own and followed posts; today
    everyone sees the same public results.
    """
    tokens = query_tokens(query or "")
    limit, offset = _window(limit, offset)
    if not tokens or not limit:
        return []
    with db.read() as conn:
        if conn.dialect.name == "sqlite":
            return [r[0] for r in conn.execute(_sqlite_query(tokens, limit, offset))]
        return _postgres_ids(conn, tokens, limit, offset)


# --- accounts and topics -------------------------------------------------------------------------


def _printable(query: str | None) -> str:
    """``query`` without control characters: no name or topic holds one (and PostgreSQL refuses
    NUL in text)."""
    return "".join(c for c in (query or "") if unicodedata.category(c) != "Cc")


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _rank(columns: list[Any], key: str) -> tuple[Any, Any]:
    """(where, order by): keys containing ``key``; exact ones first, then prefixes, then the rest."""
    escaped = _like_escape(key)
    exact = or_(*(c == key for c in columns))
    prefix = or_(*(c.like(escaped + "%", escape="\\") for c in columns))
    contains = or_(*(c.like("%" + escaped + "%", escape="\\") for c in columns))
    return contains, case((exact, 0), (prefix, 1), else_=2)


def search_accounts(db: Database, query: str, limit: int = 20, offset: int = 0) -> list[Row[Any]]:
    """Accounts whose username or display name contains ``query`` (``@`` optional; width and case
    ignored): exact matches first, then prefixes, then the rest; most followed first within each.
    Suspended accounts and sign-ups still awaiting approval are left out."""
    # "@name" is "name"; "name@elsewhere" matches nothing (names hold no "@"): this square only.
    # display_name_key of an ASCII username is its username_key.
    key = display_name_key(_printable(query).strip().lstrip("@").strip())
    limit, offset = _window(limit, offset)
    if not key or not limit:
        return []
    where, rank = _rank([accounts.c.username_key, accounts.c.display_name_key], key)
    stmt = (select(accounts)
            .where(where, accounts.c.suspended.is_(False), accounts.c.approved.is_(True))
            .order_by(rank, accounts.c.followers_count.desc(), accounts.c.id)
            .limit(limit).offset(offset))
    with db.read() as conn:
        return list(conn.execute(stmt).all())


def search_topics(db: Database, query: str, limit: int = 20, offset: int = 0) -> list[Row[Any]]:
    """Topics whose name contains ``query`` (``#山火``, ``#山火#`` and ``山火`` alike): exact first,
    then prefixes, then the rest; newest topic first within each. A topic not used in any
    listed post is not shown (its name would give away the posts that use it)."""
    key = post_text.topic_key(_printable(query).strip().strip("#"))
    limit, offset = _window(limit, offset)
    if not key or not limit:
        return []
    where, rank = _rank([topics.c.key], key)
    stmt = (select(topics).where(where, publicly_used(topics.c.id))
            .order_by(rank, topics.c.id.desc()).limit(limit).offset(offset))
    with db.read() as conn:
        return list(conn.execute(stmt).all())
