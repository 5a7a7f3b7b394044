"""Figures drawn as SVG by hand: heatmaps and forest plots.

Small and exact: text stays text (searchable, selectable, pseudonymized like the rest),
the same data draws the same bytes, nothing refers outside the file, and no plotting
library is imported (matplotlib costs more than a second per report).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from qualcode.report.model import DataUri

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
CHAR = 0.6  # average glyph width, in font sizes
SIZE = 12


@dataclass
class Row:
    label: str
    depth: int = 0
    strong: bool = False


def _width(text: str, size: float = SIZE) -> float:
    return len(text) * size * CHAR


def _mix(low: tuple[int, int, int], high: tuple[int, int, int], t: float) -> str:
    t = min(1.0, max(0.0, t))
    r, g, b = (round(a + (b - a) * t) for a, b in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _text(x: float, y: float, text: str, anchor: str = "start", size: float = SIZE,
          weight: str = "normal", fill: str = "#1d2330", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{escape(text)}</text>')


def _svg(width: float, height: float, body: list[str], title: str) -> DataUri:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}">'
           f"<title>{escape(title)}</title>"
           f'<rect width="100%" height="100%" fill="#ffffff"/>{"".join(body)}</svg>')
    return DataUri("data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode())


ORANGES = ((255, 245, 235), (166, 54, 3))
BLUES = ((247, 251, 255), (8, 69, 148))


def heatmap(rows: list[Row], columns: list[str], values: list[list[float | None]],
            labels: list[list[str]], title: str, vmax: float | None = None,
            ramp: tuple = ORANGES) -> DataUri:
    """Rows x columns of coloured cells labelled with `labels`; a column name may hold
    several lines ("\\n"); colour from 0 to `vmax` (default: the largest value)."""
    finite = [v for r in values for v in r if v is not None and not math.isnan(v)]
    top = vmax if vmax is not None else max(finite, default=1.0) or 1.0
    head_lines = [c.split("\n") for c in columns]
    n_lines = max((len(h) for h in head_lines), default=1)
    cell_w = max([58.0] + [_width(line, 11) + 12 for h in head_lines for line in h])
    cell_h = 22.0
    left = max([60.0] + [_width(r.label) + 14 * r.depth + 12 for r in rows])
    top_pad = 10 + n_lines * 14
    width = left + cell_w * len(columns) + 10
    height = top_pad + cell_h * len(rows) + 10
    body = []
    for j, lines in enumerate(head_lines):
        cx = left + cell_w * (j + 0.5)
        for k, line in enumerate(lines):
            body.append(_text(cx, 18 + 14 * k, line, "middle", 11,
                              "bold" if k == 0 else "normal"))
    for i, row in enumerate(rows):
        y = top_pad + cell_h * i
        body.append(_text(8 + 14 * row.depth, y + cell_h / 2 + 4, row.label, size=SIZE,
                          weight="bold" if row.strong else "normal"))
        for j in range(len(columns)):
            v = values[i][j]
            x = left + cell_w * j
            blank = v is None or math.isnan(v)
            fill = "#ffffff" if blank else _mix(ramp[0], ramp[1], v / top)
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w:.1f}" '
                        f'height="{cell_h:.1f}" fill="{fill}" stroke="#ffffff"/>')
            dark = v is not None and not math.isnan(v) and v / top > 0.55
            body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, labels[i][j], "middle", 11,
                              fill="#ffffff" if dark else "#1d2330"))
    return _svg(width, height, body, title)


@dataclass
class Interval:
    label: str
    estimate: float
    low: float
    high: float
    marked: bool = False
    depth: int = 0


def forest(items: list[Interval], axis: str, title: str) -> DataUri:
    """Estimates with intervals on a -1..1 scale, a line at 0; marked items in orange."""
    left = max([80.0] + [_width(it.label) + 14 * it.depth + 16 for it in items])
    plot_w, row_h = 380.0, 22.0
    top_pad = 12.0
    height = top_pad + row_h * len(items) + 58
    width = left + plot_w + 24

    def sx(v: float) -> float:
        return left + (max(-1.0, min(1.0, v)) + 1) / 2 * plot_w

    body = []
    axis_y = top_pad + row_h * len(items) + 4
    for tick in (-1, -0.5, 0, 0.5, 1):
        x = sx(tick)
        body.append(f'<line x1="{x:.1f}" y1="{top_pad:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" '
                    f'stroke="{"#9aa3ad" if tick == 0 else "#e3e7ec"}" '
                    f'stroke-width="{1.2 if tick == 0 else 1}"/>')
        body.append(_text(x, axis_y + 15, f"{tick:+.1f}".replace("+0.0", "0").replace("-", "−"),
                          "middle", 10, fill="#5f6b7a"))
    body.append(_text(left + plot_w / 2, axis_y + 36, axis, "middle", 11, fill="#5f6b7a"))
    for i, it in enumerate(items):
        y = top_pad + row_h * (i + 0.5)
        color = "#d95f02" if it.marked else "#333a45"
        body.append(_text(8 + 14 * it.depth, y + 4, it.label, size=SIZE,
                          weight="bold" if it.depth == 0 else "normal",
                          fill=color if it.marked else "#1d2330"))
        if any(math.isnan(v) for v in (it.estimate, it.low, it.high)):
            continue
        body.append(f'<line x1="{sx(it.low):.1f}" y1="{y:.1f}" x2="{sx(it.high):.1f}" '
                    f'y2="{y:.1f}" stroke="{color}" stroke-width="1.6"/>')
        for end in (it.low, it.high):
            body.append(f'<line x1="{sx(end):.1f}" y1="{y - 4:.1f}" x2="{sx(end):.1f}" '
                        f'y2="{y + 4:.1f}" stroke="{color}" stroke-width="1.2"/>')
        body.append(f'<circle cx="{sx(it.estimate):.1f}" cy="{y:.1f}" r="4" fill="{color}"/>')
    return _svg(width, height, body, title)


@dataclass
class CurvePanel:
    """One group's saturation curve: new codes per interview in order, the base size and
    where saturation was reached (the run's first and last interview), if it was."""

    label: str
    new: list[int]
    base: int
    run_start: int | None = None
    reached_at: int | None = None


def saturation_curves(panels: list[CurvePanel], title: str) -> DataUri:
    """Per panel: bars of new codes per interview (the base in orange), the cumulative
    codes as a line, and the run that reached saturation shaded green."""
    plot_w, plot_h, gap, left, top = 460.0, 120.0, 58.0, 44.0, 28.0
    legend = ("bars: new codes (orange: the base) · line: codes so far · green: the run "
              "that reached saturation")
    width = max(left + plot_w + 20, _width(legend, 10) + 16)
    height = top + len(panels) * (plot_h + gap) + 16
    body = [_text(8, height - 10, legend, size=10, fill="#5f6b7a")]
    for p_i, panel in enumerate(panels):
        y0 = top + p_i * (plot_h + gap)
        n = max(len(panel.new), 1)
        cum = [sum(panel.new[:i + 1]) for i in range(len(panel.new))]
        ymax = max(cum, default=1) or 1
        step = plot_w / n

        def sy(v: float, y0: float = y0, ymax: float = ymax) -> float:
            return y0 + plot_h - v / ymax * plot_h

        body.append(_text(left, y0 - 8, panel.label, size=SIZE, weight="bold"))
        if panel.reached_at is not None and panel.run_start is not None:
            x = left + step * (panel.run_start - 1)
            body.append(f'<rect x="{x:.1f}" y="{y0:.1f}" '
                        f'width="{step * (panel.reached_at - panel.run_start + 1):.1f}" '
                        f'height="{plot_h:.1f}" fill="#e5f5e0"/>')
        for tick in (0, ymax):
            body.append(f'<line x1="{left:.1f}" y1="{sy(tick):.1f}" x2="{left + plot_w:.1f}" '
                        f'y2="{sy(tick):.1f}" stroke="#e3e7ec"/>')
            body.append(_text(left - 6, sy(tick) + 4, str(tick), "end", 10, fill="#5f6b7a"))
        for i, v in enumerate(panel.new):
            x = left + step * i
            fill = "#fdae6b" if i < panel.base else "#6baed6"
            body.append(f'<rect x="{x + step * 0.15:.1f}" y="{sy(v):.1f}" '
                        f'width="{step * 0.7:.1f}" height="{plot_h - (sy(v) - y0):.1f}" '
                        f'fill="{fill}"><title>interview {i + 1}: {v} new</title></rect>')
            if n <= 40 or (i + 1) % 5 == 0:
                body.append(_text(x + step / 2, y0 + plot_h + 13, str(i + 1), "middle", 9,
                                  fill="#5f6b7a"))
        points = " ".join(f"{left + step * (i + 0.5):.1f},{sy(c):.1f}"
                          for i, c in enumerate(cum))
        if points:
            body.append(f'<polyline points="{points}" fill="none" stroke="#333a45" '
                        'stroke-width="1.6"/>')
        body.append(_text(left + plot_w / 2, y0 + plot_h + 27, "interview, in order",
                          "middle", 10, fill="#5f6b7a"))
    return _svg(width, height, body, title)
