"""Hot search pages (热搜): the hot list — national, or a city's (同城热搜) — with its pinned slot and
its auto-refreshed fragment, the square's top-10 box, and the administrators' hot-search page
(热搜管理: pinned slots, blocks, review, refresh, the history of their actions).

Numbers and times are written the reader's way: 1.2万 / 6.2亿 in Chinese, 12K / 620M in English.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plaza import i18n, regions
from plaza.errors import Invalid, NotFound, PlazaError
from plaza.hot.lists import HotSnapshot, WarningPin
from plaza.hot.service import HotService
from plaza.http.locale import request_locale
from plaza.square import accounts
from plaza.web.admin import require_staff
from plaza.web.common import plaza_of
from plaza.web.rendering import CHINA_TIME, render
from plaza.web.sessions import checked_form, current_account

#: A heat label (标签) → the CSS class that gives it its colour and its message key.
LABELS: dict[str, tuple[str, str]] = {
    "新": ("label-new", "hot_label_new"),
    "热": ("label-hot", "hot_label_hot"),
    "沸": ("label-boil", "hot_label_boil"),
    "爆": ("label-boom", "hot_label_boom"),
}
#: The square's side box shows this many entries.
TOP_BOX = 10
HISTORY_ROWS = 50


# --- how numbers, durations and times read ------------------------------------------------------

def compact_count(n: int | float | None, locale: str) -> str:
    """A count as people read it: 9999, 1.2万, 12.3万, 6.2亿 in Chinese; 999, 1.2K, 12K, 620M in
    English (one decimal below 10 in English and below 100 in Chinese, none above)."""
    if n is None:
        return ""
    value = int(n)
    if value < 0:
        return "-" + compact_count(-value, locale)
    units = ((10**8, "亿"), (10**4, "万")) if locale != "en" else (
        (10**9, "B"), (10**6, "M"), (10**3, "K"))
    limit = 100 if locale != "en" else 10
    for index, (size, suffix) in enumerate(units):
        if value < size:
            continue
        scaled = value / size
        text = f"{scaled:.1f}" if scaled < limit else f"{scaled:.0f}"
        bigger = units[index - 1][0] if index > 0 else None
        if bigger is not None and float(text) * size >= bigger:  # 9999.96万 reads as 1亿
            return compact_count(bigger, locale)
        return text.removesuffix(".0") + suffix
    return str(value)


def duration(seconds: float, locale: str) -> str:
    """A length of time: 不到 1 分钟, 12 分钟, 3 小时 5 分钟, 2 天 4 小时 (English alike)."""
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return i18n.gettext("duration_under_minute", locale)
    if minutes < 60:
        return i18n.gettext("duration_minutes", locale, m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return i18n.gettext("duration_hours", locale, h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return i18n.gettext("duration_days", locale, d=days, h=hours)


def clock_time(at: float | datetime | None) -> str:
    """A moment in China Standard Time: ``HH:MM:SS`` today, else ``YYYY-MM-DD HH:MM``."""
    if at is None:
        return ""
    moment = at if isinstance(at, datetime) else datetime.fromtimestamp(at, CHINA_TIME)
    moment = moment.astimezone(CHINA_TIME)
    if moment.date() == datetime.now(CHINA_TIME).date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")


def formatting(request: Request) -> dict[str, Any]:
    """Template helpers of the hot-search pages, in the reader's language."""
    locale = request_locale(request)
    return {
        "compact": lambda n: compact_count(n, locale),
        "duration": lambda seconds: duration(seconds, locale),
        "clock_time": clock_time,
    }


# --- the lists ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HotRow:
    """One entry as the page shows it: the topic under its display name."""

    rank: int
    topic: str
    heat: int
    label: str | None
    label_class: str
    label_key: str
    onboard_at: float
    reads: int
    discussions: int


@dataclass(frozen=True, slots=True)
class HotPage:
    """A list as the page shows it; ``refreshed_at`` None means it was never computed."""

    city: str | None
    refreshed_at: float | None
    now: float
    pinned_topic: str | None
    pinned_note: str
    rows: tuple[HotRow, ...]
    #: official warnings in force in the city, pinned above everything (the most severe first)
    warnings: tuple[WarningPin, ...] = ()


def list_city(raw: str | None) -> str | None:
    """The list a ``city`` value names: absent or empty is the national list; a county reads as
    its city's; anything else is a 422 in the reader's language."""
    raw = (raw or "").strip()
    if not raw:
        return None
    code = regions.city_code(raw) if len(raw) == 6 and raw.isdigit() else None
    if code is None:
        raise Invalid("city_invalid", code=raw[:12])
    return code


def _label(label: str | None) -> tuple[str, str]:
    return LABELS.get(label or "", ("", ""))


def hot_page_of(hot: HotService, city: str | None, limit: int | None = None) -> HotPage:
    """The list the last refresh published, ready to render (engine and database reads)."""
    snapshot: HotSnapshot | None = hot.hot_list(city)
    entries = snapshot.entries[:limit] if snapshot is not None else ()
    pinned = snapshot.pinned if snapshot is not None else None
    names = hot.names([e.topic for e in entries] + ([pinned.topic] if pinned else []))
    rows = tuple(HotRow(e.rank, names[e.topic], e.heat, e.label, *_label(e.label), e.onboard_at,
                        e.reads, e.discussions) for e in entries)
    return HotPage(city, snapshot.refreshed_at if snapshot is not None else None, hot.clock(),
                   names[pinned.topic] if pinned else None, pinned.note if pinned else "", rows,
                   tuple(hot.warnings(city)))


def poll_seconds(hot: HotService) -> int:
    """How often an open hot page asks for the list again: the refresh interval, between 2 s and
    30 s (a list is never newer than its last refresh)."""
    return int(min(max(hot.refresh_seconds, 2), 30))


def _list_context(request: Request, city: str | None, page: HotPage) -> dict[str, Any]:
    query = "?" + urlencode({"city": city}) if city else ""
    return {"hot": page, "city": city, "fragment_url": "/hot/list" + query,
            "poll_seconds": poll_seconds(plaza_of(request).hot), **formatting(request)}


def _home_city(request: Request) -> str:
    viewer = current_account(request)
    home = regions.city_code(viewer.home_city) if viewer is not None and viewer.home_city else None
    return home or plaza_of(request).settings.default_city


async def hot_page(request: Request) -> Response:
    """The hot list page (热搜榜): national by default, a city's with ``?city=``."""
    city = list_city(request.query_params.get("city"))
    hot = plaza_of(request).hot
    page = await hot.io(lambda: hot_page_of(hot, city))
    return render(request, "hot.html", {**_list_context(request, city, page),
                                        "picker_city": city or _home_city(request)})


async def hot_fragment(request: Request) -> Response:
    """Just the list (``_hot_list.html``), for the page's script to swap in without a reload."""
    city = list_city(request.query_params.get("city"))
    hot = plaza_of(request).hot
    page = await hot.io(lambda: hot_page_of(hot, city))
    return render(request, "_hot_list.html", _list_context(request, city, page))


async def top_box(request: Request) -> HotPage | None:
    """The national list's first entries for the square's side column (None when never computed)."""
    hot = plaza_of(request).hot
    page = await hot.io(lambda: hot_page_of(hot, None, TOP_BOX))
    return page if page.refreshed_at is not None else None


# --- administrators -------------------------------------------------------------------------------

#: Actions of the administrators' page; each takes the form and the acting account's id.
ADMIN_ACTIONS = ("pin", "unpin", "block", "unblock", "review", "approve", "reject", "refresh")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _topic(form: FormData, name: str = "topic") -> str:
    """A topic or keyword typed into a form (``#…#`` marks dropped)."""
    value = _text(form, name).strip("#").strip()
    if not value:
        raise Invalid("hot_form_keyword_missing" if name == "keyword" else "hot_form_topic_missing")
    return value  # its length is the service's to check, for the web and the API alike


def _note(form: FormData) -> str:
    return _text(form, "note")


def _block(hot: HotService, form: FormData, by: int, block: bool) -> None:
    if _text(form, "kind") == "keyword":
        (hot.block_keyword if block else hot.unblock_keyword)(_topic(form, "keyword"), by=by)
    else:
        (hot.block_topic if block else hot.unblock_topic)(_topic(form), by=by)


def _review(hot: HotService, form: FormData, by: int) -> None:
    value = _text(form, "enabled")
    if value not in ("true", "false"):
        raise Invalid("parameter_invalid", name="enabled")
    hot.set_review(value == "true", by=by)


def _refresh(hot: HotService, by: int) -> None:
    hot.refresh(by=by)


_DO: dict[str, Callable[[HotService, FormData, int], None]] = {
    "pin": lambda hot, f, by: hot.pin(_topic(f), _note(f), list_city(_text(f, "city")), by=by),
    "unpin": lambda hot, f, by: hot.unpin(list_city(_text(f, "city")), by=by),
    "block": lambda hot, f, by: _block(hot, f, by, True),
    "unblock": lambda hot, f, by: _block(hot, f, by, False),
    "review": _review,
    "approve": lambda hot, f, by: hot.approve(_topic(f), by=by),
    "reject": lambda hot, f, by: hot.reject(_topic(f), by=by),
    "refresh": lambda hot, f, by: _refresh(hot, by),
}


def _admin_view(hot: HotService, db: Any) -> dict[str, Any]:
    """The controls, the review queue and the history, topics under their display names and
    actors as account rows."""
    state = hot.admin_state()
    history = list(hot.admin_history(limit=HISTORY_ROWS))
    names = hot.names([*(p.topic for p in state.pinned.values()), *state.blocked_topics, *state.pending,
                       *state.approved, *state.rejected, *(a.topic for a in history if a.topic)])
    with db.read() as conn:
        actors = accounts.get_many(conn, {a.account_id for a in history if a.account_id is not None})
    pinned = [{"city": city, "topic": names[p.topic], "note": p.note, "set_at": p.set_at}
              for city, p in sorted(state.pinned.items(), key=lambda kv: kv[0] or "")]
    return {
        "review": state.review,
        "pinned": pinned,
        "blocked_topics": sorted(names[t] for t in state.blocked_topics),
        "blocked_keywords": sorted(state.blocked_keywords),
        "pending": [{"topic": names[t], "since": state.pending[t]}
                    for t in sorted(state.pending, key=lambda t: (state.pending[t], t))],
        "approved": sorted(names[t] for t in state.approved),
        "rejected": sorted(names[t] for t in state.rejected),
        "history": [{"at": a.at, "actor": actors.get(a.account_id) if a.account_id is not None else None,
                     "action": a.action, "action_key": "hot_action_" + a.action,
                     "topic": names[a.topic] if a.topic else "", "city": a.city,
                     "note": a.note or ""} for a in history],
    }


async def _admin_page(request: Request, *, error: str | None = None, form: dict[str, str] | None = None,
                      status_code: int = 200) -> Response:
    plaza = plaza_of(request)
    hot = plaza.hot
    view = await asyncio.to_thread(_admin_view, hot, plaza.db)  # the history is read from the database
    done = request.query_params.get("done", "")
    return render(request, "admin_hot.html", {
        **view, "error": error, "done": "hot_done_" + done if done in ADMIN_ACTIONS else "",
        "form": form or {}, "refresh_seconds": int(hot.refresh_seconds), **formatting(request),
    }, status_code=status_code)


async def admin_hot_page(request: Request) -> Response:
    """The administrators' hot-search page (热搜管理); moderators and administrators only."""
    require_staff(request)
    return await _admin_page(request)


async def admin_hot_action(request: Request) -> Response:
    """One form of the administrators' page: do it, then back to the page with a notice; bad
    input shows the page again with the message and what was typed."""
    viewer = require_staff(request)
    action = request.path_params["action"]
    if action not in _DO:
        raise NotFound("not_found")
    form = await checked_form(request)
    hot = plaza_of(request).hot
    try:
        # in a thread: the action is logged (and a refresh stored) in the database
        await asyncio.to_thread(_DO[action], hot, form, int(viewer.id))
    except PlazaError as exc:
        typed = {f"{action}_{k}": v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return await _admin_page(request, error=exc.message(request_locale(request)), form=typed,
                                 status_code=exc.status)
    return RedirectResponse(f"/admin/hot?done={action}", status_code=303)
