"""The evaluation index's charts as inline SVG, drawn on the server like the desk board's
(:mod:`plaza.web.desk_charts`): no script, no chart library, colours and fonts as presentation
attributes (the pages' Content-Security-Policy allows no inline style; WeasyPrint draws the same
SVG into the PDF report, so each chart names its CJK font).

Pure: labelled numbers in, a ``Markup`` SVG out, every label escaped, each chart with a
``<title>`` and ``<desc>`` for screen readers and a ``<title>`` per mark for the pointer.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from plaza.web import desk_charts
from plaza.web.desk_charts import ACCENT, GRID, MUTED, PALE, TEXT

__all__ = ["dimension_bars", "history_chart", "rate_bars", "scatter_chart", "score_bars"]

BLUE = "#1a8cff"  # plaza.css --gov-blue: the group's median
#: The fonts of chart text: the page's, and the CJK fonts the PDF is set in.
FONT = ('font-size="11" font-family="Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, '
        'WenQuanYi Micro Hei, sans-serif"')


def _frame(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    return desk_charts.frame(chart_id, width, height, title, desc, body, css_class="index-chart", with_id=True)


def _shown(value: float | None, no_data: str) -> str:
    return no_data if value is None else f"{value:.1f}"


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _horizontal(rows: Sequence[tuple[str, float | None, str]], *, title: str, desc: str, chart_id: str,
                width: int, scale: float) -> Markup:
    """One bar per row: its label on the left, the bar (``value / scale`` of the track), the shown
    value after it."""
    row_height, label_width = 22, 150.0
    height = max(len(rows), 1) * row_height + 8
    left, right = label_width + 8, width - 56.0
    body: list[str] = []
    for index, (label, value, shown) in enumerate(rows):
        y = 4 + index * row_height
        length = 0.0 if value is None else (right - left) * max(0.0, min(value / scale, 1.0))
        body.append(f'<g><title>{escape(label)}: {escape(shown)}</title>'
                    f'<text x="{label_width}" y="{y + 15}" text-anchor="end" fill="{TEXT}" {FONT}>'
                    f'{escape(_short(label))}</text>'
                    f'<rect x="{left}" y="{y + 3}" width="{right - left:.1f}" height="14" fill="{GRID}"/>'
                    f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="14" fill="{ACCENT}"/>'
                    f'<text x="{right + 6}" y="{y + 15}" fill="{TEXT}" {FONT}>{escape(shown)}</text></g>')
    return _frame(chart_id, width, height, title, desc, body)


def score_bars(rows: Sequence[tuple[str, float | None]], *, title: str, desc: str, no_data: str,
               chart_id: str = "index-scores", width: int = 560) -> Markup:
    """Scores (0–100) as horizontal bars, one per labelled row; no score shows ``no_data``."""
    return _horizontal([(label, value, _shown(value, no_data)) for label, value in rows], title=title, desc=desc,
                       chart_id=chart_id, width=width, scale=100.0)


def rate_bars(rows: Sequence[tuple[str, float | None]], *, title: str, desc: str, chart_id: str = "index-rates",
              width: int = 560) -> Markup:
    """Rates (0..1) as horizontal bars on a 0–100 % scale; a rate with no value shows "—"."""
    return _horizontal([(label, value, "—" if value is None else f"{value * 100:.0f}%") for label, value in rows],
                       title=title, desc=desc, chart_id=chart_id, width=width, scale=1.0)


def dimension_bars(rows: Sequence[tuple[str, float | None, float | None]], *, title: str, desc: str,
                   first_label: str, second_label: str, no_data: str, chart_id: str = "index-dimensions",
                   width: int = 560) -> Markup:
    """Two bars per dimension (0–100): the group's (accent) against another's (pale), a legend
    on top."""
    pair_height, label_width = 40, 90.0
    top = 24
    height = top + max(len(rows), 1) * pair_height + 4
    left, right = label_width + 8, width - 56.0
    body: list[str] = [
        f'<rect x="{left}" y="6" width="10" height="10" fill="{ACCENT}"/>'
        f'<text x="{left + 14}" y="15" fill="{TEXT}" {FONT}>{escape(first_label)}</text>'
        f'<rect x="{left + 180}" y="6" width="10" height="10" fill="{PALE}"/>'
        f'<text x="{left + 194}" y="15" fill="{TEXT}" {FONT}>{escape(second_label)}</text>']
    for index, (label, first, second) in enumerate(rows):
        y = top + index * pair_height
        body.append(f'<text x="{label_width}" y="{y + 22}" text-anchor="end" fill="{TEXT}" {FONT}>'
                    f'{escape(_short(label, 8))}</text>')
        for offset, value, colour, name in ((2, first, ACCENT, first_label), (19, second, PALE, second_label)):
            length = 0.0 if value is None else (right - left) * max(0.0, min(value / 100.0, 1.0))
            shown = _shown(value, no_data)
            body.append(f'<g><title>{escape(label)} · {escape(name)}: {escape(shown)}</title>'
                        f'<rect x="{left}" y="{y + offset}" width="{right - left:.1f}" height="14" fill="{GRID}"/>'
                        f'<rect x="{left}" y="{y + offset}" width="{length:.1f}" height="14" fill="{colour}"/>'
                        f'<text x="{right + 6}" y="{y + offset + 12}" fill="{TEXT}" {FONT}>{escape(shown)}</text></g>')
    return _frame(chart_id, width, height, title, desc, body)


def history_chart(points: Sequence[tuple[str, float | None, float | None]], *, title: str, desc: str,
                  own_label: str, median_label: str, no_data: str, chart_id: str = "index-history",
                  width: int = 560, height: int = 220) -> Markup:
    """An account's composite per period (a solid line) against its group's median (dashed), on
    a 0–100 scale: ``points`` are ``(period, composite, median)``, oldest first."""
    left, top, right, bottom = 36.0, 28.0, width - 30.0, height - 26.0
    body: list[str] = []

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * max(0.0, min(value, 100.0)) / 100.0, 1)

    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        body.append(f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{MUTED}" {FONT}>{tick}</text>')
    count = len(points)
    step = (right - left) / (count - 1) if count > 1 else 0.0

    def x_of(index: int) -> float:
        return round(left + step * index if count > 1 else (left + right) / 2, 1)

    label_every = max(1, -(-count // 6))
    for index, (period, _, _) in enumerate(points):
        if index % label_every == 0 or index == count - 1:
            body.append(f'<text x="{x_of(index)}" y="{bottom + 17}" text-anchor="middle" fill="{MUTED}" {FONT}>'
                        f'{escape(period)}</text>')
    median = [(i, period, value) for i, (period, _, value) in enumerate(points)]
    own = [(i, period, value) for i, (period, value, _) in enumerate(points)]
    for colour, dashed, name, series in ((BLUE, True, median_label, median), (ACCENT, False, own_label, own)):
        marks = [(x_of(i), y_of(value), period, value) for i, period, value in series if value is not None]
        if len(marks) > 1:
            line = " ".join(f"{x},{y}" for x, y, _, _ in marks)
            dash = ' stroke-dasharray="5 4"' if dashed else ""
            body.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"{dash} '
                        f'stroke-linejoin="round"/>')
        for x, y, period, value in marks:
            tip = escape(f"{period} · {name}: {_shown(value, no_data)}")
            body.append(f'<circle cx="{x}" cy="{y}" r="3.5" fill="#ffffff" stroke="{colour}" stroke-width="1.5">'
                        f'<title>{tip}</title></circle>')
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#d0d0d0"/>')
    body.append(f'<line x1="{left}" x2="{left + 18}" y1="11" y2="11" stroke="{ACCENT}" stroke-width="2"/>'
                f'<text x="{left + 24}" y="15" fill="{TEXT}" {FONT}>{escape(own_label)}</text>'
                f'<line x1="{left + 150}" x2="{left + 168}" y1="11" y2="11" stroke="{BLUE}" stroke-width="2" '
                f'stroke-dasharray="5 4"/>'
                f'<text x="{left + 174}" y="15" fill="{TEXT}" {FONT}>{escape(median_label)}</text>')
    return _frame(chart_id, width, height, title, desc, body)


def _tick(value: float) -> str:
    """An axis number: thousands grouped, at most three significant figures past the point."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def scatter_chart(points: Sequence[tuple[str, float, float]], *, title: str, desc: str, x_label: str,
                  y_label: str, no_data: str, chart_id: str = "index-scatter", width: int = 640,
                  height: int = 360) -> Markup:
    """One named point per ``(label, x, y)``: the label written beside its dot and as the dot's
    ``<title>``; both axes linear from the smallest value to the largest, with five ticks."""
    left, top, right, bottom = 64.0, 16.0, width - 24.0, height - 44.0
    body: list[str] = []
    if not points:
        body.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}" {FONT}>'
                    f'{escape(no_data)}</text>')
        return _frame(chart_id, width, height, title, desc, body)
    xs, ys = [p[1] for p in points], [p[2] for p in points]

    def span(values: list[float]) -> tuple[float, float]:
        low, high = min(values), max(values)
        if low == high:  # one value: a band around it, the dot in the middle
            pad = abs(low) * 0.1 or 1.0
            return low - pad, high + pad
        return low, high

    (x_low, x_high), (y_low, y_high) = span(xs), span(ys)

    def x_of(value: float) -> float:
        return round(left + (right - left) * (value - x_low) / (x_high - x_low), 1)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * (value - y_low) / (y_high - y_low), 1)

    for step in range(5):
        share = step / 4
        x_value, y_value = x_low + (x_high - x_low) * share, y_low + (y_high - y_low) * share
        x, y = x_of(x_value), y_of(y_value)
        body.append(f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{MUTED}" {FONT}>'
                    f'{escape(_tick(y_value))}</text>'
                    f'<text x="{x}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}" {FONT}>'
                    f'{escape(_tick(x_value))}</text>')
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#d0d0d0"/>'
                f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#d0d0d0"/>'
                f'<text x="{(left + right) / 2}" y="{height - 6}" text-anchor="middle" fill="{TEXT}" {FONT}>'
                f'{escape(x_label)}</text>'
                f'<text x="14" y="{(top + bottom) / 2}" text-anchor="middle" fill="{TEXT}" {FONT} '
                f'transform="rotate(-90 14 {(top + bottom) / 2})">{escape(y_label)}</text>')
    for label, x_value, y_value in points:
        x, y = x_of(x_value), y_of(y_value)
        anchor, dx = ("end", -6) if x > (left + right) / 2 else ("start", 6)
        tip = escape(f"{label}: {x_label} {_tick(x_value)}, {y_label} {_tick(y_value)}")
        body.append(f'<g class="index-point"><title>{tip}</title>'
                    f'<circle cx="{x}" cy="{y}" r="4" fill="{ACCENT}" fill-opacity="0.8" stroke="#ffffff"/>'
                    f'<text x="{x + dx}" y="{y - 5}" text-anchor="{anchor}" fill="{TEXT}" {FONT}>'
                    f'{escape(_short(label, 10))}</text></g>')
    return _frame(chart_id, width, height, title, desc, body)
