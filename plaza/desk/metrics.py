"""A desk's published figures (考核指标) per period, for the whole desk or per department,
category or county: the 12345 hotlines' rates, Beijing 接诉即办's, and FixMyStreet's fix rate.

Every figure is about one **cohort**: the cases the desk *received* in the period (``created_at``
in it, Beijing time), looked at as they stand at the time of computing. Numerator and denominator
are always cases of that cohort, so a case received on 30 November counts for November even when
it is answered in December, and last month's figures still move while its cases are open. A
reworked case (发回重办) counts by its latest round: rework restarts its limits. Each rate is
published with its numerator and denominator; a rate whose denominator is 0 has no value (null in
JSON, "—" on pages).

The formulas (``key``: 中文名 = numerator ÷ denominator):

- ``received``: 受理量 — cases received in the period (every source: posts, the web form, Open311,
  the API).
- ``acceptance_rate``: 受理率 = accepted ÷ received. Accepted: the desk accepted it (受理) and it is
  not rejected now (a case declined — 不予受理, or linked as a duplicate — is not accepted).
- ``on_time_acknowledgement_rate``: 按时签收率 = acknowledged on time ÷ forwarded and due.
  Forwarded and due: the department acknowledged it (on time or late), or its acknowledge limit
  has passed without acknowledgement. A case still within its limit is not yet counted; one
  returned (退回) before acknowledging is not the department's.
- ``on_time_reply_rate``: 按时办结率 = replied on time ÷ due. Due: the department replied (on time
  or late), or its resolve limit (with a granted extension 延期) has passed without a reply.
- ``closure_rate``: 办结率 = closed ÷ received. Closed: in state ``closed`` (办结) now.
- ``satisfaction_rate``: 满意率 = (satisfied 满意 + basically satisfied 基本满意) ÷ rated.
  Rated: the citizen gave a rating (回访); cases closed unrated after the rating days are not rated.
- ``rework_rate``: 发回重办率 = reworked ÷ replied. Reworked: sent back at least once; replied: a
  department replied at least once (a reworked case was replied before it was sent back).
- ``return_rate``: 退回率 = returned ÷ forwarded. Returned: a department returned it at least once
  as not its business; forwarded: forwarded to a department at least once.
- ``response_rate``: 响应率 (Beijing 接诉即办) = acknowledged within its limit ÷ forwarded. Our
  definition: the department *responded* when it acknowledged (签收) the case within its
  acknowledge limit; unlike 按时签收率, every forwarded case is in the denominator — those still
  within their limit and those returned — so returning a case counts against the response rate.
- ``resolution_rate``: 解决率 = rated resolved ÷ rated. Rated resolved: the citizen said the
  problem is solved (``resolved`` true in the rating), whatever their satisfaction.
- ``fix_rate``: FixMyStreet's fix rate = fixed ÷ cases older than 4 weeks. Of the cohort, the cases
  received at least 28 days before the time of computing; fixed: rated resolved by the citizen.
- ``acknowledge_hours`` and ``reply_hours``: median and 90th percentile of the working hours from
  forwarding to acknowledging (签收用时) and to the reply (办理用时), counted with China's working
  days (``cases.acknowledge_hours`` / ``reply_hours``); the percentile interpolates linearly between
  the closest ranks (PostgreSQL's ``percentile_cont``) — of values known to the resolution of the
  rollup's histograms: 0.25 h below 2 h, about 9 % of the value from 2 h to 2048 h
  (:mod:`plaza.desk.rollup` says how close that puts it).

A department's figures are the cases it leads now (a returned and re-forwarded case counts for
the department it went to last); a category is the case's own (``category_leaf``) or its
first-level category (``category``); a county is the case's county (none when it named no place).

The counts come from the rollup (:mod:`plaza.desk.rollup`), kept exact by every step of every
case: the rows of the period's days for the grouping asked, plus — in the same statement — the
few cases whose share depends on the time of computing (awaiting acknowledgement or a reply
past their limit; received on the day that is 4 weeks back).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select

from plaza import regions
from plaza.clock import as_utc, utcnow
from plaza.desk import rollup
from plaza.desk.desks import Desk
from plaza.errors import Invalid
from plaza.storage.schema import accounts, desk_categories
from plaza.workflow.worktime import BEIJING

#: Ways to group the figures.
GROUPINGS = ("department", "category", "category_leaf", "county")
#: FixMyStreet's age after which an unfixed report counts against the fix rate.
FIX_AGE = timedelta(days=28)
SATISFIED = ("satisfied", "basically_satisfied")


@dataclass(frozen=True, slots=True)
class Rate:
    """A published rate: its value is ``numerator / denominator``, None when nothing is counted."""

    key: str
    name: str  # the Chinese term
    numerator: str
    denominator: str


#: The rates, in the order tables show them (definitions in the module docstring).
RATES: tuple[Rate, ...] = (
    Rate("acceptance_rate", "受理率", "accepted", "received"),
    Rate("on_time_acknowledgement_rate", "按时签收率", "acknowledged on time", "forwarded and due"),
    Rate("on_time_reply_rate", "按时办结率", "replied on time", "due"),
    Rate("closure_rate", "办结率", "closed", "received"),
    Rate("satisfaction_rate", "满意率", "satisfied + basically satisfied", "rated"),
    Rate("rework_rate", "发回重办率", "reworked", "replied"),
    Rate("return_rate", "退回率", "returned", "forwarded"),
    Rate("response_rate", "响应率", "acknowledged within its limit", "forwarded"),
    Rate("resolution_rate", "解决率", "rated resolved", "rated"),
    Rate("fix_rate", "修复率 (FixMyStreet)", "fixed", "received more than 4 weeks ago"),
)
RATE_KEYS = tuple(r.key for r in RATES)
#: Durations in working hours (median and p90).
DURATIONS = (("acknowledge_hours", "签收用时"), ("reply_hours", "办理用时"))


# --- periods ----------------------------------------------------------------------------------------

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A day, ISO week, month, quarter or year in Beijing time: ``[first, end)`` local dates."""

    key: str
    kind: str
    first: date
    end: date

    @property
    def start_at(self) -> datetime:
        """The period's first moment (UTC)."""
        return datetime.combine(self.first, time(0), BEIJING).astimezone(UTC)

    @property
    def end_at(self) -> datetime:
        """The moment after the period (UTC)."""
        return datetime.combine(self.end, time(0), BEIJING).astimezone(UTC)

    def previous(self) -> Period:
        return of_date(self.first - timedelta(days=1), self.kind)

    def next(self) -> Period:
        return of_date(self.end, self.kind)

    def as_json(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind,
                "start": datetime.combine(self.first, time(0), BEIJING).isoformat(),
                "end": datetime.combine(self.end, time(0), BEIJING).isoformat()}


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def of_date(day: date, kind: str) -> Period:
    """The period of ``kind`` that holds a Beijing date."""
    if kind == "day":
        return Period(day.isoformat(), kind, day, day + timedelta(days=1))
    if kind == "week":
        year, week, weekday = day.isocalendar()
        first = day - timedelta(days=weekday - 1)
        return Period(f"{year}-W{week:02d}", kind, first, first + timedelta(days=7))
    if kind == "month":
        return Period(f"{day.year}-{day.month:02d}", kind, _month_start(day.year, day.month),
                      _month_start(day.year, day.month + 1))
    if kind == "quarter":
        q = (day.month - 1) // 3 + 1
        return Period(f"{day.year}-Q{q}", kind, _month_start(day.year, 3 * q - 2), _month_start(day.year, 3 * q + 1))
    if kind == "year":
        return Period(str(day.year), kind, date(day.year, 1, 1), date(day.year + 1, 1, 1))
    raise Invalid("period_invalid", value=kind)


def today(now: datetime | None = None) -> date:
    """Today's date in Beijing."""
    return as_utc(now or utcnow()).astimezone(BEIJING).date()


def parse_period(text: str | None, *, now: datetime | None = None) -> Period:
    """``2026-11-07`` (day), ``2026-W45`` (ISO week), ``2026-11`` (month), ``2026-Q4`` (quarter) or
    ``2026`` (year); this month when empty. 422 ``period_invalid`` otherwise."""
    raw = (text or "").strip().upper()
    if not raw:
        return of_date(today(now), "month")
    try:
        if m := _DAY.match(raw):
            return of_date(date(int(m[1]), int(m[2]), int(m[3])), "day")
        if m := _WEEK.match(raw):
            return of_date(date.fromisocalendar(int(m[1]), int(m[2]), 1), "week")
        if m := _MONTH.match(raw):
            return of_date(date(int(m[1]), int(m[2]), 1), "month")
        if m := _QUARTER.match(raw):
            return of_date(date(int(m[1]), 3 * int(m[2]) - 2, 1), "quarter")
        if m := _YEAR.match(raw):
            return of_date(date(int(m[1]), 1, 1), "year")
    except ValueError:
        pass
    raise Invalid("period_invalid", value=(text or "")[:20])


# --- figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def as_json(self) -> dict[str, Any]:
        value = self.value
        return {"numerator": self.numerator, "denominator": self.denominator,
                "value": round(value, 4) if value is not None else None}


@dataclass(frozen=True, slots=True)
class Hours:
    """Working hours of the cases that have them: how many, the median and the 90th percentile."""

    count: int
    median: float | None
    p90: float | None

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "median": self.median, "p90": self.p90}


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile of sorted values, linear between the closest ranks; None when empty."""
    if not ordered:
        return None
    at = (len(ordered) - 1) * q
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def hours_of(values: Iterable[float]) -> Hours:
    ordered = sorted(values)
    median, p90 = percentile(ordered, 0.5), percentile(ordered, 0.9)
    return Hours(len(ordered), round(median, 2) if median is not None else None,
                 round(p90, 2) if p90 is not None else None)


#: The counts a group's rates are made of (filled by one SQL aggregate).
COUNTS = ("received", "accepted", "ack_due", "ack_on_time", "reply_due", "reply_on_time", "closed", "rated",
          "satisfied", "replied", "reworked", "forwarded", "returned", "resolved", "aged", "aged_fixed")
#: rate → (numerator count, denominator count)
_PARTS = {
    "acceptance_rate": ("accepted", "received"),
    "on_time_acknowledgement_rate": ("ack_on_time", "ack_due"),
    "on_time_reply_rate": ("reply_on_time", "reply_due"),
    "closure_rate": ("closed", "received"),
    "satisfaction_rate": ("satisfied", "rated"),
    "rework_rate": ("reworked", "replied"),
    "return_rate": ("returned", "forwarded"),
    "response_rate": ("ack_on_time", "forwarded"),
    "resolution_rate": ("resolved", "rated"),
    "fix_rate": ("aged_fixed", "aged"),
}


@dataclass(frozen=True, slots=True)
class Figures:
    counts: Mapping[str, int]
    hours: Mapping[str, Hours]

    @property
    def received(self) -> int:
        return self.counts.get("received", 0)

    def rate(self, key: str) -> Ratio:
        top, bottom = _PARTS[key]
        return Ratio(self.counts.get(top, 0), self.counts.get(bottom, 0))

    def as_json(self) -> dict[str, Any]:
        return {"received": self.received, **{key: self.rate(key).as_json() for key in RATE_KEYS},
                **{key: self.hours[key].as_json() for key, _ in DURATIONS}}


@dataclass(frozen=True, slots=True)
class Group:
    key: str | None
    name: str
    figures: Figures

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, **self.figures.as_json()}


@dataclass(frozen=True, slots=True)
class Report:
    desk: str
    period: Period
    by: str | None
    totals: Figures
    groups: tuple[Group, ...] = field(default=())
    computed_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {"desk": self.desk, "period": self.period.as_json(), "by": self.by,
                "computed_at": (as_utc(self.computed_at).astimezone(BEIJING).isoformat(timespec="seconds")
                                if self.computed_at else None),
                "totals": self.totals.as_json(), "groups": [g.as_json() for g in self.groups]}


#: metrics grouping → the rollup's dimension
_DIMENSION = {None: "total", "department": "department", "category": "category", "category_leaf": "leaf",
              "county": "county"}


def _figures(tally: rollup.Tally) -> Figures:
    """A rollup tally as the published counts (see the module docstring)."""
    t = tally.counts
    counts = {
        "received": t["received"], "accepted": t["accepted"],
        "ack_due": t["ack_decided"] + t["ack_late"], "ack_on_time": t["ack_on_time"],
        "reply_due": t["reply_decided"] + t["reply_late"], "reply_on_time": t["reply_on_time"],
        "closed": t["closed"], "rated": t["rated"], "satisfied": t["satisfied"] + t["basically_satisfied"],
        "replied": t["replied"], "reworked": t["reworked"], "forwarded": t["forwarded"], "returned": t["returned"],
        "resolved": t["resolved"], "aged": t["aged"], "aged_fixed": t["aged_fixed"],
    }
    return Figures(counts, {key: _hours(histogram) for (key, _), histogram in zip(DURATIONS, tally.histograms,
                                                                                  strict=True)})


def _hours(histogram: Mapping[int, int]) -> Hours:
    median, p90 = rollup.quantile(histogram, 0.5), rollup.quantile(histogram, 0.9)
    return Hours(sum(histogram.values()), round(median, 2) if median is not None else None,
                 round(p90, 2) if p90 is not None else None)


def _names(conn: Connection, desk: Desk, by: str, keys: Iterable[Any]) -> dict[Any, tuple[str | None, str]]:
    """Raw group keys (ids, codes) → (published key, name); categories roll up to level 1."""
    wanted = {k for k in keys if k is not None}
    out: dict[Any, tuple[str | None, str]] = {}
    if by == "department" and wanted:
        for row in conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.display_name)
                                .where(accounts.c.id.in_(wanted))):
            out[row.id] = (row.username, row.display_name)
    elif by in ("category", "category_leaf") and wanted:
        rows = {r.id: r for r in conn.execute(select(desk_categories.c.id, desk_categories.c.path,
                                                     desk_categories.c.code, desk_categories.c.level)
                                              .where(desk_categories.c.desk_id == desk.id))}
        by_path = {r.path: r for r in rows.values()}
        for key in wanted:
            category = rows.get(key)
            if category is None:
                continue
            if by == "category":
                category = by_path.get(category.path.split("/")[0], category)
            out[key] = (category.code, category.path)
    elif by == "county":
        for code in wanted:
            division = regions.lookup(code)
            out[code] = (code, division.name if division else code)
    return out


def compute(conn: Connection, desk: Desk, period: Period, *, by: str | None = None,
            now: datetime | None = None) -> Report:
    """The desk's figures for the cases received in ``period``, in total and, with ``by``, per
    department, first-level category, category, or county (largest group first)."""
    if by is not None and by not in GROUPINGS:
        raise Invalid("metrics_by_invalid", value=by[:20])
    now = as_utc(now or utcnow())
    found = {member: tally for member, tally in rollup.read(conn, desk.id, period.first, period.end, _DIMENSION[by],
                                                            now=now, aged_at=now - FIX_AGE).items()
             if tally.counts["received"] > 0}  # a member whose last case moved elsewhere keeps a row of zeros
    total = rollup.Tally()
    for tally in found.values():
        total.add(tally)
    if by is None:
        return Report(desk.username, period, by, _figures(total), (), now)

    names = _names(conn, desk, by, (_raw(by, member) for member in found))
    merged: dict[str | None, rollup.Tally] = {}
    labels: dict[str | None, str] = {}
    for member, tally in found.items():
        published, name = names.get(_raw(by, member), (None, ""))
        labels[published] = name
        merged.setdefault(published, rollup.Tally()).add(tally)
    groups = tuple(sorted((Group(key, labels[key], _figures(tally)) for key, tally in merged.items()),
                          key=lambda g: (g.key is None, -g.figures.received, g.key or "")))
    return Report(desk.username, period, by, _figures(total), groups, now)


def _raw(by: str, member: str) -> Any:
    """A rollup member as the group key :func:`_names` takes (an id, a county code, or None)."""
    if not member:
        return None
    return member if by == "county" else int(member)


def columns() -> list[str]:
    """The columns of a report's table (CSV, XLSX): who the row is about, then every figure with
    its numerator and denominator."""
    out = ["scope", "group", "name", "received"]
    for key in RATE_KEYS:
        out += [f"{key}_numerator", f"{key}_denominator", key]
    for key, _ in DURATIONS:
        out += [f"{key}_count", f"{key}_median", f"{key}_p90"]
    return out


def table(report: Report) -> list[list[Any]]:
    """The report as rows under :func:`columns`: the totals first (scope ``total``), then the
    groups (scope ``group``); a rate with no value is None."""

    def row(scope: str, key: str | None, name: str, figures: Figures) -> list[Any]:
        cells: list[Any] = [scope, key or "", name, figures.received]
        for rate_key in RATE_KEYS:
            rate = figures.rate(rate_key)
            value = rate.value
            cells += [rate.numerator, rate.denominator, round(value, 4) if value is not None else None]
        for hours_key, _ in DURATIONS:
            hours = figures.hours[hours_key]
            cells += [hours.count, hours.median, hours.p90]
        return cells

    return [row("total", None, "", report.totals), *(row("group", g.key, g.name, g.figures) for g in report.groups)]
