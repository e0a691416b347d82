"""The heat state both engines fold events into and rank from: decayed sums per topic, nationally
and per city, and every account's decayed participation count per topic.

No I/O and no clock: ``fold`` and ``rank`` take the time. Sums are stored *scaled* by
``2 ** ((t - epoch) / half_life)`` so that decaying every topic costs nothing: the true value of a
stored number ``x`` at time ``now`` is ``x / 2 ** ((now - epoch) / half_life)``. Once the scale
grows large (about every 12 days) ``rebase`` rewrites every number and prunes what has decayed
to nothing.

Ranking uses only the standard library. Heat at any time is
``strength × novelty(ratio × G(now)) / scale(now)`` (see ``plaza.hot.heat``), where strength is
homogeneous in the decayed sums (it does not change while a slot gets no events), the baseline
``ratio`` changes only with activity, and ``G`` only falls with time. So a slot stores ``bound``,
its strength times its novelty when last derived: until the slot's next event,
``heat ≤ bound / scale(now)``. Reads can at most double strength (spread ≤ base).

Each scope keeps a *pool*: slots whose bound is at least ``pool_floor`` (about the ``POOL_SIZE``
largest). Invariant: a slot outside the pool has heat ≤ ``pool_floor / scale``; a pool slot's bound
is always current (reads re-derive pool slots, and outside slots whose doubled bound reaches the
floor). A refresh computes exact heat for pool slots only, largest bound first, until no further
slot can make the list; when the pool cannot prove that no slot outside it belongs on the list, it
scans the whole scope and rebuilds the pool. The pool only saves time: the lists are the same
with or without it.
"""

from __future__ import annotations

import heapq
import marshal
import math
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from plaza.hot import heat as heatmod
from plaza.hot.events import EFFECTS, INTERACTION
from plaza.hot.lists import LIST_SIZE, AdminState, HotEntry, HotSnapshot, scope_of
from plaza.hot.trust import TRUST_UNITS

__all__ = ["ActDelta", "HeatState", "ReadDelta"]

#: (city, trust units of one read, {topic: reads}): reads of one city at one weight
ReadDelta = tuple[str | None, int, Mapping[str, int]]
#: ((kind, topic, city, account_id, trust units), events)
ActDelta = tuple[tuple[str, str, str | None, int | None, int], int]
#: topics → {topic: (reads, discussions)} for the entries of the lists
Totals = Callable[[list[str]], dict[str, tuple[int, int]]]

_SHORT = heatmod.SHORT_HALF_LIFE
_LONG = heatmod.LONG_HALF_LIFE
_TOPIC_BITS = 30
_MAX_TOPICS = 1 << _TOPIC_BITS
#: Rebase once the short scale reaches 2**600 (12.5 days): far from float overflow (2**1023).
_REBASE_EXPONENT = 600.0
#: Participation counts below this are forgotten (about 6.6 half-lives after the last event).
_PRUNE_BELOW = 0.01
#: A topic (or city slot) whose every sum is below this at a rebase is forgotten.
_FORGET_BELOW = 1e-3
_PRUNE_EVERY = 3600.0
_FORMAT = 2
#: Slots kept in a scope's ranking pool (rebuilt when it grows past twice this).
POOL_SIZE = 8 * LIST_SIZE


def _exact_strength(sums: _Sums, slot: int) -> float:
    """``heat.strength`` of a slot from its current sums (without the jitter)."""
    return heatmod.strength(
        sums.short[0][slot], sums.short[1][slot], sums.short[2][slot], sums.reads[slot]
    )


def _jitter(topic: str) -> float:
    return 1.0 + 1e-7 * zlib.crc32(topic.encode()) / 2**32


class _Sums:
    """Decayed sums of one list's scope: one slot per topic.

    ``short`` holds the search, discussion and interaction sums (index = participation class),
    ``base`` = search + discussion, ``reads`` the trust-weighted reads, ``baseline`` the slow sum
    of the same increments as ``base``; ``ratio`` (base / baseline) and ``bound`` (an upper bound
    of heat × scale until the next activity) are derived from them at each activity.
    """

    def __init__(self, national: bool) -> None:
        self.national = national
        self.topic_of = array("q")  # slot → topic index (unused for the national scope)
        self.slot_of: dict[int, int] = {}
        self.short = [array("d"), array("d"), array("d")]
        self.base = array("d")
        self.reads = array("d")
        self.baseline = array("d")
        self.bound = array("d")
        self.ratio = array("d")
        #: slots with bound ≥ pool_floor (None: rebuild at the next ranking)
        self.pool: set[int] | None = None
        self.pool_floor = 0.0

    def arrays(self) -> list[array[float]]:
        return [*self.short, self.base, self.reads, self.baseline, self.bound, self.ratio]

    def derive(self, slots: Iterable[int], jitter: array[float], g: float) -> None:
        """Recompute baseline ratio and bound of ``slots`` from their sums (``g``: the novelty
        time factor now) and keep the pool up to date."""
        i = self.short[INTERACTION]
        reads, base, baseline = self.reads, self.base, self.baseline
        bound, ratio = self.bound, self.ratio
        pool, pool_floor = self.pool, self.pool_floor
        topic_of, national = self.topic_of, self.national
        novelty = heatmod.novelty
        # heatmod.strength, inlined: this loop runs for every slot that changed
        read_weight, scale = heatmod.READ_WEIGHT, heatmod.HEAT_SCALE
        rate_min, rate_span = heatmod.RATE_MIN, heatmod.RATE_MAX - heatmod.RATE_MIN
        for slot in slots:
            b = base[slot]
            long = baseline[slot]
            r = ratio[slot] = b / long if long > 0.0 else math.inf
            if b > 0.0:
                reach = read_weight * reads[slot]
                st = (
                    scale
                    * (b + b * reach / (reach + b))
                    * (rate_min + rate_span * i[slot] / (i[slot] + reach + b))
                )
                st *= jitter[slot if national else topic_of[slot]] * novelty(r * g)
            else:
                st = 0.0
            bound[slot] = st
            if pool is not None:
                if st >= pool_floor:
                    pool.add(slot)
                else:
                    pool.discard(slot)
        if pool is not None and len(pool) > 2 * POOL_SIZE:
            # every slot outside is below the old floor, so the pool can shrink by itself
            floor = heapq.nlargest(POOL_SIZE, [bound[slot] for slot in pool])[-1]
            self.pool = {slot for slot in pool if bound[slot] >= floor}
            self.pool_floor = floor

    def rebuild_pool(self, jitter: array[float], g: float) -> set[int]:
        """About the ``POOL_SIZE`` slots of largest bound, by a full scan. Bounds of slots that
        only had reads may be up to half their heat, so every slot within a factor two of the
        floor is re-derived first."""
        bound = self.bound
        if len(bound) <= POOL_SIZE:
            self.pool, self.pool_floor = None, 0.0
            self.derive(range(len(bound)), jitter, g)
            self.pool = set(range(len(bound)))
            return self.pool
        floor = heapq.nlargest(POOL_SIZE, bound)[-1]
        self.pool, self.pool_floor = set(), floor
        self.derive([slot for slot, x in enumerate(bound) if x * 2.0 >= floor], jitter, g)
        return self.pool

    def grow(self) -> None:
        for a in self.arrays():
            a.append(0.0)

    def slot(self, topic: int) -> int:
        if self.national:
            return topic
        slot = self.slot_of.get(topic)
        if slot is None:
            slot = len(self.topic_of)
            self.slot_of[topic] = slot
            self.topic_of.append(topic)
            self.grow()
        return slot

    def topic(self, slot: int) -> int:
        return slot if self.national else self.topic_of[slot]

    def dump(self) -> list[bytes]:
        return [self.topic_of.tobytes()] + [a.tobytes() for a in self.arrays()]

    @classmethod
    def load(cls, national: bool, data: list[bytes]) -> _Sums:
        sums = cls(national)
        sums.topic_of.frombytes(data[0])
        for a, raw in zip(sums.arrays(), data[1:], strict=True):
            a.frombytes(raw)
        if not national:
            sums.slot_of = {t: s for s, t in enumerate(sums.topic_of)}
        return sums


class HeatState:
    """Topics, their decayed sums (national and per city) and accounts' participation counts."""

    def __init__(self, epoch: float = 0.0) -> None:
        self.epoch = epoch
        self.last_prune = epoch
        self.topics: list[str] = []
        self.index: dict[str, int] = {}
        self.national = _Sums(national=True)
        self.cities: dict[str, _Sums] = {}
        #: (account key, topic, class) packed in one int → scaled decayed event count
        self.parts: dict[int, float] = {}
        #: per topic, 1 + a stable 1e-7-sized amount from the name's CRC-32: exact ties of heat
        #: would otherwise be common (many topics with one trusted post) and every process must
        #: break them the same way
        self.jitter = array("d")

    # --- topics ----------------------------------------------------------------------------

    def intern(self, topic: str) -> int:
        i = self.index.get(topic)
        if i is None:
            i = len(self.topics)
            if i >= _MAX_TOPICS:
                raise OverflowError("hot search tracks at most 2**30 topics")
            self.topics.append(topic)
            self.index[topic] = i
            self.jitter.append(_jitter(topic))
            self.national.grow()
        return i

    def _city(self, code: str) -> _Sums:
        sums = self.cities.get(code)
        if sums is None:
            sums = self.cities[code] = _Sums(national=False)
        return sums

    # --- folding events in -----------------------------------------------------------------

    def _scales(self, now: float) -> tuple[float, float]:
        return 2.0 ** ((now - self.epoch) / _SHORT), 2.0 ** ((now - self.epoch) / _LONG)

    def fold(self, reads: Iterable[ReadDelta], acts: Iterable[ActDelta], now: float) -> None:
        """Add the events gathered since the last fold, all at time ``now``."""
        if (now - self.epoch) / _SHORT > _REBASE_EXPONENT:
            self.rebase(now)
        elif now - self.last_prune >= _PRUNE_EVERY:
            self.prune(now)
        up_short, up_long = self._scales(now)
        index, intern, nat, city_sums = self.index, self.intern, self.national, self._city
        touched_nat: set[int] = set()
        touched: dict[str, set[int]] = {}
        # Activity first, so that reads in the same period count for a city slot it creates.
        g = heatmod.participation
        parts = self.parts
        long_per_short = up_long / up_short
        for (kind, topic, city, account, units), count in acts:
            i = index.get(topic)
            if i is None:
                i = intern(topic)
            if units <= 0:
                continue
            weight = units / TRUST_UNITS
            who = account if account is not None else -1 - int(city or 0)
            key0 = ((who << _TOPIC_BITS) | i) << 2
            touched_nat.add(i)
            cs: _Sums | None = None
            cslot = 0
            if city:
                cs = city_sums(city)
                cslot = cs.slot(i)
                (touched.get(city) or touched.setdefault(city, set())).add(cslot)
            for cls, unit in EFFECTS[kind]:
                key = key0 | cls
                before = parts.get(key, 0.0) / up_short
                after = before + unit * count
                parts[key] = after * up_short
                inc = weight * (g(after) - g(before)) * up_short
                nat.short[cls][i] += inc
                if cs is not None:
                    cs.short[cls][cslot] += inc
                if cls != INTERACTION:
                    inc_long = inc * long_per_short
                    nat.base[i] += inc
                    nat.baseline[i] += inc_long
                    if cs is not None:
                        cs.base[cslot] += inc
                        cs.baseline[cslot] += inc_long
        # Reads add to the read sums; a slot is re-derived only where the pool invariant needs it
        # (see the module docstring) and only while it is a candidate (base ≥ MIN_BASE: below
        # that it stays below until its next activity, which derives it). A city slot is made
        # by activity in the city, not by reads: reads there before the topic's first activity
        # in the city count nationally only.
        floor = heatmod.MIN_BASE * up_short
        nat_reads, nat_base, nat_bound, nat_add = nat.reads, nat.base, nat.bound, touched_nat.add
        # re-derive pool slots and slots whose doubled bound reaches the floor (all of them while
        # the pool is to be rebuilt)
        nat_pool = nat.pool if nat.pool is not None else range(len(nat_base))
        nat_half = nat.pool_floor / 2.0
        for city, units, counts in reads:
            scale = units * up_short / TRUST_UNITS
            c = self.cities.get(city) if city else None
            if not city or c is None:
                for topic, n in counts.items():
                    i = index.get(topic)
                    if i is None:
                        i = intern(topic)
                        nat_pool = nat.pool if nat.pool is not None else range(len(nat_base))
                    nat_reads[i] += n * scale
                    if nat_base[i] >= floor and (i in nat_pool or nat_bound[i] >= nat_half):
                        nat_add(i)
                continue
            c_reads, c_base, c_bound, slot_of = c.reads, c.base, c.bound, c.slot_of
            c_pool = c.pool if c.pool is not None else range(len(c_base))
            c_half = c.pool_floor / 2.0
            c_add = (touched.get(city) or touched.setdefault(city, set())).add
            for topic, n in counts.items():
                i = index.get(topic)
                if i is None:
                    i = intern(topic)
                    nat_pool = nat.pool if nat.pool is not None else range(len(nat_base))
                x = n * scale
                nat_reads[i] += x
                if nat_base[i] >= floor and (i in nat_pool or nat_bound[i] >= nat_half):
                    nat_add(i)
                slot = slot_of.get(i)
                if slot is not None:
                    c_reads[slot] += x
                    if c_base[slot] >= floor and (slot in c_pool or c_bound[slot] >= c_half):
                        c_add(slot)
        g_now = up_long / up_short * heatmod.BASELINE_RATIO
        nat.derive(touched_nat, self.jitter, g_now)
        for code, slots in touched.items():
            self.cities[code].derive(slots, self.jitter, g_now)

    def prune(self, now: float) -> None:
        """Forget participation counts that have decayed to nothing."""
        floor = _PRUNE_BELOW * self._scales(now)[0]
        self.parts = {k: v for k, v in self.parts.items() if v >= floor}
        self.last_prune = now

    def rebase(self, now: float) -> None:
        """Rewrite every stored number at scale 1 for ``now`` and forget topics and city slots
        whose every sum has decayed to nothing (a pass over the state, about every 12 days)."""
        down_short = 2.0 ** (-(now - self.epoch) / _SHORT)  # underflows to 0.0, never overflows
        down_long = 2.0 ** (-(now - self.epoch) / _LONG)
        for sums in (self.national, *self.cities.values()):
            for a in (*sums.short, sums.base, sums.reads):
                a[:] = array("d", [x * down_short for x in a])
            sums.baseline[:] = array("d", [x * down_long for x in sums.baseline])
        parts = {k: v * down_short for k, v in self.parts.items() if v * down_short >= _PRUNE_BELOW}
        self.epoch = now
        self.last_prune = now

        def alive(sums: _Sums, slot: int) -> bool:
            return any(a[slot] >= _FORGET_BELOW for a in (*sums.short, sums.reads, sums.baseline))

        nat = self.national
        live_topics = {i for i in range(len(self.topics)) if alive(nat, i)}
        live_topics.update((key >> 2) & (_MAX_TOPICS - 1) for key in parts)
        kept = sorted(live_topics)
        renumber = {old: new for new, old in enumerate(kept)}
        self.topics = [self.topics[i] for i in kept]
        self.index = {t: i for i, t in enumerate(self.topics)}
        self.jitter = array("d", [self.jitter[i] for i in kept])
        fresh = _Sums(national=True)
        for a_new, a_old in zip(fresh.arrays(), nat.arrays(), strict=True):
            a_new.extend(a_old[i] for i in kept)
        self.national = fresh
        for code, sums in list(self.cities.items()):
            slots = [
                s
                for s in range(len(sums.topic_of))
                if sums.topic_of[s] in renumber and alive(sums, s)
            ]
            city = _Sums(national=False)
            city.topic_of.extend(renumber[sums.topic_of[s]] for s in slots)
            for a_new, a_old in zip(city.arrays()[:-2], sums.arrays()[:-2], strict=True):
                a_new.extend(a_old[s] for s in slots)
            city.bound.extend([0.0] * len(slots))
            city.ratio.extend([0.0] * len(slots))
            city.slot_of = {t: s for s, t in enumerate(city.topic_of)}
            if slots:
                self.cities[code] = city
            else:
                del self.cities[code]
        self.parts = {
            ((key >> (_TOPIC_BITS + 2)) << (_TOPIC_BITS + 2))
            | (renumber[(key >> 2) & (_MAX_TOPICS - 1)] << 2)
            | (key & 3): v
            for key, v in parts.items()
        }
        for sums in (self.national, *self.cities.values()):
            sums.derive(range(len(sums.base)), self.jitter, heatmod.BASELINE_RATIO)

    # --- heat and ranking ------------------------------------------------------------------

    def heat(self, topic: str, now: float, city: str | None = None) -> float:
        """The topic's heat now, nationally or in one city (0 when not a candidate)."""
        i = self.index.get(topic)
        sums: _Sums | None = self.national if city is None else self.cities.get(city)
        if i is None or sums is None:
            return 0.0
        slot = i if city is None else sums.slot_of.get(i)
        if slot is None:
            return 0.0
        try:
            factors = self._time_factors(now)
        except OverflowError:  # weeks without a fold: everything has decayed away
            return 0.0
        return self._heat(sums, slot, factors)

    def _time_factors(self, now: float) -> tuple[float, float, float]:
        """(1 / short scale, G, stored base floor) at ``now``: true heat of a slot is
        ``strength / scale × novelty(ratio × G)``."""
        up_short, up_long = self._scales(now)
        return (
            1.0 / up_short,
            up_long / up_short * heatmod.BASELINE_RATIO,
            heatmod.MIN_BASE * up_short,
        )

    def _heat(self, sums: _Sums, slot: int, factors: tuple[float, float, float]) -> float:
        inv, g, floor = factors
        if sums.base[slot] < floor:
            return 0.0
        return (
            _exact_strength(sums, slot)
            * self.jitter[sums.topic(slot)]
            * inv
            * heatmod.novelty(sums.ratio[slot] * g)
        )

    def _ranked(
        self, sums: _Sums, now: float, admin: AdminState, skip: str | None
    ) -> tuple[list[tuple[float, str]], list[str]]:
        """The top ``LIST_SIZE`` (heat, topic) of one scope, and topics held back for review."""
        factors = self._time_factors(now)
        inv, g, floor = factors
        bound, base, ratio = sums.bound, sums.base, sums.ratio
        novelty, topics, jitter = heatmod.novelty, self.topics, self.jitter
        n = len(base)

        def walk(slots: Iterable[int], slack: float) -> tuple[list[tuple[float, str]], list[str]]:
            # Largest bound first; stop once no further slot can beat the LIST_SIZE-th listable
            # heat seen so far (heat ≤ bound × slack × inv).
            listable: list[float] = []  # min-heap of the best LIST_SIZE listable heats
            scored: list[tuple[float, str]] = []
            most = slack * inv
            for slot in sorted(slots, key=bound.__getitem__, reverse=True):
                if len(listable) == LIST_SIZE and bound[slot] * most < listable[0]:
                    break
                if base[slot] < floor:
                    continue
                t = sums.topic(slot)
                h = _exact_strength(sums, slot) * jitter[t] * inv * novelty(ratio[slot] * g)
                topic = topics[t]
                scored.append((h, topic))
                if (
                    topic == skip
                    or admin.is_blocked(topic)
                    or (admin.review and topic not in admin.approved)
                ):
                    continue
                if len(listable) < LIST_SIZE:
                    heapq.heappush(listable, h)
                elif h > listable[0]:
                    heapq.heapreplace(listable, h)
            # rounded: sums folded in another order differ in the last bits, and ties must
            # still fall the same way in every process (by name)
            scored.sort(key=lambda e: (-round(e[0], 6), e[1]))
            taken: list[tuple[float, str]] = []
            held: list[str] = []
            for h, topic in scored:
                if topic == skip or admin.is_blocked(topic):
                    continue
                if admin.review and topic not in admin.approved:
                    held.append(topic)
                    continue
                taken.append((h, topic))
                if len(taken) == LIST_SIZE:
                    break
            return taken, held

        pool = sums.pool if sums.pool is not None else sums.rebuild_pool(jitter, g)
        taken, held = walk(pool, 1.0)
        if sums.pool_floor == 0.0:
            return taken, held  # the pool is every slot
        # Outside the pool, heat ≤ pool_floor × inv. An eligible slot has heat at least
        # HEAT_SCALE × RATE_MIN × MIN_BASE / NOVELTY_MAX (base ≥ MIN_BASE).
        if len(taken) == LIST_SIZE and sums.pool_floor * inv <= taken[-1][0]:
            return taken, held
        least = heatmod.HEAT_SCALE * heatmod.RATE_MIN * heatmod.MIN_BASE / heatmod.NOVELTY_MAX
        if len(taken) < LIST_SIZE and sums.pool_floor * inv < least:
            return taken, held
        sums.rebuild_pool(jitter, g)
        need = taken[-1][0] / inv / 2.0 if len(taken) == LIST_SIZE else 0.0
        return walk([slot for slot in range(n) if bound[slot] >= need], 2.0)

    def rank(
        self,
        now: float,
        admin: AdminState,
        previous: dict[str | None, HotSnapshot],
        totals: Totals,
    ) -> dict[str | None, HotSnapshot]:
        """Every list (key None: national, else a city code) as of ``now``.

        ``previous`` gives the lists of the last refresh (for ``onboard_at``); topics held back
        for review are added to ``admin.pending``; ``totals`` reads the entries' counters.
        """
        scopes: list[tuple[str | None, _Sums | None]] = [(None, self.national)]
        scopes += sorted(self.cities.items())
        scopes += [
            (code, None) for code in sorted(c for c in admin.pinned if c and c not in self.cities)
        ]
        ranked: dict[str | None, list[tuple[float, str]]] = {}
        for code, sums in scopes:
            pinned = admin.pinned.get(code)
            if sums is None:
                ranked[code] = []
                continue
            taken, held = self._ranked(sums, now, admin, pinned.topic if pinned else None)
            ranked[code] = taken
            for topic in held:
                admin.pending.setdefault(topic, now)
        listed = sorted({topic for taken in ranked.values() for _, topic in taken})
        counts = totals(listed)
        lists: dict[str | None, HotSnapshot] = {}
        for code, taken in ranked.items():
            pinned = admin.pinned.get(code)
            if not taken and pinned is None and code is not None:
                continue
            before = previous.get(code)
            onboard_at = (
                {e.topic: e.onboard_at for e in before.entries} if before is not None else {}
            )
            heats = sorted(h for h, _ in taken)
            median = heats[len(heats) // 2] if heats else 0.0
            entries = []
            for rank, (h, topic) in enumerate(taken, start=1):
                onboard = onboard_at.get(topic, now)
                reads, discussions = counts.get(topic, (0, 0))
                label = heatmod.label_for(h, median, len(taken), now - onboard)
                entries.append(HotEntry(rank, topic, round(h), label, onboard, reads, discussions))
            lists[code] = HotSnapshot(scope_of(code), code, now, tuple(entries), pinned)
        return lists

    # --- persistence -----------------------------------------------------------------------

    def dumps(self) -> bytes:
        """The whole state as bytes (``marshal`` of plain values: safe to load, fast)."""
        state: dict[str, Any] = {
            "format": _FORMAT,
            "epoch": self.epoch,
            "last_prune": self.last_prune,
            "topics": self.topics,
            "national": self.national.dump(),
            "cities": {code: sums.dump() for code, sums in self.cities.items()},
            "parts": self.parts,
        }
        return marshal.dumps(state)

    @classmethod
    def loads(cls, raw: bytes) -> HeatState:
        data = marshal.loads(raw)
        if data.get("format") != _FORMAT:
            raise ValueError("unknown hot search state format")
        state = cls(float(data["epoch"]))
        state.last_prune = float(data["last_prune"])
        state.topics = list(data["topics"])
        state.index = {t: i for i, t in enumerate(state.topics)}
        state.jitter = array("d", [_jitter(t) for t in state.topics])
        state.national = _Sums.load(True, data["national"])
        state.cities = {code: _Sums.load(False, raw) for code, raw in data["cities"].items()}
        state.parts = dict(data["parts"])
        return state
