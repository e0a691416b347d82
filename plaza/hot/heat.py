"""The heat (热度) formula and the labels 新 热 沸 爆: pure functions and their constants.

Plaza follows the published rule of the platform it comes from,

    heat = (search heat + discussion heat + spread heat) × interaction-rate factor,

computed over sliding, exponentially decayed windows, counting *accounts weighted by trust*
(``plaza.hot.trust``) rather than raw events, and multiplied by a novelty factor so that a fresh
surge beats a topic that is always large.

**Windows.** Every sum decays with a half-life of ``SHORT_HALF_LIFE`` (30 minutes): an event
counts fully now, half after 30 minutes, a quarter after an hour. A second, slow sum (the topic's
*baseline*, half-life ``LONG_HALF_LIFE`` = 24 hours) accumulates the same search and discussion
increments. Events enter the sums at the ``fold`` (or ``refresh``, which folds first) that follows
them, all at that fold's time; lists change only when ``refresh`` runs (every minute in
production).

**Counting accounts.** For each topic and class (search: searches and click-throughs;
discussion: originals and reposts; interaction: replies, reposts and likes) every account keeps a
decayed count ``n`` of its events. Its contribution is ``trust × g(n)`` with ``g(n) = n`` for
n ≤ 1 and ``1 + ln n`` above: the first post counts 1, the tenth brings the account to 3.3, the
hundredth to 5.6. So 100 distinct trusted accounts (100) outweigh 10 accounts posting 100 times
each (56), and a farm of 1,000 fresh accounts (trust 0.002) adds up to a few trusted citizens.

**The terms** (all decayed sums, with trust weights):

    S     search heat       Σ_accounts trust × g(n_search)
    D     discussion heat   Σ_accounts trust × g(n_discussion)
    I     interactions      Σ_accounts trust × g(n_interaction)
    R     reads             Σ_reads trust (readers are not deduplicated: a read must stay cheap)
    base   = S + D
    reach  = READ_WEIGHT × R                      # 50 trusted reads ≈ one trusted participant
    spread = base × reach / (reach + base)        # spread heat: saturates at base
    rate   = I / (I + reach + base)               # interactions per reader and participant, [0, 1)
    factor = RATE_MIN + (RATE_MAX − RATE_MIN) × rate      # 0.5 … 1.5
    q      = (base / SHORT_HALF_LIFE) / (L / LONG_HALF_LIFE)   # short rate / baseline rate
    novelty = sqrt(clamp(q, 1/NOVELTY_MAX², NOVELTY_MAX²))     # 0.5 … 2; 1 for a steady topic
    heat  = HEAT_SCALE × (base + spread) × factor × novelty

Reads can at most double a topic's heat, and only in proportion to real discussion: reads are the
cheapest signal to fake, so they measure how far a discussion spreads, not whether it exists.
A topic becomes a candidate once ``base ≥ MIN_BASE`` (about one trusted participant in the
window).

``strength = HEAT_SCALE × (base + spread) × factor`` is homogeneous of degree one in the decayed
sums, so while a topic receives no events its strength decays by the same factor as every other
topic's, and its novelty depends on time only through a factor common to all topics. The ranking
uses this: a topic's strength and baseline ratio are recomputed only when it receives events,
and, as ``novelty`` lies in [1/NOVELTY_MAX, NOVELTY_MAX], only topics whose strength is within a
factor ``NOVELTY_MAX**2`` of the last listed entry need their exact heat.

**Labels** are relative to the list they are on, because absolute heat depends on the size of the
deployment and of the city (a county-level city's list and the national list differ by orders of
magnitude): 爆 at ``BOOM_MEDIANS`` (8) times the list's median heat, 沸 at ``BOIL_MEDIANS`` (4),
热 at ``HOT_MEDIANS`` (2), and 新 for an entry that came on the list within ``NEW_SECONDS``
(10 minutes). Precedence: 爆 > 沸 > 新 > 热. Heat labels need at least ``LABEL_MIN_ENTRIES``
entries on the list (a median of three is noise); 新 needs none.
"""

from __future__ import annotations

import math

__all__ = [
    "BASELINE_RATIO",
    "HEAT_BOUND",
    "LONG_HALF_LIFE",
    "MIN_BASE",
    "SHORT_HALF_LIFE",
    "Label",
    "heat",
    "label_for",
    "novelty",
    "participation",
    "strength",
]

SHORT_HALF_LIFE = 30 * 60.0
LONG_HALF_LIFE = 24 * 3600.0
READ_WEIGHT = 0.02
RATE_MIN = 0.5
RATE_MAX = 1.5
NOVELTY_MAX = 2.0
HEAT_SCALE = 100.0
MIN_BASE = 1.0
#: heat ≤ HEAT_BOUND × base, whatever the other terms are (spread ≤ base).
HEAT_BOUND = HEAT_SCALE * 2.0 * RATE_MAX * NOVELTY_MAX

HOT_MEDIANS = 2.0
BOIL_MEDIANS = 4.0
BOOM_MEDIANS = 8.0
NEW_SECONDS = 10 * 60.0
LABEL_MIN_ENTRIES = 5

Label = str  # one of "新", "热", "沸", "爆"
NEW, HOT, BOIL, BOOM = "新", "热", "沸", "爆"

_NOVELTY_Q_MAX = NOVELTY_MAX**2
_NOVELTY_Q_MIN = 1.0 / _NOVELTY_Q_MAX
_RATE_SPAN = RATE_MAX - RATE_MIN
_RATIO = LONG_HALF_LIFE / SHORT_HALF_LIFE
#: q = (base / baseline) × BASELINE_RATIO: both sums turned into rates
BASELINE_RATIO = _RATIO


def participation(n: float) -> float:
    """g(n): what an account with (decayed) count n contributes, before its trust weight."""
    return n if n <= 1.0 else 1.0 + math.log(n)


def strength(search: float, discussion: float, interaction: float, reads: float) -> float:
    """HEAT_SCALE × (base + spread) × interaction-rate factor (degree-one homogeneous)."""
    base = search + discussion
    if base <= 0.0:
        return 0.0
    reach = READ_WEIGHT * reads
    spread = base * reach / (reach + base)
    factor = RATE_MIN + _RATE_SPAN * (interaction / (interaction + reach + base))
    return HEAT_SCALE * (base + spread) * factor


def novelty(q: float) -> float:
    """sqrt(q) clamped to [1/NOVELTY_MAX, NOVELTY_MAX]; q = short-window rate / baseline rate."""
    if q >= _NOVELTY_Q_MAX:
        return NOVELTY_MAX
    if q <= _NOVELTY_Q_MIN:
        return 1.0 / NOVELTY_MAX
    return math.sqrt(q)


def heat(
    search: float, discussion: float, interaction: float, reads: float, baseline: float
) -> float:
    """Heat from decayed, trust-weighted sums (see the module docstring); 0 below ``MIN_BASE``."""
    base = search + discussion
    if base < MIN_BASE:
        return 0.0
    q = math.inf if baseline <= 0.0 else base * _RATIO / baseline
    return strength(search, discussion, interaction, reads) * novelty(q)


def label_for(heat_value: float, median: float, entries: int, onboard_age: float) -> Label | None:
    """The label of one entry on a list of ``entries`` entries whose median heat is ``median``;
    ``onboard_age`` is the seconds since the entry came on the list."""
    if entries >= LABEL_MIN_ENTRIES and median > 0.0:
        if heat_value >= BOOM_MEDIANS * median:
            return BOOM
        if heat_value >= BOIL_MEDIANS * median:
            return BOIL
    if onboard_age < NEW_SECONDS:
        return NEW
    if entries >= LABEL_MIN_ENTRIES and median > 0.0 and heat_value >= HOT_MEDIANS * median:
        return HOT
    return None
