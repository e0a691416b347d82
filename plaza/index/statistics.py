"""Influence against a city's development (城市发展): city statistics imported from CSV
(``region_statistics``: population, GDP, any other measure, by region and year) and each
influence measure of a computed period correlated with them — over all government accounts,
per administrative level and per department type — with the points of the scatter plots and a
short written summary of what holds.

An account is paired with the statistic of its own division code, else of its city
(:func:`plaza.regions.city_code`), else of its province; for each of those the year asked for,
else the latest year up to the period's year with a value, else the latest year with one. So a
county account reads its city's population, and a city with no figure of its own its
province's (each point says which code and year it used).
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from plaza import i18n, regions
from plaza.accounts.kinds import DEPARTMENT_TYPES, LEVELS
from plaza.desk.metrics import Period
from plaza.errors import Invalid, NotFound
from plaza.index import formulas, rankings
from plaza.index.compute import DIMENSIONS, INDICATORS
from plaza.storage import upsert
from plaza.storage.db import Database
from plaza.storage.schema import accounts, index_results, region_statistics

__all__ = [
    "DEFAULT_MEASURES",
    "EXAMPLE",
    "GROUPINGS",
    "MEASURES",
    "STATISTICS",
    "YEARS",
    "Dataset",
    "ImportReport",
    "Skipped",
    "Subject",
    "analyse",
    "correlations",
    "import_csv",
    "load",
    "statistic_for",
    "summary",
]

#: The example statistics shipped with Plaza (rounded public figures, for demonstration).
EXAMPLE = resources.files(__package__).joinpath("data", "city-statistics.csv")

#: Known city statistics: key → (Chinese, English) as sentences name them; any other column of
#: an import is a statistic too, named by its key.
STATISTICS: dict[str, tuple[str, str]] = {
    "population": ("人口", "population"),
    "gdp": ("GDP", "GDP"),
    "gdp_per_capita": ("人均 GDP", "GDP per capita"),
    "area_km2": ("面积", "area"),
}

#: The influence measures that may be correlated: key → (Chinese, English). The scores and
#: classic indices are columns of ``index_results``; the rest are indicators (``figures.raw``).
MEASURES: dict[str, tuple[str, str]] = {
    "composite": ("综合指数", "the composite score"),
    **{key: (zh, en.lower()) for key, (zh, en) in DIMENSIONS.items()},
    "bci": ("BCI", "BCI"),
    "wci": ("WCI", "WCI"),
    **{i.key: (i.zh, i.en[0].lower() + i.en[1:]) for i in INDICATORS},
    "followers": ("粉丝数", "followers"),
    "pagerank": ("PageRank", "PageRank"),
    "reposts": ("被转发数", "reposts received"),
    "h_index": ("h 指数", "h-index"),
}
_COLUMN_MEASURES = frozenset({"composite", *DIMENSIONS, "bci", "wci"})
DEFAULT_MEASURES: tuple[str, ...] = ("followers", "pagerank", "reposts", "bci", "composite", "reach")
#: How accounts are grouped: every account, each administrative level, each department type.
GROUPINGS: tuple[str, ...] = ("all", "level", "department_type")

#: Header names read as the two key columns (after lower-casing and dropping a unit in brackets).
_CODE_COLUMNS = ("region_code", "code", "adcode", "行政区划代码", "区划代码", "代码")
_YEAR_COLUMNS = ("year", "年份", "年度")
#: Header names read as a label for people (the region's name), not imported.
_LABEL_COLUMNS = frozenset({"name", "region_name", "region", "city", "province", "地区", "地区名称", "名称", "城市",
                            "省份"})
#: Chinese header names read as the known statistics.
_ALIASES = {"人口": "population", "常住人口": "population", "年末常住人口": "population",
            "地区生产总值": "gdp", "生产总值": "gdp", "人均地区生产总值": "gdp_per_capita",
            "人均gdp": "gdp_per_capita", "面积": "area_km2", "土地面积": "area_km2", "行政区域面积": "area_km2"}
#: Cells read as "no value" (skipped like an empty cell).
_MISSING = frozenset({"", "-", "--", "—", "–", "…", "...", "na", "n/a", "null", "none"})
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_UNIT = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
_MAX_NAME = 40  # region_statistics.measure
#: The years a statistic may be of.
YEARS = (1900, 2100)


# --- importing -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line (or one cell of it) not imported, and why: a message key of :mod:`plaza.i18n`."""

    line: int
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, locale: str | None = None) -> str:
        return i18n.gettext(self.reason, locale, **self.params)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import read and stored."""

    #: Data lines read (comment and blank lines aside).
    rows: int
    #: Values stored (inserted or replaced).
    values: int
    regions: tuple[str, ...]
    years: tuple[int, ...]
    measures: tuple[str, ...]
    #: Lines or cells left out, in file order.
    skipped: tuple[Skipped, ...]


def _text_of(source: str | bytes | os.PathLike[str]) -> str:
    """The CSV's text: a path (``os.PathLike``, or a one-line string naming a file), bytes, or
    the text itself. UTF-8 with or without a byte order mark; GB18030 (what spreadsheet programs
    save in China) when the bytes are not UTF-8."""
    if isinstance(source, str) and "\n" not in source and source.strip() and Path(source).is_file():
        source = Path(source)
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("index_statistics_encoding")


def _lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row that is not blank; a line starting with ``#`` is a
    comment (kept as a blank line, so numbers stay those of the file)."""
    physical = [("\n" if line.lstrip().startswith("#") else line) for line in text.splitlines(keepends=True)]
    reader = csv.reader(physical)
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield reader.line_num, cells


def _column(name: str) -> str:
    """A header name as a key: NFKC, no unit in brackets, lower case, words joined by ``_``."""
    text = _UNIT.sub("", unicodedata.normalize("NFKC", name).strip()).strip().lower()
    text = re.sub(r"[\s\-]+", "_", text)
    return _ALIASES.get(text, text)


def _header(cells: Sequence[str]) -> tuple[int, int, dict[int, str]]:
    """The code and year columns' positions and the statistics' (position → key)."""
    names = [_column(c) for c in cells]
    code = next((names.index(n) for n in _CODE_COLUMNS if n in names), None)
    year = next((names.index(n) for n in _YEAR_COLUMNS if n in names), None)
    if code is None or year is None:
        raise Invalid("index_statistics_columns_missing", found=", ".join(c.strip() for c in cells)[:200])
    measures: dict[int, str] = {}
    for i, name in enumerate(names):
        if i in (code, year) or not name or name in _LABEL_COLUMNS:
            continue
        if len(name) > _MAX_NAME or any(unicodedata.category(ch)[0] == "C" for ch in name):
            raise Invalid("index_statistics_measure_invalid", name=name[:60], limit=_MAX_NAME)
        if name in measures.values():
            raise Invalid("index_statistics_measure_duplicate", name=name)
        measures[i] = name
    if not measures:
        raise Invalid("index_statistics_no_measures")
    return code, year, measures


def _code(cell: str) -> str | None:
    """A division code: six digits (a 9- or 12-digit statistical code ending in zeros is cut to
    six); None unless it names a place of GB/T 2260."""
    text = unicodedata.normalize("NFKC", cell).strip()
    if text.isascii() and text.isdigit() and len(text) in (9, 12) and set(text[6:]) == {"0"}:
        text = text[:6]
    return text if len(text) == 6 and text.isascii() and text.isdigit() and regions.is_place(text) else None


def _year(cell: str) -> int | None:
    text = unicodedata.normalize("NFKC", cell).strip().removesuffix("年").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    year = int(text)
    return year if YEARS[0] <= year <= YEARS[1] else None


def _number(cell: str) -> float | None:
    """A cell's number (thousands separators allowed: ``1,234.5``, ``1 234``); None for an
    empty cell. Raises ValueError for anything else."""
    text = unicodedata.normalize("NFKC", cell).strip().replace("\u2212", "-")
    if text.lower() in _MISSING:
        return None
    text = re.sub(r"\s+", "", text)
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise ValueError(cell)
        text = text.replace(",", "")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(cell)
    return value


def import_csv(db: Database, path_or_text: str | bytes | os.PathLike[str]) -> ImportReport:
    """Import city statistics (城市统计) from a CSV: a header, then one line per region and year.

    The columns ``region_code`` (or ``code``) and ``year`` are required; every other column is a
    statistic (``population``, ``gdp``, ``gdp_per_capita``, ``area_km2`` or any other name; a
    unit in brackets is dropped from the name, and the Chinese names 人口 / 地区生产总值 … read as
    the known ones); a ``name`` column (地区, 名称 …) is a label and is not imported. Numbers may carry thousands separators; an empty cell (or ``-``) is
    skipped. A line whose code is not a place of GB/T 2260, whose year is not a year, or whose
    cells do not match the header is skipped and reported with its line number and why; so is a
    cell that is not a number (the line's other values are kept). Lines starting with ``#`` are
    comments. The rest is stored, replacing the values a previous import gave the same region,
    year and statistic. Raises :class:`~plaza.errors.Invalid` when the file has no usable header.
    """
    text = _text_of(path_or_text)
    lines = _lines(text)
    first = next(lines, None)
    if first is None:
        raise Invalid("index_statistics_empty")
    code_at, year_at, measures = _header(first[1])
    width = len(first[1])
    values: dict[tuple[str, int, str], float] = {}
    skipped: list[Skipped] = []
    rows = 0
    for line, cells in lines:
        rows += 1
        # more cells than the header names: an unquoted "1,234" most likely, so nothing is sure
        if any(c.strip() for c in cells[width:]) or len(cells) <= max(code_at, year_at):
            skipped.append(Skipped(line, "index_statistics_row_cells", {"expected": width, "found": len(cells)}))
            continue
        code = _code(cells[code_at])
        if code is None:
            skipped.append(Skipped(line, "index_statistics_region_unknown", {"code": cells[code_at].strip()[:20]}))
            continue
        year = _year(cells[year_at])
        if year is None:
            skipped.append(Skipped(line, "index_statistics_year_invalid", {"value": cells[year_at].strip()[:20],
                                                                      "min": YEARS[0], "max": YEARS[1]}))
            continue
        for at, measure in measures.items():
            cell = cells[at] if at < len(cells) else ""
            try:
                value = _number(cell)
            except ValueError:
                skipped.append(Skipped(line, "index_statistics_not_a_number", {"column": measure,
                                                                          "value": cell.strip()[:20]}))
                continue
            if value is not None:
                values[(code, year, measure)] = value
    if values:
        rows_to_store = [{"region_code": c, "year": y, "measure": m, "value": v} for (c, y, m), v in values.items()]
        with db.write() as conn:
            statement = upsert.insert(conn, region_statistics)
            statement = statement.on_conflict_do_update(
                index_elements=[region_statistics.c.region_code, region_statistics.c.year,
                                region_statistics.c.measure],
                set_={"value": statement.excluded.value})
            for start in range(0, len(rows_to_store), 1000):
                conn.execute(statement, rows_to_store[start:start + 1000])
    return ImportReport(rows=rows, values=len(values), regions=tuple(sorted({c for c, _, _ in values})),
                        years=tuple(sorted({y for _, y, _ in values})),
                        measures=tuple(m for m in measures.values() if any(k[2] == m for k in values)),
                        skipped=tuple(skipped))


# --- pairing accounts with their region's statistics ----------------------------------------------


def parse_year(raw: str | None) -> int | None:
    """``?year=`` of the correlations (every statistic's latest year up to the period when
    absent); :class:`Invalid` naming the range."""
    if not raw:
        return None
    low, high = YEARS
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not low <= int(raw) <= high:
        raise Invalid("number_out_of_range", name="year", min=low, max=high)
    return int(raw)


def statistic_for(values: Mapping[str, Mapping[int, float]], code: str | None, *, year: int | None = None,
                  up_to: int | None = None) -> tuple[float, str, int] | None:
    """The statistic an account of division ``code`` is paired with, as (value, the code it is
    of, its year): of the code itself, else of its city, else of its province. For each, the
    value of ``year`` when given; else of the latest year ≤ ``up_to`` with one, else of the
    latest year. ``values``: code → year → value. None when none of them has a value (a national
    body, 000000, never has)."""
    if not code or not regions.is_place(code):
        return None
    candidates = [code, regions.city_code(code), code[:2] + "0000"]
    for candidate in dict.fromkeys(c for c in candidates if c):
        by_year = values.get(candidate)
        if not by_year:
            continue
        if year is not None:
            if year in by_year:
                return by_year[year], candidate, year
            continue
        earlier = [y for y in by_year if up_to is None or y <= up_to]
        chosen = max(earlier) if earlier else max(by_year)
        return by_year[chosen], candidate, chosen
    return None


@dataclass(frozen=True, slots=True)
class Subject:
    """A ranked account with its measures and its region's statistics (in the dataset's order)."""

    username: str
    display_name: str
    region_code: str | None
    level: str | None
    department_type: str | None
    measures: tuple[float | None, ...]
    #: Per statistic: (value, the code it is of, its year), or None.
    statistics: tuple[tuple[float, str, int] | None, ...]


@dataclass(frozen=True, slots=True)
class Dataset:
    """What a correlation reads: the period's accounts paired with their region's statistics."""

    period: Period
    year: int | None
    measures: tuple[str, ...]
    statistics: tuple[str, ...]
    subjects: tuple[Subject, ...]


def _ordered(names: Iterable[str]) -> list[str]:
    known = list(STATISTICS)
    return sorted(set(names), key=lambda n: (known.index(n) if n in known else len(known), n))


def _measure(row: Any, figures: Mapping[str, Any], key: str) -> float | None:
    value = getattr(row, key) if key in _COLUMN_MEASURES else figures.get("raw", {}).get(key)
    return None if value is None else float(value)


def load(conn: Connection, period: Period, *, statistic_year: int | None = None,
         measures: Sequence[str] = DEFAULT_MEASURES, statistics: Sequence[str] | None = None) -> Dataset:
    """The period's accounts paired with their region's statistics (every imported statistic
    unless ``statistics`` names some). 404 ``index_not_computed`` when the period has no run,
    ``index_statistics_missing`` when nothing was imported (or nothing for ``statistic_year``);
    422 for an unknown measure or statistic."""
    rankings.computed(conn, period)
    unknown = [m for m in measures if m not in MEASURES]
    if unknown or not measures:
        raise Invalid("index_measure_unknown", value=", ".join(unknown)[:60], known=", ".join(MEASURES))
    available = {m for (m,) in conn.execute(select(region_statistics.c.measure).distinct())}
    if not available:
        raise NotFound("index_statistics_missing")
    chosen = _ordered(available) if statistics is None else list(dict.fromkeys(statistics))
    missing = [s for s in chosen if s not in available]
    if missing or not chosen:
        raise Invalid("index_statistic_unknown", value=", ".join(missing)[:60], known=", ".join(_ordered(available)))
    if statistic_year is not None and conn.execute(select(region_statistics.c.measure).where(
            region_statistics.c.year == statistic_year, region_statistics.c.measure.in_(chosen)).limit(1)).first() is None:
        raise NotFound("index_statistics_missing_year", year=statistic_year)
    values: dict[str, dict[str, dict[int, float]]] = {s: {} for s in chosen}
    for row in conn.execute(select(region_statistics).where(region_statistics.c.measure.in_(chosen))):
        values[row.measure].setdefault(row.region_code, {})[int(row.year)] = float(row.value)
    up_to = period.first.year
    stmt = (select(index_results.c.composite, index_results.c.reach, index_results.c.service,
                   index_results.c.interaction, index_results.c.recognition, index_results.c.bci,
                   index_results.c.wci, index_results.c.figures, accounts.c.username, accounts.c.display_name,
                   accounts.c.region_code, accounts.c.level, accounts.c.department_type)
            .select_from(index_results.join(accounts, accounts.c.id == index_results.c.account_id))
            .where(index_results.c.period == period.key).order_by(index_results.c.rank))
    subjects = []
    for row in conn.execute(stmt):
        figures = json.loads(row.figures)
        subjects.append(Subject(
            row.username, row.display_name, row.region_code, row.level, row.department_type,
            tuple(_measure(row, figures, m) for m in measures),
            tuple(statistic_for(values[s], row.region_code, year=statistic_year, up_to=up_to) for s in chosen)))
    return Dataset(period, statistic_year, tuple(measures), tuple(chosen), tuple(subjects))


# --- correlating -----------------------------------------------------------------------------------


def _groups(subjects: Sequence[Subject], by: Sequence[str]) -> list[tuple[str, list[int]]]:
    out: list[tuple[str, list[int]]] = []
    if "all" in by:
        out.append(("all", list(range(len(subjects)))))
    for grouping, keys in (("level", LEVELS), ("department_type", DEPARTMENT_TYPES)):
        if grouping not in by:
            continue
        for key in keys:
            members = [i for i, s in enumerate(subjects) if getattr(s, grouping) == key]
            if members:
                out.append((f"{grouping}:{key}", members))
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _interval(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [round(ci[0], 4), round(ci[1], 4)]


@lru_cache(maxsize=16)
def _analysed(dataset: Dataset, by: tuple[str, ...], resamples: int) -> dict[str, Any]:
    # Kept per process for the same data (a page asked again, the CSV after the JSON): the
    # bootstraps cost seconds on a few hundred accounts, and the key is the data itself.
    subjects = dataset.subjects
    groups = _groups(subjects, by)
    rows = []
    points: dict[str, dict[str, list[dict[str, Any]]]] = {m: {} for m in dataset.measures}
    years: dict[str, list[int]] = {}
    for si, statistic in enumerate(dataset.statistics):
        paired = [s.statistics[si] for s in subjects]
        xs = [p[0] if p is not None else None for p in paired]
        years[statistic] = sorted({p[2] for p in paired if p is not None})
        for mi, measure in enumerate(dataset.measures):
            ys = [s.measures[mi] for s in subjects]
            for group, members in groups:
                found = formulas.correlate([xs[i] for i in members], [ys[i] for i in members], resamples=resamples)
                rows.append({"measure": measure, "statistic": statistic, "group": group, "n": found.n,
                             "pearson": _round(found.pearson), "pearson_ci": _interval(found.pearson_ci),
                             "pearson_p": _round(found.pearson_p), "spearman": _round(found.spearman),
                             "spearman_ci": _interval(found.spearman_ci), "spearman_p": _round(found.spearman_p)})
            points[measure][statistic] = [
                {"username": s.username, "display_name": s.display_name, "region_code": s.region_code,
                 "level": s.level, "department_type": s.department_type, "statistic_region_code": p[1],
                 "year": p[2], "x": p[0], "y": y}
                for s, p, y in zip(subjects, paired, ys, strict=True) if p is not None and y is not None]
    return {"period": dataset.period.as_json(), "year": dataset.year, "years": years,
            "statistics": list(dataset.statistics), "measures": list(dataset.measures),
            "groups": [g for g, _ in groups], "accounts": len(subjects),
            "paired": sum(1 for s in subjects if any(v is not None for v in s.statistics)),
            "rows": rows, "points": points}


def analyse(dataset: Dataset, *, by: Sequence[str] = GROUPINGS, resamples: int = 2000) -> dict[str, Any]:
    """Every measure × statistic × group of ``dataset`` correlated (:func:`formulas.correlate`:
    Pearson and Spearman with bootstrap intervals; a group of fewer than 3 pairs gives only n).

    Returns ``{period, year, years: {statistic: [years used]}, statistics, measures, groups,
    accounts, paired, rows: [{measure, statistic, group, n, pearson, pearson_ci, pearson_p,
    spearman, spearman_ci, spearman_p}], points: {measure: {statistic: [{username,
    display_name, region_code, level, department_type, statistic_region_code, year, x, y}]}}}``
    with x the statistic and y the measure. Groups are ``all``, ``level:<level>`` and
    ``department_type:<type>`` (those with accounts)."""
    unknown = [g for g in by if g not in GROUPINGS]
    if unknown:
        raise Invalid("index_grouping_unknown", value=", ".join(unknown)[:60], known=", ".join(GROUPINGS))
    return copy.deepcopy(_analysed(dataset, tuple(dict.fromkeys(by)), resamples))


def correlations(conn: Connection, period: Period, *, statistic_year: int | None = None,
                 measures: Sequence[str] = DEFAULT_MEASURES, statistics: Sequence[str] | None = None,
                 by: Sequence[str] = GROUPINGS, resamples: int = 2000) -> dict[str, Any]:
    """Each influence measure of ``period`` correlated with each city statistic, per group: see
    :func:`load` (the pairing, its errors) and :func:`analyse` (the answer)."""
    dataset = load(conn, period, statistic_year=statistic_year, measures=measures, statistics=statistics)
    return analyse(dataset, by=by, resamples=resamples)


# --- the written summary ---------------------------------------------------------------------------

#: Below this many paired accounts the summary warns that the intervals are wide.
SMALL_SAMPLE = 10

i18n.register({
    "index_summary_paired": ("{period}：{accounts} 个政务号中有 {n} 个与所在地区的统计数据（{years}）配对；地区本身没有数据时"
                             "用所在城市的，再没有则用所在省份的。",
                             "{period}: {n} of {accounts} government accounts paired with their region's statistics "
                             "({years}); where a region has no figure of its own, its city's is used, else its "
                             "province's."),
    "index_summary_year": ("{statistic} {years} 年", "{statistic} {years}"),
    "index_summary_positive": ("{measure}与{statistic}正相关：Spearman ρ = {rho}（95% 置信区间 {interval}，n = {n}）。",
                               "{measure_cap} and {statistic} are positively correlated: Spearman ρ = {rho} "
                               "(95% CI {interval}, n = {n})."),
    "index_summary_negative": ("{measure}与{statistic}负相关：Spearman ρ = {rho}（95% 置信区间 {interval}，n = {n}）。",
                               "{measure_cap} and {statistic} are negatively correlated: Spearman ρ = {rho} "
                               "(95% CI {interval}, n = {n})."),
    "index_summary_unclear": ("{measures}与{statistic}没有明显相关：95% 置信区间都跨过 0。",
                              "No clear correlation with {statistic}: {measures}; each 95% interval spans 0."),
    "index_summary_rho": ("{measure}（ρ = {rho}）", "{measure} (ρ = {rho})"),
    "index_summary_none": ("{measures}与{statistic}无法计算相关性：可配对的政务号不足 3 个，或数值全部相同。",
                           "{measures_cap} cannot be correlated with {statistic}: fewer than 3 accounts to pair, "
                           "or every value the same."),
    "index_summary_small": ("样本很小（n = {n}，少于 {limit}）：置信区间很宽，以上只能作为线索，不能作为结论。",
                            "The sample is small (n = {n}, fewer than {limit}): the intervals are wide, so read the "
                            "above as leads, not findings."),
    "index_summary_causation": ("相关不等于因果：人口多、经济体量大的地区本身就有更多可能关注政务号的人。",
                                "Correlation is not causation: larger and richer regions simply have more people who "
                                "may follow a government account."),
})


def _name(names: Mapping[str, tuple[str, str]], key: str, en: bool) -> str:
    pair = names.get(key)
    return key if pair is None else pair[1 if en else 0]


def _number_text(value: float) -> str:
    return f"{value:.2f}".replace("-", "\u2212")


def _interval_text(low: float, high: float, en: bool) -> str:
    """``0.31–0.81``; with a negative end ``−0.71 至 −0.22`` (a dash there would read as a minus)."""
    if low >= 0:
        return f"{_number_text(low)}–{_number_text(high)}"
    return f"{_number_text(low)} {'to' if en else '至'} {_number_text(high)}"


def _listed(items: Sequence[str], en: bool) -> str:
    if not en:
        return "、".join(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary(result: Mapping[str, Any], locale: str | None = None) -> list[str]:
    """A short written summary of :func:`analyse`'s answer over all accounts, in Chinese (the
    default) or English: the measures that follow each statistic (the 95% interval of
    Spearman's ρ above 0, or below), those that do not (it spans 0), those that cannot be
    correlated, and a caution when fewer than :data:`SMALL_SAMPLE` accounts are paired."""
    en = i18n.normalise(locale) == "en"

    def say(key: str, **params: Any) -> str:
        return i18n.gettext(key, "en" if en else "zh-CN", **params)

    rows = [r for r in result.get("rows", ()) if r["group"] == "all"]
    paired = int(result.get("paired") or 0)
    years = []
    for statistic in result.get("statistics", ()):
        used = result.get("years", {}).get(statistic) or []
        if used:
            span = str(used[0]) if len(used) == 1 else f"{used[0]}–{used[-1]}"
            years.append(say("index_summary_year", statistic=_name(STATISTICS, statistic, en), years=span))
    out = [say("index_summary_paired", period=result["period"]["key"], n=paired, accounts=result.get("accounts", paired),
               years=("，" if not en else ", ").join(years) or "-")]
    found = False
    for statistic in result.get("statistics", ()):
        stat_name = _name(STATISTICS, statistic, en)
        unclear: list[tuple[str, float]] = []
        impossible: list[str] = []
        for row in (r for r in rows if r["statistic"] == statistic):
            measure = _name(MEASURES, row["measure"], en)
            rho, ci = row["spearman"], row["spearman_ci"]
            if rho is None:
                impossible.append(measure)
            elif ci is None or ci[0] <= 0 <= ci[1]:
                unclear.append((measure, rho))
            else:
                found = True
                out.append(say("index_summary_positive" if ci[0] > 0 else "index_summary_negative",
                               measure=measure, measure_cap=_capitalised(measure), statistic=stat_name,
                               rho=_number_text(rho), interval=_interval_text(ci[0], ci[1], en), n=row["n"]))
        if unclear:
            names = _listed([say("index_summary_rho", measure=m, rho=_number_text(r)) for m, r in unclear], en)
            out.append(say("index_summary_unclear", measures=names, statistic=stat_name))
        if impossible:
            names = _listed(impossible, en)
            out.append(say("index_summary_none", measures=names, measures_cap=_capitalised(names), statistic=stat_name))
    if 0 < paired < SMALL_SAMPLE:
        out.append(say("index_summary_small", n=paired, limit=SMALL_SAMPLE))
    if found:
        out.append(say("index_summary_causation"))
    return out
