"""The evaluation index (政务指数) in Plaza's own API — public, like the published rankings it
opens up: aggregates of public acts only, never a person.

    GET /api/plaza/v1/index                      the ranking: ?period=2026-11 (default the newest
                                                 computed month) &region=500000 &level=prefecture
                                                 &department_type=publicity &matrix=<id or name>
                                                 &limit=50 &offset=0 &format=json|csv|xlsx
    GET /api/plaza/v1/index/accounts/{username}  one account: indicators, composite, ranks in its
                                                 groups, BCI, WCI where reads are known, history
    GET /api/plaza/v1/index/events               hot events (热点事件) and who answered: ?period=
                                                 &format=json|csv|xlsx; rates by region and
                                                 department type
    GET /api/plaza/v1/index/correlations         influence against a city's development: each
                                                 measure correlated with the imported city
                                                 statistics (Pearson, Spearman, bootstrap
                                                 intervals) over all accounts, per level and per
                                                 department type; the scatter points and a
                                                 summary: ?period= &year= &format=json|csv|xlsx

The formulas are published in docs/index-formulas.md and computed by plaza.index.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.errors import Invalid
from plaza.http import responses
from plaza.http.context import off_loop, plaza_of
from plaza.http.locale import request_locale
from plaza.http.params import Params, query_params
from plaza.http.responses import ORJSONResponse
from plaza.index import rankings, response, statistics
from plaza.index.compute import DIMENSIONS

FORMATS = ("json", "csv", "xlsx")
MAX_LIMIT = 200
#: Rows of a ranking export (every account of the group).
EXPORT_LIMIT = 1_000_000


def _answer(body: dict[str, Any], fmt: str, columns: Sequence[str],
            rows: Callable[[dict[str, Any]], list[list[Any]]], name: str) -> Response:
    """An index answer as JSON, or its table as CSV or XLSX named after it and its period."""
    if fmt == "json":
        return ORJSONResponse(body)
    key = body["period"]["key"]
    return responses.table_response(columns, rows(body), fmt, f"{name}-{key}", key)


def _format(params: Params) -> str:
    fmt = (params.text("format") or "json").lower()
    if fmt not in FORMATS:
        raise Invalid("metrics_format_invalid", value=fmt[:10])
    return fmt


RANKING_COLUMNS = ["rank", "overall_rank", "previous_rank", "movement", "username", "display_name", "agency",
                   "region_code", "level", "department_type", "composite", *DIMENSIONS, "bci", "wci", "partial",
                   "flags", "why_moved"]


def ranking_rows(body: dict[str, Any]) -> list[list[Any]]:
    """A ranking as table rows (:data:`RANKING_COLUMNS`)."""
    out = []
    for row in body["accounts"]:
        a = row["account"]
        out.append([row["rank"], row["overall_rank"], row["previous_rank"], row["movement"], a["username"],
                    a["display_name"], a["agency"], a["region_code"], a["level"], a["department_type"],
                    row["composite"], *(row[k] for k in DIMENSIONS), row["bci"], row["wci"], row["partial"],
                    " ".join(row["flags"]), " ".join(m["indicator"] for m in row["why_moved"])])
    return out


EVENT_COLUMNS = ["topic", "list", "reached_at", "region_code", "department_type", "responsible", "answered",
                 "answered_by", "minutes"]


def event_rows(body: dict[str, Any]) -> list[list[Any]]:
    return [[e["topic"], e["list"], e["reached_at"], e["region_code"], e["department_type"],
             " ".join(r["username"] for r in e["responsible"]), e["answered"],
             e["answered_by"]["username"] if e["answered_by"] else None, e["minutes"]] for e in body["events"]]


async def index_ranking(request: Request) -> Response:
    params = query_params(request)
    fmt = _format(params)
    exporting = fmt != "json"
    limit = EXPORT_LIMIT if exporting else params.bounded("limit", 50, MAX_LIMIT)
    offset = 0 if exporting else params.bounded("offset", 0, 10_000_000, minimum=0)
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            return rankings.ranking(conn, period, rankings.filters_from(conn, params.text), limit=limit, offset=offset)

    body = await off_loop(request, work)
    return _answer(body, fmt, RANKING_COLUMNS, ranking_rows, "index")


async def index_account(request: Request) -> Response:
    params = query_params(request)
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            return rankings.account_view(conn, str(request.path_params["username"]), period)

    return ORJSONResponse(await off_loop(request, work))


async def index_events(request: Request) -> Response:
    params = query_params(request)
    fmt = _format(params)
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            rankings.computed(conn, period)
        events = response.events_of(db, period)
        with db.read() as conn:
            return response.summary(conn, period, events)

    return _answer(await off_loop(request, work), fmt, EVENT_COLUMNS, event_rows, "hot-events")


CORRELATION_COLUMNS = ["measure", "statistic", "group", "n", "pearson", "pearson_ci_low", "pearson_ci_high",
                       "pearson_p", "spearman", "spearman_ci_low", "spearman_ci_high", "spearman_p"]


def correlation_rows(body: dict[str, Any]) -> list[list[Any]]:
    """A correlation answer's rows as table rows (:data:`CORRELATION_COLUMNS`)."""
    out = []
    for row in body["rows"]:
        pearson_ci, spearman_ci = row["pearson_ci"] or [None, None], row["spearman_ci"] or [None, None]
        out.append([row["measure"], row["statistic"], row["group"], row["n"], row["pearson"], *pearson_ci,
                    row["pearson_p"], row["spearman"], *spearman_ci, row["spearman_p"]])
    return out


async def index_correlations(request: Request) -> Response:
    params = query_params(request)
    fmt = _format(params)
    year = statistics.parse_year(params.text("year"))
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = rankings.default_period(conn, params.text("period"))
            dataset = statistics.load(conn, period, statistic_year=year)
        return statistics.analyse(dataset)

    # the bootstraps are seconds of CPU on a large group: never on the event loop
    body = await asyncio.to_thread(work)
    if fmt == "json":
        body = {**body, "summary": statistics.summary(body, request_locale(request))}
    return _answer(body, fmt, CORRELATION_COLUMNS, correlation_rows, "index-correlations")


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/index", index_ranking, methods=["GET"]),
        Route("/api/plaza/v1/index/events", index_events, methods=["GET"]),
        Route("/api/plaza/v1/index/correlations", index_correlations, methods=["GET"]),
        Route("/api/plaza/v1/index/accounts/{username}", index_account, methods=["GET"]),
    ]
