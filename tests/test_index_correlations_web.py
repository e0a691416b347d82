"""Influence against a city's development in the browser (/index/correlations): the written
summary, the correlations table and a scatter plot naming the accounts, in Chinese by default
and in English on request; a clear page when there is no run or nothing imported."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from plaza.index import statistics
from plaza.instance import Plaza
from tests.test_index_statistics import CAST, PERIOD, STATISTICS_CSV
from tests.test_index_statistics import ranked as ranked  # noqa: F401  (the fixture)

URL = "/index/correlations"


def svg_of(html: str) -> str:
    found = re.search(r'<svg[^>]*id="index-correlations-scatter".*?</svg>', html, re.S)
    assert found, "no scatter plot"
    return found.group(0)


def test_the_page_shows_the_summary_the_table_and_the_named_points_in_chinese(  # noqa: F811
        client: TestClient, plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]
    statistics.import_csv(plaza.db, STATISTICS_CSV)
    page = client.get(URL, params={"period": PERIOD})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="zh-CN">' in html and "影响力与城市发展" in html
    assert "粉丝数与人口正相关：Spearman ρ = 1.00（95% 置信区间" in html  # the summary
    assert "样本很小" in html
    table = html[html.index('id="index-correlations"'):]
    assert 'data-measure="followers" data-statistic="population" data-group="all"' in table
    assert "全部政务号" in table and "区县级" in table and "公安" in table  # the groups named
    row = re.search(r'data-measure="followers" data-statistic="population" data-group="all".*?</tr>', table, re.S)
    assert row and "<td>8</td>" in row.group(0) and "1.00 [" in row.group(0)
    # the default plot: the first row of the analysis
    svg = svg_of(html)
    first = statistics.MEASURES[statistics.DEFAULT_MEASURES[0]][0]
    assert f"{first} × 人口" in svg
    assert svg.count("<circle") == len(CAST)  # the national body has no region to pair
    for _, name, *_ in CAST:
        assert name in svg
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "当涂发布: 人口 219" in svg  # each point's title names it with its values


def test_the_page_speaks_english_and_plots_the_chosen_pair(client: TestClient, plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    statistics.import_csv(plaza.db, STATISTICS_CSV)
    page = client.get(URL, params={"period": PERIOD, "measure": "bci", "statistic": "gdp", "lang": "en"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html and "Influence against a city&#39;s development" in html
    assert "Followers and population are positively correlated: Spearman ρ = 1.00 (95% CI" in html
    by_header = client.get(URL, params={"period": PERIOD}, headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in by_header and "Influence against" in by_header
    assert "All accounts" in html and "Pearson r" in html and "Spearman ρ" in html
    svg = svg_of(html)
    assert "BCI × GDP" in svg and "深圳发布" in svg
    assert 'class="chosen"' in html and 'data-measure="bci" data-statistic="gdp" data-group="all" class="chosen"' in html
    assert client.get(URL, params={"period": PERIOD, "measure": "shoe_size"}).status_code == 422
    assert client.get(URL, params={"period": PERIOD, "statistic": "rainfall"}).status_code == 422


def test_without_statistics_or_a_run_the_page_says_what_to_do(client: TestClient, plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    nothing = client.get(URL, params={"period": PERIOD})
    assert nothing.status_code == 404
    assert "plaza index statistics FILE" in nothing.text and "--example" in nothing.text
    assert 'data-missing="index_statistics_missing"' in nothing.text
    english = client.get(URL, params={"period": PERIOD, "lang": "en"})
    assert english.status_code == 404 and "plaza index statistics FILE" in english.text
    assert "Nothing to correlate yet" in english.text

    statistics.import_csv(plaza.db, STATISTICS_CSV)
    uncomputed = client.get(URL, params={"period": "2026-10"})
    assert uncomputed.status_code == 404
    assert "plaza index compute --period 2026-10" in uncomputed.text
    assert '<option value="2026-11">' in uncomputed.text  # the computed periods to choose from
    assert client.get(URL, params={"period": PERIOD, "year": "1999"}).status_code == 404

    bad = client.get(URL, params={"period": "2026-13", "lang": "en"})
    assert bad.status_code == 422 and "2026-13" in bad.text
    assert client.get(URL, params={"period": "2031-01"}).status_code == 422
    bad_year = client.get(URL, params={"period": PERIOD, "year": "recent"})
    assert bad_year.status_code == 422 and "year" in bad_year.text


def test_the_ranking_links_to_the_page(client: TestClient, plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    html = client.get("/index", params={"period": PERIOD}).text
    assert f'href="/index/correlations?period={PERIOD}"' in html
