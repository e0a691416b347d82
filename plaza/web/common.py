"""Small helpers shared by the page handlers: the instance, the signed-in viewer, paging."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from starlette.requests import Request

from plaza.http.context import plaza_of
from plaza.square import pins, views
from plaza.square.pagination import Page, parse_id, parse_page
from plaza.square.visibility import may_review
from plaza.web.errors import SignInRequired
from plaza.web.sessions import current_account

PAGE_SIZE = 20


def require_viewer(request: Request) -> Row[Any]:
    viewer = current_account(request)
    if viewer is None:
        raise SignInRequired()
    return viewer


def page_of(request: Request) -> Page:
    """Newest first, below ``max_id`` (the "older" link); the web pages use no other cursor."""
    return parse_page({"max_id": request.query_params.get("max_id"), "limit": str(PAGE_SIZE)})


def older_than(ids: list[int], page: Page) -> int | None:
    """The ``max_id`` of the next (older) page, when this one was full."""
    return ids[-1] if ids and len(ids) >= page.limit else None


def load(request: Request, ids: list[int], *, review: bool = False) -> list[views.StatusView]:
    """The posts of ``ids`` for the signed-in viewer (``review``: staff opening posts they were
    allowed to, a suspended account's included; see ``views.load``)."""
    viewer = current_account(request)
    return views.load(plaza_of(request).db, ids, viewer.id if viewer else None, "",
                      review=review and may_review(viewer))


def form_id(value: Any, name: str = "id") -> int | None:
    return parse_id(value if isinstance(value, str) else None, name)


def timeline(request: Request, ids: list[int], page: Page, pinned: list[int] | None = None) -> dict[str, Any]:
    """The template values of a list of posts with its "older" link; the topics shown count as
    read (阅读) for hot search, as on the API's timelines. ``pinned`` (the warnings in force for
    the page's city) come first on the top page and are left out further down."""
    shown = pins.put_first(pinned or [], ids, page)
    statuses = load(request, shown)
    plaza_of(request).hot.displayed(statuses, current_account(request))
    return {"statuses": statuses, "older_max_id": older_than(ids, page),
            "warning_marks": pins.marks_of(plaza_of(request).db, [v.status.id for v in statuses])}
