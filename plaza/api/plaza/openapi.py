"""The OpenAPI 3.1 description of Plaza's own API, served at ``/api/plaza/v1/openapi.json``.

Written by hand next to the endpoints it describes (:mod:`.hot`, :mod:`.admin`); a test checks
that every ``/api/plaza/`` route is in it, that it is a valid OpenAPI document, and that real
answers match its schemas.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

import plaza
from plaza.api.mastodon.protocol import ORJSONResponse

_TIME = {"type": ["string", "null"], "format": "date-time", "description": "ISO 8601, UTC"}
_ERROR = {"description": "an error, in the caller's language",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_CITY = {"name": "city", "in": "query", "required": False,
         "description": "6-digit GB/T 2260 code of a prefecture-level city or municipality (a county's "
                        "code reads as its city's); absent: the national list",
         "schema": {"type": "string", "pattern": "^[0-9]{6}$"}}
_BEARER = [{"bearer": []}]

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "HotEntry": {
        "type": "object", "description": "one place on a hot list (热搜)",
        "required": ["rank", "topic", "heat", "label", "onboard_at", "reads", "discussions"],
        "properties": {
            "rank": {"type": "integer", "minimum": 1},
            "topic": {"type": "string"},
            "heat": {"type": "number", "description": "热度"},
            "label": {"type": ["string", "null"], "enum": ["新", "热", "沸", "爆", None]},
            "onboard_at": _TIME,
            "reads": {"type": "integer", "description": "阅读量"},
            "discussions": {"type": "integer", "description": "讨论量"},
        },
    },
    "Pinned": {
        "type": ["object", "null"], "description": "the government announcement pinned above the ranking",
        "required": ["topic", "note", "set_at"],
        "properties": {"topic": {"type": "string"}, "note": {"type": "string"}, "set_at": _TIME},
    },
    "HotList": {
        "type": "object", "required": ["scope", "city", "refreshed_at", "pinned", "entries"],
        "properties": {
            "scope": {"type": "string", "enum": ["national", "city"]},
            "city": {"type": ["string", "null"]},
            "refreshed_at": _TIME,
            "pinned": {"$ref": "#/components/schemas/Pinned"},
            "entries": {"type": "array", "maxItems": 50, "items": {"$ref": "#/components/schemas/HotEntry"}},
        },
    },
    "CurvePoint": {
        "type": "object", "required": ["at", "heat", "rank"],
        "properties": {"at": _TIME, "heat": {"type": "number"}, "rank": {"type": ["integer", "null"]}},
    },
    "Topic": {
        "type": "object",
        "required": ["name", "reads", "discussions", "originals", "interactions", "participants", "rank",
                     "heat", "hosts", "curve"],
        "properties": {
            "name": {"type": "string"},
            "reads": {"type": "integer", "description": "阅读量"},
            "discussions": {"type": "integer", "description": "讨论量"},
            "originals": {"type": "integer", "description": "原创量"},
            "interactions": {"type": "integer", "description": "互动量"},
            "participants": {"type": "integer"},
            "rank": {"type": ["integer", "null"], "description": "on the national list, or null"},
            "heat": {"type": ["number", "null"]},
            "hosts": {"type": "array", "items": {"type": "string"}, "description": "主持人"},
            "curve": {"type": "array", "items": {"$ref": "#/components/schemas/CurvePoint"}},
        },
    },
    "HotAdminState": {
        "type": "object",
        "required": ["review", "pinned", "blocked_topics", "blocked_keywords", "pending", "approved", "rejected"],
        "properties": {
            "review": {"type": "boolean"},
            "pinned": {"type": "array", "items": {
                "type": "object", "required": ["city", "topic", "note", "set_at"],
                "properties": {"city": {"type": ["string", "null"]}, "topic": {"type": "string"},
                               "note": {"type": "string"}, "set_at": _TIME}}},
            "blocked_topics": {"type": "array", "items": {"type": "string"}},
            "blocked_keywords": {"type": "array", "items": {"type": "string"}},
            "pending": {"type": "array", "items": {
                "type": "object", "required": ["topic", "since"],
                "properties": {"topic": {"type": "string"}, "since": _TIME}}},
            "approved": {"type": "array", "items": {"type": "string"}},
            "rejected": {"type": "array", "items": {"type": "string"}},
        },
    },
}

#: Administrator actions: what each takes (form, JSON or query parameters).
_ACTIONS: dict[str, tuple[str, dict[str, Any], list[str]]] = {
    "pin": ("Pin a government announcement above a list (national, or a city's)",
            {"topic": {"type": "string"}, "note": {"type": "string", "maxLength": 200},
             "city": {"type": "string"}}, ["topic"]),
    "unpin": ("Take the pinned entry off a list", {"city": {"type": "string"}}, []),
    "block": ("Never list a topic, or any topic containing a keyword",
              {"topic": {"type": "string"}, "keyword": {"type": "string"}}, []),
    "unblock": ("Lift a block", {"topic": {"type": "string"}, "keyword": {"type": "string"}}, []),
    "review": ("Switch review on or off: with review, a new entry appears only once approved",
               {"enabled": {"type": "boolean"}}, []),
    "approve": ("Approve a topic waiting for review", {"topic": {"type": "string"}}, ["topic"]),
    "reject": ("Reject a topic waiting for review", {"topic": {"type": "string"}}, ["topic"]),
    "refresh": ("Recompute every list now", {}, []),
}


def document() -> dict[str, Any]:
    state = {"200": {"description": "the hot-search controls after the action",
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HotAdminState"}}}},
             "401": _ERROR, "403": _ERROR, "422": _ERROR}
    paths: dict[str, Any] = {
        "/api/plaza/v1/hot": {"get": {
            "summary": "A hot search list (热搜): national, or one city's (同城热搜)",
            "parameters": [_CITY],
            "responses": {"200": {"description": "the list as last refreshed",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HotList"}}}},
                          "422": _ERROR}}},
        "/api/plaza/v1/topics/{name}": {"get": {
            "summary": "A topic's counters, its place on the national list and its heat curve",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "the topic, URL-encoded (#…# marks optional)"}],
            "responses": {"200": {"description": "the topic",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Topic"}}}},
                          "404": _ERROR}}},
        "/api/plaza/v1/admin/hot": {"get": {
            "summary": "The hot-search controls (administrators and moderators)", "security": _BEARER,
            "responses": {**state, "200": {**state["200"], "description": "the controls"}}}},
        "/api/plaza/v1/openapi.json": {"get": {
            "summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1",
                                                               "content": {"application/json": {}}}}}},
    }
    for name, (summary, properties, required) in _ACTIONS.items():
        body = {"type": "object", "properties": properties, "required": required}
        paths[f"/api/plaza/v1/admin/hot/{name}"] = {"post": {
            "summary": summary + " (administrators and moderators)", "security": _BEARER,
            "requestBody": {"required": bool(required), "content": {
                "application/json": {"schema": body}, "application/x-www-form-urlencoded": {"schema": body}}},
            "responses": state}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Plaza API", "version": plaza.__version__,
                 "description": "Plaza's own endpoints (hot search, topics). Plaza also speaks the Mastodon "
                                "client API (/api/v1, /api/v2) and OAuth 2; those follow Mastodon's "
                                "documentation. Errors are {\"error\": \"…\"} in the caller's language."},
        "components": {"schemas": _SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "an OAuth 2 access token"}}},
        "paths": paths,
    }


async def openapi(request: Request) -> Response:
    return ORJSONResponse(document())
