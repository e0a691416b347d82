"""The OpenAPI description of help in emergencies (``/api/plaza/v1/help``)."""

from __future__ import annotations

from typing import Any

from .openapi_desk import _BEARER, _ERROR, _NSTR, _STR, _TIME, _body, _json, _ref

NEEDS = ["rescue", "medical", "supplies", "shelter", "evacuation", "missing_person", "other"]
STATES = ["submitted", "verified", "dispatched", "claimed", "in_progress", "completed", "confirmed", "published",
          "closed", "merged", "withdrawn"]
ACTIONS = ["verify", "unreachable", "close", "merge", "offer", "claim", "release", "progress", "complete", "confirm",
           "publish", "withdraw", "follow_up"]
_PLACE_IN = {"type": "object", "properties": {"text": _STR, "lat": {"type": "number"}, "lon": {"type": "number"}}}
_CONTACT = {"type": "object", "properties": {"phone": _STR, "name": _STR, "second_phone": _STR}}

SCHEMAS: dict[str, Any] = {
    "HelpDetection": {
        "type": "object", "description": "what screening found in a text: whether it asks for help (求助)",
        "required": ["is_request", "score", "need", "place", "people", "has_contact"],
        "properties": {
            "is_request": {"type": "boolean"},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "need": {"type": ["string", "null"], "enum": ["rescue", "medical", "supplies", "shelter", "evacuation",
                                                          "missing_person", "other", None]},
            "place": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["text", "county", "city"],
                "properties": {"text": _STR, "county": {"type": ["string", "null"]},
                               "city": {"type": ["string", "null"]}}}]},
            "people": {"type": ["integer", "null"], "minimum": 1},
            "has_contact": {"type": "boolean"},
        },
    },
    "HelpRequest": {
        "type": "object",
        "description": "a help request (求助) as the caller may see it: the public the need, the county and the "
                       "state; a responder that may claim it what is needed (masked); the requester, verifiers and "
                       "the responder who claimed it the text, the exact place and the contacts",
        "required": ["id", "state", "version", "need", "place", "my_roles", "actions"],
        "properties": {
            "id": _STR, "state": {"type": "string", "enum": STATES}, "version": {"type": "integer"},
            "need": {"type": "string", "enum": NEEDS},
            "place": {"type": "object", "required": ["county", "city", "name", "resolved"], "properties": {
                "county": _NSTR, "city": _NSTR, "name": _NSTR, "resolved": {"type": "boolean"},
                "text": _STR, "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]}}},
            "responder": _NSTR, "merged_into": _NSTR, "incident_id": _NSTR,
            "created_at": _TIME, "updated_at": _TIME,
            "my_roles": {"type": "array", "items": {"type": "string",
                                                    "enum": ["requester", "verifier", "responder", "assignee"]}},
            "actions": {"type": "array", "items": {"type": "string", "enum": ACTIONS}},
            "text": _STR, "people": {"type": ["integer", "null"]},
            "vulnerable": {"type": "array", "items": _STR}, "signals": {"type": "array", "items": _STR},
            "urgency": {"type": "integer", "minimum": 0, "maximum": 100},
            "contact": _CONTACT,
            "history": {"type": "array", "items": {"type": "object", "required": ["action", "to", "at"],
                                                   "properties": {"action": _STR, "from": _NSTR, "to": _STR,
                                                                  "at": _TIME, "note": _STR}}},
            "sources": {"type": "array", "items": {"type": "object"}},
        },
    },
    "HelpResponder": {
        "type": "object", "description": "a responder (救助力量): a team's account, what it can do, where, its load",
        "required": ["username", "capabilities", "region", "capacity", "holding", "active"],
        "properties": {"username": _STR, "display_name": _STR,
                       "capabilities": {"type": "array", "items": {"type": "string", "enum": NEEDS}},
                       "region": _STR, "capacity": {"type": "integer"}, "holding": {"type": "integer"},
                       "active": {"type": "boolean"}},
    },
    "HelpTotals": {
        "type": "object", "description": "public totals of help requests",
        "required": ["requests", "verified", "completed", "helped", "published", "median_minutes_to_help"],
        "properties": {"requests": {"type": "integer"}, "verified": {"type": "integer"},
                       "completed": {"type": "integer"}, "helped": {"type": "integer"},
                       "published": {"type": "integer"}, "median_minutes_to_help": {"type": ["number", "null"]}},
    },
}


def paths() -> dict[str, Any]:
    return {
        "/api/plaza/v1/help/detect": {"post": {
            "summary": "Screen a text for a help request: whether, what for, where, for how many, with a "
                       "contact (verifiers, moderators and administrators)", "security": _BEARER,
            "requestBody": _body({"text": _STR}, ["text"]),
            "responses": {"200": _json(_ref("HelpDetection"), "what screening found"), "401": _ERROR,
                          "403": _ERROR, "422": _ERROR}}},
        **_requests(),
    }


def _requests() -> dict[str, Any]:
    request_id = {"name": "id", "in": "path", "required": True, "schema": _STR, "description": "the request's id"}
    query = [{"name": n, "in": "query", "required": False, "schema": _STR} for n in ("max_id", "limit")]
    one = _json(_ref("HelpRequest"), "the request as the caller may see it")
    many = _json({"type": "array", "items": _ref("HelpRequest")}, "requests")
    errors = {code: _ERROR for code in ("401", "403", "404", "422")}
    return {
        "/api/plaza/v1/help/requests": {
            "post": {"summary": "File a help request (求助)", "security": _BEARER,
                     "requestBody": _body({"need": {"type": "string", "enum": NEEDS}, "people": {"type": "integer"},
                                           "vulnerable": {"type": "array", "items": {"type": "string", "enum": [
                                               "elderly", "children", "disabled", "pregnant", "patients"]}},
                                           "text": _STR, "place": _PLACE_IN, "contact": _CONTACT,
                                           "on_behalf": {"type": "boolean"},
                                           "media_ids": {"type": "array", "items": _STR},
                                           "hours_without_contact": {"type": "number"},
                                           "incident": {"type": "string", "description": "an incident's slug"}},
                                          ["need", "text"]),
                     "responses": {"201": one, "401": _ERROR, "403": _ERROR, "422": _ERROR, "429": _ERROR}},
            "get": {"summary": "Help requests: the public list (need, county, state), or mine=true the caller's own",
                    "parameters": [*query, *({"name": n, "in": "query", "required": False, "schema": _STR}
                                             for n in ("city", "state", "mine", "format"))],
                    "responses": {"200": many, "401": _ERROR, "422": _ERROR}}},
        "/api/plaza/v1/help/requests/{id}": {"get": {
            "summary": "A help request as the caller may see it, with its history (why=: the reason a verifier or "
                       "responder opens its personal data; every such read is logged)",
            "parameters": [request_id, {"name": "why", "in": "query", "required": False, "schema": _STR}],
            "responses": {"200": one, "401": _ERROR, "404": _ERROR}}},
        "/api/plaza/v1/help/requests/{id}/actions/{action}": {"post": {
            "summary": "Take a step (verify with outcome verified|unreachable|false|safe|duplicate, merge with "
                       "into, offer, claim — no version needed, one of concurrent claims wins —, release, progress, "
                       "complete with note and people_helped, confirm, publish, withdraw, follow_up)",
            "security": _BEARER,
            "parameters": [request_id, {"name": "action", "in": "path", "required": True,
                                        "schema": {"type": "string", "enum": ACTIONS}}],
            "requestBody": _body({"version": {"type": "integer"}, "outcome": _STR, "note": _STR, "into": _STR,
                                  "reason": _STR, "people_helped": {"type": "integer"},
                                  "responders": {"type": "array", "items": _STR}}, []),
            "responses": {"200": one, **errors, "409": _ERROR}}},
        "/api/plaza/v1/help/requests/{id}/lock": {
            "post": {"summary": "Hold a request to work it (verifiers; 409 when another holds it)",
                     "security": _BEARER, "parameters": [request_id],
                     "responses": {"200": _json({"type": "object"}, "the lock"), **errors, "409": _ERROR}},
            "delete": {"summary": "Let a held request go", "security": _BEARER, "parameters": [request_id],
                       "responses": {"200": _json({"type": "object"}, "released"), **errors}}},
        "/api/plaza/v1/help/queue": {"get": {
            "summary": "The verifiers' queue, the most urgent first (view=verify|follow_up|dispatch|working|confirm|"
                       "unresolved_place|open|closed|all)", "security": _BEARER,
            "parameters": [*query, *({"name": n, "in": "query", "required": False, "schema": _STR}
                                     for n in ("view", "city", "county", "need", "format"))],
            "responses": {"200": many, **errors}}},
        "/api/plaza/v1/help/queue/next": {"post": {
            "summary": "The most urgent request nobody holds, locked to the caller (verifiers)", "security": _BEARER,
            "requestBody": _body({"view": _STR, "city": _STR}, []),
            "responses": {"200": one, "204": {"description": "the queue is empty"}, **errors}}},
        "/api/plaza/v1/help/responders": {
            "get": {"summary": "The responders: capabilities, area, capacity and load",
                    "parameters": [{"name": "region", "in": "query", "required": False, "schema": _STR}],
                    "responses": {"200": _json({"type": "array", "items": _ref("HelpResponder")}, "responders")}},
            "post": {"summary": "Register or change a responder (verifiers)", "security": _BEARER,
                     "requestBody": _body({"username": _STR, "capabilities": {"type": "array", "items": _STR},
                                           "region": _STR, "capacity": {"type": "integer"},
                                           "lat": {"type": "number"}, "lon": {"type": "number"},
                                           "active": {"type": "boolean"}}, ["username", "capabilities", "region"]),
                     "responses": {"201": _json(_ref("HelpResponder"), "the responder"), **errors}}},
        "/api/plaza/v1/help/responders/{username}/requests": {"get": {
            "summary": "A responder's list (its members): offered to it, or held by it (view=offered|mine)",
            "security": _BEARER,
            "parameters": [{"name": "username", "in": "path", "required": True, "schema": _STR},
                           {"name": "view", "in": "query", "required": False, "schema": _STR},
                           {"name": "limit", "in": "query", "required": False, "schema": _STR}],
            "responses": {"200": many, **errors}}},
        "/api/plaza/v1/help/verifiers": {"post": {
            "summary": "Make an account a verifier (核实员): administrators, or an organisation for its people",
            "security": _BEARER, "requestBody": _body({"username": _STR, "organisation": _STR}, ["username"]),
            "responses": {"201": _json({"type": "object"}, "granted"), **errors}}},
        "/api/plaza/v1/help/totals": {"get": {
            "summary": "Public totals: requests, verified, completed, people helped, published, median minutes to "
                       "help (format=json|csv)",
            "parameters": [{"name": n, "in": "query", "required": False, "schema": _STR}
                           for n in ("city", "incident", "format")],
            "responses": {"200": _json(_ref("HelpTotals"), "the totals"), "422": _ERROR}}},
    }
