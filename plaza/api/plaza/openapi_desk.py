"""The service desk's part of Plaza's OpenAPI document (:mod:`.desk`): its schemas and paths."""

from __future__ import annotations

from typing import Any

_TIME = {"type": ["string", "null"], "format": "date-time", "description": "ISO 8601 with offset (Beijing time)"}
_ERROR = {"description": "an error, in the caller's language",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
STATES = ["submitted", "accepted", "rejected", "forwarded", "acknowledged", "returned", "in_progress", "replied",
          "follow_up", "closed"]
ACTIONS = ["accept", "reject", "link_duplicate", "forward", "return", "acknowledge", "note", "request_extension",
           "grant_extension", "refuse_extension", "reply", "rate", "close", "rework", "escalate", "reopen"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Desk": {
        "type": "object", "description": "a city service desk (城市服务台), named by its account's username",
        "required": ["desk", "account", "region", "topic", "departments", "time_limits"],
        "properties": {
            "desk": _STR,
            "account": {"type": "object", "properties": {"id": _STR, "username": _STR, "display_name": _STR}},
            "region": {"type": "object", "properties": {"code": _STR, "name": _STR}},
            "topic": {**_NSTR, "description": "the column topic (栏目话题) whose posts open cases, without #"},
            "departments": {"type": "array", "items": {"type": "object", "required": ["username"], "properties": {
                "id": _STR, "username": _STR, "display_name": _STR, "agency": _NSTR, "department_type": _NSTR}}},
            "time_limits": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                "acknowledge": _STR, "resolve": _STR}}},
            "custom_time_limits": {"type": "array"},
            "rating_days": {"type": "integer"}, "reopen_days": {"type": "integer"},
        },
    },
    "CaseStep": {
        "type": "object", "description": "one step of a case's history, as the reader may see it",
        "required": ["seq", "action", "to", "at", "role"],
        "properties": {
            "seq": {"type": "integer"}, "action": {"type": "string", "enum": ["start", *ACTIONS]},
            "from": {"type": ["string", "null"]}, "to": {"type": "string", "enum": STATES}, "at": _TIME,
            "role": _STR, "actor": {"type": ["object", "null"]}, "agency": _NSTR, "note": _STR,
            "data": {"type": "object"},
        },
    },
    "Case": {
        "type": "object", "description": "a case (诉求工单); personal data only for its citizen, the desk's staff "
                                         "and the departments it is forwarded to",
        "required": ["id", "desk", "state", "version", "category", "department", "place", "deadlines", "overdue",
                     "source_status_id"],
        "properties": {
            "id": _STR, "desk": _STR, "state": {"type": "string", "enum": STATES}, "version": {"type": "integer"},
            "title": _STR, "text": _STR, "category": _NSTR, "category_code": _NSTR,
            "urgency": {"type": "string", "enum": ["ordinary", "urgent"]},
            "source": {"type": "string", "enum": ["post", "web", "open311", "api"]}, "source_status_id": _NSTR,
            "department": _NSTR, "co_handlers": {"type": "array", "items": _STR},
            "place": {"type": "object", "properties": {"county": _NSTR, "city": _NSTR, "name": _NSTR,
                                                       "address": _NSTR, "lat": {"type": ["number", "null"]},
                                                       "lon": {"type": ["number", "null"]}}},
            "deadlines": {"type": "object", "required": ["acknowledge_by", "resolve_by"],
                          "properties": {"acknowledge_by": _TIME, "resolve_by": _TIME}},
            "overdue": {"type": "boolean"}, "escalated": {"type": "boolean"},
            "rework_count": {"type": "integer"}, "return_count": {"type": "integer"},
            "reply": {"type": ["object", "null"]}, "rating": {"type": ["object", "null"]},
            "citizen": {"type": ["object", "null"]}, "contact": {"type": "object"},
            "created_at": _TIME, "updated_at": _TIME, "closed_at": _TIME,
            "my_roles": {"type": "array", "items": _STR}, "actions": {"type": "array", "items": _STR},
            "history": {"type": "array", "items": _ref("CaseStep")},
            "possible_duplicates": {"type": "array"},
        },
    },
    "Stale": {"type": "object", "required": ["error", "state", "version"],
              "description": "the case moved since the version the actor saw",
              "properties": {"error": _STR, "state": _STR, "version": {"type": "integer"}}},
    "Suggestions": {"type": "object", "required": ["suggestions"], "properties": {"suggestions": {
        "type": "array", "maxItems": 3, "items": {"type": "object", "required": ["category", "department", "confidence"],
                                                  "properties": {"category": _STR, "category_code": _NSTR,
                                                                 "department": _NSTR,
                                                                 "confidence": {"type": "number", "minimum": 0,
                                                                                "maximum": 1}}}}}},
    "Category": {"type": "object", "required": ["id", "code", "name", "path", "level"], "properties": {
        "id": _STR, "code": _STR, "name": _STR, "path": _STR, "level": {"type": "integer", "minimum": 1, "maximum": 3},
        "parent_id": _NSTR, "active": {"type": "boolean"}}},
    "Rule": {"type": "object", "properties": {"category": _NSTR, "county": _NSTR, "lead": _NSTR,
                                              "co_handlers": {"type": "array"}}},
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": bool(required), "content": {"application/json": {"schema": schema},
                                                    "application/x-www-form-urlencoded": {"schema": schema}}}


def paths() -> dict[str, Any]:
    desk = {"name": "desk", "in": "path", "required": True, "schema": _STR,
            "description": "the desk's account username, e.g. mas_fabu"}
    case_id = {"name": "id", "in": "path", "required": True, "schema": _STR, "description": "the case's id"}
    page = [{"name": n, "in": "query", "required": False, "schema": _STR} for n in ("max_id", "limit")]
    cases = _json({"type": "array", "items": _ref("Case")}, "cases, newest first (Link header pages on)")
    errors = {code: _ERROR for code in ("401", "403", "404", "422")}
    return {
        "/api/plaza/v1/desks": {"get": {"summary": "The service desks", "responses": {
            "200": _json({"type": "array", "items": _ref("Desk")}, "the desks")}}},
        "/api/plaza/v1/desks/{desk}": {"get": {"summary": "A desk: account, region, column topic, departments, "
                                                          "time limits", "parameters": [desk],
                                               "responses": {"200": _json(_ref("Desk"), "the desk"), "404": _ERROR}}},
        "/api/plaza/v1/desks/{desk}/categories": {
            "get": {"summary": "The dispatch catalogue (派单目录); leaves=true for the services only",
                    "parameters": [desk, {"name": "leaves", "in": "query", "required": False, "schema": _STR}],
                    "responses": {"200": _json({"type": "array", "items": _ref("Category")}, "categories"),
                                  "404": _ERROR}},
            "post": {"summary": "Add a category (the desk's staff)", "security": _BEARER, "parameters": [desk],
                     "requestBody": _body({"path": _STR}, ["path"]),
                     "responses": {"201": _json(_ref("Category"), "the category"), **errors, "409": _ERROR}}},
        "/api/plaza/v1/desks/{desk}/rules": {
            "get": {"summary": "Who is responsible for what, where", "parameters": [desk],
                    "responses": {"200": _json({"type": "array", "items": _ref("Rule")}, "the rules"),
                                  "404": _ERROR}},
            "put": {"summary": "Set a rule: a category (and everything under it) in a county (or the whole "
                               "region) to a lead department and co-handlers (the desk's staff)",
                    "security": _BEARER, "parameters": [desk],
                    "requestBody": _body({"category": _STR, "county": _STR, "lead": _STR,
                                          "co_handlers": {"type": "array", "items": _STR}}, ["category", "lead"]),
                    "responses": {"200": _json({"type": "array", "items": _ref("Rule")}, "the rules"), **errors}}},
        "/api/plaza/v1/desks/{desk}/limits": {"put": {
            "summary": "Set time limits for an urgency (and a category): 2h = clock hours, 5d = working days",
            "security": _BEARER, "parameters": [desk],
            "requestBody": _body({"category": _STR, "urgency": {"type": "string", "enum": ["ordinary", "urgent"]},
                                  "acknowledge": _STR, "resolve": _STR}, ["acknowledge", "resolve"]),
            "responses": {"200": _json({"type": "object"}, "the limits set"), **errors}}},
        "/api/plaza/v1/desks/{desk}/cases": {"get": {
            "summary": "The desk's queue for its staff (view: open, new, overdue, due_soon, returned, escalated, "
                       "dissatisfied, extension, closed, all; state; department; category; county); for anyone "
                       "else the public list, without personal data",
            "parameters": [desk, *page, *({"name": n, "in": "query", "required": False, "schema": _STR}
                                          for n in ("view", "state", "department", "category", "county"))],
            "responses": {"200": cases, "404": _ERROR, "422": _ERROR}}},
        "/api/plaza/v1/desks/{desk}/similar": {"get": {
            "summary": "Open cases like a text, nearby: already reported? follow it",
            "parameters": [desk, *({"name": n, "in": "query", "required": n == "text", "schema": _STR}
                                   for n in ("text", "county", "lat", "lon"))],
            "responses": {"200": _json({"type": "array", "items": _ref("Case")}, "similar open cases"),
                          "404": _ERROR, "422": _ERROR}}},
        "/api/plaza/v1/desks/{desk}/classify": {"post": {
            "summary": "The router's best categories and departments for a text, at most 3 (the desk's staff "
                       "and its account)", "security": _BEARER, "parameters": [desk],
            "requestBody": _body({"text": _STR}, ["text"]),
            "responses": {"200": _json(_ref("Suggestions"), "proposals, best first"), **errors}}},
        "/api/plaza/v1/desks/{desk}/metrics": {"get": {
            "summary": "The desk's published figures for a period (day 2026-11-07, week 2026-W45, month "
                       "2026-11, quarter 2026-Q4, year 2026; Beijing time): received, 受理率, 按时签收率, "
                       "按时办结率, 办结率, 满意率, 发回重办率, 退回率, 响应率, 解决率, working-hour medians and "
                       "p90, fix rate — each with its numerator and denominator; by department, category, "
                       "category_leaf or county; format json, csv or xlsx",
            "parameters": [desk, *({"name": n, "in": "query", "required": False, "schema": _STR}
                                   for n in ("period", "by", "format"))],
            "responses": {"200": {"description": "the figures", "content": {
                "application/json": {"schema": {"type": "object", "required": ["desk", "period", "totals"]}},
                "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
                "404": _ERROR, "422": _ERROR}}},
        "/api/plaza/v1/desks/{desk}/board": {"get": {
            "summary": "The desk's board (the #topic# column): today and this month, satisfaction, the latest "
                       "replies (masked), by category and county, the last 30 days", "parameters": [desk],
            "responses": {"200": _json({"type": "object"}, "the board"), "404": _ERROR}}},
        "/api/plaza/v1/cases": {
            "get": {"summary": "The caller's cases (filed, or followed)", "security": _BEARER, "parameters": page,
                    "responses": {"200": cases, "401": _ERROR}},
            "post": {"summary": "File a case at a desk", "security": _BEARER,
                     "requestBody": _body({
                         "desk": _STR, "text": _STR, "title": _STR, "category": _STR,
                         "urgency": {"type": "string", "enum": ["ordinary", "urgent"]},
                         "place": {"type": "object", "properties": {"text": _STR, "lat": {"type": "number"},
                                                                    "lon": {"type": "number"}}},
                         "anonymous": {"type": "boolean"},
                         "contact": {"type": "object", "properties": {"name": _STR, "phone": _STR, "email": _STR}},
                         "media_ids": {"type": "array", "items": _STR}}, ["desk", "text"]),
                     "responses": {"201": _json(_ref("Case"), "the case as its citizen sees it"), **errors,
                                   "429": _ERROR}}},
        "/api/plaza/v1/cases/{id}": {"get": {
            "summary": "A case as the caller may see it, with its history (a read of personal data by staff is "
                       "logged)", "parameters": [case_id],
            "responses": {"200": _json(_ref("Case"), "the case"), "404": _ERROR}}},
        "/api/plaza/v1/cases/{id}/actions/{action}": {"post": {
            "summary": "Take a step, naming the version seen; the action's fields: department and co_handlers "
                       "(forward), reason (reject: not_our_business, duplicate, needs_information), of "
                       "(link_duplicate), note, days (request_extension), text and result (reply: resolved, "
                       "explained, unsolvable), satisfaction and resolved (rate), category and urgency (accept)",
            "security": _BEARER,
            "parameters": [case_id, {"name": "action", "in": "path", "required": True,
                                     "schema": {"type": "string", "enum": ACTIONS}}],
            "requestBody": _body({"version": {"type": "integer"}, "note": _STR, "department": _STR,
                                  "co_handlers": {"type": "array", "items": _STR}, "reason": _STR, "of": _STR,
                                  "days": {"type": "integer"}, "text": _STR, "result": _STR,
                                  "satisfaction": _STR, "resolved": {"type": "boolean"}, "category": _STR,
                                  "urgency": _STR}, ["version"]),
            "responses": {"200": _json(_ref("Case"), "the case after the step"), **errors,
                          "409": _json(_ref("Stale"), "it moved since, or the step cannot be taken now")}}},
        "/api/plaza/v1/departments/{username}/cases": {"get": {
            "summary": "A department's inbox (its account and operators)", "security": _BEARER,
            "parameters": [{"name": "username", "in": "path", "required": True, "schema": _STR}, *page,
                           {"name": "view", "in": "query", "required": False, "schema": _STR}],
            "responses": {"200": cases, **errors}}},
    }
