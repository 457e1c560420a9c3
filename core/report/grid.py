"""Small multiples: one row per service, one column per metric, the fault and incident band on top.

Each panel holds one line in its service's colour, so seven services never crowd one chart; the rows of a column
share their y axis, fitted to the data shown, so the service in trouble stands out from the quiet ones. Detection
marks sit on their series. Pure: a Plotly figure from a metric frame (``ts, service, metric, value``), laid out as
one dictionary and validated once (adding dozens of subplots, shapes and labels one by one takes seconds).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from core.report.band import Band, BandItem, build_band
from core.report.charts import METRIC_SPECS, MetricSpec, Point, Span, series_at, thin, to_utc, y_top
from core.report.escape import plotly_label
from core.report.palette import THRESHOLD_COLOR
from core.units import format_value

#: Pixels per service row: a line, its label and two ticks stay legible on a projector.
ROW_PIXELS = 54
GAP_PIXELS = 6
TITLE_PIXELS = 24  # the column titles
AXIS_PIXELS = 26  # the time axis' tick labels
COLUMN_GAP = 0.055  # share of the width between columns: room for the next column's y ticks
#: Points per panel line (the largest of each slice of time is kept, so spikes stay).
PANEL_POINTS = 400
INCIDENT_SHADE = "rgba(214, 39, 40, 0.08)"
BASELINE_SHADE = "rgba(127, 127, 127, 0.10)"
MUTED = "#555555"
NO_SAMPLES = "No samples in this time range yet"
#: Tick spacings of the time axis, in seconds: round steps a clock reader expects.
TIME_STEPS = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


@dataclass(frozen=True)
class Cell:
    """One subplot: its axis names (``x3``/``y3``) and the layout keys that hold them (``xaxis3``/``yaxis3``)."""

    index: int

    @property
    def x(self) -> str:
        return "x" if self.index == 1 else f"x{self.index}"

    @property
    def y(self) -> str:
        return "y" if self.index == 1 else f"y{self.index}"

    @property
    def xaxis(self) -> str:
        return "xaxis" if self.index == 1 else f"xaxis{self.index}"

    @property
    def yaxis(self) -> str:
        return "yaxis" if self.index == 1 else f"yaxis{self.index}"


@dataclass
class Layout:
    """The figure being assembled: traces, layout keys, shapes and annotations."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]

    def add(self, key: str, item: dict[str, Any]) -> None:
        self.layout.setdefault(key, []).append(item)


def service_grid(
    frame: pd.DataFrame,
    services: Sequence[str],
    metrics: Sequence[str],
    *,
    colors: Mapping[str, str],
    thresholds: Mapping[str, float],
    x_range: tuple[float, float],
    band: Sequence[BandItem] = (),
    lanes: Sequence[str] = ("faults", "incidents"),
    marks: Sequence[Point] = (),
    shaded: Sequence[Span] = (),
    highlight: Collection[str] = (),
    latest_values: bool = True,
) -> go.Figure:
    """The grid for ``services`` × ``metrics`` over ``x_range`` (Unix seconds), ``band`` on top, ``marks`` on their
    series, ``shaded`` spans behind every panel; ``highlight`` services (in an open incident) get a red label;
    ``latest_values`` writes each line's last value next to its service's name."""
    bar = build_band(band, lanes)
    heights = [bar.pixels] + [ROW_PIXELS] * len(services)
    plot_px = sum(heights) + GAP_PIXELS * (len(heights) - 1)
    out = Layout(data=[], layout=_frame_layout(plot_px, x_range))
    data = _by_series(frame, metrics)
    width = (1 - COLUMN_GAP * (len(metrics) - 1)) / max(1, len(metrics))
    for col, metric in enumerate(metrics):
        x_domain = [col * (width + COLUMN_GAP), col * (width + COLUMN_GAP) + width]
        shown = [float(data[(s, metric)]["value"].max()) for s in services if (s, metric) in data]
        top = y_top(shown, thresholds.get(metric))
        out.add("annotations", _column_title(metric, thresholds.get(metric), x_domain))
        for row, y_domain in enumerate(_row_domains(heights, plot_px)):
            cell = Cell(row * len(metrics) + col + 1)
            anchor = Cell(col + 1)  # the band's cell: every row of a column follows its time axis
            out.layout[cell.xaxis] = _x_axis(cell, anchor, x_domain, x_range, bottom=row == len(services))
            if row == 0:
                _band(out, cell, bar, y_domain, labels=col == 0)
                continue
            service = services[row - 1]
            series = data.get((service, metric), pd.DataFrame(columns=["ts", "value"]))
            out.layout[cell.yaxis] = _y_axis(cell, y_domain, top, METRIC_SPECS.get(metric, MetricSpec(metric, metric)))
            out.data.append(_line(cell, series, service, metric, colors.get(service, "#333333")))
            _panel_label(out, cell, series, service, metric, highlight=service in highlight, latest=latest_values)
            if metric in thresholds and thresholds[metric] <= top:
                _threshold(out, cell, thresholds[metric])
            for span in shaded:
                _shade(out, cell, span)
            placed = [p for p in marks if p.service == service and p.metric == metric]
            if mark := _marks(cell, series, placed):
                out.data.append(mark)
    if not services or frame.empty:
        out.add(
            "annotations",
            {"text": NO_SAMPLES, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.4, "showarrow": False},
        )
    return go.Figure({"data": out.data, "layout": out.layout})


def _frame_layout(plot_px: int, x_range: tuple[float, float]) -> dict[str, Any]:
    return {
        "height": plot_px + TITLE_PIXELS + AXIS_PIXELS + 8,
        "margin": {"l": 8, "r": 12, "t": TITLE_PIXELS + 4, "b": AXIS_PIXELS},
        "showlegend": False,
        "hovermode": "closest",
        "uniformtext": {"mode": "hide", "minsize": 9},
        "bargap": 0,
        "plot_bgcolor": "#ffffff",
        "barmode": "overlay",
    }


def _row_domains(heights: Sequence[int], plot_px: int) -> list[list[float]]:
    """Each row's vertical domain, top row first."""
    domains, top = [], float(plot_px)
    for height in heights:
        domains.append([max(0.0, (top - height) / plot_px), top / plot_px])
        top -= height + GAP_PIXELS
    return domains


def _column_title(metric: str, threshold: float | None, x_domain: Sequence[float]) -> dict[str, Any]:
    spec = METRIC_SPECS.get(metric, MetricSpec(metric, metric))
    limit = f"   threshold {format_value(metric, threshold)}" if threshold is not None else ""
    return {
        "text": f"<b>{plotly_label(spec.title)}</b><span style='color:{MUTED}'>{limit}</span>",
        "xref": "paper",
        "yref": "paper",
        "x": x_domain[0],
        "y": 1.0,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 14, "color": "#222222"},
    }


def _x_axis(cell: Cell, anchor: Cell, domain: Sequence[float], x_range: tuple[float, float], *, bottom: bool) -> dict:
    axis: dict[str, Any] = {
        "domain": list(domain),
        "anchor": cell.y,
        "type": "date",
        "range": [to_utc(x_range[0]), to_utc(x_range[1])],
        "showticklabels": bottom,
        **time_ticks(x_range),
        "tickfont": {"size": 11, "color": MUTED},
        "showgrid": False,
        "showline": bottom,
        "linecolor": "#cccccc",
    }
    if cell.index != anchor.index:
        axis["matches"] = anchor.x
    return axis


def nice_tick(top: float) -> float:
    """A round value (1, 2 or 5 times a power of ten) near the middle of ``[0, top]``: a panel's one tick above
    zero, low enough that its label never touches the row above."""
    if top <= 0 or not math.isfinite(top):
        return 1.0
    power = 10 ** math.floor(math.log10(top / 2))
    return max((m * power for m in (1, 2, 5, 10) if m * power <= top * 0.6), default=power)


def time_ticks(x_range: tuple[float, float], ticks: int = 5) -> dict[str, Any]:
    """The time axis' tick spacing (milliseconds) and format for at most ``ticks`` labels over ``x_range``
    (seconds), each a different time of day; beyond a day per tick, Plotly's own date ticks."""
    span = max(1.0, x_range[1] - x_range[0])
    step = next((s for s in TIME_STEPS if span / s <= ticks), None)
    if step is None:
        return {}
    return {"dtick": step * 1000.0, "tickformat": "%H:%M:%S" if step < 60 else "%H:%M"}


def _y_axis(cell: Cell, domain: Sequence[float], top: float, spec: MetricSpec) -> dict[str, Any]:
    return {
        "domain": list(domain),
        "anchor": cell.x,
        "range": [0, top],
        "tickvals": [0, nice_tick(top)],
        "tickformat": spec.tickformat or "~s",
        "tickfont": {"size": 10, "color": MUTED},
        "gridcolor": "#eeeeee",
        "zeroline": False,
        "fixedrange": True,
    }


def _band(out: Layout, cell: Cell, bar: Band, domain: Sequence[float], *, labels: bool) -> None:
    for trace in bar.traces:
        out.data.append({**trace, "xaxis": cell.x, "yaxis": cell.y})
    out.layout[cell.yaxis] = {
        "domain": list(domain),
        "anchor": cell.x,
        "range": [-bar.rows + 0.5, 0.5],
        "tickvals": bar.tickvals,
        "ticktext": bar.ticktext if labels else [""] * len(bar.ticktext),
        "tickfont": {"size": 10, "color": MUTED},
        "showgrid": False,
        "zeroline": False,
        "fixedrange": True,
    }


def _by_series(frame: pd.DataFrame, metrics: Sequence[str]) -> dict[tuple[str, str], pd.DataFrame]:
    if frame.empty:
        return {}
    chosen = frame[frame["metric"].isin(list(metrics))]
    return {
        (str(service), str(metric)): thin(group.sort_values("ts"), PANEL_POINTS)
        for (service, metric), group in chosen.groupby(["service", "metric"], sort=False)
    }


def _line(cell: Cell, series: pd.DataFrame, service: str, metric: str, color: str) -> dict[str, Any]:
    spec = METRIC_SPECS.get(metric, MetricSpec(metric, metric))
    value = ".1%" if spec.tickformat and spec.tickformat.endswith("%") else ",.0f"
    return {
        "type": "scatter",
        "x": pd.to_datetime(series["ts"].to_numpy(dtype=float), unit="s").to_numpy(),  # naive UTC, as to_utc
        "y": series["value"].to_numpy(dtype=float),
        "mode": "lines",
        "line": {"color": color, "width": 2},
        "name": plotly_label(service),
        "hovertemplate": f"{plotly_label(service)}: %{{y:{value}}}<extra>%{{x|%H:%M:%S}}</extra>",
        "xaxis": cell.x,
        "yaxis": cell.y,
    }


def _panel_label(
    out: Layout, cell: Cell, series: pd.DataFrame, service: str, metric: str, *, highlight: bool, latest: bool
) -> None:
    """The service's name (red with a dot when it is in an open incident) and its last value, top left."""
    name = ("● " if highlight else "") + plotly_label(service)
    value = f"  {format_value(metric, float(series['value'].iloc[-1]))}" if latest and not series.empty else ""
    out.add(
        "annotations",
        {
            "text": f"<b>{name}</b>{value}",
            "xref": f"{cell.x} domain",
            "yref": f"{cell.y} domain",
            "x": 0.005,
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 12, "color": THRESHOLD_COLOR if highlight else "#222222"},
            "bgcolor": "rgba(255,255,255,0.8)",
        },
    )


def _threshold(out: Layout, cell: Cell, value: float) -> None:
    out.add(
        "shapes",
        {
            "type": "line",
            "xref": f"{cell.x} domain",
            "yref": cell.y,
            "x0": 0,
            "x1": 1,
            "y0": value,
            "y1": value,
            "line": {"color": THRESHOLD_COLOR, "width": 1, "dash": "dash"},
        },
    )


def _shade(out: Layout, cell: Cell, span: Span) -> None:
    out.add(
        "shapes",
        {
            "type": "rect",
            "xref": cell.x,
            "yref": f"{cell.y} domain",
            "x0": to_utc(span.start),
            "x1": to_utc(span.end),
            "y0": 0,
            "y1": 1,
            "fillcolor": INCIDENT_SHADE if span.kind == "incident" else BASELINE_SHADE,
            "line": {"width": 0},
            "layer": "below",
            "name": f"{span.kind}: {plotly_label(span.label)}",
        },
    )


def _marks(cell: Cell, series: pd.DataFrame, points: Sequence[Point]) -> dict[str, Any] | None:
    """Detection signals and anomalies as small dots on the line at their time, labelled on hover."""
    placed = [(p, y) for p in points if (y := series_at(series, p.ts)) is not None]
    if not placed:
        return None
    return {
        "type": "scatter",
        "x": [to_utc(p.ts) for p, _ in placed],
        "y": [y for _, y in placed],
        "mode": "markers",
        "marker": {"size": 7, "color": "#111111", "line": {"width": 1.5, "color": "#ffffff"}},
        "customdata": [plotly_label(f"{p.service}: {p.label}") for p, _ in placed],
        "hovertemplate": "%{customdata}<extra></extra>",
        "xaxis": cell.x,
        "yaxis": cell.y,
    }
