"""Charts drawn on the server as SVG geometry (no JavaScript, nothing from a CDN): columns over time and
horizontal bars per category, up to two series each, with a percentage line on columns when asked.
templates/association/_chart.html draws them; every chart is also a table on the page and a CSV."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 720
FONT = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # which series: its colour and legend entry
    text: str  # the bar's tooltip: the category, the series and the figure


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    slug: str  # names the chart's elements and its CSV
    title: str
    description: str
    height: float
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    gridlines: list[float] = field(default_factory=list)  # y of horizontal gridlines
    gridlines_x: list[float] = field(default_factory=list)  # x of vertical gridlines
    line: str = ""  # polyline points of the percentage series
    legend: list[str] = field(default_factory=list)

    width: float = WIDTH


def nice_step(largest: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that covers `largest` in about `ticks` steps."""
    if largest <= 0:
        return 1
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return max(1, multiple * power)
    return max(1, 10 * power)


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def column_chart(
    *,
    slug: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    percent: Series | None = None,
) -> Chart:
    """Columns per category (weeks, months), side by side per series; a percentage line (0–100 %, on
    the right-hand axis) over them when `percent` is given (None values leave a gap)."""
    height = 260.0
    left, top, right, bottom = 48.0, 14.0, WIDTH - (48.0 if percent else 12.0), height - 46.0
    chart = Chart(
        slug=slug,
        title=title,
        description=description,
        height=height,
        plot=(left, top, right, bottom),
        legend=[one.name for one in series] + ([percent.name] if percent else []),
    )
    largest = max((value for one in series for value in one.values), default=0)
    step = nice_step(largest)
    top_value = step * max(1, math.ceil(largest / step))
    scale = (bottom - top) / top_value
    for tick in range(int(top_value / step) + 1):
        y = bottom - tick * step * scale
        chart.gridlines.append(y)
        chart.labels.append(Label(left - 6, y + FONT / 3, _figure(tick * step), "end"))
    count = max(1, len(categories))
    group = (right - left) / count
    bar_width = group * 0.8 / max(1, len(series))
    every = math.ceil(count / 10)
    for index, category in enumerate(categories):
        x0 = left + index * group + group * 0.1
        for number, one in enumerate(series):
            value = one.values[index]
            chart.bars.append(
                Bar(
                    x=x0 + number * bar_width,
                    y=bottom - value * scale,
                    width=bar_width,
                    height=value * scale,
                    series=number,
                    text=f"{category}: {one.name} {_figure(value)}",
                )
            )
        if index % every == 0:
            chart.labels.append(Label(left + (index + 0.5) * group, bottom + FONT + 6, category))
    if percent is not None:
        pscale = (bottom - top) / 100
        for tick in range(0, 101, 25):
            chart.labels.append(Label(right + 6, bottom - tick * pscale + FONT / 3, f"{tick} %", "start"))
        points = [
            f"{left + (index + 0.5) * group:.1f},{bottom - min(value, 100) * pscale:.1f}"
            for index, value in enumerate(percent.values)
            if value is not None
        ]
        chart.line = " ".join(points)
    return chart


def bar_chart(
    *,
    slug: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    largest: float | None = None,
) -> Chart:
    """Horizontal bars per category (towns, trainees), one under the other per series; the scale runs
    to `largest` when given (a requirement, say), else to a round figure above the longest bar."""
    per_row = 14.0 * len(series) + 12.0
    top = 8.0
    bottom = top + per_row * max(1, len(categories))
    height = bottom + 26.0
    left, right = 200.0, WIDTH - 48.0
    chart = Chart(
        slug=slug,
        title=title,
        description=description,
        height=height,
        plot=(left, top, right, bottom),
        legend=[one.name for one in series],
    )
    most = max((value for one in series for value in one.values), default=0)
    step = nice_step(max(most, largest or 0))
    end = largest if largest else step * max(1, math.ceil(most / step))
    end = max(end, most, 1)
    scale = (right - left) / end
    for tick in range(int(end / step) + 1):
        x = left + tick * step * scale
        chart.gridlines_x.append(x)
        chart.labels.append(Label(x, bottom + FONT + 6, _figure(tick * step)))
    for index, category in enumerate(categories):
        row_top = top + index * per_row + 6
        shown = category if len(category) <= 28 else category[:27] + "…"
        chart.labels.append(Label(left - 8, row_top + 7 * len(series) + FONT / 3, shown, "end"))
        for number, one in enumerate(series):
            value = one.values[index]
            y = row_top + number * 14
            chart.bars.append(
                Bar(
                    x=left,
                    y=y,
                    width=value * scale,
                    height=12,
                    series=number,
                    text=f"{category}: {one.name} {_figure(value)}",
                )
            )
            chart.labels.append(Label(left + value * scale + 4, y + 10, _figure(value), "start"))
    return chart
