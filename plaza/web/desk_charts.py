"""The desk board's charts as inline SVG, drawn on the server like the heat curve
(:mod:`plaza.web.curve`): no script, no chart library from elsewhere, colours as presentation
attributes (the pages' Content-Security-Policy allows no inline style).

Pure: labelled numbers in, an SVG string out (a ``Markup``, every label escaped), each with a
``<title>`` and ``<desc>`` for screen readers and a ``<title>`` per bar for the pointer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["count_bars", "daily_chart", "frame", "rate_bars"]

ACCENT = "#ff8200"  # plaza.css --accent
PALE = "#ffd5a8"
GRID = "#ececec"  # --line
MUTED = "#8a8a8a"  # --muted
TEXT = "#333333"
FONT = 'font-size="11"'


def _nice_step(top: float, ticks: int = 4) -> float:
    """1, 2 or 5 times a power of ten, giving about ``ticks`` intervals up to ``top``."""
    raw = max(top / ticks, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    return next((f * power for f in (1, 2, 5, 10) if f * power >= raw), 10 * power)


def frame(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str], *,
          css_class: str = "desk-chart", with_id: bool = False) -> Markup:
    """An accessible inline SVG: its title and description named for screen readers."""
    ident = escape(chart_id)
    anchor = f' id="{ident}"' if with_id else ""
    head = (f'<svg class="{escape(css_class)}"{anchor} viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def daily_chart(days: Sequence[tuple[str, int, int]], *, title: str, desc: str, received_label: str,
                closed_label: str, chart_id: str = "daily", width: int = 560, height: int = 220) -> Markup:
    """Cases received per day (pale bars) and how many of them are closed (the bar's filled part):
    ``days`` is ``(YYYY-MM-DD, received, closed)``, oldest first."""
    left, top, right, bottom = 40.0, 26.0, width - 10.0, height - 24.0
    most = max((r for _, r, _ in days), default=0) or 1
    step = _nice_step(most)
    y_max = math.ceil(most / step) * step
    body: list[str] = []

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * value / y_max, 1)

    for k in range(int(round(y_max / step)) + 1):
        value = step * k
        y = y_of(value)
        body.append(f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{MUTED}" {FONT}>{value:g}</text>')
    slot = (right - left) / max(len(days), 1)
    bar = max(slot * 0.7, 1.0)
    label_every = max(1, math.ceil(len(days) / 6))
    for index, (day, received, closed) in enumerate(days):
        x = round(left + slot * index + (slot - bar) / 2, 1)
        tip = escape(f"{day}: {received_label} {received} · {closed_label} {closed}")
        body.append(f'<g><title>{tip}</title>'
                    f'<rect x="{x}" y="{y_of(received)}" width="{bar:.1f}" height="{bottom - y_of(received):.1f}" '
                    f'fill="{PALE}"/>'
                    f'<rect x="{x}" y="{y_of(closed)}" width="{bar:.1f}" height="{bottom - y_of(closed):.1f}" '
                    f'fill="{ACCENT}"/></g>')
        if index % label_every == 0 or index == len(days) - 1:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}" '
                        f'{FONT}>{escape(day[5:])}</text>')
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#d0d0d0"/>')
    body.append(f'<rect x="{left}" y="6" width="10" height="10" fill="{PALE}"/>'
                f'<text x="{left + 14}" y="15" fill="{TEXT}" {FONT}>{escape(received_label)}</text>'
                f'<rect x="{left + 90}" y="6" width="10" height="10" fill="{ACCENT}"/>'
                f'<text x="{left + 104}" y="15" fill="{TEXT}" {FONT}>{escape(closed_label)}</text>')
    return frame(chart_id, width, height, title, desc, body)


def _horizontal(rows: Sequence[tuple[str, float | None, str]], *, title: str, desc: str, chart_id: str,
                width: int, scale: float) -> Markup:
    """One bar per row: its label on the left, the bar, the shown value after it."""
    row_height, label_width = 22, 150.0
    height = max(len(rows), 1) * row_height + 8
    left, right = label_width + 8, width - 56.0
    body: list[str] = []
    for index, (label, value, shown) in enumerate(rows):
        y = 4 + index * row_height
        length = 0.0 if value is None or scale <= 0 else (right - left) * max(0.0, min(value / scale, 1.0))
        text = label if len(label) <= 14 else label[:13] + "…"
        body.append(f'<g><title>{escape(label)}: {escape(shown)}</title>'
                    f'<text x="{label_width}" y="{y + 15}" text-anchor="end" fill="{TEXT}" {FONT}>{escape(text)}</text>'
                    f'<rect x="{left}" y="{y + 3}" width="{right - left:.1f}" height="14" fill="{GRID}"/>'
                    f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="14" fill="{ACCENT}"/>'
                    f'<text x="{right + 6}" y="{y + 15}" fill="{TEXT}" {FONT}>{escape(shown)}</text></g>')
    return frame(chart_id, width, height, title, desc, body)


def rate_bars(rows: Sequence[tuple[str, float | None]], *, title: str, desc: str, chart_id: str = "rates",
              width: int = 560) -> Markup:
    """Rates (0..1) as horizontal bars on a 0–100 % scale; a rate with no value shows "—"."""
    return _horizontal([(label, value, _percent(value)) for label, value in rows], title=title, desc=desc,
                       chart_id=chart_id, width=width, scale=1.0)


def count_bars(rows: Sequence[tuple[str, int]], *, title: str, desc: str, chart_id: str = "counts",
               width: int = 560) -> Markup:
    """Counts as horizontal bars, the largest filling the width."""
    most = max((n for _, n in rows), default=0)
    return _horizontal([(label, float(n), str(n)) for label, n in rows], title=title, desc=desc,
                       chart_id=chart_id, width=width, scale=float(most))
