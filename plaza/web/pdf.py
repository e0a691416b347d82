"""Pages as PDF, typeset by WeasyPrint (HTML and CSS to PDF; its text laid out by Pango, so it
needs Pango's libraries and a CJK font — Debian's ``libpango-1.0-0``, ``libpangoft2-1.0-0`` and
``fonts-noto-cjk``). When they cannot be loaded the PDF is refused with a 503 that says what to
install; the HTML page beside it still works.

The document fetches nothing: the stylesheet is read from this folder and every other URL is refused.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from plaza.errors import PlazaError

__all__ = ["PRINT_CSS", "PdfUnavailable", "render"]

log = logging.getLogger("plaza.web")

#: The print stylesheet: A4, page numbers, the Noto CJK fonts (any CJK font fontconfig finds else).
PRINT_CSS = Path(__file__).parent / "static" / "index-print.css"


class PdfUnavailable(PlazaError):
    """WeasyPrint or the system libraries it needs are missing: no PDF until they are installed (503)."""

    status = 503


def _weasyprint() -> ModuleType:
    """WeasyPrint, loaded on the first PDF (its import loads Pango through cffi)."""
    try:
        import weasyprint
    except ImportError as exc:
        raise PdfUnavailable("pdf_weasyprint_missing") from exc
    except OSError as exc:  # cffi could not open libpango / libgobject / libharfbuzz
        log.warning("WeasyPrint cannot load its libraries: %s", exc)
        raise PdfUnavailable("pdf_libraries_missing", detail=str(exc)[:160]) from exc
    return weasyprint


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the PDF fetches nothing ({url[:80]})")


def _fetcher(weasyprint: ModuleType) -> Any:
    """A URL fetcher that fetches nothing: WeasyPrint 66 and later take a ``URLFetcher`` (here one
    allowing no protocol), earlier versions a function."""
    base = getattr(weasyprint.urls, "URLFetcher", None)
    return base(allowed_protocols=()) if base is not None else _refuse


@lru_cache(maxsize=1)
def _stylesheet() -> Any:
    weasyprint = _weasyprint()
    return weasyprint.CSS(string=PRINT_CSS.read_text(encoding="utf-8"), url_fetcher=_fetcher(weasyprint))


def render(html: str) -> bytes:
    """``html`` (a whole document) as PDF bytes, with the print stylesheet."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, url_fetcher=_fetcher(weasyprint))
    return bytes(document.write_pdf(stylesheets=[_stylesheet()]))
