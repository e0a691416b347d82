"""Plaza's own endpoints are described by the OpenAPI document Plaza serves, and real answers
match it."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from openapi_spec_validator import validate
from starlette.routing import Route

from plaza.square import accounts
from tests.hot_api_helpers import square_activity

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
    plaza.hot.refresh()
    with_pin = client.get("/api/plaza/v1/hot").json()
    jsonschema.validate(with_pin, _schema(doc, "HotList"))
    assert with_pin["pinned"]["topic"] == "防汛"
