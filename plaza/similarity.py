"""Near-duplicate Chinese text (重复诉求, 转发): a MinHash signature over character shingles that a
database column can hold, its estimated Jaccard similarity, and band keys for finding candidates by
equality (LSH) instead of comparing every pair.

Shingles are character bigrams of the text with filler, mentions, topics and digits taken out
(:func:`normalize`). The signature is one-permutation MinHash (Li, Owen & Zhang 2012) with optimal
densification (Shrivastava 2017): each shingle is hashed once — CRC-32 of its UTF-8 bytes, mixed by
SplitMix64's finalizer — into one of ``SLOTS`` bins, each bin keeps its least value, and an empty
bin borrows the value of the first filled bin in a fixed order of its own. Everything is seeded by
constants, never by Python's ``hash()``, so signatures compare across processes, machines and
releases of Python. Changing ``SLOTS``, ``BANDS``, the shingles or the constants changes every
signature: stored ones must then be computed anew (``VERSION`` says which).
"""

from __future__ import annotations

import re
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Sequence
from functools import lru_cache

#: Bumped whenever a signature of the same text would change.
VERSION = 2  # 2: SplitMix64 mixing and fixed donor orders (1 was the snapshot taken into main as b972a89)
#: Slots of a signature, 16 bits each: a signature is ``2 * SLOTS`` bytes.
SLOTS = 128
#: Bands for :func:`bands`: 32 bands of 4 slots make a pair with similarity 0.5 a candidate with
#: probability 1 - (1 - 0.5**4)**32 ≈ 0.87, one with 0.8 with probability ≈ 1.0, one with 0.2
#: with probability ≈ 0.05.
BANDS = 32
ROWS = SLOTS // BANDS

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio
_EMPTY = 0xFFFF
_SHIFT = 64 - (SLOTS.bit_length() - 1)  # the top bits of a mixed hash pick the slot
_SWAP = sys.byteorder == "little"  # signatures are stored big-endian

_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@[\w\-.]+(?:@[\w\-.]+)?")
_TOPIC = re.compile(r"#[^#\n]{1,64}#")
# Words that make a repost, not a complaint: 转发微博, 求扩散, 帮忙转发….
_REPOST = re.compile(r"转发微博|(?:求|请|帮忙|帮|大家)?(?:扩散|转发)|轉發|repost", re.IGNORECASE)
# Filler every complaint shares (客套话 and generic place words): left in, they make two reports
# of different problems in the same 小区 look alike and two wordings of one problem look apart.
FILLER = (
    "希望", "请", "麻烦", "尽快", "有关部门", "相关部门", "部门", "领导", "处理", "解决", "一下", "谢谢", "感谢", "拜托", "帮忙", "反映",
    "投诉", "举报", "非常", "特别", "很", "太", "的", "了", "吧", "啊", "呢", "呀", "一直", "已经", "每天", "天天", "根本", "严重",
    "小区", "门口", "号楼", "单元", "交叉口", "附近", "旁边", "楼下", "路口",
)
_FILLER = re.compile("|".join(sorted(FILLER, key=len, reverse=True)))
_DIGITS = re.compile(r"[0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """What the comparison reads: ``text`` without links, @mentions, #topics#, repost words,
    :data:`FILLER`, punctuation, spaces and emoji, full-width folded and lower-cased, every run of
    digits as 0 (3号楼 and 5号楼 read alike)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" ", text)
    text = _TOPIC.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _REPOST.sub(" ", text)
    text = _FILLER.sub("", text)
    text = _DIGITS.sub("0", text)
    return _NOT_WORD.sub("", text)


def shingles(text: str) -> set[str]:
    """The character bigrams of the normalized text (the text itself when shorter). Bigrams rather
    than trigrams: Chinese words are mostly two characters, and a reworded complaint keeps more of
    its bigrams than of its trigrams."""
    normal = normalize(text)
    if len(normal) < 2:
        return {normal} if normal else set()
    return {normal[i : i + 2] for i in range(len(normal) - 1)}


def _mix(x: int) -> int:
    """SplitMix64's finalizer: a fixed bijection on 64-bit values whose every output bit depends on
    every input bit."""
    x = (x + _GOLDEN) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


@lru_cache(maxsize=1)
def _donors() -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """For each slot, every other slot in a fixed pseudo-random order — an empty slot takes the
    value of the first filled one, the same order for every text so that two signatures stay
    comparable — and, for each slot, each other slot's place in that order."""

    def order(slot: int) -> tuple[int, ...]:
        def rank(donor: int) -> int:
            return _mix(slot << 32 | donor)

        return tuple(sorted((d for d in range(SLOTS) if d != slot), key=rank))

    orders = tuple(order(slot) for slot in range(SLOTS))
    places = []
    for donors in orders:
        place = [SLOTS] * SLOTS
        for position, donor in enumerate(donors):
            place[donor] = position
        places.append(tuple(place))
    return orders, tuple(places)


def _densify(bins: list[int]) -> None:
    """Fill every empty slot from its first filled donor (optimal densification)."""
    orders, places = _donors()
    filled = [slot for slot, value in enumerate(bins) if value <= _EMPTY]
    original = bins[:]
    # Few filled slots: pick the earliest of them in each order; many: walk each order to the first.
    few = len(filled) * len(filled) < SLOTS
    for slot, value in enumerate(original):
        if value <= _EMPTY:
            continue
        if few:
            bins[slot] = original[min(filled, key=places[slot].__getitem__)]
        else:
            bins[slot] = next(v for v in map(original.__getitem__, orders[slot]) if v <= _EMPTY)


def signature(text: str) -> bytes:
    """The MinHash signature of ``text``: ``2 * SLOTS`` bytes (big-endian), for a BLOB/bytea column
    or, as ``.hex()``, a text one. A text with nothing to compare (only a link, a mention or
    punctuation) has the empty signature, similar to nothing."""
    bins = [_EMPTY + 1] * SLOTS
    for shingle in shingles(text):
        mixed = _mix(zlib.crc32(shingle.encode()))
        slot = mixed >> _SHIFT
        value = (mixed >> (_SHIFT - 16)) & _EMPTY  # the 16 bits below the slot's
        if value < bins[slot]:
            bins[slot] = value
    filled = [value for value in bins if value <= _EMPTY]
    if not filled:
        return bytes([0xFF]) * (2 * SLOTS)
    if len(filled) < SLOTS:
        _densify(bins)
    values = array("H", bins)
    if _SWAP:
        values.byteswap()
    return values.tobytes()


def _values(sig: bytes) -> array[int]:
    if len(sig) != 2 * SLOTS:
        raise ValueError(f"a signature has {2 * SLOTS} bytes, not {len(sig)}")
    values = array("H", sig)
    if _SWAP:
        values.byteswap()
    return values


def is_empty(sig: bytes) -> bool:
    """True for the signature of a text with nothing to compare."""
    return sig == bytes([0xFF]) * (2 * SLOTS)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity (0..1) of the shingles of the texts two signatures come from."""
    if is_empty(a) or is_empty(b):
        return 0.0
    same = sum(x == y for x, y in zip(_values(a), _values(b), strict=True))
    return same / SLOTS


def similarities(sig: bytes, others: Sequence[bytes] | bytes) -> list[float]:
    """:func:`similarity` of one signature with each of many, at once (a desk's open cases nearby:
    a few microseconds each, where one by one costs tens); ``others`` may be given as one
    ``bytes``, the signatures one after another (as stored hex, joined, then decoded once)."""
    import numpy

    if not others:
        return []
    mine = numpy.frombuffer(sig, dtype=numpy.uint16)
    if len(sig) != 2 * SLOTS:
        raise ValueError(f"a signature has {2 * SLOTS} bytes, not {len(sig)}")
    if isinstance(others, bytes):
        if len(others) % (2 * SLOTS):
            raise ValueError(f"signatures have {2 * SLOTS} bytes each")
        joined = others
    else:
        if any(len(o) != 2 * SLOTS for o in others):
            raise ValueError(f"a signature has {2 * SLOTS} bytes")
        joined = b"".join(others)
    table = numpy.frombuffer(joined, dtype=numpy.uint16).reshape(len(joined) // (2 * SLOTS), SLOTS)
    same = (table == mine).sum(axis=1) / SLOTS
    empty = numpy.all(table == 0xFFFF, axis=1)
    if is_empty(sig):
        return [0.0] * len(table)
    return [0.0 if e else float(v) for v, e in zip(same.tolist(), empty.tolist(), strict=True)]


def similar(text_a: str, text_b: str) -> float:
    """Jaccard similarity (0..1) of the shingles of two texts, computed exactly: what
    :func:`similarity` estimates from their signatures. Compare texts with this once band keys have
    found the candidates — for short texts the estimate is coarse (its standard error is about
    ``sqrt(J * (1 - J) / min(SLOTS, shingles))``, some 0.08 at 0.5 for 35 shingles)."""
    a, b = shingles(text_a), shingles(text_b)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def bands(sig: bytes) -> list[str]:
    """``BANDS`` keys ("07:1a2b3c4d5e6f7a8b": band number, then its slots in hex); two texts whose
    signatures share any key are candidates to compare. None for an empty signature."""
    if is_empty(sig):
        return []
    _values(sig)  # checks the length
    width = 2 * ROWS
    return [f"{band:02d}:{sig[band * width : (band + 1) * width].hex()}" for band in range(BANDS)]
