"""Plaza's own endpoints are described by the OpenAPI document Plaza serves, and real answers
match it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
from openapi_spec_validator import validate
from starlette.routing import Route

from plaza.square import accounts
from tests.factories import citizen, government
from tests.hot_api_helpers import post, square_activity
from tests.hotsupport import bearer_for

NATIONAL_TOPIC = "重庆暴雨"


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A component schema with its references resolvable by jsonschema."""
    return {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}


def test_the_document_is_valid_openapi_and_covers_every_plaza_route(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/plaza/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    served = set()
    for route in client.app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/plaza/"):
            served.add(re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path))
    assert served and served <= set(doc["paths"]), served - set(doc["paths"])


def test_real_answers_match_the_schemas(client, plaza) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/plaza/v1/openapi.json").json()
    activity = square_activity(client, plaza)
    plaza.hot.flush()
    plaza.hot.refresh()
    national = client.get("/api/plaza/v1/hot").json()
    assert national["entries"], "the activity should have listed a topic"
    jsonschema.validate(national, _schema(doc, "HotList"))
    jsonschema.validate(client.get("/api/plaza/v1/hot", params={"city": "500000"}).json(), _schema(doc, "HotList"))
    jsonschema.validate(client.get(f"/api/plaza/v1/topics/{NATIONAL_TOPIC}").json(), _schema(doc, "Topic"))
    jsonschema.validate(client.get("/api/plaza/v1/hot", params={"city": "12"}).json(), _schema(doc, "Error"))

    admin = activity["cq"][0]
    accounts.set_flags(plaza.db, accounts.find_by_username(plaza.db, "cq0").id, role="admin")
    pinned = client.post("/api/plaza/v1/admin/hot/pin", json={"topic": "防汛", "note": "市防汛办"}, headers=admin)
    assert pinned.status_code == 200
    jsonschema.validate(pinned.json(), _schema(doc, "HotAdminState"))
    logged = client.get("/api/plaza/v1/admin/hot/history", headers=admin)
    assert logged.status_code == 200 and logged.json()[0]["action"] == "pin"
    for action in logged.json():
        jsonschema.validate(action, _schema(doc, "HotAdminAction"))
    plaza.hot.refresh()
    with_pin = client.get("/api/plaza/v1/hot").json()
    jsonschema.validate(with_pin, _schema(doc, "HotList"))
    assert with_pin["pinned"]["topic"] == "防汛"

    # Topic curation: an administrator appoints a host (主持人), who writes the description (导语).
    topic_url = f"/api/plaza/v1/topics/{NATIONAL_TOPIC}"
    appointed = client.post(f"{topic_url}/hosts", json={"username": "cq1"}, headers=admin)
    assert appointed.status_code == 200
    jsonschema.validate(appointed.json(), _schema(doc, "TopicCuration"))
    described = client.put(f"{topic_url}/description", json={"description": "暴雨预警与积水点"},
                           headers=activity["cq"][1])
    assert described.status_code == 200
    jsonschema.validate(described.json(), _schema(doc, "TopicCuration"))
    curated = client.get(topic_url).json()
    jsonschema.validate(curated, _schema(doc, "Topic"))
    assert curated["hosts"][0]["username"] == "cq1" and curated["description"] == "暴雨预警与积水点"
    host_id = curated["hosts"][0]["id"]
    removed = client.delete(f"{topic_url}/hosts/{host_id}", headers=admin)
    jsonschema.validate(removed.json(), _schema(doc, "TopicCuration"))
    refused = client.post(f"{topic_url}/hosts", json={"username": "cq2"}, headers=activity["cq"][1])
    assert refused.status_code == 403
    jsonschema.validate(refused.json(), _schema(doc, "Error"))


def test_matrix_and_campaign_answers_match_the_schemas(client, plaza) -> None:  # type: ignore[no-untyped-def]
    """Government matrices (政务矩阵) and a campaign (矩阵联动) that reached the hot list."""
    doc = client.get("/api/plaza/v1/openapi.json").json()
    base = "/api/plaza/v1"
    cq = government(plaza, "cq_fabu", "重庆发布")
    members = [cq, *(government(plaza, f"cq_dept{n}", f"重庆部门{n}", parent="cq_fabu") for n in range(2))]
    admin = bearer_for(plaza, citizen(plaza, "plaza_admin", role="admin"))
    reader = bearer_for(plaza, citizen(plaza, "reader"))

    made = client.post(f"{base}/matrices", json={"name": "重庆政务矩阵", "kind": "tree", "root": "cq_fabu"},
                       headers=admin)
    assert made.status_code == 200
    jsonschema.validate(made.json(), _schema(doc, "MatrixDetail"))
    matrix_url = f"{base}/matrices/{made.json()['id']}"
    for response, schema in (
        (client.get(f"{base}/matrices"), None),
        (client.get(matrix_url, headers=reader), "MatrixDetail"),
        (client.put(matrix_url, json={"description": "重庆市政务微博"}, headers=admin), "MatrixDetail"),
        (client.post(f"{matrix_url}/sync", headers=admin), "MatrixSync"),
        (client.post(f"{matrix_url}/follow", headers=reader), "MatrixFollow"),
        (client.post(f"{matrix_url}/unfollow", headers=reader), "MatrixUnfollow"),
        (client.post(f"{matrix_url}/members", json={"usernames": ["reader"]}, headers=admin), "Error"),
    ):
        if schema is None:
            assert response.status_code == 200
            for entry in response.json():
                jsonschema.validate(entry, _schema(doc, "Matrix"))
        else:
            jsonschema.validate(response.json(), _schema(doc, schema))

    now = datetime.now(UTC)
    started = client.post(f"{matrix_url}/campaigns", headers=admin, json={
        "topic": "一起守护这座城", "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat()})
    assert started.status_code == 200
    jsonschema.validate(started.json(), _schema(doc, "CampaignReport"))
    for member in members:
        post(client, bearer_for(plaza, member), "#一起守护这座城# 火情通报", plaza_city="500000")
    assert client.get("/api/v1/timelines/public", headers=reader).status_code == 200
    plaza.hot.refresh()
    report = client.get(f"{base}/campaigns/{started.json()['id']}").json()
    jsonschema.validate(report, _schema(doc, "CampaignReport"))
    assert report["peak_rank"] == 1 and report["joined_count"] == 3 and len(report["propagation"]) == 3
    listed = client.get(f"{matrix_url}/campaigns").json()
    for entry in listed:
        jsonschema.validate(entry, _schema(doc, "Campaign"))
    jsonschema.validate(client.post(f"{base}/campaigns/{report['id']}/end", headers=admin).json(),
                        _schema(doc, "CampaignReport"))
    jsonschema.validate(client.delete(f"{base}/campaigns/{report['id']}", headers=admin).json(), _schema(doc, "Empty"))
    jsonschema.validate(client.delete(matrix_url, headers=admin).json(), _schema(doc, "Empty"))
