"""Image attachments: the real type and size are checked with Pillow, metadata (EXIF, GPS) is
stripped by re-encoding, and files are stored on disk under the data folder."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Row, insert, select, update

from plaza.clock import utcnow
from plaza.errors import Invalid, NotFound
from plaza.square import views
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import media_attachments

#: Pillow format → (content type, file extension).
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "GIF": ("image/gif", "gif"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000


def save_upload(db: Database, media_dir: Path, account_id: int, data: bytes, *,
                max_bytes: int, description: str | None = None) -> Row[Any]:
    """Check, clean and store an uploaded image; returns the attachment row (not yet on a post)."""
    if not data:
        raise Invalid("media_missing")
    if len(data) > max_bytes:
        raise Invalid("media_too_large", limit_mb=max_bytes // (1024 * 1024))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            if fmt not in FORMATS:
                raise Invalid("media_type_invalid")
            if probe.width * probe.height > MAX_PIXELS:
                raise Invalid("media_corrupt")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid("media_corrupt") from exc
    content_type, ext = FORMATS[fmt]
    media_id = new_id()
    if fmt == "GIF":
        cleaned = data  # re-encoding would drop animation; GIF carries no EXIF location
    else:
        image = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        save_args: dict[str, Any] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format=fmt, **save_args)
        cleaned = out.getvalue()
    name = f"{media_id}.{ext}"
    media_dir.mkdir(parents=True, exist_ok=True)
    tmp = media_dir / (name + ".tmp")
    tmp.write_bytes(cleaned)
    tmp.replace(media_dir / name)
    with db.write() as conn:
        conn.execute(insert(media_attachments).values(
            id=media_id, account_id=account_id, status_id=None, type="image", content_type=content_type,
            file_name=name, file_size=len(cleaned), width=image.width, height=image.height,
            description=(description or None) and description[:1500], created_at=utcnow()))
        return conn.execute(select(media_attachments).where(media_attachments.c.id == media_id)).one()


def get(db: Database, account_id: int, media_id: int) -> Row[Any]:
    with db.read() as conn:
        row = conn.execute(select(media_attachments).where(
            media_attachments.c.id == media_id, media_attachments.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("not_found")
    return row


def describe(db: Database, account_id: int, media_id: int, description: str | None) -> Row[Any]:
    with db.write() as conn:
        conn.execute(update(media_attachments).where(
            media_attachments.c.id == media_id, media_attachments.c.account_id == account_id)
            .values(description=(description or None) and description[:1500]))
    row = get(db, account_id, media_id)
    views.forget_media(row.status_id)
    return row
