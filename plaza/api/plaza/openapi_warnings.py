"""The OpenAPI description of official warnings (``/api/plaza/v1/warnings``, :mod:`.warnings`)."""

from __future__ import annotations

from typing import Any

from .openapi_desk import _BEARER, _ERROR, _NSTR, _STR, _TIME, _json, _ref

_CODES = {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{6}$"},
          "description": "GB/T 2260 division codes (a province covers its cities, a county its city)"}
_FIELDS: dict[str, Any] = {
    "type": {**_STR, "description": "the kind: a key (typhoon, rainstorm, flood, forest_fire, earthquake, …) "
                                    "or its Chinese or English name (台风)"},
    "level": {**_STR, "description": "the colour: 蓝色 / 黄色 / 橙色 / 红色 (or blue, yellow, orange, red)"},
    "areas": {"oneOf": [_CODES, {"type": "string", "description": "codes separated by commas"}]},
    "expires": {**_STR, "format": "date-time", "description": "ISO 8601; without an offset, Beijing time"},
    "onset": {**_STR, "format": "date-time"},
    "headline": _STR, "description": _STR, "instruction": _STR,
    "urgency": {"type": "string", "enum": ["Immediate", "Expected", "Future", "Past", "Unknown"]},
    "certainty": {"type": "string", "enum": ["Observed", "Likely", "Possible", "Unlikely", "Unknown"]},
    "polygon": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                           "maxItems": 2}, "description": "[lat, lon] points of a ring"},
    "topic": {**_STR, "description": "a topic the post carries, without #"},
}
_ID = {"name": "id", "in": "path", "required": True, "schema": _STR}
_AREA = {"name": "area", "in": "query", "required": False, "schema": _STR,
         "description": "only warnings covering this division code (e.g. 500000)"}

SCHEMAS: dict[str, Any] = {
    "Warning": {
        "type": "object", "description": "an official warning (预警): one CAP 1.2 message and its post",
        "required": ["id", "identifier", "event", "level", "areas", "onset", "expires", "status_id", "msg_type",
                     "in_force", "cap_url"],
        "properties": {
            "id": _STR, "identifier": _STR, "sender": _STR,
            "msg_type": {"type": "string", "enum": ["Alert", "Update", "Cancel"]},
            "status": {"type": "string", "enum": ["Actual", "Exercise", "System", "Test", "Draft"]},
            "event": _STR, "type": _NSTR, "level": {"type": ["string", "null"], "enum": ["蓝色", "黄色", "橙色", "红色", None]},
            "severity": _STR, "urgency": _STR, "certainty": _STR, "headline": _NSTR, "description": _NSTR,
            "instruction": _NSTR, "areas": _CODES, "area_description": _STR, "polygon": _NSTR,
            "sent": _TIME, "onset": _TIME, "expires": _TIME, "status_id": _NSTR, "references": _NSTR,
            "superseded_by": _NSTR, "cancelled_at": _TIME, "in_force": {"type": "boolean"},
            "source": {"type": "string", "enum": ["plaza", "import"]}, "account": _NSTR,
            "url": {**_NSTR, "description": "the warning's post"}, "cap_url": _STR,
        },
    },
}


def paths() -> dict[str, Any]:
    warning = _json(_ref("Warning"), "the warning")
    written = {"201": _json(_ref("Warning"), "the warning message written"), "401": _ERROR, "403": _ERROR,
               "404": _ERROR, "409": _ERROR, "422": _ERROR}
    body = {"type": "object", "properties": _FIELDS}
    return {
        "/api/plaza/v1/warnings": {
            "get": {"summary": "The warnings in force, newest first",
                    "parameters": [_AREA, {"name": "all", "in": "query", "required": False,
                                           "schema": {"type": "boolean"},
                                           "description": "every message: updates, cancellations, expired"}],
                    "responses": {"200": _json({"type": "array", "items": _ref("Warning")}, "the warnings"),
                                  "422": _ERROR}},
            "post": {"summary": "Issue a warning (JSON), or import a CAP 1.2 document (application/cap+xml or "
                                "application/xml; refused with the schema's reason when invalid): verified "
                                "meteorology, emergency management, flood control, earthquake and fire accounts "
                                "for their region, administrators anywhere", "security": _BEARER,
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": {**body, "required": ["type", "level", "areas", "expires"]}},
                         "application/cap+xml": {"schema": _STR}, "application/xml": {"schema": _STR}}},
                     "responses": written}},
        "/api/plaza/v1/warnings.atom": {"get": {
            "summary": "The warnings in force as an Atom 1.0 feed, each entry linking its CAP document",
            "parameters": [_AREA],
            "responses": {"200": {"description": "Atom 1.0", "content": {"application/atom+xml": {}}},
                          "422": _ERROR}}},
        "/api/plaza/v1/warnings/{id}": {"get": {
            "summary": "One warning message", "parameters": [_ID],
            "responses": {"200": warning, "404": _ERROR}}},
        "/api/plaza/v1/warnings/{id}.cap": {"get": {
            "summary": "The warning as a CAP 1.2 document (as received for an import)", "parameters": [_ID],
            "responses": {"200": {"description": "CAP 1.2", "content": {"application/cap+xml": {}}},
                          "404": _ERROR}}},
        "/api/plaza/v1/warnings/{id}/update": {"post": {
            "summary": "Update a warning (the fields that change); it replaces the warning in every pin",
            "security": _BEARER, "parameters": [_ID],
            "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
            "responses": written}},
        "/api/plaza/v1/warnings/{id}/cancel": {"post": {
            "summary": "Cancel (解除) a warning: it leaves every timeline and hot list at once",
            "security": _BEARER, "parameters": [_ID],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"note": _STR}}}}},
            "responses": written}},
    }
