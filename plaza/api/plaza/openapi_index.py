"""The OpenAPI description of the evaluation index (政务指数, ``/api/plaza/v1/index``)."""

from __future__ import annotations

from typing import Any

from plaza.accounts.kinds import DEPARTMENT_TYPES, LEVELS
from plaza.index.compute import DIMENSIONS, FLAGS, INDICATORS
from plaza.index.statistics import MEASURES

from .openapi_desk import _ERROR, _NSTR, _STR, _json, _ref

_INT = {"type": "integer"}
_NINT = {"type": ["integer", "null"]}
_NUM = {"type": "number"}
_NNUM = {"type": ["number", "null"]}
_BOOL = {"type": "boolean"}
_PERIOD_SCHEMA = {"type": "object", "required": ["key", "kind", "start", "end"],
                  "properties": {"key": _STR, "kind": _STR, "start": _STR, "end": _STR}}
_PERIOD = {"name": "period", "in": "query", "required": False, "schema": {"type": "string"},
           "description": "2026-11 (month), 2026-Q4, 2026-W45 or 2026-11-07 (Beijing time); default the newest "
                          "computed month. 422 for a period not begun or before the data; 404 when not computed."}
_FORMAT = {"name": "format", "in": "query", "required": False,
           "schema": {"type": "string", "enum": ["json", "csv", "xlsx"], "default": "json"}}
_TABLES = {"text/csv": {"schema": {"type": "string"}},
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string",
                                                                                          "format": "binary"}}}
_ACCOUNT = {"type": "object", "required": ["id", "username", "display_name"],
            "properties": {"id": _STR, "username": _STR, "display_name": _STR, "agency": _NSTR, "region_code": _NSTR,
                           "level": _NSTR, "department_type": _NSTR}}
_MOVED = {"type": "array", "items": {"type": "object", "required": ["indicator", "change"],
                                     "properties": {"indicator": _STR, "name": _STR, "name_en": _STR, "change": _NUM}},
          "description": "the indicators whose normalised score changed most since the previous period"}
_DIMS = {k: {**_NNUM, "description": f"{zh} {en} (0–100; null: no data)"} for k, (zh, en) in DIMENSIONS.items()}
_RANK = {"type": "object", "required": ["rank", "of"], "properties": {"rank": _INT, "of": _INT}}

_INTERVAL = {"type": ["array", "null"], "items": _NUM, "minItems": 2, "maxItems": 2,
             "description": "the 95% paired bootstrap percentile interval (null: fewer than 3 pairs or a constant side)"}
_POINT = {"type": "object", "required": ["username", "display_name", "region_code", "x", "y"],
          "properties": {"username": _STR, "display_name": _STR, "region_code": _NSTR, "level": _NSTR,
                         "department_type": _NSTR,
                         "statistic_region_code": {**_STR, "description": "the code whose statistic was used: the "
                                                   "account's own, else its city's, else its province's"},
                         "year": _INT, "x": {**_NUM, "description": "the statistic"},
                         "y": {**_NUM, "description": "the influence measure"}}}

SCHEMAS: dict[str, Any] = {
    "IndexRanking": {
        "type": "object", "description": "a group's ranking for a period, best first",
        "required": ["period", "computed_at", "settings", "filters", "total", "median", "accounts"],
        "properties": {
            "period": _PERIOD_SCHEMA, "computed_at": _NSTR,
            "settings": {"type": "object", "description": "the composite's weights and the hot-event window"},
            "filters": {"type": "object"}, "total": _INT, "limit": _INT, "offset": _INT,
            "median": {"type": "object", "description": "the group's median composite and dimensions"},
            "accounts": {"type": "array", "items": {
                "type": "object",
                "required": ["rank", "overall_rank", "account", "composite", "bci", "flags", "why_moved"],
                "properties": {"rank": _INT, "overall_rank": _INT, "previous_rank": _NINT,
                               "movement": {**_NINT, "description": "places gained in the group (negative: lost)"},
                               "account": _ACCOUNT, "composite": _NUM, **_DIMS,
                               "bci": {**_NUM, "description": "清博 BCI over the period's totals"},
                               "wci": {**_NNUM, "description": "WCI 2.0, where reads are known"},
                               "partial": _BOOL,
                               "flags": {"type": "array", "items": {"type": "string", "enum": list(FLAGS)}},
                               "why_moved": _MOVED}}},
        },
    },
    "IndexAccount": {
        "type": "object", "description": "one government account's index for a period",
        "required": ["account", "period", "composite", "dimensions", "bci", "ranks", "indicators", "history"],
        "properties": {
            "account": _ACCOUNT, "period": _PERIOD_SCHEMA, "computed_at": _NSTR, "settings": {"type": "object"},
            "composite": _NUM, "dimensions": {"type": "object", "properties": _DIMS}, "partial": _BOOL,
            "bci": {"type": "object", "required": ["value"], "properties": {"value": _NUM, "w1": _NUM, "w2": _NUM}},
            "wci": {"type": ["object", "null"], "properties": {"value": _NUM, "read": _NUM, "like": _NUM}},
            "ranks": {"type": "object", "required": ["overall", "region", "level", "department_type"],
                      "properties": {"overall": _RANK, "region": _RANK, "level": _RANK, "department_type": _RANK}},
            "previous_rank": _NINT,
            "flags": {"type": "array", "items": {"type": "object", "properties": {"key": _STR, "name": _STR,
                                                                                  "name_en": _STR}}},
            "indicators": {"type": "array", "items": {
                "type": "object", "required": ["key", "name", "value", "score", "group_median"],
                "properties": {"key": {"type": "string", "enum": [i.key for i in INDICATORS]}, "name": _STR,
                               "name_en": _STR, "dimension": _NSTR, "value": _NNUM, "score": _NNUM,
                               "group_median": _NNUM}}},
            "why_moved": _MOVED,
            "history": {"type": "array", "items": {"type": "object", "required": ["period", "composite", "rank"],
                                                   "properties": {"period": _STR, "composite": _NUM, "rank": _INT,
                                                                  **_DIMS, "group_median": _NNUM}}},
            "group": {"type": "object"},
        },
    },
    "IndexEvents": {
        "type": "object", "description": "the period's hot events (热点事件), who had to answer each and who did",
        "required": ["period", "events_count", "answered", "rate", "by_region", "by_department_type", "events"],
        "properties": {
            "period": _PERIOD_SCHEMA, "events_count": _INT, "answered": _INT, "rate": _NNUM,
            "by_region": {"type": "array", "items": {"type": "object"}},
            "by_department_type": {"type": "array", "items": {"type": "object"}},
            "events": {"type": "array", "items": {
                "type": "object", "required": ["topic", "list", "reached_at", "responsible", "answered"],
                "properties": {"topic": _STR, "list": _STR, "reached_at": _STR, "region_code": _NSTR,
                               "department_type": _NSTR, "responsible": {"type": "array", "items": {"type": "object"}},
                               "answered": _BOOL, "answered_by": {"type": ["object", "null"]},
                               "minutes": _NNUM}}},
        },
    },
    "IndexCorrelations": {
        "type": "object",
        "description": "influence against a city's development: each influence measure of a period correlated "
                       "with the imported city statistics, over all accounts, per level and per department type",
        "required": ["period", "year", "years", "statistics", "measures", "groups", "rows", "points", "summary"],
        "properties": {
            "period": _PERIOD_SCHEMA,
            "year": {**_NINT, "description": "the statistics' year asked for (null: per region, the latest up to "
                                             "the period's year)"},
            "years": {"type": "object", "additionalProperties": {"type": "array", "items": _INT},
                      "description": "per statistic, the years the pairs used"},
            "statistics": {"type": "array", "items": _STR}, "measures": {"type": "array", "items": _STR},
            "groups": {"type": "array", "items": _STR,
                       "description": "all, level:<level>, department_type:<type> (those with accounts)"},
            "accounts": _INT, "paired": {**_INT, "description": "accounts paired with at least one statistic"},
            "rows": {"type": "array", "items": {
                "type": "object",
                "required": ["measure", "statistic", "group", "n", "pearson", "pearson_ci", "pearson_p", "spearman",
                             "spearman_ci", "spearman_p"],
                "properties": {"measure": {"type": "string", "enum": list(MEASURES)}, "statistic": _STR,
                               "group": _STR, "n": {**_INT, "description": "pairs with a value on both sides"},
                               "pearson": _NNUM, "pearson_ci": _INTERVAL, "pearson_p": _NNUM,
                               "spearman": _NNUM, "spearman_ci": _INTERVAL, "spearman_p": _NNUM}}},
            "points": {"type": "object", "description": "the scatter plots over all accounts: measure → statistic → points",
                       "additionalProperties": {"type": "object",
                                                "additionalProperties": {"type": "array", "items": _POINT}}},
            "summary": {"type": "array", "items": _STR, "description": "a short written summary, in the reader's language"},
        },
    },
}


def paths() -> dict[str, Any]:
    prefix = "/api/plaza/v1/index"
    limit = {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}
    offset = {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}}
    filters = [
        {"name": "region", "in": "query", "required": False, "schema": {"type": "string", "pattern": "^[0-9]{6}$"},
         "description": "a GB/T 2260 code: a province holds its cities and counties; 000000 the national bodies"},
        {"name": "level", "in": "query", "required": False, "schema": {"type": "string", "enum": list(LEVELS)}},
        {"name": "department_type", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(DEPARTMENT_TYPES)}},
        {"name": "matrix", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "a matrix (政务矩阵) by id or name"},
    ]
    return {
        prefix: {"get": {
            "summary": "The ranking of government accounts (政务指数) for a period — public, exportable",
            "parameters": [_PERIOD, *filters, limit, offset, _FORMAT],
            "responses": {"200": {"description": "the ranking", "content": {
                "application/json": {"schema": _ref("IndexRanking")}, **_TABLES}},
                "404": _ERROR, "422": _ERROR}}},
        prefix + "/events": {"get": {
            "summary": "Hot events (热点事件) and the response rate (回应率) of their responsible accounts",
            "parameters": [_PERIOD, _FORMAT],
            "responses": {"200": {"description": "the events", "content": {
                "application/json": {"schema": _ref("IndexEvents")}, **_TABLES}},
                "404": _ERROR, "422": _ERROR}}},
        prefix + "/correlations": {"get": {
            "summary": "Influence against a city's development: the index's measures correlated with city statistics",
            "parameters": [_PERIOD,
                           {"name": "year", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1900, "maximum": 2100},
                            "description": "the statistics' year; default per region the latest up to the period's"},
                           _FORMAT],
            "responses": {"200": {"description": "the correlations, points and summary", "content": {
                "application/json": {"schema": _ref("IndexCorrelations")}, **_TABLES}},
                "404": {**_ERROR, "description": "the period not computed, or no city statistics imported"},
                "422": _ERROR}}},
        prefix + "/accounts/{username}": {"get": {
            "summary": "One government account's indicators, composite, ranks in its groups, BCI, WCI and history",
            "parameters": [{"name": "username", "in": "path", "required": True, "schema": {"type": "string"}},
                           _PERIOD],
            "responses": {"200": _json(_ref("IndexAccount"), "the account's index"), "404": _ERROR,
                          "422": _ERROR}}},
    }
