"""Specification of hot search's pure rules: trust weights, the heat formula, labels, and the
heat-curve helpers over snapshots."""

from __future__ import annotations

import math
import random

import pytest

from plaza.hot import HotEntry, HotSnapshot, half_life, heat_curve, peak_rank, time_on_list
from plaza.hot import heat as h
from plaza.hot.lists import LIST_SIZE, AdminState
from plaza.hot.state import HeatState
from plaza.hot.trust import ANONYMOUS_TRUST, TRUST_FLOOR, TrustInputs, trust_units, trust_weight


def test_a_fresh_unverified_inactive_account_weighs_the_floor() -> None:
    assert trust_weight(TrustInputs(age_days=0)) == TRUST_FLOOR
    assert trust_weight(TrustInputs(age_days=1)) == TRUST_FLOOR
    # a farm of 1,000 of them weighs what two active year-old accounts weigh
    assert pytest.approx(
        2 * trust_weight(TrustInputs(age_days=400, active_days_30=20))
    ) == 1000 * TRUST_FLOOR


def test_trust_grows_with_age_and_activity_and_verification_lifts_it() -> None:
    weights = [trust_weight(TrustInputs(age_days=d, active_days_30=15)) for d in (7, 30, 60, 400)]
    assert weights == sorted(weights) and weights[-1] == 1.0
    assert trust_weight(TrustInputs(age_days=30, active_days_30=15)) == pytest.approx(0.25)
    assert trust_weight(TrustInputs(age_days=400, active_days_30=0)) == pytest.approx(0.4)
    assert trust_weight(TrustInputs(age_days=2, verified=True)) == pytest.approx(0.9)


def test_spam_reports_and_silencing_take_weight_away() -> None:
    active = TrustInputs(age_days=400, active_days_30=20)
    assert trust_weight(
        TrustInputs(age_days=400, active_days_30=20, spam_reports=3)
    ) == pytest.approx(0.25)
    assert trust_weight(TrustInputs(age_days=400, active_days_30=20, silenced=True)) == 0.0
    assert trust_weight(active) == 1.0
    assert trust_units(ANONYMOUS_TRUST) == 10 and trust_units(2.0) == 1000 and trust_units(-1) == 0


def test_repeated_events_of_one_account_count_one_plus_log() -> None:
    assert h.participation(1) == 1
    assert h.participation(0.5) == 0.5
    assert h.participation(100) == pytest.approx(1 + math.log(100))
    assert 100 * h.participation(1) > 10 * h.participation(100)


def test_heat_needs_a_trusted_participant_and_reads_at_most_double_it() -> None:
    assert h.heat(0.5, 0.4, 0, 10**9, 0) == 0.0
    quiet = h.heat(0, 10, 0, 0, 1e9)
    read_a_lot = h.heat(0, 10, 0, 10**9, 1e9)
    assert read_a_lot / quiet == pytest.approx(2, rel=1e-6)


def test_heat_rewards_interaction_rate_and_novelty_within_bounds() -> None:
    steady_baseline = 10 * h.LONG_HALF_LIFE / h.SHORT_HALF_LIFE  # same rate as the window: q = 1
    steady = h.heat(0, 10, 0, 0, steady_baseline)
    assert steady == pytest.approx(h.HEAT_SCALE * 10 * h.RATE_MIN)
    assert h.heat(0, 10, 0, 0, 0) == pytest.approx(steady * h.NOVELTY_MAX)
    assert h.heat(0, 10, 0, 0, steady_baseline * 100) == pytest.approx(steady / h.NOVELTY_MAX)
    engaged = h.heat(0, 10, 10**6, 0, steady_baseline)
    assert engaged == pytest.approx(steady * h.RATE_MAX / h.RATE_MIN, rel=1e-5)
    assert h.heat(3, 7, 10**6, 10**9, 0) <= h.HEAT_BOUND * 10


def test_labels_are_relative_to_the_median_with_new_before_hot() -> None:
    old = h.NEW_SECONDS + 1
    assert h.label_for(800, 100, 50, old) == "爆"
    assert h.label_for(400, 100, 50, 0) == "沸"
    assert h.label_for(200, 100, 50, 0) == "新"
    assert h.label_for(200, 100, 50, old) == "热"
    assert h.label_for(199, 100, 50, old) is None
    assert h.label_for(10_000, 1, 3, old) is None  # three entries: no median worth the name


def snap(at: float, *entries: tuple[str, int], full: bool = False) -> HotSnapshot:
    rows = [HotEntry(i + 1, t, heat, None, 0.0, 0, 0) for i, (t, heat) in enumerate(entries)]
    if full:
        rows += [
            HotEntry(len(rows) + i + 1, f"填充{i}", 10, None, 0.0, 0, 0)
            for i in range(50 - len(rows))
        ]
    return HotSnapshot("national", None, at, tuple(rows))


def test_heat_curve_time_on_list_peak_rank_and_half_life() -> None:
    history = [
        snap(0, ("其他", 900), ("山火", 100)),
        snap(60, ("山火", 1000), ("其他", 500)),
        snap(120, ("山火", 800)),
        snap(180, ("其他", 700), ("山火", 500)),
        snap(240, ("其他", 700)),
    ]
    shuffled = [history[3], history[0], history[4], history[2], history[1]]
    curve = heat_curve(shuffled, "山火")
    assert [(p.at, p.heat, p.rank) for p in curve] == [
        (0, 100, 2),
        (60, 1000, 1),
        (120, 800, 1),
        (180, 500, 2),
    ]
    assert time_on_list(shuffled, "山火") == 240
    assert time_on_list(shuffled, "没上榜") == 0
    assert peak_rank(shuffled, "山火") == 1 and peak_rank(shuffled, "没上榜") is None
    assert half_life(shuffled, "山火") == 120  # peak 1000 at 60 s, 500 at 180 s
    assert half_life(history[:3], "山火") is None  # not yet halved


def test_half_life_counts_dropping_off_a_full_list_below_half_the_peak() -> None:
    history = [snap(0, ("山火", 1000), full=True), snap(60, full=True)]
    assert half_life(history, "山火") == 60
    assert half_life([snap(0, ("山火", 1000)), snap(60)], "山火") is None  # not full: unknown


def test_the_state_computes_the_documented_formula() -> None:
    state = HeatState(epoch=0.0)
    now = 1_800_000_000.0
    acts = [
        (("original", "山火", "500000", 1, 1000), 3),  # one trusted account, three posts
        (("original", "山火", "500000", 2, 500), 1),
        (("search", "山火", None, 3, 1000), 1),
        (("like", "山火", "500000", 4, 1000), 1),
    ]
    reads = [("500000", 1000, {"山火": 40}), (None, 10, {"山火": 100})]
    state.fold(reads, acts, now)
    search, discussion = 1.0, (1 + math.log(3)) + 0.5
    interaction, read_weight = 0.5, 40 + 0.01 * 100
    expected = h.heat(search, discussion, interaction, read_weight, search + discussion)
    assert state.heat("山火", now) == pytest.approx(expected, rel=1e-6)
    city = h.heat(0.0, discussion, interaction, 40, discussion)
    assert state.heat("山火", now, "500000") == pytest.approx(city, rel=1e-6)
    later = now + h.SHORT_HALF_LIFE  # all short sums halve; the baseline barely moves
    decay = 0.5 ** (h.SHORT_HALF_LIFE / h.LONG_HALF_LIFE)
    expected_later = h.heat(
        search / 2, discussion / 2, interaction / 2, read_weight / 2, (search + discussion) * decay
    )
    assert state.heat("山火", later) == pytest.approx(expected_later, rel=1e-6)


def _twin_states() -> tuple[HeatState, HeatState, float]:
    t0 = 1_800_000_000.0
    states = (HeatState(epoch=t0), HeatState(epoch=t0))
    for state in states:
        state.fold(
            [],
            [
                (("original", "甲", "500000", 1, 1000), 1),
                (("original", "甲", "500000", 2, 900), 1),
                (("original", "乙", None, 3, 1000), 2),
            ],
            t0,
        )
        state.fold(
            [("500000", 100, {"甲": 30})], [(("original", "甲", "500000", 1, 1000), 1)], t0 + 600
        )
    return states[0], states[1], t0


def test_rebase_keeps_every_heat_and_each_accounts_count() -> None:
    plain, rebased, t0 = _twin_states()
    rebased.rebase(t0 + 1200)
    for topic, city in (("甲", None), ("甲", "500000"), ("乙", None)):
        assert rebased.heat(topic, t0 + 1200, city) == pytest.approx(
            plain.heat(topic, t0 + 1200, city), rel=1e-9
        )
    for state in (plain, rebased):  # account 1's third post must still count as its third
        state.fold([], [(("original", "甲", "500000", 1, 1000), 1)], t0 + 1800)
    assert rebased.heat("甲", t0 + 1800) == pytest.approx(plain.heat("甲", t0 + 1800), rel=1e-9)
    assert rebased.heat("甲", t0 + 1800, "500000") == pytest.approx(
        plain.heat("甲", t0 + 1800, "500000"), rel=1e-9
    )


def test_a_rebase_forgets_topics_that_decayed_to_nothing_and_renumbers_the_rest() -> None:
    t0 = 1_800_000_000.0
    t1 = t0 + 12.4 * 86400  # not yet time to rebase
    t2 = t0 + 12.5 * 86400 + 60  # the scale has passed its limit: this fold rebases first
    y_early = [(("original", "乙", "310000", 8, 1000), 2)]
    y_late = [(("original", "乙", "310000", 8, 1000), 1)]  # account 8's third post
    state = HeatState(epoch=t0)
    state.fold([], [(("original", "甲", "500000", 5, 1000), 1)], t0)
    state.fold([], y_early, t1)
    assert state.topics == ["甲", "乙"]
    state.fold([], y_late, t2)
    assert state.topics == ["乙"] and list(state.cities) == ["310000"]
    alone = HeatState(epoch=t1)  # the same history of 乙, without 甲 ever existing
    alone.fold([], y_early, t1)
    alone.fold([], y_late, t2)
    for city in (None, "310000"):
        assert state.heat("乙", t2 + 60, city) == pytest.approx(
            alone.heat("乙", t2 + 60, city), rel=1e-9
        )
    assert state.heat("甲", t2 + 60) == 0.0


def test_ranking_with_pools_equals_ranking_every_topic() -> None:
    """The pools only save time: the lists are those of computing every topic's heat."""
    rng = random.Random(7)
    state = HeatState(epoch=0.0)
    now = 1_800_000_000.0
    topics = [f"话题{i}" for i in range(3000)]
    cities = ["500000", "310000", "510100", None]
    kinds = ("original", "repost", "reply", "like", "search")
    for minute in range(40):
        acts = []
        for _ in range(400):
            topic = topics[min(len(topics) - 1, int(rng.paretovariate(0.8)) - 1)]
            key = (
                rng.choice(kinds),
                topic,
                rng.choice(cities),
                rng.randrange(2000),
                rng.choice((2, 250, 900, 1000)),
            )
            acts.append((key, rng.randrange(1, 4)))
        reads = [
            (city, level, {rng.choice(topics): rng.randrange(1, 200) for _ in range(300)})
            for city in cities
            for level in (10, 1000)
        ]
        state.fold(reads, acts, now + 60 * minute)
        if minute % 10 == 9:
            at = now + 60 * minute + 30
            lists = state.rank(at, AdminState(), {}, lambda names: {})
            for code, _sums in [(None, state.national), *state.cities.items()]:
                everyone = sorted(
                    (
                        (state.heat(t, at, code), t)
                        for t in state.topics
                        if state.heat(t, at, code) > 0
                    ),
                    key=lambda e: (-round(e[0], 6), e[1]),
                )[:LIST_SIZE]
                assert lists[code].topics() == [t for _, t in everyone]


def test_reads_alone_can_lift_a_topic_from_outside_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from plaza.hot import state as state_module

    monkeypatch.setattr(state_module, "POOL_SIZE", 60)
    state = HeatState(epoch=0.0)
    now = 1_800_000_000.0
    acts = [
        (("original", f"话题{k:03d}", None, 10_000 * k + a, 1000), 1)
        for k in range(200)
        for a in range(k + 1)
    ]
    state.fold([], acts, now)
    before = state.rank(now, AdminState(), {}, lambda names: {})[None]
    assert "话题100" not in before.topics()
    state.fold([(None, 1000, {"话题100": 10**7})], [], now + 60)  # a flood of trusted reads
    after = state.rank(now + 60, AdminState(), {}, lambda names: {})[None]
    everyone = sorted(
        ((state.heat(t, now + 60), t) for t in state.topics), key=lambda e: (-e[0], e[1])
    )
    assert after.topics() == [t for _, t in everyone[:LIST_SIZE]]
    assert after.topics()[0] == "话题100"
