"""The evaluation index on the web (政务指数): the ranking with its filters, movement and exports,
an account's page with its ranks and its history drawn, the hot events with the unanswered first,
the formulas stated from the code, a region's report as a page and as a PDF — in Chinese by
default and in English on request, on both databases, showing nothing personal."""

from __future__ import annotations

import json
import re
import zlib
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from plaza.desk.metrics import parse_period
from plaza.index import compute, formulas, report
from plaza.instance import Plaza
from plaza.matrices import campaigns, matrices
from plaza.matrices.campaigns import CampaignSpec
from plaza.matrices.matrices import MatrixSpec
from plaza.square import posts
from plaza.storage.schema import index_results
from plaza.web import pdf
from tests import factories
from tests.test_browser import BROWSER_REQUIRED
from tests.test_index_compute import _hot_event, at, publish
from tests.test_index_compute import square as square  # noqa: F401  (the fixture)

OCTOBER = date(2026, 10, 20)
#: What only the citizens of the square wrote or are called: never on an index page.
PERSONAL = ("lao_wang", "xin_hao", "缙云山下的路什么时候通", "什么时候能上山", "还有人在山上吗")


@pytest.fixture
def ranked(plaza: Plaza, square) -> dict[str, Any]:  # type: ignore[no-untyped-def]  # noqa: F811
    """Two months of the index: in October 重庆公安 posted and was liked while 重庆发布 kept
    quiet; in November (the square's day) 重庆发布 posted, answered and was reposted. 成都发布
    (Sichuan) posts once each month. Two hot events in Chongqing in November, one unanswered;
    a matrix campaign of the Chongqing accounts on #重庆山火#."""
    police, fabu, old = square["police"], square["fabu"], square["old"]
    chengdu = factories.government(plaza, "cd_fabu", "成都发布", region_code="510100", level="prefecture",
                                   agency="成都市委宣传部")
    said = publish(plaza, police, "#反诈# 提醒：陌生来电要警惕", at(9, 0, OCTOBER))
    posts.favourite(plaza.db, old, said, created_at=at(10, 0, OCTOBER))
    posts.reblog(plaza.db, old, said, created_at=at(10, 5, OCTOBER))
    publish(plaza, chengdu, "#成都天气# 今天多云", at(9, 0, OCTOBER))
    publish(plaza, chengdu, "#成都天气# 明天小雨", at(9, 0, OCTOBER + timedelta(days=21)))
    _hot_event(plaza, "重庆山火", "500000", at(10, 30))
    _hot_event(plaza, "缙云山封路", "500000", at(15))
    matrix = matrices.create(plaza.db, None, MatrixSpec(name="重庆政务矩阵", kind="manual",
                                                        member_ids=(fabu.id, police.id)))
    campaigns.create(plaza.db, None, matrix.id, CampaignSpec("#重庆山火#", at(0, 0, date(2026, 11, 1)),
                                                             at(0, 0, date(2026, 11, 30)), "山火联动"))
    compute.compute_period(plaza.db, parse_period("2026-10"), now=at(12, 0, date(2026, 11, 7)))
    compute.compute_period(plaza.db, parse_period("2026-11"), now=at(12, 0, date(2026, 12, 7)))
    return {**square, "chengdu": chengdu}


def rows_of(html: str) -> list[str]:
    """The usernames of the ranking's rows, in order."""
    return re.findall(r'<tr class="index-row" data-username="([^"]+)"', html)


def no_personal_data(html: str) -> None:
    for secret in PERSONAL:
        assert secret not in html, secret


def test_the_ranking_lists_the_accounts_in_order_with_their_movement_in_chinese(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/index")  # the newest computed month
    assert page.status_code == 200
    html = page.text
    assert '<html lang="zh-CN">' in html and "政务指数排行" in html and "2026-11 排行" in html
    assert rows_of(html) == ["cq_fabu", "cd_fabu", "cq_gongan"]
    fabu = html[html.index('data-username="cq_fabu"'):html.index('data-username="cd_fabu"')]
    assert "▲2" in fabu and "上升 2 位" in fabu  # third in October, first now
    police = html[html.index('data-username="cq_gongan"'):]
    assert "▼2" in police and "两周未更新" in police  # the silent account's flag, as a label
    assert "无数据" in html  # no desk cases: service has no data, not zero
    assert "组中位数" in html
    assert 'href="/index/accounts/cq_fabu?period=2026-11"' in html
    assert 'href="/index/formulas"' in html and 'href="/index"' in html  # the formulas; the top navigation
    assert "/api/plaza/v1/index?period=2026-11&amp;format=csv" in html
    assert "/api/plaza/v1/index?period=2026-11&amp;format=xlsx" in html
    no_personal_data(html)


def test_the_ranking_speaks_english_on_request(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    english = client.get("/index?period=2026-11", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in english and "Government account index" in english and "Reach" in english
    assert "No post in the last 14 days" in english and "up 2" in english
    switched = client.get("/index?period=2026-11&lang=en")
    assert "Ranking for 2026-11" in switched.text and switched.cookies.get("plaza_lang") == "en"


def test_filters_narrow_the_ranking_and_the_exports_follow_them(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    police = client.get("/index", params={"period": "2026-11", "department_type": "public_security"}).text
    assert rows_of(police) == ["cq_gongan"]
    assert "department_type=public_security&amp;format=csv" in police
    chongqing = client.get("/index", params={"period": "2026-11", "region": "500000"}).text
    assert rows_of(chongqing) == ["cq_fabu", "cq_gongan"]
    assert 'href="/index/reports/500000/2026-11"' in chongqing  # the region's report
    sichuan = client.get("/index", params={"period": "2026-11", "region": "510000", "level": "prefecture"}).text
    assert rows_of(sichuan) == ["cd_fabu"]
    assert '<option value="510100" selected>' not in sichuan and '<option value="510100">' in sichuan  # a city ranked
    assert client.get("/index", params={"period": "2026-11", "level": "galactic"}).status_code == 422
    assert client.get("/index", params={"period": "2026-11", "page": "0"}).status_code == 422
    exported = client.get("/api/plaza/v1/index", params={"period": "2026-11", "department_type": "public_security",
                                                          "format": "csv"})
    assert "cq_gongan" in exported.text and "cq_fabu" not in exported.text


def test_a_period_not_computed_gets_a_clear_page_not_a_fault(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/index", params={"period": "2026-09"})
    assert missing.status_code == 404
    assert "政务指数尚未计算" in missing.text and "plaza index compute --period 2026-09" in missing.text
    assert '<option value="2026-11">' in missing.text  # the computed periods to choose from
    assert client.get("/index/events", params={"period": "2026-09"}).status_code == 404
    assert client.get("/index/accounts/cq_fabu", params={"period": "2026-09"}).status_code == 404
    assert client.get("/index", params={"period": "2031-01"}).status_code == 422  # the future


def test_the_first_period_shows_no_movement_and_an_empty_index_a_404(client: TestClient, plaza: Plaza) -> None:
    nothing = client.get("/index")
    assert nothing.status_code == 404 and "plaza index compute" in nothing.text


def test_an_account_page_shows_its_ranks_indices_indicators_and_history_chart(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/index/accounts/cq_fabu", params={"period": "2026-11"})
    assert page.status_code == 200
    html = page.text
    assert "重庆发布" in html and "组内排名" in html
    assert "第 1 / 3" in html  # overall
    assert re.search(r'data-group="region"><dt>重庆市</dt><dd>第 1 / 2</dd>', html)
    assert re.search(r'data-group="department_type"><dt>发布/宣传</dt><dd>第 1 / 2</dd>', html)
    bci = formulas.bci(2, 1, 2, 2, 2, 2, 2)
    assert f"{bci.value:.1f}" in html and f"{bci.w1:.2f}" in html
    assert "阅读数未知，无 WCI" in html
    assert 'data-indicator="mention_answer_rate"><th scope="row">@回应率</th><td>50%</td>' in html
    assert '<svg class="index-chart" id="index-history"' in html and "<polyline" in html
    assert "<title id=\"index-history-title\">综合指数走势</title>" in html
    assert "<td>2026-10</td>" in html and "<td>2026-11</td>" in html  # the table beside the chart
    assert "两周未更新" in html
    no_personal_data(html)
    english = client.get("/index/accounts/cq_fabu?period=2026-11&lang=en").text
    assert "1 of 3" in english and "Composite over time" in english and "No reads known" in english
    assert client.get("/index/accounts/lao_wang").status_code == 404  # a citizen is not ranked
    assert client.get("/index/accounts/nobody_here").status_code == 404


def test_the_events_page_lists_the_unanswered_event_first(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/index/events", params={"period": "2026-11"})
    assert page.status_code == 200
    html = page.text
    unanswered = html.index('class="index-event unanswered" data-topic="缙云山封路"')
    answered = html.index('class="index-event answered" data-topic="重庆山火"')
    assert unanswered < answered
    assert "回应率" in html and "50%" in html and "按部门类型" in html and "消防" in html
    assert "首先回应" in html and 'href="/index/accounts/cq_fabu?period=2026-11"' in html
    assert "/api/plaza/v1/index/events?period=2026-11&amp;format=csv" in html
    no_personal_data(html)
    assert "Hot events answered" in client.get("/index/events?period=2026-11&lang=en").text


def test_the_formulas_page_states_bci_wci_and_the_weights_from_the_code(client: TestClient, plaza: Plaza) -> None:
    page = client.get("/index/formulas")
    assert page.status_code == 200
    html = page.text
    assert "BCI = (0.2·W1 + 0.8·W2) × 160" in html and "W1 = 0.3·ln(X1+1) + 0.7·ln(X2+1)" in html
    assert "WCI = (0.8·Read + 0.2·Like)² × 10" in html
    assert "Read = 0.4·ln(R+1) + 0.45·ln(R/n+1) + 0.15·ln(Rmax+1)" in html
    for names in compute.DIMENSIONS.values():
        assert names[0] in html
    assert "综合指数权重 0.35" in html and "可信转发人数" in html
    assert "最近 14 天没有发博或回复" in html  # a flag with the threshold the code applies
    english = client.get("/index/formulas", headers={"Accept-Language": "en"}).text
    assert "Qingbo Weibo communication index" in english and "weight 0.3 in the composite" in english


def test_the_formulas_follow_the_constants_they_are_computed_with() -> None:
    weights = dict(formulas.BCI_ACTIVITY)
    assert formulas.bci(10, 0, 0, 0, 0, 0, 0).w1 == pytest.approx(weights["posts"] * 2.3978952728, rel=1e-9)
    assert formulas.bci(300, 120, 5000, 3000, 4000, 2500, 20000).value == pytest.approx(1227.796, abs=1e-3)
    assert formulas.wci(10_000, 100, 300, 4_000, 60).value == pytest.approx(411.4875, abs=1e-4)


def test_a_regions_report_shows_its_ranking_movers_events_desk_and_campaigns(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/index/reports/500000/2026-11")
    assert page.status_code == 200
    html = page.text
    assert "重庆市政务指数报告 · 2026-11" in html
    assert '<svg class="index-chart" id="report-composites"' in html
    assert '<svg class="index-chart" id="report-dimensions"' in html
    assert 'id="report-response-title"' in html  # response by department type
    assert "成都发布" not in html  # another province's account
    top = html[html.index('id="report-top-table"'):]
    assert top.index("重庆发布") < top.index("重庆公安")
    assert "缙云山封路" in html and "山火联动" in html  # an unanswered event; the campaign
    assert "2 个成员中 1 个参与" in html
    assert 'href="/index/reports/500000/2026-11.pdf"' in html
    no_personal_data(html)
    english = client.get("/index/reports/500000/2026-11", headers={"Accept-Language": "en"}).text
    assert "Biggest movers" in english and "Matrix campaigns" in english
    assert client.get("/index/reports/999999/2026-11").status_code == 422
    assert client.get("/index/reports/500000/2026-09").status_code == 404
    assert client.get("/index/reports/500000/nonsense").status_code == 422


def _pdf_contents(document: bytes) -> tuple[int, str]:
    """The PDF's page count and text: pypdf's when it is installed; else what its streams hold
    once inflated (object streams, font dictionaries, ToUnicode maps), enough to see that a CJK
    font is embedded and maps Chinese characters."""
    try:
        from pypdf import PdfReader
    except ImportError:
        parts = [document.decode("latin-1")]
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
            try:
                parts.append(zlib.decompress(stream).decode("latin-1"))
            except zlib.error:
                continue
        inflated = "\n".join(parts)
        return len(re.findall(r"/Type\s*/Page\b", inflated)), inflated
    import io

    reader = PdfReader(io.BytesIO(document))
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


def _maps(text: str, character: str) -> bool:
    """Whether a ToUnicode map of the PDF maps a glyph to ``character``."""
    return re.search(rf"<[0-9a-fA-F]+>\s*<{ord(character):04x}>", text, re.I) is not None


def test_the_report_as_pdf_is_set_in_a_chinese_font(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    try:
        pdf.render("<p>政务</p>")
    except pdf.PdfUnavailable as missing:  # system packages, like Chromium: .ci/run installs both
        if BROWSER_REQUIRED:
            pytest.fail(f"WeasyPrint cannot run here: {missing.message('en')}")
        pytest.skip(f"WeasyPrint cannot run here: {missing.message('en')}")
    answer = client.get("/index/reports/500000/2026-11.pdf")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'inline; filename="plaza-index-500000-2026-11.pdf"'
    document = answer.content
    assert document.startswith(b"%PDF")
    pages, text = _pdf_contents(document)
    assert pages >= 1
    try:
        import pypdf  # noqa: F401
    except ImportError:
        assert "/FontFile" in text and re.search(r"/BaseFont\s*/[A-Z]{6}\+\S*CJK", text), "no CJK font"
        assert all(_maps(text, c) for c in "重庆发布政务指数报告")
    else:
        assert "重庆发布" in text and "政务指数报告" in text


def test_without_weasyprints_libraries_the_pdf_is_a_503_that_says_what_to_install(
        client: TestClient, ranked, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def missing() -> None:
        raise pdf.PdfUnavailable("pdf_libraries_missing", detail="cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "_weasyprint", missing)
    answer = client.get("/index/reports/500000/2026-11.pdf")
    assert answer.status_code == 503
    assert "apt-get install libpango-1.0-0" in answer.text and "libpango-1.0-0" in answer.text
    assert client.get("/index/reports/500000/2026-11").status_code == 200  # the page still works


def test_pages_answer_hostile_paths_with_client_errors(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    for path in ("/index/accounts/" + "x" * 300, "/index/reports/1/1", "/index/reports/" + quote("‮") + "/2026-11",
                 "/index/reports/500000/" + "9" * 40 + ".pdf", "/index?region=" + "9" * 400,
                 "/index?matrix=" + str(2**64), "/index/events?period=2026-W99"):
        assert 400 <= client.get(path).status_code < 500, path


def test_every_index_route_answers_hostile_input_without_a_fault_once_computed(client: TestClient, ranked) -> None:  # type: ignore[no-untyped-def]
    """The route walker's hostile values (tests/test_route_walker.py) against the index's pages
    with a computed index behind them, where its own walk meets only 404s."""
    from tests.support.routes import PARAM, fields_of, walk
    from tests.test_route_walker import PATH_VALUES, TEXT_VALUES

    good = {"username": "cq_fabu", "region": "500000", "period": "2026-11"}
    failures, sent = [], 0
    for method, template, route in walk(list(client.app.routes)):
        if not template.startswith("/index"):
            continue
        for name in PARAM.findall(template):
            for value in PATH_VALUES:
                path = PARAM.sub(lambda m, n=name, v=value: v if m.group(1) == n else good[m.group(1)], template)
                sent += 1
                if (status := client.request(method, path).status_code) >= 500:
                    failures.append(f"{path[:80]}: {status}")
        if template.endswith(".pdf"):
            continue  # its parameters are in its path; each query would typeset a PDF
        path = PARAM.sub(lambda m: good[m.group(1)], template)
        for value in TEXT_VALUES:
            query = "&".join(f"{quote(f)}={quote(value)}" for f in fields_of(route))
            sent += 1
            if (status := client.request(method, f"{path}?{query}").status_code) >= 500:
                failures.append(f"{path}?…={value[:20]!r}: {status}")
    assert sent > 50 and not failures, failures


def test_a_regions_report_gathers_the_desks_rates_its_departments_carry(plaza: Plaza, ranked) -> None:  # type: ignore[no-untyped-def]
    """The desk's rates come from each department account's indicators as the run stored them."""
    police = ranked["police"].id
    with plaza.db.write() as conn:
        stored = conn.execute(select(index_results.c.figures).where(
            index_results.c.period == "2026-11", index_results.c.account_id == police)).scalar_one()
        figures = json.loads(stored)
        figures["raw"].update(on_time_acknowledgement_rate=1.0, on_time_reply_rate=0.8, satisfaction_rate=0.5)
        conn.execute(update(index_results).where(index_results.c.period == "2026-11",
                                                 index_results.c.account_id == police)
                     .values(figures=json.dumps(figures)))
    with plaza.db.read() as conn:
        body = report.monthly(conn, parse_period("2026-11"), "500000")
    assert [d["account"]["username"] for d in body["desk"]["accounts"]] == ["cq_gongan"]
    assert body["desk"]["medians"] == {"on_time_acknowledgement_rate": 1.0, "on_time_reply_rate": 0.8,
                                       "satisfaction_rate": 0.5}
    assert [r["account"]["username"] for r in body["movers"]["up"]] == ["cq_fabu"]
    assert [r["account"]["username"] for r in body["movers"]["down"]] == ["cq_gongan"]
    assert [e["topic"] for e in body["events"]["unanswered"]] == ["缙云山封路"]
    assert body["topics"][0]["topic"] == "重庆山火" and body["campaigns"][0]["joined"] == 1
    assert body["overall_total"] == 3 and body["total"] == 2 and not body["truncated"]
    with plaza.db.read() as conn:
        sichuan = report.monthly(conn, parse_period("2026-11"), "510100")
    assert [r["account"]["username"] for r in sichuan["table"]] == ["cd_fabu"]
    assert sichuan["events"]["count"] == 0 and sichuan["campaigns"] == []
