"""The real Mastodon clients — the ``mastodon-py`` library and the ``toot`` CLI — unmodified,
against a real Plaza server."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import httpx
import pytest
from mastodon import Mastodon, MastodonNotFoundError, MastodonUnauthorizedError
from PIL import Image

from plaza.identity import tokens
from plaza.square import accounts, follows, posts
from tests.factories import citizen, government

pytestmark = pytest.mark.server

GOVERNMENT_PASSWORD = "government pass 1"  # what tests.factories.government sets
TOOT = Path(sys.executable).with_name("toot")


def test_mastodon_py_signs_up_posts_pages_follows_likes_searches_and_deletes(live_server, tmp_path) -> None:
    plaza = live_server.plaza
    cq = government(plaza, "cq_fabu", "重庆发布")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "version >= 4.3.0 but no API version found"
        client_id, client_secret = Mastodon.create_app(
            "Plaza 测试", api_base_url=live_server.url, to_file=str(tmp_path / "client.secret"))
        reader = Mastodon(client_id=str(tmp_path / "client.secret"), version_check_mode="created")
        assert reader.retrieve_mastodon_version() == "4.3.0"
        assert reader.mastodon_api_version == 2
        assert reader.instance_v1().configuration.statuses.max_characters == plaza.settings.max_post_chars

    # Sign up through the API (client credentials, then POST /api/v1/accounts).
    reader.create_account("shancheng", "a good long password", "reader@example.cn", agreement=True,
                          locale="zh")
    me = reader.account_verify_credentials()
    assert me.username == "shancheng" and me.source.note == ""

    # The government account logs in with the password grant.
    official = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live_server.url)
    official.log_in("cq_fabu", GOVERNMENT_PASSWORD, allow_http=True)
    assert str(official.me().id) == str(cq.id)

    found = reader.search_v2("cq_fabu", result_type="accounts")
    assert [a.acct for a in found.accounts] == ["cq_fabu"]
    relation = reader.account_follow(found.accounts[0])
    assert relation.following is True

    mine = reader.status_post("#一起守护这座城# 感谢 @重庆发布 的及时通报", visibility="public")
    assert [t.name for t in mine.tags] == ["一起守护这座城"]
    assert [m.acct for m in mine.mentions] == ["cq_fabu"]
    assert mine.created_at.tzinfo is not None and mine.account.created_at.year >= 2024

    made = [official.status_post(f"山火通报第{n}号：明火已扑灭，请勿靠近火场").id for n in range(45)]
    page = reader.timeline_home(limit=20)
    seen = [s.id for s in page]
    while (page := reader.fetch_next(page)):
        seen += [s.id for s in page]
    assert seen == list(reversed(made)) + [mine.id]
    assert reader.fetch_previous(reader.timeline_home(limit=5)) == []

    liked = reader.status_favourite(made[-1])
    assert liked.favourited is True and liked.favourites_count == 1

    results = reader.search_v2("一起守护")
    assert [s.id for s in results.statuses] == [mine.id]
    assert [t.name for t in results.hashtags] == ["一起守护这座城"]

    kinds = [(n.type, n.account.acct) for n in official.notifications()]
    assert kinds == [("favourite", "shancheng"), ("mention", "shancheng"), ("follow", "shancheng")]

    deleted = reader.status_delete(mine)
    assert deleted.text == "#一起守护这座城# 感谢 @重庆发布 的及时通报"
    assert [s.id for s in reader.timeline_home(limit=1)] == [made[-1]]

    official.revoke_access_token(allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):
        official.account_verify_credentials()


def test_mastodon_py_uploads_an_image_posts_it_to_followers_only_and_deletes_it(live_server, tmp_path) -> None:
    """mastodon-py's upload and post with an image; the followers-only post's image reaches a
    follower through the links the API gives (no token: as an app's image view fetches it) and
    no one else; deleting the post removes it."""
    plaza = live_server.plaza
    author, reader, stranger = citizen(plaza, "author"), citizen(plaza, "reader"), citizen(plaza, "stranger")
    follows.follow(plaza.db, reader.id, author.id)

    def client(account) -> Mastodon:  # type: ignore[no-untyped-def]
        secret, _ = tokens.issue(plaza.db, account.id, None, frozenset({"read", "write", "follow"}))
        return Mastodon(access_token=secret, api_base_url=live_server.url, version_check_mode="none")

    photo = tmp_path / "photo.jpg"
    Image.linear_gradient("L").resize((4000, 3000)).convert("RGB").save(photo, format="JPEG", quality=92)
    mine = client(author)
    uploaded = mine.media_post(str(photo), mime_type="image/jpeg", description="现场照片")
    assert (uploaded.meta.original.width, uploaded.meta.original.height) == (2560, 1920)
    assert (uploaded.meta.small.width, uploaded.meta.small.height) == (640, 480)
    posted = mine.status_post("只给关注者看的现场照片", media_ids=[uploaded], visibility="private")
    assert [m.id for m in posted.media_attachments] == [uploaded.id]

    shown = client(reader).timeline_home(limit=1)[0]
    image = shown.media_attachments[0]
    assert image.description == "现场照片"
    with httpx.Client() as web:
        full, preview = web.get(image.url), web.get(image.preview_url)
        assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(full.content)).size == (2560, 1920)
        assert preview.status_code == 200 and Image.open(io.BytesIO(preview.content)).size == (640, 480)
        bare = f"{live_server.url}/media/{image.url.rsplit('/', 1)[1]}"
        assert web.get(bare).status_code == 404
        with pytest.raises(MastodonNotFoundError):
            client(stranger).status(posted.id)

        mine.status_delete(posted)
        assert web.get(image.url).status_code == 404 and web.get(image.preview_url).status_code == 404


def toot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "COLUMNS": "100", "LANG": "C.UTF-8"}
    env.pop("TOOT_TESTING", None)
    done = subprocess.run([str(TOOT), "--no-color", *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"toot {' '.join(args)}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    return done


def test_toot_logs_in_posts_reads_searches_follows_and_deletes(live_server, tmp_path) -> None:
    plaza = live_server.plaza
    me = citizen(plaza, "xiaoli", "山城小李", email="li@example.cn", password="a good long password")
    cq = government(plaza, "cq_fabu", "重庆发布")
    fire = posts.create(plaza.db, cq, posts.NewStatus(text="#重庆山火# 各处明火均已扑灭，感谢所有救援队员 @山城小李"))

    login = toot(tmp_path, "login_cli", "-i", live_server.url, "-e", "li@example.cn",
                 "-p", "a good long password")
    assert "Successfully logged in" in login.stdout

    whoami = toot(tmp_path, "whoami", "--json")
    assert json.loads(whoami.stdout)["username"] == "xiaoli"
    assert "山城小李" in toot(tmp_path, "whoami").stdout

    posted = toot(tmp_path, "post", "#一起守护这座城# 山城加油 @重庆发布", "--json")
    status = json.loads(posted.stdout)
    assert status["account"]["id"] == str(me.id)
    assert "Toot posted" in toot(tmp_path, "post", "第二条微博").stdout

    followed = toot(tmp_path, "follow", "cq_fabu")
    assert "You are now following cq_fabu" in followed.stdout
    assert follows.relationships(plaza.db, me.id, [cq.id])[0].following

    home = toot(tmp_path, "timelines", "home", "--no-pager", "--no-clear")
    assert "各处明火均已扑灭" in home.stdout and "第二条微博" in home.stdout
    legacy = toot(tmp_path, "timeline", "--once", "--count", "20")
    assert "山城加油" in legacy.stdout
    tag = toot(tmp_path, "timelines", "tag", "重庆山火", "--no-pager", "--no-clear")
    assert "感谢所有救援队员" in tag.stdout
    public = toot(tmp_path, "timelines", "public", "--no-pager", "--no-clear")
    assert "山城加油" in public.stdout

    found = toot(tmp_path, "search", "救援")
    assert f"{live_server.url}/@cq_fabu/{fire}" in found.stdout
    people = toot(tmp_path, "search", "cq_fabu", "--type", "accounts")
    assert "cq_fabu" in people.stdout
    assert "重庆发布" in toot(tmp_path, "whois", "cq_fabu").stdout
    assert "running Mastodon 4.3.0 (compatible; Plaza" in toot(tmp_path, "instance").stdout
    assert toot(tmp_path, "status", status["id"]).stdout.count("山城加油") >= 1
    assert "重庆发布 @cq_fabu mentioned you" in toot(tmp_path, "notifications").stdout

    deleted = toot(tmp_path, "delete", status["id"])
    assert "Status deleted" in deleted.stdout
    assert accounts.get(plaza.db, me.id).statuses_count == 1
