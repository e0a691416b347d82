"""Request parameters for the APIs: query, JSON, form-urlencoded or multipart, with ``name[]``
arrays, read the same way whatever the encoding; text with control characters and JSON nested
without end refused as they are read; ids in the path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from plaza.errors import BadRequest, Invalid, NotFound
from plaza.http.limits import check_json, check_text
from plaza.square.pagination import parse_id

TRUE = frozenset({"1", "true", "on", "yes", "t"})
FALSE = frozenset({"0", "false", "off", "no", "f", ""})


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

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._values))

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

    def bounded(self, key: str, default: int, maximum: int, *, minimum: int = 1) -> int:
        """A whole number in ``[minimum, maximum]`` (a page's ``limit``, an ``offset``); the
        default when absent; 422 ``number_out_of_range`` naming the range otherwise."""
        raw = self.text(key)
        if raw is None or raw == "":
            return default
        if not (raw.isascii() and raw.isdigit()) or not minimum <= int(raw) <= maximum:
            raise Invalid("number_out_of_range", name=key, min=minimum, max=maximum)
        return int(raw)

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
