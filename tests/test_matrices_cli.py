"""``plaza matrix`` and ``plaza campaign`` through click's runner, on both database backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from plaza.cli import main
from plaza.matrices import matrices
from tests.factories import citizen, government, post


def run(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, args, env=env)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"PLAZA_DATA_DIR": str(tmp_path / "cli-data"), "PLAZA_DATABASE_URL": database_url,
            "PLAZA_LOCALE": "en"}


def test_an_operator_builds_lists_shows_changes_and_syncs_matrices(plaza, env) -> None:
    government(plaza, "cq_fabu", "重庆发布")
    government(plaza, "cq_police", "平安重庆", department_type="public_security", agency="重庆市公安局",
               parent="cq_fabu")
    wanzhou = government(plaza, "wanzhou_fabu", "万州发布", region_code="500101", level="county",
                         agency="中共重庆市万州区委宣传部", parent="cq_fabu")
    citizen(plaza, "shancheng")
    made = ok(run(["matrix", "create", "重庆政务矩阵", "--region", "500000", "--owner", "cq_fabu"], env))
    assert "Created the matrix 重庆政务矩阵 (By region): 3 members" in made.output
    ok(run(["matrix", "create", "重庆公安", "--region", "500000", "--department", "public_security"], env))
    tree = ok(run(["matrix", "create", "重庆发布矩阵", "--from-tree", "cq_fabu"], env))
    assert "3 members" in tree.output
    hand = ok(run(["matrix", "create", "万州联动", "--manual", "--member", "wanzhou_fabu"], env))
    assert "1 members" in hand.output

    listed = ok(run(["matrix", "list"], env)).output
    assert listed.index("万州联动") < listed.index("重庆政务矩阵")  # newest first
    shown = ok(run(["matrix", "show", "重庆公安"], env)).output
    assert "@cq_police" in shown and "@cq_fabu" not in shown and "public_security" in shown

    refused = run(["matrix", "add", "万州联动", "shancheng"], env)
    assert refused.exit_code == 1 and "@shancheng is not a verified government account" in refused.output
    assert "Added 1" in ok(run(["matrix", "add", "万州联动", "cq_police"], env)).output
    assert "Removed 1" in ok(run(["matrix", "remove", "重庆政务矩阵", "cq_police"], env)).output
    government(plaza, "jiangjin_fabu", "江津发布", region_code="500116", level="county",
               agency="中共重庆市江津区委宣传部")
    synced = ok(run(["matrix", "sync", "重庆政务矩阵"], env)).output
    assert "1 joined, 0 left; 3 members now" in synced  # 平安重庆 stays out, 江津发布 joins
    assert run(["matrix", "sync", "万州联动"], env).exit_code == 1
    assert run(["matrix", "create", "两种", "--manual", "--region", "500000"], env).exit_code == 2
    assert run(["matrix", "show", "不存在"], env).exit_code == 1
    assert wanzhou.id in {m.account.id for m in matrices.members(plaza.db, matrices.find(plaza.db, "万州联动").id)}
    assert "Deleted" in ok(run(["matrix", "delete", "重庆公安"], env)).output


def test_an_operator_starts_a_campaign_and_reads_its_report(plaza, env) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    ok(run(["matrix", "create", "重庆政务矩阵", "--region", "500000"], env))
    now = datetime.now(UTC)
    bad = run(["campaign", "create", "重庆政务矩阵", "一起守护这座城", "--start", "tomorrow", "--end", "later"], env)
    assert bad.exit_code == 1 and "Not a valid time: tomorrow" in bad.output
    made = ok(run(["campaign", "create", "重庆政务矩阵", "#一起守护这座城#",
                   "--start", (now - timedelta(hours=1)).isoformat(), "--end", (now + timedelta(days=1)).isoformat(),
                   "--title", "山火联动"], env)).output
    assert "Started campaign" in made and "山火联动 #一起守护这座城#" in made
    campaign_id = made.split("campaign ", 1)[1].split(":", 1)[0]
    post(plaza, cq, "#一起守护这座城# 【火情通报】")
    report = ok(run(["campaign", "show", campaign_id], env)).output
    assert "joined 1/1 (100%)" in report and "@cq_fabu  original" in report and "running" in report
    assert "@cq_fabu" in ok(run(["matrix", "show", "重庆政务矩阵"], env)).output
