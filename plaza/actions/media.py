"""Uploading an image (上传图片): what the compose form, the Mastodon API and the profile editor
call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from plaza.instance import Plaza
from plaza.square import media


async def upload_media(plaza: Plaza, account_id: int, file: media.Readable, *, description: str | None = None,
                       purpose: str = "status") -> Row[Any]:
    """Check, clean and store an image — for a post to come, or a profile's ``avatar`` or
    ``header`` (``purpose``). Rate-limited per account (``media_upload``); the file is read only
    once its turn to be decoded comes, on the decoding threads (:func:`plaza.square.media.upload`:
    429 when too many wait). Returns the attachment, not yet on any post."""
    plaza.limits.hit("media_upload", str(account_id))
    settings = plaza.settings
    return await media.upload(plaza.db, settings.media_dir, account_id, file,
                              max_bytes=settings.max_image_bytes, description=description, purpose=purpose)
