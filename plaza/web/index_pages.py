"""The evaluation index (政务指数) on the web: the ranking (``/index``) by period, region, level and
department type, with movement, the group's median, pages and the API's exports; an account's page
(``/index/accounts/{username}``: composite, dimensions, ranks in its groups, BCI, WCI, flags, its
indicators against its group's median, why it moved and its history drawn); the period's hot events
and who answered them (``/index/events``); influence against a city's development: each
measure correlated with the imported city statistics, a summary, a table and a named scatter plot
(``/index/correlations``); the published formulas, stated from the code's own
constants (``/index/formulas``); a region's report as a page and as a PDF
(``/index/reports/{region}/{period}``, ``….pdf``).

Public aggregates only: government accounts and their scores, public topics. Every read runs off
the event loop (:func:`plaza.http.context.off_loop`), the PDF on the compute pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from plaza import i18n, regions
from plaza.accounts.kinds import DEPARTMENT_TYPES, LEVELS, NATIONAL_REGION
from plaza.desk.metrics import Period
from plaza.errors import Invalid, NotFound
from plaza.http.context import off_loop, plaza_of
from plaza.http.locale import request_locale
from plaza.http.params import query_params
from plaza.index import compute, formulas, rankings, report, response, statistics
from plaza.index.compute import DIMENSIONS, FLAGS, INDICATORS
from plaza.web import pdf
from plaza.web.desk_pages import china_time
from plaza.web.index_charts import dimension_bars, history_chart, rate_bars, scatter_chart, score_bars
from plaza.web.rendering import ENV, label, page_context, place_name, render

#: Accounts per page of the ranking.
PAGE_SIZE = 50
MAX_PAGE = 100_000
#: Where the API serves what these pages show (the exports are linked, not re-made).
API = "/api/plaza/v1/index"
#: The order of the period picker's groups.
KINDS = ("month", "quarter", "week", "year", "day")
#: The indicators that are shares (0..1), shown as percentages.
RATES = frozenset(i.key for i in INDICATORS if not i.log and i.key != "pagerank")
_INDICATOR = {i.key: i for i in INDICATORS}


# --- formatting ------------------------------------------------------------------------------------


def score(value: float | None) -> str:
    """A score (0–100) or an index as shown: one decimal; "—" for no data."""
    return "—" if value is None else f"{value:.1f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def minutes(value: float | None) -> str:
    """Minutes to an answer, to a tenth (0.0 → 0)."""
    return "—" if value is None else f"{round(value, 1):g}"


def indicator_value(key: str, value: float | None) -> str:
    """An indicator's raw value: a share as a percentage, PageRank to four figures, minutes and
    counts as they are."""
    if value is None:
        return "—"
    if key in RATES:
        return percent(value)
    if key == "pagerank":
        return f"{value:.4g}"
    return f"{value:,.1f}".removesuffix(".0")


def _labels(locale: str) -> dict[str, Callable[..., str]]:
    """The index's vocabularies in the reader's language, for the templates."""
    english = locale == "en"

    def dimension(key: str | None) -> str:
        if key is None:
            return i18n.gettext("index_reported_only", locale)
        return DIMENSIONS[key][1 if english else 0] if key in DIMENSIONS else key

    def indicator(key: str) -> str:
        found = _INDICATOR.get(key)
        return (found.en if english else found.zh) if found else key

    def flag(key: str) -> str:
        return label(FLAGS, key, locale) or key

    return {"dimension_name": dimension, "indicator_name": indicator, "flag_name": flag,
            "score": score, "percent": percent, "minutes": minutes, "indicator_value": indicator_value,
            "china_time": china_time}


def _here(path: str, request: Request, values: Mapping[str, str | int | None]) -> str:
    """``path`` with the non-empty ``values`` as its query (the reader's ``lang`` kept)."""
    query = {k: str(v) for k, v in values.items() if v not in (None, "")}
    if request.query_params.get("lang"):
        query["lang"] = str(request.query_params["lang"])
    return path + ("?" + urlencode(query) if query else "")


def account_url(username: str, period: str) -> str:
    return f"/index/accounts/{quote(username, safe='')}?{urlencode({'period': period})}"


def report_url(region: str, period: str) -> str:
    return f"/index/reports/{quote(region, safe='')}/{quote(period, safe='')}"


# --- pickers ---------------------------------------------------------------------------------------


def period_groups(periods: Sequence[Mapping[str, Any]], current: Period, locale: str) -> list[tuple[str, list[str]]]:
    """The computed periods by kind (months first), the current one included even when it has no run."""
    keys: dict[str, list[str]] = {}
    for entry in periods:
        keys.setdefault(str(entry["kind"]), []).append(str(entry["key"]))
    if current.key not in keys.get(current.kind, []):
        keys.setdefault(current.kind, []).insert(0, current.key)
    return [(i18n.gettext(f"index_kind_{kind}", locale), keys[kind]) for kind in KINDS if kind in keys]


def region_options(codes: Sequence[str], chosen: str | None, locale: str) -> list[tuple[str, str]]:
    """The region picker: the national bodies (when ranked), every province, and under each the
    cities that have ranked accounts; the chosen region kept when it is none of these (a county)."""
    cities: dict[str, set[str]] = {}
    national = False
    for code in codes:
        if code == NATIONAL_REGION:
            national = True
            continue
        city = regions.city_code(code)
        if city is not None and city != code[:2] + "0000":
            cities.setdefault(code[:2], set()).add(city)
    options: list[tuple[str, str]] = []
    if national:
        options.append((NATIONAL_REGION, i18n.gettext("index_national_bodies", locale)))
    for province in sorted(regions.provinces(), key=lambda d: d.code):
        options.append((province.code, province.name))
        for city in sorted(cities.get(province.code[:2], ())):
            division = regions.lookup(city)
            options.append((city, "　" + (division.name if division else city)))
    if chosen and chosen not in {code for code, _ in options}:
        options.append((chosen, place_name(chosen, locale)))
    return options


def _region_label(code: str, locale: str) -> str:
    if code == NATIONAL_REGION:
        return i18n.gettext("index_national_bodies", locale)
    return place_name(code, locale)


# --- the ranking -----------------------------------------------------------------------------------


def _page_number(raw: str | None) -> int:
    """``?page=`` (1 when absent); 422 naming the range otherwise."""
    if raw is None or raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise Invalid("number_out_of_range", name="page", min=1, max=MAX_PAGE)
    return int(raw)


async def ranking_page(request: Request) -> Response:
    """``/index?period=2026-11&region=500000&level=…&department_type=…&page=2``: the ranking."""
    locale = request_locale(request)
    params = query_params(request)
    page = _page_number(params.text("page"))
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            filters = rankings.filters_from(conn, params.text)
            found: dict[str, Any] = {"period": period, "filters": filters,
                                     "periods": rankings.computed_periods(conn), "board": None, "missing": None}
            try:
                found["board"] = rankings.ranking(conn, period, filters, limit=PAGE_SIZE,
                                                  offset=(page - 1) * PAGE_SIZE)
            except NotFound as exc:
                if exc.key != "index_not_computed":
                    raise
                found["missing"] = exc
            found["regions"] = rankings.ranked_regions(conn, period) if found["board"] is not None else []
            return found

    found = await off_loop(request, work)
    period: Period = found["period"]
    filters: rankings.Filters = found["filters"]
    chosen = {"region": filters.region, "level": filters.level, "department_type": filters.department_type,
              "matrix": params.text("matrix") if filters.matrix is not None else None}
    computed_keys = {str(p["key"]) for p in found["periods"]}

    def here(**changes: str | int | None) -> str:
        return _here("/index", request, {"period": period.key, **chosen, **changes})

    board = found["board"]
    context: dict[str, Any] = {
        **_labels(locale), "period": period, "filters": filters, "board": board, "page": page,
        "period_groups": period_groups(found["periods"], period, locale),
        "region_options": region_options(found["regions"], filters.region, locale),
        "levels": LEVELS, "department_types": DEPARTMENT_TYPES, "matrix": chosen["matrix"],
        "filtered": any(chosen.values()), "clear_url": _here("/index", request, {"period": period.key}),
        "previous_computed": period.previous().key in computed_keys,
        "events_url": _here("/index/events", request, {"period": period.key}),
        "correlations_url": _here("/index/correlations", request, {"period": period.key}),
        "account_url": lambda username: account_url(username, period.key),
        "report_url": report_url(filters.region, period.key) if filters.region else None,
        "region_label": _region_label(filters.region, locale) if filters.region else "",
        "missing": found["missing"].message(locale) if found["missing"] is not None else None,
    }
    if board is None:
        return render(request, "index_ranking.html", context, status_code=404)
    pages = max(1, -(-int(board["total"]) // PAGE_SIZE))
    exports = {fmt: API + "?" + urlencode({k: v for k, v in {"period": period.key, **chosen, "format": fmt}.items()
                                           if v})
               for fmt in ("csv", "xlsx")}
    exports["json"] = API + "?" + urlencode({k: v for k, v in {"period": period.key, **chosen}.items() if v})
    context.update({
        "pages": pages, "exports": exports,
        "previous_url": here(page=page - 1 if page > 2 else None) if page > 1 else None,
        "next_url": here(page=page + 1) if page < pages else None,
        "weights": [(key, weight) for key, weight in board["settings"].get("weights", {}).items()],
    })
    return render(request, "index_ranking.html", context)


# --- an account ------------------------------------------------------------------------------------


async def account_page(request: Request) -> Response:
    """``/index/accounts/{username}?period=2026-11``: one account's index."""
    locale = request_locale(request)
    params = query_params(request)
    username = str(request.path_params["username"])
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            return rankings.account_view(conn, username, period)

    body = await off_loop(request, work)
    account = body["account"]
    labels = _labels(locale)
    history = [(h["period"], h["composite"], h["group_median"]) for h in body["history"]]
    chart = history_chart(
        history, title=i18n.gettext("index_history_title", locale),
        desc=i18n.gettext("index_history_desc", locale, name=account["display_name"], n=len(history)),
        own_label=i18n.gettext("index_composite", locale), median_label=i18n.gettext("index_group_median", locale),
        no_data=i18n.gettext("index_no_data", locale))
    province = (NATIONAL_REGION if account["region_code"] == NATIONAL_REGION
                else (account["region_code"] or "")[:2] + "0000")
    groups = [("overall", i18n.gettext("index_rank_overall", locale)),
              ("region", _region_label(province, locale) if regions.is_place(province) or province == NATIONAL_REGION
               else i18n.gettext("index_rank_region", locale)),
              ("level", label(LEVELS, account["level"], locale) or i18n.gettext("index_rank_level", locale)),
              ("department_type", label(DEPARTMENT_TYPES, account["department_type"], locale)
               or i18n.gettext("index_rank_department_type", locale))]
    by_dimension = [(key, [i for i in body["indicators"] if i["dimension"] == key]) for key in (*DIMENSIONS, None)]
    period_key = body["period"]["key"]
    return render(request, "index_account.html", {
        **labels, "body": body, "account": account, "chart": chart, "rank_groups": groups,
        "by_dimension": by_dimension, "period_key": period_key,
        "ranking_url": _here("/index", request, {"period": period_key}),
        "json_url": f"{API}/accounts/{quote(account['username'], safe='')}?{urlencode({'period': period_key})}",
    })


# --- hot events ------------------------------------------------------------------------------------


async def events_page(request: Request) -> Response:
    """``/index/events?period=2026-11``: the period's hot events, the unanswered first."""
    locale = request_locale(request)
    params = query_params(request)
    db = plaza_of(request).db

    def work() -> tuple[Period, dict[str, Any], list[dict[str, Any]]]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            rankings.computed(conn, period)
            return (period, response.summary(conn, period, response.events_in(conn, period)),
                    rankings.computed_periods(conn))

    period, body, periods = await off_loop(request, work)
    events = sorted(body["events"], key=lambda e: bool(e["answered"]))  # stable: newest first within each
    query = {"period": period.key}
    return render(request, "index_events.html", {
        **_labels(locale), "period": period, "body": body, "events": events,
        "period_groups": period_groups(periods, period, locale),
        "account_url": lambda username: account_url(username, period.key),
        "region_label": lambda code: _region_label(code, locale) if code else i18n.gettext("index_no_region", locale),
        "type_label": lambda key: (label(DEPARTMENT_TYPES, key, locale) if key
                                   else i18n.gettext("index_type_unknown", locale)),
        "list_label": lambda key: (i18n.gettext("national", locale) if key == "national"
                                   else _region_label(key, locale)),
        "exports": {"csv": f"{API}/events?{urlencode({**query, 'format': 'csv'})}",
                    "xlsx": f"{API}/events?{urlencode({**query, 'format': 'xlsx'})}",
                    "json": f"{API}/events?{urlencode(query)}"},
        "ranking_url": _here("/index", request, query),
    })


# --- influence against a city's development -------------------------------------------------------

#: Why a correlations page has nothing to show (404 with what to run): no run, no statistics.
_NOTHING_TO_CORRELATE = frozenset({"index_not_computed", "index_statistics_missing", "index_statistics_missing_year"})


def _correlation_number(value: float | None) -> str:
    """A coefficient or p-value as shown: two decimals, a true minus sign; "—" for none."""
    if value is None:
        return "—"
    if 0 < value < 0.001:
        return "<0.001"
    return f"{value:.2f}".replace("-", "−")


def _correlation_interval(ci: Sequence[float] | None) -> str:
    if ci is None:
        return ""
    return f"[{_correlation_number(ci[0])}, {_correlation_number(ci[1])}]"


def _named(names: Mapping[str, tuple[str, str]], key: str, locale: str) -> str:
    pair = names.get(key)
    if pair is None:
        return key
    text = pair[1 if locale == "en" else 0]
    return text[:1].upper() + text[1:]


def _group_label(group: str, locale: str) -> str:
    """``all``, ``level:county``, ``department_type:publicity`` in the reader's language."""
    if group == "all":
        return i18n.gettext("index_correlations_all_accounts", locale)
    kind, _, key = group.partition(":")
    vocabulary = LEVELS if kind == "level" else DEPARTMENT_TYPES
    return label(vocabulary, key, locale) or key


async def correlations_page(request: Request) -> Response:
    """``/index/correlations?period=2026-11&measure=followers&statistic=population&year=2024``:
    influence against a city's development — the summary, the correlations and a scatter plot."""
    locale = request_locale(request)
    params = query_params(request)
    year = statistics.parse_year(params.text("year"))
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            found: dict[str, Any] = {"period": period, "periods": rankings.computed_periods(conn),
                                     "body": None, "missing": None}
            try:
                dataset = statistics.load(conn, period, statistic_year=year)
            except NotFound as exc:
                if exc.key not in _NOTHING_TO_CORRELATE:
                    raise
                found["missing"] = exc
                return found
        found["body"] = statistics.analyse(dataset)
        return found

    # the bootstraps are seconds of CPU on a large group: never on the event loop
    found = await asyncio.to_thread(work)
    period: Period = found["period"]
    body: dict[str, Any] | None = found["body"]
    context: dict[str, Any] = {
        **_labels(locale), "period": period, "body": body, "year": year,
        "period_groups": period_groups(found["periods"], period, locale),
        "ranking_url": _here("/index", request, {"period": period.key}),
        "missing": found["missing"].message(locale) if found["missing"] is not None else None,
        "missing_key": found["missing"].key if found["missing"] is not None else None,
    }
    if body is None:
        return render(request, "index_correlations.html", context, status_code=404)
    first = body["rows"][0] if body["rows"] else {"measure": body["measures"][0], "statistic": body["statistics"][0]}
    measure = params.text("measure") or first["measure"]
    statistic = params.text("statistic") or first["statistic"]
    if measure not in body["measures"]:
        raise Invalid("index_measure_unknown", value=measure[:60], known=", ".join(body["measures"]))
    if statistic not in body["statistics"]:
        raise Invalid("index_statistic_unknown", value=statistic[:60], known=", ".join(body["statistics"]))
    measure_name = _named(statistics.MEASURES, measure, locale)
    statistic_name = _named(statistics.STATISTICS, statistic, locale)
    points = body["points"].get(measure, {}).get(statistic, [])
    chart = scatter_chart(
        [(p["display_name"], float(p["x"]), float(p["y"])) for p in points],
        title=i18n.gettext("index_correlations_chart", locale, measure=measure_name, statistic=statistic_name),
        desc=i18n.gettext("index_correlations_chart_desc", locale, n=len(points), measure=measure_name,
                          statistic=statistic_name),
        x_label=statistic_name, y_label=measure_name, no_data=i18n.gettext("index_no_data", locale),
        chart_id="index-correlations-scatter")
    query = {"period": period.key, "year": year}
    rows = [{**row, "measure_name": _named(statistics.MEASURES, row["measure"], locale),
             "statistic_name": _named(statistics.STATISTICS, row["statistic"], locale),
             "group_name": _group_label(row["group"], locale),
             "url": _here("/index/correlations", request, {**query, "measure": row["measure"],
                                                             "statistic": row["statistic"]}),
             "chosen": (row["measure"], row["statistic"]) == (measure, statistic)}
            for row in body["rows"]]
    api_query = {k: v for k, v in query.items() if v is not None}
    context.update({
        "summary": statistics.summary(body, locale), "rows": rows, "chart": chart, "points": points,
        "measure": measure, "statistic": statistic, "measure_name": measure_name, "statistic_name": statistic_name,
        "measure_options": [(key, _named(statistics.MEASURES, key, locale)) for key in body["measures"]],
        "statistic_options": [(key, _named(statistics.STATISTICS, key, locale)) for key in body["statistics"]],
        "number": _correlation_number, "interval": _correlation_interval,
        "figure": lambda value: f"{value:,.2f}".rstrip("0").rstrip("."),
        "account_url": lambda username: account_url(username, period.key),
        "exports": {"csv": f"{API}/correlations?{urlencode({**api_query, 'format': 'csv'})}",
                    "xlsx": f"{API}/correlations?{urlencode({**api_query, 'format': 'xlsx'})}",
                    "json": f"{API}/correlations?{urlencode(api_query)}"},
    })
    return render(request, "index_correlations.html", context)


# --- the formulas ----------------------------------------------------------------------------------

#: The symbols of 清博 BCI's inputs, in the published order.
BCI_SYMBOLS = {"posts": "X1", "originals": "X2", "reposts": "X3", "comments": "X4", "original_reposts": "X5",
               "original_comments": "X6", "likes": "X7"}


def _weighted(terms: Sequence[tuple[str, float]]) -> str:
    return " + ".join(f"{weight:g}·ln({symbol}+1)" for symbol, weight in terms)


def formula_lines() -> dict[str, list[str]]:
    """BCI and WCI 2.0 as :mod:`plaza.index.formulas` computes them, written out."""
    total, mean, best = formulas.WCI_TERMS
    bci_mix, wci_mix = formulas.BCI_MIX, formulas.WCI_MIX
    return {
        "bci": [f"W1 = {_weighted([(BCI_SYMBOLS[n], w) for n, w in formulas.BCI_ACTIVITY])}",
                f"W2 = {_weighted([(BCI_SYMBOLS[n], w) for n, w in formulas.BCI_SPREAD])}",
                f"BCI = ({bci_mix[0]:g}·W1 + {bci_mix[1]:g}·W2) × {formulas.BCI_SCALE:g}"],
        "wci": [f"Read = {_weighted([('R', total), ('R/n', mean), ('Rmax', best)])}",
                f"Like = {_weighted([('Z', total), ('Z/n', mean), ('Zmax', best)])}",
                f"WCI = ({wci_mix[0]:g}·Read + {wci_mix[1]:g}·Like)² × {formulas.WCI_SCALE:g}"],
    }


def flag_definitions(locale: str) -> list[tuple[str, str, str]]:
    """(key, name, what sets it) of every compliance check, with the thresholds the code applies."""
    params: dict[str, dict[str, Any]] = {
        "silent_14_days": {"days": compute.SILENT_DAYS},
        "mentions_unanswered": {"n": compute.MENTIONS_CHECKED, "share": percent(compute.MENTIONS_ANSWERED_MIN)},
        "cases_late": {"n": compute.CASES_CHECKED, "share": percent(compute.CASES_ON_TIME_MIN)},
        "only_reposts": {"n": compute.REPOSTS_ONLY_POSTS},
        "hot_events_unanswered": {},
    }
    out = []
    for key in FLAGS:
        rule = f"index_flag_rule_{key}"
        text = i18n.gettext(rule, locale, **params.get(key, {}))
        out.append((key, label(FLAGS, key, locale), "" if text == rule else text))
    return out


async def formulas_page(request: Request) -> Response:
    """``/index/formulas``: the published formulas, from the constants the index is computed with."""
    locale = request_locale(request)
    english = locale == "en"
    weights = dict(formulas.DEFAULT_WEIGHTS)
    dimensions = [(key, names[1 if english else 0], weights.get(key),
                   [i for i in INDICATORS if i.dimension == key]) for key, names in DIMENSIONS.items()]
    bci_inputs = [(BCI_SYMBOLS[name], i18n.gettext(f"index_input_{name}", locale))
                  for name, _ in (*formulas.BCI_ACTIVITY, *formulas.BCI_SPREAD)]
    return render(request, "index_formulas.html", {
        **_labels(locale), "dimensions": dimensions, "reported": [i for i in INDICATORS if i.dimension is None],
        "lines": formula_lines(), "bci_inputs": bci_inputs, "flags": flag_definitions(locale),
        "default_hours": f"{compute.Settings().response_hours:g}", "top_rank": response.TOP_RANK,
        "leading": response.LEADING,
    })


# --- a region's report -----------------------------------------------------------------------------


async def _report(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's data and the template values both its page and its PDF render."""
    locale = request_locale(request)
    region = str(request.path_params["region"])
    asked = str(request.path_params["period"])
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            return report.monthly(conn, rankings.default_period(conn, asked), region)

    body = await off_loop(request, work)
    period_key = body["period"]["key"]
    no_data = i18n.gettext("index_no_data", locale)
    labels = _labels(locale)
    name = _region_label(region, locale)
    charts = body["charts"]
    composites = charts["composites"]
    dims = charts["dimensions"]
    by_type = [(label(DEPARTMENT_TYPES, key, locale) or i18n.gettext("index_type_unknown", locale), rate)
               for key, rate in charts["response_by_department_type"]]
    drawn: dict[str, Markup] = {
        "composites": score_bars(composites, title=i18n.gettext("index_report_top_chart", locale, n=len(composites)),
                                 desc=i18n.gettext("index_report_top_desc", locale, region=name, n=len(composites)),
                                 no_data=no_data, chart_id="report-composites"),
        "dimensions": dimension_bars(
            [(labels["dimension_name"](key), mine, everyone) for key, mine, everyone in dims],
            title=i18n.gettext("index_report_dimensions_chart", locale),
            desc=i18n.gettext("index_report_dimensions_desc", locale, region=name),
            first_label=i18n.gettext("index_report_region_median", locale, region=name),
            second_label=i18n.gettext("index_report_overall_median", locale), no_data=no_data,
            chart_id="report-dimensions"),
        "response": rate_bars(by_type, title=i18n.gettext("index_report_response_chart", locale),
                              desc=i18n.gettext("index_report_response_desc", locale, n=body["events"]["count"],
                                                answered=body["events"]["answered"]),
                              chart_id="report-response"),
    }
    context = {
        **labels, "report": body, "region": region, "region_name": name, "period_key": period_key,
        "charts": drawn, "desk_rates": report.DESK_RATES,
        "account_url": lambda username: account_url(username, period_key),
        "pdf_url": report_url(region, period_key) + ".pdf" + (
            "?" + urlencode({"lang": request.query_params["lang"]}) if request.query_params.get("lang") else ""),
        "ranking_url": _here("/index", request, {"period": period_key, "region": region}),
        "export_url": API + "?" + urlencode({"period": period_key, "region": region, "format": "xlsx"}),
    }
    return body, context


async def report_page(request: Request) -> Response:
    """``/index/reports/{region}/{period}``: a region's report, with its charts."""
    _, context = await _report(request)
    return render(request, "index_report.html", context)


async def report_pdf(request: Request) -> Response:
    """``/index/reports/{region}/{period}.pdf``: the same report typeset by WeasyPrint (503 with
    what to install when its libraries cannot be loaded)."""
    body, context = await _report(request)
    values = page_context(request)
    values.update(context)
    html = ENV.get_template("index_report_print.html").render(values)
    document = await plaza_of(request).compute(lambda: pdf.render(html))
    filename = f"plaza-index-{body['region']}-{body['period']['key']}.pdf"
    return Response(document, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
