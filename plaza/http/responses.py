"""Answers: JSON serialised by orjson, and lists paged by id with keyset ``Link`` headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from plaza.http.context import plaza_of


class ORJSONResponse(Response):
    """A JSON response serialised by orjson (several times faster than the standard library)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


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


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(columns: Sequence[str], rows: list[list[Any]], fmt: str, filename: str, sheet: str) -> Response:
    """A table as CSV (UTF-8 with a byte order mark, for spreadsheet programs) or XLSX."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if cell is None else cell for cell in row])
        body, media = out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook  # loaded on the first download only

        book = Workbook(write_only=True)
        page = book.create_sheet(sheet[:31])
        page.append(list(columns))
        for row in rows:
            page.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        body, media = buffer.getvalue(), XLSX_TYPE
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})
