"""Influence against a city's development: city statistics imported from CSV (bad lines reported
by number), each influence measure correlated with them over all accounts, per level and per
department type, the scatter points named, a written summary; through the API and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from plaza.cli import main
from plaza.desk.metrics import parse_period
from plaza.errors import Invalid, NotFound
from plaza.index import compute, statistics
from plaza.instance import Plaza
from plaza.square import follows
from plaza.storage.schema import region_statistics
from plaza.workflow.worktime import BEIJING
from tests import factories

PERIOD = "2026-11"
#: When the period is computed: a week after it ended (Beijing).
NOW = datetime(2026, 12, 7, 12, tzinfo=BEIJING).astimezone(UTC)


def stored(plaza: Plaza) -> dict[tuple[str, int, str], float]:
    with plaza.db.read() as conn:
        rows = conn.execute(select(region_statistics)).all()
    return {(r.region_code, r.year, r.measure): r.value for r in rows}


# --- importing -------------------------------------------------------------------------------------

MESSY = (
    "region_code,year,population,gdp\n"        # line 1
    '500000,2024,"3,190.47","32,193.15"\n'     # 2: thousands separators
    "310000,2024,2480.26,\n"                   # 3: an empty cell is skipped, not reported
    "999999,2024,100,200\n"                    # 4: not a place of GB/T 2260
    "110000,2024,很多,49843.1\n"                # 5: not a number (the GDP is kept)
    "110000,two thousand,1,2\n"                # 6: not a year
    "\n"                                       # 7: blank
    "440300,2024,1798.95,36801.87\n"           # 8
)


def test_an_import_stores_the_numbers_and_reports_the_bad_lines_by_number(plaza: Plaza, tmp_path: Path) -> None:
    path = tmp_path / "statistics.csv"
    path.write_bytes(MESSY.encode("utf-8-sig"))  # with a byte order mark, as spreadsheet programs save it
    report = statistics.import_csv(plaza.db, path)
    assert [(s.line, s.reason) for s in report.skipped] == [
        (4, "index_statistics_region_unknown"), (5, "index_statistics_not_a_number"),
        (6, "index_statistics_year_invalid")]
    assert "999999" in report.skipped[0].message("en") and "GB/T 2260" in report.skipped[0].message("en")
    assert "很多" in report.skipped[1].message() and "population" in report.skipped[1].message("en")
    assert (report.rows, report.values) == (6, 6)
    assert report.regions == ("110000", "310000", "440300", "500000")
    assert (report.years, report.measures) == ((2024,), ("population", "gdp"))
    assert stored(plaza) == {
        ("500000", 2024, "population"): 3190.47, ("500000", 2024, "gdp"): 32193.15,
        ("310000", 2024, "population"): 2480.26, ("110000", 2024, "gdp"): 49843.1,
        ("440300", 2024, "population"): 1798.95, ("440300", 2024, "gdp"): 36801.87}

    again = statistics.import_csv(plaza.db, "code,year,population\n500000,2024,3191\n")  # text; `code` will do
    assert (again.values, again.skipped) == (1, ())
    values = stored(plaza)
    assert values[("500000", 2024, "population")] == 3191  # replaced
    assert values[("500000", 2024, "gdp")] == 32193.15 and len(values) == 6  # the rest kept


def test_an_unquoted_thousands_separator_or_a_bad_header_is_caught(plaza: Plaza) -> None:
    shifted = statistics.import_csv(plaza.db, "region_code,year,population\n500000,2024,3,190.47\n510100,2024,2147.7\n")
    assert [(s.line, s.reason) for s in shifted.skipped] == [(2, "index_statistics_row_cells")]
    assert shifted.values == 1
    with pytest.raises(Invalid) as missing:
        statistics.import_csv(plaza.db, "region,population\n500000,3190\n")
    assert missing.value.key == "index_statistics_columns_missing"
    with pytest.raises(Invalid):
        statistics.import_csv(plaza.db, "# only a comment\n")


def test_a_chinese_spreadsheet_saved_in_gb18030_reads_with_its_chinese_headers(plaza: Plaza) -> None:
    text = "# 2024 年末常住人口\n行政区划代码,地区,年份,常住人口（万人）,地区生产总值（亿元）\n340100,合肥市,2024,1000.2,\"13,507.7\"\n"
    report = statistics.import_csv(plaza.db, text.encode("gb18030"))
    assert report.skipped == () and report.measures == ("population", "gdp")  # 地区 is a label
    assert stored(plaza) == {("340100", 2024, "population"): 1000.2, ("340100", 2024, "gdp"): 13507.7}


def test_the_shipped_example_imports_cleanly(plaza: Plaza) -> None:
    report = statistics.import_csv(plaza.db, statistics.EXAMPLE.read_bytes())
    assert report.skipped == () and report.years == (2023, 2024) and report.measures == ("population", "gdp")
    for code in ("500000", "310000", "110000", "340500", "340100", "510100", "410100", "420100", "440100",
                 "440300", "330100", "320100", "340000", "510000", "410000", "420000", "440000", "330000", "320000"):
        assert code in report.regions, code


def test_an_account_reads_its_own_regions_figure_else_its_citys_else_its_provinces() -> None:
    values = {"340500": {2023: 218.0, 2024: 219.0}, "410000": {2024: 9785.0}, "510100": {2027: 2200.0}}
    assert statistics.statistic_for(values, "340500", up_to=2026) == (219.0, "340500", 2024)
    assert statistics.statistic_for(values, "340521", up_to=2026) == (219.0, "340500", 2024)  # 当涂县 → 马鞍山
    assert statistics.statistic_for(values, "340521", year=2023, up_to=2026) == (218.0, "340500", 2023)
    assert statistics.statistic_for(values, "410102", up_to=2026) == (9785.0, "410000", 2024)  # no 郑州: 河南
    assert statistics.statistic_for(values, "510100", up_to=2026) == (2200.0, "510100", 2027)  # only a later year
    assert statistics.statistic_for(values, "410102", year=2023) is None
    assert statistics.statistic_for(values, "000000") is None  # national bodies have no region


# --- correlating -----------------------------------------------------------------------------------

#: (username, display name, region, level, department type); account i gets i + 1 followers, and
#: the regions' populations rise in the same order.
CAST = [
    ("dangtu_fabu", "当涂发布", "340521", "county", "publicity"),          # 当涂县: 马鞍山's figure
    ("nanjing_fabu", "南京发布", "320100", "prefecture", "publicity"),
    ("hefei_police", "合肥公安", "340100", "prefecture", "public_security"),
    ("hangzhou_fabu", "杭州发布", "330100", "prefecture", "publicity"),
    ("wuhan_police", "武汉公安", "420100", "prefecture", "public_security"),
    ("shenzhen_fabu", "深圳发布", "440300", "prefecture", "publicity"),
    ("chengdu_fabu", "成都发布", "510100", "prefecture", "publicity"),
    ("zhongyuan_fabu", "中原发布", "410102", "county", "publicity"),       # 郑州中原区: 河南's figure
]
STATISTICS_CSV = """region_code,name,year,population,gdp
340500,马鞍山市,2024,219,2670
320100,南京市,2024,957.7,"18,500.81"
340100,合肥市,2024,1000.2,"13,507.7"
330100,杭州市,2024,1262.4,21860
420100,武汉市,2024,1380.9,21106.23
440300,深圳市,2024,1798.95,36801.87
510100,成都市,2023,2140.3,22074.7
510100,成都市,2024,2147.7,23511.3
410000,河南省,2024,9785,63589.99
"""


@pytest.fixture
def ranked(plaza: Plaza):  # type: ignore[no-untyped-def]
    """Eight government accounts whose followers rise with their region's population, and a
    national body (no region) with many; November 2026 computed."""
    made = [factories.government(plaza, u, d, region_code=r, level=lv, department_type=t, agency=d)
            for u, d, r, lv, t in CAST]
    national = factories.government(plaza, "scio_gov", "国务院新闻办公室", region_code="000000", level="national",
                                    agency="国务院新闻办公室")
    fans = [factories.citizen(plaza) for _ in range(len(made) + 1)]
    for i, account in enumerate(made):
        for fan in fans[: i + 1]:
            follows.follow(plaza.db, fan.id, account.id)
    for fan in fans:
        follows.follow(plaza.db, fan.id, national.id)
    compute.compute_period(plaza.db, parse_period(PERIOD), now=NOW, hot_events={})
    return made


def test_followers_rise_with_population_and_the_points_name_the_accounts(plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]
    statistics.import_csv(plaza.db, STATISTICS_CSV)
    with plaza.db.read() as conn:
        result = statistics.correlations(conn, parse_period(PERIOD))
    assert result["statistics"] == ["population", "gdp"]
    assert result["years"] == {"population": [2024], "gdp": [2024]}  # the latest up to 2026
    rows = {(r["measure"], r["statistic"], r["group"]): r for r in result["rows"]}
    followers = rows[("followers", "population", "all")]
    assert followers["n"] == 8  # the national body has no region to pair
    assert followers["spearman"] == pytest.approx(1.0)
    assert followers["spearman_ci"] is not None and followers["spearman_ci"][1] == pytest.approx(1.0)
    assert followers["spearman_p"] < 0.001 and 0 < followers["pearson"] < 1
    assert followers["pearson_ci"] is not None and followers["pearson_ci"][0] <= followers["pearson"]
    # groups: each level and department type with accounts; fewer than 3 give n and nulls
    assert {"level:prefecture", "level:county", "department_type:publicity",
            "department_type:public_security"} <= set(result["groups"])
    county = rows[("followers", "population", "level:county")]
    assert county["n"] == 2 and county["spearman"] is None and county["spearman_ci"] is None
    assert county["pearson"] is None and county["pearson_p"] is None
    assert rows[("followers", "population", "level:prefecture")]["spearman"] == pytest.approx(1.0)
    assert rows[("followers", "population", "department_type:public_security")]["spearman"] is None

    points = {p["username"]: p for p in result["points"]["followers"]["population"]}
    assert set(points) == {u for u, *_ in CAST}
    assert (points["dangtu_fabu"]["display_name"], points["dangtu_fabu"]["x"], points["dangtu_fabu"]["y"]) == (
        "当涂发布", 219, 1)
    assert points["dangtu_fabu"]["statistic_region_code"] == "340500"
    assert (points["zhongyuan_fabu"]["statistic_region_code"], points["zhongyuan_fabu"]["y"]) == ("410000", 8)
    assert (points["chengdu_fabu"]["x"], points["chengdu_fabu"]["year"]) == (2147.7, 2024)

    zh = statistics.summary(result)
    assert "粉丝数与人口正相关：Spearman ρ = 1.00（95% 置信区间" in "".join(zh)
    assert any("n = 8" in s for s in zh) and any("样本很小" in s for s in zh)  # n < 10
    en = statistics.summary(result, "en")
    assert any(s.startswith("Followers and population are positively correlated: Spearman ρ = 1.00 (95% CI")
               for s in en)
    assert any("small" in s for s in en)

    with plaza.db.read() as conn:
        older = statistics.correlations(conn, parse_period(PERIOD), statistic_year=2023, measures=("followers",),
                                        by=("all",))
    assert [(p["username"], p["x"]) for p in older["points"]["followers"]["population"]] == [("chengdu_fabu", 2140.3)]
    assert older["rows"][0]["n"] == 1 and older["rows"][0]["spearman"] is None
    assert any("cannot be correlated" in s for s in statistics.summary(older, "en"))


def test_a_measure_that_does_not_follow_is_said_to_span_zero() -> None:
    result = {"period": {"key": PERIOD}, "statistics": ["gdp"], "years": {"gdp": [2024]}, "paired": 40,
              "rows": [{"measure": "pagerank", "statistic": "gdp", "group": "all", "n": 40, "spearman": 0.12,
                        "spearman_ci": [-0.2, 0.41]},
                       {"measure": "bci", "statistic": "gdp", "group": "all", "n": 40, "spearman": -0.5,
                        "spearman_ci": [-0.71, -0.22]}]}
    zh = statistics.summary(result)
    assert "PageRank（ρ = 0.12）与GDP没有明显相关：95% 置信区间都跨过 0。" in zh
    assert "BCI与GDP负相关：Spearman ρ = −0.50（95% 置信区间 −0.71 至 −0.22，n = 40）。" in zh
    assert not any("样本很小" in s for s in zh)
    en = statistics.summary(result, "en")
    assert "No clear correlation with GDP: PageRank (ρ = 0.12); each 95% interval spans 0." in en
    assert "BCI and GDP are negatively correlated: Spearman ρ = −0.50 (95% CI −0.71 to −0.22, n = 40)." in en
    assert en[-1].startswith("Correlation is not causation")


def test_correlating_needs_a_computed_period_and_imported_statistics(plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]
    with plaza.db.read() as conn, pytest.raises(NotFound) as nothing:
        statistics.correlations(conn, parse_period(PERIOD))
    assert nothing.value.key == "index_statistics_missing"
    statistics.import_csv(plaza.db, STATISTICS_CSV)
    with plaza.db.read() as conn:
        with pytest.raises(NotFound) as uncomputed:
            statistics.correlations(conn, parse_period("2026-10"))
        assert uncomputed.value.key == "index_not_computed"
        with pytest.raises(NotFound):
            statistics.correlations(conn, parse_period(PERIOD), statistic_year=2019)
        with pytest.raises(Invalid):
            statistics.correlations(conn, parse_period(PERIOD), measures=("shoe_size",))
        with pytest.raises(Invalid):
            statistics.correlations(conn, parse_period(PERIOD), statistics=("rainfall",))


# --- the API and the command line ------------------------------------------------------------------


def test_the_api_answers_rows_points_and_a_summary_and_exports_them(client, plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]
    url = "/api/plaza/v1/index/correlations"
    missing = client.get(url, params={"period": PERIOD}, headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and "plaza index statistics" in missing.json()["error"]
    statistics.import_csv(plaza.db, STATISTICS_CSV)
    response = client.get(url, params={"period": PERIOD})
    assert response.status_code == 200
    body = response.json()
    doc = client.get("/api/plaza/v1/openapi.json").json()
    jsonschema.validate(body, {"$ref": "#/components/schemas/IndexCorrelations", "components": doc["components"]})
    assert body["period"]["key"] == PERIOD and body["statistics"] == ["population", "gdp"]
    row = next(r for r in body["rows"] if (r["measure"], r["statistic"], r["group"]) == ("followers", "population", "all"))
    assert row["n"] == 8 and row["spearman"] == pytest.approx(1.0) and len(row["spearman_ci"]) == 2
    assert {p["username"] for p in body["points"]["followers"]["population"]} == {u for u, *_ in CAST}
    assert any("粉丝数与人口正相关" in s for s in body["summary"])
    english = client.get(url, params={"period": PERIOD, "year": "2024"}, headers={"Accept-Language": "en"}).json()
    assert english["year"] == 2024 and any("Followers and population" in s for s in english["summary"])

    exported = client.get(url, params={"period": PERIOD, "format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ("measure,statistic,group,n,pearson,pearson_ci_low,pearson_ci_high,pearson_p,spearman,"
                        "spearman_ci_low,spearman_ci_high,spearman_p")
    assert any(line.startswith("followers,population,all,8,") for line in lines)
    book = client.get(url, params={"period": PERIOD, "format": "xlsx"})
    assert book.status_code == 200 and book.content[:2] == b"PK"

    assert client.get(url, params={"period": "2026-13"}).status_code == 422
    assert client.get(url, params={"period": "2031-01"}).status_code == 422
    assert client.get(url, params={"period": PERIOD, "year": "recent"}).status_code == 422
    assert client.get(url, params={"period": "2026-10"}).status_code == 404
    assert client.get(url, params={"period": PERIOD, "year": "1999"}).status_code == 404


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, env=env)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"PLAZA_DATA_DIR": str(tmp_path / "data"), "PLAZA_DATABASE_URL": database_url, "PLAZA_LOCALE": "en"}


def test_the_command_line_imports_reports_bad_lines_and_correlates(plaza: Plaza, ranked, env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    messy = tmp_path / "messy.csv"
    messy.write_text(MESSY, encoding="utf-8")
    result = run(["index", "statistics", str(messy)], env)
    assert result.exit_code == 0, result.output
    assert "line 4: the division code 999999 is not a place of GB/T 2260" in result.output
    assert "line 5:" in result.output and "line 6:" in result.output
    assert "6 values stored" in result.output

    useless = tmp_path / "useless.csv"
    useless.write_text("region_code,year,population\n999999,2024,1\n", encoding="utf-8")
    failed = run(["index", "statistics", str(useless)], env)
    assert failed.exit_code == 1 and "Nothing could be read" in failed.output
    assert run(["index", "statistics", str(tmp_path / "headless.csv")], env).exit_code == 2  # no such file
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("population\n3190\n", encoding="utf-8")
    refused = run(["index", "statistics", str(bad_header)], env)
    assert refused.exit_code == 1 and "region_code" in refused.output and "Traceback" not in refused.output

    (tmp_path / "cities.csv").write_text(STATISTICS_CSV, encoding="utf-8")
    assert run(["index", "statistics", str(tmp_path / "cities.csv")], env).exit_code == 0
    table = run(["index", "correlate", "--period", PERIOD, "--measure", "followers", "--statistic", "population"], env)
    assert table.exit_code == 0, table.output
    line = next(line for line in table.output.splitlines() if line.startswith("followers"))
    assert line.split()[:4] == ["followers", "population", "all", "8"] and "+1.00 [" in line
    assert "Summary:" in table.output and "Followers and population are positively correlated" in table.output
    chinese = run(["index", "correlate", "--period", PERIOD, "--measure", "followers", "--year", "2024"],
                  {**env, "PLAZA_LOCALE": "zh-CN"})
    assert chinese.exit_code == 0 and "粉丝数与人口正相关" in chinese.output and "小结" in chinese.output
    uncomputed = run(["index", "correlate", "--period", "2026-10"], env)
    assert uncomputed.exit_code == 1 and "plaza index compute --period 2026-10" in uncomputed.output


def test_the_command_line_imports_the_shipped_example(env) -> None:  # type: ignore[no-untyped-def]
    result = run(["index", "statistics", "--example"], env)
    assert result.exit_code == 0 and "2023–2024" in result.output and "Skipped" not in result.output
    assert run(["index", "statistics"], env).exit_code == 2  # a file or --example
