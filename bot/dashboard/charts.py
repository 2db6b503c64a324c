"""Chart geometry for server-side SVG: where bars, ticks and lines go; the templates draw them.

Coordinates are in the SVG's own units (a viewBox of `width` x `height`); the page scales it.
Values are numbers already aggregated; labels are texts already translated. Nothing here knows
what is being counted, so every chart on the dashboard shares the same few shapes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 560.0
# Room for the value axis' labels on the left, its caption above, the week labels and caption below.
LEFT, RIGHT, TOP, BOTTOM = 44.0, 12.0, 26.0, 46.0
COLUMNS_HEIGHT = 260.0
# Horizontal charts: each row has its label on a line of its own above the bars, so long agency
# names get the whole width instead of squeezing the bars.
ROW_LABEL = 20.0
BAR = 16.0
ROW_GAP = 12.0
AXIS_BELOW = 42.0
ROWS_TOP = 6.0
# Room for half of the first tick's label ("0%") left of the axis.
ROWS_LEFT = 16.0
# A week label is about this wide at the chart's font size; fewer labels than columns when crowded.
LABEL_ROOM = 36.0
# The average width of a character of an axis label (14 px text), to fit longer labels.
CHAR_WIDTH = 8.5
LABEL_CHARS = 60


@dataclass(frozen=True)
class Tick:
    position: float
    value: float


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Segment:
    """One rectangle: `row` is the column (or bar row) it belongs to, `series` its colour index."""

    x: float
    y: float
    width: float
    height: float
    row: int
    series: int
    value: float


@dataclass(frozen=True)
class ValueLabel:
    """A bar's value written at its end: small bars stay readable."""

    x: float
    y: float
    row: int
    series: int
    value: float


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    # The plotting area: left, top, right, bottom.
    box: tuple[float, float, float, float]
    horizontal: bool
    segments: list[Segment]
    ticks: list[Tick]
    labels: list[Label]
    values: list[ValueLabel]
    # (x, y) of each column's total, above it (vertical charts).
    totals: list[ValueLabel]


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    index: int
    value: float


@dataclass(frozen=True)
class Line:
    series: int
    points: str
    markers: list[Marker]


@dataclass(frozen=True)
class LineChart:
    width: float
    height: float
    box: tuple[float, float, float, float]
    lines: list[Line]
    ticks: list[Tick]
    labels: list[Label]


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw * (1 - 1e-9):
            return float(factor * power)
    return float(10 * power)


def nice_ticks(maximum: float, count: int = 5, *, whole: bool = True) -> list[float]:
    """0, step, ... up to the first tick at or above `maximum`; whole steps for counts."""
    maximum = max(maximum, 0.0)
    step = nice_step(maximum / max(count, 1)) if maximum > 0 else 1.0
    if whole:
        step = max(1.0, math.ceil(step))
    top = step * max(1, math.ceil(maximum / step - 1e-9))
    return [step * i for i in range(round(top / step) + 1)]


def label_room(labels: Sequence[str]) -> float:
    """The width one axis label needs, with a gap to the next."""
    return max(LABEL_ROOM, CHAR_WIDTH * max((len(label) for label in labels), default=0) + 10)


def label_step(columns: int, room: float, per_label: float = LABEL_ROOM) -> int:
    """Every how many columns a label fits without overlapping the next."""
    if columns <= 0:
        return 1
    fits = max(1, int(room // per_label))
    return max(1, math.ceil(columns / fits))


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """A label that fits its line; the full text stays in the hover title and the table."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _scale(value: float, top: float, length: float) -> float:
    return 0.0 if top <= 0 else value / top * length


def stacked_columns(
    values: Sequence[Sequence[float]], labels: Sequence[str], width: float = WIDTH, height: float = COLUMNS_HEIGHT
) -> BarChart:
    """Vertical stacked bars: values[column][series], bottom to top in series order."""
    left, top, right, bottom = LEFT, TOP, width - RIGHT, height - BOTTOM
    plot_h, plot_w = bottom - top, right - left
    totals = [sum(column) for column in values]
    ticks_at = nice_ticks(max(totals, default=0))
    scale_top = ticks_at[-1]
    slot = plot_w / max(len(values), 1)
    bar_w = max(1.0, min(slot * 0.72, 48.0))
    segments: list[Segment] = []
    column_totals: list[ValueLabel] = []
    for c, column in enumerate(values):
        x = left + slot * c + (slot - bar_w) / 2
        y = bottom
        for s, value in enumerate(column):
            if value <= 0:
                continue
            h = _scale(value, scale_top, plot_h)
            y -= h
            segments.append(Segment(round(x, 2), round(y, 2), round(bar_w, 2), round(h, 2), c, s, value))
        if totals[c] > 0:
            column_totals.append(ValueLabel(round(x + bar_w / 2, 2), round(y - 4, 2), c, -1, totals[c]))
    step = label_step(len(values), plot_w, label_room(labels))
    texts = [
        Label(round(left + slot * c + slot / 2, 2), bottom + 18, text) for c, text in enumerate(labels) if c % step == 0
    ]
    ticks = [Tick(round(bottom - _scale(v, scale_top, plot_h), 2), v) for v in ticks_at]
    # Totals only when each has room above its own column; the table has them anyway.
    shown_totals = column_totals if slot >= 26 else []
    return BarChart(width, height, (left, top, right, bottom), False, segments, ticks, texts, [], shown_totals)


def _rows_layout(rows: int, bars_per_row: int) -> tuple[float, float]:
    row_h = ROW_LABEL + BAR * bars_per_row + ROW_GAP
    return row_h, ROWS_TOP + row_h * rows + AXIS_BELOW


def stacked_rows(values: Sequence[Sequence[float]], labels: Sequence[str], width: float = WIDTH) -> BarChart:
    """Horizontal stacked bars: one row per label, values[row][series] left to right."""
    row_h, height = _rows_layout(len(values), 1)
    left, top, right, bottom = ROWS_LEFT, ROWS_TOP, width - 48.0, height - AXIS_BELOW
    totals = [sum(row) for row in values]
    ticks_at = nice_ticks(max(totals, default=0))
    scale_top = ticks_at[-1]
    plot_w = right - left
    segments: list[Segment] = []
    ends: list[ValueLabel] = []
    texts: list[Label] = []
    for r, row in enumerate(values):
        y = top + row_h * r + ROW_LABEL
        texts.append(Label(left, y - 5, shorten(labels[r])))
        x = left
        for s, value in enumerate(row):
            if value <= 0:
                continue
            w = _scale(value, scale_top, plot_w)
            segments.append(Segment(round(x, 2), round(y, 2), round(w, 2), BAR, r, s, value))
            x += w
        ends.append(ValueLabel(round(x + 4, 2), round(y + BAR - 3, 2), r, -1, totals[r]))
    ticks = [Tick(round(left + _scale(v, scale_top, plot_w), 2), v) for v in ticks_at]
    return BarChart(width, height, (left, top, right, bottom), True, segments, ticks, texts, ends, [])


def grouped_rows(
    values: Sequence[Sequence[float | None]],
    labels: Sequence[str],
    width: float = WIDTH,
    maximum: float | None = None,
    *,
    whole: bool = False,
) -> BarChart:
    """Horizontal bars, the series of a row one under the other; None draws nothing (no data)."""
    series = max((len(row) for row in values), default=1)
    row_h, height = _rows_layout(len(values), series)
    left, top, right, bottom = ROWS_LEFT, ROWS_TOP, width - 64.0, height - AXIS_BELOW
    largest = max((v for row in values for v in row if v is not None), default=0.0)
    ticks_at = nice_ticks(maximum if maximum is not None else largest, whole=whole)
    scale_top = ticks_at[-1]
    plot_w = right - left
    segments: list[Segment] = []
    ends: list[ValueLabel] = []
    texts: list[Label] = []
    for r, row in enumerate(values):
        y0 = top + row_h * r + ROW_LABEL
        texts.append(Label(left, y0 - 5, shorten(labels[r])))
        for s, value in enumerate(row):
            if value is None:
                continue
            y = y0 + BAR * s
            w = _scale(value, scale_top, plot_w)
            # Two units high for a zero: the bar is there, and says so.
            segments.append(Segment(left, round(y + 1, 2), round(max(w, 2.0), 2), BAR - 2, r, s, value))
            ends.append(ValueLabel(round(left + max(w, 2.0) + 4, 2), round(y + BAR - 4, 2), r, s, value))
    ticks = [Tick(round(left + _scale(v, scale_top, plot_w), 2), v) for v in ticks_at]
    return BarChart(width, height, (left, top, right, bottom), True, segments, ticks, texts, ends, [])


def lines(
    values: Sequence[Sequence[float | None]],
    labels: Sequence[str],
    maximum: float,
    width: float = WIDTH,
    height: float = COLUMNS_HEIGHT,
) -> LineChart:
    """values[series][column]; a None (a week without data) breaks the line rather than drawing 0."""
    left, top, right, bottom = LEFT, TOP, width - RIGHT, height - BOTTOM
    plot_w, plot_h = right - left, bottom - top
    columns = max((len(row) for row in values), default=0)
    slot = plot_w / max(columns, 1)
    ticks_at = nice_ticks(maximum, whole=False)
    scale_top = ticks_at[-1]

    def x_of(c: int) -> float:
        return round(left + slot * c + slot / 2, 2)

    drawn: list[Line] = []
    for s, row in enumerate(values):
        markers = [
            Marker(x_of(c), round(bottom - _scale(v, scale_top, plot_h), 2), c, v)
            for c, v in enumerate(row)
            if v is not None
        ]
        # Points only between neighbouring weeks with data; a gap splits the polyline in pieces.
        pieces: list[list[Marker]] = []
        for marker in markers:
            if pieces and pieces[-1][-1].index == marker.index - 1:
                pieces[-1].append(marker)
            else:
                pieces.append([marker])
        for piece in pieces:
            points = " ".join(f"{m.x:g},{m.y:g}" for m in piece)
            drawn.append(Line(s, points, piece))
    step = label_step(columns, plot_w, label_room(labels))
    texts = [Label(x_of(c), bottom + 18, text) for c, text in enumerate(labels) if c % step == 0]
    ticks = [Tick(round(bottom - _scale(v, scale_top, plot_h), 2), v) for v in ticks_at]
    return LineChart(width, height, (left, top, right, bottom), drawn, ticks, texts)
