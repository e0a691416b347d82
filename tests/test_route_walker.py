"""Every route answers hostile input with a 4xx, never a fault: the walker enumerates the
application's routes (Mounts included), and sends each method a family of hostile inputs — control
characters, numbers past a BIGINT, huge strings, lists and objects where text is expected, deep
and malformed JSON, an oversized body, the wrong Content-Type, hostile path parameters — once
anonymously and once signed in (bearer token and web session with its CSRF token), on both
databases. Which fields a route takes is read from its module's source, so a new parameter is
walked without editing this file (tests/support/routes.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from plaza.accounts.government import GovernmentProfile
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square import accounts
from tests.factories import citizen, post
from tests.support.routes import PARAM, fields_of, walk
from tests.test_mastodon_api import register_app
from tests.test_web_pages import csrf, sign_in

#: Hostile values for a query string or form field.
TEXT_VALUES = ["a\x00b", "\x1b[31m", str(2**63), str(2**64), "-1", "1e309", "NaN", "9" * 400,
               "x" * 1000, "", "{}", "../%00"]
#: Hostile values for a JSON field: wrong types too.
JSON_VALUES: list[Any] = [str(2**64), 2**63, -1, 1.5, 1e308, True, None, ["\x00"], {"a": "b"},
                          [{"a": [1]}], "x" * 5000]
#: Hostile path parameters (ids, usernames, topic names, actions).
PATH_VALUES = [str(2**64), "-1", "1e309", "a%00b", "x" * 300, "%E2%80%AE"]

CONTROL_FAMILIES = {
    "malformed json": (b'{"status": "unterminated', "application/json"),
    "json not an object": (b'["a", 1]', "application/json"),
    "deep json": (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    "bad utf-8": (b'{"status": "\xff\xfe"}', "application/json"),
    "lone surrogate": (b'{"status": "\\ud800"}', "application/json"),
    "xml": (b"<status>hi</status>", "application/xml"),
    "text": (b"status=hi", "text/plain"),
    "broken multipart": (b"--zz\r\nContent-Disposition: form-data\r\n\r\nnope", "multipart/form-data; boundary=zz"),
    "multipart without boundary": (b"x", "multipart/form-data"),
    "oversized": (b"a" * (1024 * 1024 + 10), "application/x-www-form-urlencoded"),
}


class Walker:
    def __init__(self, client: TestClient, plaza: Plaza) -> None:
        self.client = client
        self.plaza = plaza
        self.failures: list[str] = []
        self.sent = 0

    def valid_path(self, template: str, values: dict[str, str]) -> str:
        return PARAM.sub(lambda m: values.get(m.group(1), "1"), template)

    def send(self, method: str, path: str, *, headers: dict[str, str], what: str, **kw: Any) -> None:
        self.sent += 1
        try:
            answer = self.client.request(method, path, headers=headers, follow_redirects=False, **kw)
        except Exception as exc:  # noqa: BLE001 - a fault escaping the app is what we are looking for
            self.failures.append(f"{method} {path[:120]} [{what}]: raised {exc!r}"[:400])
            return
        if answer.status_code >= 500:
            self.failures.append(f"{method} {path[:120]} [{what}]: {answer.status_code} {answer.text[:200]!r}")


@pytest.fixture
def world(client: TestClient, plaza: Plaza) -> dict[str, Any]:
    """A signed-in administrator (bearer token and web session) and something to point at: an
    account, a post, a topic, a matrix, a campaign, an upload."""
    walker = citizen(plaza, "walker", role="admin")
    victim = citizen(plaza, "victim")
    gov = accounts.create(plaza.db, username="cq_fabu", display_name="重庆发布", password="government pass 1",
                          home_city="500000", kind="government",
                          government=GovernmentProfile("中共重庆市委宣传部", "500000", "provincial", "publicity"))
    status_id = post(plaza, victim, "#山城# 今天很好")
    keys = register_app(client)
    secret, _ = tokens.issue(plaza.db, walker.id, int(keys["id"]), frozenset({"read", "write", "follow", "push"}))
    bearer = {"Authorization": f"Bearer {secret}"}
    matrix = client.post("/api/plaza/v1/matrices", headers=bearer,
                         json={"name": "走查矩阵", "kind": "manual", "usernames": ["cq_fabu"]}).json()
    now = datetime.now(UTC)
    campaign = client.post(f"/api/plaza/v1/matrices/{matrix['id']}/campaigns", headers=bearer, json={
        "topic": "#走查#", "title": "走查", "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat()}).json()
    assert sign_in(client, "walker").status_code == 303
    return {
        "bearer": bearer, "csrf": csrf(client, "/home"),
        "path": {"id": str(status_id), "status_id": str(status_id), "account_id": str(victim.id),
                 "username": "victim", "name": "山城", "hashtag": "山城", "matrix_id": str(matrix["id"]),
                 "campaign_id": str(campaign.get("id", 1)), "code": "500000", "action": "suspend",
                 "rest": "plaza.css", "grant": "x", "gov": str(gov.id)},
    }


LAST = ("/signout",)  # ends the session the rest of the walk uses


@pytest.mark.parametrize("who", ["anonymous", "signed in"])
def test_no_route_answers_hostile_input_with_a_server_error(client, plaza, world, who) -> None:
    walker = Walker(client, plaza)
    routes = sorted(walk(list(client.app.routes)), key=lambda r: r[1] in LAST)
    if who == "anonymous":
        client.cookies.clear()
    headers = world["bearer"] if who == "signed in" else {}
    token = {"csrf_token": world["csrf"]} if who == "signed in" else {}
    for method, template, route in routes:
        path = walker.valid_path(template, world["path"])
        fields = fields_of(route)
        # Hostile path parameters.
        for name in PARAM.findall(template):
            for value in PATH_VALUES:
                bad = walker.valid_path(template, {**world["path"], name: value})
                walker.send(method, bad, headers=headers, what=f"path {name}={value[:20]}")
        body_method = method in ("POST", "PUT", "PATCH", "DELETE")
        # Every field at once, one family at a time.
        if not body_method:
            for value in TEXT_VALUES:
                query = "&".join(f"{quote(f)}={quote(value)}" for f in fields)
                walker.send(method, f"{path}?{query}", headers=headers, what=f"query all={value[:20]!r}")
        else:
            for value in TEXT_VALUES:
                walker.send(method, path, headers=headers, data={**{f: value for f in fields}, **token},
                            what=f"form all={value[:20]!r}")
            for json_value in JSON_VALUES:
                walker.send(method, path, headers=headers, json={f: json_value for f in fields},
                            what=f"json all={str(json_value)[:20]!r}")
            walker.send(method, path, headers=headers, data={**{f: "1" for f in fields}, **token},
                        files={"file": ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
                        what="multipart with a broken image")
            for what, (raw, content_type) in CONTROL_FAMILIES.items():
                walker.send(method, path, headers={**headers, "Content-Type": content_type}, content=raw,
                            what=what)
        # One field at a time, signed in: a field read after another that failed is reached too.
        if who == "signed in":
            for field in fields:
                for value in ("\x00", str(2**64)):
                    if body_method:
                        walker.send(method, path, headers=headers, data={field: value, **token},
                                    what=f"form {field}={value[:20]!r}")
                    else:
                        walker.send(method, f"{path}?{quote(field)}={quote(value)}", headers=headers,
                                    what=f"query {field}={value[:20]!r}")
                if body_method:
                    walker.send(method, path, headers=headers, json={field: {"a": [1]}},
                                what=f"json {field}=object")
    assert walker.sent > 1000
    assert not walker.failures, f"{len(walker.failures)} of {walker.sent} requests failed:\n" + "\n".join(
        sorted(set(walker.failures))[:60])
