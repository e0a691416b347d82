"""Stored images served over HTTP (``/media/<name>`` and ``/media/<grant>/<name>``), to those
who may have them (:func:`plaza.square.media.find`): a public post's image or a profile picture
to anyone, with caching; a followers-only or direct post's image to a viewer who may see the post
— signed in (web session or bearer token) or holding a signed, expiring link — never cached; an
upload not yet on a post to its uploader. Anything else is 404, as if it did not exist."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from plaza.errors import NotFound
from plaza.identity import tokens
from plaza.square import accounts, media
from plaza.web.sessions import current_account

#: What a stored file's name looks like (random hex now, ``<id>.<ext>`` before migration 0010).
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.(?:jpg|png|gif|webp)")
#: A public file's name never changes its content, so browsers and proxies may keep it.
PUBLIC_CACHE = "public, max-age=604800, immutable"
PRIVATE_CACHE = "private, no-store"


def viewer_id(request: Request) -> int | None:
    """The asking account: a bearer token's (that may read statuses), else the web session's;
    None when neither is valid (a bad token is no one, not an error: the answer is 404)."""
    header = request.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        db = request.app.state.plaza.db
        token = tokens.authenticate(db, header[7:].strip())
        if token is None or token.account_id is None or not tokens.scope_allows(token.scopes, "read:statuses"):
            return None
        try:
            account = accounts.get_acting(db, token.account_id)
        except NotFound:
            return None
        return None if account.suspended or not account.approved else int(account.id)
    account = current_account(request)
    return int(account.id) if account is not None else None


async def serve(request: Request) -> Response:
    name = request.path_params["name"]
    if not NAME.fullmatch(name):
        raise NotFound("not_found")
    plaza = request.app.state.plaza
    grant = request.path_params.get("grant")
    granted = grant is not None and media.granted(name, grant)
    servable = await plaza.read(lambda: media.find(plaza.db, name, granted=granted,
                                                   viewer=lambda: viewer_id(request)))
    path = plaza.settings.media_dir / name
    if servable is None or not path.is_file():
        raise NotFound("not_found")
    headers = {"Cache-Control": PUBLIC_CACHE if servable.public else PRIVATE_CACHE,
               "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=servable.content_type, headers=headers)


def routes() -> list[BaseRoute]:
    return [
        Route("/media/{name}", serve, methods=["GET", "HEAD"]),
        Route("/media/{grant}/{name}", serve, methods=["GET", "HEAD"]),
    ]
