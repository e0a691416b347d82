"""Help in emergencies in the demo (issue 12, item 9): what `plaza demo load` leaves for the incident
pages, the verifiers' queue, the responders and the public — the Chongqing wildfire and typhoon
Meihua with their warnings in force, responders and verifiers, @微公益's donation ledger, and three
days of help requests at every stage of the loop — on both database backends, the same for the
same seed."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from plaza import privacy
from plaza.app import create_app
from plaza.clock import ManualClock, as_utc, use
from plaza.demo import help as help_demo
from plaza.demo.load import DEMO_PASSWORD, LoadReport, load_demo
from plaza.help import incidents, requests
from plaza.help import warnings as warning_rules
from plaza.instance import Plaza
from plaza.square import accounts, pins
from plaza.storage.schema import help_requests, help_sources, statuses

#: The load's moment, as the desk's demo test has it.
NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
CITIZENS, POSTS, PER_DAY = 60, 120, 3.0
#: The demo's phone numbers: the 138-0000 block, written either way.
DEMO_PHONE = re.compile(r"138-?0000-?\d{4}")


def load(plaza: Plaza) -> LoadReport:
    with use(ManualClock(NOW)):
        return load_demo(plaza, citizens=CITIZENS, posts=POSTS, cases_per_day=PER_DAY)


def all_requests(plaza: Plaza) -> list[Any]:
    with plaza.db.read() as conn:
        return list(conn.execute(select(help_requests).order_by(help_requests.c.created_at)))


def test_the_demo_has_its_emergencies(plaza: Plaza) -> None:
    """One load per backend (loading is the slow part), then every check on it."""
    report = load(plaza)
    assert report.loaded and report.skipped == {}
    loaded = (plaza, report)
    check_responders_verifiers_and_sign_ins(loaded)
    check_incidents_in_incident_mode_with_their_warnings(loaded)
    check_requests_at_every_stage(loaded)
    check_requests_from_posts_reposts_and_merges(loaded)
    check_published_requests_are_posts_without_personal_data(loaded)
    check_the_queues_have_work(loaded)
    check_the_donation_ledger_sums(loaded)
    check_the_public_api_shows_no_demo_phone(loaded)


def check_responders_verifiers_and_sign_ins(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    signs = dict(report.sign_ins)
    assert {"verifier_lin", "cq_lantian", "weibo_gongyi"} <= set(signs)
    for username in signs:
        assert accounts.authenticate(plaza.db, username, DEMO_PASSWORD) is not None, username
    team = accounts.find_by_username(plaza.db, "cq_lantian")
    assert (team.display_name, team.kind) == ("重庆蓝天救援队", "organisation")
    moto = accounts.find_by_username(plaza.db, "cq_moto_volunteers")
    assert moto.kind == "organisation" and moto.organisation_type == "ngo"
    with plaza.db.read() as conn:
        for username, *_ in help_demo.VERIFIERS:
            assert requests.is_verifier(conn, accounts.find_by_username(plaza.db, username))
        assert not requests.is_verifier(conn, accounts.find_by_username(plaza.db, "demo"))
        member = accounts.find_by_username(plaza.db, help_demo.TEAM_MEMBER[0])
        assert [r.account_id for r in requests.responders_of(conn, member.id)] == [team.id]
        for username, capabilities, region, *_ in help_demo.RESPONDERS:
            found = requests.responders_of(conn, accounts.find_by_username(plaza.db, username).id)
            assert [(r.capabilities.split(","), r.region_code) for r in found] == [(list(capabilities), region)]


def check_incidents_in_incident_mode_with_their_warnings(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    assert (report.incidents, report.warnings) == (2, 3)
    with plaza.db.read() as conn:
        fire = incidents.by_slug(conn, help_demo.WILDFIRE)
        typhoon = incidents.by_slug(conn, help_demo.TYPHOON)
        assert (fire.row.name, fire.row.kind, fire.row.active, fire.row.mode) == ("重庆山火", "wildfire", True, True)
        assert {p.code for p in fire.places} >= {"500109", "500116", "500113"}
        assert {"重庆山火", "一起守护这座城"} <= set(fire.topics)
        assert fire.account is not None and fire.account.username == "cq_emergency"
        assert {r.username for r in fire.responders} >= {"cq_lantian", "cq_moto_volunteers", "weibo_gongyi"}
        assert (typhoon.row.kind, typhoon.row.mode, [p.code for p in typhoon.places]) == ("typhoon", True, ["310000"])
        assert "台风梅花" in typhoon.topics
        assert {i.slug for i in incidents.in_mode(conn)} == {help_demo.WILDFIRE, help_demo.TYPHOON}
        with use(ManualClock(NOW + timedelta(hours=1))):
            # in force right after the load: the red typhoon warning over Shanghai, pinned on its timelines
            typhoon_warnings = incidents.warnings_of(conn, typhoon)
            assert [w["event"] for w in typhoon_warnings] == ["台风红色预警"]
            fire_warnings = {w["event"] for w in incidents.warnings_of(conn, fire)}
            assert fire_warnings == {"高温红色预警", "森林火险红色预警"}
            shanghai = warning_rules.listed(conn, NOW + timedelta(hours=1), area="310115")
            assert [r.event for r in shanghai] == ["台风红色预警"] and shanghai[0].status_id is not None
            pins.forget(plaza.db)
            assert shanghai[0].status_id in pins.for_city(plaza.db, conn, "310000")
            author = conn.execute(select(statuses.c.account_id).where(statuses.c.id == shanghai[0].status_id)).scalar()
            assert author == accounts.find_by_username(plaza.db, "sh_weather").id
        # a day or two: the typhoon's is over after 36 hours, the heat after 48
        assert not warning_rules.listed(conn, NOW + timedelta(hours=37), area="310000")
        assert warning_rules.listed(conn, NOW + timedelta(hours=37), area="500000")
        assert not warning_rules.listed(conn, NOW + timedelta(hours=49), area="500000")
        pins.forget(plaza.db)


def check_requests_at_every_stage(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, report = loaded
    rows = all_requests(plaza)
    assert 40 <= len(rows) <= 60 and report.help_requests == len(rows)
    assert all(NOW - timedelta(hours=help_demo.HOURS + 1) <= as_utc(r.created_at) < NOW for r in rows)
    states = Counter(r.state for r in rows)
    assert {"submitted", "verified", "dispatched", "claimed", "in_progress", "completed", "published", "merged",
            "closed", "withdrawn"} <= set(states), states
    assert states["published"] >= 10 and report.help_published == states["published"]
    assert report.help_open == sum(states[s] for s in ("submitted", "verified", "dispatched", "claimed",
                                                       "in_progress"))
    assert {r.close_reason for r in rows if r.state == "closed"} == {"safe", "false"}
    assert any(r.unreachable_count for r in rows if r.state == "submitted")
    with plaza.db.read() as conn:
        fire = incidents.by_slug(conn, help_demo.WILDFIRE).id
        typhoon = incidents.by_slug(conn, help_demo.TYPHOON).id
    # every request belongs to its incident (by its place, else by the topic of its post); places
    # resolve to counties of the story, but a few
    assert all(r.incident_id == (fire if r.city_code == "500000" else typhoon) for r in rows if r.place_resolved)
    assert all(r.incident_id in (fire, typhoon) for r in rows)
    assert {r.county_code for r in rows} >= {"500109", "500116", "500113", "310115", "310116"}
    assert sum(not r.place_resolved for r in rows if r.state == "submitted") >= 2
    # responders took them: the rescue team (some by its member), the motorbike team, Shanghai's
    taken = {r.responder_id for r in rows if r.responder_id is not None}
    names = {accounts.find_by_username(plaza.db, n).id: n for n, *_ in help_demo.RESPONDERS}
    assert {"cq_lantian", "cq_moto_volunteers", "sh_rescue_volunteers"} <= {names[i] for i in taken}
    assert any(r.claimed_by != r.responder_id for r in rows if r.claimed_by is not None)
    assert all(r.people_helped for r in rows if r.state in ("completed", "published"))
    # the sweep brought requests nobody moved for hours back to the verifiers
    assert any(r.needs_follow_up for r in rows)
    demo = accounts.find_by_username(plaza.db, "demo")
    assert any(r.requester_id == demo.id for r in rows)


def check_requests_from_posts_reposts_and_merges(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    rows = all_requests(plaza)
    from_posts = [r for r in rows if r.source == "post"]
    assert len(from_posts) >= 10 and any(r.detected for r in from_posts)
    assert {r.source for r in rows} == {"post", "web"}
    with plaza.db.read() as conn:
        for row in from_posts:  # the post is the requester's, public, and says it
            post = conn.execute(select(statuses).where(statuses.c.id == row.source_status_id)).one()
            assert (post.account_id, post.visibility, post.text) == (row.requester_id, "public", row.text)
        assert any("#求助#" in r.text and not r.detected for r in from_posts)  # filed under #求助#
        reposts = conn.execute(select(help_sources).where(help_sources.c.kind == "repost")).all()
        assert len(reposts) >= 5
        for source in reposts:  # a repost of the request's post
            repost = conn.execute(select(statuses).where(statuses.c.id == source.status_id)).one()
            assert repost.reblog_of_id is not None
        merged = [r for r in rows if r.state == "merged"]
        assert len(merged) >= 3
        for row in merged:
            survivor = requests.load(conn, row.merged_into)
            assert survivor.state not in ("merged", "submitted") and survivor.sources_count >= 2
            kept = conn.execute(select(help_sources).where(help_sources.c.request_id == survivor.id)).all()
            assert any(s.account_id == row.requester_id for s in kept)  # its source lives on there
            assert not conn.execute(select(help_sources).where(help_sources.c.request_id == row.id)).all()
        # a merged request that came from the form had the same phone as the one it repeats
        assert any(r.phone_hash and r.phone_hash == requests.load(conn, r.merged_into).phone_hash
                   for r in merged if r.source == "web") or all(r.source == "post" for r in merged)


def check_published_requests_are_posts_without_personal_data(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    published = [r for r in all_requests(plaza) if r.state == "published"]
    with plaza.db.read() as conn:
        for row in published:
            post = conn.execute(select(statuses).where(statuses.c.id == row.published_status_id)).one()
            assert post.account_id == row.responder_id and post.visibility == "public"
            assert as_utc(post.created_at) == as_utc(row.published_at)  # at the moment it was published
            assert "救助公示" in post.text and f"/help/{row.id}" in post.text
            assert not DEMO_PHONE.search(post.text)
            assert not [s for s in privacy.find_personal(post.text) if s.kind in ("mobile", "landline")]
            assert row.contact_phone and row.contact_phone not in post.text
            assert row.confirmed_at is not None


def check_the_queues_have_work(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    with plaza.db.read() as conn:
        for view in ("verify", "dispatch", "working", "confirm", "unresolved_place", "follow_up"):
            assert requests.queue(conn, view=view, now=NOW), view
        team = accounts.find_by_username(plaza.db, "cq_lantian")
        assert requests.for_responder(conn, [team.id], view="mine")
        totals = incidents.totals_of(conn, incidents.by_slug(conn, help_demo.WILDFIRE).id)
        assert totals["requests"] >= 20 and totals["helped"] > 0 and totals["median_minutes_to_help"]


def check_the_donation_ledger_sums(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    with plaza.db.read() as conn:
        fire = incidents.by_slug(conn, help_demo.WILDFIRE)
        (project,) = incidents.projects_of(conn, fire.id)
        assert project.org_username == "weibo_gongyi" and project.goal_fen == help_demo.PROJECT["goal_fen"]
        lines = incidents.ledger(conn, project.id)
        assert len(lines) == len(help_demo.LEDGER)
        assert {line.entered_by_username for line in lines} == {"weibo_gongyi"}
        received = sum(line.amount_fen for line in lines if line.kind == "receipt")
        paid = sum(line.amount_fen for line in lines if line.kind == "disbursement")
        assert (received, paid) == incidents.ledger_sums(conn, project.id) == (project.raised_fen,
                                                                               project.disbursed_fen)
        assert received == sum(fen for kind, fen, *_ in help_demo.LEDGER if kind == "receipt")
        assert 0 < paid <= received
        assert "重庆摩托车志愿者车队" in {line.counterpart for line in lines if line.kind == "disbursement"}
        times = [as_utc(line.at) for line in lines]
        assert times == sorted(times) and all(t < NOW for t in times)


def check_the_public_api_shows_no_demo_phone(loaded: tuple[Plaza, LoadReport]) -> None:
    plaza, _ = loaded
    rows = all_requests(plaza)
    phones = {r.contact_phone for r in rows if r.contact_phone}
    assert phones and all(DEMO_PHONE.fullmatch(p) for p in phones)
    with use(ManualClock(NOW + timedelta(minutes=5))), TestClient(create_app(plaza=plaza),
                                                                   base_url="http://127.0.0.1:8000") as client:
        pages = [client.get("/api/plaza/v1/help/requests", params={"limit": "200"}),
                 client.get(f"/api/plaza/v1/incidents/{help_demo.WILDFIRE}"),
                 client.get(f"/api/plaza/v1/incidents/{help_demo.TYPHOON}"),
                 *(client.get(f"/api/plaza/v1/help/requests/{r.id}") for r in rows[::3])]
        for page in pages:
            assert page.status_code == 200, (page.url, page.text[:300])
            assert not DEMO_PHONE.search(page.text), page.url
        # the incident's page (its topics' latest posts are citizens' public posts, as they wrote them)
        page = client.get(f"/incidents/{help_demo.WILDFIRE}")
        assert page.status_code == 200 and "重庆山火" in page.text and "微公益" in page.text
        listed = pages[0].json()
        assert len(listed) == len(rows) - sum(r.state == "merged" for r in rows)
        fire = pages[1].json()
        assert fire["totals"]["requests"] > 0 and fire["warnings"]
        assert fire["donation_projects"] and fire["official_updates"]


def test_the_same_seed_tells_the_same_story() -> None:
    people = [(f"citizen_{n:05d}", ("500000", "310000", "340500")[n % 3]) for n in range(60)] + [("demo", "500000")]
    first = help_demo.story(7, NOW, people)

    def told(plans: list[help_demo.Plan]) -> list[tuple[Any, ...]]:
        return [(p.created_at, p.scenario, p.source, p.requester, p.text, p.taker, p.duplicate_of,
                 [(at, action) for at, action, _ in p.steps]) for p in plans]

    assert told(first) == told(help_demo.story(7, NOW, people))
    assert told(first) != told(help_demo.story(8, NOW, people))
    assert 40 <= len(first) <= 60
    assert all(at < NOW for p in first for at, _, _ in p.steps)
    # each request's steps come in order, filed first
    assert all(p.steps[0][1] == "file" and [s[0] for s in p.steps] == sorted(s[0] for s in p.steps) for p in first)
    assert sum(p.requester == len(people) - 1 for p in first) == 1  # the demo citizen files one
