"""Small inline SVG charts (no JavaScript, no external files): metrics over turns in a report.

Every value is escaped and every number checked finite, so a chart of any run is valid markup.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html import escape as _escape

#: characters XML 1.0 does not allow (an SVG must stay well-formed whatever a run's labels hold)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    return _escape(_NOT_XML.sub("", text))


PALETTE = ("#d1495b", "#2e86ab", "#edae49", "#3b8b5a", "#7c5ba6", "#5c6b73")


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]
    color: str | None = None


@dataclass
class Chart:
    title: str
    series: list[Series]
    y_label: str = ""
    x_label: str = "turn"
    #: dashed horizontal reference lines: (y, label)
    guides: list[tuple[float, str]] = field(default_factory=list)
    width: int = 420
    height: int = 220


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.3g}"


def render(chart: Chart) -> str:
    """The chart as an <svg> element string."""
    w, h = chart.width, chart.height
    left, right, top, bottom = 48, 12, 44, 40
    pts = [(x, y) for s in chart.series for x, y in s.points if math.isfinite(x) and math.isfinite(y)]
    xs = [x for x, _ in pts] or [0.0, 1.0]
    ys = [y for _, y in pts] + [g for g, _ in chart.guides] + [0.0]
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    yticks = nice_ticks(min(ys), max(ys) * 1.05 if max(ys) > 0 else 1.0)
    y0, y1 = yticks[0], yticks[-1]

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (w - left - right)

    def sy(y: float) -> float:
        return h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom)

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'role="img" aria-label="{escape(chart.title)}">',
           f'<text x="{left}" y="16" class="chart-title">{escape(chart.title)}</text>']
    for t in yticks:
        y = sy(t)
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_fmt(t)}</text>')
    xticks = sorted({round(x) for x in xs}) if x1 - x0 <= 20 else nice_ticks(x0, x1, 6)
    for t in xticks:
        if x0 <= t <= x1:
            out.append(f'<text x="{sx(t):.1f}" y="{h - bottom + 16}" text-anchor="middle" class="tick">{_fmt(t)}</text>')
    out.append(f'<line x1="{left}" x2="{w - right}" y1="{sy(y0):.1f}" y2="{sy(y0):.1f}" class="axis"/>')
    out.append(f'<text x="{(left + w - right) / 2:.1f}" y="{h - 6}" text-anchor="middle" class="label">{escape(chart.x_label)}</text>')
    if chart.y_label:
        out.append(f'<text x="12" y="{(top + h - bottom) / 2:.1f}" text-anchor="middle" class="label" '
                   f'transform="rotate(-90 12 {(top + h - bottom) / 2:.1f})">{escape(chart.y_label)}</text>')
    for value, label in chart.guides:
        y = sy(value)
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" class="guide"/>')
        out.append(f'<text x="{w - right - 2}" y="{y - 4:.1f}" text-anchor="end" class="guide-label">{escape(label)}</text>')
    legend_x = left + 8
    for k, s in enumerate(chart.series):
        color = s.color or PALETTE[k % len(PALETTE)]
        good = [(x, y) for x, y in s.points if math.isfinite(x) and math.isfinite(y)]
        if good:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in good)
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2" class="series" '
                       f'data-series="{escape(s.name)}"/>')
            for x, y in good:
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}">'
                           f'<title>{escape(s.name)}, {escape(chart.x_label)} {_fmt(x)}: {_fmt(y)}</title></circle>')
        if len(chart.series) > 1:
            out.append(f'<rect x="{legend_x}" y="22" width="10" height="10" fill="{color}"/>'
                       f'<text x="{legend_x + 14}" y="31" class="legend">{escape(s.name)}</text>')
            legend_x += 24 + 7 * len(s.name)
    out.append("</svg>")
    return "".join(out)
