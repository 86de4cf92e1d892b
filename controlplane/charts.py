"""Small inline-SVG charts: line (time series), horizontal bars with a target, heatmap.

Every chart is a self-contained ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
listing its values in French, so a screen reader (or a printed PDF) carries the numbers,
not only the shapes; each point, bar and cell also has its own ``<title>``. Colours are
SVG presentation attributes (no ``style``), so the console's Content-Security-Policy
allows them and a report printed by headless Chromium shows them without any CSS.
No JavaScript. The functions return :class:`markupsafe.Markup`, ready for a Jinja2
template (``{{ chart }}``) or an HTML report; every text they are given is escaped.

Used by the console pages, the SLA reports and the SSI regional heatmap.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = [
    "PALETTE",
    "Bar",
    "Series",
    "bar_chart",
    "heat_colour",
    "heatmap",
    "line_chart",
    "number",
]

# Distinguishable series colours, each with at least 4.5:1 contrast on white.
PALETTE = ("#1f4e79", "#a34700", "#2e6b30", "#7a2e8e", "#8a1c1c", "#005f73")
INK = "#1b1f24"
MUTED = "#4b5563"
GRID = "#c9d1da"
TARGET = "#8a1c1c"
GOOD = "#2e6b30"
BAD = "#a61b1b"
UNKNOWN = "#9ca3af"

# Heatmap scale, from worst (0.0) to best (1.0): red, orange, yellow, light green, green.
HEAT_STOPS = ((0.0, (178, 34, 34)), (0.35, (230, 126, 34)), (0.6, (241, 196, 15)),
              (0.8, (139, 195, 74)), (1.0, (27, 122, 61)))

FONT = 'font-family="system-ui, Arial, sans-serif"'


@dataclass(frozen=True)
class Series:
    """One line: its name and one value per x label (``None`` where nothing is known)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (``None`` when unknown) and an optional link."""

    label: str
    value: float | None
    href: str | None = None


def number(value: float | None, digits: int = 2, unit: str = "") -> str:
    """``value`` as French readers write it (``99,95 %``), or ``inconnu``."""
    if value is None or math.isnan(value):
        return "inconnu"
    text = f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0{unit}" if unit else text


def heat_colour(fraction: float | None) -> tuple[str, str]:
    """The fill for a 0..1 score (0 worst, 1 best) and the text colour readable on it."""
    if fraction is None or math.isnan(fraction):
        return "#e5e7eb", INK
    fraction = min(1.0, max(0.0, fraction))
    for (low, low_rgb), (high, high_rgb) in itertools.pairwise(HEAT_STOPS):
        if fraction <= high:
            weight = (fraction - low) / (high - low)
            rgb = tuple(round(a + (b - a) * weight) for a, b in zip(low_rgb, high_rgb, strict=True))
            break
    fill = "#{:02x}{:02x}{:02x}".format(*rgb)
    return fill, _readable_on(rgb)


def _luminance(rgb: Sequence[int]) -> float:
    """WCAG relative luminance of an sRGB colour."""
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _readable_on(rgb: Sequence[int]) -> str:
    """Black or white, whichever contrasts more with ``rgb``."""
    lum = _luminance(rgb)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def _chart_id(kind: str, title: str, payload: object) -> str:
    """A stable id for the chart's title and description (two charts never share one)."""
    digest = hashlib.sha1(f"{kind}|{title}|{payload!r}".encode(), usedforsecurity=False)
    return f"chart-{kind}-{digest.hexdigest()[:10]}"


def _open(kind: str, chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" {FONT} font-size="12">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
    )


def _close(parts: list[str]) -> Markup:
    """The chart's markup: every text in ``parts`` went through :func:`escape`."""
    return Markup("".join([*parts, "</svg>"]))  # noqa: S704 - texts escaped where inserted


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten not below ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def line_chart(
    series: Sequence[Series],
    x_labels: Sequence[str],
    *,
    title: str,
    unit: str = "",
    digits: int = 1,
    y_max: float | None = None,
    threshold: float | None = None,
    threshold_label: str = "Seuil",
    width: int = 640,
    height: int = 240,
) -> Markup:
    """A time series chart: one polyline per series, broken where values are unknown.

    ``x_labels`` names each position (e.g. ``27/11``); at most about ten are written
    under the axis. ``threshold`` draws a dashed horizontal line (a contract limit).
    """
    left, right, top, bottom = 52, 12, 12, 44 + 16 * ((len(series) + 2) // 3)
    plot_w, plot_h = width - left - right, height - top - bottom
    if plot_h < 60:
        height += 60 - plot_h
        plot_h = 60
    known = [v for s in series for v in s.values if v is not None and not math.isnan(v)]
    ceiling = y_max if y_max is not None else _nice_ceiling(
        max([*known, threshold or 0.0, 0.0]) * 1.05
    )
    ceiling = ceiling or 1.0
    count = max(1, len(x_labels))

    def x_at(index: int) -> float:
        return left + (plot_w * (index + 0.5) / count)

    def y_at(value: float) -> float:
        return top + plot_h - plot_h * min(max(value, 0.0), ceiling) / ceiling

    desc = "; ".join(
        f"{s.name} : " + ", ".join(
            f"{label} {number(v, digits, unit)}"
            for label, v in zip(x_labels, s.values, strict=False)
        )
        for s in series
    ) or "Aucune donnée."
    chart_id = _chart_id("line", title, (tuple(x_labels), tuple(tuple(s.values) for s in series)))
    parts = [_open("line", chart_id, width, height, title, desc)]
    for tick in range(5):
        value = ceiling * tick / 4
        y = y_at(value)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(number(value, digits if ceiling < 10 else 0))}</text>')
    if unit:
        parts.append(f'<text x="4" y="{top + 4}" fill="{MUTED}" font-size="11">'
                     f'{escape(unit)}</text>')
    label_every = max(1, math.ceil(count / 10))
    for index, label in enumerate(x_labels):
        if index % label_every == 0:
            parts.append(f'<text x="{x_at(index):.1f}" y="{top + plot_h + 16}" '
                         f'text-anchor="middle" fill="{MUTED}">{escape(label)}</text>')
    if threshold is not None:
        y = y_at(threshold)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{TARGET}" '
            f'stroke-width="1.5" stroke-dasharray="6 4"><title>{escape(threshold_label)} : '
            f'{escape(number(threshold, digits, unit))}</title></line>'
        )
    for position, item in enumerate(series):
        colour = PALETTE[position % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(item.values[:count]):
            if value is None or math.isnan(value):
                runs.append([])
                continue
            runs[-1].append((x_at(index), y_at(value)))
            parts.append(
                f'<circle cx="{x_at(index):.1f}" cy="{y_at(value):.1f}" r="2.5" fill="{colour}">'
                f'<title>{escape(item.name)}, {escape(x_labels[index])} : '
                f'{escape(number(value, digits, unit))}</title></circle>'
            )
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                             f'stroke-width="2" stroke-linejoin="round"/>')
    legend_y = top + plot_h + 34
    for position, item in enumerate(series):
        x = left + (position % 3) * (plot_w / 3)
        y = legend_y + 16 * (position // 3)
        colour = PALETTE[position % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="12" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{y - 4}" fill="{INK}">{escape(item.name)}</text>')
    return _close(parts)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str = "",
    digits: int = 2,
    target: float | None = None,
    target_label: str = "Objectif",
    higher_is_better: bool = True,
    x_min: float = 0.0,
    x_max: float | None = None,
    width: int = 640,
) -> Markup:
    """Horizontal bars with their value written at the end, and an optional target line.

    With a target, bars that meet it are green and the others red (``higher_is_better``
    says which side meets it); the value text says so too, so colour is never the only
    signal. ``x_min`` lets availability charts start at e.g. 99 % to show differences.
    """
    row_h, label_w, value_w, top = 24, 180, 110, 8
    height = top + row_h * max(1, len(bars)) + 28
    plot_w = width - label_w - value_w
    known = [b.value for b in bars if b.value is not None]
    high = x_max if x_max is not None else _nice_ceiling(max([*known, target or 0.0, 0.0]))
    span = (high - x_min) or 1.0

    def x_at(value: float) -> float:
        return label_w + plot_w * (min(max(value, x_min), high) - x_min) / span

    def meets(value: float | None) -> bool | None:
        if value is None or target is None:
            return None
        return value >= target if higher_is_better else value <= target

    def verdict(value: float | None) -> str:
        return {None: "", True: " (objectif atteint)", False: " (objectif manqué)"}[meets(value)]

    desc = "; ".join(f"{b.label} : {number(b.value, digits, unit)}{verdict(b.value)}"
                     for b in bars) or "Aucune donnée."
    if target is not None:
        desc = f"{target_label} : {number(target, digits, unit)}. {desc}"
    chart_id = _chart_id("bar", title, tuple((b.label, b.value) for b in bars))
    parts = [_open("bar", chart_id, width, height, title, desc)]
    for index, item in enumerate(bars):
        y = top + index * row_h
        label = escape(item.label if len(item.label) <= 28 else item.label[:27] + "…")
        text = f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="{INK}">{label}</text>'
        if item.href:
            text = f'<a href="{escape(item.href)}">{text}</a>'
        parts.append(text)
        if item.value is None:
            colour, bar_end = UNKNOWN, label_w + 2
        else:
            colour = {None: PALETTE[0], True: GOOD, False: BAD}[meets(item.value)]
            bar_end = max(x_at(item.value), label_w + 2)
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_end - label_w:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"><title>{escape(item.label)} : '
            f'{escape(number(item.value, digits, unit))}{escape(verdict(item.value))}'
            f'</title></rect>'
        )
        parts.append(f'<text x="{label_w + plot_w + 6}" y="{y + 16}" fill="{INK}">'
                     f'{escape(number(item.value, digits, unit))}</text>')
    axis_y = top + row_h * max(1, len(bars))
    parts.append(f'<line x1="{label_w}" x2="{label_w + plot_w}" y1="{axis_y}" y2="{axis_y}" '
                 f'stroke="{GRID}"/>')
    for value in (x_min, high):
        parts.append(f'<text x="{x_at(value):.1f}" y="{axis_y + 14}" text-anchor="middle" '
                     f'fill="{MUTED}">{escape(number(value, digits, unit))}</text>')
    if target is not None:
        x = x_at(target)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y}" stroke="{TARGET}" '
            f'stroke-width="2" stroke-dasharray="5 3"><title>{escape(target_label)} : '
            f'{escape(number(target, digits, unit))}</title></line>'
        )
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 26}" text-anchor="middle" fill="{TARGET}">'
                     f'{escape(target_label)} {escape(number(target, digits, unit))}</text>')
    return _close(parts)


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    scores: Sequence[Sequence[float | None]],
    *,
    title: str,
    labels: Sequence[Sequence[str]] | None = None,
    cell: int = 44,
    row_label_width: int = 180,
) -> Markup:
    """A grid of coloured cells, one row per ``rows`` item and one column per ``columns``.

    ``scores[r][c]`` is a 0..1 score (1 best, ``None`` unknown) coloured by
    :func:`heat_colour`; ``labels[r][c]`` is the text written in the cell (the score as a
    percentage by default), so the value is readable without the colour.
    """
    header_h = 28
    width = row_label_width + cell * max(1, len(columns)) + 4
    height = header_h + cell * max(1, len(rows)) + 4

    def text_of(r: int, c: int) -> str:
        if labels is not None:
            return labels[r][c]
        score = scores[r][c]
        return "?" if score is None else f"{round(score * 100)}\u00a0%"

    desc = "; ".join(
        f"{row} : " + ", ".join(f"{col} {text_of(r, c)}" for c, col in enumerate(columns))
        for r, row in enumerate(rows)
    ) or "Aucune donnée."
    chart_id = _chart_id("heat", title, (tuple(rows), tuple(columns),
                                         tuple(tuple(r) for r in scores)))
    parts = [_open("heatmap", chart_id, width, height, title, desc)]
    for c, column in enumerate(columns):
        x = row_label_width + c * cell + cell / 2
        parts.append(f'<text x="{x:.1f}" y="{header_h - 10}" text-anchor="middle" '
                     f'font-weight="600" fill="{INK}">{escape(column)}</text>')
    for r, row in enumerate(rows):
        y = header_h + r * cell
        shown = row if len(row) <= 28 else row[:27] + "…"
        parts.append(f'<text x="{row_label_width - 8}" y="{y + cell / 2 + 4:.1f}" '
                     f'text-anchor="end" fill="{INK}">{escape(shown)}</text>')
        for c, column in enumerate(columns):
            fill, ink = heat_colour(scores[r][c])
            x = row_label_width + c * cell
            parts.append(
                f'<g><title>{escape(row)}, {escape(column)} : {escape(text_of(r, c))}</title>'
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{fill}" rx="3"/>'
                f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="middle" '
                f'fill="{ink}" font-size="11">{escape(text_of(r, c))}</text></g>'
            )
    return _close(parts)
