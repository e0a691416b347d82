"""Images (图片) of posts and profiles: checked before they are decoded, decoded within a budget,
stored resized without metadata under unguessable names with a thumbnail, served only to those
who may see them, and removed with their post or when never used.

- **Budget.** The header gives the format and size: an image over the pixel limit or of absurd
  proportions is refused before any decoding. A large JPEG is decoded at a reduced scale
  (``Image.draft``: 1/2 … 1/8 in the JPEG decoder itself). At most :data:`DECODERS` images are
  decoded at once per process, on threads of their own; a few more uploads wait their turn
  (:func:`upload`), beyond that the server answers 429 instead of holding them in memory.
- **Stored.** Within :data:`STORED_EDGE` on the long side (a long image, 长图, keeps its short
  side up to half of it, so its text stays legible), orientation applied, EXIF, XMP and text
  dropped (the colour profile kept); a thumbnail within :data:`THUMBNAIL_EDGE` for timelines.
  GIFs are kept as sent (animation included; they carry no EXIF).
- **Names and access.** Every file has a random 128-bit name. A public or unlisted post's image
  and a profile picture are served to anyone who has the name (as Mastodon does); a
  followers-only or direct post's only to those who may see the post, or with a signed,
  expiring link (:func:`file_path`), which the API and the pages give those entitled to it; an
  upload not yet on a post only to its uploader (:func:`find`).
- **Removal.** Deleting a post discards its images in the same transaction
  (:func:`discard_of_status`); their files go once it commits (:func:`remove_discarded`).
  Uploads never attached within a day and profile pictures no longer in use are removed by
  :func:`cleanup` (a background task, and ``plaza media cleanup``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import logging
import os
import secrets
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Connection, Row, and_, bindparam, delete, exists, insert, or_, select, update

from plaza.clock import utcnow
from plaza.errors import Invalid, NotFound, RateLimited
from plaza.square import posts, views
from plaza.storage.db import Database
from plaza.storage.ids import new_id
from plaza.storage.schema import accounts, media_attachments, statuses

log = logging.getLogger("plaza.media")
T = TypeVar("T")

#: Pillow format → (content type, file extension).
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "GIF": ("image/gif", "gif"), "WEBP": ("image/webp", "webp")}
CONTENT_TYPES = {ext: content_type for content_type, ext in FORMATS.values()}
#: What an image is for: a post's image, or a profile's pictures (public, never on a post).
PURPOSES = ("status", "avatar", "header")

# --- the decode budget --------------------------------------------------------------------------

#: The most pixels decoded in full (4096×4096, Mastodon's ``image_matrix_limit``): ~64 MB as RGBA.
MAX_PIXELS = 4096 * 4096
#: A baseline JPEG may be larger (a 48 MP phone photo): it is decoded at a reduced scale, so what
#: is decoded stays within :data:`MAX_PIXELS`. A progressive JPEG is held whole by the decoder
#: (its coefficients), so it gets :data:`MAX_PIXELS` like every other format.
MAX_JPEG_PIXELS = 8192 * 6144
#: Long side / short side: a 1×39,000,000 "image" is an attack, a long screenshot is not.
MAX_ASPECT = 50
#: An animation's frames × pixels: what a reader's device decodes to play it.
MAX_ANIMATION_PIXELS = 400_000_000
#: Images decoded at once per process, and uploads that may wait their turn beyond those.
DECODERS = 2
WAITING = 8
#: Seconds an upload refused for a full queue is told to wait.
BUSY_RETRY_AFTER = 5

# --- what is stored -----------------------------------------------------------------------------

#: Long side of the stored image, by purpose (Weibo's "large" is ~2048 px; Mastodon keeps ≤ 8.3 MP,
#: avatars 400 px and headers 1500 px).
STORED_EDGE = {"status": 2560, "avatar": 400, "header": 1500}
#: Long side of the timelines' thumbnail (Mastodon's "small" is ~640×360).
THUMBNAIL_EDGE = 640
#: A long image's thumbnail shows its top (or left) part, at most this many times as long as wide.
THUMBNAIL_MAX_ASPECT = 3
JPEG_QUALITY = 85
WEBP_QUALITY = 82
THUMBNAIL_QUALITY = 78
#: An opaque PNG larger than this once stored is kept as a JPEG if that is smaller (a photo
#: sent as PNG); screenshots, which PNG compresses well, stay PNG.
PNG_AS_JPEG_BYTES = 1024 * 1024
_ORIENTATION = 0x0112
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}

# --- removal ------------------------------------------------------------------------------------

#: An upload never attached to a post is removed after this long (and so is a replaced avatar).
UNUSED_FOR = timedelta(days=1)
#: How often each server process runs :func:`cleanup` (it is idempotent: several may).
CLEANUP_SECONDS = 3600.0


# --- checking and preparing an image (pure: bytes in, bytes out) ---------------------------------

@dataclass(frozen=True, slots=True)
class Prepared:
    """An image made ready to store: the file and its thumbnail (None when the image is small
    enough, or a GIF, to be its own preview)."""

    data: bytes
    ext: str
    width: int
    height: int
    thumbnail: bytes | None = None
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]


def stored_size(width: int, height: int, purpose: str = "status") -> tuple[int, int]:
    """The size an image is kept at: within the purpose's edge on its long side; a post's long
    image (长图, over 2:1) instead keeps its short side up to half that edge."""
    edge = STORED_EDGE[purpose]
    long_side, short_side = max(width, height), min(width, height)
    scale = edge / long_side
    if purpose == "status":
        scale = max(scale, edge / 2 / short_side)
    return _scaled(width, height, min(1.0, scale))


def _scaled(width: int, height: int, scale: float) -> tuple[int, int]:
    return max(1, round(width * scale)), max(1, round(height * scale))


def check(image: Image.Image) -> None:
    """Refuse, from the header alone, what is not an accepted format or costs too much to decode
    (422 with a message saying why)."""
    fmt = image.format or ""
    if fmt not in FORMATS:
        raise Invalid("media_type_invalid")
    width, height = image.size
    if width < 1 or height < 1:
        raise Invalid("media_corrupt")
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise Invalid("media_aspect_invalid", width=width, height=height, ratio=MAX_ASPECT)
    progressive = bool(image.info.get("progressive") or image.info.get("progression"))
    limit = MAX_JPEG_PIXELS if fmt == "JPEG" and not progressive else MAX_PIXELS
    if width * height > limit:
        raise Invalid("media_too_many_pixels", width=width, height=height,
                      megapixels=f"{limit / 1e6:.1f}", wan=round(limit / 1e4))


def _draft_scale(width: int, height: int, target: tuple[int, int]) -> int:
    """How much to shrink a JPEG while decoding it (1, 2, 4 or 8): as much as keeps it at least
    ``target``, and at least enough to decode no more than :data:`MAX_PIXELS`."""
    scale = 1
    while scale < 8:
        half = scale * 2
        still_large = width // half >= target[0] and height // half >= target[1]
        too_many = (width // scale) * (height // scale) > MAX_PIXELS
        if not (still_large or too_many):
            break
        scale = half
    return scale


def gif_frames(data: bytes, limit: int) -> int:
    """How many frames a GIF holds, counted from its block structure without decoding any (up
    to ``limit`` + 1: counting stops there). Pillow's own count walks each frame through its
    decoder's bookkeeping, seconds for an 8 MB file of tiny frames."""
    if len(data) < 13:
        raise Invalid("media_corrupt")
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0
    try:
        while at < len(data):
            block = data[at]
            if block == 0x3B:  # trailer
                break
            if block == 0x21:  # extension: label, then sub-blocks
                at += 2
            elif block == 0x2C:  # image: descriptor, local colour table, LZW code size, sub-blocks
                frames += 1
                if frames > limit:
                    return frames
                local = data[at + 9]
                at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
            else:
                raise Invalid("media_corrupt")
            while data[at] != 0:
                at += data[at] + 1
            at += 1
    except IndexError:  # cut short: browsers show the frames that arrived
        pass
    return frames


def _open(data: bytes) -> Image.Image:
    """The image's header read (nothing decoded yet)."""
    try:
        return Image.open(io.BytesIO(data), formats=list(FORMATS))
    except Image.DecompressionBombError as exc:  # Pillow's own, coarser limit (179 MP): no size to tell
        raise Invalid("media_corrupt") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        raise Invalid("media_corrupt") from exc


def prepare(data: bytes, purpose: str = "status") -> Prepared:
    """Check ``data`` (422 on anything wrong) and make the file to store and its thumbnail."""
    image = _open(data)
    with image:
        check(image)
        try:
            if image.format == "GIF":
                return _prepare_gif(image, data)
            return _prepare_still(image, purpose)
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, Image.DecompressionBombError) as exc:
            raise Invalid("media_corrupt") from exc


def _prepare_gif(image: Image.Image, data: bytes) -> Prepared:
    width, height = image.size
    frames = gif_frames(data, MAX_ANIMATION_PIXELS // (width * height))
    if frames * width * height > MAX_ANIMATION_PIXELS:
        raise Invalid("media_too_many_frames", frames=MAX_ANIMATION_PIXELS // (width * height),
                      width=width, height=height)
    image.load()  # the first frame decodes: the file is an image, not just a header
    return Prepared(data, "gif", width, height)


def _prepare_still(image: Image.Image, purpose: str) -> Prepared:
    fmt = image.format or ""
    width, height = image.size
    orientation = image.getexif().get(_ORIENTATION, 1)
    icc = image.info.get("icc_profile")
    target = stored_size(width, height, purpose)
    if fmt == "JPEG":
        scale = _draft_scale(width, height, target)
        if scale > 1:
            image.draft("RGB", (max(1, width // scale), max(1, height // scale)))
    image.load()
    picture = _plain(image)
    if picture.size != target:
        picture = picture.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation in _TRANSPOSE:
        picture = picture.transpose(_TRANSPOSE[orientation])
    picture.info = {}  # nothing of the original's metadata (EXIF, XMP, text) is written again
    data, ext = _encode(picture, fmt, icc)
    out = Prepared(data, ext, picture.width, picture.height)
    if purpose == "status" and max(picture.size) > THUMBNAIL_EDGE:
        thumb = _thumbnail(picture)
        buffer = io.BytesIO()
        thumb.save(buffer, format="WEBP", quality=THUMBNAIL_QUALITY)
        out = Prepared(data, ext, picture.width, picture.height, buffer.getvalue(), thumb.width, thumb.height)
    return out


def _plain(image: Image.Image) -> Image.Image:
    """The image in a mode every encoder takes: RGB, RGBA (when it has transparency) or L."""
    transparent = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if transparent:
        wanted = "RGBA"
    elif image.mode in ("1", "L"):
        wanted = "L"
    else:
        wanted = "RGB"
    return image if image.mode == wanted else image.convert(wanted)


def _encode(picture: Image.Image, fmt: str, icc: bytes | None) -> tuple[bytes, str]:
    extra: dict[str, Any] = {"icc_profile": icc} if icc else {}
    buffer = io.BytesIO()
    if fmt == "WEBP":
        picture.save(buffer, format="WEBP", quality=WEBP_QUALITY, **extra)
        return buffer.getvalue(), "webp"
    if fmt == "PNG":
        picture.save(buffer, format="PNG", **extra)
        if buffer.tell() <= PNG_AS_JPEG_BYTES or picture.mode == "RGBA":
            return buffer.getvalue(), "png"
        as_jpeg = io.BytesIO()
        picture.save(as_jpeg, format="JPEG", quality=JPEG_QUALITY, **extra)
        if as_jpeg.tell() >= buffer.tell():
            return buffer.getvalue(), "png"
        return as_jpeg.getvalue(), "jpg"
    if picture.mode == "RGBA":
        picture = picture.convert("RGB")
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY, **extra)
    return buffer.getvalue(), "jpg"


def _thumbnail(picture: Image.Image) -> Image.Image:
    width, height = picture.size
    if height > THUMBNAIL_MAX_ASPECT * width:  # a long image: its top
        picture = picture.crop((0, 0, width, THUMBNAIL_MAX_ASPECT * width))
    elif width > THUMBNAIL_MAX_ASPECT * height:
        picture = picture.crop((0, 0, THUMBNAIL_MAX_ASPECT * height, height))
    width, height = picture.size
    size = _scaled(width, height, min(1.0, THUMBNAIL_EDGE / max(width, height)))
    return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# --- storing an upload --------------------------------------------------------------------------

#: Held while an image is decoded and encoded, whoever calls (the upload queue's threads, the
#: command line): the memory the budget allows is per image.
_decoding = threading.BoundedSemaphore(DECODERS)


def new_file_name(ext: str) -> str:
    """A file's name: 128 random bits, so neither an id nor another file's name leads to it."""
    return f"{secrets.token_hex(16)}.{ext}"


#: Characters of an image's description (alt text), as Mastodon's.
MAX_DESCRIPTION_CHARS = 1500


def checked_description(description: str | None) -> str | None:
    """The description as given (None when blank); too long is refused, never cut short."""
    if description and len(description) > MAX_DESCRIPTION_CHARS:
        raise Invalid("media_description_too_long", limit=MAX_DESCRIPTION_CHARS, length=len(description))
    return description or None


def save_upload(db: Database, media_dir: Path, account_id: int, data: bytes, *, max_bytes: int,
                description: str | None = None, purpose: str = "status") -> Row[Any]:
    """Check, clean and store an uploaded image; returns the row (a post's image is not on a
    post yet: :func:`plaza.square.posts.publish` attaches it)."""
    description = checked_description(description)
    if not data:
        raise Invalid("media_missing")
    if len(data) > max_bytes:
        raise Invalid("media_too_large", limit_mb=max_bytes // (1024 * 1024))
    with _decoding:
        prepared = prepare(data, purpose)
    media_dir.mkdir(parents=True, exist_ok=True)
    name = new_file_name(prepared.ext)
    thumbnail = new_file_name("webp") if prepared.thumbnail is not None else None
    written = [_write(media_dir, name, prepared.data)]
    try:
        if thumbnail is not None:
            assert prepared.thumbnail is not None
            written.append(_write(media_dir, thumbnail, prepared.thumbnail))
        media_id = new_id()
        with db.write() as conn:
            conn.execute(insert(media_attachments).values(
                id=media_id, account_id=account_id, status_id=None, type="image", purpose=purpose,
                content_type=prepared.content_type, file_name=name, file_size=len(prepared.data),
                width=prepared.width, height=prepared.height, thumbnail_file_name=thumbnail,
                thumbnail_width=prepared.thumbnail_width, thumbnail_height=prepared.thumbnail_height,
                description=description, created_at=utcnow()))
            return conn.execute(select(media_attachments).where(media_attachments.c.id == media_id)).one()
    except BaseException:
        for path in written:  # no row will ever name them
            path.unlink(missing_ok=True)
        raise


def _write(media_dir: Path, name: str, data: bytes) -> Path:
    path = media_dir / name
    tmp = media_dir / (name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


class Readable(Protocol):
    """An uploaded file as the interface layers have it (Starlette's ``UploadFile``)."""

    async def read(self, size: int = -1) -> bytes: ...


class _Queue:
    """Images are decoded on :data:`DECODERS` threads of this process (not the thread pool
    every request shares, which waiting uploads would fill); up to :data:`WAITING` uploads more
    wait their turn, unread; beyond that an upload is refused with 429, so a burst of uploads
    never holds more than a few images in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._admitted = 0
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():  # a forked worker starts its own
                self._pool = ThreadPoolExecutor(DECODERS, thread_name_prefix="plaza-media")
                self._pid = os.getpid()
            return self._pool

    def _take(self) -> bool:
        with self._lock:
            if self._admitted >= DECODERS + WAITING:
                return False
            self._admitted += 1
            return True

    def _release(self, *_: object) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, read: Callable[[], Awaitable[bytes]], work: Callable[[bytes], T]) -> T:
        """``read`` the upload once admitted, then ``work`` on it on a decoding thread. The
        place is held until the thread is done, even if the client has gone."""
        if not self._take():
            raise RateLimited("media_busy", retry_after=BUSY_RETRY_AFTER)
        submitted = False
        try:
            data = await read()
            future = self._executor().submit(work, data)
            submitted = True
            future.add_done_callback(self._release)
            return await asyncio.wrap_future(future)
        finally:
            if not submitted:
                self._release()


_queue = _Queue()


async def upload(db: Database, media_dir: Path, account_id: int, file: Readable, *, max_bytes: int,
                 description: str | None = None, purpose: str = "status") -> Row[Any]:
    """:func:`save_upload` for a request: off the event loop, in turn (429 ``media_busy`` when
    too many are waiting)."""
    return await _queue.run(
        lambda: file.read(max_bytes + 1),
        lambda data: save_upload(db, media_dir, account_id, data, max_bytes=max_bytes,
                                 description=description, purpose=purpose))


def get(db: Database, account_id: int, media_id: int) -> Row[Any]:
    with db.read() as conn:
        row = conn.execute(select(media_attachments).where(
            media_attachments.c.id == media_id, media_attachments.c.account_id == account_id,
            media_attachments.c.discarded_at.is_(None))).first()
    if row is None:
        raise NotFound("not_found")
    return row


def describe(db: Database, account_id: int, media_id: int, description: str | None) -> Row[Any]:
    description = checked_description(description)
    with db.write() as conn:
        conn.execute(update(media_attachments).where(
            media_attachments.c.id == media_id, media_attachments.c.account_id == account_id)
            .values(description=description))
    row = get(db, account_id, media_id)
    views.forget_media(row.status_id)
    return row


# --- links: the name is the capability, or a signed, expiring grant -------------------------------

#: A signed link stays valid for at least this long and at most twice as long; within each
#: period a file's link does not change.
GRANT_SECONDS = 12 * 3600
_grant_key = secrets.token_bytes(32)  # until use_secret(): links hold in this process only


def use_secret(secret_key: str) -> None:
    """Sign links with a key derived from the instance secret, so every worker process (and the
    next start) accepts the links any of them gave out."""
    global _grant_key
    _grant_key = hmac.new(secret_key.encode(), b"plaza media links", hashlib.sha256).digest()


def _signature(name: str, expires: int) -> str:
    mac = hmac.new(_grant_key, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()
    return mac[:32]


def grant(name: str, now: float | None = None) -> str:
    """The signed, expiring part of a link to ``name``: ``<expires>-<signature>``."""
    moment = time.time() if now is None else now
    expires = (int(moment) // GRANT_SECONDS + 2) * GRANT_SECONDS
    return f"{expires}-{_signature(name, expires)}"


def granted(name: str, grant_text: str, now: float | None = None) -> bool:
    """Whether ``grant_text`` is an unexpired grant for ``name``."""
    expires_text, _, signature = grant_text.partition("-")
    if not expires_text.isdigit() or len(expires_text) > 12 or len(signature) != 32:
        return False
    expires = int(expires_text)
    if expires <= (time.time() if now is None else now):
        return False
    return hmac.compare_digest(signature, _signature(name, expires))


#: Pictures of a profile (public, in use while the profile shows them); a case's photos
#: (purpose "case") belong to their case and are kept with it.
PROFILE_PURPOSES = ("avatar", "header")


def is_public(row: Row[Any], visibility: str | None) -> bool:
    """Whether a link to the image may be its bare name: a profile picture, or a public or
    unlisted post's image (never a case's photo: those who may see the case get a grant)."""
    return row.purpose in PROFILE_PURPOSES or (row.purpose == "status" and visibility in ("public", "unlisted"))


def file_path(name: str, *, public: bool, now: float | None = None) -> str:
    """The path of a stored file: ``/media/<name>``, or ``/media/<grant>/<name>`` for a file
    only some may see — hand that only to them."""
    return f"/media/{name}" if public else f"/media/{grant(name, now)}/{name}"


def paths(row: Row[Any], visibility: str | None) -> tuple[str, str]:
    """The paths of an image and of its preview (the thumbnail, else the image itself), for a
    viewer entitled to see it. ``visibility`` is its post's (None for an upload not yet on one)."""
    public = is_public(row, visibility)
    url = file_path(row.file_name, public=public)
    preview = file_path(row.thumbnail_file_name, public=public) if row.thumbnail_file_name else url
    return url, preview


# --- serving ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Servable:
    """A stored file the asker may have."""

    name: str
    content_type: str
    #: anyone may have it, so caches may keep it; else it is for this asker only
    public: bool


_BY_NAME = select(media_attachments).where(or_(
    media_attachments.c.file_name == bindparam("name"),
    media_attachments.c.thumbnail_file_name == bindparam("name")))
_STATUS = select(statuses).where(statuses.c.id == bindparam("id"))


def find(db: Database, name: str, *, granted: bool, viewer: Callable[[], int | None]) -> Servable | None:
    """The file called ``name`` if the asker may have it, else None (answer 404 then: not 403,
    which would confirm it exists). ``granted``: the link carried a valid grant for the name;
    ``viewer`` tells the signed-in account's id, asked only when needed."""
    ext = name.rpartition(".")[2]
    if ext not in CONTENT_TYPES:
        return None
    with db.read() as conn:
        row = conn.execute(_BY_NAME, {"name": name}).first()
        if row is None or row.discarded_at is not None:
            return None
        servable = Servable(name, CONTENT_TYPES[ext], public=True)
        if row.purpose in PROFILE_PURPOSES:
            return servable
        if row.purpose != "status":  # a case's photo: only by the grant its case page gives
            return Servable(name, CONTENT_TYPES[ext], public=False) if granted else None
        if row.status_id is None:  # an upload not on a post yet: its uploader's
            return Servable(name, CONTENT_TYPES[ext], public=False) if (
                granted or viewer() == row.account_id) else None
        status = conn.execute(_STATUS, {"id": row.status_id}).first()
        if status is None:
            return None
        if posts.can_see(conn, status, None):
            return servable
        if granted:
            return Servable(name, CONTENT_TYPES[ext], public=False)
        viewer_id = viewer()
        if viewer_id is not None and posts.can_see(conn, status, viewer_id):
            return Servable(name, CONTENT_TYPES[ext], public=False)
    return None


# --- removal ------------------------------------------------------------------------------------

def discard_of_status(conn: Connection, status_id: int) -> None:
    """In the transaction that deletes a post: its images are served no more; their files are
    removed once it commits (:func:`remove_discarded`, or the next :func:`cleanup`)."""
    conn.execute(update(media_attachments).where(media_attachments.c.status_id == status_id)
                 .values(status_id=None, discarded_at=utcnow()))


def remove_discarded(db: Database, media_dir: Path, limit: int = 1000) -> int:
    """Remove the files of discarded images, then their rows; returns how many images. Safe to
    run in several processes at once, and again after a crash (a file already gone is fine)."""
    with db.read() as conn:
        rows = conn.execute(select(media_attachments.c.id, media_attachments.c.file_name,
                                   media_attachments.c.thumbnail_file_name)
                            .where(media_attachments.c.discarded_at.is_not(None)).limit(limit)).all()
    if not rows:
        return 0
    for row in rows:
        for name in (row.file_name, row.thumbnail_file_name):
            if name:
                (media_dir / name).unlink(missing_ok=True)
    with db.write() as conn:
        conn.execute(delete(media_attachments).where(media_attachments.c.id.in_([r.id for r in rows]),
                                                     media_attachments.c.discarded_at.is_not(None)))
    return len(rows)


def cleanup(db: Database, media_dir: Path, *, now: datetime | None = None,
            unused_for: timedelta = UNUSED_FOR) -> int:
    """Discard uploads never attached to a post and profile pictures no longer in use, older
    than ``unused_for``, then remove every discarded image's files; returns how many images were
    removed. Posting attaches only images not discarded, so a post made meanwhile either has its
    image or is refused — never a link to a removed file."""
    moment = now or utcnow()
    cutoff = moment - unused_for
    m = media_attachments
    in_use = exists().where(accounts.c.id == m.c.account_id,
                            or_(accounts.c.avatar == m.c.file_name, accounts.c.header == m.c.file_name))
    with db.write() as conn:
        conn.execute(update(m).where(
            m.c.discarded_at.is_(None), m.c.created_at < cutoff,
            or_(and_(m.c.purpose == "status", m.c.status_id.is_(None)),
                and_(m.c.purpose.in_(PROFILE_PURPOSES), ~in_use)))
            .values(discarded_at=moment))
    removed = 0
    while (batch := remove_discarded(db, media_dir)) > 0:
        removed += batch
    return removed


async def clean_periodically(db: Database, media_dir: Path, interval: float = CLEANUP_SECONDS) -> None:
    """The server's background task: :func:`cleanup` every ``interval`` seconds, off the event
    loop (cancel the task to stop it)."""
    while True:
        await asyncio.sleep(interval)
        try:
            removed = await asyncio.to_thread(cleanup, db, media_dir)
            if removed:
                log.info("removed %d unused or discarded images", removed)
        except Exception:  # tried again next time
            log.warning("media clean-up failed; retrying later", exc_info=True)


def claim_uploads(conn: Connection, owner_id: int | None, media_ids: Sequence[int], purpose: str) -> None:
    """Take images ``owner_id`` uploaded and attached to nothing yet for something of ``purpose``
    (a case's photos, a help request's, a completion's evidence); 422 naming them when any is not
    theirs, is used or is gone."""
    if owner_id is None:
        raise Invalid("media_invalid", id=",".join(map(str, media_ids)))
    found = conn.execute(select(media_attachments.c.id).where(
        media_attachments.c.id.in_(list(media_ids)), media_attachments.c.account_id == owner_id,
        media_attachments.c.status_id.is_(None), media_attachments.c.purpose == "status",
        media_attachments.c.discarded_at.is_(None))).all()
    if len(found) != len(set(media_ids)):
        raise Invalid("media_invalid", id=",".join(map(str, media_ids)))
    conn.execute(update(media_attachments).where(media_attachments.c.id.in_(list(media_ids)))
                 .values(purpose=purpose))
