"""How Open311 answers: JSON or XML by the resource's extension (``requests.json``,
``requests.xml``), UTF-8 either way, the XML schemaless and without a namespace as GeoReport v2
asks, the JSON its mapping by the Spark convention (a list of elements is a JSON array); errors in
the specification's own format (``[{"code": 400, "description": …}]`` / ``<errors><error>…``)
with the HTTP status it names: 400 for a request that cannot be fulfilled, 403 for a missing or
wrong ``api_key``, 404 for what does not exist. Descriptions are in the caller's language."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

import orjson
from starlette.requests import Request
from starlette.responses import Response

from plaza.errors import NotFound, PlazaError
from plaza.http.locale import request_locale

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
#: Lists in the answers and the element each item of them is in XML.
ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
#: Characters XML 1.0 cannot carry (what Plaza stores never has them, but an answer must parse).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Plaza's statuses, as GeoReport's error codes: a broken rule is a request that cannot be
#: fulfilled (400), no credentials are a wrong api_key (403); the rest keep their own.
_SPEC_STATUS = {422: 400, 409: 400, 401: 403}

Handler = Callable[[Request, str], Awaitable[Response]]


def response_format(request: Request) -> str:
    """``json`` or ``xml``, from the path; 404 for any other extension."""
    value = str(request.path_params.get("format", ""))
    if value not in FORMATS:
        raise NotFound("open311_format_unknown", format=value[:20])
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, value: Any, tag: str) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ElementTree.SubElement(element, key), inner, key)
    elif isinstance(value, (list, tuple)):
        item_tag = ITEM_TAGS.get(tag, "item")
        for inner in value:
            _fill(ElementTree.SubElement(element, item_tag), inner, item_tag)
    else:
        element.text = _text(value)


def xml_document(root: str, body: Any, item: str | None = None) -> bytes:
    """``body`` as GeoReport's XML: a list becomes ``<root><item>…</item>…</root>``, a mapping
    ``<root><key>…</key>…</root>``; None is an empty element, booleans ``true`` / ``false``."""
    element = ElementTree.Element(root)
    if isinstance(body, Sequence) and not isinstance(body, (str, bytes)):
        for entry in body:
            _fill(ElementTree.SubElement(element, item or "item"), entry, item or "item")
    else:
        _fill(element, body, root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="utf-8",
                                                                               xml_declaration=False)


def answer(fmt: str, body: Any, *, root: str, item: str | None = None, status: int = 200,
           headers: Mapping[str, str] | None = None) -> Response:
    """The answer in the format asked for: JSON as it is, XML under ``root`` (each list entry
    as ``item``)."""
    if fmt == "xml":
        return Response(xml_document(root, body, item), status_code=status, media_type=XML_TYPE,
                        headers=dict(headers or {}))
    return Response(orjson.dumps(body), status_code=status, media_type=JSON_TYPE, headers=dict(headers or {}))


def error_answer(request: Request, fmt: str, exc: PlazaError) -> Response:
    """A refusal in the specification's error format, described in the caller's language."""
    status = _SPEC_STATUS.get(exc.status, exc.status)
    body = [{"code": status, "description": exc.message(request_locale(request))}]
    headers = dict(exc.headers or {})
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return answer(fmt, body, root="errors", item="error", status=status, headers=headers)


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A GeoReport resource: called with the format its path asks for; whatever it refuses is
    answered in the specification's error format (JSON when the format itself is unknown)."""

    @functools.wraps(handler)
    async def serve(request: Request) -> Response:
        try:
            fmt = response_format(request)
        except PlazaError as exc:
            return error_answer(request, "json", exc)
        try:
            return await handler(request, fmt)
        except PlazaError as exc:
            return error_answer(request, fmt, exc)

    return serve
