"""Response headers that keep pages from being framed or loading anything from elsewhere, and
browsers on HTTPS once they have come over it."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Pages load only what Plaza itself serves: no CDN, no inline script, no third-party frames.
CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:"
#: A year of HTTPS only (sent only when PLAZA_PUBLIC_URL is https, else it would lock people out).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def add_security_headers(headers: MutableHeaders, *, hsts: bool) -> None:
    """``X-Content-Type-Options: nosniff`` (and HSTS when ``hsts``) on every response;
    ``X-Frame-Options``, ``Content-Security-Policy``, ``Referrer-Policy`` and ``Cache-Control``
    on HTML."""
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if hsts:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if headers.get("content-type", "").startswith("text/html"):
        headers["X-Frame-Options"] = "DENY"
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["Referrer-Policy"] = "same-origin"
        headers.setdefault("Cache-Control", "no-store")


class SecurityHeaders:
    """Adds :func:`add_security_headers` to every HTTP response."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message), hsts=self.hsts)
            await send(message)

        await self.app(scope, receive, send_with_headers)
