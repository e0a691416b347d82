"""``@name`` reaches the account people mean: a username always means its own account, and no
one can take a name that reads as another account's username (issue 10: the mention hijack)."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from plaza.errors import Invalid
from plaza.instance import Plaza
from plaza.square import accounts
from plaza.storage.schema import accounts as accounts_table
from tests.factories import government
from tests.test_mastodon_api import person, register_app, token_for


@pytest.fixture
def app_keys(client: TestClient) -> dict:  # type: ignore[type-arg]
    return register_app(client)


def test_a_display_name_cannot_be_set_to_a_government_accounts_username(client: TestClient, app_keys: dict) -> None:  # type: ignore[type-arg]
    plaza: Plaza = client.app.state.plaza  # type: ignore[attr-defined]
    government(plaza, "cq_fabu", "重庆发布")
    attacker = person(plaza, "mallory")
    headers = token_for(client, app_keys, attacker)
    for name in ("cq_fabu", "CQ_Fabu", "ｃｑ＿ｆａｂｕ"):  # case and full width read the same
        answer = client.patch("/api/v1/accounts/update_credentials", data={"display_name": name},
                              headers=headers)
        assert answer.status_code == 422, name
        assert answer.json()["error"] == "昵称已被使用"  # the account's language: Chinese
    assert accounts.get(plaza.db, attacker.id).display_name == "mallory"


def test_a_username_cannot_be_registered_that_reads_as_someones_display_name(plaza: Plaza) -> None:
    person(plaza, "alice", display_name="Chongqing")
    with pytest.raises(Invalid) as refused:
        person(plaza, "chongqing")
    assert refused.value.key == "username_taken"


def test_a_direct_message_to_a_username_reaches_that_account_even_if_an_impostor_exists(
        client: TestClient, app_keys: dict) -> None:  # type: ignore[type-arg]
    """An impostor whose display name equals the government account's username (made before the
    rule existed) receives neither the message nor its notification; the real account gets both."""
    plaza: Plaza = client.app.state.plaza  # type: ignore[attr-defined]
    real = government(plaza, "cq_fabu", "重庆发布")
    impostor = person(plaza, "mallory")
    with plaza.db.write() as conn:  # as an old database may hold it
        conn.execute(update(accounts_table).where(accounts_table.c.id == impostor.id)
                     .values(display_name="cq_fabu", display_name_key="cq_fabu"))
    citizen = person(plaza, "resident")
    sent = client.post("/api/v1/statuses", data={"status": "@cq_fabu 我家楼下的路灯坏了", "visibility": "direct"},
                       headers=token_for(client, app_keys, citizen))
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert [m["username"] for m in body["mentions"]] == ["cq_fabu"]
    assert '/@cq_fabu"' in body["content"] and "mallory" not in body["content"]
    for account, expected in ((real, [body["id"]]), (impostor, [])):
        headers = token_for(client, app_keys, account)
        got = client.get("/api/v1/notifications", headers=headers).json()
        assert [n["status"]["id"] for n in got] == expected
        seen = client.get(f"/api/v1/statuses/{body['id']}", headers=headers)
        assert seen.status_code == (200 if expected else 404)
