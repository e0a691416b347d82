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

The formulas are published in docs/index-formulas.md and computed by plaza.index.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.desk.metrics import Period, parse_period
from plaza.errors import Invalid
from plaza.http.context import off_loop, plaza_of
from plaza.http.params import Params, query_params
from plaza.http.responses import ORJSONResponse
from plaza.index import rankings, response
from plaza.index.compute import DIMENSIONS, period_for
from plaza.storage.schema import accounts, index_periods

FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LIMIT = 200
#: Rows of a ranking export (every account of the group).
EXPORT_LIMIT = 1_000_000


def default_period(conn: Connection, asked: str | None) -> Period:
    """The period asked for, checked (not in the future); else the newest computed month."""
    if asked:
        return period_for(asked)
    newest = conn.execute(select(index_periods.c.period).where(index_periods.c.kind == "month")
                          .order_by(index_periods.c.period.desc()).limit(1)).scalar()
    return parse_period(newest) if newest else parse_period(None)


def _format(params: Params) -> str:
    fmt = (params.text("format") or "json").lower()
    if fmt not in FORMATS:
        raise Invalid("metrics_format_invalid", value=fmt[:10])
    return fmt


def filters_of(conn: Connection, params: Params) -> rankings.Filters:
    return rankings.Filters(region=params.text("region") or None, level=params.text("level") or None,
                            department_type=params.text("department_type") or None,
                            matrix=rankings.matrix_id(conn, params.text("matrix"))).check()


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


def table_response(columns: Sequence[str], rows: list[list[Any]], fmt: str, filename: str, sheet: str) -> Response:
    """A table as CSV (UTF-8 with a byte order mark, for spreadsheet programs) or XLSX."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if cell is None else cell for cell in row])
        body, media = out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook  # loaded on the first download only

        book = Workbook(write_only=True)
        page = book.create_sheet(sheet[:31])
        page.append(list(columns))
        for row in rows:
            page.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        body, media = buffer.getvalue(), XLSX
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})


async def index_ranking(request: Request) -> Response:
    params = query_params(request)
    fmt = _format(params)
    exporting = fmt != "json"
    limit = EXPORT_LIMIT if exporting else params.bounded("limit", 50, MAX_LIMIT)
    offset = 0 if exporting else params.bounded("offset", 0, 10_000_000, minimum=0)
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = default_period(conn, params.text("period"))
            return rankings.ranking(conn, period, filters_of(conn, params), limit=limit, offset=offset)

    body = await off_loop(request, work)
    if not exporting:
        return ORJSONResponse(body)
    return table_response(RANKING_COLUMNS, ranking_rows(body), fmt, f"index-{body['period']['key']}",
                          body["period"]["key"])


async def index_account(request: Request) -> Response:
    params = query_params(request)
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = default_period(conn, params.text("period"))
            return rankings.account_view(conn, str(request.path_params["username"]), period)

    return ORJSONResponse(await off_loop(request, work))


def events_body(conn: Connection, period: Period, events: list[response.Event]) -> dict[str, Any]:
    """The period's hot events as the API shows them: each with its responsible accounts, and
    the response rates by region and by department type."""
    ids = {a for e in events for a in e.responsible} | {e.answered_by for e in events if e.answered_by}
    names = {int(r.id): r for r in conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.display_name)
                                                 .where(accounts.c.id.in_(ids)))} if ids else {}

    def who(account_id: int | None) -> dict[str, Any] | None:
        row = names.get(int(account_id)) if account_id is not None else None
        return {"username": row.username, "display_name": row.display_name} if row else None

    answered = sum(1 for e in events if e.answered)
    return {
        "period": period.as_json(), "events_count": len(events), "answered": answered,
        "rate": answered / len(events) if events else None,
        "by_region": response.rates_by(events, "region"),
        "by_department_type": response.rates_by(events, "department_type"),
        "events": [{"topic": e.topic, "list": e.list_key, "reached_at": e.reached_at.isoformat(),
                    "region_code": e.region_code, "department_type": e.department_type,
                    "responsible": [{**(who(a) or {"username": None, "display_name": None}),
                                     "minutes": None if m is None else round(m, 1)}
                                    for a, m in e.responsible.items()],
                    "answered": e.answered, "answered_by": who(e.answered_by),
                    "minutes": None if e.minutes is None else round(e.minutes, 1)} for e in events],
    }


async def index_events(request: Request) -> Response:
    params = query_params(request)
    fmt = _format(params)
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            period = default_period(conn, params.text("period"))
            rankings.computed(conn, period)
        events = response.events_of(db, period)
        with db.read() as conn:
            return events_body(conn, period, events)

    body = await off_loop(request, work)
    if fmt == "json":
        return ORJSONResponse(body)
    return table_response(EVENT_COLUMNS, event_rows(body), fmt, f"hot-events-{body['period']['key']}",
                          body["period"]["key"])


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/index", index_ranking, methods=["GET"]),
        Route("/api/plaza/v1/index/events", index_events, methods=["GET"]),
        Route("/api/plaza/v1/index/accounts/{username}", index_account, methods=["GET"]),
    ]
