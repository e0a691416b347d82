"""Posting and reacting: compose (with an image and reply-to), a post's page with its thread,
like (点赞), repost (转发) and delete — plain form posts, no script needed."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import actions
from plaza.errors import Invalid, NotFound
from plaza.http.locale import request_locale
from plaza.http.params import path_id
from plaza.square import pins, posts
from plaza.square.views import account_path
from plaza.web.common import form_id, load, plaza_of, require_viewer
from plaza.web.rendering import render, status_path
from plaza.web.sessions import checked_form, current_account, safe_next


def _text(form: FormData, name: str, limit: int = 100_000) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n")[:limit] if isinstance(value, str) else ""


def _compose_values(**values: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {"text": "", "visibility": "public", "reply_to": None,
                                "error": None, "idempotency_key": secrets.token_urlsafe(16)}
    defaults.update(values)
    return defaults


async def compose(request: Request) -> Response:
    """The compose page; ``?in_reply_to_id=`` makes it a reply form under that post."""
    viewer = require_viewer(request)
    reply_to = None
    reply_id = form_id(request.query_params.get("in_reply_to_id"), "in_reply_to_id")
    if reply_id is not None:
        posts.context(plaza_of(request).db, reply_id, viewer.id)  # 404 unless visible
        found = load(request, [reply_id], review=True)
        if not found:
            raise NotFound("status_not_found")
        reply_to = found[0]
    return render(request, "compose.html", _compose_values(reply_to=reply_to))


async def create_status(request: Request) -> Response:
    """Publish a post from the compose form; on a rule broken, the form comes back with the text."""
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    settings = plaza.settings
    form = await checked_form(request, max_upload=True)
    text = _text(form, "text")
    upload = form.get("image")
    has_image = isinstance(upload, UploadFile) and bool(upload.filename)
    new = posts.NewStatus(
        text=text, visibility=_text(form, "visibility", 20) or "public",
        in_reply_to_id=form_id(form.get("in_reply_to_id"), "in_reply_to_id"),
        media_ids=(0,) if has_image else ())
    try:
        posts.validate(new, settings.max_post_chars)  # before the image is decoded and stored
        media_ids: tuple[int, ...] = ()
        if has_image:
            assert isinstance(upload, UploadFile)
            attachment = await actions.upload_media(plaza, viewer.id, upload,
                                                    description=_text(form, "description", 1500) or None)
            media_ids = (attachment.id,)
        view = await actions.post_status(plaza, viewer.id, replace(new, media_ids=media_ids), base_url="",
                                         idempotency_key=_text(form, "idempotency_key", 64) or None)
    except Invalid as exc:
        reply_to = load(request, [new.in_reply_to_id]) if new.in_reply_to_id else []
        return render(request, "compose.html", _compose_values(
            text=text, visibility=new.visibility, reply_to=reply_to[0] if reply_to else None,
            error=exc.message(request_locale(request))), status_code=exc.status)
    default = status_path(viewer, view.status.id)
    return RedirectResponse(safe_next(_text(form, "next", 2000), default), status_code=303)


async def status_page(request: Request) -> Response:
    """A post with its thread: ancestors above, replies below, and a reply form."""
    status_id = path_id(request, "status_id")
    viewer = current_account(request)
    db = plaza_of(request).db
    # context checks the viewer may open the post and its thread (staff: a suspended account's)
    ancestors, descendants = posts.context(db, status_id, viewer.id if viewer else None)
    found = load(request, [status_id], review=True)
    if not found:
        raise NotFound("status_not_found")
    view = found[0]
    if view.reblog is not None:
        return RedirectResponse(status_path(view.reblog.account, view.reblog.status.id), status_code=303)
    if view.account.username != request.path_params["username"]:
        return RedirectResponse(status_path(view.account, status_id), status_code=303)
    return render(request, "status.html", {
        "view": view, "warning_marks": pins.marks_of(db, [status_id]), "ancestors": load(request, ancestors, review=True),
        "replies": load(request, descendants, review=True),
        **_compose_values(reply_to=view)})


async def _act(request: Request, action: str) -> Response:
    viewer = require_viewer(request)
    plaza = plaza_of(request)
    form = await checked_form(request)
    status_id = path_id(request, "status_id")
    back = safe_next(_text(form, "next", 2000), "/home")
    if action == "delete":
        deleted = await actions.delete_status(plaza, viewer, status_id)
        if back.split("?", 1)[0].endswith(f"/{deleted.id}"):  # its own page is gone
            back = account_path(viewer.username) if deleted.account_id == viewer.id else "/"
    else:
        act = {"favourite": actions.favourite, "unfavourite": actions.unfavourite,
               "reblog": actions.reblog, "unreblog": actions.unreblog}[action]
        await act(plaza, viewer, status_id, base_url="")
    return RedirectResponse(back, status_code=303)


async def favourite(request: Request) -> Response:
    return await _act(request, "favourite")


async def unfavourite(request: Request) -> Response:
    return await _act(request, "unfavourite")


async def reblog(request: Request) -> Response:
    return await _act(request, "reblog")


async def unreblog(request: Request) -> Response:
    return await _act(request, "unreblog")


async def delete(request: Request) -> Response:
    return await _act(request, "delete")
