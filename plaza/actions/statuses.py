"""Posting and reacting (发微博, 转发, 点赞, 删除): what every interface calls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Row

from plaza.actions import cases
from plaza.actions import help as help_actions
from plaza.errors import NotFound
from plaza.instance import Plaza
from plaza.square import accounts, media, posts, views
from plaza.square.posts import NewStatus
from plaza.square.views import StatusView
from plaza.square.visibility import may_review


async def post_status(plaza: Plaza, author_id: int, new: NewStatus, *, idempotency_key: str | None = None,
                      base_url: str | None = None,
                      admit: Callable[[Row[Any] | None], Any] = accounts.check_active) -> StatusView:
    """Publish a post (or a reply) and return it as shown to its author. ``admit`` sees the
    author's row inside the post's own transaction and refuses by raising (default: a suspended,
    pending or deleted account may not post). With an ``Idempotency-Key`` a retried request
    answers the first post. Counts for hot search: an original for its topics, a reply for its
    parent's."""
    plaza.limits.hit("posting", str(author_id))
    drafted = posts.draft(new, plaza.settings.max_post_chars)  # segmentation before the write lock
    base = plaza.settings.base_url if base_url is None else base_url
    db = plaza.db
    opened: list[int] = []  # a post to a service desk opens a case in the same commit
    intake = cases.post_intake(plaza, opened)
    # every public post is screened for a help request: scored before the write, the few that are
    # requests written as drafts for the verifiers in the post's own commit
    screening_on = plaza.settings.help_screening or help_actions.HELP_TOPIC in new.text  # #求助# files, always
    screened = (help_actions.screen(new.text, new.city)
                if screening_on and new.visibility in ("public", "unlisted") else None)
    found_help: list[int] = []
    screening = help_actions.post_screening(plaza, screened, found_help)

    def after(conn: Connection, published: posts.Published) -> None:
        intake(conn, published)
        screening(conn, published)

    done = await db.batched(lambda: posts.publish(db, author_id, drafted, idempotency_key=idempotency_key,
                                                  admit=admit, after=after))
    for case_id in opened:
        await cases.acknowledge_post(plaza, case_id, base)
    parent_id = new.in_reply_to_id
    if isinstance(done, posts.Published) and parent_id is None:
        view = views.published(done.status, done.author, done.mentioned, done.topics, done.media, base)
        plaza.hot.posted(view, done.author)
        return view
    status_id = done if isinstance(done, int) else int(done.status.id)

    def reread() -> StatusView:  # a retried request, or a reply (hot search wants its parent)
        with db.read() as conn:  # the author's own post: no visibility check needed
            loaded = views.load_with(conn, [status_id, *([parent_id] if parent_id else [])], author_id, base)
        if not loaded or loaded[0].status.id != status_id:  # deleted in the moment since
            raise NotFound("status_not_found")
        if isinstance(done, posts.Published):
            plaza.hot.posted(loaded[0], done.author, loaded[1] if len(loaded) > 1 else None)
        return loaded[0]

    return await plaza.read(reread)


async def delete_status(plaza: Plaza, actor: Row[Any], status_id: int) -> Row[Any]:
    """Delete a post (its author, or a moderator); returns the deleted row (its text serves
    delete-and-redraft). Its images are discarded with it and their files removed once that
    has committed."""
    db = plaza.db
    deleted = await db.batched(lambda: posts.delete_status(db, actor, status_id))
    await asyncio.to_thread(media.remove_discarded, db, plaza.settings.media_dir)
    return deleted


async def shown(plaza: Plaza, status_id: int, viewer: Row[Any] | None, base_url: str | None = None) -> StatusView:
    """A post as ``viewer`` may see it (404 otherwise; staff may open a suspended account's
    posts for review)."""
    base = plaza.settings.base_url if base_url is None else base_url
    db = plaza.db
    viewer_id = viewer.id if viewer is not None else None

    def load() -> StatusView:
        with db.read() as conn:
            posts.get_visible(conn, status_id, viewer_id)
            loaded = views.load_with(conn, [status_id], viewer_id, base, review=may_review(viewer))
        if not loaded:
            raise NotFound("status_not_found")
        return loaded[0]

    return await plaza.read(load)


async def favourite(plaza: Plaza, actor: Row[Any], status_id: int, *, base_url: str | None = None) -> StatusView:
    """Like (点赞) a post — a repost's original; liking twice is liking once. Returns the post as
    it now is; counts as an interaction for its topics."""
    db = plaza.db
    liked = await db.batched(lambda: posts.favourite_once(db, actor, status_id))
    view = await shown(plaza, liked.status_id, actor, base_url)
    if liked.new:  # a like counts once, however often it is sent
        plaza.hot.liked(view, actor)
    return view


async def unfavourite(plaza: Plaza, actor: Row[Any], status_id: int, *, base_url: str | None = None) -> StatusView:
    db = plaza.db
    original = await db.batched(lambda: posts.unfavourite(db, actor, status_id))
    return await shown(plaza, original, actor, base_url)


async def reblog(plaza: Plaza, actor: Row[Any], status_id: int, visibility: str = "public", *,
                 base_url: str | None = None) -> StatusView:
    """Repost (转发) a post; reposting twice answers the first repost. Rate-limited as posting;
    counts as discussion and interaction for the original's topics."""
    plaza.limits.hit("posting", str(actor.id))
    db = plaza.db
    repost = await db.batched(lambda: posts.reblog_once(db, actor, status_id, visibility))
    view = await shown(plaza, repost.status_id, actor, base_url)
    if repost.new:  # a repost counts once, however often it is sent
        plaza.hot.reposted(view, actor, view.status.visibility)
        if visibility in ("public", "unlisted"):  # 扩散: one more source of the help request it reports
            await help_actions.repost_screening(plaza, status_id, repost.status_id, actor.id)
    return view


async def unreblog(plaza: Plaza, actor: Row[Any], status_id: int, *, base_url: str | None = None) -> StatusView:
    db = plaza.db
    original = await db.batched(lambda: posts.unreblog(db, actor, status_id))
    return await shown(plaza, original, actor, base_url)
