"""Specification of the evaluation index's (政务指数) pure formulas: BCI, WCI 2.0, h-index,
PageRank, normalisation, the composite, movers and correlations with bootstrap intervals.

Expected figures are worked out independently (by hand, written out in comments, or by another
method such as a linear solve), never by calling the function under test."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from plaza.index import formulas
from plaza.index.formulas import (
    DEFAULT_WEIGHTS,
    check_weights,
    composite,
    correlate,
    h_index,
    movers,
    normalise,
    pagerank,
    wci,
)
from plaza.index.formulas import bci as bci_of

# -- 清博 BCI -------------------------------------------------------------------------------


def test_bci_of_an_account_with_no_activity_is_zero() -> None:
    result = bci_of(0, 0, 0, 0, 0, 0, 0)
    assert (result.w1, result.w2, result.value) == (0.0, 0.0, 0.0)


def test_bci_of_a_realistic_period_over_totals() -> None:
    # 300 posts, 120 originals, 5,000 reposts, 3,000 comments, 4,000 reposts of originals,
    # 2,500 comments on originals, 20,000 likes; ln(x+1):
    #   ln 301 = 5.707110   ln 121 = 4.795791   ln 5001 = 8.517393   ln 3001 = 8.006701
    #   ln 4001 = 8.294300  ln 2501 = 7.824446  ln 20001 = 9.903538
    # W1 = 0.3·5.707110 + 0.7·4.795791 = 1.712133 + 3.357053 = 5.069186
    # W2 = 0.2·8.517393 + 0.2·8.006701 + 0.25·8.294300 + 0.25·7.824446 + 0.1·9.903538
    #    = 1.703479 + 1.601340 + 2.073575 + 1.956111 + 0.990354 = 8.324859
    # BCI = (0.2·5.069186 + 0.8·8.324859) × 160 = (1.013837 + 6.659887) × 160 = 1227.796
    result = bci_of(300, 120, 5000, 3000, 4000, 2500, 20000)
    assert result.w1 == pytest.approx(5.069186, abs=1e-5)
    assert result.w2 == pytest.approx(8.324859, abs=1e-5)
    assert result.value == pytest.approx(1227.796, abs=1e-3)


def test_bci_grows_with_spread_more_than_with_posting() -> None:
    quiet = bci_of(100, 50, 10, 10, 10, 10, 10).value
    assert bci_of(1000, 500, 10, 10, 10, 10, 10).value - quiet < bci_of(100, 50, 100, 100, 100, 100, 100).value - quiet


@pytest.mark.parametrize("position", range(7))
def test_bci_refuses_a_negative_count(position: int) -> None:
    counts = [1.0] * 7
    counts[position] = -1
    with pytest.raises(ValueError, match="≥ 0"):
        bci_of(*counts)


# -- 清博 WCI 2.0 ---------------------------------------------------------------------------


def test_wci_of_the_published_worked_vector() -> None:
    # R = 10,000 reads over n = 100 articles (R/n = 100), Rmax = 300, Z = 4,000 (Z/n = 40), Zmax = 60
    # Read = 0.4·ln 10001 + 0.45·ln 101 + 0.15·ln 301 = 0.4·9.210440 + 0.45·4.615121 + 0.15·5.707110
    #      = 3.684176 + 2.076804 + 0.856067 = 6.617047
    # Like = 0.4·ln 4001 + 0.45·ln 41 + 0.15·ln 61 = 0.4·8.294300 + 0.45·3.713572 + 0.15·4.110874
    #      = 3.317720 + 1.671107 + 0.616631 = 5.605458
    # WCI = (0.8·6.617047 + 0.2·5.605458)² × 10 = (5.293638 + 1.121092)² × 10 = 6.414730² × 10 = 411.4875
    result = wci(reads=10000, articles=100, reads_max=300, likes=4000, likes_max=60)
    assert result.read == pytest.approx(6.617047, abs=1e-5)
    assert result.like == pytest.approx(5.605458, abs=1e-5)
    assert result.value == pytest.approx(411.4875, abs=1e-3)


def test_wci_without_articles_is_zero_and_negative_input_is_refused() -> None:
    assert wci(0, 0, 0, 0, 0).value == 0.0
    with pytest.raises(ValueError, match="likes"):
        wci(10, 1, 10, -1, 0)


# -- h-index --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [([], 0), ([0], 0), ([1], 1), ([1, 1, 1], 1), ([10, 8, 5, 4, 3], 4), ([3, 0, 6, 1, 5], 3), ([100] * 3, 3)],
)
def test_h_index_is_the_largest_h_with_h_posts_reposted_h_times(counts: list[int], expected: int) -> None:
    assert h_index(counts) == expected
    assert h_index(iter(counts)) == expected


def test_h_index_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        h_index([3, -1])


# -- PageRank -------------------------------------------------------------------------------


def _pagerank_by_linear_solve(nodes: list[int], edges: list[tuple[int, int]], d: float) -> dict[int, float]:
    """PageRank as the solution of (I − d·Pᵀ)·r = (1−d)/N·1, P the row-stochastic follow matrix
    with a following-nobody row spread uniformly: an independent method from power iteration."""
    n = len(nodes)
    at = {node: i for i, node in enumerate(nodes)}
    p = np.zeros((n, n))
    for follower, followed in set(edges):
        p[at[follower], at[followed]] = 1.0
    for row in p:
        row[:] = row / row.sum() if row.sum() else 1.0 / n
    r = np.linalg.solve(np.eye(n) - d * p.T, np.full(n, (1 - d) / n))
    return dict(zip(nodes, r.tolist(), strict=True))


def test_pagerank_of_a_cycle_is_uniform() -> None:
    ranks = pagerank([(1, 2), (2, 3), (3, 1)])
    assert ranks == pytest.approx({1: 1 / 3, 2: 1 / 3, 3: 1 / 3}, abs=1e-12)


def test_pagerank_flows_from_follower_to_followed() -> None:
    # Two citizens follow a bureau that follows nobody: the bureau ranks first.
    ranks = pagerank([(1, 9), (2, 9)])
    assert ranks[9] > ranks[1] == pytest.approx(ranks[2])
    # 9 is dangling: r1 = r2 = (1−d)/3 + d·r9/3, r9 = r1 + r2 ... solved by hand:
    # with s = r1 = r2, r9 = 1 − 2s and s = 0.05 + 0.85·(1 − 2s)/3 → s(1 + 1.7/3) = 0.05 + 0.85/3
    s = (0.05 + 0.85 / 3) / (1 + 1.7 / 3)
    assert ranks[1] == pytest.approx(s, abs=1e-9)
    assert ranks[9] == pytest.approx(1 - 2 * s, abs=1e-9)


def test_pagerank_of_a_small_follow_graph_matches_the_linear_solve() -> None:
    # Non-contiguous account ids; 505 follows nobody (dangling); 606 is in no edge at all.
    edges = [(101, 202), (101, 303), (202, 303), (303, 101), (404, 303), (404, 101), (202, 505), (505, 505)]
    ranks = pagerank(edges + [(101, 202)], nodes=[606])  # a repeated follow and a self-follow count for nothing
    expected = _pagerank_by_linear_solve(
        [101, 202, 303, 404, 505, 606], [e for e in edges if e[0] != e[1]], d=0.85
    )
    assert ranks == pytest.approx(expected, abs=1e-9)
    assert math.fsum(ranks.values()) == pytest.approx(1.0, abs=1e-12)
    # nobody follows 404 or 606: both get only the random jump and the dangling share, the least
    assert ranks[404] == pytest.approx(ranks[606]) == min(ranks.values())


def test_pagerank_with_another_damping_and_from_a_numpy_array() -> None:
    edges = [(1, 2), (2, 1), (2, 3), (3, 4), (4, 2), (5, 4)]
    ranks = pagerank(np.array(edges), damping=0.5)
    assert ranks == pytest.approx(_pagerank_by_linear_solve([1, 2, 3, 4, 5], edges, d=0.5), abs=1e-9)


def test_pagerank_of_nothing_is_empty_and_bad_parameters_are_refused() -> None:
    assert pagerank([]) == {}
    with pytest.raises(ValueError, match="damping"):
        pagerank([(1, 2)], damping=1.0)
    with pytest.raises(RuntimeError, match="converge"):
        pagerank([(1, 2), (2, 3), (3, 1), (1, 3)], max_iter=2)


# -- normalisation --------------------------------------------------------------------------


def test_counts_are_normalised_on_a_log_scale_and_none_stays_none() -> None:
    # ln(1+0) = 0, ln(1+9) = ln 10, ln(1+99) = ln 100 = 2·ln 10 → 0, 50, 100
    assert normalise([None, 0, 9, 99]) == pytest.approx([None, 0.0, 50.0, 100.0])


def test_rates_are_normalised_linearly() -> None:
    assert normalise([0.2, 0.5, None, 0.8], log=False) == pytest.approx([0.0, 50.0, None, 100.0])
    # on a log scale the same rates would not be evenly spaced
    assert normalise([0.2, 0.5, 0.8])[1] != pytest.approx(50.0)


def test_a_group_with_one_value_scores_100_unless_that_value_is_zero() -> None:
    assert normalise([5, None, 5]) == [100.0, None, 100.0]
    assert normalise([0.0, 0.0], log=False) == [0.0, 0.0]
    assert normalise([7]) == [100.0]
    assert normalise([None, math.nan]) == [None, None]
    assert normalise([]) == []


def test_log_normalisation_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        normalise([1, -2])
    assert normalise([-1.0, 1.0], log=False) == [0.0, 100.0]


# -- the composite --------------------------------------------------------------------------


def test_the_composite_is_the_weighted_mean_of_the_three_dimensions() -> None:
    result = composite({"reach": 80, "service": 50, "interaction": 60, "recognition": 10})
    # 0.30·80 + 0.35·50 + 0.35·60 = 24 + 17.5 + 21 = 62.5; recognition is beside it, not in it
    assert result.value == pytest.approx(62.5)
    assert not result.partial
    assert result.used_weights == pytest.approx(dict(DEFAULT_WEIGHTS))


def test_a_missing_dimension_renormalises_the_weights_and_marks_the_composite_partial() -> None:
    result = composite({"reach": 80, "service": None, "interaction": 60})
    # (0.30·80 + 0.35·60) / (0.30 + 0.35) = 45 / 0.65 = 69.230769…
    assert result.value == pytest.approx(69.2307692, abs=1e-6)
    assert result.partial
    assert result.used_weights == pytest.approx({"reach": 0.30 / 0.65, "interaction": 0.35 / 0.65})


def test_a_composite_without_any_score_has_no_value() -> None:
    result = composite({"reach": None}, {"reach": 1.0, "service": 1.0})
    assert result.value is None and result.partial and result.used_weights == {}


def test_a_dimension_weighted_zero_neither_counts_nor_makes_it_partial() -> None:
    result = composite({"reach": 40, "service": 90}, {"reach": 1.0, "service": 0.0, "interaction": 0.0})
    assert result.value == 40.0 and not result.partial


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"reach": 0.5, "recognition": 0.5}, "unknown dimension.*recognition"),
        ({"reach": 1.0, "service": -0.2}, "service must be a finite number ≥ 0"),
        ({"reach": 0.0, "service": 0.0}, "sum to 0"),
        ({}, "sum to 0"),
        ({"reach": math.nan}, "reach must be a finite"),
    ],
)
def test_invalid_weights_are_refused_with_a_clear_message(weights: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_weights(weights)
    with pytest.raises(ValueError, match=message):
        composite({"reach": 50}, weights)


def test_the_default_weights_are_valid_and_read_only() -> None:
    check_weights(DEFAULT_WEIGHTS)
    assert math.fsum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
    with pytest.raises(TypeError):
        DEFAULT_WEIGHTS["reach"] = 1.0  # type: ignore[index]


# -- movers ---------------------------------------------------------------------------------


def test_movers_are_the_largest_changes_ties_by_name() -> None:
    current = {"reposts": 50.0, "answer_rate": 20.0, "followers": 70.0, "mentions": None, "likes": 10.0}
    previous = {"reposts": 40.0, "answer_rate": 35.0, "followers": 60.0, "mentions": 10.0, "likes": 10.0, "gone": 5.0}
    assert movers(current, previous) == [("answer_rate", -15.0), ("followers", 10.0), ("reposts", 10.0)]
    assert movers(current, previous, k=1) == [("answer_rate", -15.0)]
    assert movers(current, previous, k=10) == [("answer_rate", -15.0), ("followers", 10.0), ("reposts", 10.0)]
    assert movers(current, {}) == []


# -- correlation with bootstrap intervals ---------------------------------------------------


def test_a_monotone_but_curved_relation_has_spearman_one_and_pearson_below() -> None:
    xs = list(range(1, 11))
    ys = [math.exp(x) for x in xs]
    result = correlate(xs, ys)
    assert result.n == 10
    assert result.spearman == pytest.approx(1.0)
    assert result.spearman_ci == pytest.approx((1.0, 1.0))  # every resample is monotone too
    assert result.pearson == pytest.approx(np.corrcoef(xs, ys)[0, 1])  # independent method
    assert result.pearson is not None and result.pearson < 0.8
    assert result.pearson_ci is not None
    assert result.pearson_ci[0] < result.pearson < result.pearson_ci[1] <= 1.0


def test_correlation_p_values_follow_the_t_distribution() -> None:
    rng = np.random.default_rng(7)
    xs = rng.normal(size=30)
    ys = xs + rng.normal(size=30)
    result = correlate(xs.tolist(), ys.tolist())
    r = float(np.corrcoef(xs, ys)[0, 1])
    t = r * math.sqrt(28 / (1 - r * r))
    assert result.pearson == pytest.approx(r)
    assert result.pearson_p == pytest.approx(2 * stats.t.sf(t, 28), rel=1e-6)
    assert result.spearman_ci is not None and result.spearman_ci[0] < result.spearman_ci[1]


def test_correlation_intervals_are_reproducible_with_a_seed() -> None:
    rng = np.random.default_rng(11)
    xs = rng.lognormal(size=40).tolist()
    ys = (np.array(xs) * rng.lognormal(size=40)).tolist()
    assert correlate(xs, ys, seed=3) == correlate(xs, ys, seed=3)
    assert correlate(xs, ys, seed=3).pearson_ci != correlate(xs, ys, seed=4).pearson_ci
    narrower = correlate(xs, ys, seed=3, confidence=0.5)
    wider = correlate(xs, ys, seed=3, confidence=0.99)
    assert narrower.pearson_ci is not None and wider.pearson_ci is not None
    assert wider.pearson_ci[0] < narrower.pearson_ci[0] < narrower.pearson_ci[1] < wider.pearson_ci[1]


def test_too_few_pairs_or_a_constant_side_give_no_correlation() -> None:
    two = correlate([1, 2], [3, 5])
    assert two.n == 2
    assert (two.pearson, two.pearson_ci, two.pearson_p, two.spearman, two.spearman_ci, two.spearman_p) == (None,) * 6
    constant = correlate([1, 2, 3, 4], [7, 7, 7, 7])
    assert constant.n == 4 and constant.pearson is None and constant.spearman_ci is None


def test_pairs_with_a_missing_side_are_dropped() -> None:
    result = correlate([1, None, 2, 3, math.nan, 4], [2, 5, 4, None, 1, 8])
    assert result.n == 3  # (1, 2), (2, 4), (4, 8): exactly linear
    assert result.pearson == pytest.approx(1.0) and result.spearman == pytest.approx(1.0)
    with pytest.raises(ValueError, match="pair"):
        correlate([1, 2, 3], [1, 2])


def test_resamples_with_a_constant_side_are_left_out_of_the_interval_quietly() -> None:
    # Mostly zeros: many resamples draw no 1 at all and have no correlation.
    xs = [0, 0, 0, 0, 0, 1, 0, 0, 1, 0]
    ys = list(range(1, 11))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = correlate(xs, ys)
    assert result.pearson_ci is not None and result.spearman_ci is not None
    low, high = result.pearson_ci
    assert -1.0 <= low < high <= 1.0


def test_large_groups_get_fisher_intervals_close_to_the_bootstrap() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=formulas.BOOTSTRAP_MAX_N + 1)
    y = 0.5 * x + rng.normal(size=x.size)
    large = formulas.correlate(list(x), list(y))
    boot = formulas.correlate(list(x[:-1]), list(y[:-1]))  # one pair fewer: still bootstrapped
    assert large.pearson_ci is not None and boot.pearson_ci is not None
    assert large.pearson_ci[0] < large.pearson < large.pearson_ci[1]
    assert abs(large.pearson_ci[0] - boot.pearson_ci[0]) < 0.02 and abs(large.pearson_ci[1] - boot.pearson_ci[1]) < 0.02
    assert large.spearman_ci is not None and large.spearman_ci[0] < large.spearman < large.spearman_ci[1]
