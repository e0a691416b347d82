"""Simplified Chinese by default, English on request: message catalogues and locale negotiation."""

from __future__ import annotations

from typing import Any

from plaza.i18n.messages import MESSAGES

DEFAULT_LOCALE = "zh-CN"
SUPPORTED = ("zh-CN", "en")
_catalogues: list[dict[str, tuple[str, str]]] = [MESSAGES]


def register(catalogue: dict[str, tuple[str, str]]) -> None:
    """Add a catalogue of ``key -> (Chinese, English)`` (the web UI registers its own)."""
    _catalogues.append(catalogue)


def normalise(locale: str | None) -> str:
    """Map any tag (``en-US``, ``zh``, ``zh-Hans-CN``) to a supported locale."""
    if not locale:
        return DEFAULT_LOCALE
    tag = locale.strip().lower()
    if tag.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's setting wins; else the first supported language of ``Accept-Language``."""
    if preferred:
        return normalise(preferred)
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def gettext(key: str, locale: str | None = None, **params: Any) -> str:
    """The message for ``key`` in ``locale``, formatted with ``params``; the key itself if unknown."""
    lang = 1 if normalise(locale) == "en" else 0
    for catalogue in reversed(_catalogues):
        if key in catalogue:
            text = catalogue[key][lang]
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
    return key
