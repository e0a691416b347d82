"""The evaluation index's (政务指数) pure formulas: communication indices, h-index, PageRank,
normalisation across a ranked group, the composite, its movers, and correlations with bootstrap
intervals. No database, no I/O; docs/index-formulas.md gives the same formulas for readers.

**清博 BCI** (Weibo communication index), over *totals of the evaluated period* (some published
variants feed daily averages; Plaza uses period totals)::

    W1  = 0.3·ln(X1+1) + 0.7·ln(X2+1)                       # X1 posts, X2 originals
    W2  = 0.2·ln(X3+1) + 0.2·ln(X4+1) + 0.25·ln(X5+1) + 0.25·ln(X6+1) + 0.1·ln(X7+1)
          # X3 reposts, X4 comments, X5 reposts of originals, X6 comments on originals, X7 likes
    BCI = (0.2·W1 + 0.8·W2) × 160

**清博 WCI 2.0** (WeChat communication index; R/n is the mean reads per article)::

    Read = 0.4·ln(R+1) + 0.45·ln(R/n+1) + 0.15·ln(Rmax+1)
    Like = 0.4·ln(Z+1) + 0.45·ln(Z/n+1) + 0.15·ln(Zmax+1)
    WCI  = (0.8·Read + 0.2·Like)² × 10                       # 0 when n = 0

**h-index** (Hirsch) of an account's posts by reposts: the largest h such that h posts have at
least h reposts each.

**PageRank** on the follow graph (Kwak et al. 2010); an edge (follower, followed) passes rank from
the follower to the followed, and an account following nobody spreads its rank over all N::

    r(v) = (1−d)/N + d·( Σ_{u→v} r(u)/out(u) + Σ_{u: out(u)=0} r(u)/N ),    Σ r = 1

**Normalisation** across the ranked group: None stays None; counts go through x → ln(1+x)
(heavy tails), rates (0..1) do not; then min–max to 0..100. When every value present is the
same, each gets 100 if that value is above 0, else 0.

**Composite**: the weighted mean of the dimensions that have a score, weights renormalised over
them; ``DEFAULT_WEIGHTS`` are 传播力 reach 0.30, 服务力 service 0.35, 互动力 interaction 0.35
(认同度 recognition is reported beside the composite, not in it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
from scipy import sparse, stats

__all__ = [
    "BCI_ACTIVITY",
    "BCI_MIX",
    "BCI_SCALE",
    "BCI_SPREAD",
    "DEFAULT_WEIGHTS",
    "DIMENSIONS",
    "WCI_MIX",
    "WCI_SCALE",
    "WCI_TERMS",
    "Bci",
    "Composite",
    "Correlation",
    "Wci",
    "bci",
    "check_weights",
    "composite",
    "correlate",
    "h_index",
    "movers",
    "normalise",
    "pagerank",
    "wci",
]

#: The composite's dimensions: 传播力 (reach), 服务力 (service), 互动力 (interaction).
DIMENSIONS: tuple[str, ...] = ("reach", "service", "interaction")
#: The composite's default weights (read-only).
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({"reach": 0.30, "service": 0.35, "interaction": 0.35})

#: 清博 BCI's coefficients, as :func:`bci` applies them and the formulas page shows them: W1
#: (activity) and W2 (spread) as (input, weight) over ln(x+1), how the two mix, and the scale.
BCI_ACTIVITY: tuple[tuple[str, float], ...] = (("posts", 0.3), ("originals", 0.7))
BCI_SPREAD: tuple[tuple[str, float], ...] = (("reposts", 0.2), ("comments", 0.2), ("original_reposts", 0.25),
                                             ("original_comments", 0.25), ("likes", 0.1))
BCI_MIX: tuple[float, float] = (0.2, 0.8)
BCI_SCALE = 160.0
#: 清博 WCI 2.0's coefficients (:func:`wci`): a part's weights on the total, the mean per article
#: and the best article; how reads and likes mix; the scale of the square.
WCI_TERMS: tuple[float, float, float] = (0.4, 0.45, 0.15)
WCI_MIX: tuple[float, float] = (0.8, 0.2)
WCI_SCALE = 10.0

#: Bootstrap resamples × sample size drawn at once (bounds memory for large groups).
_BOOTSTRAP_CELLS = 2_000_000


def _ln1(x: float) -> float:
    return math.log(x + 1)


def _check_counts(**counts: float) -> None:
    for name, value in counts.items():
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number ≥ 0, not {value!r}")


@dataclass(frozen=True, slots=True)
class Bci:
    """清博 BCI of one account and its two parts."""

    #: Activity (活跃度): posts and originals.
    w1: float
    #: Spread (传播度): reposts, comments and likes.
    w2: float
    value: float


def bci(
    posts: float,
    originals: float,
    reposts: float,
    comments: float,
    original_reposts: float,
    original_comments: float,
    likes: float,
) -> Bci:
    """清博 BCI (Weibo communication index) of an account over the evaluated period.

    Every input is a *total over the period* (published variants that feed daily averages give
    smaller figures; Plaza uses period totals)::

        W1  = 0.3·ln(X1+1) + 0.7·ln(X2+1)
        W2  = 0.2·ln(X3+1) + 0.2·ln(X4+1) + 0.25·ln(X5+1) + 0.25·ln(X6+1) + 0.1·ln(X7+1)
        BCI = (0.2·W1 + 0.8·W2) × 160

    with X1 ``posts``, X2 ``originals``, X3 ``reposts``, X4 ``comments``, X5 ``original_reposts``
    (reposts of the originals), X6 ``original_comments`` (comments on the originals), X7 ``likes``.
    Raises ValueError for a negative (or non-finite) input.
    """
    _check_counts(
        posts=posts,
        originals=originals,
        reposts=reposts,
        comments=comments,
        original_reposts=original_reposts,
        original_comments=original_comments,
        likes=likes,
    )
    inputs = {"posts": posts, "originals": originals, "reposts": reposts, "comments": comments,
              "original_reposts": original_reposts, "original_comments": original_comments, "likes": likes}
    w1 = sum(weight * _ln1(inputs[name]) for name, weight in BCI_ACTIVITY)
    w2 = sum(weight * _ln1(inputs[name]) for name, weight in BCI_SPREAD)
    return Bci(w1=w1, w2=w2, value=(BCI_MIX[0] * w1 + BCI_MIX[1] * w2) * BCI_SCALE)


@dataclass(frozen=True, slots=True)
class Wci:
    """清博 WCI 2.0 of one account and its two parts."""

    #: The read index (阅读指数).
    read: float
    #: The like index (点赞指数).
    like: float
    value: float


def wci(reads: float, articles: int, reads_max: float, likes: float, likes_max: float) -> Wci:
    """清博 WCI 2.0 (WeChat communication index), used where reads are known.

    ::

        Read = 0.4·ln(R+1) + 0.45·ln(R/n+1) + 0.15·ln(Rmax+1)
        Like = 0.4·ln(Z+1) + 0.45·ln(Z/n+1) + 0.15·ln(Zmax+1)
        WCI  = (0.8·Read + 0.2·Like)² × 10

    with R ``reads`` (total over the period), n ``articles``, so R/n the mean reads per article,
    Rmax ``reads_max`` (the most-read article), Z ``likes``, Zmax ``likes_max``. With no articles
    (n = 0) every part is 0. Raises ValueError for a negative (or non-finite) input.
    """
    _check_counts(reads=reads, articles=articles, reads_max=reads_max, likes=likes, likes_max=likes_max)
    if articles == 0:
        return Wci(read=0.0, like=0.0, value=0.0)
    total, mean, best = WCI_TERMS
    read = total * _ln1(reads) + mean * _ln1(reads / articles) + best * _ln1(reads_max)
    like = total * _ln1(likes) + mean * _ln1(likes / articles) + best * _ln1(likes_max)
    return Wci(read=read, like=like, value=(WCI_MIX[0] * read + WCI_MIX[1] * like) ** 2 * WCI_SCALE)


def h_index(counts: Iterable[int]) -> int:
    """The h-index (Hirsch) of an account's posts by reposts: the largest h such that h posts
    have at least h reposts each (0 for no posts). Raises ValueError for a negative count."""
    ordered = sorted(counts, reverse=True)
    if ordered and ordered[-1] < 0:
        raise ValueError(f"repost counts must be ≥ 0, not {ordered[-1]!r}")
    h = 0
    for rank, count in enumerate(ordered, start=1):
        if count < rank:
            break
        h = rank
    return h


def pagerank(
    edges: Iterable[tuple[int, int]],
    damping: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 200,
    *,
    nodes: Iterable[int] = (),
) -> dict[int, float]:
    """PageRank of every account on the follow graph (Kwak et al. 2010), summing to 1.

    An edge ``(follower, followed)`` passes rank from the follower to the followed; an account
    that follows nobody (dangling) spreads its rank uniformly over all N accounts::

        r(v) = (1−d)/N + d·( Σ_{u→v} r(u)/out(u) + Σ_{u: out(u)=0} r(u)/N )

    with d = ``damping``. Repeated edges count once (a follow is a relation) and self-follows are
    ignored. ``nodes`` adds accounts that may appear in no edge (they are dangling and ranked
    too). Power iteration on a sparse matrix, from the uniform vector, until the L1 change of an
    iteration is below ``tol``; RuntimeError if that takes more than ``max_iter`` iterations (at
    d = 0.85 about 150 are needed for 1e-10).
    """
    if not 0 <= damping < 1:
        raise ValueError(f"damping must be in [0, 1), not {damping!r}")
    if not tol > 0 or max_iter < 1:
        raise ValueError("tol must be > 0 and max_iter ≥ 1")
    if isinstance(edges, np.ndarray):
        pairs = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    else:
        pairs = np.fromiter(edges, dtype=np.dtype((np.int64, 2)))
    extra = np.fromiter(nodes, dtype=np.int64)
    # every account's index among all, ascending by id (each column on its own: the followers
    # come in order when read by the follows' index, and cost no sort then)
    followers, follower = _distinct(pairs[:, 0])
    targets, followed = _distinct(pairs[:, 1])
    ids, _ = _distinct(np.concatenate([followers, targets, extra]))
    n = len(ids)
    if n == 0:
        return {}
    follower = np.searchsorted(ids, followers)[follower]
    followed = np.searchsorted(ids, targets)[followed]
    keep = follower != followed
    # Row = followed, column = follower: incoming @ (r / out) is the rank each account receives.
    # The edges sorted by (row, column) once, a repeated follow counting once, are the matrix's
    # compressed rows as they are (no conversion, no sorting of each row's columns).
    edge = np.sort(followed[keep].astype(np.int64) * n + follower[keep])
    edge = edge[_firsts(edge)]
    rows, columns = np.divmod(edge, n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=starts[1:])
    incoming = sparse.csr_array((np.ones(len(edge)), columns, starts), shape=(n, n))
    out = np.bincount(incoming.indices, minlength=n).astype(np.float64)
    dangling = out == 0
    share = np.divide(1.0, out, out=np.zeros(n), where=~dangling)
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        received = incoming @ (rank * share)
        updated = damping * received + (damping * rank[dangling].sum() + 1.0 - damping) / n
        change = float(np.abs(updated - rank).sum())
        rank = updated
        if change < tol:
            rank /= rank.sum()
            return dict(zip(ids.tolist(), rank.tolist(), strict=True))
    raise RuntimeError(f"PageRank did not converge to {tol} in {max_iter} iterations")


def _distinct(values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """The distinct values, ascending, and where each value is among them: ``np.unique`` with
    ``return_inverse``, by one argsort, none when they are in order (several times faster on
    millions of ids)."""
    ordered = values
    order = None if len(values) < 2 or bool((values[1:] >= values[:-1]).all()) else np.argsort(values)
    if order is not None:
        ordered = values[order]
    first = _firsts(ordered)
    group = np.zeros(len(values), dtype=np.intp)
    np.cumsum(first[1:], out=group[1:])
    if order is None:
        return ordered[first], group
    index = np.empty(len(values), dtype=np.intp)
    index[order] = group
    return ordered[first], index


def _firsts(ordered: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Where each run of equal values of ``ordered`` (sorted) starts."""
    first = np.ones(len(ordered), dtype=np.bool_)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def _value(value: float | None) -> float | None:
    """A value as a float, or None for no data (None or NaN)."""
    return None if value is None or math.isnan(value) else float(value)


def normalise(values: Sequence[float | None], *, log: bool = True) -> list[float | None]:
    """Indicator values of a ranked group on a 0..100 scale.

    None (no data; NaN likewise) stays None. With ``log`` (counts, which are heavy-tailed) each
    value becomes ln(1+x) first; rates (0..1) are passed with ``log=False``. Then min–max over the
    values present: 100·(x − min)/(max − min). When every value present is the same, each gets
    100 if that value is above 0, else 0. Raises ValueError for a negative value with ``log``.
    """
    cleaned = [_value(v) for v in values]
    present = [v for v in cleaned if v is not None]
    if log and any(v < 0 for v in present):
        raise ValueError("log scaling is for counts: values must be ≥ 0")
    scaled = [math.log1p(v) for v in present] if log else present
    if not scaled:
        return [None] * len(cleaned)
    low, high = min(scaled), max(scaled)
    if high == low:
        same: float = 100.0 if present[0] > 0 else 0.0
        return [None if v is None else same for v in cleaned]
    spread = high - low
    by_value = iter(scaled)
    return [None if v is None else 100.0 * (next(by_value) - low) / spread for v in cleaned]


def check_weights(weights: Mapping[str, float]) -> None:
    """Raise ValueError unless ``weights`` names only known dimensions (``DIMENSIONS``) with
    finite weights ≥ 0 that do not sum to 0."""
    unknown = sorted(set(weights) - set(DIMENSIONS))
    if unknown:
        raise ValueError(f"unknown dimension(s) {', '.join(unknown)}; the dimensions are {', '.join(DIMENSIONS)}")
    for name, weight in weights.items():
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"the weight of {name} must be a finite number ≥ 0, not {weight!r}")
    if sum(weights.values()) <= 0:
        raise ValueError("the weights sum to 0: at least one dimension needs a weight above 0")


@dataclass(frozen=True)
class Composite:
    """A composite score and how it was made."""

    #: The weighted mean over the dimensions with a score; None when no weighted one had.
    value: float | None
    #: The weights actually applied (renormalised to sum to 1 over the dimensions with a score).
    used_weights: Mapping[str, float] = field(default_factory=dict)
    #: True when a dimension with a weight above 0 had no score.
    partial: bool = False


def composite(scores: Mapping[str, float | None], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> Composite:
    """The composite score: Σ wᵢ·sᵢ / Σ wᵢ over the weighted dimensions whose score sᵢ is not None.

    Scores of dimensions without a weight (认同度 recognition, say) are ignored. ``partial`` tells
    that a weighted dimension had no score; ``value`` is None when none had. Raises ValueError for
    invalid ``weights`` (see ``check_weights``).
    """
    check_weights(weights)
    weighted = {name: w for name, w in weights.items() if w > 0}
    present = {name: score for name in weighted if (score := _value(scores.get(name))) is not None}
    partial = len(present) < len(weighted)
    if not present:
        return Composite(value=None, used_weights={}, partial=partial)
    total = sum(weighted[name] for name in present)
    used = {name: weighted[name] / total for name in present}
    value = sum(used[name] * score for name, score in present.items())
    return Composite(value=value, used_weights=used, partial=partial)


def movers(
    current: Mapping[str, float | None], previous: Mapping[str, float | None], k: int = 3
) -> list[tuple[str, float]]:
    """Why a score moved: the ``k`` indicators whose normalised value changed most since the
    previous period, as (name, current − previous), largest absolute change first, ties by name.

    Indicators missing or None on either side are skipped, and so are those that did not change.
    """
    if k < 0:
        raise ValueError(f"k must be ≥ 0, not {k!r}")
    changes = []
    for name, now in current.items():
        now, before = _value(now), _value(previous.get(name))
        if now is None or before is None:
            continue
        change = now - before
        if change != 0:
            changes.append((name, change))
    changes.sort(key=lambda item: (-abs(item[1]), item[0]))
    return changes[:k]


@dataclass(frozen=True, slots=True)
class Correlation:
    """Pearson and Spearman correlation of paired values, with bootstrap percentile intervals.

    Every field but ``n`` is None when there are fewer than 3 pairs or one side is constant.
    """

    #: The number of pairs used (those with a value on both sides).
    n: int
    pearson: float | None = None
    pearson_ci: tuple[float, float] | None = None
    pearson_p: float | None = None
    spearman: float | None = None
    spearman_ci: tuple[float, float] | None = None
    spearman_p: float | None = None


#: A resample's correlation when one of its sides came out constant: outside [−1, 1] on purpose.
_UNDEFINED = 2.0


def _pearson_rows(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], axis: int = -1) -> npt.NDArray[np.float64]:
    """Pearson's r along ``axis`` for many resamples at once; ``_UNDEFINED`` where a side is
    constant (tested exactly: the centred values of a constant float sample need not be 0)."""
    xc = x - x.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    num = (xc * yc).sum(axis=axis)
    den = np.sqrt((xc * xc).sum(axis=axis) * (yc * yc).sum(axis=axis))
    defined = (np.ptp(x, axis=axis) > 0) & (np.ptp(y, axis=axis) > 0) & (den > 0)
    r = np.divide(num, den, out=np.full(np.shape(num), _UNDEFINED), where=defined)
    return np.where(defined, np.clip(r, -1.0, 1.0), _UNDEFINED)


def _spearman_rows(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], axis: int = -1) -> npt.NDArray[np.float64]:
    """Spearman's ρ along ``axis``: Pearson's r of the ranks (ties get their mean rank)."""
    return _pearson_rows(stats.rankdata(x, axis=axis), stats.rankdata(y, axis=axis), axis=axis)


def _percentile_interval(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    statistic: Callable[..., npt.NDArray[np.float64]],
    resamples: int,
    confidence: float,
    seed: int,
) -> tuple[float, float] | None:
    result = stats.bootstrap(
        (x, y),
        statistic,
        n_resamples=resamples,
        batch=max(1, _BOOTSTRAP_CELLS // len(x)),
        vectorized=True,
        paired=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    distribution = result.bootstrap_distribution
    undefined = distribution == _UNDEFINED
    if not undefined.any():
        return (float(result.confidence_interval.low), float(result.confidence_interval.high))
    # A resample with a constant side has no correlation: the interval is over the others.
    defined = distribution[~undefined]
    if defined.size == 0:
        return None
    alpha = (1 - confidence) / 2
    low, high = np.quantile(defined, [alpha, 1 - alpha])
    return (float(low), float(high))


#: Above this many pairs the intervals come from Fisher's z (the bootstrap's cost grows with
#: n × resamples; at this size the approximations agree with it to the second decimal).
BOOTSTRAP_MAX_N = 500


def _fisher_interval(r: float, n: int, confidence: float, variance_factor: float) -> tuple[float, float]:
    """The interval of a correlation from Fisher's z: z = atanh(r), standard error
    sqrt(factor / (n - 3)) — factor 1 for Pearson's r, 1 + ρ²/2 for Spearman's ρ (Bonett and
    Wright 2000)."""
    z = math.atanh(max(-0.999999, min(0.999999, r)))
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * math.sqrt(variance_factor / (n - 3))
    return (math.tanh(z - half), math.tanh(z + half))


def correlate(
    xs: Sequence[float | None],
    ys: Sequence[float | None],
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Correlation:
    """Correlation of paired values (an account's influence against its city's population or
    GDP, say): Pearson's r and Spearman's ρ with their p-values (``scipy.stats.pearsonr`` and
    ``spearmanr``, two-sided) and paired bootstrap percentile intervals at ``confidence``
    (``scipy.stats.bootstrap``, ``resamples`` resamples drawn by a numpy Generator seeded with
    ``seed``, so the same input always gives the same intervals).

    Above :data:`BOOTSTRAP_MAX_N` pairs the intervals are Fisher's z approximations instead.

    Pairs with None or NaN on either side are dropped. With fewer than 3 pairs left or a constant
    side, every field but ``n`` is None. Raises ValueError when ``xs`` and ``ys`` differ in length.
    """
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys must pair up: {len(xs)} values against {len(ys)}")
    pairs = [(x, y) for x, y in zip(map(_value, xs), map(_value, ys), strict=True) if x is not None and y is not None]
    n = len(pairs)
    if n < 3:
        return Correlation(n=n)
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(n=n)
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    if n > BOOTSTRAP_MAX_N:  # large groups: the normal approximations on Fisher's z
        return Correlation(
            n=n, pearson=float(pearson.statistic), pearson_p=float(pearson.pvalue),
            pearson_ci=_fisher_interval(float(pearson.statistic), n, confidence, 1.0),
            spearman=float(spearman.statistic), spearman_p=float(spearman.pvalue),
            spearman_ci=_fisher_interval(float(spearman.statistic), n, confidence,
                                         1.0 + float(spearman.statistic) ** 2 / 2))
    return Correlation(
        n=n,
        pearson=float(pearson.statistic),
        pearson_ci=_percentile_interval(x, y, _pearson_rows, resamples, confidence, seed),
        pearson_p=float(pearson.pvalue),
        spearman=float(spearman.statistic),
        spearman_ci=_percentile_interval(x, y, _spearman_rows, resamples, confidence, seed),
        spearman_p=float(spearman.pvalue),
    )
