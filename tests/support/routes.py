"""What the application serves, read from its route table: every (method, path, route) with
Mounts recursed into, the parameters a route's module reads, and an OpenAPI document for the
Mastodon routes built from them (for schemathesis)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

#: Parameters read by shared helpers (pagination, locale, search) rather than the handler's module.
COMMON_FIELDS = {"max_id", "since_id", "min_id", "limit", "offset", "lang", "id", "q", "status"}
#: How a handler's module reads its parameters: params.text("x"), form.get("x"), ….
READS = re.compile(r'\.(?:text|get|flag|id|ids|values|file|getlist|optional)\(\s*"([A-Za-z_\[\]]{1,40})"')
PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")
MASTODON_PREFIXES = ("/api/v1/", "/api/v2/", "/oauth/token", "/oauth/revoke", "/.well-known/")


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, Route | Mount]]:
    """(method, path template, route) for every route, Mounts recursed into."""
    for route in routes:
        if isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner:
                yield from walk(list(inner), prefix + route.path)
            else:
                yield "GET", prefix + route.path + "/{rest}", route
        elif isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    yield method, prefix + route.path_format, route


def fields_of(route: Route | Mount) -> list[str]:
    """The parameter names the route's module reads, and those every list reads."""
    if not isinstance(route, Route):
        return []
    module = inspect.getmodule(route.endpoint)
    source = inspect.getsource(module) if module is not None else ""
    names = {name.removesuffix("[]") for name in READS.findall(source)} | COMMON_FIELDS
    return sorted(names - {"csrf_token", "authorization", "content-type", "content-length"})


def mastodon_openapi(routes: list[BaseRoute]) -> dict[str, Any]:
    """An OpenAPI 3.0 document of the Mastodon routes Plaza serves: each path parameter a
    string, each parameter its module reads an optional string (query for GET and DELETE, a JSON
    or form body otherwise), any answer allowed — for checking that none is a server error."""
    paths: dict[str, dict[str, Any]] = {}
    for method, template, route in walk(routes):
        if not template.startswith(MASTODON_PREFIXES):
            continue
        path = PARAM.sub(lambda m: "{" + m.group(1) + "}", template)
        fields = fields_of(route)
        operation: dict[str, Any] = {
            "operationId": f"{method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path)}",
            "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                           for name in PARAM.findall(template)],
            "responses": {"default": {"description": "any answer but a server error"}},
        }
        if method in ("GET", "DELETE"):
            operation["parameters"] += [{"name": f, "in": "query", "required": False,
                                         "schema": {"type": "string"}} for f in fields]
        else:
            body = {"type": "object", "properties": {f: {"type": "string"} for f in fields}}
            operation["requestBody"] = {"required": False, "content": {
                "application/json": {"schema": body},
                "application/x-www-form-urlencoded": {"schema": body}}}
        paths.setdefault(path, {})[method.lower()] = operation
    return {"openapi": "3.0.3", "info": {"title": "Plaza's Mastodon API", "version": "1"},
            "paths": paths}
