"""Setting a desk up from the command line (``plaza desk …``), on both databases: the desk with
its column topic and the shipped catalogue, departments, operators, a rule, a time limit; bad
input is one clear message and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from plaza.config import load_settings
from plaza.desk import catalogue, desks, limits
from plaza.instance import Plaza
from tests.test_cli import failed, ok, run

GOV = ["--agency", "马鞍山市人民政府", "--region", "340500", "--level", "prefecture"]


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"PLAZA_DATA_DIR": str(tmp_path / "data"), "PLAZA_DATABASE_URL": database_url, "PLAZA_LOCALE": "en"}


def account(env: dict[str, str], username: str, *government: str) -> None:
    args = ["account", "create", username, "--display-name", username + "号", "--password-stdin", "--city", "340500"]
    if government:
        args += ["--kind", "government", *government]
    ok(run(args, env, input="correct horse battery\n"))


def test_a_desk_is_set_up_from_the_command_line(env: dict[str, str]) -> None:
    account(env, "mas_fabu", *GOV, "--department-type", "publicity")
    account(env, "mas_cgj", *GOV, "--department-type", "urban_management")
    account(env, "desk_li")
    created = ok(run(["desk", "create", "mas_fabu", "--topic", "#马上办#"], env)).output
    assert "@mas_fabu" in created and "#马上办#" in created
    ok(run(["desk", "department", "mas_fabu", "mas_cgj"], env))
    ok(run(["desk", "operator", "mas_fabu", "desk_li"], env))
    ok(run(["desk", "rule", "mas_fabu", "城乡建设/城市建设和市政管理", "mas_cgj", "--county", "340503"], env))
    ok(run(["desk", "limit", "mas_fabu", "--urgency", "urgent", "--acknowledge", "1h", "--resolve", "1d"], env))
    listed = ok(run(["desk", "list"], env)).output
    assert "@mas_fabu" in listed and "@mas_cgj" in listed
    plaza = Plaza.from_settings(load_settings(env=env))
    try:
        with plaza.db.read() as conn:
            desk = desks.get(conn, "mas_fabu")
            assert desk.topic == "马上办" and desk.region_code == "340500"
            assert len(catalogue.leaves(conn, desk.id)) == 517
            assert len({c.path.split("/")[0] for c in catalogue.all_of(conn, desk.id)}) == 15
            leaf = catalogue.find(conn, desk.id, "城乡建设/城市建设和市政管理/城市公共设施")
            routed = desks.route(conn, desk, leaf.id, "340503")
            assert routed is not None and routed.lead_id == desks.department_id(conn, desk, "mas_cgj")
            assert desks.route(conn, desk, leaf.id, "340504") is None  # the rule is 花山区's only
            assert limits.for_case(conn, desk.id, [], "urgent").as_json() == {"acknowledge": "1h", "resolve": "1d"}
            assert len(desks.staff_ids(conn, desk)) == 2
    finally:
        plaza.db.dispose()


def test_desk_mistakes_are_one_message_and_exit_1(env: dict[str, str]) -> None:
    account(env, "mas_fabu", *GOV, "--department-type", "publicity")
    account(env, "somebody")
    assert "verified government account" in failed(run(["desk", "create", "somebody"], env)).output
    ok(run(["desk", "create", "mas_fabu"], env))
    assert "already runs" in failed(run(["desk", "create", "mas_fabu"], env)).output
    assert "Unknown category" in failed(run(["desk", "rule", "mas_fabu", "火星/基地", "somebody"], env)).output
    assert "Not a time limit" in failed(run(["desk", "limit", "mas_fabu", "--acknowledge", "soon",
                                             "--resolve", "5d"], env)).output
