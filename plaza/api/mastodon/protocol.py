"""The HTTP plumbing every Mastodon endpoint shares: fast JSON responses, request parameters
(query, JSON, form-urlencoded or multipart, with ``name[]`` arrays), bearer-token authorisation
with Mastodon's scope rules, and keyset ``Link`` headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode

import orjson
from sqlalchemy import Row
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from plaza.errors import BadRequest, Forbidden, Invalid, NotFound, Unauthorized
from plaza.http.limits import check_json, check_text
from plaza.identity import tokens
from plaza.identity.tokens import Token
from plaza.square import accounts
from plaza.square.pagination import parse_id

if TYPE_CHECKING:
    from plaza.instance import Plaza

T = TypeVar("T")
TRUE = frozenset({"1", "true", "on", "yes", "t"})
FALSE = frozenset({"0", "false", "off", "no", "f", ""})


class ORJSONResponse(Response):
    """A JSON response serialised by orjson (several times faster than the standard library)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def plaza_of(request: Request) -> Plaza:
    return request.app.state.plaza  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- parameters ---------------------------------------------------------------------------------

class Params:
    """Request parameters from the query string and the body, merged (the body wins).

    ``media_ids[]=1&media_ids[]=2``, repeated ``media_ids``, and JSON arrays all read as one list;
    a JSON object ``{"source": {"language": "en"}}`` also reads as ``source[language]``.
    """

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[str, list[Any]] = {}

    def add(self, key: str, value: Any) -> None:
        key = key.removesuffix("[]")
        if isinstance(value, dict):
            for sub, item in value.items():
                self.add(f"{key}[{sub}]", item)
            self._values.setdefault(key, []).append(value)
        elif isinstance(value, list):
            self._values.setdefault(key, []).extend(value)
        else:
            self._values.setdefault(key, []).append(value)

    def update(self, other: Params) -> None:
        """Take every parameter ``other`` has, replacing what was here under the same name."""
        self._values.update(other._values)

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def keys(self) -> list[str]:
        return list(self._values)

    def get(self, key: str) -> Any:
        values = self._values.get(key)
        return values[-1] if values else None

    def text(self, key: str) -> str | None:
        """The value as a string (None when absent or a file)."""
        value = self.get(key)
        if value is None or isinstance(value, UploadFile):
            return None
        if isinstance(value, (dict, list)):
            raise Invalid("parameter_invalid", name=key)
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)

    def values(self, key: str) -> list[Any]:
        return [v for v in self._values.get(key, []) if v is not None and v != ""]

    def flag(self, key: str, default: bool = False) -> bool:
        return parse_bool(self.get(key), key, default)

    def id(self, key: str) -> int | None:
        return parse_id(self.text(key), key)

    def ids(self, key: str, *, skip_malformed: bool = False) -> list[int]:
        """Every id given as ``key`` (``key[]``); with ``skip_malformed`` a value that is not a
        number is passed over, as Mastodon passes over ids it cannot find. A number out of an
        id's range is a 422 either way."""
        out = []
        for value in self.values(key):
            text = str(value)
            if skip_malformed and not (text.isascii() and text.isdigit()):
                continue
            number = parse_id(text, key)
            if number is not None:
                out.append(number)
        return out

    def file(self, key: str) -> UploadFile | None:
        value = self.get(key)
        return value if isinstance(value, UploadFile) else None


def parse_bool(value: Any, name: str = "value", default: bool = False) -> bool:
    """Mastodon's booleans: true/false, 1/0, on/off, yes/no, JSON booleans; absent is ``default``."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise Invalid("parameter_invalid", name=name)


def query_params(request: Request) -> Params:
    params = Params()
    for key, value in request.query_params.multi_items():
        params.add(key, value)
    return params


async def read_params(request: Request, *, max_part_size: int = 1024 * 1024, controls: bool = True) -> Params:
    """Query and body parameters of a request, whatever the body's encoding. Text holding a
    control character (but tab and line breaks) is refused (400 naming the parameter) unless
    ``controls`` is off: OAuth's endpoints answer each field as RFC 6749 and 7009 say
    (``identity.oauth`` refuses control characters field by field). JSON nested deeper than
    :data:`~plaza.http.limits.MAX_JSON_DEPTH` is refused either way."""
    params = query_params(request)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_part_size=max_part_size)
        except (HTTPException, MultiPartException, ValueError) as exc:
            raise BadRequest("body_invalid") from exc
        body = Params()
        for key, value in form.multi_items():
            if controls:
                check_text(key, key)
                if isinstance(value, str):
                    check_text(value, key)
            body.add(key, value)
        params.update(body)
    elif content_type.endswith("json") or (content_type == "" and request.method != "GET"):
        raw = await request.body()
        if raw.strip():
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise BadRequest("body_invalid") from exc
            if not isinstance(data, dict):
                raise BadRequest("body_invalid")
            check_json(data, controls=controls)
            body = Params()
            for key, value in data.items():
                body.add(key, value)
            params.update(body)
    return params


def path_id(request: Request, name: str = "id", key: str = "not_found") -> int:
    """An id in the URL path; a malformed one is a 404, as Mastodon answers."""
    raw = request.path_params[name]
    try:
        value = parse_id(raw, name)
    except Invalid:
        value = None
    if value is None:
        raise NotFound(key)
    return value


async def off_loop(request: Request, work: Callable[[], T]) -> T:
    """Database work of a read. On PostgreSQL each statement waits for a network round trip, so
    the work runs on a reader thread and the event loop serves other requests meanwhile; on
    SQLite nothing waits, and the hop to a thread would cost more than it saves."""
    db = plaza_of(request).db
    if db.is_sqlite:
        return work()
    return await db.reading(work)


# --- who is asking ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Caller:
    """The bearer of a valid token: the token, and its account (None for an app-only token)."""

    token: Token
    account: Row[Any] | None

    @property
    def user(self) -> Row[Any]:
        """The account, for endpoints that refused app-only tokens (``authenticate(user=True)``)."""
        assert self.account is not None
        return self.account

    @property
    def account_id(self) -> int:
        return int(self.user.id)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def authenticate(request: Request, *scopes: str, user: bool = True) -> Caller:
    """The caller, or 401 when the token is missing or invalid; 403 when the token lacks every
    one of ``scopes`` or its account is suspended or still awaiting approval. With ``user`` an
    app-only token (client credentials) is refused, as Mastodon refuses it (422)."""
    token = token_of(request, *scopes, user=user)
    account = None
    if token.account_id is not None:
        try:
            account = accounts.get_acting(plaza_of(request).db, token.account_id)
        except NotFound:
            account = None
    return admit(request, token, account)


def token_of(request: Request, *scopes: str, user: bool = True) -> Token:
    """The first half of :func:`authenticate`, for a handler that reads the acting account inside
    a statement of its own: the token checked (401, 403 for scopes, 422 where ``user``), the
    account not yet. Answer nothing before :func:`admit` has checked the account."""
    secret = bearer(request)
    token = tokens.authenticate(plaza_of(request).db, secret) if secret else None
    if token is None:
        raise Unauthorized("token_invalid")
    if scopes and not any(tokens.scope_allows(token.scopes, s) for s in scopes):
        raise Forbidden("scope_missing", scope=" / ".join(scopes))
    if token.account_id is None and user:
        raise Invalid("user_required")
    return token


def admit(request: Request, token: Token, account: Row[Any] | None) -> Caller:
    """The second half of :func:`authenticate`: the token's account as read just now (None when
    it no longer exists: 401), refused while suspended or awaiting approval (403)."""
    if token.account_id is None:
        return Caller(token, None)
    if account is None:
        raise Unauthorized("token_invalid")
    request.state.account = account
    if account.suspended:
        raise Forbidden("account_suspended")
    if not account.approved:
        raise Forbidden("account_pending")
    return Caller(token, account)


def viewer_token(request: Request, *scopes: str) -> Token | None:
    """:func:`token_of` for public endpoints: None when no token came."""
    return token_of(request, *scopes, user=False) if bearer(request) is not None else None


def viewer(request: Request, *scopes: str) -> Row[Any] | None:
    """For public endpoints: the signed-in account if a token came (checked as strictly as on
    private endpoints), else None."""
    if bearer(request) is None:
        return None
    return authenticate(request, *scopes, user=False).account


# --- pagination ---------------------------------------------------------------------------------

_PAGE_KEYS = frozenset({"max_id", "min_id", "since_id"})


def link_header(request: Request, next_max_id: int | None, prev_min_id: int | None) -> str | None:
    """``<…?max_id=N>; rel="next", <…?min_id=M>; rel="prev"`` — next first, as clients that
    read only the first link (toot) expect."""
    if next_max_id is None and prev_min_id is None:
        return None
    base = plaza_of(request).settings.base_url + quote(request.scope["path"], safe="/@:+,;=")
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in _PAGE_KEYS]
    links = []
    if next_max_id is not None:
        links.append(f'<{base}?{urlencode(kept + [("max_id", str(next_max_id))])}>; rel="next"')
    if prev_min_id is not None:
        links.append(f'<{base}?{urlencode(kept + [("min_id", str(prev_min_id))])}>; rel="prev"')
    return ", ".join(links)


def page_response(request: Request, body: Any, ids: list[int], limit: int) -> ORJSONResponse:
    """A list answer with its ``Link`` header: ``next`` while pages come back full, ``prev`` from
    the newest item."""
    headers = {}
    link = link_header(request, ids[-1] if ids and len(ids) >= limit else None, ids[0] if ids else None)
    if link:
        headers["Link"] = link
    return ORJSONResponse(body, headers=headers)
