"""The OpenAPI description of help in emergencies (``/api/plaza/v1/help``)."""

from __future__ import annotations

from typing import Any

from .openapi_desk import _BEARER, _ERROR, _STR, _body, _json, _ref

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
}


def paths() -> dict[str, Any]:
    return {
        "/api/plaza/v1/help/detect": {"post": {
            "summary": "Screen a text for a help request: whether, what for, where, for how many, with a "
                       "contact (verifiers, moderators and administrators)", "security": _BEARER,
            "requestBody": _body({"text": _STR}, ["text"]),
            "responses": {"200": _json(_ref("HelpDetection"), "what screening found"), "401": _ERROR,
                          "403": _ERROR, "422": _ERROR}}},
    }
