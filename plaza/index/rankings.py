"""Reading a computed index: the ranking of a group (by region, administrative level, department
type, matrix), its movement against the previous period and why it moved; one account's
indicators, its ranks in its groups, and its history against its group's median.

Everything here reads ``index_results`` as :mod:`plaza.index.compute` stored it: a ranking page
is one indexed query for the page plus one for the previous period's ranks of the same group.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from plaza import regions
from plaza.accounts.kinds import DEPARTMENT_TYPES, LEVELS, NATIONAL_REGION
from plaza.clock import as_utc
from plaza.desk.metrics import Period, parse_period
from plaza.errors import Invalid, NotFound
from plaza.index import formulas
from plaza.index.compute import DIMENSIONS, FLAGS, INDICATORS, PEERS, median_of, period_for
from plaza.storage.schema import accounts, index_groups, index_periods, index_results, matrices, matrix_members
from plaza.workflow.worktime import BEIJING

__all__ = ["Filters", "account_view", "computed", "computed_periods", "default_period", "filters_from", "ranked_regions",
           "ranking", "region_condition", "result_region"]

_FLAG_KEYS = tuple(FLAGS)
#: The periods of an account's history shown (the same kind as the one asked for).
HISTORY = 12


@dataclass(frozen=True, slots=True)
class Filters:
    """Which accounts a ranking holds: a region (province, city or county code; 000000 the
    national bodies), an administrative level, a department type, a matrix (by id)."""

    region: str | None = None
    level: str | None = None
    department_type: str | None = None
    matrix: int | None = None

    def check(self) -> Filters:
        if self.region is not None and self.region != NATIONAL_REGION and not regions.is_place(self.region):
            raise Invalid("index_region_invalid", value=self.region[:12])
        if self.level is not None and self.level not in LEVELS:
            raise Invalid("index_level_invalid", value=self.level[:20])
        if self.department_type is not None and self.department_type not in DEPARTMENT_TYPES:
            raise Invalid("index_department_type_invalid", value=self.department_type[:40])
        return self

    @property
    def active(self) -> bool:
        """Whether any filter narrows the group (else it is every ranked account)."""
        return any(v is not None for v in (self.region, self.level, self.department_type, self.matrix))

    def as_json(self) -> dict[str, Any]:
        return {"region": self.region, "level": self.level, "department_type": self.department_type,
                "matrix": self.matrix}


def region_condition(region: str) -> ColumnElement[bool]:
    """Accounts whose division lies in ``region`` (a province holds its cities and counties)."""
    code = accounts.c.region_code
    if region == NATIONAL_REGION:
        return code == NATIONAL_REGION
    if region.endswith("0000"):
        return code.like(region[:2] + "%")
    if region.endswith("00"):
        return code.like(region[:4] + "%")
    return code == region


def result_region(region: str) -> ColumnElement[bool]:
    """Results of accounts whose division lies in ``region``, by the groups stored with them
    (one index each: province, city, division)."""
    r = index_results.c
    if region == NATIONAL_REGION or region.endswith("0000"):
        return r.province == region
    if regions.city_code(region) == region:
        return r.city == region
    return r.region_code == region


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The filters on ``index_results``' own columns (the groups stored with each result)."""
    out: list[ColumnElement[bool]] = []
    if filters.region:
        out.append(result_region(filters.region))
    if filters.level:
        out.append(index_results.c.level == filters.level)
    if filters.department_type:
        out.append(index_results.c.department_type == filters.department_type)
    if filters.matrix is not None:
        out.append(index_results.c.account_id.in_(select(matrix_members.c.account_id).where(
            matrix_members.c.matrix_id == filters.matrix, matrix_members.c.removed_at.is_(None))))
    return out


def computed(conn: Connection, period: Period) -> Any:
    """The period's run (when, how many, the settings), or 404 ``index_not_computed``."""
    row = conn.execute(select(index_periods).where(index_periods.c.period == period.key)).first()
    if row is None:
        raise NotFound("index_not_computed", period=period.key)
    return row


def _account_json(row: Any) -> dict[str, Any]:
    return {"id": str(row.account_id), "username": row.username, "display_name": row.display_name,
            "agency": row.agency, "region_code": row.region_code, "level": row.level,
            "department_type": row.department_type}


def _flags(bits: int) -> list[str]:
    return [key for i, key in enumerate(_FLAG_KEYS) if bits & (1 << i)]


def _moved(figures: dict[str, Any], before: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not before:
        return []
    names = {i.key: i for i in INDICATORS}
    return [{"indicator": key, "name": names[key].zh, "name_en": names[key].en, "change": round(change, 2)}
            for key, change in formulas.movers(figures.get("scores", {}), before.get("scores", {}), k=3)]


_COLUMNS = (index_results.c.account_id, index_results.c.composite, index_results.c.reach, index_results.c.service,
            index_results.c.interaction, index_results.c.recognition, index_results.c.bci, index_results.c.wci,
            index_results.c.rank, index_results.c.flags, index_results.c.figures, accounts.c.username,
            accounts.c.display_name, accounts.c.agency, accounts.c.region_code, accounts.c.level,
            accounts.c.department_type)


def _group(period_key: str, filters: Filters) -> Any:
    return (select(*_COLUMNS).select_from(index_results.join(accounts, accounts.c.id == index_results.c.account_id))
            .where(index_results.c.period == period_key, *_conditions(filters)))


def _kind_of(filters: Filters) -> tuple[str, str] | None:
    """The one group (kind, key) of :data:`plaza.index.compute.GROUP_KINDS` a filter names, or
    None (no filter, several, or a matrix)."""
    named = [(k, v) for k, v in (("region", filters.region), ("level", filters.level),
                                 ("department_type", filters.department_type)) if v is not None]
    if filters.matrix is not None or len(named) != 1:
        return None
    kind, key = named[0]
    if kind == "region":
        if key == NATIONAL_REGION or key.endswith("0000"):
            kind = "province"
        elif regions.city_code(key) == key:
            kind = "city"
        else:
            kind = "region_code"
    return kind, key


def _kept_group(conn: Connection, period_key: str, filters: Filters) -> tuple[int, dict[str, Any]] | None:
    """A one-kind group's size and medians as stored with the run (None: not such a group, or
    a run from before groups were kept — then the group is read whole)."""
    kind = _kind_of(filters)
    if kind is None:
        return None
    found = _kept_groups(conn, period_key, {kind[0]: kind[1]}).get(kind)
    if found is None:
        kept_any = conn.execute(select(index_groups.c.kind).where(index_groups.c.period == period_key)
                                .limit(1)).first()
        return (0, {k: None for k in ("composite", *DIMENSIONS)}) if kept_any else None
    return found


def _kept_groups(conn: Connection, period_key: str, wanted: dict[str, str | None]) -> dict[tuple[str, str | None], Any]:
    """The kept (size, medians) of the groups ``wanted`` (kind → key) of a period, by (kind, key)."""
    pairs = [(kind, key) for kind, key in wanted.items() if key is not None]
    if not pairs:
        return {}
    rows = conn.execute(select(index_groups.c.kind, index_groups.c.key, index_groups.c.size, index_groups.c.median)
                        .where(index_groups.c.period == period_key,
                               or_(*(and_(index_groups.c.kind == k, index_groups.c.key == v) for k, v in pairs))))
    return {(r.kind, r.key): (int(r.size), json.loads(r.median)) for r in rows}


def _previous_ranks(conn: Connection, period: Period, filters: Filters,
                    ids: Sequence[int]) -> tuple[dict[int, int], dict[int, Any]]:
    """The previous period's ranks in the same group of the page's accounts (``ids``), and their
    figures (none when that period was not computed). Unfiltered, the stored rank is the group
    rank, and a one-kind group's rank is kept in the figures: a page reads only its own
    accounts' rows."""
    before = period.previous().key
    if not ids:
        return {}, {}
    kind = _kind_of(filters)
    member = index_results.c[kind[0]] if kind is not None else index_results.c.region_code
    mine = conn.execute(select(index_results.c.account_id, index_results.c.rank, index_results.c.figures,
                               member.label("member"))
                        .where(index_results.c.period == before, index_results.c.account_id.in_(list(ids)))).all()
    figures = {int(r.account_id): r.figures for r in mine}
    if not filters.active:
        return {int(r.account_id): int(r.rank) for r in mine}, figures
    if kind is not None and mine:
        kept = {int(r.account_id): (r.member, json.loads(r.figures).get("group_ranks")) for r in mine}
        if all(ranks is not None for _, ranks in kept.values()):  # a run that kept its groups' ranks
            return ({a: int(ranks[kind[0]]) for a, (key, ranks) in kept.items()
                     if key == kind[1] and kind[0] in ranks}, figures)
    ranked = conn.execute(select(index_results.c.account_id)
                          .where(index_results.c.period == before, *_conditions(filters))
                          .order_by(index_results.c.rank)).all()
    wanted = set(ids)
    return {int(r.account_id): i + 1 for i, r in enumerate(ranked) if int(r.account_id) in wanted}, figures


def ranking(conn: Connection, period: Period, filters: Filters = Filters(), *, limit: int = 50,
            offset: int = 0) -> dict[str, Any]:
    """A group's ranking for ``period``: best first, with each account's movement in the group
    against the previous period and the indicators that moved most."""
    filters.check()
    run = computed(conn, period)
    stored = json.loads(run.settings)
    kept = _kept_group(conn, period.key, filters)
    if not filters.active and "median" in stored:  # the whole group: counted when computed
        page = conn.execute(_group(period.key, filters).order_by(index_results.c.rank)
                            .limit(limit).offset(offset)).all()
        total, median = int(run.accounts), stored.pop("median")
    elif kept is not None:  # one region, level or department type: its size and medians kept too
        page = conn.execute(_group(period.key, filters).order_by(index_results.c.rank)
                            .limit(limit).offset(offset)).all()
        total, median = kept
        stored.pop("median", None)
    else:  # a group: its scores read once (size, medians, the page's ids), then the page's rows
        scores = conn.execute(select(index_results.c.account_id, index_results.c.composite,
                                     *(index_results.c[k] for k in DIMENSIONS))
                              .where(index_results.c.period == period.key, *_conditions(filters))
                              .order_by(index_results.c.rank)).all()
        total = len(scores)
        median = {"composite": median_of([r.composite for r in scores]),
                  **{k: median_of([getattr(r, k) for r in scores]) for k in DIMENSIONS}}
        ids = [int(r.account_id) for r in scores[offset:offset + limit]]
        page = (conn.execute(_group(period.key, Filters()).where(index_results.c.account_id.in_(ids))
                             .order_by(index_results.c.rank)).all() if ids else [])
        stored.pop("median", None)
    previous, previous_figures = _previous_ranks(conn, period, filters, [int(r.account_id) for r in page])
    rows = []
    for i, row in enumerate(page):
        figures = json.loads(row.figures)
        before = previous.get(int(row.account_id))
        place = offset + i + 1
        rows.append({
            "rank": place, "overall_rank": row.rank, "previous_rank": before,
            "movement": (before - place) if before else None,
            "account": _account_json(row), "composite": row.composite,
            **{k: getattr(row, k) for k in DIMENSIONS}, "bci": row.bci, "wci": row.wci,
            "partial": figures.get("partial", False), "flags": _flags(row.flags),
            "why_moved": _moved(figures, json.loads(previous_figures[int(row.account_id)])
                                if int(row.account_id) in previous_figures else None),
        })
    return {
        "period": period.as_json(), "computed_at": _local(run.computed_at), "settings": stored,
        "filters": filters.as_json(), "total": total, "limit": limit, "offset": offset,
        "median": median, "accounts": rows,
    }


def _local(moment: datetime | None) -> str | None:
    return as_utc(moment).astimezone(BEIJING).isoformat(timespec="seconds") if moment else None


def _rank_in(conn: Connection, period_key: str, composite: float, rank: int,
             condition: ColumnElement[bool] | None) -> dict[str, int]:
    """An account's place in a group: 1 + the group's accounts ranked above it; and the group's size."""
    base = select(func.count()).select_from(index_results).where(index_results.c.period == period_key)
    if condition is not None:
        base = base.where(condition)
    above = conn.execute(base.where(index_results.c.rank < rank)).scalar() or 0
    size = conn.execute(base).scalar() or 0
    return {"rank": int(above) + 1, "of": int(size)}


def account_view(conn: Connection, username: str, period: Period) -> dict[str, Any]:
    """One account's index for ``period``: indicators (raw, normalised, the group's median),
    dimensions, composite, BCI and WCI, its ranks overall and in its region, level and
    department type, its flags, why it moved, and its history against its group's median."""
    account = conn.execute(select(accounts).where(accounts.c.username_key == username.lower())).first()
    if account is None:
        raise NotFound("account_not_found")
    if account.kind != "government":
        raise NotFound("index_not_ranked", username=account.username)
    run = computed(conn, period)
    row = conn.execute(select(index_results).where(index_results.c.period == period.key,
                                                   index_results.c.account_id == account.id)).first()
    if row is None:
        raise NotFound("index_not_ranked", username=account.username)
    figures = json.loads(row.figures)
    peers = and_(index_results.c.level == account.level, index_results.c.department_type == account.department_type)
    peers_key = f"{account.level}|{account.department_type}"
    province = (NATIONAL_REGION if account.region_code == NATIONAL_REGION
                else (account.region_code or "")[:2] + "0000")
    kept = _kept_groups(conn, period.key, {"province": province, "level": account.level,
                                           "department_type": account.department_type, PEERS: peers_key})
    group_ranks = figures.get("group_ranks") or {}

    def rank_in(kind: str, key: str | None, condition: ColumnElement[bool]) -> dict[str, int]:
        if kind in group_ranks and (kind, key) in kept:  # as kept with the run
            return {"rank": int(group_ranks[kind]), "of": kept[kind, key][0]}
        return _rank_in(conn, period.key, row.composite, row.rank, condition)

    ranks = {
        "overall": {"rank": int(row.rank), "of": int(run.accounts)},
        "region": rank_in("province", province, result_region(province)),
        "level": rank_in("level", account.level, index_results.c.level == account.level),
        "department_type": rank_in("department_type", account.department_type,
                                   index_results.c.department_type == account.department_type),
    }
    if (PEERS, peers_key) in kept:
        group_size, peer_medians = kept[PEERS, peers_key][0], kept[PEERS, peers_key][1].get("indicators", {})
    else:
        group_scores = [json.loads(f) for (f,) in conn.execute(
            select(index_results.c.figures).where(index_results.c.period == period.key, peers))]
        group_size = len(group_scores)
        peer_medians = {i.key: median_of([g["raw"].get(i.key) for g in group_scores]) for i in INDICATORS}
    indicators = []
    for indicator in INDICATORS:
        indicators.append({
            "key": indicator.key, "name": indicator.zh, "name_en": indicator.en, "dimension": indicator.dimension,
            "value": figures["raw"].get(indicator.key), "score": figures["scores"].get(indicator.key),
            "group_median": peer_medians.get(indicator.key),
        })
    previous = conn.execute(select(index_results.c.figures, index_results.c.rank).where(
        index_results.c.period == period.previous().key, index_results.c.account_id == account.id)).first()
    history = []
    cursor = period
    for _ in range(HISTORY):
        mine = conn.execute(select(index_results.c.composite, index_results.c.rank, *(index_results.c[k] for k in DIMENSIONS))
                            .where(index_results.c.period == cursor.key, index_results.c.account_id == account.id)).first()
        if mine is not None:
            then = _kept_groups(conn, cursor.key, {PEERS: peers_key})
            if (PEERS, peers_key) in then:
                group_median = then[PEERS, peers_key][1].get("composite")
            else:
                group_median = median_of([c for (c,) in conn.execute(
                    select(index_results.c.composite).where(index_results.c.period == cursor.key, peers))])
            history.append({"period": cursor.key, "composite": mine.composite, "rank": mine.rank,
                            **{k: getattr(mine, k) for k in DIMENSIONS}, "group_median": group_median})
        cursor = cursor.previous()
    history.reverse()
    return {
        "account": {"id": str(account.id), "username": account.username, "display_name": account.display_name,
                    "agency": account.agency, "region_code": account.region_code, "level": account.level,
                    "department_type": account.department_type},
        "period": period.as_json(), "computed_at": _local(run.computed_at),
        "settings": {k: v for k, v in json.loads(run.settings).items() if k != "median"},
        "composite": row.composite, "dimensions": {k: getattr(row, k) for k in DIMENSIONS},
        "partial": figures.get("partial", False),
        "bci": {"value": row.bci, **figures.get("bci_parts", {})},
        "wci": ({"value": row.wci, **(figures.get("wci_parts") or {})} if row.wci is not None else None),
        "ranks": ranks, "previous_rank": previous.rank if previous else None,
        "flags": [{"key": f, "name": FLAGS[f][0], "name_en": FLAGS[f][1]} for f in _flags(row.flags)],
        "indicators": indicators,
        "why_moved": _moved(figures, json.loads(previous.figures) if previous else None),
        "history": history,
        "group": {"level": account.level, "department_type": account.department_type, "size": group_size},
    }


def matrix_id(conn: Connection, name: str | None) -> int | None:
    """A matrix by its id or name (None when not asked); 404 when there is no such matrix."""
    if not name:
        return None
    as_id = name.isascii() and name.isdigit() and int(name) < 2**63
    condition = matrices.c.id == int(name) if as_id else matrices.c.name == name[:60]
    found = conn.execute(select(matrices.c.id).where(condition)).scalar()
    if found is None:
        raise NotFound("matrix_not_found")
    return int(found)


def default_period(conn: Connection, asked: str | None) -> Period:
    """The period asked for, checked (not in the future); else the newest computed month."""
    if asked:
        return period_for(asked)
    newest = conn.execute(select(index_periods.c.period).where(index_periods.c.kind == "month")
                          .order_by(index_periods.c.period.desc()).limit(1)).scalar()
    return parse_period(newest) if newest else parse_period(None)


def filters_from(conn: Connection, text: Callable[[str], str | None]) -> Filters:
    """The filters a request asks for (``region``, ``level``, ``department_type``, ``matrix``), checked."""
    return Filters(region=text("region") or None, level=text("level") or None,
                   department_type=text("department_type") or None, matrix=matrix_id(conn, text("matrix"))).check()


def computed_periods(conn: Connection, *, limit: int = 200) -> list[dict[str, Any]]:
    """The periods that have a run, newest first within each kind (month, quarter, week, …):
    ``{key, kind, computed_at, accounts}`` — what a page offers to choose from."""
    rows = conn.execute(select(index_periods.c.period, index_periods.c.kind, index_periods.c.computed_at,
                               index_periods.c.accounts)
                        .order_by(index_periods.c.kind, index_periods.c.period.desc()).limit(limit)).all()
    return [{"key": r.period, "kind": r.kind, "computed_at": _local(r.computed_at), "accounts": int(r.accounts)}
            for r in rows]


def ranked_regions(conn: Connection, period: Period) -> list[str]:
    """The division codes of the accounts ranked in ``period`` (a region picker's cities)."""
    rows = conn.execute(select(accounts.c.region_code).distinct()
                        .select_from(index_results.join(accounts, accounts.c.id == index_results.c.account_id))
                        .where(index_results.c.period == period.key, accounts.c.region_code.is_not(None)))
    return sorted(str(code) for (code,) in rows if code)
