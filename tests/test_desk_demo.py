"""The service desks in the demo: what `plaza demo load` leaves for the board, the queue and the
rates to show — desks, departments, people who sign in and work them, and 90 days of cases in
every state — on both database backends, the same for the same seed."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from plaza.accounts import operators
from plaza.clock import ManualClock, as_utc, use
from plaza.config import load_settings
from plaza.demo.desk import COUNTY_DEPARTMENTS, DAYS, THREAD_DAYS, departments_csv, derived_rules, samples
from plaza.demo.load import DEMO_PASSWORD, LoadReport, load_demo
from plaza.desk import cases, desks
from plaza.instance import Plaza
from plaza.privacy import mask
from plaza.square import accounts
from plaza.storage.schema import accounts as accounts_table
from plaza.storage.schema import cases as cases_table
from plaza.storage.schema import statuses, workflow_events
from plaza.workflow.worktime import BEIJING, NATIONAL

#: The load's moment: a Monday morning in Beijing, the week after a working weekend is long past.
NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
CITIZENS, POSTS, PER_DAY = 60, 120, 8.0


def load(plaza: Plaza, seed: int = 2022) -> LoadReport:
    with use(ManualClock(NOW)):
        return load_demo(plaza, seed=seed, citizens=CITIZENS, posts=POSTS, cases_per_day=PER_DAY)


def all_cases(plaza: Plaza) -> list[Any]:
    with plaza.db.read() as conn:
        return list(conn.execute(select(cases_table).order_by(cases_table.c.created_at)))


def test_the_demo_has_two_lively_desks(plaza: Plaza) -> None:
    """One load per backend (loading is the slow part), then every check on it."""
    report = load(plaza)
    assert report.loaded and report.skipped == {}
    loaded = (plaza, report)
    check_desks_departments_and_rules(loaded)
    check_operators_sign_in_and_act_for_their_agency(loaded)
    check_ninety_days_of_cases_in_every_state(loaded)
    check_rates_are_plausible(loaded)
    check_cases_from_posts_are_answered_in_their_thread(loaded)
    check_personal_data_is_masked_for_the_public(loaded)
    check_the_queue_has_work(loaded)
    check_loading_again_adds_nothing(loaded)  # last


def check_desks_departments_and_rules(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    with plaza.db.read() as conn:
        mas, cq = desks.get(conn, "mas_fabu"), desks.get(conn, "cq_fabu")
        assert (mas.region_code, mas.topic) == ("340500", "马上办")
        assert (cq.region_code, cq.topic) == ("500000", "有事找重庆发布")
        mas_departments = {d.username: d for d in desks.departments(conn, mas)}
        cq_departments = {d.username: d for d in desks.departments(conn, cq)}
        city_government = accounts.find_by_username(plaza.db, "mas_gov")
        # The corpus's 25 departments, each at its city's desk, with a type of its own.
        for department in departments_csv():
            found = (mas_departments if department.city_code == "340500" else cq_departments)[department.username]
            assert found.department_type == department.department_type
            assert found.agency == department.name
        assert set(mas_departments) >= {username for username, *_ in COUNTY_DEPARTMENTS}
        assert mas_departments["mas_cgj"].department_type == "urban_management"
        assert mas_departments["mas_cgj"].parent_id == city_government.id  # escalations go to the city
        assert Counter(d.department_type for d in departments_csv())["other"] <= 3
        # Rules send a category to its department; a district's own bureau takes street work there.
        paths = {r["category"] for r in desks.rules(conn, mas)}
        assert "环境保护/环境污染" in paths
        leaf = catalogue_id(conn, mas, "城乡建设/城市建设和市政管理/城管执法")
        assert desks.route(conn, mas, leaf, "340503").lead_id == mas_departments["huashan_cgj"].id
        assert desks.route(conn, mas, leaf, "340521").lead_id == mas_departments["dangtu_cgj"].id
        assert desks.route(conn, mas, leaf, "340522").lead_id == mas_departments["mas_cgj"].id
        pollution = catalogue_id(conn, cq, "环境保护/环境污染/噪音污染")
        assert desks.route(conn, cq, pollution, None).lead_id == cq_departments["cq_sthjj"].id


def catalogue_id(conn: Any, desk: desks.Desk, path: str) -> int:
    from plaza.desk import catalogue

    return catalogue.find(conn, desk.id, path).id


def test_rules_sit_where_one_department_dominates() -> None:
    rules = derived_rules(s for s in samples() if s.department.startswith("mas_"))
    # One department takes all of environmental pollution: one rule for the level-2 category.
    assert rules["环境保护/环境污染"] == "mas_hbj"
    assert not any(path.startswith("环境保护/环境污染/") for path in rules)
    # City infrastructure is shared by five departments: a rule per leaf instead.
    assert "城乡建设/城市建设和市政管理" not in rules
    leaves = {path: lead for path, lead in rules.items() if path.startswith("城乡建设/城市建设和市政管理/")}
    assert len(set(leaves.values())) >= 3
    assert leaves["城乡建设/城市建设和市政管理/电力供应"] == "mas_gdgs"


def check_operators_sign_in_and_act_for_their_agency(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    signs = dict(report.sign_ins)
    assert {"mas_desk_zhou", "cq_desk_he", "mas_cgj_wang", "mas_mzj"} <= set(signs)
    for username in ("mas_desk_zhou", "cq_desk_he", "mas_cgj_wang", "mas_mzj"):
        assert accounts.authenticate(plaza.db, username, DEMO_PASSWORD) is not None, username
    zhou = accounts.find_by_username(plaza.db, "mas_desk_zhou")
    wang = accounts.find_by_username(plaza.db, "mas_cgj_wang")
    with plaza.db.read() as conn:
        mas = desks.get(conn, "mas_fabu")
        assert zhou.id in desks.staff_ids(conn, mas) and zhou.kind == "citizen"
        assert accounts.find_by_username(plaza.db, "mas_cgj").id in operators.agencies_of(conn, wang.id)
        # Steps name the person who took them, for the agency they act for.
        actors = Counter(conn.execute(select(workflow_events.c.actor_id).where(
            workflow_events.c.agency_id == accounts.find_by_username(plaza.db, "mas_cgj").id)).scalars())
    assert wang.id in actors
    assert accounts.find_by_username(plaza.db, "mas_mzj") is not None


def check_ninety_days_of_cases_in_every_state(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    rows = all_cases(plaza)
    assert report.cases == len(rows) >= DAYS * PER_DAY * 0.7
    first, last = as_utc(rows[0].created_at), as_utc(rows[-1].created_at)
    assert NOW - timedelta(days=DAYS + 1) <= first <= NOW - timedelta(days=DAYS - 2)
    assert NOW - timedelta(days=1) <= last <= NOW
    per_desk = Counter(r.desk_id for r in rows)
    assert len(per_desk) == 2 and min(per_desk.values()) >= len(rows) * 0.25
    states = Counter(r.state for r in rows)
    assert {"submitted", "forwarded", "acknowledged", "in_progress", "replied", "closed", "rejected"} <= set(states)
    assert states["closed"] > len(rows) / 2
    assert report.cases_open == sum(n for s, n in states.items() if s not in ("closed", "rejected"))
    assert {r.reject_reason for r in rows} >= {"not_our_business", "needs_information", "duplicate"}
    assert {r.source for r in rows} == {"post", "web", "api", "open311"}
    assert any(r.return_count for r in rows) and any(r.rework_count for r in rows)
    assert any(r.escalated and r.state == "closed" for r in rows)  # escalated once, done since
    open_overdue = [r for r in rows if r.overdue and r.state not in ("closed", "rejected")]
    assert open_overdue and report.cases_overdue == len(open_overdue)
    assert all(r.escalated for r in open_overdue if r.state in ("forwarded", "acknowledged", "in_progress"))
    with plaza.db.read() as conn:
        actions = set(conn.execute(select(workflow_events.c.action).distinct()).scalars())
    assert {"grant_extension", "return", "rework", "escalate", "link_duplicate", "rate", "close"} <= actions
    # Limits count working days: a case forwarded is due at the end of a working day (Beijing).
    due = [as_utc(r.resolve_by).astimezone(BEIJING) for r in rows if r.resolve_by is not None]
    assert due and all(d.hour == 0 and d.minute == 0 for d in due)
    assert all(NATIONAL.is_working_day((d - timedelta(seconds=1)).date()) for d in due)


def check_rates_are_plausible(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    rows = all_cases(plaza)
    rated = [r for r in rows if r.satisfaction]
    satisfied = sum(r.satisfaction in ("satisfied", "basically_satisfied") for r in rated)
    assert len(rated) > len(rows) / 3 and 0.8 <= satisfied / len(rated) < 1
    replied = [r for r in rows if r.replied_on_time is not None]
    on_time = sum(bool(r.replied_on_time) for r in replied) / len(replied)
    assert 0.75 <= on_time < 1
    acknowledged = [r for r in rows if r.acknowledged_on_time is not None]
    assert 0.8 <= sum(bool(r.acknowledged_on_time) for r in acknowledged) / len(acknowledged) < 1
    accepted = sum(r.accepted_at is not None for r in rows) / len(rows)
    assert 0.85 <= accepted < 1


def check_cases_from_posts_are_answered_in_their_thread(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    rows = [r for r in all_cases(plaza) if r.source == "post"]
    assert rows and all(r.source_status_id for r in rows)
    with plaza.db.read() as conn:
        names = dict(conn.execute(select(accounts_table.c.id, accounts_table.c.username)).all())
        for row in rows:
            post = conn.execute(select(statuses).where(statuses.c.id == row.source_status_id)).one()
            assert post.account_id == row.citizen_id and names[post.account_id] not in ("mas_fabu", "cq_fabu")
            assert "@马鞍山发布" in post.text or "#马上办#" in post.text or "@重庆发布" in post.text \
                or "#有事找重庆发布#" in post.text
        recent = [r for r in rows if as_utc(r.created_at) > NOW - timedelta(days=THREAD_DAYS - 1)]
        assert any(r.state == "closed" for r in recent)
        for row in recent:
            desk = desks.by_id(conn, row.desk_id)
            texts = list(conn.execute(select(statuses.c.text).where(
                statuses.c.in_reply_to_id == row.source_status_id, statuses.c.account_id == desk.account_id)
                .order_by(statuses.c.id)).scalars())
            assert texts and "已收到您的诉求" in texts[0], texts
            assert all(t.startswith(f"@{names[row.citizen_id]} ") for t in texts)
            if row.accepted_at is not None:
                assert any("已受理" in t for t in texts), texts
            if row.state == "closed" and row.reply_text:
                assert any("答复" in t for t in texts) and "已办结" in texts[-1], texts
        old = [r for r in rows if as_utc(r.created_at) < NOW - timedelta(days=30)]
        assert old and not conn.execute(select(func.count()).where(
            statuses.c.in_reply_to_id.in_([r.source_status_id for r in old]),
            statuses.c.account_id.in_([desks.get(conn, "mas_fabu").account_id,
                                       desks.get(conn, "cq_fabu").account_id]))).scalar_one()


def check_personal_data_is_masked_for_the_public(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    rows = [r for r in all_cases(plaza) if "138-0000-" in r.text or "1380000" in r.text]
    assert rows
    with plaza.db.read() as conn:
        for row in rows:
            public = cases.view(conn, row, cases.NOBODY, history=False)
            assert "0000" not in public["text"] and public["text"] == mask(row.text)
            staff = cases.standing(conn, row, desks.by_id(conn, row.desk_id).account_id)
            assert cases.view(conn, row, staff, history=False)["text"] == row.text


def check_the_queue_has_work(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    with plaza.db.read() as conn:
        views = Counter[str]()
        for desk in desks.all_desks(conn):
            for view in ("open", "new", "overdue", "escalated", "closed"):
                views[view] += len(cases.queue(conn, desk, view=view, now=NOW))
        mzj = accounts.find_by_username(plaza.db, "mas_mzj")
        assert cases.inbox(conn, mzj.id, view="closed")
    assert all(views[v] for v in ("open", "new", "overdue", "escalated", "closed")), views


def check_loading_again_adds_nothing(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    with plaza.db.read() as conn:
        before = [conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in (cases_table, accounts_table, statuses, workflow_events)]
    again = load(plaza)
    assert not again.loaded and ("mas_desk_zhou", "desk_mas_fabu") in again.sign_ins
    with plaza.db.read() as conn:
        assert [conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (cases_table, accounts_table, statuses, workflow_events)] == before


def test_the_same_seed_gives_the_same_cases(tmp_path: Path, sqlite_template: Path) -> None:
    def story(name: str, seed: int) -> list[tuple[Any, ...]]:
        path = tmp_path / f"{name}.db"
        shutil.copy(sqlite_template, path)
        settings = load_settings(env={}, data_dir=tmp_path / name, database_url=f"sqlite:///{path}",
                                 secret_key="test-secret", rate_limits=False)
        instance = Plaza.from_settings(settings)
        try:
            load(instance, seed)
            with instance.db.read() as conn:
                names = dict(conn.execute(select(accounts_table.c.id, accounts_table.c.username)).all())
            return [(as_utc(r.created_at), names.get(r.citizen_id), r.source, r.title, r.text, r.state,
                     names.get(r.department_id), r.satisfaction, r.reply_text) for r in all_cases(instance)]
        finally:
            instance.close()

    first = story("first", 7)
    assert first == story("again", 7)
    assert [c[4] for c in first] != [c[4] for c in story("other", 8)]
