"""Personal data never appears in a public page or API answer (issue 12's done-when): a help
request carrying a phone, a second phone, a name, an exact address and a responder's note, taken
through the whole loop to publication — then every GET route of the application (Mounts included,
read from the route table, so a new page is walked without editing this file) is fetched
anonymously and as a signed-in stranger, with its path parameters pointed at the request, its
posts and its people. None of the secrets may come back."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from plaza.help import requests
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square import accounts
from tests import factories
from tests.support.routes import PARAM, walk
from tests.test_web_pages import sign_in

SECRETS = ("13812345678", "13987654321", "李秘密", "秘密花园小区8号楼", "后门密码1234")
TEXT = "郑州市金水区秘密花园小区8号楼被困，水已经到二楼了，我叫李秘密，电话13812345678"


def _bearer(plaza: Plaza, row: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.issue(plaza.db, row.id, None, frozenset({'read', 'write'}))[0]}"}


@pytest.fixture
def loop(client: TestClient, plaza: Plaza) -> dict[str, str]:
    requester = factories.citizen(plaza, "requester_x", home_city="410100")
    factories.citizen(plaza, "stranger_x", home_city="410100")
    admin = factories.citizen(plaza, "admin_x")
    accounts.set_flags(plaza.db, admin.id, role="admin")
    team = factories.citizen(plaza, "team_x", "救援队", home_city="410100", kind="organisation")
    h_admin, h_req, h_team = _bearer(plaza, admin), _bearer(plaza, requester), _bearer(plaza, team)
    assert client.post("/api/plaza/v1/incidents", headers=h_admin, json={
        "slug": "walk-floods", "name": "走查暴雨", "kind": "flood", "account": "team_x",
        "regions": ["410100"], "topics": ["走查暴雨"], "mode": True}).status_code == 201
    assert client.post("/api/plaza/v1/help/responders", headers=h_admin, json={
        "username": "team_x", "capabilities": ["rescue"], "region": "410100"}).status_code == 201
    filed = client.post("/api/plaza/v1/help/requests", headers=h_req, json={
        "need": "rescue", "people": 2, "text": TEXT, "place": {"text": "郑州市金水区秘密花园小区8号楼", "lat": 34.77,
                                                              "lon": 113.68},
        "contact": {"phone": "13812345678", "name": "李秘密", "second_phone": "13987654321"}}).json()
    request_id = filed["id"]

    def step(headers: dict[str, str], action: str, **fields: Any) -> dict[str, Any]:
        version = client.get(f"/api/plaza/v1/help/requests/{request_id}", headers=headers).json()["version"]
        answer = client.post(f"/api/plaza/v1/help/requests/{request_id}/actions/{action}", headers=headers,
                             json={"version": version, **fields})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    step(h_admin, "verify", outcome="verified", note="回电：李秘密，13812345678")
    assert client.post(f"/api/plaza/v1/help/requests/{request_id}/actions/claim", headers=h_team,
                       json={}).status_code == 200
    step(h_team, "complete", note="已从后门进入，后门密码1234", people_helped=2)
    published = step(h_req, "confirm")
    assert published["state"] == "published"
    # the secrets are there for those entitled (so the walk below looks for something real)
    own = client.get(f"/api/plaza/v1/help/requests/{request_id}", headers=h_req).text
    assert "13812345678" in own and "13987654321" in own and "后门密码1234" in own
    with plaza.db.read() as conn:
        post_id = str(requests.load(conn, int(request_id)).published_status_id)
    return {"id": request_id, "status_id": post_id, "account_id": str(requester.id), "username": "requester_x", "slug": "walk-floods",
            "code": "410100", "name": "走查暴雨", "hashtag": "走查暴雨", "desk": "team_x", "rest": "plaza.css"}


def _paths(client: TestClient, values: dict[str, str]) -> list[str]:
    found = []
    for method, template, _route in walk(list(client.app.routes)):
        if method != "GET" or template.startswith(("/signout", "/oauth/")):
            continue
        names = PARAM.findall(template)
        candidates = [values["id"], values["account_id"], values["status_id"]] if "id" in names else [""]
        for candidate in candidates:
            found.append(PARAM.sub(lambda m, c=candidate: c if m.group(1) == "id" else values.get(m.group(1), "1"),
                                   template))
    return sorted(set(found))


@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_no_public_page_or_api_answer_shows_a_help_requests_personal_data(
        client: TestClient, plaza: Plaza, loop: dict[str, str], who: str) -> None:
    headers: dict[str, str] = {}
    client.cookies.clear()
    if who == "stranger":
        stranger = accounts.find_by_username(plaza.db, "stranger_x")
        headers = _bearer(plaza, stranger)
        assert sign_in(client, "stranger_x").status_code == 303
    paths = _paths(client, loop)
    assert f"/api/plaza/v1/help/requests/{loop['id']}" in paths and "/api/plaza/v1/incidents/{slug}" not in paths
    leaks = []
    walked = 0
    for path in paths:
        for suffix in ("", "?lang=en"):
            answer = client.get(path + suffix, headers=headers)
            walked += 1
            body = answer.content.decode("utf-8", "replace")
            leaks += [f"{path}: {secret}" for secret in SECRETS if secret in body]
    assert walked > 100
    assert leaks == []
