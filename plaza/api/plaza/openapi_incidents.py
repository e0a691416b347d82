"""The OpenAPI description of incidents (事件) and their donation projects (``/api/plaza/v1/incidents``)."""

from __future__ import annotations

from typing import Any

from plaza.help.incidents import KINDS, LEDGER_KINDS

from .openapi_desk import _BEARER, _ERROR, _NSTR, _STR, _TIME, _json, _ref

_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_PERSON = {"type": ["object", "null"], "required": ["id", "username", "display_name"],
           "properties": {"id": _STR, "username": _STR, "display_name": _STR}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "the incident's address (2022-chongqing-fire)"}
_PROJECT_ID = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "string"}}
_CSV = {"description": "CSV (UTF-8 with a byte order mark)", "content": {"text/csv": {"schema": {"type": "string"}}}}
_FIELDS: dict[str, Any] = {
    "slug": {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$"},
    "name": {"type": "string", "maxLength": 100},
    "kind": {"type": "string", "enum": list(KINDS)},
    "account": {"type": "string", "description": "the running account (government or organisation): id or username"},
    "summary": {"type": "string", "maxLength": 5000},
    "regions": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{6}$"},
                "description": "GB/T 2260 codes of the affected counties, cities or provinces"},
    "topics": {"type": "array", "items": {"type": "string"}, "description": "topic names, with or without #…#"},
    "started_at": {"type": "string", "format": "date-time"},
    "mode": {"type": "boolean", "description": "incident mode (事件模式): its banner and help form on the front "
                                               "page and the affected cities' feeds"},
}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": bool(required), "content": {"application/json": {"schema": schema},
                                                    "application/x-www-form-urlencoded": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Incident": {
        "type": "object", "description": "an incident (事件): an emergency that gathers topics, official updates, "
                                         "help requests, responders, warnings and donations",
        "required": ["id", "slug", "name", "kind", "summary", "url", "help_url", "account", "regions", "topics",
                     "responders", "started_at", "ended_at", "active", "mode"],
        "properties": {
            "id": _STR, "slug": _STR, "name": _STR, "kind": {"type": "string", "enum": list(KINDS)}, "summary": _STR,
            "url": _STR, "help_url": {**_STR, "description": "the help form for this incident"},
            "account": _PERSON,
            "regions": {"type": "array", "items": {"type": "object", "required": ["code", "name", "city_code"],
                                                   "properties": {"code": _STR, "name": _STR, "city_code": _NSTR}}},
            "topics": {"type": "array", "items": {"type": "object", "properties": {"name": _STR, "url": _STR}}},
            "responders": {"type": "array", "items": {"type": "object", "required": ["id", "username"], "properties": {
                "id": _STR, "username": _STR, "display_name": _STR, "kind": _STR, "role": _STR}}},
            "started_at": _TIME, "ended_at": _TIME, "active": _BOOL, "mode": _BOOL,
        },
    },
    "IncidentTotals": {
        "type": "object", "description": "the incident's help requests in figures (public, exportable)",
        "required": ["incident", "requests", "verified", "helped", "median_minutes_to_help"],
        "properties": {"incident": _STR, "requests": _INT, "verified": _INT, "helped": _INT,
                       "median_minutes_to_help": {"type": ["number", "null"]}},
    },
    "IncidentHelpRequest": {
        "type": "object", "description": "a help request as the public reads it (coordinates to ~1 km)",
        "required": ["id", "need", "state"],
        "properties": {"id": _STR, "need": _NSTR, "county": _NSTR, "county_name": _NSTR, "state": _STR,
                       "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
                       "created_at": _TIME},
    },
    "IncidentDetail": {
        "allOf": [_ref("Incident"), {"type": "object", "required": [
            "totals", "requests", "warnings", "donation_projects", "official_updates", "topic_posts"], "properties": {
            "totals": _ref("IncidentTotals"),
            "requests": {"type": "array", "items": _ref("IncidentHelpRequest")},
            "warnings": {"type": "array", "items": {"type": "object"}},
            "donation_projects": {"type": "array", "items": _ref("DonationProject")},
            "official_updates": {"type": "array", "items": {"type": "object", "properties": {"id": _STR, "url": _STR}}},
            "topic_posts": {"type": "array", "items": {"type": "object", "properties": {"id": _STR, "url": _STR}}},
        }}],
    },
    "DonationProject": {
        "type": "object", "description": "a donation project (公益项目) for an incident; money in fen (分) and yuan",
        "required": ["id", "incident", "title", "organisation", "goal_fen", "raised_fen", "disbursed_fen",
                     "balance_fen", "entries", "url", "ledger_url"],
        "properties": {
            "id": _STR, "incident": _STR, "title": _STR, "description": _STR,
            "organisation": _PERSON, "goal_fen": _INT, "raised_fen": _INT, "disbursed_fen": _INT, "balance_fen": _INT,
            "goal": _STR, "raised": _STR, "disbursed": _STR, "balance": _STR,
            "progress": {"type": ["number", "null"], "description": "raised ÷ goal"}, "entries": _INT,
            "created_at": _TIME, "url": _STR, "ledger_url": _STR,
        },
    },
    "LedgerLine": {
        "type": "object", "description": "a line of a project's public ledger (公示), never changed once entered",
        "required": ["seq", "kind", "amount_fen", "amount", "counterpart", "purpose", "at", "evidence"],
        "properties": {"seq": _INT, "kind": {"type": "string", "enum": list(LEDGER_KINDS)}, "amount_fen": _INT,
                       "amount": _STR, "counterpart": _STR, "purpose": _STR, "at": _TIME, "evidence": _STR,
                       "entered_by": _NSTR, "created_at": _TIME},
    },
    "DonationLedger": {
        "allOf": [_ref("DonationProject"), {"type": "object", "required": ["ledger"], "properties": {
            "ledger": {"type": "array", "items": _ref("LedgerLine")}}}],
    },
    "LedgerEntered": {
        "allOf": [_ref("DonationProject"), {"type": "object", "required": ["line"], "properties": {
            "line": _ref("LedgerLine")}}],
    },
}

_WRITE = {"401": _ERROR, "403": _ERROR, "404": _ERROR, "409": _ERROR, "422": _ERROR}


def paths() -> dict[str, Any]:
    prefix = "/api/plaza/v1/incidents"
    project = [_SLUG, _PROJECT_ID]
    return {
        prefix: {
            "get": {"summary": "Incidents, ongoing first, the latest started first",
                    "parameters": [{"name": "active", "in": "query", "required": False, "schema": {"type": "boolean"}},
                                   {"name": "limit", "in": "query", "required": False,
                                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}}],
                    "responses": {"200": _json({"type": "array", "items": _ref("Incident")}, "incidents"),
                                  "422": _ERROR}},
            "post": {"summary": "Open an incident (moderators and administrators)", "security": _BEARER,
                     "requestBody": _body({**_FIELDS, "responders": {"type": "array", "items": _STR}},
                                          ["slug", "name", "kind", "account", "regions"]),
                     "responses": {"201": _json(_ref("Incident"), "the incident"), **_WRITE}}},
        prefix + "/{slug}": {
            "get": {"summary": "An incident with what it gathers: totals, help requests, warnings, donation "
                               "projects, official updates and its topics' latest posts",
                    "parameters": [_SLUG],
                    "responses": {"200": _json(_ref("IncidentDetail"), "the incident"), "404": _ERROR}},
            "patch": {"summary": "Change an incident (staff, or its own account and operators)", "security": _BEARER,
                      "parameters": [_SLUG],
                      "requestBody": _body({k: v for k, v in _FIELDS.items() if k != "slug"}, []),
                      "responses": {"200": _json(_ref("Incident"), "the incident"), **_WRITE}}},
        prefix + "/{slug}/end": {"post": {
            "summary": "End an incident (staff, or its own account); incident mode goes off", "security": _BEARER,
            "parameters": [_SLUG], "responses": {"200": _json(_ref("Incident"), "the incident"), **_WRITE}}},
        prefix + "/{slug}/responders": {"post": {
            "summary": "Name an account among the responders (救援力量), with its role", "security": _BEARER,
            "parameters": [_SLUG], "requestBody": _body({"account": _STR, "role": _STR}, ["account"]),
            "responses": {"200": _json(_ref("Incident"), "the incident"), **_WRITE}}},
        prefix + "/{slug}/responders/{account_id}": {"delete": {
            "summary": "Take an account off the responders", "security": _BEARER,
            "parameters": [_SLUG, {"name": "account_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _json(_ref("Incident"), "the incident"), **_WRITE}}},
        prefix + "/{slug}/totals": {"get": {
            "summary": "The incident's help requests in figures: requests, verified, helped, median minutes to help",
            "parameters": [_SLUG],
            "responses": {"200": _json(_ref("IncidentTotals"), "the totals"), "404": _ERROR}}},
        prefix + "/{slug}/totals.csv": {"get": {
            "summary": "The totals as CSV", "parameters": [_SLUG], "responses": {"200": _CSV, "404": _ERROR}}},
        prefix + "/{slug}/donations": {
            "get": {"summary": "The incident's donation projects", "parameters": [_SLUG],
                    "responses": {"200": _json({"type": "array", "items": _ref("DonationProject")}, "the projects"),
                                  "404": _ERROR}},
            "post": {"summary": "Open a donation project: an organisation for itself (its account or operators), "
                                "or staff for an organisation", "security": _BEARER, "parameters": [_SLUG],
                     "requestBody": _body({"account": _STR, "title": _STR, "description": _STR,
                                           "goal_fen": {"type": "integer", "minimum": 1},
                                           "goal": {"type": "string", "description": "the goal in yuan"}},
                                          ["title"]),
                     "responses": {"201": _json(_ref("DonationProject"), "the project"), **_WRITE}}},
        prefix + "/{slug}/donations/{project_id}/ledger": {
            "get": {"summary": "A donation project and its public ledger, first line first", "parameters": project,
                    "responses": {"200": _json(_ref("DonationLedger"), "the ledger"), "404": _ERROR}},
            "post": {"summary": "Enter a line in the ledger (the project's organisation only); a disbursement may "
                                "not exceed the balance", "security": _BEARER, "parameters": project,
                     "requestBody": _body({"kind": {"type": "string", "enum": list(LEDGER_KINDS)},
                                           "amount_fen": {"type": "integer", "minimum": 1},
                                           "amount": {"type": "string", "description": "in yuan, instead of fen"},
                                           "counterpart": _STR, "purpose": _STR,
                                           "at": {"type": "string", "format": "date-time"}, "evidence": _STR},
                                          ["kind", "counterpart"]),
                     "responses": {"201": _json(_ref("LedgerEntered"), "the line and the project"), **_WRITE}}},
        prefix + "/{slug}/donations/{project_id}/ledger.csv": {"get": {
            "summary": "The ledger as CSV", "parameters": project, "responses": {"200": _CSV, "404": _ERROR}}},
    }
