"""Jinja2 templates (autoescaped) and the helpers every page uses: translation, the viewer,
the CSRF field, badges, avatars, places and times in the reader's language."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

import plaza.i18n.ui  # noqa: F401  (registers the UI catalogue)
from plaza import i18n, regions
from plaza.accounts import kinds, policy
from plaza.clock import as_utc, utcnow
from plaza.http.locale import request_locale
from plaza.square import media
from plaza.square.views import StatusView, account_path, topic_path
from plaza.web.sessions import CSRF_FIELD, csrf_token, current_account

TEMPLATES = Path(__file__).parent / "templates"
#: Times are shown in China Standard Time, the time of the square's readers.
CHINA_TIME = timezone(timedelta(hours=8))
LANG_COOKIE = "plaza_lang"


def label(table: dict[str, tuple[str, str]], key: str | None, locale: str) -> str:
    """A label from one of the (Chinese, English) tables of :mod:`plaza.square.accounts`."""
    if not key or key not in table:
        return ""
    return table[key][1 if locale == "en" else 0]


def place_name(code: str | None, locale: str) -> str:
    if not code:
        return ""
    if code == kinds.NATIONAL_REGION:
        return i18n.gettext("national", locale)
    place = regions.resolve(code)
    return place.full_name if place is not None else code


def city_name(code: str | None) -> str:
    division = regions.lookup(code) if code else None
    return division.name if division is not None else (code or "")


@lru_cache(maxsize=1)
def city_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Cities for a picker, grouped by province: ((province name, ((code, name), …)), …)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for city in regions.cities():
        province = regions.lookup(city.code[:2] + "0000")
        groups.setdefault(province.name if province else city.name, []).append((city.code, city.name))
    return tuple((name, tuple(cities)) for name, cities in groups.items())


def avatar_url(account: Row[Any]) -> str:
    """The account's picture from this server's media folder; pages never load images from
    other hosts, so a remote address falls back to the default picture."""
    avatar = getattr(account, "avatar", None)
    if not avatar or avatar.startswith(("http://", "https://", "//")):
        return "/static/avatar.png"
    if avatar.startswith("/"):
        return str(avatar)
    return "/media/" + avatar


def media_url(image: Row[Any], visibility: str) -> str:
    """Where a post's image is opened in full: a signed, expiring link when the post is not
    public (the page is shown only to viewers who may see it)."""
    return media.paths(image, visibility)[0]


def preview_url(image: Row[Any], visibility: str) -> str:
    """The image a timeline shows: its thumbnail (the image itself when it has none)."""
    return media.paths(image, visibility)[1]


def badge(account: Row[Any]) -> str:
    """``gov`` (blue V) for verified government accounts, ``org`` (gold) for media and
    organisations, else empty."""
    if account.kind == "government" and account.verified_at is not None:
        return "gov"
    if account.kind in ("media", "organisation"):
        return "org"
    return ""


def status_path(account: Row[Any], status_id: int) -> str:
    return f"{account_path(account.username)}/{status_id}"


def when(value: datetime | None, locale: str) -> str:
    """A short time: "刚刚" / "5 分钟前" today, else the date and time in China Standard Time."""
    if value is None:
        return ""
    value = as_utc(value)
    seconds = (utcnow() - value).total_seconds()
    if seconds < 60:
        return i18n.gettext("time_just_now", locale)
    if seconds < 3600:
        return i18n.gettext("time_minutes_ago", locale, n=int(seconds // 60))
    if seconds < 86400:
        return i18n.gettext("time_hours_ago", locale, n=int(seconds // 3600))
    local = value.astimezone(CHINA_TIME)
    return local.strftime("%Y-%m-%d %H:%M")


def post_html(view: StatusView) -> Markup:
    """A post's body: the one piece of HTML not escaped here, because the square's renderer
    built it from escaped text (see :func:`plaza.square.text.render_html`)."""
    return Markup(view.html)


def topics_of(statuses: list[StatusView], limit: int = 10) -> list[str]:
    """The topics of the posts on a page, first seen first, for the sidebar."""
    seen: dict[str, None] = {}
    for entry in statuses:
        for name in (entry.reblog or entry).topics:
            seen.setdefault(name, None)
    return list(seen)[:limit]


#: A warning level (预警级别) → the colour a page shows it in.
WARNING_COLOURS = {"蓝色": "blue", "黄色": "yellow", "橙色": "orange", "红色": "red"}


def warning_colour(level: str | None) -> str:
    """``red``, ``orange``, ``yellow``, ``blue`` for a warning's level (its CSS class), else ``none``."""
    return WARNING_COLOURS.get(level or "", "none")


def iso(value: datetime | None) -> str:
    return as_utc(value).isoformat() if value is not None else ""


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        topic_path=topic_path, account_path=account_path, status_path=status_path,
        avatar_url=avatar_url, media_url=media_url, preview_url=preview_url, badge=badge, city_name=city_name, city_groups=city_groups,
        levels=kinds.LEVELS, department_types=kinds.DEPARTMENT_TYPES,
        organisation_types=kinds.ORGANISATION_TYPES, iso=iso, post_html=post_html, topics_of=topics_of,
        new_key=lambda: secrets.token_urlsafe(16), warning_colour=warning_colour,
    )
    return env


ENV = _environment()


def lang_url(request: Request, locale: str) -> str:
    """This page in another language (``?lang=``); after a form post, the front page."""
    if request.method != "GET":
        return "/?" + urlencode({"lang": locale})
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", locale))
    return request.url.path + "?" + urlencode(params)


def older_url(request: Request, max_id: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("max_id", "lang")]
    params.append(("max_id", str(max_id)))
    return request.url.path + "?" + urlencode(params)


def page_context(request: Request) -> dict[str, Any]:
    """What every template can read."""
    viewer = current_account(request)
    locale = request_locale(request)
    settings = request.app.state.plaza.settings

    def t(key: str, **params: Any) -> str:
        return i18n.gettext(key, locale, **params)

    token = csrf_token(request)
    return {
        "request": request,
        "viewer": viewer,
        "locale": locale,
        "html_lang": "en" if locale == "en" else "zh-CN",
        "t": t,
        "settings": settings,
        "is_staff": policy.is_staff(viewer),
        "may_warn": policy.may_issue_any_warning(viewer),
        #: status id → the warning in force it announces (its colour, pinned); pages with posts set it
        "warning_marks": {},
        "beijing_time": lambda value: as_utc(value).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
        if value is not None else "",
        "csrf_field": Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "lang_url": lambda code: lang_url(request, code),
        "older_url": lambda max_id: older_url(request, max_id),
        "when": lambda value: when(value, locale),
        "place_name": lambda code: place_name(code, locale),
        "level_label": lambda key: label(kinds.LEVELS, key, locale),
        "department_label": lambda key: label(kinds.DEPARTMENT_TYPES, key, locale),
        "organisation_label": lambda key: label(kinds.ORGANISATION_TYPES, key, locale),
    }


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render ``template`` for this request; a ``?lang=`` choice is remembered in a cookie."""
    values = page_context(request)
    if context:
        values.update(context)
    html = ENV.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    chosen = request.query_params.get("lang")
    if chosen:
        remember_language(request, response, chosen)
    return response


def remember_language(request: Request, response: Response, locale: str) -> None:
    """The reader's language in a cookie for a year (``Secure`` when Plaza is served over https)."""
    response.set_cookie(LANG_COOKIE, i18n.normalise(locale), max_age=365 * 24 * 3600, samesite="lax",
                        httponly=True, secure=request.app.state.plaza.settings.is_https)
