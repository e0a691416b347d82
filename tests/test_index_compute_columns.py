"""The period's scoring a column at a time gives the very figures of the formulas applied an
account at a time: every stored number, type and order the same, on groups with every kind of
input (desk counts, help, hot events, reads, answer times, imported followers, ties, no data)."""

from __future__ import annotations

import math
import statistics
from collections import Counter, namedtuple
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import orjson
import pytest
from scipy import sparse
from sqlalchemy import text

from plaza.accounts.kinds import NATIONAL_REGION
from plaza.desk import rollup
from plaza.desk.metrics import parse_period
from plaza.index import compute, formulas
from plaza.index.compute import (
    _FLAG_BITS,
    _OF_DIMENSION,
    CASES_CHECKED,
    CASES_ON_TIME_MIN,
    DIMENSIONS,
    GROUP_KINDS,
    INDICATORS,
    MENTIONS_ANSWERED_MIN,
    MENTIONS_CHECKED,
    PEERS,
    REPOSTS_ONLY_POSTS,
    Inputs,
    Settings,
    Totals,
    groups_of,
    median_of,
)
from plaza.instance import Plaza
from tests.test_index_compute import square as square  # noqa: F401  (the fixture)

Account = namedtuple("Account", "id followers_count region_code level department_type")
PERIOD = parse_period("2026-11")
REGIONS = ("500103", "500000", "110101", "420100", "420102", "429004", "440300", NATIONAL_REGION, None)
LEVELS = ("national", "province", "city", "county", None)
DEPARTMENTS = ("public_security", "fire_rescue", "publicity", None)


# --- the formulas an account at a time (how the index was first computed) ---------------------------


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _raw(t: Mapping[str, Any], service: Mapping[str, int] | None, helped: int | None, followers: int,
         pagerank: float | None, h: int, hot: tuple[int, int] | None) -> dict[str, Any]:
    answers = t.get("_answers")
    median = rollup.quantile(answers, 0.5) if answers else None
    s = service or {}
    satisfaction = _rate(s.get("satisfied", 0), s.get("rated", 0))
    return {
        "posts": t["posts"], "originals": t["originals"], "active_days": t["active_days"],
        "reposts": t["reposts"], "trusted_reposters": t["trusted_reposters"],
        "reads": t["reads"] if t["reads_posts"] else None,
        "comments": t["comments"], "replies_to_citizens": t["replies_to_citizens"],
        "mention_answer_rate": _rate(t["mentions_answered"], t["mentions"]),
        "answer_minutes": round(median, 1) if median is not None else None,
        "hot_response_rate": _rate(hot[1], hot[0]) if hot else None,
        "on_time_acknowledgement_rate": _rate(s.get("ack_on_time", 0), s.get("ack_due", 0)),
        "on_time_reply_rate": _rate(s.get("reply_on_time", 0), s.get("reply_due", 0)),
        "satisfaction_rate": satisfaction,
        "help_completed": helped,
        "likes": t["likes"], "trusted_likes": t["trusted_likes"], "trusted_reposts": t["trusted_reposts"],
        "trusted_followers_gained": t["trusted_followers_gained"],
        "recognition_satisfaction": satisfaction,
        "followers": followers, "pagerank": pagerank, "h_index": h, "mentions": t["mentions"],
    }


def _flags(raw: Mapping[str, Any], t: Mapping[str, Any], service: Mapping[str, int] | None, silent: bool,
           hot: tuple[int, int] | None) -> list[str]:
    out = []
    if silent:
        out.append("silent_14_days")
    if t["mentions"] >= MENTIONS_CHECKED and (raw["mention_answer_rate"] or 0) < MENTIONS_ANSWERED_MIN:
        out.append("mentions_unanswered")
    if service and service.get("reply_due", 0) >= CASES_CHECKED and (raw["on_time_reply_rate"] or 0) < CASES_ON_TIME_MIN:
        out.append("cases_late")
    if t["posts"] >= REPOSTS_ONLY_POSTS and not t["originals"]:
        out.append("only_reposts")
    if hot and hot[0] > 0 and hot[1] == 0:
        out.append("hot_events_unanswered")
    return out


def _normalised(raws: Sequence[Mapping[str, Any]]) -> list[dict[str, float | None]]:
    out: list[dict[str, float | None]] = [{} for _ in raws]
    for indicator in INDICATORS:
        if indicator.dimension is None:
            continue
        values = [raw.get(indicator.key) for raw in raws]
        if not indicator.log:
            normal = [None if v is None else round(100.0 * min(1.0, max(0.0, float(v))), 4) for v in values]
        else:
            normal = formulas.normalise([None if v is None else float(v) for v in values], log=True)
        for i, value in enumerate(normal):
            if value is not None and indicator.lower_is_better:
                value = 100.0 - value
            out[i][indicator.key] = value
    return out


def _dimensions(scores: Mapping[str, float | None]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for dimension, indicators in _OF_DIMENSION.items():
        weight = total = 0.0
        for key, w in indicators:
            value = scores.get(key)
            if value is not None:
                weight += w
                total += w * value
        out[dimension] = round(total / weight, 2) if weight else None
    return out


def _medians(results: Sequence[compute.Ranked], indicators: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"composite": median_of([r.composite for r in results]),
                           **{k: median_of([r.dimensions.get(k) for r in results]) for k in DIMENSIONS}}
    if indicators:
        out["indicators"] = {i.key: median_of([r.figures["raw"].get(i.key) for r in results]) for i in INDICATORS}
    return out


def by_account(group: Sequence[Account], inputs: Inputs, h_index: Mapping[int, int],
               settings: Settings) -> tuple[list[compute.Ranked], list[tuple[Any, ...]], list[tuple[Any, ...]], Any]:
    """The results, their rows, the groups' rows and everyone's medians, an account at a time."""
    totals: dict[int, dict[str, Any]] = {}
    for row, account_id in enumerate(inputs.totals.ids.tolist()):
        totals[account_id] = {name: int(column[row]) for name, column in inputs.totals.counts.items()}
        if account_id in inputs.totals.answers:
            totals[account_id]["_answers"] = inputs.totals.answers[account_id]
    zeros = Counter({name: 0 for name in compute._TOTALS})
    raws, extras = [], []
    for account in group:
        t = {**zeros, **totals.get(account.id, {})}
        followers = int(inputs.imported_followers.get(account.id, account.followers_count) or 0)
        hot = inputs.hot_events.get(account.id)
        helped = inputs.helped.get(account.id, 0) if account.id in inputs.responders else None
        raws.append(_raw(t, inputs.service.get(account.id), helped, followers, inputs.pageranks.get(account.id),
                         h_index.get(account.id, 0), hot))
        extras.append((t, hot))
    results = []
    for account, raw, scores, (t, hot) in zip(group, raws, _normalised(raws), extras, strict=True):
        dims = _dimensions(scores)
        mixed = formulas.composite({k: dims[k] for k in settings.weights}, settings.weights)
        bci = formulas.bci(t["posts"], t["originals"], t["reposts"], t["comments"], t["original_reposts"],
                           t["original_comments"], t["likes"])
        wci = (formulas.wci(t["reads"], t["reads_posts"], t["reads_max"], t["likes"], t["likes_max"])
               if t["reads_posts"] else None)
        flags = _flags(raw, t, inputs.service.get(account.id), account.id not in inputs.posted, hot)
        figures = {"raw": raw, "scores": {k: (round(v, 2) if v is not None else None) for k, v in scores.items()},
                   "partial": mixed.partial, "flags": flags,
                   "bci_parts": {"w1": round(bci.w1, 4), "w2": round(bci.w2, 4)},
                   "wci_parts": ({"read": round(wci.read, 4), "like": round(wci.like, 4)} if wci else None)}
        results.append(compute.Ranked(account.id, round(mixed.value or 0.0, 2), dims, round(bci.value, 2),
                                      round(wci.value, 2) if wci else None, 0, figures,
                                      sum(_FLAG_BITS[f] for f in flags)))
    results.sort(key=lambda r: (-r.composite, -r.bci, r.account_id))
    results = [compute.Ranked(r.account_id, r.composite, r.dimensions, r.bci, r.wci, i + 1, r.figures, r.flags)
               for i, r in enumerate(results)]
    accounts = {a.id: a for a in group}
    rows = []
    members: dict[tuple[str, str], list[compute.Ranked]] = {}
    for r in results:
        groups = groups_of(accounts[r.account_id])
        ranks = {}
        for kind in GROUP_KINDS:
            if groups[kind] is not None:
                found = members.setdefault((kind, str(groups[kind])), [])
                found.append(r)
                ranks[kind] = len(found)
        r.figures["group_ranks"] = ranks
        if groups["level"] is not None and groups["department_type"] is not None:
            members.setdefault((PEERS, f"{groups['level']}|{groups['department_type']}"), []).append(r)
        rows.append((PERIOD.key, r.account_id, r.composite, *(r.dimensions.get(k) for k in DIMENSIONS), r.bci, r.wci,
                     r.rank, orjson.dumps(r.figures).decode(), r.flags, groups["region_code"], groups["city"],
                     groups["province"], groups["level"], groups["department_type"]))
    group_rows = [(PERIOD.key, kind, key, len(found), orjson.dumps(_medians(found, kind == PEERS)).decode())
                  for (kind, key), found in members.items()]
    return results, rows, group_rows, _medians(results)


# --- random groups -----------------------------------------------------------------------------------


def random_group(seed: int, n: int) -> tuple[list[Account], Inputs, dict[int, int]]:
    """``n`` government accounts with every kind of input, many ties and gaps."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(10**6, n + 20, replace=False)).astype(np.int64) << 16
    group = [Account(int(i), int(rng.integers(0, 50)) * int(rng.integers(0, 2)), REGIONS[rng.integers(len(REGIONS))],
                     LEVELS[rng.integers(len(LEVELS))], DEPARTMENTS[rng.integers(len(DEPARTMENTS))])
             for i in ids[:n]]
    # counted: most of the group, and accounts not in it (suspended since, say)
    counted = rng.permutation(ids)[: int(0.8 * len(ids))]
    small = rng.random() < 0.3  # every count of a kind the same now and then
    counts = {}
    for name in compute._TOTALS:
        values = rng.integers(0, 3 if small else 40, len(counted)) * (rng.random(len(counted)) < 0.7)
        if name in ("reads", "reads_max"):
            values = values * 997
        counts[name] = values.astype(np.int64)
    counts["reads_posts"] = np.where(rng.random(len(counted)) < 0.2, counts["reads_posts"], 0)
    counts["mentions_answered"] = np.minimum(counts["mentions_answered"], counts["mentions"])
    counts["originals"] = np.minimum(counts["originals"], counts["posts"])
    answers = {int(a): Counter({int(b): int(c) for b, c in zip(rng.integers(0, 60, 4), rng.integers(0, 3, 4),
                                                                  strict=True)})
               for a in counted[rng.random(len(counted)) < 0.4]}
    some = [int(i) for i in ids if rng.random() < 0.3]
    service = {a: {"ack_due": int(rng.integers(0, 8)), "ack_on_time": int(rng.integers(0, 5)),
                   "reply_due": int(rng.integers(0, 10)), "reply_on_time": int(rng.integers(0, 6)),
                   "rated": int(rng.integers(0, 4)), "satisfied": int(rng.integers(0, 3))} for a in some[::2]}
    service.update({a: {} for a in some[1::4]})
    inputs = Inputs(
        totals=Totals(counted, counts, answers),
        posted={int(i) for i in ids if rng.random() < 0.6},
        service=service,
        helped={a: int(rng.integers(0, 9)) for a in some[::3]},
        responders=set(some[::2]),
        pageranks={int(i): float(rng.random()) / (n + 1) for i in ids if rng.random() < 0.9},
        imported_followers={int(i): (None if rng.random() < 0.3 else int(rng.integers(0, 10**6))) for i in some[::5]},
        hot_events={a: (int(rng.integers(0, 4)), 0) for a in some[::3]} | {a: (4, 2) for a in some[1::5]})
    h_index = {int(i): int(rng.integers(0, 7)) for i in ids if rng.random() < 0.5}
    return group, inputs, h_index


SETTINGS = (Settings(), Settings(weights={"reach": 1, "service": 0, "interaction": 2}),
            Settings(weights={"service": 1.0}))


@pytest.mark.parametrize("seed", range(12))
def test_the_columns_give_the_figures_of_the_formulas_account_by_account(seed: int) -> None:
    group, inputs, h_index = random_group(seed, n=(0, 1, 2, 7)[seed] if seed < 4 else 150 + 40 * seed)
    settings = SETTINGS[seed % len(SETTINGS)]
    results, rows, group_rows, median = by_account(group, inputs, h_index, settings)
    scored = compute._score(group, inputs, settings, lambda: h_index)
    assert [(r.account_id, r.composite, r.dimensions, r.bci, r.wci, r.rank, r.flags) for r in scored.results] == \
        [(r.account_id, r.composite, r.dimensions, r.bci, r.wci, r.rank, r.flags) for r in results]
    stored, stored_groups, stored_median = compute._rows(PERIOD, scored)  # group ranks now in the figures
    assert [orjson.dumps(r.figures) for r in scored.results] == [orjson.dumps(r.figures) for r in results]
    assert stored == rows  # the figures to the byte
    assert stored_groups == group_rows  # in the same order
    assert orjson.dumps(stored_median) == orjson.dumps(median)


def test_a_group_without_any_data_ranks_everyone_level() -> None:
    group = [Account(i << 16, 0, "500103", "city", "publicity") for i in range(1, 5)]
    empty = Totals(np.zeros(0, dtype=np.int64), {name: np.zeros(0, dtype=np.int64) for name in compute._TOTALS}, {})
    inputs = Inputs(empty, set(), {}, {}, set(), {}, {}, {})
    scored = compute._score(group, inputs, Settings(), dict)
    assert [r.rank for r in scored.results] == [1, 2, 3, 4] and {r.composite for r in scored.results} == {0.0}
    assert compute._rows(PERIOD, scored)[0] == by_account(group, inputs, {}, Settings())[1]


def test_medians_keep_whole_counts_whole_as_statistics_median_does() -> None:
    codes = np.array([0, 0, 0, 1, 1, -1, 2], dtype=np.intp)
    counts = np.array([3, 1, 2, 4, 7, 9, 5], dtype=np.int64)
    column = compute._Column.of(counts, np.ones(7, dtype=np.bool_))
    assert column.medians(codes, 4) == [2, 5.5, 5, None]
    assert [type(m) for m in column.medians(codes, 3)] == [int, float, int]
    rates = np.array([0.5, np.nan, 0.25, 0.1, 0.2, 0.3, np.nan])
    assert compute._Column.of(rates, ~np.isnan(rates)).medians(codes, 3) == \
        [median_of([0.5, None, 0.25]), median_of([0.1, 0.2]), None]
    assert statistics.median([3, 1, 2]) == 2


# --- PageRank and the follow graph -------------------------------------------------------------------


def pagerank_as_first_written(edges: np.ndarray, damping: float = 0.85, tol: float = 1e-10,
                              nodes: Sequence[int] = ()) -> dict[int, float]:
    """formulas.pagerank as it was: np.unique's inverse, and the matrix made by SciPy."""
    pairs = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    ids, index = np.unique(np.concatenate([pairs.ravel(), np.asarray(nodes, dtype=np.int64)]), return_inverse=True)
    n = len(ids)
    follower, followed = index[: 2 * len(pairs): 2], index[1: 2 * len(pairs): 2]
    keep = follower != followed
    incoming = sparse.csr_array((np.ones(int(keep.sum())), (followed[keep], follower[keep])), shape=(n, n))
    incoming.sum_duplicates()
    incoming.data[:] = 1.0
    out = np.bincount(incoming.indices, minlength=n).astype(np.float64)
    dangling = out == 0
    share = np.divide(1.0, out, out=np.zeros(n), where=~dangling)
    rank = np.full(n, 1.0 / n)
    while True:
        updated = damping * (incoming @ (rank * share)) + (damping * rank[dangling].sum() + 1.0 - damping) / n
        change = float(np.abs(updated - rank).sum())
        rank = updated
        if change < tol:
            rank /= rank.sum()
            return dict(zip(ids.tolist(), rank.tolist(), strict=True))


@pytest.mark.parametrize("in_order", [False, True])
def test_pagerank_is_the_same_to_the_bit_whatever_order_the_follows_come_in(in_order: bool) -> None:
    rng = np.random.default_rng(3)
    ids = np.sort(rng.choice(2**40, 3000, replace=False)).astype(np.int64) << 16
    edges = np.stack([ids[rng.integers(0, 3000, 40_000)], ids[(rng.zipf(1.5, 40_000) * 7919) % 3000]], axis=1)
    edges = np.concatenate([edges, edges[:500], np.stack([ids[:5], ids[:5]], axis=1)])  # repeated, self-follows
    if in_order:  # as SQLite reads them, by the follows' (follower, followed) index
        edges = edges[np.lexsort((edges[:, 1], edges[:, 0]))]
    assert formulas.pagerank(edges) == pagerank_as_first_written(edges)
    extra = [int(ids[0]), 12345 << 16]
    assert formulas.pagerank(edges, nodes=extra) == pagerank_as_first_written(edges, nodes=extra)


def test_the_follow_graph_is_read_whole(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    with plaza.db.read() as conn:
        pairs = conn.execute(text("SELECT account_id, target_account_id FROM follows")).all()
        graph = compute._follow_graph(conn)
    assert len(pairs) > 0
    assert sorted(map(tuple, graph.tolist())) == sorted((int(a), int(b)) for a, b in pairs)


def test_the_days_totals_are_read_whole(plaza: Plaza, square) -> None:  # type: ignore[no-untyped-def]
    from plaza.index import daily
    from plaza.storage.schema import index_daily

    period = parse_period("2026-11")
    daily.compute_days(plaza.db, period.first, period.end)
    with plaza.db.read() as conn:
        days = conn.execute(index_daily.select()).all()
        totals = compute._totals(conn, period.first, period.end)
    assert len(days) > 0
    for row, account_id in enumerate(totals.ids.tolist()):
        mine = [d for d in days if d.account_id == account_id]
        for name in compute._SUMMED:
            assert totals.counts[name][row] == sum(getattr(d, name) for d in mine), name
        for name in compute._MAXIMA:
            assert totals.counts[name][row] == max(getattr(d, name) for d in mine), name
        assert totals.counts["active_days"][row] == sum(1 for d in mine if d.posts + d.replies_given > 0)
        answers = ",".join(d.answer_minutes for d in mine if d.answer_minutes)
        assert totals.answers.get(account_id, Counter()) == rollup.parse(answers)
    assert set(totals.ids.tolist()) == {d.account_id for d in days}
    assert square["fabu"].id in totals.answers


@pytest.mark.parametrize("places", [1, 2, 4])
def test_rounding_a_column_gives_pythons_round_to_the_bit(places: int) -> None:
    rng = np.random.default_rng(places)
    values = np.concatenate([rng.random(200_000) * 100, np.round(rng.random(50_000) * 100, places + 1),
                             np.arange(0, 100, 0.005), rng.random(1000) * 1e-3, rng.random(1000) * 1e6,
                             [0.0, 100.0, 0.125, 0.375, 2.675, 1.005, 0.285, 0.145, 1e13 + 0.5, np.nan]])
    expected = [None if np.isnan(v) else round(v, places) for v in values.tolist()]
    assert compute._rounded(values, places) == expected
    assert [math.copysign(1, v) for v in compute._rounded(-values[:1000], places) if v is not None] == \
        [math.copysign(1, round(-v, places)) for v in values[:1000].tolist()]
