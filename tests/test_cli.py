"""The ``plaza`` command line, driven through click's runner on both database backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from plaza.cli import main
from plaza.config import load_settings
from plaza.instance import Plaza
from plaza.square import accounts

PASSWORD = "correct horse battery"


def run(args: list[str], env: dict[str, str], input: str | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env, input=input)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def failed(result: Result, code: int = 1) -> Result:
    """A user error: the given status, one message, no traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a command: a data folder and the test database (already migrated)."""
    return {"PLAZA_DATA_DIR": str(tmp_path / "data"), "PLAZA_DATABASE_URL": database_url,
            "PLAZA_LOCALE": "en"}


def find(env: dict[str, str], username: str):  # type: ignore[no-untyped-def]
    plaza = Plaza.from_settings(load_settings(env=env))
    try:
        return accounts.find_by_username(plaza.db, username)
    finally:
        plaza.db.dispose()


def test_help_lists_the_commands() -> None:
    result = ok(run(["--help"], {}))
    for command in ("serve", "db", "demo", "account"):
        assert command in result.output
    assert "upgrade" in ok(run(["db", "--help"], {})).output
    assert "load" in ok(run(["demo", "--help"], {})).output
    account_help = ok(run(["account", "--help"], {})).output
    for command in ("create", "verify", "set-role"):
        assert command in account_help
    assert "--workers" in ok(run(["serve", "--help"], {})).output


def test_db_upgrade_creates_then_changes_nothing(tmp_path: Path) -> None:
    env = {"PLAZA_DATA_DIR": str(tmp_path / "fresh"), "PLAZA_LOCALE": "en"}
    first = ok(run(["db", "upgrade"], env))
    assert "upgraded" in first.output and "empty" in first.output
    assert (tmp_path / "fresh" / "plaza.db").exists()
    second = ok(run(["db", "upgrade"], env))
    assert "nothing to do" in second.output
    assert ok(run(["db", "upgrade"], {**env, "PLAZA_LOCALE": "zh-CN"})).output.startswith("数据库已是最新版本")


def test_db_upgrade_on_a_current_database_is_a_no_op(env: dict[str, str]) -> None:
    assert "nothing to do" in ok(run(["db", "upgrade"], env)).output
    assert "nothing to do" in ok(run(["db", "upgrade"], env)).output


def test_commands_other_than_upgrade_ask_for_a_migrated_database(tmp_path: Path) -> None:
    env = {"PLAZA_DATA_DIR": str(tmp_path / "fresh"), "PLAZA_LOCALE": "en"}
    result = failed(run(["account", "set-role", "alice", "admin"], env))
    assert "plaza db upgrade" in result.output


def test_account_create_makes_a_verified_government_account(env: dict[str, str]) -> None:
    ok(run(["account", "create", "cq_fabu", "--display-name", "重庆发布", "--city", "500000",
            "--password", PASSWORD, "--kind", "government", "--agency", "中共重庆市委宣传部",
            "--region", "500000", "--level", "provincial", "--department-type", "publicity"], env))
    result = ok(run(["account", "create", "cq_yubei", "--display-name", "重庆渝北发布",
                     "--password-stdin", "--kind", "government", "--agency", "重庆市渝北区人民政府新闻办公室",
                     "--region", "500112", "--level", "county", "--department-type", "publicity",
                     "--parent", "cq_fabu", "--email", "yubei@example.org"], env, input=PASSWORD + "\n"))
    assert "@cq_yubei" in result.output
    parent, child = find(env, "cq_fabu"), find(env, "cq_yubei")
    assert (parent.kind, parent.agency, parent.region_code, parent.level, parent.department_type) == (
        "government", "中共重庆市委宣传部", "500000", "provincial", "publicity")
    assert parent.verified_at is not None and parent.role == "user"
    # The home city defaults to the region's city; the parent links the matrix.
    assert (child.home_city, child.region_code, child.level, child.parent_id) == (
        "500000", "500112", "county", parent.id)
    assert child.email == "yubei@example.org"
    plaza = Plaza.from_settings(load_settings(env=env))
    try:
        assert accounts.authenticate(plaza.db, "cq_yubei", PASSWORD) is not None
    finally:
        plaza.db.dispose()


def test_account_create_citizen_media_and_organisation(env: dict[str, str]) -> None:
    ok(run(["account", "create", "lixiao", "--display-name", "山城小李", "--city", "500103",
            "--password", PASSWORD], env))
    ok(run(["account", "create", "rmrb", "--display-name", "人民日报", "--city", "110000",
            "--password", PASSWORD, "--kind", "media"], env))
    ok(run(["account", "create", "cq_lantian", "--display-name", "重庆蓝天救援队", "--city", "500000",
            "--password", PASSWORD, "--kind", "organisation", "--organisation-type", "rescue_team",
            "--role", "moderator"], env))
    assert (find(env, "lixiao").kind, find(env, "lixiao").home_city) == ("citizen", "500000")
    assert find(env, "rmrb").kind == "media"
    lantian = find(env, "cq_lantian")
    assert (lantian.kind, lantian.organisation_type, lantian.role) == (
        "organisation", "rescue_team", "moderator")


def test_password_prompt_asks_twice(env: dict[str, str]) -> None:
    ok(run(["account", "create", "prompted", "--city", "500000"], env, input=f"{PASSWORD}\n{PASSWORD}\n"))
    assert find(env, "prompted") is not None


def test_bad_region_code_is_a_clear_message_and_exit_1(env: dict[str, str]) -> None:
    args = ["account", "create", "nowhere", "--display-name", "无处发布", "--city", "500000",
            "--password", PASSWORD, "--kind", "government", "--agency", "无处", "--region", "999999",
            "--level", "county", "--department-type", "publicity"]
    result = failed(run(args, env))
    assert result.output.strip() == "Division code 999999 is not valid"
    chinese = failed(run(args, {**env, "PLAZA_LOCALE": "zh-CN"}))
    assert chinese.output.strip() == "行政区划代码 999999 无效"
    # Without --city the region decides the home city, and is checked first.
    no_city = [a for a in args if a not in ("--city", "500000")]
    assert "999999" in failed(run(no_city, env)).output
    assert find(env, "nowhere") is None


def test_language_follows_lang_when_plaza_locale_is_unset(env: dict[str, str]) -> None:
    base = {k: v for k, v in env.items() if k != "PLAZA_LOCALE"}
    args = ["account", "create", "x", "--city", "123456", "--password", PASSWORD]
    english = failed(run(args, {**base, "PLAZA_LOCALE": "", "LC_ALL": "", "LC_MESSAGES": "",
                                "LANG": "en_GB.UTF-8"}))
    assert "City code 123456 is not valid" in english.output
    chinese = failed(run(args, {**base, "PLAZA_LOCALE": "", "LC_ALL": "", "LC_MESSAGES": "",
                                "LANG": "C.UTF-8"}))
    assert "城市代码 123456 无效" in chinese.output


def test_other_user_errors_exit_1(env: dict[str, str]) -> None:
    ok(run(["account", "create", "alice", "--city", "500000", "--password", PASSWORD], env))
    assert "taken" in failed(run(["account", "create", "alice", "--city", "500000",
                                  "--password", PASSWORD], env)).output
    assert "reserved" in failed(run(["account", "create", "admin", "--city", "500000",
                                     "--password", PASSWORD], env)).output
    assert "at least 8" in failed(run(["account", "create", "bob", "--city", "500000",
                                       "--password", "short"], env)).output
    assert find(env, "bob") is None
    # Government fields are for government accounts only; the city is required for the others.
    failed(run(["account", "create", "carol", "--city", "500000", "--password", PASSWORD,
                "--agency", "某局"], env), code=2)
    failed(run(["account", "create", "carol", "--password", PASSWORD], env), code=2)
    # A parent that does not exist.
    result = failed(run(["account", "create", "cq_x", "--display-name", "某区发布", "--password", PASSWORD,
                         "--kind", "government", "--agency", "某区", "--region", "500112",
                         "--level", "county", "--department-type", "publicity", "--parent", "ghost"], env))
    assert "Account not found" in result.output


def test_set_role(env: dict[str, str]) -> None:
    ok(run(["account", "create", "alice", "--city", "500000", "--password", PASSWORD], env))
    assert find(env, "alice").role == "user"
    result = ok(run(["account", "set-role", "alice", "admin"], env))
    assert "@alice" in result.output and "admin" in result.output
    assert find(env, "alice").role == "admin"
    ok(run(["account", "set-role", "ALICE", "moderator"], env))
    assert find(env, "alice").role == "moderator"
    assert "Account not found" in failed(run(["account", "set-role", "nobody", "admin"], env)).output
    failed(run(["account", "set-role", "alice", "emperor"], env), code=2)


def test_verify_turns_an_account_into_a_government_account(env: dict[str, str]) -> None:
    ok(run(["account", "create", "cq_fabu", "--display-name", "重庆发布", "--city", "500000",
            "--password", PASSWORD, "--kind", "government", "--agency", "中共重庆市委宣传部",
            "--region", "500000", "--level", "provincial", "--department-type", "publicity"], env))
    ok(run(["account", "create", "mas_fabu", "--display-name", "马鞍山发布", "--city", "340500",
            "--password", PASSWORD], env))
    assert find(env, "mas_fabu").kind == "citizen"
    ok(run(["account", "verify", "mas_fabu", "--agency", "马鞍山市人民政府新闻办公室", "--region", "340500",
            "--level", "prefecture", "--department-type", "publicity", "--parent", "cq_fabu"], env))
    row = find(env, "mas_fabu")
    assert (row.kind, row.agency, row.region_code, row.level, row.parent_id) == (
        "government", "马鞍山市人民政府新闻办公室", "340500", "prefecture", find(env, "cq_fabu").id)
    result = failed(run(["account", "verify", "mas_fabu", "--agency", "x", "--region", "340599",
                         "--level", "prefecture", "--department-type", "publicity"], env))
    assert "340599" in result.output
    assert "Account not found" in failed(run(
        ["account", "verify", "ghost", "--agency", "x", "--region", "340500", "--level", "prefecture",
         "--department-type", "publicity"], env)).output


def test_unreachable_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = {"PLAZA_DATA_DIR": str(tmp_path), "PLAZA_LOCALE": "en",
           "PLAZA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"}
    result = failed(run(["db", "upgrade"], env))
    assert "Cannot reach the database" in result.output
    assert "127.0.0.1:1" in result.output
