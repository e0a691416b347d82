"""Errors a person can act on: each carries a message key (translated by :mod:`plaza.i18n`) and
the HTTP status the interface layers answer with."""

from __future__ import annotations

from typing import Any


class PlazaError(Exception):
    """Base of every error a user may see. ``key`` names a message in the catalogue."""

    status = 400
    #: Extra response headers (``WWW-Authenticate`` of a failed client authentication).
    headers: dict[str, str] | None = None
    #: Extra fields of a JSON error answer (a stale step's 409 carries the current state and version).
    details: dict[str, Any] | None = None

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, locale: str | None = None) -> str:
        from plaza.i18n import gettext

        return gettext(self.key, locale, **self.params)


class Invalid(PlazaError):
    """The input breaks a rule (422)."""

    status = 422


class BadRequest(PlazaError):
    status = 400


class Unauthorized(PlazaError):
    status = 401


class Forbidden(PlazaError):
    status = 403


class NotFound(PlazaError):
    status = 404


class Conflict(PlazaError):
    status = 409


class ServiceBusy(PlazaError):
    """Every connection to the database stayed busy for longer than a request may wait (503):
    the request is refused at once instead of piling up, and may be retried shortly."""

    status = 503

    def __init__(self, key: str = "server_busy", retry_after: int = 2, **params: Any) -> None:
        super().__init__(key, retry_after=retry_after, **params)
        self.retry_after = retry_after


class HotSearchUnavailable(PlazaError):
    """Hot search's engine cannot be reached (its Redis is down): what needs it is refused for
    the while (503); the rest of the square works on."""

    status = 503

    def __init__(self, key: str = "hot_search_unavailable", retry_after: int = 30, **params: Any) -> None:
        super().__init__(key, retry_after=retry_after, **params)
        self.retry_after = retry_after


class RateLimited(PlazaError):
    status = 429

    def __init__(self, key: str = "rate_limited", retry_after: int = 60, **params: Any) -> None:
        super().__init__(key, retry_after=retry_after, **params)
        self.retry_after = retry_after
