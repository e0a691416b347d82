"""The simulated people of the soak test (``bench/soaklib.py``): browsers and Mastodon apps
using Plaza the way people do, and how their requests are sent and recorded.

* :class:`Browser` — a person on the web pages: ``GET /signin`` for the session and its CSRF
  token, ``POST /signin``, then the square, home, hot search, topic pages, profiles, post pages
  (links taken from the page it is on), notifications, search, posting and replying through the
  forms, liking and reposting through the forms, signing out and in again.
* :class:`App` — a Mastodon app: the OAuth password grant, then timelines (home, public, tag),
  notifications, search, a thread, posting, favourites, reblogs, follows and unfollows,
  ``verify_credentials``, and now and then a new token (a second device).
* :func:`sign_in_burst` — many sign-ins leaving at the same moment.
* :class:`Recorder` — every request's outcome by kind: latency, status, no answer in time.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import aiohttp
import orjson

from bench import corpus
from plaza.demo.cast import TOPICS as DEMO_TOPICS

#: The password of every demo account (``plaza.demo.load.DEMO_PASSWORD``).
DEMO_PASSWORD = "plaza-demo-2022"
#: Words people search for in the demo's world (besides its topics).
SEARCH_WORDS = ("重庆", "山火", "志愿者", "台风", "地铁", "医院", "停水", "学校", "天气", "北京",
                "上海", "政务", "发布", "救援", "交通")
#: Cities the simulated people write about.
CITIES = tuple(corpus.City("", name) for name in ("重庆", "北京", "上海", "成都", "武汉", "广州"))


# --- what is measured ----------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when there are none)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


@dataclass
class KindStats:
    """The outcomes of one kind of request: latencies of every answer, statuses, failures."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    timeouts: int = 0
    transport_errors: int = 0
    #: Answers that were not what the person wanted (signed out unexpectedly, a form refused …).
    anomalies: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def sample(self, text: str) -> None:
        if len(self.samples) < 4:
            self.samples.append(text[:300])

    def merge(self, other: KindStats) -> None:
        self.latencies.extend(other.latencies)
        self.statuses.update(other.statuses)
        self.timeouts += other.timeouts
        self.transport_errors += other.transport_errors
        self.anomalies.update(other.anomalies)

    @property
    def count(self) -> int:
        return len(self.latencies) + self.timeouts + self.transport_errors

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        by_status = sorted(self.statuses.items())
        return {
            "count": self.count,
            "answered": len(lat),
            "ok": sum(n for s, n in by_status if s < 400),
            "status_4xx": {str(s): n for s, n in by_status if 400 <= s < 500},
            "status_5xx": {str(s): n for s, n in by_status if s >= 500},
            "errors_5xx": sum(n for s, n in by_status if s >= 500),
            "timeouts": self.timeouts,
            "transport_errors": self.transport_errors,
            "anomalies": dict(self.anomalies),
            "p50_ms": milliseconds(percentile(lat, 0.50)),
            "p99_ms": milliseconds(percentile(lat, 0.99)),
            "p999_ms": milliseconds(percentile(lat, 0.999)),
            "max_ms": milliseconds(lat[-1] if lat else None),
            "samples": self.samples,
        }


@dataclass
class Answer:
    """One request's outcome as a simulated person sees it (status 0: no answer)."""

    status: int
    body: bytes = b""
    location: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        try:
            return orjson.loads(self.body) if self.body else None
        except orjson.JSONDecodeError:
            return None


class Recorder:
    """Sends the simulated people's requests and records every outcome by kind."""

    def __init__(self, base_url: str, timeout: float, sign_in_timeout: float = 0.0) -> None:
        self.base_url = base_url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.sign_in_timeout = aiohttp.ClientTimeout(total=sign_in_timeout or timeout)
        self.kinds: dict[str, KindStats] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    def stats(self, kind: str) -> KindStats:
        return self.kinds.setdefault(kind, KindStats())

    def anomaly(self, kind: str, what: str) -> None:
        self.stats(kind).anomalies[what] += 1

    def total(self) -> int:
        return sum(s.count for s in self.kinds.values())

    async def send(self, session: aiohttp.ClientSession, kind: str, method: str, path: str,
                   *, sign_in: bool = False, **kwargs: Any) -> Answer:
        """One request, redirects not followed (each is a request of its own); a sign-in (a
        password checked with Argon2) may have a timeout of its own."""
        stats = self.stats(kind)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        start = time.perf_counter()
        try:
            timeout = self.sign_in_timeout if sign_in else self.timeout
            async with session.request(method, self.base_url + path, timeout=timeout,
                                       allow_redirects=False, **kwargs) as resp:
                answer = Answer(resp.status, await resp.read(), resp.headers.get("Location", ""))
        except TimeoutError:
            stats.timeouts += 1
            stats.sample(f"no answer within {time.perf_counter() - start:.1f} s: {method} {path}")
            return Answer(0, seconds=time.perf_counter() - start)
        except aiohttp.ClientError as exc:
            stats.transport_errors += 1
            stats.sample(f"{type(exc).__name__}: {exc}: {method} {path}")
            return Answer(0, seconds=time.perf_counter() - start)
        finally:
            self.in_flight -= 1
        answer.seconds = time.perf_counter() - start
        stats.latencies.append(answer.seconds)
        stats.statuses[answer.status] += 1
        if answer.status >= 400:
            stats.sample(f"{answer.status} {method} {path}: {_gist(answer)}")
        return answer


def _gist(answer: Answer) -> str:
    """What an error answer says: its JSON error, or an HTML page's alert or title."""
    data = answer.json()
    if isinstance(data, dict) and "error" in data:
        return str(data["error"])
    text = answer.text()
    found = (re.search(r'role="alert">([^<]{1,200})<', text)
             or re.search(r"<title>([^<]{1,200})<", text))
    return found.group(1) if found else text[:200]


# --- what the people know about the square ------------------------------------------------------


@dataclass(frozen=True)
class Post:
    id: str
    username: str
    account_id: str


@dataclass
class Catalogue:
    """Posts, accounts and topics to start from, read anonymously over the API before the run
    (the people then mostly act on what their pages and timelines show them)."""

    posts: list[Post]
    topics: list[str]
    usernames: list[str]
    account_ids: list[str]


def posts_of(statuses: Any) -> list[Post]:
    """The public originals among Mastodon statuses (what anyone may like and repost)."""
    found: list[Post] = []
    for s in statuses if isinstance(statuses, list) else ():
        s = (s.get("reblog") or s) if isinstance(s, dict) else {}
        account = s.get("account") or {}
        if s.get("visibility") == "public" and s.get("id") and account.get("username"):
            found.append(Post(str(s["id"]), str(account["username"]), str(account.get("id", ""))))
    return found


async def read_catalogue(session: aiohttp.ClientSession, base_url: str, pages: int = 5
                         ) -> Catalogue:
    """The public timeline's newest posts and the trending topics (and the demo's)."""
    posts: list[Post] = []
    max_id = ""
    for _ in range(pages):
        query = f"?limit=40&max_id={max_id}" if max_id else "?limit=40"
        async with session.get(base_url + "/api/v1/timelines/public" + query) as resp:
            page = await resp.json(loads=orjson.loads) if resp.status == 200 else []
        if not page:
            break
        posts.extend(posts_of(page))
        max_id = str(page[-1]["id"])
    if not posts:
        raise RuntimeError("the public timeline is empty: was the demo loaded?")
    async with session.get(base_url + "/api/v1/trends/tags?limit=20") as resp:
        trends = await resp.json(loads=orjson.loads) if resp.status == 200 else []
    topics = [str(t["name"]) for t in trends if isinstance(t, dict) and t.get("name")]
    topics += [t.name for t in DEMO_TOPICS if t.name not in topics]
    return Catalogue(posts, topics, sorted({p.username for p in posts}),
                     sorted({p.account_id for p in posts if p.account_id}))


# --- the simulated people -------------------------------------------------------------------------


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')
_REPLY_TO = re.compile(r'name="in_reply_to_id" value="(\d+)"')
_STATUS_LINK = re.compile(r'href="/@([A-Za-z0-9_]+)/(\d+)"')
_PROFILE_LINK = re.compile(r'href="/@([A-Za-z0-9_]+)"')
_TOPIC_LINK = re.compile(r'href="/topics/([^"/?#]+)"')
_LIKE_FORM = re.compile(r'action="/statuses/(\d+)/favourite"')
_REPOST_FORM = re.compile(r'action="/statuses/(\d+)/reblog"')


def _unique(items: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


@dataclass
class Page:
    """What a browser can do from the page it shows: its links and its forms."""

    path: str = "/"
    csrf: str = ""
    statuses: list[tuple[str, str]] = field(default_factory=list)  # (username, id)
    profiles: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    likeable: list[str] = field(default_factory=list)
    repostable: list[str] = field(default_factory=list)
    reply_to: str = ""  # the post whose reply form the page holds
    idempotency_key: str = ""  # of the page's compose or reply form

    @classmethod
    def parse(cls, path: str, html: str) -> Page:
        csrf, key, reply = (_CSRF.search(html), _IDEMPOTENCY.search(html),
                            _REPLY_TO.search(html))
        return cls(path=path, csrf=csrf.group(1) if csrf else "",
                   statuses=_unique(_STATUS_LINK.findall(html)),
                   profiles=_unique(_PROFILE_LINK.findall(html)),
                   topics=_unique([unquote(t) for t in _TOPIC_LINK.findall(html)]),
                   likeable=_unique(_LIKE_FORM.findall(html)),
                   repostable=_unique(_REPOST_FORM.findall(html)),
                   reply_to=reply.group(1) if reply else "",
                   idempotency_key=key.group(1) if key else "")


class Person:
    """What browsers and apps share: the recorder, the catalogue, an account of their own, a
    seeded random source, and the habit of thinking between requests."""

    STEPS: tuple[tuple[str, int], ...] = ()  # what they do, with weights

    def __init__(self, recorder: Recorder, catalogue: Catalogue, username: str,
                 rng: random.Random, think: float) -> None:
        self.recorder = recorder
        self.catalogue = catalogue
        self.username = username
        self.rng = rng
        self.think_mean = think
        self.topic_weights = corpus.zipf_cum_weights(len(catalogue.topics))

    async def think(self) -> None:
        if self.think_mean > 0:
            pause = self.rng.expovariate(1 / self.think_mean)
            await asyncio.sleep(min(pause, 5 * self.think_mean))

    async def wait_to_retry(self, failures: int) -> None:
        """After a failed sign-in people wait longer each time before they try again (up to
        half a minute), rather than hammer a server that is struggling."""
        await asyncio.sleep(min(30.0, self.think_mean * 2 ** min(failures, 5)))

    def next_step(self) -> str:
        names, weights = zip(*self.STEPS, strict=True)
        return self.rng.choices(names, weights=weights)[0]

    def post_text(self) -> str:
        return corpus.random_post(self.rng, CITIES, self.catalogue.topics, self.topic_weights,
                                  topic_share=0.4)

    def some_post(self) -> Post:
        return self.rng.choice(self.catalogue.posts)

    def search_query(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(self.catalogue.topics)
        return self.rng.choice(SEARCH_WORDS)


class Browser(Person):
    """A person on the web pages, with a cookie jar of their own; acts through the links and
    forms of the page they are on."""

    STEPS = (("square", 10), ("home", 14), ("hot", 5), ("topic", 8), ("profile", 7),
             ("status", 10), ("notifications", 6), ("search", 6), ("post", 6), ("reply", 3),
             ("like", 10), ("repost", 4))

    def __init__(self, connector: aiohttp.BaseConnector, *args: Any,
                 session_steps: tuple[int, int] = (10, 40), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_steps = session_steps
        self.session = aiohttp.ClientSession(connector=connector, connector_owner=False,
                                             cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.page = Page()
        self.signed_in = False

    async def close(self) -> None:
        await self.session.close()

    async def get(self, kind: str, path: str) -> Answer:
        answer = await self.recorder.send(self.session, kind, "GET", path)
        if answer.status == 200 and answer.body:
            self.page = Page.parse(path, answer.text())
        elif answer.status in (302, 303) and answer.location.startswith("/signin"):
            self.recorder.anomaly(kind, "sent to the sign-in page")
            self.signed_in = False
        return answer

    async def form(self, kind: str, path: str, fields: dict[str, str], *,
                   multipart: bool = False, lands_on: str = "/", sign_in: bool = False) -> Answer:
        """Submit a form as the page's own form would (with the page's CSRF token); it should
        answer with a redirect to a path starting with ``lands_on``."""
        if not self.page.csrf:
            self.recorder.anomaly(kind, "no form on the page")
            return Answer(0)
        values = dict(fields, csrf_token=self.page.csrf)
        data: Any = values
        if multipart:  # the compose form, with no image chosen (as a browser sends it)
            data = aiohttp.FormData()
            for name, value in values.items():
                data.add_field(name, value)
            data.add_field("image", b"", filename="", content_type="application/octet-stream")
        answer = await self.recorder.send(self.session, kind, "POST", path, data=data,
                                          sign_in=sign_in)
        if answer.status == 303 and answer.location.startswith("/signin"):
            self.recorder.anomaly(kind, "sent to the sign-in page")
            self.signed_in = False
        elif answer.status == 200 or (answer.status == 303
                                      and not answer.location.startswith(lands_on)):
            self.recorder.anomaly(kind, "the form came back")
        return answer

    async def load_sign_in_page(self) -> bool:
        """``GET /signin``: the session cookie and the form's CSRF token."""
        page = await self.get("web.signin_page", "/signin")
        return page.ok and bool(self.page.csrf)

    async def submit_sign_in(self, kind: str = "web.signin") -> bool:
        """``POST /signin`` with the account's name and password; it leads to ``/home``."""
        answer = await self.form(kind, "/signin", {
            "login": self.username, "password": DEMO_PASSWORD, "next": "/home"},
            lands_on="/home", sign_in=True)
        self.signed_in = answer.status == 303 and answer.location == "/home"
        if self.signed_in:  # a new session: the old page's CSRF token is void
            self.page = Page(path=self.page.path)
        return self.signed_in

    async def sign_out(self) -> None:
        await self.form("web.signout", "/signout", {})
        self.signed_in = False

    async def run(self, until: float) -> None:
        """Sign in, browse and act for a while, sign out, come back; until ``until``."""
        failures = 0
        while time.monotonic() < until:
            if not (await self.load_sign_in_page() and await self.submit_sign_in()):
                failures += 1
                await self.wait_to_retry(failures)
                continue
            failures = 0
            await self.get("web.home", "/home")  # where the sign-in leads
            for _ in range(self.rng.randint(*self.session_steps)):
                await self.think()
                if time.monotonic() >= until or not self.signed_in:
                    break
                await self.step(self.next_step())
            await self.think()
            if self.signed_in:
                await self.sign_out()
            await self.think()

    async def step(self, name: str) -> None:
        page, rng = self.page, self.rng
        if name in ("square", "home", "hot", "notifications"):
            await self.get(f"web.{name}", {"square": "/"}.get(name, f"/{name}"))
        elif name == "topic":
            topic = rng.choice(page.topics or self.catalogue.topics)
            await self.get("web.topic", "/topics/" + quote(topic, safe=""))
        elif name == "profile":
            username = rng.choice(page.profiles or self.catalogue.usernames)
            await self.get("web.profile", f"/@{username}")
        elif name == "status":
            post = self.some_post()
            username, status_id = (rng.choice(page.statuses) if page.statuses
                                   else (post.username, post.id))
            await self.get("web.status", f"/@{username}/{status_id}")
        elif name == "search":
            await self.get("web.search", "/search?q=" + quote(self.search_query(), safe=""))
        elif name == "post":
            await self.post()
        elif name == "reply":
            await self.reply()
        elif name in ("like", "repost"):
            candidates = page.likeable if name == "like" else page.repostable
            status_id = rng.choice(candidates) if candidates else self.some_post().id
            action = "favourite" if name == "like" else "reblog"
            await self.form(f"web.{name}", f"/statuses/{status_id}/{action}",
                            {"next": page.path})

    async def post(self) -> None:
        """Open the compose page, write, publish (with the form's own idempotency key)."""
        compose = await self.get("web.compose", "/compose")
        if not compose.ok or not self.page.idempotency_key:
            return
        await self.think()
        visibility = self.rng.choices(("public", "unlisted", "private"), weights=(8, 1, 1))[0]
        await self.form("web.post", "/statuses", {
            "text": self.post_text(), "visibility": visibility, "next": "",
            "idempotency_key": self.page.idempotency_key}, multipart=True, lands_on="/@")

    async def reply(self) -> None:
        """Reply through the form under a post, on the post's page."""
        if not self.page.reply_to:
            await self.step("status")
        page = self.page
        if page.reply_to and page.idempotency_key:
            await self.think()
            await self.form("web.reply", "/statuses", {
                "text": self.rng.choice(corpus.REPLIES), "visibility": "public",
                "idempotency_key": page.idempotency_key, "in_reply_to_id": page.reply_to,
                "next": page.path}, multipart=True, lands_on="/@")


class App(Person):
    """A Mastodon app signed in with the password grant (one registered app for everyone, as a
    popular client would be)."""

    STEPS = (("verify_credentials", 4), ("home", 20), ("public", 8), ("tag", 8),
             ("notifications", 8), ("search", 5), ("context", 4), ("post", 8), ("favourite", 9),
             ("reblog", 4), ("follow", 4), ("token", 1))

    def __init__(self, session: aiohttp.ClientSession, client: tuple[str, str], *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.client_id, self.client_secret = client
        self.token = ""
        self.seen: list[Post] = []  # the public posts of the last timeline read
        self.followed: list[str] = []

    async def sign_in(self, kind: str = "api.token") -> bool:
        """The OAuth password grant; a second grant (a new device) revokes the first token."""
        answer = await self.recorder.send(self.session, kind, "POST", "/oauth/token", data={
            "grant_type": "password", "username": self.username, "password": DEMO_PASSWORD,
            "client_id": self.client_id, "client_secret": self.client_secret,
            "scope": "read write follow"}, sign_in=True)
        data = answer.json()
        if answer.status != 200 or not isinstance(data, dict) or not data.get("access_token"):
            return False
        old, self.token = self.token, str(data["access_token"])
        if old:
            await self.recorder.send(self.session, "api.revoke", "POST", "/oauth/revoke", data={
                "client_id": self.client_id, "client_secret": self.client_secret, "token": old})
        return True

    async def api(self, kind: str, method: str, path: str, **kwargs: Any) -> Answer:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        answer = await self.recorder.send(self.session, kind, method, path, headers=headers,
                                          **kwargs)
        if answer.status == 401:
            self.recorder.anomaly(kind, "token refused")
            self.token = ""
        return answer

    async def read(self, kind: str, path: str) -> None:
        answer = await self.api(kind, "GET", path)
        found = posts_of(answer.json()) if answer.status == 200 else []
        if found:
            self.seen = found

    def target(self) -> Post:
        return self.rng.choice(self.seen) if self.seen else self.some_post()

    async def run(self, until: float) -> None:
        """Sign in, then use the API until ``until`` (signing in again if the token is gone)."""
        failures = 0
        while time.monotonic() < until:
            if not self.token and not await self.sign_in():
                failures += 1
                await self.wait_to_retry(failures)
                continue
            failures = 0
            await self.read("api.home", "/api/v1/timelines/home?limit=20")
            while self.token:
                await self.think()
                if time.monotonic() >= until:
                    return
                await self.step(self.next_step())

    async def step(self, name: str) -> None:
        rng = self.rng
        if name in ("home", "public"):
            await self.read(f"api.{name}", f"/api/v1/timelines/{name}?limit=20")
        elif name == "tag":
            topic = quote(rng.choice(self.catalogue.topics), safe="")
            await self.read("api.tag", f"/api/v1/timelines/tag/{topic}?limit=20")
        elif name == "verify_credentials":
            await self.api("api.verify_credentials", "GET", "/api/v1/accounts/verify_credentials")
        elif name == "notifications":
            await self.api("api.notifications", "GET", "/api/v1/notifications?limit=20")
        elif name == "search":
            query = quote(self.search_query(), safe="")
            await self.api("api.search", "GET", f"/api/v2/search?q={query}&type=statuses&limit=20")
        elif name == "context":
            await self.api("api.context", "GET", f"/api/v1/statuses/{self.target().id}/context")
        elif name == "post":
            body: dict[str, Any] = {"status": self.post_text(), "visibility": "public"}
            if self.seen and rng.random() < 0.25:
                body["in_reply_to_id"] = self.target().id
            await self.api("api.post", "POST", "/api/v1/statuses", json=body,
                           headers={"Idempotency-Key": uuid.uuid4().hex})
        elif name in ("favourite", "reblog"):
            status_id = self.target().id
            await self.api(f"api.{name}", "POST", f"/api/v1/statuses/{status_id}/{name}")
        elif name == "follow":
            await self.follow_or_unfollow()
        elif name == "token":
            await self.sign_in()

    async def follow_or_unfollow(self) -> None:
        if self.followed and self.rng.random() < 0.5:
            account_id = self.followed.pop(self.rng.randrange(len(self.followed)))
            await self.api("api.unfollow", "POST", f"/api/v1/accounts/{account_id}/unfollow")
            return
        others = [p.account_id for p in self.seen if p.username != self.username and p.account_id]
        account_id = self.rng.choice(others or self.catalogue.account_ids)
        answer = await self.api("api.follow", "POST", f"/api/v1/accounts/{account_id}/follow")
        if answer.ok:
            self.followed.append(account_id)


async def register_app(session: aiohttp.ClientSession, base_url: str) -> tuple[str, str]:
    """The app every simulated app user signs in through: ``POST /api/v1/apps``."""
    async with session.post(base_url + "/api/v1/apps", data={
            "client_name": "Plaza soak", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write follow"}) as resp:
        data = await resp.json(loads=orjson.loads)
        if resp.status != 200:
            raise RuntimeError(f"app registration failed: {resp.status} {data}")
    return str(data["client_id"]), str(data["client_secret"])


async def sign_in_burst(browsers: Sequence[Browser], apps: Sequence[App]) -> None:
    """Everyone signs in at the same moment: the browsers load the sign-in page first, then
    all the sign-ins (web forms and password grants) leave together; then the browsers go
    home (their new CSRF token) and sign out, and the apps forget their tokens."""
    loaded = await asyncio.gather(*(b.load_sign_in_page() for b in browsers))
    ready = [b for b, ok in zip(browsers, loaded, strict=True) if ok]
    await asyncio.gather(*(b.submit_sign_in("web.signin_burst") for b in ready),
                         *(a.sign_in("api.token_burst") for a in apps))

    async def leave(browser: Browser) -> None:
        await browser.get("web.home", "/home")
        await browser.sign_out()

    await asyncio.gather(*(leave(b) for b in ready if b.signed_in))
    for app in apps:
        app.token = ""
