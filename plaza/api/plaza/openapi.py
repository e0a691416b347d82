"""The OpenAPI 3.1 description of Plaza's own API, served at ``/api/plaza/v1/openapi.json``.

Written by hand next to the endpoints it describes (:mod:`.hot`, :mod:`.topics`, :mod:`.admin`,
:mod:`.matrices`); a test checks
that every ``/api/plaza/`` route is in it, that it is a valid OpenAPI document, and that real
answers match its schemas.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

import plaza
from plaza.api.plaza import openapi_desk, openapi_help, openapi_incidents, openapi_index, openapi_warnings
from plaza.http.responses import ORJSONResponse

_TIME = {"type": ["string", "null"], "format": "date-time", "description": "ISO 8601, UTC"}
_ERROR = {"description": "an error, in the caller's language",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_CITY = {"name": "city", "in": "query", "required": False,
         "description": "6-digit GB/T 2260 code of a prefecture-level city or municipality (a county's "
                        "code reads as its city's); absent: the national list",
         "schema": {"type": "string", "pattern": "^[0-9]{6}$"}}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]

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
            "warnings": {"type": "array", "description": "official warnings in force in the city, pinned above "
                                                         "the list (most severe first)",
                         "items": {"type": "object", "required": ["id", "event", "level", "status_id", "expires"],
                                   "properties": {"id": {"type": "string"}, "event": {"type": "string"},
                                                  "level": {"type": ["string", "null"]},
                                                  "headline": {"type": ["string", "null"]},
                                                  "status_id": {"type": ["string", "null"]}, "expires": _TIME}}},
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
                     "heat", "description", "hosts", "curve", "peak_rank", "seconds_on_list", "half_life"],
        "properties": {
            "name": {"type": "string"},
            "reads": {"type": "integer", "description": "阅读量"},
            "discussions": {"type": "integer", "description": "讨论量"},
            "originals": {"type": "integer", "description": "原创量"},
            "interactions": {"type": "integer", "description": "互动量"},
            "participants": {"type": "integer"},
            "rank": {"type": ["integer", "null"], "description": "on the national list, or null"},
            "heat": {"type": ["number", "null"]},
            "description": {"type": ["string", "null"], "description": "导语, plain text"},
            "hosts": {"type": "array", "items": {"$ref": "#/components/schemas/TopicHost"},
                      "description": "主持人"},
            "curve": {"type": "array", "items": {"$ref": "#/components/schemas/CurvePoint"}},
            "peak_rank": {"type": ["integer", "null"],
                          "description": "best rank ever reached on the national list, or null"},
            "seconds_on_list": {"type": "number", "description": "time spent on the national list"},
            "half_life": {"type": ["number", "null"],
                          "description": "seconds from its peak heat to half of it, or null until then"},
        },
    },
    "TopicHost": {
        "type": "object", "description": "an account appointed to look after a topic (主持人)",
        "required": ["id", "username", "acct", "display_name", "kind"],
        "properties": {
            "id": {"type": "string"}, "username": {"type": "string"}, "acct": {"type": "string"},
            "display_name": {"type": "string"},
            "kind": {"type": "string", "enum": ["citizen", "government", "media", "organisation"]},
        },
    },
    "TopicCuration": {
        "type": "object", "description": "a topic's description (导语) and hosts (主持人)",
        "required": ["name", "description", "hosts"],
        "properties": {
            "name": {"type": "string"},
            "description": {"type": ["string", "null"], "maxLength": 200},
            "hosts": {"type": "array", "maxItems": 5, "items": {"$ref": "#/components/schemas/TopicHost"}},
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
    "HotAdminAction": {
        "type": "object", "description": "one administrator's action on hot search, as logged",
        "required": ["id", "at", "action", "account", "topic", "keyword", "city", "note"],
        "properties": {
            "id": {"type": "string"},
            "at": _TIME,
            "action": {"type": "string", "enum": [
                "pin", "unpin", "block_topic", "unblock_topic", "block_keyword", "unblock_keyword",
                "review_on", "review_off", "approve", "reject", "refresh"]},
            "account": {"type": ["object", "null"], "description": "who acted (null: account gone)",
                        "required": ["id", "username", "display_name"],
                        "properties": {"id": {"type": "string"}, "username": {"type": "string"},
                                       "display_name": {"type": "string"}}},
            "topic": {"type": ["string", "null"]},
            "keyword": {"type": ["string", "null"]},
            "city": {"type": ["string", "null"], "description": "the list (null: national)"},
            "note": {"type": "string"},
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


def _topic_curation_paths() -> dict[str, Any]:
    """Topic hosts (主持人) and description (导语): :mod:`.topics`."""
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
            "description": "the topic, URL-encoded (#…# marks optional)"}
    answer = {"200": {"description": "the topic's description and hosts as they now are",
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TopicCuration"}}}},
              "401": _ERROR, "403": _ERROR, "404": _ERROR, "422": _ERROR}

    def body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        schema = {"type": "object", "properties": properties, "required": required}
        return {"required": True, "content": {"application/json": {"schema": schema},
                                              "application/x-www-form-urlencoded": {"schema": schema}}}

    describe = {"summary": "Write a topic's description (导语; empty removes it) (its hosts, "
                           "administrators and moderators)", "security": _BEARER,
                "parameters": [name],
                "requestBody": body({"description": {"type": "string", "maxLength": 200}}, ["description"]),
                "responses": answer}
    return {
        "/api/plaza/v1/topics/{name}/hosts": {"post": {
            "summary": "Appoint a host (主持人) of a topic, by account id or username; at most 5 hosts "
                       "(administrators and moderators)", "security": _BEARER, "parameters": [name],
            "requestBody": body({"account_id": {"type": "string"}, "username": {"type": "string"}}, []),
            "responses": answer}},
        "/api/plaza/v1/topics/{name}/hosts/{account_id}": {"delete": {
            "summary": "Remove a host of a topic (administrators and moderators)", "security": _BEARER,
            "parameters": [name, {"name": "account_id", "in": "path", "required": True,
                                  "schema": {"type": "string"}}],
            "responses": answer}},
        "/api/plaza/v1/topics/{name}/description": {"put": describe, "post": describe},
    }


# --- Government matrices (政务矩阵) and matrix campaigns (矩阵联动): :mod:`.matrices` ---------

_NULLABLE_STRING = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_MATRIX_SCHEMAS: dict[str, Any] = {
    "MatrixAccount": {
        "type": "object", "description": "a member as a Mastodon client knows an account, kept small "
                                         "(no e-mail or other private data)",
        "required": ["id", "username", "acct", "display_name", "url", "plaza"],
        "properties": {
            "id": {"type": "string"}, "username": {"type": "string"}, "acct": {"type": "string"},
            "display_name": {"type": "string"}, "url": {"type": "string"},
            "plaza": {"type": "object", "required": ["kind", "agency", "region", "level", "department_type"],
                      "properties": {
                          "kind": {"type": "string", "enum": ["citizen", "government", "media", "organisation"]},
                          "agency": _NULLABLE_STRING, "level": _NULLABLE_STRING, "department_type": _NULLABLE_STRING,
                          "region": {"type": ["object", "null"], "properties": {
                              "code": {"type": "string"}, "province": {"type": "string"},
                              "city": {"type": "string"}, "county": _NULLABLE_STRING}},
                          "verified": {"type": "boolean"}, "parent_id": _NULLABLE_STRING}},
        },
        "not": {"anyOf": [{"required": ["email"]}, {"required": ["phone"]}]},
    },
    "Matrix": {
        "type": "object", "description": "a government matrix (政务矩阵)",
        "required": ["id", "name", "description", "kind", "region_code", "region_name", "department_type", "root",
                     "owner", "members_count", "synced_at", "created_at", "updated_at", "url", "can_manage"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
            "kind": {"type": "string", "enum": ["region", "department", "tree", "manual"],
                     "description": "how members are chosen: every government account in a division, one "
                                    "department line (in a division or nationwide), an account and its "
                                    "descendants in the account tree, or by hand"},
            "region_code": _NULLABLE_STRING, "region_name": _NULLABLE_STRING, "department_type": _NULLABLE_STRING,
            "root": {"oneOf": [_ref("MatrixAccount"), {"type": "null"}]},
            "owner": {"oneOf": [_ref("MatrixAccount"), {"type": "null"}]},
            "members_count": {"type": "integer", "minimum": 0},
            "synced_at": _TIME, "created_at": _TIME, "updated_at": _TIME, "url": {"type": "string"},
            "can_manage": {"type": "boolean", "description": "whether the caller may change it"},
        },
    },
    "MatrixMember": {
        "type": "object", "required": ["account", "source", "added_at"],
        "properties": {"account": _ref("MatrixAccount"),
                       "source": {"type": "string", "enum": ["rule", "hand"],
                                  "description": "brought by the matrix's rule, or added by hand"},
                       "added_at": _TIME},
    },
    "Campaign": {
        "type": "object", "description": "a matrix campaign (矩阵联动): a topic bound to a matrix for a period",
        "required": ["id", "matrix_id", "topic", "topic_url", "title", "description", "starts_at", "ends_at",
                     "ended_early_at", "state", "created_at", "url"],
        "properties": {
            "id": {"type": "string"}, "matrix_id": {"type": "string"}, "topic": {"type": "string"},
            "topic_url": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "starts_at": _TIME, "ends_at": _TIME, "ended_early_at": _TIME,
            "state": {"type": "string", "enum": ["upcoming", "running", "ended"]},
            "created_at": _TIME, "url": {"type": "string"},
        },
    },
    "MatrixDetail": {
        "allOf": [_ref("Matrix"), {
            "type": "object", "required": ["members", "activity", "campaigns", "following"],
            "properties": {
                "members": {"type": "array", "items": _ref("MatrixMember"),
                            "description": "national bodies first, then by level and region"},
                "activity": {"type": "object", "required": ["days", "posts", "active_members"],
                             "properties": {"days": {"type": "integer"}, "posts": {"type": "integer"},
                                            "active_members": {"type": "integer"}},
                             "description": "public posts and reposts of the members in the last days"},
                "campaigns": {"type": "array", "items": _ref("Campaign")},
                "following": {"type": ["integer", "null"],
                              "description": "members the caller follows (null without a token)"},
            }}],
    },
    "MatrixSync": {
        "type": "object", "required": ["added", "removed", "matrix"],
        "properties": {"added": {"type": "array", "items": {"type": "string"}},
                       "removed": {"type": "array", "items": {"type": "string"}},
                       "matrix": _ref("MatrixDetail")},
    },
    "MatrixFollow": {
        "type": "object", "required": ["members", "followed", "already", "remaining"],
        "properties": {"members": {"type": "integer"}, "followed": {"type": "integer"},
                       "already": {"type": "integer"},
                       "remaining": {"type": "integer", "description": "left for another action"}},
    },
    "MatrixUnfollow": {"type": "object", "required": ["unfollowed"],
                       "properties": {"unfollowed": {"type": "integer"}}},
    "CampaignReport": {
        "allOf": [_ref("Campaign"), {
            "type": "object",
            "required": ["matrix", "members_count", "joined_count", "coverage", "reads", "discussions", "peak_rank",
                         "peak_heat", "peak_at", "joined", "propagation"],
            "properties": {
                "matrix": {"type": "object", "required": ["id", "name", "url"],
                           "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                          "url": {"type": "string"}}},
                "members_count": {"type": "integer"}, "joined_count": {"type": "integer"},
                "coverage": {"type": "number", "minimum": 0, "maximum": 1, "description": "joined / members"},
                "reads": {"type": "integer", "description": "阅读量 of the topic"},
                "discussions": {"type": "integer", "description": "讨论量 of the topic"},
                "peak_rank": {"type": ["integer", "null"],
                              "description": "best national hot-search rank during the period"},
                "peak_heat": {"type": ["number", "null"]}, "peak_at": _TIME,
                "joined": {"type": "array", "description": "members in the order they joined", "items": {
                    "type": "object",
                    "required": ["account", "first_at", "first_status_id", "first_kind", "originals", "reposts"],
                    "properties": {"account": _ref("MatrixAccount"), "first_at": _TIME,
                                   "first_status_id": {"type": "string"},
                                   "first_kind": {"type": "string", "enum": ["original", "repost"]},
                                   "originals": {"type": "integer"}, "reposts": {"type": "integer"}}}},
                "propagation": {"type": "array", "description": "linked propagation (联动传播): each member "
                                                                "original in the topic, most reposted first",
                                "items": {
                    "type": "object",
                    "required": ["status_id", "account", "url", "created_at", "excerpt", "reposts", "reposters",
                                 "member_reposts", "replies", "likes", "reads"],
                    "properties": {"status_id": {"type": "string"}, "account": _ref("MatrixAccount"),
                                   "url": {"type": "string"}, "created_at": _TIME,
                                   "excerpt": {"type": "string", "description": "the post's text, first 60 "
                                                                               "characters (plain text)"},
                                   "reposts": {"type": "integer"}, "reposters": {"type": "integer"},
                                   "member_reposts": {"type": "integer",
                                                      "description": "reposts by other members of the matrix"},
                                   "replies": {"type": "integer"}, "likes": {"type": "integer"},
                                   "reads": {"type": "integer"}}}},
            }}],
    },
    "Empty": {"type": "object", "maxProperties": 0},
}


def _matrix_paths() -> dict[str, Any]:
    """Government matrices and their campaigns: :mod:`.matrices`."""
    def answer(schema: str, description: str, *errors: str) -> dict[str, Any]:
        out: dict[str, Any] = {"200": {"description": description,
                                       "content": {"application/json": {"schema": _ref(schema)}}}}
        out.update({code: _ERROR for code in errors})
        return out

    def body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        schema = {"type": "object", "properties": properties, "required": required}
        return {"required": bool(required), "content": {"application/json": {"schema": schema},
                                                        "application/x-www-form-urlencoded": {"schema": schema}}}

    def path_id(what: str) -> dict[str, Any]:
        return {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}, "description": what}

    matrix_id, campaign_id = path_id("the matrix's id"), path_id("the campaign's id")
    members = {"account_ids": {"type": "array", "items": {"type": "string"}},
               "usernames": {"type": "array", "items": {"type": "string"}}}
    write = ("401", "403", "404", "422")
    manage = " (the matrix's owner, administrators and moderators)"
    page = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
            for n in ("max_id", "since_id", "min_id", "limit", "member")]
    return {
        "/api/plaza/v1/matrices": {
            "get": {"summary": "Government matrices (政务矩阵), newest first; `member` (a username) lists "
                               "those an account belongs to; pages by id with a Link header",
                    "parameters": page,
                    "responses": {"200": {"description": "a page of matrices", "content": {"application/json": {
                        "schema": {"type": "array", "items": _ref("Matrix")}}}}, "404": _ERROR, "422": _ERROR}},
            "post": {"summary": "Create a matrix: by region (region_code), by department line (department_type, "
                                "optionally within region_code), from the account tree (root) or by hand "
                                "(usernames / account_ids, also added to any other kind). Administrators and "
                                "moderators create any; a verified government account a tree rooted at itself "
                                "or a matrix by hand of accounts below it", "security": _BEARER,
                     "requestBody": body({"name": {"type": "string", "maxLength": 60},
                                          "kind": {"type": "string", "enum": ["region", "department", "tree", "manual"]},
                                          "description": {"type": "string", "maxLength": 500},
                                          "region_code": {"type": "string", "pattern": "^[0-9]{6}$"},
                                          "department_type": {"type": "string"},
                                          "root": {"type": "string", "description": "username of the tree's root"},
                                          "root_id": {"type": "string"},
                                          "owner": {"type": "string", "description": "username of a government "
                                                    "account to own it (staff only; default: the creator)"},
                                          **members}, ["name", "kind"]),
                     "responses": answer("MatrixDetail", "the new matrix", *write)}},
        "/api/plaza/v1/matrices/{id}": {
            "get": {"summary": "A matrix with its members, recent activity, campaigns and how many members "
                               "the caller follows", "parameters": [matrix_id],
                    "responses": answer("MatrixDetail", "the matrix", "404")},
            "put": {"summary": "Rename a matrix or change its description" + manage, "security": _BEARER,
                    "parameters": [matrix_id],
                    "requestBody": body({"name": {"type": "string"}, "description": {"type": "string"}}, []),
                    "responses": answer("MatrixDetail", "the matrix", *write)},
            "delete": {"summary": "Delete a matrix and its campaigns" + manage, "security": _BEARER,
                       "parameters": [matrix_id], "responses": answer("Empty", "deleted", "401", "403", "404")}},
        "/api/plaza/v1/matrices/{id}/members": {
            "post": {"summary": "Add verified government accounts by hand" + manage, "security": _BEARER,
                     "parameters": [matrix_id], "requestBody": body(members, []),
                     "responses": answer("MatrixDetail", "the matrix", *write)},
            "delete": {"summary": "Take members out by hand; a re-sync does not bring them back" + manage,
                       "security": _BEARER, "parameters": [matrix_id], "requestBody": body(members, []),
                       "responses": answer("MatrixDetail", "the matrix", *write)}},
        "/api/plaza/v1/matrices/{id}/sync": {"post": {
            "summary": "Re-apply a derived matrix's rule: new accounts join, rule members that no longer "
                       "match leave" + manage, "security": _BEARER, "parameters": [matrix_id],
            "responses": answer("MatrixSync", "what changed", *write)}},
        "/api/plaza/v1/matrices/{id}/follow": {"post": {
            "summary": "Follow every member not followed yet (scope follow or write:follows; rate-limited)",
            "security": _BEARER, "parameters": [matrix_id],
            "responses": answer("MatrixFollow", "how many were followed", "401", "403", "404", "429")}},
        "/api/plaza/v1/matrices/{id}/unfollow": {"post": {
            "summary": "Unfollow every member (scope follow or write:follows; rate-limited)",
            "security": _BEARER, "parameters": [matrix_id],
            "responses": answer("MatrixUnfollow", "how many were unfollowed", "401", "403", "404", "429")}},
        "/api/plaza/v1/matrices/{id}/campaigns": {
            "get": {"summary": "A matrix's campaigns (矩阵联动), newest first", "parameters": [matrix_id],
                    "responses": {"200": {"description": "the campaigns", "content": {"application/json": {
                        "schema": {"type": "array", "items": _ref("Campaign")}}}}, "404": _ERROR}},
            "post": {"summary": "Start a campaign: a topic for a period (times in ISO 8601; without an offset, "
                                "China Standard Time)" + manage, "security": _BEARER, "parameters": [matrix_id],
                     "requestBody": body({"topic": {"type": "string", "maxLength": 100},
                                          "starts_at": {"type": "string"}, "ends_at": {"type": "string"},
                                          "title": {"type": "string", "maxLength": 100},
                                          "description": {"type": "string", "maxLength": 500}},
                                         ["topic", "starts_at", "ends_at"]),
                     "responses": answer("CampaignReport", "the campaign", *write)}},
        "/api/plaza/v1/campaigns/{id}": {
            "get": {"summary": "A campaign and what it brought: members who joined and when, coverage, the "
                               "topic's reads and discussions, its peak national hot-search rank during the "
                               "period, and each member post's reposts, replies, likes and reads",
                    "parameters": [campaign_id], "responses": answer("CampaignReport", "the campaign", "404")},
            "delete": {"summary": "Delete a campaign" + manage, "security": _BEARER, "parameters": [campaign_id],
                       "responses": answer("Empty", "deleted", "401", "403", "404")}},
        "/api/plaza/v1/campaigns/{id}/end": {"post": {
            "summary": "End a running campaign now" + manage, "security": _BEARER, "parameters": [campaign_id],
            "responses": answer("CampaignReport", "the campaign", *write)}},
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
                          "404": {**_ERROR, "description": "no public post names the topic and hot search "
                                  "has not listed it (for staff: no post names it), as for a name never used"}}}},
        **_topic_curation_paths(),
        **_matrix_paths(),
        **openapi_desk.paths(),
        **openapi_help.paths(),
        **openapi_warnings.paths(),
        **openapi_incidents.paths(),
        **openapi_index.paths(),
        "/api/plaza/v1/admin/hot": {"get": {
            "summary": "The hot-search controls (administrators and moderators)", "security": _BEARER,
            "responses": {**state, "200": {**state["200"], "description": "the controls"}}}},
        "/api/plaza/v1/admin/hot/history": {"get": {
            "summary": "Administrators' actions on hot search, newest first (administrators and "
                       "moderators); a Link header (rel=\"next\") pages on",
            "security": _BEARER,
            "parameters": [
                {"name": "max_id", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "only actions older than this one"},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 80, "default": 40}}],
            "responses": {"200": {"description": "the actions",
                                  "content": {"application/json": {"schema": {
                                      "type": "array", "items": {"$ref": "#/components/schemas/HotAdminAction"}}}}},
                          "401": _ERROR, "403": _ERROR, "422": _ERROR}}},
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
        "components": {"schemas": {**_SCHEMAS, **_MATRIX_SCHEMAS, **openapi_desk.SCHEMAS, **openapi_help.SCHEMAS,
                                   **openapi_warnings.SCHEMAS, **openapi_incidents.SCHEMAS,
                                   **openapi_index.SCHEMAS},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "an OAuth 2 access token"}}},
        "paths": paths,
    }


async def openapi(request: Request) -> Response:
    return ORJSONResponse(document())
