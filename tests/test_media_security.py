"""Images under a budget, and only for those who may see them (issue 10, items 5 and 10): who
gets a post's image for each visibility, signed links, deletion, unguessable names, the decode
budget, resizing and thumbnails, the upload rate limit and the clean-up of unused uploads — over
HTTP on both database backends, and in a real browser."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import re
import struct
import threading
import time
import zlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import create_engine, insert, select, text, update
from starlette.testclient import TestClient

from plaza.app import Plaza, create_app
from plaza.clock import utcnow
from plaza.config import load_settings, normalise_database_url
from plaza.errors import Invalid, RateLimited
from plaza.identity import tokens
from plaza.square import follows, media, posts
from plaza.storage.ids import new_id
from plaza.storage.migrate import upgrade
from plaza.storage.schema import media_attachments
from tests.factories import citizen
from tests.test_browser import chromium  # noqa: F401  (the fixture, as tests/test_browser.py starts it)

PASSWORD = "correct horse battery"
VIEWERS = ("anonymous", "stranger", "follower", "mentioned", "author")
#: Who may see a post of each visibility (plaza.square.posts.can_see), hence its images.
ENTITLED = {
    "public": set(VIEWERS),
    "unlisted": set(VIEWERS),
    "private": {"follower", "mentioned", "author"},
    "direct": {"mentioned", "author"},
}


# --- helpers ------------------------------------------------------------------------------------

def picture(width: int, height: int, fmt: str = "PNG", **save: object) -> bytes:
    """A small-to-encode test picture: a gradient with a few blocks, so resizing is visible."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    for n in range(4):
        image.paste((40 * n, 200 - 40 * n, 90), (n * width // 5, n * height // 5,
                                                 n * width // 5 + width // 8, n * height // 5 + height // 8))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG made by Pillow (1×1) whose header is rewritten to claim ``width``×``height``: the
    "image" of a few dozen bytes that promised 39 million pixels in the review."""
    out = io.BytesIO()
    Image.new("1", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = 8 + 4  # signature, chunk length
    data[ihdr + 4:ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17:ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr:ihdr + 17])))
    return bytes(data)


def bearer(plaza: Plaza, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    secret, _ = tokens.issue(plaza.db, account.id, None, frozenset({"read", "write", "follow"}))
    return {"Authorization": f"Bearer {secret}"}


def person(plaza: Plaza, username: str, password: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return citizen(plaza, username, password=password, **kw)


def upload(client: TestClient, headers: dict[str, str], data: bytes, name: str = "photo.png",
           kind: str = "image/png", **form: str) -> dict:
    answer = client.post("/api/v2/media", headers=headers, files={"file": (name, data, kind)}, data=form)
    assert answer.status_code == 200, answer.text
    return answer.json()


def row_of(plaza: Plaza, media_id: str):  # type: ignore[no-untyped-def]
    with plaza.db.read() as conn:
        return conn.execute(select(media_attachments).where(media_attachments.c.id == int(media_id))).first()


def path_of(url: str) -> str:
    return urlsplit(url).path


def fetch(plaza: Plaza, path: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """GET with a client of its own: no cookie of anyone else's session comes along."""
    with TestClient(create_app(plaza=plaza), base_url="http://127.0.0.1:8000") as fresh:
        return fresh.get(path, headers=headers or {})


class Scene:
    """An author with a follower, a mentioned citizen and a stranger; tokens for each."""

    def __init__(self, client: TestClient, plaza: Plaza) -> None:
        self.client = client
        self.plaza = plaza
        self.people = {name: person(plaza, name) for name in ("author", "follower", "mentioned", "stranger")}
        follows.follow(plaza.db, self.people["follower"].id, self.people["author"].id)
        self.headers = {name: bearer(plaza, row) for name, row in self.people.items()}
        self.headers["anonymous"] = {}

    def post_with_image(self, visibility: str, data: bytes | None = None) -> tuple[dict, dict]:
        """The author posts an image mentioning @mentioned; returns the upload and the status."""
        attachment = upload(self.client, self.headers["author"], data or picture(1200, 900))
        status = self.client.post("/api/v1/statuses", headers=self.headers["author"], json={
            "status": "@mentioned 现场照片", "visibility": visibility, "media_ids": [attachment["id"]]})
        assert status.status_code == 200, status.text
        return attachment, status.json()


# --- who gets a post's image --------------------------------------------------------------------

@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct"])
def test_post_images_reach_exactly_those_who_may_see_the_post(client, plaza, visibility) -> None:
    scene = Scene(client, plaza)
    attachment, _status = scene.post_with_image(visibility)
    row = row_of(plaza, attachment["id"])
    assert row.thumbnail_file_name is not None
    for viewer in VIEWERS:
        for name in (row.file_name, row.thumbnail_file_name):
            answer = fetch(plaza, f"/media/{name}", scene.headers[viewer])
            if viewer not in ENTITLED[visibility]:
                assert answer.status_code == 404, (viewer, name)
                continue
            assert answer.status_code == 200, (viewer, name)
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["content-type"] == ("image/png" if name == row.file_name else "image/webp")
            if visibility in ("public", "unlisted"):
                assert answer.headers["cache-control"].startswith("public")
            else:
                assert answer.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("visibility", ["private", "direct"])
def test_entitled_viewers_get_signed_links_that_work_without_a_token(client, plaza, visibility) -> None:
    """Apps and <img> tags fetch without a token: the API gives those who may see the post
    signed, expiring links; the bare name still answers 404 to anyone else."""
    scene = Scene(client, plaza)
    attachment, status = scene.post_with_image(visibility)
    for viewer in ENTITLED[visibility]:
        shown = client.get(f"/api/v1/statuses/{status['id']}", headers=scene.headers[viewer]).json()
        image = shown["media_attachments"][0]
        for url in (image["url"], image["preview_url"]):
            assert re.fullmatch(r"http://127\.0\.0\.1:8000/media/\d+-[0-9a-f]{32}/[0-9a-f]{32}\.(png|webp)", url)
            answer = fetch(plaza, path_of(url))
            assert answer.status_code == 200 and answer.headers["cache-control"] == "private, no-store"
    stranger_view = client.get(f"/api/v1/statuses/{status['id']}", headers=scene.headers["stranger"])
    assert stranger_view.status_code == 404
    row = row_of(plaza, attachment["id"])
    assert fetch(plaza, f"/media/{row.file_name}").status_code == 404


def test_public_post_images_have_plain_cacheable_links(client, plaza) -> None:
    scene = Scene(client, plaza)
    attachment, status = scene.post_with_image("public")
    row = row_of(plaza, attachment["id"])
    image = status["media_attachments"][0]
    assert image["url"] == f"http://127.0.0.1:8000/media/{row.file_name}"
    assert image["preview_url"] == f"http://127.0.0.1:8000/media/{row.thumbnail_file_name}"
    answer = fetch(plaza, path_of(image["url"]))
    assert answer.status_code == 200 and "max-age" in answer.headers["cache-control"]


def test_signed_links_expire_and_cannot_be_forged_or_moved(client, plaza) -> None:
    scene = Scene(client, plaza)
    attachment, _status = scene.post_with_image("private")
    row = row_of(plaza, attachment["id"])
    name, other = row.file_name, row.thumbnail_file_name
    assert fetch(plaza, f"/media/{media.grant(name)}/{name}").status_code == 200
    expired = media.grant(name, now=time.time() - 3 * media.GRANT_SECONDS)
    assert fetch(plaza, f"/media/{expired}/{name}").status_code == 404
    expires, _, signature = media.grant(name).partition("-")
    forged = f"{int(expires) + media.GRANT_SECONDS}-{signature}"
    assert fetch(plaza, f"/media/{forged}/{name}").status_code == 404
    assert fetch(plaza, f"/media/{media.grant(other)}/{name}").status_code == 404  # another file's grant
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert fetch(plaza, f"/media/{expires}-{flipped}/{name}").status_code == 404
    assert fetch(plaza, f"/media/../{name}").status_code == 404


def test_web_pages_show_a_followers_only_image_to_a_signed_in_follower_only(client, plaza) -> None:
    scene = Scene(client, plaza)
    reader = person(plaza, "reader", password=PASSWORD)
    follows.follow(plaza.db, reader.id, scene.people["author"].id)
    attachment, status = scene.post_with_image("private")
    row = row_of(plaza, attachment["id"])

    with TestClient(create_app(plaza=plaza), base_url="http://127.0.0.1:8000") as browser:
        signed_in = browser.post("/signin", data={"login": "reader", "password": PASSWORD, "next": "/home",
                                                  "csrf_token": _csrf(browser)}, follow_redirects=False)
        assert signed_in.status_code == 303
        page = browser.get(f"/@author/{status['id']}").text
        card = re.search(r'<a href="(/media/[^"]+)"><img src="(/media/[^"]+)"[^>]*width="(\d+)" height="(\d+)"', page)
        assert card, "the image is on the post's page"
        full, preview = card.group(1), card.group(2)
        assert full.endswith(row.file_name) and preview.endswith(row.thumbnail_file_name)
        assert (int(card.group(3)), int(card.group(4))) == (row.thumbnail_width, row.thumbnail_height)
        # The page's links load; so does the bare name, for the session may see the post.
        assert browser.get(preview).status_code == 200 and browser.get(full).status_code == 200
        assert browser.get(f"/media/{row.file_name}").status_code == 200
    # Signed out: the bare name is not found, and the post's page neither.
    assert fetch(plaza, f"/media/{row.file_name}").status_code == 404
    assert fetch(plaza, f"/@author/{status['id']}").status_code == 404


def _csrf(client: TestClient, path: str = "/signin") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_an_upload_not_yet_on_a_post_is_only_its_uploaders(client, plaza) -> None:
    scene = Scene(client, plaza)
    attachment = upload(client, scene.headers["author"], picture(900, 700))
    row = row_of(plaza, attachment["id"])
    assert fetch(plaza, path_of(attachment["url"])).status_code == 200  # the upload's own answer: signed
    assert fetch(plaza, f"/media/{row.file_name}", scene.headers["author"]).status_code == 200
    for viewer in ("anonymous", "stranger", "follower"):
        assert fetch(plaza, f"/media/{row.file_name}", scene.headers[viewer]).status_code == 404
    # Another account cannot post it as its own, nor read its description.
    taken = client.post("/api/v1/statuses", headers=scene.headers["stranger"],
                        json={"status": "偷图", "media_ids": [attachment["id"]]})
    assert taken.status_code == 422
    assert client.get(f"/api/v1/media/{attachment['id']}", headers=scene.headers["stranger"]).status_code == 404


def test_avatars_and_headers_are_public(client, plaza) -> None:
    scene = Scene(client, plaza)
    answer = client.patch("/api/v1/accounts/update_credentials", headers=scene.headers["author"], files={
        "avatar": ("me.png", picture(800, 800), "image/png"), "header": ("top.png", picture(3000, 1000), "image/png")})
    assert answer.status_code == 200, answer.text
    account = answer.json()
    for url in (account["avatar"], account["header"]):
        got = fetch(plaza, path_of(url))
        assert got.status_code == 200 and got.headers["cache-control"].startswith("public")
    assert Image.open(io.BytesIO(fetch(plaza, path_of(account["avatar"])).content)).size == (400, 400)
    assert Image.open(io.BytesIO(fetch(plaza, path_of(account["header"])).content)).size == (1500, 500)
    # An avatar is not an image to post.
    avatar = path_of(account["avatar"]).rsplit("/", 1)[1]
    with plaza.db.read() as conn:
        avatar_id = conn.execute(select(media_attachments.c.id)
                                 .where(media_attachments.c.file_name == avatar)).scalar_one()
    reused = client.post("/api/v1/statuses", headers=scene.headers["author"],
                         json={"status": "头像", "media_ids": [str(avatar_id)]})
    assert reused.status_code == 422


# --- deletion -----------------------------------------------------------------------------------

def test_deleting_a_post_through_the_api_removes_its_images_and_thumbnails(client, plaza) -> None:
    scene = Scene(client, plaza)
    attachment, status = scene.post_with_image("public")
    row = row_of(plaza, attachment["id"])
    files = [plaza.settings.media_dir / row.file_name, plaza.settings.media_dir / row.thumbnail_file_name]
    assert all(f.is_file() for f in files)
    deleted = client.delete(f"/api/v1/statuses/{status['id']}", headers=scene.headers["author"])
    assert deleted.status_code == 200
    for f in files:
        assert not f.exists()
        assert fetch(plaza, f"/media/{f.name}").status_code == 404
    assert row_of(plaza, attachment["id"]) is None


def test_deleting_a_post_on_the_web_removes_its_images(client, plaza) -> None:
    person(plaza, "li", password=PASSWORD)
    signed_in = client.post("/signin", data={"login": "li", "password": PASSWORD, "next": "/home",
                                             "csrf_token": _csrf(client)}, follow_redirects=False)
    assert signed_in.status_code == 303
    made = client.post("/statuses", data={"text": "现场", "visibility": "private", "csrf_token": _csrf(client, "/home")},
                       files={"image": ("p.png", picture(900, 700), "image/png")}, follow_redirects=False)
    assert made.status_code == 303
    status_id = int(made.headers["location"].rsplit("/", 1)[1])
    with plaza.db.read() as conn:
        row = conn.execute(select(media_attachments).where(media_attachments.c.status_id == status_id)).one()
    assert client.get(f"/media/{row.file_name}").status_code == 200  # the author's session
    removed = client.post(f"/statuses/{status_id}/delete", data={"csrf_token": _csrf(client, "/home")},
                          follow_redirects=False)
    assert removed.status_code == 303
    assert client.get(f"/media/{row.file_name}").status_code == 404
    assert not (plaza.settings.media_dir / row.file_name).exists()
    assert not (plaza.settings.media_dir / row.thumbnail_file_name).exists()


# --- names ----------------------------------------------------------------------------------------

def test_file_names_are_random_and_not_derived_from_ids(client, plaza) -> None:
    headers = bearer(plaza, person(plaza, "li"))
    made = [upload(client, headers, picture(900, 700)) for _ in range(2)]
    names = []
    for attachment in made:
        row = row_of(plaza, attachment["id"])
        for name in (row.file_name, row.thumbnail_file_name):
            assert re.fullmatch(r"[0-9a-f]{32}\.(png|webp)", name)  # 128 random bits
            assert attachment["id"] not in name
            names.append(name.split(".")[0])
        # What the review guessed (the id as the name) finds nothing.
        assert fetch(plaza, f"/media/{attachment['id']}.png", headers).status_code == 404
    assert len(set(names)) == 4
    for a, b in itertools.pairwise(names):  # no shared prefix or counter between them
        assert a[:8] != b[:8]


# --- the decode budget ---------------------------------------------------------------------------

@pytest.mark.parametrize("bomb, message", [
    (lambda: png_claiming(1, 39_000_000), "proportions are too extreme (1×39000000)"),
    (lambda: picture(6000, 6000), "too large (6000×6000 pixels): at most 16.8 million pixels"),
])
def test_budget_refuses_pixel_bombs_before_decoding_them(client, plaza, bomb, message) -> None:
    data = bomb()
    headers = bearer(plaza, person(plaza, "li", locale="en"))
    started = time.perf_counter()
    answer = client.post("/api/v2/media", headers=headers, files={"file": ("bomb.png", data, "image/png")})
    elapsed = time.perf_counter() - started
    assert answer.status_code == 422
    assert message in answer.json()["error"]
    # Decoding the 6000×6000 one took ~2.4 s before; the header is read in milliseconds.
    assert elapsed < 1.0
    with plaza.db.read() as conn:
        assert conn.execute(select(media_attachments)).first() is None
    assert not any(plaza.settings.media_dir.glob("*"))


def test_budget_message_is_chinese_by_default() -> None:
    with pytest.raises(Invalid) as refused:
        media.prepare(png_claiming(5000, 5000))
    assert refused.value.message("zh-CN") == "图片尺寸太大（5000×5000）：最多 1678 万像素，请缩小后再上传"


def test_large_baseline_jpeg_is_decoded_at_a_reduced_scale_but_progressive_ones_are_not_accepted() -> None:
    """A 27 MP JPEG is above the full-decode limit: it is decoded at half scale (what is stored
    is smaller still). A progressive JPEG is held whole by the decoder: refused at that size."""
    image = Image.linear_gradient("L").resize((6000, 4500))
    baseline, progressive = io.BytesIO(), io.BytesIO()
    image.save(baseline, format="JPEG", quality=80)
    image.save(progressive, format="JPEG", quality=80, progressive=True)
    stored = media.prepare(baseline.getvalue())
    assert (stored.width, stored.height) == (2560, 1920) and stored.ext == "jpg"
    assert media._draft_scale(6000, 4500, (2560, 1920)) == 2
    with pytest.raises(Invalid) as refused:
        media.prepare(progressive.getvalue())
    assert refused.value.key == "media_too_many_pixels"


def test_large_photo_is_stored_within_the_cap_with_a_thumbnail(client, plaza) -> None:
    headers = bearer(plaza, person(plaza, "li"))
    sent = picture(4000, 3000, "JPEG", quality=95)
    body = upload(client, headers, sent, "photo.jpg", "image/jpeg")
    original, small = body["meta"]["original"], body["meta"]["small"]
    assert (original["width"], original["height"]) == (2560, 1920)
    assert (small["width"], small["height"]) == (640, 480) and small["size"] == "640x480"
    assert body["preview_url"] != body["url"]
    full = fetch(plaza, path_of(body["url"]), headers)
    preview = fetch(plaza, path_of(body["preview_url"]), headers)
    assert full.headers["content-type"] == "image/jpeg" and preview.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(full.content)).size == (2560, 1920)
    assert Image.open(io.BytesIO(preview.content)).size == (640, 480)
    assert len(full.content) < len(sent) and len(preview.content) < 100_000


def test_long_images_keep_a_legible_width_and_their_thumbnail_shows_the_top() -> None:
    stored = media.prepare(picture(1500, 10000))  # a long screenshot (长图)
    assert (stored.width, stored.height) == (1280, 8533)
    assert (stored.thumbnail_width, stored.thumbnail_height) == (213, 640)


def test_orientation_is_applied_and_location_and_camera_data_are_dropped(client, plaza) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the camera was held upright
    exif[0x010F] = "Phone maker"
    exif.get_ifd(0x8825)[2] = (29.0, 33.0, 0.0)  # GPS latitude
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="29,33N"/></x:xmpmeta>'
    sent = picture(400, 300, "JPEG", exif=exif.tobytes(), xmp=xmp)
    headers = bearer(plaza, person(plaza, "li"))
    body = upload(client, headers, sent, "photo.jpg", "image/jpeg")
    assert (body["meta"]["original"]["width"], body["meta"]["original"]["height"]) == (300, 400)
    stored = fetch(plaza, path_of(body["url"]), headers).content
    assert b"Phone maker" not in stored and b"GPSLatitude" not in stored and b"Exif" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_animated_gifs_are_kept_as_sent_and_endless_ones_refused(client, plaza) -> None:
    headers = bearer(plaza, person(plaza, "li", locale="en"))
    frames = [Image.new("L", (60, 40), n * 50) for n in range(5)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    body = upload(client, headers, out.getvalue(), "wave.gif", "image/gif")
    assert body["preview_url"] == body["url"]
    assert fetch(plaza, path_of(body["url"]), headers).content == out.getvalue()
    assert media.gif_frames(out.getvalue(), 100) == 5

    # 30 frames on a 4000×4000 screen (each frame a single pixel, so the file is tiny): a
    # reader's device composites 480 million pixels to play it.
    tiny_frame = (b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0x80) + b"\x00\x00\x00\xff\xff\xff"
                  + b"\x02\x02\x44\x01\x00")
    heavy = b"GIF89a" + struct.pack("<HHBBB", 4000, 4000, 0, 0, 0) + tiny_frame * 30 + b"\x3b"
    assert media.gif_frames(heavy, 100) == 30
    refused = client.post("/api/v2/media", headers=headers, files={"file": ("heavy.gif", heavy, "image/gif")})
    assert refused.status_code == 422 and "animation is too long" in refused.json()["error"]


def _samples() -> list[bytes]:
    gif = io.BytesIO()
    frames = [Image.new("L", (60, 40), n * 50) for n in range(3)]
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    exif = Image.Exif()
    exif[0x0112] = 6
    return [picture(300, 200), picture(300, 200, "JPEG", exif=exif.tobytes()),
            picture(300, 200, "WEBP"), gif.getvalue()]


SAMPLES = _samples()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLES), st.integers(min_value=0), st.lists(
    st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8))
def test_damaged_images_are_stored_or_refused_with_422_never_an_error(sample, cut, flips) -> None:
    """Whatever a file's bytes say, the answer is an image to store or a message (422)."""
    data = bytearray(sample[:max(1, cut % (len(sample) + 1))])
    for at, value in flips:
        data[at % len(data)] = value
    with contextlib.suppress(Invalid):
        media.prepare(bytes(data))


def test_decoding_waits_its_turn_and_a_full_queue_answers_429() -> None:
    """At most DECODERS images decode at once per process; WAITING more wait, unread; the next
    is refused at once rather than held in memory."""
    queue = media._Queue()
    release = threading.Event()
    running = []
    lock = threading.Lock()
    peak = [0]

    def work(data: bytes) -> bytes:
        with lock:
            running.append(1)
            peak[0] = max(peak[0], len(running))
        release.wait(10)
        with lock:
            running.pop()
        return data

    async def scenario() -> None:
        async def read() -> bytes:
            return b"x"

        held = [asyncio.create_task(queue.run(read, work)) for _ in range(media.DECODERS + media.WAITING)]
        await asyncio.sleep(0.2)
        with pytest.raises(RateLimited) as busy:
            await queue.run(read, work)
        assert busy.value.key == "media_busy" and busy.value.retry_after == media.BUSY_RETRY_AFTER
        release.set()
        assert await asyncio.gather(*held) == [b"x"] * len(held)
        assert await queue.run(read, work) == b"x"  # places are given back

    asyncio.run(scenario())
    assert peak[0] == media.DECODERS


# --- rate limit ----------------------------------------------------------------------------------

def test_uploads_are_rate_limited_per_account(database_url, tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url,
                             secret_key="test-secret", rate_limits=True, rate_limit_media="2/minute")
    instance = Plaza.from_settings(settings)
    try:
        with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as client:
            li, wang = person(instance, "li", password=PASSWORD, locale="en"), person(instance, "wang")
            headers = bearer(instance, li)
            for _ in range(2):
                upload(client, headers, picture(40, 30))
            limited = client.post("/api/v2/media", headers=headers,
                                  files={"file": ("p.png", picture(40, 30), "image/png")})
            assert limited.status_code == 429 and "Too many requests" in limited.json()["error"]
            assert 1 <= int(limited.headers["Retry-After"]) <= 60
            avatar = client.patch("/api/v1/accounts/update_credentials", headers=headers,
                                  files={"avatar": ("me.png", picture(40, 30), "image/png")})
            assert avatar.status_code == 429
            upload(client, bearer(instance, wang), picture(40, 30))  # another account is not held back
            # The web's compose form counts against the same limit.
            client.post("/signin", data={"login": "li", "password": PASSWORD, "next": "/home",
                                         "csrf_token": _csrf(client)})
            page = client.post("/statuses", data={"text": "图", "visibility": "public",
                                                  "csrf_token": _csrf(client, "/home")},
                               files={"image": ("p.png", picture(40, 30), "image/png")}, follow_redirects=False)
            assert page.status_code == 429
    finally:
        instance.close()


# --- clean-up ------------------------------------------------------------------------------------

def _age(plaza: Plaza, media_id: str | int, days: float) -> None:
    with plaza.db.write() as conn:
        conn.execute(update(media_attachments).where(media_attachments.c.id == int(media_id))
                     .values(created_at=utcnow() - timedelta(days=days)))


def test_cleanup_removes_old_unattached_uploads_and_keeps_attached_ones(client, plaza) -> None:
    scene = Scene(client, plaza)
    headers = scene.headers["author"]
    old_unused = upload(client, headers, picture(900, 700))
    new_unused = upload(client, headers, picture(900, 700))
    attached, _status = scene.post_with_image("direct")
    profile = client.patch("/api/v1/accounts/update_credentials", headers=headers,
                           files={"avatar": ("a.png", picture(100, 100), "image/png")}).json()
    replaced = client.patch("/api/v1/accounts/update_credentials", headers=headers,
                            files={"header": ("h.png", picture(300, 100), "image/png")}).json()
    replaced_header = path_of(replaced["header"]).rsplit("/", 1)[1]
    client.patch("/api/v1/accounts/update_credentials", headers=headers,
                 files={"header": ("h2.png", picture(300, 100), "image/png")})
    with plaza.db.write() as conn:  # everything is two days old but the new upload
        conn.execute(update(media_attachments).where(media_attachments.c.id != int(new_unused["id"]))
                     .values(created_at=utcnow() - timedelta(days=2)))
    old_row = row_of(plaza, old_unused["id"])

    assert media.cleanup(plaza.db, plaza.settings.media_dir) == 2  # the old upload, the replaced header
    assert row_of(plaza, old_unused["id"]) is None
    assert not (plaza.settings.media_dir / old_row.file_name).exists()
    assert not (plaza.settings.media_dir / old_row.thumbnail_file_name).exists()
    assert not (plaza.settings.media_dir / replaced_header).exists()
    for kept in (new_unused, attached):
        row = row_of(plaza, kept["id"])
        assert row is not None and (plaza.settings.media_dir / row.file_name).is_file()
    assert fetch(plaza, path_of(profile["avatar"])).status_code == 200
    assert media.cleanup(plaza.db, plaza.settings.media_dir) == 0  # nothing left to do


def test_a_post_made_as_its_upload_expires_is_refused_rather_than_left_without_its_image(client, plaza) -> None:
    headers = bearer(plaza, person(plaza, "li"))
    attachment = upload(client, headers, picture(100, 80))
    _age(plaza, attachment["id"], 2)
    with plaza.db.write() as conn:  # the clean-up has discarded it, its files not yet removed
        conn.execute(update(media_attachments).where(media_attachments.c.id == int(attachment["id"]))
                     .values(discarded_at=utcnow()))
    late = client.post("/api/v1/statuses", headers=headers, json={"status": "晚了", "media_ids": [attachment["id"]]})
    assert late.status_code == 422


def test_media_cleanup_command_and_background_task(client, plaza, database_url, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from plaza.cli import main

    headers = bearer(plaza, person(plaza, "li"))
    first, second = upload(client, headers, picture(900, 700)), upload(client, headers, picture(900, 700))
    _age(plaza, first["id"], 2)
    env = {"PLAZA_DATA_DIR": str(plaza.settings.data_dir), "PLAZA_DATABASE_URL": database_url,
           "PLAZA_SECRET_KEY": "test-secret", "PLAZA_LOCALE": "en"}
    result = CliRunner().invoke(main, ["media", "cleanup"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Removed 1 images")
    assert row_of(plaza, first["id"]) is None and row_of(plaza, second["id"]) is not None

    _age(plaza, second["id"], 2)

    async def run_briefly() -> None:
        task = asyncio.create_task(media.clean_periodically(plaza.db, plaza.settings.media_dir, interval=0.05))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await asyncio.to_thread(row_of, plaza, second["id"]) is None:
                break
        task.cancel()

    asyncio.run(run_briefly())
    assert row_of(plaza, second["id"]) is None
    assert not any(p.suffix in (".png", ".webp") for p in plaza.settings.media_dir.iterdir())


# --- images stored before migration 0010 ---------------------------------------------------------

@pytest.mark.parametrize("visibility, anonymous", [("public", 200), ("private", 404)])
def test_images_from_before_keep_working_under_the_same_rules(client, plaza, visibility, anonymous) -> None:
    scene = Scene(client, plaza)
    _attachment, status = scene.post_with_image(visibility, picture(40, 30))
    legacy_id = new_id()
    name = f"{legacy_id}.png"  # the old naming: the attachment id
    (plaza.settings.media_dir / name).write_bytes(picture(40, 30))
    with plaza.db.write() as conn:
        conn.execute(insert(media_attachments).values(
            id=legacy_id, account_id=scene.people["author"].id, status_id=int(status["id"]), type="image",
            content_type="image/png", file_name=name, file_size=10, width=40, height=30, created_at=utcnow()))
    assert fetch(plaza, f"/media/{name}").status_code == anonymous
    assert fetch(plaza, f"/media/{name}", scene.headers["follower"]).status_code == 200
    shown = client.get(f"/api/v1/statuses/{status['id']}", headers=scene.headers["follower"]).json()
    old = next(m for m in shown["media_attachments"] if m["id"] == str(legacy_id))
    assert old["preview_url"] == old["url"] and fetch(plaza, path_of(old["url"])).status_code == 200


def test_migration_marks_avatars_and_headers_in_use(database_url, tmp_path: Path) -> None:
    """Migration 0010 on a database of 0008: an avatar and a header (uploads never on a post)
    become profile pictures, so the clean-up keeps them; other unattached uploads stay uploads."""
    url = normalise_database_url(database_url).split("?")[0]  # without the tests' search_path
    schema = None
    if url.startswith("postgresql"):
        schema = f"plaza_migration_{int(time.time() * 1000) % 10**9}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    try:
        upgrade(engine, "0008")
        now = utcnow()
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO accounts (id, username, username_key, display_name, display_name_key, kind, "
                "home_city, note, avatar, header, locale, role, bot, suspended, approved, pull_feed, "
                "followers_count, following_count, statuses_count, created_at, updated_at) VALUES "
                "(1, 'li', 'li', 'li', 'li', 'citizen', '500000', '', '11.png', '12.png', 'zh-CN', 'user', "
                ":f, :f, :t, :f, 0, 0, 0, :now, :now)"), {"f": False, "t": True, "now": now})
            for media_id in (11, 12, 13):
                conn.execute(text(
                    "INSERT INTO media_attachments (id, account_id, status_id, type, content_type, file_name, "
                    "file_size, created_at) VALUES (:id, 1, NULL, 'image', 'image/png', :name, 1, :now)"),
                    {"id": media_id, "name": f"{media_id}.png", "now": now})
        upgrade(engine)
        with engine.connect() as conn:
            purposes = dict(conn.execute(text("SELECT id, purpose FROM media_attachments")).all())
        assert purposes == {11: "avatar", 12: "header", 13: "status"}
    finally:
        engine.dispose()
        if schema is not None:
            admin = create_engine(normalise_database_url(database_url).split("?")[0])
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


# --- in a real browser ----------------------------------------------------------------------------

@pytest.mark.browser
def test_browser_shows_a_followers_only_image_to_a_follower_and_not_to_others(chromium, live_server) -> None:  # noqa: F811
    plaza = live_server.plaza
    author = person(plaza, "author")
    reader = person(plaza, "reader", password=PASSWORD)
    follows.follow(plaza.db, reader.id, author.id)
    attachment = media.save_upload(plaza.db, plaza.settings.media_dir, author.id, picture(1200, 900),
                                   max_bytes=plaza.settings.max_image_bytes, description="现场照片")
    status_id = posts.create(plaza.db, author, posts.NewStatus(text="只给关注者", visibility="private",
                                                               media_ids=(attachment.id,)))
    base = live_server.url

    follower = chromium.new_context(locale="zh-CN")  # type: ignore[attr-defined]
    page = follower.new_page()
    page.goto(base + "/signin")
    page.fill("#login", "reader")
    page.fill("#password", PASSWORD)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url(base + "/home")
    page.goto(f"{base}/@author/{status_id}")
    image = page.locator(".media-grid img").first
    image.wait_for()
    page.wait_for_function("img => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == attachment.thumbnail_width
    assert image.get_attribute("alt") == "现场照片"
    assert (image.get_attribute("src") or "").endswith(attachment.thumbnail_file_name)
    follower.close()

    stranger = chromium.new_context(locale="zh-CN")  # type: ignore[attr-defined]
    page = stranger.new_page()
    assert page.goto(f"{base}/media/{attachment.file_name}").status == 404
    assert page.goto(f"{base}/@author/{status_id}").status == 404
    stranger.close()
