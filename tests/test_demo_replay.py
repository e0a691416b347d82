"""The demo, once loaded and replayed, shows live hot search: a national list with labels and a
pinned government announcement, and city lists that differ as the cities' activity does — in
the engine, through Plaza's API and through Mastodon's trends. Both database backends."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from plaza.app import create_app
from plaza.demo import cast
from plaza.demo.load import load_demo
from plaza.demo.replay import PINS, replay_demo
from plaza.instance import Plaza
from plaza.square import topics as topic_curation
from plaza.square.text import topic_key

CHONGQING, SHANGHAI = "500000", "310000"


def _region_topics(region: str) -> set[str]:
    return {topic_key(t.name) for t in cast.TOPICS if t.region_code == region}


@pytest.fixture
def replayed(plaza: Plaza) -> Plaza:
    load_demo(plaza, citizens=400, posts=1500)
    report = replay_demo(plaza)
    assert report.posts > 0 and report.refreshes >= 180
    return plaza


def test_the_replayed_demo_shows_live_national_and_city_lists(replayed: Plaza) -> None:
    hot = replayed.hot
    national = hot.hot_list(None)
    assert national is not None and len(national.entries) >= 6
    assert [e.rank for e in national.entries] == list(range(1, len(national.entries) + 1))
    heats = [e.heat for e in national.entries]
    assert heats == sorted(heats, reverse=True) and heats[-1] > 0
    assert any(e.label in ("热", "沸", "爆") for e in national.entries), "no heat label on the list"
    assert all(e.reads > 0 and e.discussions > 0 for e in national.entries)

    # the pinned slots hold the demo's government announcements, outside the ranking
    for city, topic, note in PINS:
        listed = hot.hot_list(city)
        assert listed is not None and listed.pinned is not None
        assert (listed.pinned.topic, listed.pinned.note) == (topic_key(topic), note)
        assert listed.entry(topic_key(topic)) is None

    # each city's list is led by its own stories, and the two lists differ
    chongqing, shanghai = hot.hot_list(CHONGQING), hot.hot_list(SHANGHAI)
    assert chongqing is not None and shanghai is not None
    assert chongqing.entries[0].topic in _region_topics(CHONGQING)
    assert shanghai.entries[0].topic in _region_topics(SHANGHAI)
    assert chongqing.topics() != shanghai.topics()
    assert not _region_topics(SHANGHAI) & set(chongqing.topics()[:3])

    # the seed story's topics come with their hosts (主持人) and descriptions (导语)
    fire = cast.TOPICS_BY_NAME["重庆山火"]
    curation = topic_curation.curation(replayed.db, fire.name)
    assert curation is not None and curation.description == fire.description
    assert [h.username for h in curation.hosts] == list(fire.hosts)

    # the leading topic has a heat curve from the refreshes of the replay
    report = hot.topic(hot.names([national.entries[0].topic])[national.entries[0].topic])
    assert report.rank == 1 and len(report.curve) >= 10


def test_the_replayed_lists_reach_both_apis(replayed: Plaza) -> None:
    with TestClient(create_app(plaza=replayed), base_url="http://127.0.0.1:8000") as client:
        national = client.get("/api/plaza/v1/hot").json()
        assert national["scope"] == "national" and national["refreshed_at"]
        assert national["pinned"]["topic"] == PINS[0][1]
        assert len(national["entries"]) >= 6
        city = client.get("/api/plaza/v1/hot", params={"city": CHONGQING}).json()
        assert city["scope"] == "city" and city["pinned"]["topic"] == PINS[1][1]
        assert city["entries"][0]["topic"] != national["entries"][0]["topic"] \
            or city["entries"] != national["entries"]
        trends = client.get("/api/v1/trends/tags").json()
        assert [t["name"] for t in trends[:5]] == [e["topic"] for e in national["entries"][:5]]
