"""A desk's published figures and its board in Plaza's own API — public: aggregates only,
never a case's text or a person.

    GET /api/plaza/v1/desks/{desk}/metrics   ?period=2026-11 (day 2026-11-07, week 2026-W45, quarter
                                             2026-Q4, year 2026; default this month, Beijing time)
                                             &by=department|category|category_leaf|county
                                             &format=json|csv|xlsx
    GET /api/plaza/v1/desks/{desk}/board     the #topic# column's board (plaza.desk.board)

The formulas are plaza.desk.metrics's; CSV and XLSX carry the same rows (the totals, then each
group) with every rate's numerator and denominator, and the XLSX a sheet of definitions.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.desk import board, desks, metrics
from plaza.errors import Invalid
from plaza.http.context import off_loop, plaza_of
from plaza.http.params import query_params
from plaza.http.responses import ORJSONResponse

FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(request: Request) -> tuple[metrics.Report, str]:
    params = query_params(request)
    fmt = (params.text("format") or "json").lower()
    if fmt not in FORMATS:
        raise Invalid("metrics_format_invalid", value=fmt[:10])
    period = metrics.parse_period(params.text("period"))
    by = params.text("by") or None
    if by is not None and by not in metrics.GROUPINGS:
        raise Invalid("metrics_by_invalid", value=by[:20])
    db = plaza_of(request).db
    with db.read() as conn:
        desk = desks.get(conn, str(request.path_params["desk"]))
        return metrics.compute(conn, desk, period, by=by), fmt


def _filename(report: metrics.Report, ext: str) -> str:
    return f"{report.desk}-metrics-{report.period.key}{'-' + report.by if report.by else ''}.{ext}"


def as_csv(report: metrics.Report) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheet programs read the Chinese names right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(metrics.columns())
    for row in metrics.table(report):
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(report: metrics.Report) -> bytes:
    from openpyxl import Workbook  # loaded on the first download only

    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{report.period.key}"[:31])
    sheet.append(metrics.columns())
    for row in metrics.table(report):
        sheet.append(row)
    about = book.create_sheet("definitions")
    about.append(["key", "name", "numerator", "denominator"])
    about.append(["received", "受理量", "cases received in the period", ""])
    for rate in metrics.RATES:
        about.append([rate.key, rate.name, rate.numerator, rate.denominator])
    for key, name in metrics.DURATIONS:
        about.append([key, name, "working hours from forwarding (median, p90)", ""])
    about.append(["period", report.period.key, report.period.as_json()["start"], report.period.as_json()["end"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def desk_metrics(request: Request) -> Response:
    report, fmt = await off_loop(request, lambda: _report(request))
    if fmt == "json":
        return ORJSONResponse(report.as_json())
    body, media, ext = ((as_csv(report), "text/csv; charset=utf-8", "csv") if fmt == "csv"
                        else (as_xlsx(report), XLSX, "xlsx"))
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{_filename(report, ext)}"'})


async def desk_board(request: Request) -> Response:
    db = plaza_of(request).db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            return board.summary(conn, desks.get(conn, str(request.path_params["desk"]))).as_json()

    return ORJSONResponse(await off_loop(request, work))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/plaza/v1/desks/{desk}/metrics", desk_metrics, methods=["GET"]),
        Route("/api/plaza/v1/desks/{desk}/board", desk_board, methods=["GET"]),
    ]
