"""Uploading an image (上传图片): what the compose form and the Mastodon API call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from plaza.instance import Plaza
from plaza.square import media


async def upload_media(plaza: Plaza, account_id: int, data: bytes, *, description: str | None = None) -> Row[Any]:
    """Check, clean and store an image for a post to come (decoded on the bounded compute pool);
    returns the attachment, not yet on any post."""
    settings = plaza.settings
    return await plaza.compute(lambda: media.save_upload(
        plaza.db, settings.media_dir, account_id, data, max_bytes=settings.max_image_bytes,
        description=description))
