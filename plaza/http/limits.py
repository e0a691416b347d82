"""Bounds on what a request may bring, checked before any interface reads it: the body's size
(413: a declared ``Content-Length`` over the limit at once, a streamed body as soon as it passes
the limit, never buffered further), control characters in the URL (400), and — for the parameter
readers of every interface — control characters in decoded text and the nesting of JSON."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plaza.errors import BadRequest, PlazaError

#: Paths whose bodies carry an image (the media limit applies); every other body is small.
UPLOAD_PATHS = frozenset({"/api/v1/media", "/api/v2/media", "/statuses"})
#: Room for the multipart envelope and a description around an uploaded image.
UPLOAD_ENVELOPE = 64 * 1024
#: How deep a JSON body may nest: Mastodon's deepest parameter is two levels down.
MAX_JSON_DEPTH = 32
#: C0 control characters other than tab, line feed and carriage return (PostgreSQL refuses NUL
#: in text; none of them belongs in anything a person types).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class BodyTooLarge(PlazaError):
    """The request body is over the limit for its route (413)."""

    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("body_too_large", limit_kb=max(1, limit // 1024))


def check_text(value: str, name: str) -> str:
    """``value`` when it holds no control character but tab and line breaks; else 400 naming
    the parameter."""
    if CONTROL.search(value) or CONTROL.search(name):
        raise BadRequest("control_characters", name=CONTROL.sub("?", name)[:40])
    return value


def check_json(data: Any, name: str = "", depth: int = 0, *, controls: bool = True) -> None:
    """Refuse (400) a parsed JSON document nested deeper than :data:`MAX_JSON_DEPTH` or (with
    ``controls``) holding a control character in a key or a string."""
    if depth > MAX_JSON_DEPTH:
        raise BadRequest("body_too_deep", depth=MAX_JSON_DEPTH)
    if isinstance(data, str):
        if controls:
            check_text(data, name)
    elif isinstance(data, dict):
        for key, value in data.items():
            if controls:
                check_text(key, key)
            check_json(value, key, depth + 1, controls=controls)
    elif isinstance(data, list):
        for item in data:
            check_json(item, name, depth + 1, controls=controls)


#: A case filed on the web comes with up to four photos (plaza.desk.cases.MAX_PHOTOS).
CASE_FORM = re.compile(r"^/desks/[^/]{1,64}/new$")
CASE_PHOTOS = 4


def body_limit(path: str, max_body_bytes: int, max_image_bytes: int) -> int:
    """The most bytes a request body to ``path`` may have."""
    if path in UPLOAD_PATHS:
        return max(max_body_bytes, max_image_bytes + UPLOAD_ENVELOPE)
    if CASE_FORM.match(path):
        return max(max_body_bytes, CASE_PHOTOS * max_image_bytes + UPLOAD_ENVELOPE)
    return max_body_bytes


class RequestLimits:
    """ASGI middleware applying the bounds above to every HTTP request. Installed inside the
    session middleware, so a refusal is a page or JSON in the reader's language like any other
    error."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_image_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_image_bytes = max_image_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"], self.max_body_bytes, self.max_image_bytes)
        try:
            self._check_url(scope)
            declared = _content_length(scope)
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
        except PlazaError as exc:
            await _answer(scope, receive, send, exc)
            return
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the handler's read: the exception handlers answer 413.
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, bounded_receive, send)

    @staticmethod
    def _check_url(scope: Scope) -> None:
        check_text(scope["path"], "path")
        query = scope.get("query_string", b"").decode("latin-1")
        if CONTROL.search(unquote(query)):
            for key, value in parse_qsl(query, keep_blank_values=True):
                check_text(value, key)
            check_text(unquote(query), "query")  # in a part parse_qsl leaves out


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            text = value.decode("latin-1").strip()
            if not text.isdigit():
                raise BadRequest("body_invalid")
            return int(text)
    return None


async def _answer(scope: Scope, receive: Receive, send: Send, exc: PlazaError) -> None:
    from plaza.http.errors import plaza_error

    response = await plaza_error(Request(scope, receive), exc)
    if isinstance(exc, BodyTooLarge):
        # The body is not read: the connection cannot carry another request after this one.
        response.headers["Connection"] = "close"
    await response(scope, receive, send)
