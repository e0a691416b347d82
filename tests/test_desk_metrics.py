"""The desk's published figures (issue 11, items 8–9): cases with known outcomes are filed and
moved step by step at set Beijing times, and each rate is checked by its numerator and
denominator, the working-hour medians and percentiles by the hours the steps took; periods end
at Beijing midnight; the board page renders with its charts in Chinese and English; the CSV and
XLSX downloads carry the same figures as the JSON; no personal data reaches the public."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest

from plaza.clock import ManualClock, use
from plaza.desk import board, cases, desks, metrics, rollup
from plaza.desk.cases import NewCase
from plaza.errors import Invalid
from plaza.instance import Plaza
from plaza.web import desk_charts
from tests.support.desks import INFRASTRUCTURE, WAGES, MasDesk, mas_desk

HUASHAN = "马鞍山市花山区湖东路12号"  # 340503
DANGTU = "马鞍山市当涂县姑孰镇青山路8号"  # 340521
CITIZEN_PHONE = "13912345678"
REPLY_PHONE = "13787654321"


def beijing(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


@dataclass
class Story:
    """The cases of November 2026 (and one of December) with what happened to each."""

    mas: MasDesk
    ids: dict[str, int]


class Steps:
    def __init__(self, plaza: Plaza, mas: MasDesk, clock: ManualClock) -> None:
        self.plaza, self.mas, self.clock = plaza, mas, clock

    def file(self, when: str, *, category: str | None = INFRASTRUCTURE, address: str = HUASHAN,
             text: str = "湖东路的路灯坏了一个多星期，晚上很黑") -> int:
        self.clock.at = beijing(when)
        with self.plaza.db.write() as conn:
            return cases.submit(conn, self.mas.desk, NewCase(text=text, source="web", category=category,
                                                             address=address, citizen_id=self.mas.citizen.id))

    def do(self, case_id: int, when: str, action: str, who: Any, **fields: Any) -> None:
        self.clock.at = beijing(when)
        with self.plaza.db.write() as conn:
            version = cases.load(conn, case_id).version
            cases.act(conn, case_id, action, who.id, version=version, fields=fields)


def tell_november(plaza: Plaza) -> Story:
    mas = mas_desk(plaza)
    desk, cgj, zjj, citizen = mas.staff, mas.cgj_operator, mas.zjj, mas.citizen
    ids: dict[str, int] = {}
    with use(ManualClock(beijing("2026-11-02T09:00"))) as clock:
        s = Steps(plaza, mas, clock)  # type: ignore[arg-type]
        # A: on time all along, satisfied and fixed (acknowledged in 1 h, replied in 2 h).
        a = ids["A"] = s.file("2026-11-02T09:00")
        s.do(a, "2026-11-02T09:05", "accept", desk)
        s.do(a, "2026-11-02T09:10", "forward", desk)  # the rule: 城管局
        s.do(a, "2026-11-02T10:10", "acknowledge", cgj)
        s.do(a, "2026-11-02T11:10", "reply", cgj, text="路灯已更换。", result="resolved")
        s.do(a, "2026-11-02T12:00", "rate", citizen, satisfaction="satisfied", resolved=True)
        # B: acknowledged and replied late (72 and 168 working hours), basically satisfied, not fixed.
        b = ids["B"] = s.file("2026-11-02T09:01")
        s.do(b, "2026-11-02T09:05", "accept", desk)
        s.do(b, "2026-11-02T09:10", "forward", desk)
        s.do(b, "2026-11-05T09:10", "acknowledge", cgj)  # due by the end of Tuesday 3rd
        s.do(b, "2026-11-11T09:10", "reply", cgj, text="已协调处理。", result="explained")  # due end of 10th
        s.do(b, "2026-11-11T10:00", "rate", citizen, satisfaction="basically_satisfied", resolved=False)
        # C: returned by 城管局, forwarded to 住建局, answered, rated dissatisfied, reworked, then fixed.
        c = ids["C"] = s.file("2026-11-02T09:02")
        s.do(c, "2026-11-02T09:05", "accept", desk)
        s.do(c, "2026-11-02T09:10", "forward", desk)
        s.do(c, "2026-11-02T10:00", "return", cgj, note="不属于本部门职责")
        s.do(c, "2026-11-02T10:30", "forward", desk, department="mas_zjj")
        s.do(c, "2026-11-02T11:30", "acknowledge", zjj)
        s.do(c, "2026-11-02T12:30", "reply", zjj, text="已安排维修。", result="resolved")
        s.do(c, "2026-11-02T12:40", "rate", citizen, satisfaction="dissatisfied", resolved=False)
        s.do(c, "2026-11-02T13:00", "rework", desk, note="群众反映未修好")
        s.do(c, "2026-11-02T15:00", "acknowledge", zjj)  # 2 h after the rework
        s.do(c, "2026-11-03T13:00", "reply", zjj, text="已修复并回访。", result="resolved")  # 24 h
        s.do(c, "2026-11-03T14:00", "rate", citizen, satisfaction="satisfied", resolved=True)
        # D: declined; E: not looked at yet (no category, no place); F: forwarded, never acknowledged.
        d = ids["D"] = s.file("2026-11-03T10:00")
        s.do(d, "2026-11-03T10:05", "reject", desk, reason="not_our_business")
        ids["E"] = s.file("2026-11-03T10:00", category=None, address="", text="想咨询一下办事流程")
        f = ids["F"] = s.file("2026-11-03T10:00")
        s.do(f, "2026-11-03T10:05", "accept", desk)
        s.do(f, "2026-11-03T10:10", "forward", desk)
        # H: on time, explained, the citizen dissatisfied and not fixed (awaiting the desk).
        h = ids["H"] = s.file("2026-11-04T09:00")
        s.do(h, "2026-11-04T09:05", "accept", desk)
        s.do(h, "2026-11-04T09:10", "forward", desk)
        s.do(h, "2026-11-04T10:10", "acknowledge", cgj)
        s.do(h, "2026-11-04T11:10", "reply", cgj, text=f"已电话联系（{REPLY_PHONE}），该处属规划调整范围。",
             result="explained")
        s.do(h, "2026-11-04T12:00", "rate", citizen, satisfaction="dissatisfied", resolved=False)
        # G: the last half hour of November, with the citizen's phone in the text; forwarded at once.
        g = ids["G"] = s.file("2026-11-30T23:30", category=WAGES, address=DANGTU,
                              text=f"当涂县某工地拖欠工资三个月，电话{CITIZEN_PHONE}")
        s.do(g, "2026-11-30T23:35", "accept", desk)
        s.do(g, "2026-11-30T23:40", "forward", desk, department="mas_cgj")
        # I: ten minutes into December.
        ids["I"] = s.file("2026-12-01T00:10")
    return Story(mas, ids)


@pytest.fixture
def story(plaza: Plaza) -> Story:
    return tell_november(plaza)


#: When the figures are computed: Tuesday 1 December, 09:00 — G's acknowledge limit (the end of
#: the 1st) has not passed; cases received by 3 November 09:00 are older than 4 weeks.
COMPUTED = beijing("2026-12-01T09:00")


def compute(plaza: Plaza, period: str, by: str | None = None, now: datetime = COMPUTED) -> metrics.Report:
    with plaza.db.read() as conn:
        desk = desks.get(conn, "mas_fabu")
        return metrics.compute(conn, desk, metrics.parse_period(period), by=by, now=now)


def near(value: float | None, exact: float, *, between: tuple[float, float]) -> bool:
    """A percentile read from the rollup's histograms is off the exact one by less than the widest
    bucket of the two values it lies between (plaza.desk.rollup)."""
    return value is not None and abs(value - exact) < max(rollup.resolution(v) for v in between)


def parts(report_figures: metrics.Figures, key: str) -> tuple[int, int]:
    rate = report_figures.rate(key)
    return rate.numerator, rate.denominator


def test_every_rate_counts_the_cases_its_definition_names(plaza, story) -> None:
    totals = compute(plaza, "2026-11").totals
    assert totals.received == 8  # A B C D E F G H; I is December's
    assert parts(totals, "acceptance_rate") == (6, 8)  # D declined, E not accepted
    assert parts(totals, "on_time_acknowledgement_rate") == (3, 5)  # A C H on time; B late; F never; G not due
    assert parts(totals, "response_rate") == (3, 6)  # every forwarded case: G still within its limit
    assert parts(totals, "on_time_reply_rate") == (3, 5)  # A C H; B late; F's limit has passed
    assert parts(totals, "closure_rate") == (3, 8)  # A B C closed; H awaits the desk after the rating
    assert parts(totals, "satisfaction_rate") == (3, 4)  # A C satisfied, B basically; H dissatisfied
    assert parts(totals, "resolution_rate") == (2, 4)  # A and C said fixed
    assert parts(totals, "rework_rate") == (1, 4)  # C reworked of A B C H replied
    assert parts(totals, "return_rate") == (1, 6)  # C returned once
    assert parts(totals, "fix_rate") == (2, 3)  # A B C are older than 4 weeks; A and C fixed
    assert totals.rate("acceptance_rate").value == pytest.approx(0.75)


def test_working_hours_have_their_median_and_90th_percentile(plaza, story) -> None:
    totals = compute(plaza, "2026-11").totals
    acknowledge, reply = totals.hours["acknowledge_hours"], totals.hours["reply_hours"]
    # acknowledged after 1 (A), 72 (B: Monday 09:10 to Thursday 09:10), 2 (C's last round), 1 (H) hours
    assert acknowledge.count == 4 and near(acknowledge.median, 1.5, between=(1, 2))
    assert near(acknowledge.p90, 2 + (72 - 2) * 0.7, between=(2, 72))
    # replied after 2 (A), 168 (B: seven working days), 24 (C's last round), 2 (H) hours
    assert reply.count == 4 and near(reply.median, 13.0, between=(2, 24))
    assert near(reply.p90, 24 + (168 - 24) * 0.7, between=(24, 168))


def test_figures_per_department_are_the_cases_each_leads_now(plaza, story) -> None:
    report = compute(plaza, "2026-11", by="department")
    groups = {g.key: g for g in report.groups}
    assert set(groups) == {"mas_cgj", "mas_zjj", None}
    cgj, zjj, nobody = groups["mas_cgj"].figures, groups["mas_zjj"].figures, groups[None].figures
    assert (cgj.received, zjj.received, nobody.received) == (5, 1, 2)  # A B F G H · C · D E
    assert parts(cgj, "on_time_acknowledgement_rate") == (2, 4)
    assert parts(zjj, "on_time_acknowledgement_rate") == (1, 1)
    assert parts(zjj, "rework_rate") == (1, 1) and parts(zjj, "return_rate") == (1, 1)
    assert near(zjj.hours["reply_hours"].median, 24.0, between=(24, 24))
    assert groups["mas_cgj"].name == "马鞍山城管"
    assert report.groups[0].key == "mas_cgj"  # the largest first
    # the groups add up to the totals
    assert sum(g.figures.received for g in report.groups) == report.totals.received


def test_figures_by_first_level_category_leaf_and_county(plaza, story) -> None:
    by_top = {g.name: g.figures.received for g in compute(plaza, "2026-11", by="category").groups}
    assert by_top == {"城乡建设": 6, "劳动和社会保障": 1, "": 1}
    by_leaf = {g.name: g.figures.received for g in compute(plaza, "2026-11", by="category_leaf").groups}
    assert by_leaf == {INFRASTRUCTURE: 6, WAGES: 1, "": 1}
    by_county = {g.key: g.figures.received for g in compute(plaza, "2026-11", by="county").groups}
    assert by_county["340503"] == 6 and by_county["340521"] == 1
    assert sum(by_county.values()) == 8


def test_periods_end_at_midnight_in_beijing(plaza, story) -> None:
    assert compute(plaza, "2026-11-30").totals.received == 1  # G, at 23:30 (15:30 UTC)
    assert compute(plaza, "2026-12").totals.received == 1  # I, at 00:10 on the 1st (16:10 UTC on the 30th)
    assert compute(plaza, "2026-12-01").totals.received == 1
    assert compute(plaza, "2026-W49").totals.received == 2  # Monday 30 November to Sunday 6 December
    assert compute(plaza, "2026-W45").totals.received == 7  # 2–8 November
    assert compute(plaza, "2026-Q4").totals.received == 9
    assert compute(plaza, "2026").totals.received == 9
    assert compute(plaza, "2026-10").totals.received == 0


def test_a_rate_with_nothing_to_count_has_no_value(plaza, story) -> None:
    december = compute(plaza, "2026-12").totals
    assert december.rate("satisfaction_rate").value is None
    assert december.rate("satisfaction_rate").as_json() == {"numerator": 0, "denominator": 0, "value": None}
    assert december.hours["reply_hours"].as_json() == {"count": 0, "median": None, "p90": None}


def test_periods_are_read_as_written_and_others_refused() -> None:
    assert metrics.parse_period("2026-11").as_json() == {
        "key": "2026-11", "kind": "month", "start": "2026-11-01T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"}
    week = metrics.parse_period("2026-W45")
    assert (week.first.isoformat(), week.end.isoformat()) == ("2026-11-02", "2026-11-09")
    assert metrics.parse_period("2026-q4").key == "2026-Q4"
    assert metrics.parse_period("2026-12").previous().key == "2026-11"
    assert metrics.parse_period("2026-Q4").next().key == "2027-Q1"
    assert metrics.parse_period("", now=beijing("2026-12-01T00:30")).key == "2026-12"  # 16:30 UTC on the 30th
    for bad in ("2026-13", "2026-W54", "2026-Q5", "26-11", "2026-02-30", "november"):
        with pytest.raises(Invalid):
            metrics.parse_period(bad)


def test_percentiles_interpolate_between_ranks() -> None:
    assert metrics.percentile([], 0.5) is None
    assert metrics.percentile([4.0], 0.9) == 4.0
    assert metrics.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert metrics.percentile([float(i) for i in range(1, 11)], 0.9) == pytest.approx(9.1)


# --- the board ---------------------------------------------------------------------------------------

BOARD_TIME = beijing("2026-11-30T23:50")


def test_the_board_counts_today_and_this_month_and_shows_the_latest_replies_masked(plaza, story) -> None:
    with plaza.db.read() as conn:
        found = board.summary(conn, story.mas.desk, now=BOARD_TIME)
    assert found.today_tally.as_json() == {"received": 1, "in_progress": 1, "closed": 0, "rejected": 0}  # G
    assert found.month_tally.as_json() == {"received": 8, "in_progress": 4, "closed": 3, "rejected": 1}
    assert found.satisfaction.as_json()["rate"] == {"numerator": 3, "denominator": 4, "value": 0.75}
    ids = story.ids
    # the replies to the newest cases first (A, B and C came in a minute apart, in that order)
    assert [r.case_id for r in found.replies] == [ids["H"], ids["C"], ids["B"], ids["A"]]
    assert REPLY_PHONE not in found.replies[0].text and "已电话联系" in found.replies[0].text
    assert {s.name: s.received for s in found.by_category} == {"城乡建设": 6, "劳动和社会保障": 1, "": 1}
    assert {s.key: s.received for s in found.by_county}["340521"] == 1
    daily = {d.day.isoformat(): (d.received, d.closed) for d in found.daily}
    assert len(found.daily) == 30 and found.daily[-1].day.isoformat() == "2026-11-30"
    assert daily["2026-11-02"] == (3, 3) and daily["2026-11-03"] == (3, 0) and daily["2026-11-30"] == (1, 0)
    assert sum(r for r, _ in daily.values()) == 8


# --- the page and the API ----------------------------------------------------------------------------


def test_the_board_page_renders_in_chinese_and_english_with_its_charts(client, plaza, story) -> None:
    with use(ManualClock(BOARD_TIME)):
        zh = client.get("/desks/mas_fabu?period=2026-11&by=department")
        en = client.get("/desks/mas_fabu?period=2026-11&by=department&lang=en")
    assert zh.status_code == 200 and en.status_code == 200
    assert "#马上办#" in zh.text and "马鞍山发布" in zh.text
    assert "受理率" in zh.text and "按时签收率" in zh.text and "满意率" in zh.text
    assert "Acceptance rate" in en.text and "Satisfaction" in en.text
    for page in (zh.text, en.text):
        assert page.count("<svg") >= 3 and "<title" in page and "<desc" in page
        assert f'href="/cases/{story.ids["H"]}"' in page
        assert "/api/plaza/v1/desks/mas_fabu/metrics?period=2026-11&amp;by=department&amp;format=csv" in page
        assert CITIZEN_PHONE not in page and REPLY_PHONE not in page
        assert "75%" in page  # this month's satisfaction, 3 of 4
    assert client.get("/desks/nobody_here").status_code == 404
    assert client.get("/desks/mas_fabu?period=2026-13").status_code == 422


def test_the_api_serves_the_metrics_and_the_board_as_json(client, plaza, story) -> None:
    with use(ManualClock(COMPUTED)):
        body = client.get("/api/plaza/v1/desks/mas_fabu/metrics?period=2026-11&by=department").json()
    assert body["desk"] == "mas_fabu" and body["period"]["key"] == "2026-11" and body["by"] == "department"
    assert body["totals"]["received"] == 8
    assert body["totals"]["response_rate"] == {"numerator": 3, "denominator": 6, "value": 0.5}
    hours = body["totals"]["reply_hours"]
    assert hours["count"] == 4 and near(hours["median"], 13.0, between=(2, 24))
    assert near(hours["p90"], 124.8, between=(24, 168))
    assert [g["key"] for g in body["groups"]] == ["mas_cgj", "mas_zjj", None]
    with use(ManualClock(BOARD_TIME)):
        shown = client.get("/api/plaza/v1/desks/mas_fabu/board").json()
    assert shown["this_month"]["received"] == 8 and shown["topic"] == "马上办"
    assert shown["latest_replies"][0]["url"] == f"/cases/{story.ids['H']}"
    assert client.get("/api/plaza/v1/desks/mas_fabu/metrics?period=2026-11-31").status_code == 422
    assert client.get("/api/plaza/v1/desks/mas_fabu/metrics?by=mood").status_code == 422
    assert client.get("/api/plaza/v1/desks/mas_fabu/metrics?format=pdf").status_code == 422
    assert client.get("/api/plaza/v1/desks/nobody/metrics").status_code == 404


def _number(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def test_csv_and_xlsx_downloads_carry_the_same_figures_as_the_json(client, plaza, story) -> None:
    url = "/api/plaza/v1/desks/mas_fabu/metrics?period=2026-11&by=department"
    with use(ManualClock(COMPUTED)):
        body = client.get(url).json()
        as_csv = client.get(url + "&format=csv")
        as_xlsx = client.get(url + "&format=xlsx")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    header, cells = table[0], [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert list(header) == list(rows[0].keys())
    expected = [{"key": "", **body["totals"]}, *body["groups"]]
    assert [(r["scope"], r["group"]) for r in rows] == [("total", ""), ("group", "mas_cgj"), ("group", "mas_zjj"),
                                                        ("group", "")]
    for want, got_csv, got_xlsx in zip(expected, rows, cells, strict=True):
        assert int(got_csv["received"]) == got_xlsx["received"] == want["received"]
        for key in metrics.RATE_KEYS:
            for part in ("numerator", "denominator"):
                assert int(got_csv[f"{key}_{part}"]) == got_xlsx[f"{key}_{part}"] == want[key][part]
            assert _number(got_csv[key]) == _number(got_xlsx[key]) == want[key]["value"]
        for key in ("acknowledge_hours", "reply_hours"):
            assert _number(got_csv[f"{key}_median"]) == _number(got_xlsx[f"{key}_median"]) == want[key]["median"]
            assert _number(got_csv[f"{key}_p90"]) == _number(got_xlsx[f"{key}_p90"]) == want[key]["p90"]
    everything = as_csv.text + "".join(str(c) for r in table for c in r)
    assert CITIZEN_PHONE not in everything and "工资" not in everything  # figures only, no text of a case


# --- the charts ---------------------------------------------------------------------------------------


def test_charts_are_accessible_svg_with_their_labels_escaped() -> None:
    svg = desk_charts.count_bars([("<script>", 3), ("花山区", 5)], title="按区县 & more", desc="desc",
                                 chart_id="c1")
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "按区县 &amp; more" in svg
    rates = desk_charts.rate_bars([("城管", 0.5), ("住建", None)], title="t", desc="d", chart_id="c2")
    assert "50%" in rates and "—" in rates
    daily = desk_charts.daily_chart([("2026-11-29", 4, 1), ("2026-11-30", 0, 0)], title="t", desc="d",
                                    received_label="收到", closed_label="办结", chart_id="c3")
    assert daily.count("<rect") >= 4 and "2026-11-29" in daily
