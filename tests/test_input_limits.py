"""Hostile input is refused with a 4xx saying what is wrong, on both databases: control
characters in any text parameter (PostgreSQL cannot store NUL), ids and offsets beyond what a
BIGINT holds, JSON nested without end, and bodies larger than their route takes — refused before
they are read, not after."""

from __future__ import annotations

import json
import select
import socket
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from plaza import i18n
from plaza.instance import Plaza
from tests.factories import citizen, post
from tests.test_mastodon_api import OOB, register_app, token_for
from tests.test_web_pages import csrf, sign_in

CONTROLS = ("\x00", "\x1b", "\x08")

#: (method, path, the fields sent, the one carrying the control character) — the API's text
#: fields whatever the encoding, the unauthenticated OAuth endpoints among them.
API_FIELDS: list[tuple[str, str, dict[str, str], str]] = [
    ("POST", "/api/v1/statuses", {"status": "好"}, "status"),
    ("POST", "/api/v1/statuses", {"status": "好", "spoiler_text": "s"}, "spoiler_text"),
    ("PATCH", "/api/v1/accounts/update_credentials", {"note": "n"}, "note"),
    ("PATCH", "/api/v1/accounts/update_credentials", {"display_name": "n"}, "display_name"),
    ("POST", "/api/v1/apps", {"client_name": "c", "redirect_uris": OOB}, "client_name"),
    ("POST", "/api/v1/apps", {"client_name": "c", "redirect_uris": OOB}, "redirect_uris"),
    ("POST", "/oauth/token", {"grant_type": "password", "client_id": "x", "client_secret": "y",
                              "username": "u", "password": "p"}, "client_id"),
    ("POST", "/oauth/token", {"grant_type": "password", "client_id": "x", "client_secret": "y",
                              "username": "u", "password": "p"}, "username"),
    ("POST", "/oauth/revoke", {"client_id": "x", "client_secret": "y", "token": "t"}, "token"),
]
OAUTH = ("/oauth/", "/api/v1/apps")
QUERY_FIELDS = [
    "/api/v1/accounts/lookup?acct={}",
    "/api/v2/search?q={}",
    "/api/v1/accounts/search?q={}",
    "/api/v1/timelines/tag/{}",
    "/search?q={}",
    "/@{}",
    "/topics/{}",
    "/api/plaza/v1/topics/{}",
]


@pytest.fixture
def signed_in(client: TestClient, plaza: Plaza) -> dict[str, str]:
    keys = register_app(client)
    return token_for(client, keys, citizen(plaza, "writer"))


def _send(client: TestClient, method: str, path: str, fields: dict[str, Any], how: str,
          headers: dict[str, str]):  # type: ignore[no-untyped-def]
    if how == "json":
        return client.request(method, path, json=fields, headers=headers)
    if how == "form":
        return client.request(method, path, data=fields, headers=headers)
    return client.request(method, path, files={k: (None, v) for k, v in fields.items()}, headers=headers)


@pytest.mark.parametrize("how", ["json", "form", "multipart"])
def test_control_characters_in_any_api_text_field_are_a_400_naming_it(client, plaza, signed_in, how) -> None:
    for method, path, fields, field in API_FIELDS:
        for control in CONTROLS:
            sent = {**fields, field: f"前{control}后"}
            answer = _send(client, method, path + "?lang=en", sent, how, signed_in)
            if path.startswith(OAUTH):  # each field answered as OAuth's RFCs say (their own tests)
                assert 400 <= answer.status_code < 500 or path == "/oauth/revoke", (path, field, answer.text)
                continue
            assert answer.status_code == 400, (path, field, how, answer.text)
            assert answer.json()["error"] == i18n.gettext("control_characters", "en", name=field)
        if how != "multipart" and not path.startswith(OAUTH):  # (multipart escapes a field's name)
            assert _send(client, method, path, {**fields, f"x{CONTROLS[0]}": "1"}, how, signed_in).status_code == 400
    # Tabs and line breaks are what people type: still welcome.
    fine = client.post("/api/v1/statuses", json={"status": "第一行\r\n第二行\t完"}, headers=signed_in)
    assert fine.status_code == 200 and "第二行" in fine.json()["content"]


def test_control_characters_in_the_url_are_a_400_on_every_interface(client, plaza, signed_in) -> None:
    for template in QUERY_FIELDS:
        for control in ("%00", "%1F", "%0B"):
            answer = client.get(template.format(f"a{control}b"), headers=signed_in)
            assert answer.status_code == 400, (template, control, answer.text[:200])
    english = client.get("/api/v2/search?lang=en&q=%00")
    assert english.json() == {"error": i18n.gettext("control_characters", "en", name="q")}
    assert "控制字符" in client.get("/search?q=%00").text  # the web answers with a page


def test_control_characters_in_web_forms_are_refused(client, plaza) -> None:
    citizen(plaza, "webber")
    assert sign_in(client, "webber").status_code == 303
    token = csrf(client, "/home")
    for path, fields in (("/statuses", {"text": "有\x00空字符", "visibility": "public"}),
                         ("/settings", {"display_name": "名\x00字", "note": "", "home_city": "500000"}),
                         ("/signin", {"login": "a\x00", "password": "b"})):
        answer = client.post(path, data={**fields, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 400, (path, answer.text[:200])
    # The sign-up form, anonymous.
    fresh = TestClient(client.app, base_url="http://127.0.0.1:8000")
    refused = fresh.post("/signup", data={"username": "nul\x00", "password": "correct horse battery",
                                          "csrf_token": csrf(fresh, "/signup")})
    assert refused.status_code == 400


HUGE = [str(2**63), str(2**64), "9" * 30, "-1", "1e309", "1.5", "0x10"]


def test_ids_and_offsets_beyond_a_bigint_are_a_422_not_a_fault(client, plaza, signed_in) -> None:
    author = citizen(plaza, "author")
    status_id = post(plaza, author, "在这里")
    for value in HUGE:
        for path in (f"/api/v1/accounts/relationships?id[]={value}",
                     f"/api/v1/statuses?id[]={status_id}&id[]={value}",
                     f"/api/v2/search?q=a&offset={value}",
                     f"/api/v1/accounts/search?q=a&offset={value}",
                     f"/api/v1/trends/tags?offset={value}",
                     f"/api/v1/timelines/public?max_id={value}",
                     f"/api/v1/accounts/{author.id}/statuses?since_id={value}"):
            answer = client.get(path, headers=signed_in)
            # Ids that are not numbers are passed over in lists, as Mastodon does; a number out of
            # an id's range, a bad offset or page bound is a 422.
            assert answer.status_code in ((200, 422) if "id[]" in path else (422,)), (path, answer.text)
            if answer.status_code == 200:
                assert value in ("-1", "1e309", "1.5", "0x10")
        for path in (f"/api/v1/statuses/{value}", f"/api/v1/accounts/{value}", f"/@author/{value}",
                     f"/api/plaza/v1/matrices/{value}"):
            assert client.get(path, headers=signed_in).status_code == 404, path
    assert client.get(f"/api/v2/search?q=a&offset={2**64}&lang=en").json() == {
        "error": i18n.gettext("offset_invalid", "en", max=10_000)}
    listed = client.get(f"/api/v1/statuses?id[]={status_id}&id[]=nonsense").json()
    assert [s["id"] for s in listed] == [str(status_id)]


def test_json_nested_deeper_than_32_levels_is_a_400(client, plaza, signed_in) -> None:
    for depth in (33, 1_000, 100_000):
        deep = "[" * depth + "]" * depth
        for path in ("/oauth/token", "/api/v1/apps", "/api/v1/statuses"):
            answer = client.post(path + "?lang=en", content=f'{{"status": {deep}}}', headers={
                **signed_in, "Content-Type": "application/json"})
            assert answer.status_code == 400, (path, depth, answer.text[:200])
    nested = {"source": {"privacy": "public"}, "status": "两层嵌套"}
    assert client.post("/api/v1/statuses", json=nested, headers=signed_in).status_code == 200


def test_a_json_body_over_the_limit_is_a_413_in_the_readers_language(client, plaza, signed_in) -> None:
    big = json.dumps({"status": "长" * (600 * 1024)})  # 1.8 MB of UTF-8
    answer = client.post("/api/v1/statuses?lang=en", content=big,
                         headers={**signed_in, "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json() == {"error": i18n.gettext("body_too_large", "en", limit_kb=1024)}
    app = client.post("/api/v1/apps", json={"client_name": "巨大", "redirect_uris": "https://a.example/"
                                            + "a" * 10_000_000})
    assert app.status_code == 413
    page = client.post("/signin", content=b"login=" + b"a" * 2_000_000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and "KB" in page.text


def _raw_request(port: int, head: str, body_chunks: int, chunk: bytes, chunked: bool,
                 preamble: bytes = b"") -> tuple[bytes, int]:
    """Send ``head`` then up to ``body_chunks`` chunks, stopping once the server answers or stops
    reading; the answer's first bytes and how many body bytes went out."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(head.encode())
    if preamble:
        sock.sendall(f"{len(preamble):x}\r\n".encode() + preamble + b"\r\n")
    sent = len(preamble)
    sock.settimeout(2)
    try:
        for _ in range(body_chunks):
            if select.select([sock], [], [], 0)[0]:
                break
            piece = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") if chunked else chunk
            sock.sendall(piece)
            sent += len(chunk)
    except (TimeoutError, ConnectionError):
        pass  # the server stopped reading: what it has answered is what counts
    sock.settimeout(10)
    answer = b""
    deadline = time.monotonic() + 10
    while b"\r\n" not in answer and time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except ConnectionError:
            break
        if not data:
            break
        answer += data
    sock.close()
    return answer, sent


@pytest.mark.server
def test_oversized_bodies_are_refused_before_they_are_received(live_server, plaza) -> None:
    keys = register_app(TestClient(live_server.server.config.app, base_url=live_server.url))
    auth = token_for(TestClient(live_server.server.config.app), keys, citizen(plaza, "uploader"))
    port = live_server.port
    # Declared: an 80 MB JSON body is answered at once, none of it sent.
    head = (f"POST /api/v1/statuses HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {80 * 2**20}\r\n\r\n")
    answer, sent = _raw_request(port, head, 0, b"", chunked=False)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    # Streamed: a 100 MB chunked upload is stopped soon after the media limit (8 MB).
    head = (f"POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth['Authorization']}\r\n"
            "Content-Type: multipart/form-data; boundary=xx\r\nTransfer-Encoding: chunked\r\n\r\n")
    part = (b'--xx\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            b"Content-Type: image/png\r\n\r\n")
    answer, sent = _raw_request(port, head, 100, b"x" * 2**20, chunked=True, preamble=part)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert sent < 40 * 2**20, f"{sent} bytes went out before the refusal"
    # Streamed JSON without a length: stopped after 1 MB, not read to its end.
    head = ("POST /api/v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    answer, sent = _raw_request(port, head, 100, b" " * 2**20, chunked=True)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert sent < 40 * 2**20


def test_an_image_upload_still_has_the_media_limit(client, plaza, signed_in) -> None:
    from tests.test_mastodon_api import png

    small = client.post("/api/v2/media", files={"file": ("a.png", png(), "image/png")}, headers=signed_in)
    assert small.status_code == 200, small.text
    # Over 1 MB (the body limit elsewhere), under the media limit: the image's own rules answer.
    padded = png() + b"\0" * (3 * 2**20)
    answer = client.post("/api/v2/media", files={"file": ("b.png", padded, "image/png")}, headers=signed_in)
    assert answer.status_code != 413
    over = client.post("/api/v2/media", files={"file": ("c.png", b"x" * (9 * 2**20), "image/png")},
                       headers=signed_in)
    assert over.status_code == 413


# --- every text field has a bound, said in the reader's language, and nothing is cut short ------


def test_each_text_field_one_character_over_its_bound_is_a_422_naming_the_bound(client, plaza, signed_in) -> None:
    from tests.test_mastodon_api import png

    me = client.get("/api/v1/accounts/verify_credentials", headers=signed_in).json()
    over: list[tuple[str, str, dict[str, Any], str]] = [
        ("PATCH", "/api/v1/accounts/update_credentials", {"note": "简" * 501}, "500"),
        ("GET", "/api/v2/search", {"q": "搜" * 201}, "200"),
        ("GET", "/api/v1/accounts/search", {"q": "a" * 201}, "200"),
    ]
    for method, path, fields, limit in over:
        if method == "GET":
            answer = client.get(path, params=fields, headers=signed_in)
        else:
            answer = client.request(method, path, data=fields, headers=signed_in)
        assert answer.status_code == 422, (path, answer.status_code, answer.text)
        assert limit in answer.json()["error"], answer.text
    # An image's description: refused at upload (no image kept) and when described afterwards.
    before = client.get("/api/v1/accounts/verify_credentials", headers=signed_in).json()
    refused = client.post("/api/v2/media", files={"file": ("a.png", png(), "image/png")},
                          data={"description": "图" * 1501}, headers=signed_in)
    assert refused.status_code == 422 and "1500" in refused.json()["error"]
    kept = client.post("/api/v2/media", files={"file": ("a.png", png(), "image/png")},
                       data={"description": "图" * 1500}, headers=signed_in)
    assert kept.status_code == 200 and kept.json()["description"] == "图" * 1500
    described = client.put(f"/api/v1/media/{kept.json()['id']}", data={"description": "图" * 1501},
                           headers=signed_in)
    assert described.status_code == 422
    assert client.get(f"/api/v1/media/{kept.json()['id']}", headers=signed_in).json()["description"] == "图" * 1500
    # Nothing changed for the refused edits: the bio is as it was.
    assert client.get("/api/v1/accounts/verify_credentials", headers=signed_in).json()["note"] == before["note"]
    assert me["note"] == before["note"]


def test_a_search_too_long_on_the_web_stays_in_its_box_with_the_reason(client, plaza) -> None:
    typed = "重庆" * 101
    page = client.get("/search", params={"q": typed}, headers={"accept-language": "en"})
    assert page.status_code == 422
    assert "at most 200 characters" in page.text and f'value="{typed}"' in page.text


def test_sign_up_and_verification_bound_the_e_mail_and_the_agency(client, plaza) -> None:
    from plaza.errors import Invalid
    from plaza.square import accounts

    with pytest.raises(Invalid) as raised:
        accounts.create(plaza.db, username="long_mail", password=None, home_city="500000",
                        email="a" * 60 + "@" + "b" * 60 + "." + "c" * 200)
    assert raised.value.key == "email_invalid"
    with pytest.raises(Invalid) as raised:
        accounts.create(plaza.db, username="long_note", password=None, home_city="500000", note="n" * 501)
    assert raised.value.key == "note_too_long"
    assert accounts.find_by_username(plaza.db, "long_mail") is None
    citizen(plaza, "boss", role="admin")
    applicant = citizen(plaza, "yubei_fire", "渝北消防")
    sign_in(client, "boss")
    token = csrf(client, "/admin")
    refused = client.post("/admin/verify", data={
        "csrf_token": token, "username": "yubei_fire", "agency": "消" * 101, "region_code": "500112",
        "level": "county", "department_type": "fire_rescue"})
    assert refused.status_code == 422 and "100" in refused.text
    assert accounts.get(plaza.db, applicant.id).kind == "citizen"
