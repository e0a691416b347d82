"""Loading the demo through the services, on both database backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from plaza.accounts.kinds import NATIONAL_REGION
from plaza.cli import main
from plaza.demo import cast
from plaza.demo import help as help_demo
from plaza.demo.load import (
    ADMIN_USERNAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    LoadReport,
    load_demo,
    parent_first,
)
from plaza.errors import Conflict
from plaza.instance import Plaza
from plaza.square import accounts, search, timelines
from plaza.square.pagination import Page
from plaza.storage.schema import (
    accounts as accounts_table,
)
from plaza.storage.schema import (
    favourites,
    follows,
    notifications,
    statuses,
    topics,
)

CITIZENS, POSTS = 60, 200


def test_load_a_small_demo(plaza: Plaza) -> None:
    """One load per backend (loading is the slow part), then every check on it."""
    stages: list[str] = []
    report = load_demo(plaza, citizens=CITIZENS, posts=POSTS,
                       progress=lambda stage, done, total: stages.append(stage))
    assert stages[0] == "cast" and stages[-1] == "admin"
    assert {"citizens", "follows", "posts", "likes"} <= set(stages)
    loaded = (plaza, report)
    check_cast_accounts_have_their_kinds_regions_and_levels(loaded)
    check_topics_timelines_and_search_are_filled(loaded)
    check_counters_and_time_order_are_right(loaded)
    check_demo_sign_ins_work(loaded)
    check_the_index_ranks_last_month(loaded)
    check_second_load_changes_nothing(loaded)  # last: it reads everything the others did not change


def counts(plaza: Plaza) -> dict[str, int]:
    with plaza.db.read() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (accounts_table, follows, statuses, favourites, notifications, topics)}


def check_cast_accounts_have_their_kinds_regions_and_levels(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    assert report.loaded and report.skipped == {}
    # the demo citizen and the admin; the service desks' departments, city governments and operators
    assert report.desk_accounts > 0
    # the responders and verifiers help in emergencies brought (plaza.demo.help)
    assert report.help_accounts == len(help_demo.ORGANISATIONS) + len(help_demo.VERIFIERS) + 1
    # the Weibo-format examples the evaluation index imports (plaza.index.data.examples)
    assert report.index_accounts == 3
    assert report.accounts == (len(cast.ACCOUNTS) + CITIZENS + 2 + report.desk_accounts + report.help_accounts
                               + report.index_accounts)
    assert accounts.count(plaza.db) == report.accounts
    cq = accounts.find_by_username(plaza.db, "cq_fabu")
    assert (cq.display_name, cq.kind, cq.agency, cq.region_code, cq.level, cq.department_type) == (
        "重庆发布", "government", "中共重庆市委宣传部", "500000", "provincial", "publicity")
    assert cq.verified_at is not None
    for account in cast.ACCOUNTS:
        row = accounts.find_by_username(plaza.db, account.username)
        assert row is not None, account.username
        assert (row.display_name, row.kind, row.home_city, row.note) == (
            account.display_name, account.kind, account.home_city, account.bio)
        if account.kind == "government":
            assert (row.agency, row.region_code, row.level, row.department_type) == (
                account.agency, account.region_code, account.level, account.department_type)
            parent = accounts.find_by_username(plaza.db, account.parent) if account.parent else None
            assert row.parent_id == (parent.id if parent else None), account.username
        else:
            assert row.region_code is None and row.verified_at is None
        assert row.organisation_type == account.organisation_type
    national = accounts.find_by_username(plaza.db, "cma_gov")
    assert (national.region_code, national.level, national.home_city) == (NATIONAL_REGION,
                                                                         "national", "110000")
    with plaza.db.read() as conn:
        kinds = dict(conn.execute(select(accounts_table.c.kind, func.count())
                                  .group_by(accounts_table.c.kind)).all())
    desk_government = (kinds["government"] - sum(a.kind == "government" for a in cast.ACCOUNTS)
                       - report.index_accounts)  # the imported examples are government accounts
    assert kinds["organisation"] == sum(a.kind == "organisation" for a in cast.ACCOUNTS) + len(help_demo.ORGANISATIONS)
    desk_people = kinds["citizen"] - (CITIZENS + 2) - (len(help_demo.VERIFIERS) + 1)
    assert desk_government > 0 and desk_people > 0  # departments; operators who act for them
    assert desk_government + desk_people == report.desk_accounts


def check_topics_timelines_and_search_are_filled(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    assert report.posts == POSTS and report.replies > 0 and report.reblogs > 0 and report.likes > 0
    assert report.topics >= 10
    assert timelines.topic(plaza.db, "一起守护这座城", Page())
    assert timelines.topic(plaza.db, "重庆山火", Page())
    assert timelines.public(plaza.db, Page())
    assert timelines.city(plaza.db, "500000", Page())
    demo = accounts.find_by_username(plaza.db, DEMO_USERNAME)
    assert (demo.display_name, demo.home_city) == ("山城市民", "500000")
    assert timelines.home(plaza.db, demo.id, Page())
    assert search.search_statuses(plaza.db, "重庆", None)
    with plaza.db.read() as conn:
        # Mentions of @重庆发布 and friends resolved to accounts, with notifications.
        assert conn.execute(text("select count(*) from mentions")).scalar_one() > 0
        kinds = {r[0] for r in conn.execute(text("select distinct type from notifications"))}
    assert {"follow", "favourite", "reply", "reblog"} <= kinds


def check_counters_and_time_order_are_right(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    with plaza.db.read() as conn:
        c = counts(plaza)
        assert c["follows"] == report.follows + report.index_follows
        assert c["favourites"] == report.likes + report.index_likes
        # the desks' replies in their threads; help requests, reposts, publications and warnings;
        # the government accounts' month before the demo week (the evaluation index)
        assert c["statuses"] == report.posts + report.case_posts + report.help_posts + report.index_posts
        # imported accounts and posts keep the counters their source gave (plaza.index.imports)
        assert conn.execute(text(
            "select count(*) from accounts a where a.id not in (select account_id from imported_accounts) "
            "and (followers_count != "
            "(select count(*) from follows f where f.target_account_id = a.id) or following_count != "
            "(select count(*) from follows f where f.account_id = a.id) or statuses_count != "
            "(select count(*) from statuses s where s.account_id = a.id))")).scalar_one() == 0
        assert conn.execute(text(
            "select count(*) from statuses s where s.id not in (select status_id from imported_statuses) "
            "and (favourites_count != "
            "(select count(*) from favourites f where f.status_id = s.id) or replies_count != "
            "(select count(*) from statuses r where r.in_reply_to_id = s.id) or reblogs_count != "
            "(select count(*) from statuses r where r.reblog_of_id = s.id))")).scalar_one() == 0
        # Ids follow time: oldest post has the smallest id; the same for likes and notifications.
        for table in ("statuses", "favourites", "notifications", "follows"):
            rows = conn.execute(text(f"select created_at from {table} order by id")).scalars().all()
            assert rows == sorted(rows), table
        # Replies and reposts come after what they answer.
        assert conn.execute(text(
            "select count(*) from statuses s "
            "join statuses p on p.id = coalesce(s.in_reply_to_id, s.reblog_of_id) "
            "where s.created_at <= p.created_at")).scalar_one() == 0


def check_the_index_ranks_last_month(loaded: tuple[Plaza, LoadReport]) -> None:
    from plaza.desk.metrics import parse_period
    from plaza.index import rankings, response

    plaza, report = loaded
    period = parse_period(report.index_period)
    assert report.index_ranked >= 40 and report.index_events == 7
    with plaza.db.read() as conn:
        ranked = rankings.ranking(conn, period, limit=200)
        fabu = rankings.account_view(conn, "cq_fabu", period)
    assert ranked["total"] == report.index_ranked
    composites = [a["composite"] for a in ranked["accounts"]]
    assert composites == sorted(composites, reverse=True) and composites[0] > composites[-1]
    flagged = {a["account"]["username"]: a["flags"] for a in ranked["accounts"]}
    assert "silent_14_days" in flagged["beibei_xiema"]  # quiet for the month's last two weeks
    assert "only_reposts" in flagged["fengxian_fabu"]
    assert fabu["bci"]["value"] > 0 and fabu["indicators"]
    events = response.events_of(plaza.db, period)
    assert sum(e.answered for e in events) == 5 and len(events) == 7
    # the shipped Weibo-format examples are imported and ranked beside the native accounts
    imported = [a for a in ranked["accounts"] if a["account"]["username"].startswith("weibo_")]
    assert len(imported) == 3 and all(a["bci"] > 0 for a in imported)


def check_second_load_changes_nothing(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    before = counts(plaza)
    again = load_demo(plaza, citizens=CITIZENS, posts=POSTS)
    assert not again.loaded and again.posts == 0
    assert again.sign_ins[:3] == (("admin", "admin"), ("demo", "citizen"), ("cq_fabu", "government"))
    assert counts(plaza) == before


def check_demo_sign_ins_work(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    assert report.password == DEMO_PASSWORD == "plaza-demo-2022"
    admin = accounts.authenticate(plaza.db, ADMIN_USERNAME, DEMO_PASSWORD)
    assert admin is not None and admin.role == "admin"
    demo = accounts.authenticate(plaza.db, DEMO_USERNAME, DEMO_PASSWORD)
    assert demo is not None and demo.role == "user" and demo.kind == "citizen"
    government = accounts.authenticate(plaza.db, "cq_fabu", DEMO_PASSWORD)
    assert government is not None and government.kind == "government"
    assert accounts.authenticate(plaza.db, "citizen_00001", DEMO_PASSWORD) is not None
    assert accounts.authenticate(plaza.db, DEMO_USERNAME, "wrong password") is None


def test_an_interrupted_load_is_reported_not_doubled(plaza: Plaza) -> None:
    accounts.create(plaza.db, username=DEMO_USERNAME, password="correct horse battery", home_city="500000")
    with pytest.raises(Conflict) as caught:
        load_demo(plaza, citizens=5, posts=10)
    assert "demo" in caught.value.message("en") and "empty database" in caught.value.message("en")
    assert accounts.count(plaza.db) == 1


def test_parent_first_orders_the_matrix() -> None:
    ordered = parent_first(reversed(cast.ACCOUNTS))
    position = {a.username: i for i, a in enumerate(ordered)}
    assert len(ordered) == len(cast.ACCOUNTS)
    for account in cast.ACCOUNTS:
        if account.parent:
            assert position[account.parent] < position[account.username]


def test_cli_demo_load_is_idempotent(tmp_path: Path) -> None:
    env = {"PLAZA_DATA_DIR": str(tmp_path / "data"), "PLAZA_LOCALE": "en"}
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "load", "--citizens", "20", "--posts", "60"], env=env)
    assert first.exit_code == 0, (first.output, first.exception)
    assert "Demo loaded" in first.output and "posts: 60/60" in first.output
    assert "plaza-demo-2022" in first.output and "cq_fabu" in first.output and "admin" in first.output
    second = runner.invoke(main, ["demo", "load", "--citizens", "20", "--posts", "60"], env=env)
    assert second.exit_code == 0, second.output
    assert "already loaded; nothing changed" in second.output
    assert "posts:" not in second.output and "plaza-demo-2022" in second.output
