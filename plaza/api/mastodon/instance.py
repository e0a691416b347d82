"""What a client asks about the server before anything else: the instance (v1 and v2), and the
cheap start-up endpoints (emojis, preferences, filters, lists, markers, announcements …) that
answer empty because Plaza has no such feature."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import plaza
from plaza.http.bearer import authenticate
from plaza.http.context import plaza_of
from plaza.http.responses import ORJSONResponse
from plaza.square import media, stats
from plaza.square.posts import MAX_MEDIA

from .entities import API_VERSION, DEFAULT_AVATAR, VERSION, domain

STATS_TTL = 60.0
DESCRIPTION = "政务微博广场：政府账号与市民在这里相遇。A public square where government accounts and citizens meet."


def _stats(request: Request) -> dict[str, int]:
    """User and post counts, recounted at most once a minute."""
    state = request.app.state
    cached = getattr(state, "mastodon_instance_stats", None)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]  # type: ignore[no-any-return]
    people, originals = stats.totals(plaza_of(request).db)
    totals = {"user_count": people, "status_count": originals, "domain_count": 0}
    state.mastodon_instance_stats = (now + STATS_TTL, totals)
    return totals


def _plaza_extension(request: Request) -> dict[str, Any]:
    """What Plaza adds to the Mastodon API, for clients that know to look."""
    return {
        "version": plaza.__version__,
        "default_city": plaza_of(request).settings.default_city,
        "account_fields": ["plaza_city"],
        "status_fields": ["plaza_city", "plaza_latitude", "plaza_longitude"],
        "timelines": {"city": "/api/v1/timelines/city/{code}"},
        "notification_types": {"reply": "mention"},
    }


def _configuration(request: Request) -> dict[str, Any]:
    settings = plaza_of(request).settings
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": {"max_characters": settings.max_post_chars, "max_media_attachments": MAX_MEDIA,
                     "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": [ct for ct, _ in media.FORMATS.values()],
            "image_size_limit": settings.max_image_bytes, "image_matrix_limit": media.MAX_PIXELS,
            "video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0,
            "description_limit": 1500,
        },
        "polls": {"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0,
                  "max_expiration": 0},
    }


def _streaming_url(base: str) -> str:
    return "ws" + base[4:] if base.startswith("http") else base


async def instance_v1(request: Request) -> Response:
    settings = plaza_of(request).settings
    base = settings.base_url
    return ORJSONResponse({
        "uri": domain(base),
        "title": settings.instance_title,
        "short_description": DESCRIPTION,
        "description": DESCRIPTION,
        "email": "",
        "version": VERSION,
        "api_versions": {"mastodon": API_VERSION},
        "urls": {"streaming_api": _streaming_url(base)},
        "stats": _stats(request),
        "thumbnail": base + DEFAULT_AVATAR,
        "languages": ["zh", "en"],
        "registrations": settings.registrations_open,
        "approval_required": settings.approval_required,
        "invites_enabled": False,
        "configuration": _configuration(request),
        "contact_account": None,
        "rules": [],
        "plaza": _plaza_extension(request),
    })


async def instance_v2(request: Request) -> Response:
    settings = plaza_of(request).settings
    base = settings.base_url
    configuration = _configuration(request)
    configuration.update({"urls": {"streaming": _streaming_url(base)}, "vapid": {"public_key": ""},
                          "translation": {"enabled": False}})
    return ORJSONResponse({
        "domain": domain(base),
        "title": settings.instance_title,
        "version": VERSION,
        "api_versions": {"mastodon": API_VERSION},
        "source_url": base,
        "description": DESCRIPTION,
        "usage": {"users": {"active_month": _stats(request)["user_count"]}},
        "thumbnail": {"url": base + DEFAULT_AVATAR},
        "icon": [],
        "languages": ["zh", "en"],
        "configuration": configuration,
        "registrations": {"enabled": settings.registrations_open,
                          "approval_required": settings.approval_required,
                          "message": None, "url": None},
        "contact": {"email": "", "account": None},
        "rules": [],
        "plaza": _plaza_extension(request),
    })


async def empty_public_list(request: Request) -> Response:
    return ORJSONResponse([])


def _empty_list(*scopes: str):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        authenticate(request, *scopes)
        return ORJSONResponse([])
    return endpoint


async def markers(request: Request) -> Response:
    """Read positions are not kept: nothing is marked, and marking is accepted and forgotten."""
    authenticate(request, "read:statuses" if request.method == "GET" else "write:statuses")
    return ORJSONResponse({})


async def preferences(request: Request) -> Response:
    caller = authenticate(request, "read:accounts")
    return ORJSONResponse({
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": "en" if caller.user.locale == "en" else "zh",
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })


def routes() -> list[BaseRoute]:
    return [
        # mastodon-py asks with a trailing slash; answer both without a redirect.
        Route("/api/v1/instance", instance_v1, methods=["GET"]),
        Route("/api/v1/instance/", instance_v1, methods=["GET"]),
        Route("/api/v2/instance", instance_v2, methods=["GET"]),
        Route("/api/v2/instance/", instance_v2, methods=["GET"]),
        Route("/api/v1/instance/peers", empty_public_list, methods=["GET"]),
        Route("/api/v1/instance/rules", empty_public_list, methods=["GET"]),
        Route("/api/v1/custom_emojis", empty_public_list, methods=["GET"]),
        Route("/api/v1/announcements", _empty_list(), methods=["GET"]),
        Route("/api/v1/preferences", preferences, methods=["GET"]),
        Route("/api/v1/markers", markers, methods=["GET", "POST"]),
        Route("/api/v1/filters", _empty_list("read:filters"), methods=["GET"]),
        Route("/api/v2/filters", _empty_list("read:filters"), methods=["GET"]),
        Route("/api/v1/lists", _empty_list("read:lists"), methods=["GET"]),
        Route("/api/v1/follow_requests", _empty_list("read:follows", "follow"), methods=["GET"]),
        Route("/api/v1/mutes", _empty_list("read:mutes", "follow"), methods=["GET"]),
        Route("/api/v1/blocks", _empty_list("read:blocks", "follow"), methods=["GET"]),
        Route("/api/v1/bookmarks", _empty_list("read:bookmarks"), methods=["GET"]),
        Route("/api/v1/followed_tags", _empty_list("read:follows"), methods=["GET"]),
        Route("/api/v1/featured_tags", _empty_list("read:accounts"), methods=["GET"]),
    ]
