"""A desk's public board on the web (``/desks/{desk}``): the #topic# column's header and the desk's
account, what came in today and this month and what became of it, satisfaction, the last 30 days
drawn, the latest public replies, this month by category and county, and the published figures
per department (or category, or county) for any period, with their CSV and XLSX downloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from plaza import i18n, regions
from plaza.clock import as_utc
from plaza.desk import board, desks, metrics
from plaza.errors import Invalid
from plaza.http.context import off_loop, plaza_of
from plaza.http.locale import request_locale
from plaza.web.desk_charts import count_bars, daily_chart, rate_bars
from plaza.web.rendering import render
from plaza.workflow.worktime import BEIJING

#: The rates charted per group on the board.
CHARTED = ("on_time_reply_rate", "satisfaction_rate")
#: Bars at most in a chart by category or county (the table below has them all).
MAX_BARS = 12
#: Published group key None → what the page calls it.
NO_GROUP = {"department": "desk_not_forwarded", "category": "desk_uncategorised",
            "category_leaf": "desk_uncategorised", "county": "desk_no_place"}


def percent(ratio: metrics.Ratio) -> str:
    value = ratio.value
    return "—" if value is None else f"{value * 100:.0f}%"


def beijing_time(value: datetime) -> str:
    return as_utc(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _charts(found: board.Board, report: metrics.Report, locale: str) -> dict[str, Markup]:
    def t(key: str, **params: Any) -> str:
        return i18n.gettext(key, locale, **params)

    received = sum(d.received for d in found.daily)
    closed = sum(d.closed for d in found.daily)
    charts = {"daily": daily_chart(
        [(d.day.isoformat(), d.received, d.closed) for d in found.daily], title=t("desk_daily_title"),
        desc=t("desk_daily_desc", received=received, closed=closed), received_label=t("desk_received"),
        closed_label=t("desk_closed"), chart_id="desk-daily")}
    for name, shares, empty in (("category", found.by_category, "desk_uncategorised"),
                                ("county", found.by_county, "desk_no_place")):
        shown = [(s.name or t(empty), s.received) for s in shares[:MAX_BARS]]
        charts[name] = count_bars(shown, title=t(f"desk_by_{name}"),
                                  desc=t("desk_by_desc", n=len(shares), total=sum(s.received for s in shares)),
                                  chart_id=f"desk-{name}")
    group = t(f"desk_group_{report.by}").lower() if report.by else ""
    for key in CHARTED:
        rows = [(_group_name(g, report.by, locale), g.figures.rate(key).value) for g in report.groups[:MAX_BARS]]
        total = report.totals.rate(key)
        charts[key] = rate_bars(rows, title=t("desk_rate_by", rate=t(f"metric_{key}"), group=group),
                                desc=t("desk_rate_desc", rate=t(f"metric_{key}"), value=percent(total),
                                       numerator=total.numerator, denominator=total.denominator),
                                chart_id=f"desk-{key}")
    return charts


def _group_name(group: metrics.Group, by: str | None, locale: str) -> str:
    if group.key is None:
        return i18n.gettext(NO_GROUP.get(by or "", "desk_total"), locale)
    return group.name or group.key


async def desk_board(request: Request) -> Response:
    """``/desks/{desk}?period=2026-11&by=department``: the board and the figures."""
    locale = request_locale(request)
    name = str(request.path_params["desk"])
    period = metrics.parse_period(request.query_params.get("period"))
    by = request.query_params.get("by") or "department"
    if by not in metrics.GROUPINGS:
        raise Invalid("metrics_by_invalid", value=by[:20])
    db = plaza_of(request).db

    def work() -> tuple[board.Board, metrics.Report]:
        with db.read() as conn:
            desk = desks.get(conn, name)
            return board.summary(conn, desk), metrics.compute(conn, desk, period, by=by)

    found, report = await off_loop(request, work)
    desk = found.desk
    region = regions.resolve(desk.region_code)
    base = f"/api/plaza/v1/desks/{desk.username}/metrics?"

    def here(**changes: str) -> str:
        query = {"period": period.key, "by": by, **changes}
        if request.query_params.get("lang"):
            query["lang"] = str(request.query_params["lang"])
        return f"/desks/{desk.username}?{urlencode(query)}"

    today = metrics.of_date(found.today, "month")
    switcher = [(i18n.gettext(key, locale), here(period=p.key), p.key == period.key) for key, p in (
        ("desk_this_month", today), ("desk_last_month", today.previous()),
        ("desk_this_quarter", metrics.of_date(found.today, "quarter")),
        ("desk_this_year", metrics.of_date(found.today, "year")))]
    return render(request, "desk_board.html", {
        "desk": desk, "board": found, "report": report, "period": period, "by": by,
        "region_name": region.full_name if region else desk.region_code,
        "charts": _charts(found, report, locale), "rates": metrics.RATES, "durations": metrics.DURATIONS,
        "groupings": metrics.GROUPINGS, "switcher": switcher,
        "previous_url": here(period=period.previous().key), "next_url": here(period=period.next().key),
        "csv_url": base + urlencode({"period": period.key, "by": by, "format": "csv"}),
        "xlsx_url": base + urlencode({"period": period.key, "by": by, "format": "xlsx"}),
        "json_url": base + urlencode({"period": period.key, "by": by}),
        "percent": percent, "hours": hours, "beijing_time": beijing_time,
        "table_rows": [(i18n.gettext("desk_total", locale), report.totals, True),
                       *((_group_name(g, by, locale), g.figures, False) for g in report.groups)],
    })
