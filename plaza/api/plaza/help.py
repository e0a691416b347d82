"""Help in emergencies through Plaza's API (``/api/plaza/v1/help``): for now the screening of a
text for a help request (``POST /api/plaza/v1/help/detect``, verifiers and administrators), the
detector every new public post will pass through (plaza.help.detect)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza.accounts import policy
from plaza.accounts.policy import Permission
from plaza.errors import Invalid
from plaza.help import detect
from plaza.http.bearer import authenticate
from plaza.http.context import plaza_of
from plaza.http.params import read_params
from plaza.http.responses import ORJSONResponse

#: Characters screened at most (a post is 500; a pasted template a little more).
MAX_TEXT_CHARS = 5000


async def detect_request(request: Request) -> Response:
    caller = authenticate(request, "read")
    policy.require(caller.user, Permission.VERIFY_HELP, key="help_verifiers_only")
    params = await read_params(request)
    text = params.text("text")
    if text is None or not text.strip():
        raise Invalid("parameter_missing", name="text")
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid("text_too_long", limit=MAX_TEXT_CHARS, length=len(text))
    hint = caller.user.home_city or None
    found = await plaza_of(request).compute(lambda: detect.detect(text, hint))
    return ORJSONResponse(found.as_json())


def routes() -> list[BaseRoute]:
    return [Route("/api/plaza/v1/help/detect", detect_request, methods=["POST"])]
