"""Builders the hot-search API tests share: posts through the API and a square's worth of
activity in two cities."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from plaza.instance import Plaza
from tests.hotsupport import bearer_for, seasoned


def post(client: TestClient, headers: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/statuses", json={"status": text, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def entries(client: TestClient, city: str | None = None) -> list[dict[str, Any]]:
    response = client.get("/api/plaza/v1/hot", params={"city": city} if city else None)
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def topics_of(client: TestClient, city: str | None = None) -> list[str]:
    return [e["topic"] for e in entries(client, city)]


def square_activity(client: TestClient, plaza: Plaza) -> dict[str, Any]:
    """Three Chongqing citizens post #重庆暴雨# from Chongqing, three Shanghai citizens post
    #上海地铁# from Shanghai; a reader pages through the square and a topic, and searches."""
    cq = [bearer_for(plaza, seasoned(plaza, f"cq{n}", "500000")) for n in range(3)]
    sh = [bearer_for(plaza, seasoned(plaza, f"sh{n}", "310000")) for n in range(3)]
    rain = [post(client, h, f"#重庆暴雨# 第{n}条：道路积水，请绕行", plaza_city="500000")
            for n, h in enumerate(cq)]
    metro = [post(client, h, f"#上海地铁# 第{n}条：二号线恢复运营", plaza_city="310000")
             for n, h in enumerate(sh)]
    reader = bearer_for(plaza, seasoned(plaza, "reader", "500000"))
    assert client.get("/api/v1/timelines/public", headers=reader).status_code == 200
    assert client.get("/api/v1/timelines/tag/重庆暴雨").status_code == 200
    assert client.get("/api/v2/search", params={"q": "重庆暴雨"}, headers=reader).status_code == 200
    return {"cq": cq, "sh": sh, "rain": rain, "metro": metro, "reader": reader}
