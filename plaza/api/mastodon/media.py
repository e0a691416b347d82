"""Image attachments: upload (``/api/v1/media`` and ``/api/v2/media``, multipart ``file`` and
``description``; rate-limited per account), read and describe. Decoding runs off the event loop,
a few images at a time (:func:`plaza.actions.upload_media`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plaza import actions
from plaza.errors import Invalid
from plaza.http.bearer import authenticate
from plaza.http.context import plaza_of
from plaza.http.params import path_id, read_params
from plaza.http.responses import ORJSONResponse
from plaza.square import media

from .entities import Renderer

#: Room for the multipart envelope and a description around the image itself.
ENVELOPE = 64 * 1024


async def upload(request: Request) -> Response:
    plaza = plaza_of(request)
    caller = authenticate(request, "write:media")
    limit = plaza.settings.max_image_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + ENVELOPE:
        raise Invalid("media_too_large", limit_mb=limit // (1024 * 1024))
    params = await read_params(request)
    file = params.file("file")
    if file is None:
        raise Invalid("media_missing")
    row = await actions.upload_media(plaza, caller.account_id, file, description=params.text("description"))
    return ORJSONResponse(Renderer(plaza.settings.base_url).media(row))


async def show(request: Request) -> Response:
    caller = authenticate(request, "write:media")
    plaza = plaza_of(request)
    row = media.get(plaza.db, caller.account_id, path_id(request))
    return ORJSONResponse(Renderer(plaza.settings.base_url).media(row))


async def describe(request: Request) -> Response:
    caller = authenticate(request, "write:media")
    plaza = plaza_of(request)
    media_id = path_id(request)
    row = media.get(plaza.db, caller.account_id, media_id)
    params = await read_params(request)
    if "description" in params:
        row = media.describe(plaza.db, caller.account_id, media_id, params.text("description"))
    return ORJSONResponse(Renderer(plaza.settings.base_url).media(row))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/media", upload, methods=["POST"]),
        Route("/api/v2/media", upload, methods=["POST"]),
        Route("/api/v1/media/{id}", show, methods=["GET"]),
        Route("/api/v1/media/{id}", describe, methods=["PUT"]),
    ]
