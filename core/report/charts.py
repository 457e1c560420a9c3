"""Plotly charts of one metric from metric frames (``ts, service, metric, value``; ts in Unix seconds), and what
every chart shares: metric titles and units, thresholds, marks, time as UTC. Pure: no Streamlit.

``metric_figure`` draws one line per service (the Analyze page, an evidence item's chart): an optional dashed
threshold, shaded spans (baseline, window) and a few labelled moments. The dashboard and incident grids are
``core.report.grid``; their band of faults and incidents is ``core.report.band``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from core.config import Settings
from core.models import ERROR_RATE, LATENCY_P95_MS, MEMORY_MB, Anomaly, Signal
from core.report.escape import plotly_label as label_text
from core.report.palette import FAULT_COLOR, THRESHOLD_COLOR, service_colors

INCIDENT_FILL = "rgba(214, 39, 40, 0.12)"
BASELINE_FILL = "rgba(127, 127, 127, 0.10)"
#: Headroom above the highest value shown, as a share of it.
HEADROOM = 0.12
MARK_COLOR = "#111111"
#: Quick range buttons above each chart (drag on the chart to select any other range; double-click resets).
RANGE_BUTTONS = {
    "buttons": [
        {"count": 5, "label": "5m", "step": "minute", "stepmode": "backward"},
        {"count": 15, "label": "15m", "step": "minute", "stepmode": "backward"},
        {"count": 1, "label": "1h", "step": "hour", "stepmode": "backward"},
        {"step": "all", "label": "all"},
    ],
    "font": {"size": 10},
}
NO_SAMPLES = "No samples in this time range yet"
#: Points per line above which a series is thinned to per-bucket maxima (keeps spikes, keeps the page fast).
MAX_POINTS = 1500


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is titled and scaled on screen."""

    title: str
    y_title: str
    tickformat: str | None = None


METRIC_SPECS: dict[str, MetricSpec] = {
    ERROR_RATE: MetricSpec("Error rate", "failing requests", ".0%"),
    LATENCY_P95_MS: MetricSpec("p95 latency", "ms"),
    MEMORY_MB: MetricSpec("Memory", "MB"),
}

#: The metrics the dashboard and the incident page chart, in display order.
CHART_METRICS: tuple[str, ...] = (ERROR_RATE, LATENCY_P95_MS, MEMORY_MB)


@dataclass(frozen=True)
class Span:
    """A shaded stretch of time: an incident window or the baseline before it."""

    start: float
    end: float
    label: str
    kind: Literal["incident", "baseline"] = "incident"


@dataclass(frozen=True)
class Marker:
    """A point in time drawn as a vertical line, e.g. a fault injection; ``end`` adds a dotted end line."""

    ts: float
    label: str
    end: float | None = None


@dataclass(frozen=True)
class Point:
    """A marked sample: an anomaly the monitoring agent found, or a detection signal."""

    ts: float
    service: str
    metric: str
    value: float
    label: str
    kind: Literal["anomaly", "signal"] = "anomaly"


def anomaly_points(anomalies: Iterable[Anomaly], signals: Iterable[Signal] = ()) -> list[Point]:
    """Points for the monitoring agent's anomalies (at their peak) and the detection signals."""
    points = [
        Point(a.peak_ts, a.service, a.metric, a.observed, f"anomaly {a.direction} (z={a.score:.1f})") for a in anomalies
    ]
    points += [
        Point(s.ts, s.service, s.metric, s.value, f"signal: {s.rule}", kind="signal")
        for s in signals
        if s.metric is not None
    ]
    return points


def thresholds(settings: Settings) -> dict[str, float]:
    """The detection thresholds per charted metric (same units as the metric)."""
    return {
        ERROR_RATE: settings.error_rate_threshold,
        LATENCY_P95_MS: settings.latency_p95_threshold_ms,
        MEMORY_MB: settings.memory_threshold_mb,
    }


def to_utc(ts: float) -> datetime:
    """Unix seconds as a naive datetime in UTC (Plotly draws naive datetimes as given)."""
    return datetime.fromtimestamp(ts, tz=UTC).replace(tzinfo=None)


def format_value(value: float, spec: MetricSpec) -> str:
    """A value in the metric's units: ``5.0%`` for shares, ``1000 ms`` otherwise."""
    if spec.tickformat and spec.tickformat.endswith("%"):
        return f"{value:.1%}"
    return f"{value:g} {spec.y_title}"


def y_top(values: Iterable[float], threshold: float | None) -> float:
    """The top of a y axis: fitted to the values shown, never below half the threshold (quiet noise is not drawn
    as a storm), and reaching the threshold once the values come within half of it (its line then shows how
    close they are)."""
    peak = max((v for v in values if math.isfinite(v)), default=0.0)
    if threshold is not None and threshold > 0:
        peak = max(peak, threshold if peak >= threshold / 2 else threshold / 2)
    return peak * (1 + HEADROOM) or 1.0


def series_at(series: pd.DataFrame, ts: float) -> float | None:
    """The sample of ``series`` nearest ``ts`` (None when it has none): where a mark sits on its line."""
    if series.empty:
        return None
    nearest = int((series["ts"].astype(float) - ts).abs().to_numpy().argmin())
    return float(series["value"].iloc[nearest])


def thin(series: pd.DataFrame, max_points: int) -> pd.DataFrame:
    """At most ``max_points`` rows: the largest value of each equal slice of time (spikes stay visible)."""
    if len(series) <= max_points:
        return series
    ts = series["ts"]
    span = float(ts.max() - ts.min()) or 1.0
    bucket = ((ts - ts.min()) / span * (max_points - 1)).astype(int)
    return series.loc[series.groupby(bucket)["value"].idxmax()].sort_values("ts")


def metric_figure(
    frame: pd.DataFrame,
    metric: str,
    *,
    threshold: float | None = None,
    spans: Sequence[Span] = (),
    markers: Sequence[Marker] = (),
    points: Sequence[Point] = (),
    x_range: tuple[float, float] | None = None,
    services: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    height: int = 340,
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """One line per service for ``metric`` (``services``, default all in ``frame``), coloured by ``colors`` (default:
    ``service_colors`` of every service in ``frame``), with threshold, shaded spans, markers and marks on the lines;
    the y axis fits the lines shown (see ``y_top``)."""
    spec = METRIC_SPECS.get(metric, MetricSpec(metric, metric))
    data = frame[frame["metric"] == metric] if not frame.empty else frame
    present = sorted(str(s) for s in data["service"].unique()) if not data.empty else []
    shown = list(services) if services is not None else present
    palette = colors if colors is not None else service_colors([*present, *shown])
    fig = go.Figure()
    lines: dict[str, pd.DataFrame] = {}
    for service in shown:
        lines[service] = series = thin(data[data["service"] == service], max_points)
        fig.add_trace(
            go.Scatter(
                x=[to_utc(ts) for ts in series["ts"]],
                y=series["value"].tolist(),
                mode="lines",
                name=label_text(service),
                line={"color": palette.get(service, "#333333"), "width": 2},
            )
        )
    _add_points(fig, [p for p in points if p.metric == metric and p.service in lines], lines)
    for span in spans:
        _add_span(fig, span)
    for marker in markers:
        _add_marker(fig, marker)
    top = y_top([float(series["value"].max()) for series in lines.values() if not series.empty], threshold)
    if threshold is not None and threshold <= top:
        _add_threshold(fig, threshold, spec)
    if data.empty:
        fig.add_annotation(text=NO_SAMPLES, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False)
    fig.update_layout(
        title={"text": spec.title},
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        hovermode="x unified",
        # below the plot, from the container's bottom edge: the margin grows to fit it, whatever the width
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        xaxis={"title": {"text": "time (UTC)", "standoff": 4}, "type": "date", "rangeselector": RANGE_BUTTONS},
        yaxis={"title": {"text": spec.y_title}, "range": [0, top], "tickformat": spec.tickformat},
    )
    if x_range is not None:
        fig.update_xaxes(range=[to_utc(x_range[0]), to_utc(x_range[1])])
    return fig


def incident_window_figure(
    frame: pd.DataFrame,
    metric: str,
    *,
    window_start: float,
    window_end: float,
    baseline_seconds: float,
    threshold: float | None = None,
    markers: Sequence[Marker] = (),
    points: Sequence[Point] = (),
    services: Sequence[str] | None = None,
    height: int = 340,
) -> go.Figure:
    """``metric_figure`` zoomed to the baseline before the incident plus the incident window."""
    baseline_start = window_start - baseline_seconds
    padding = max(5.0, 0.02 * (window_end - baseline_start))
    spans = (
        Span(baseline_start, window_start, "baseline", kind="baseline"),
        Span(window_start, window_end, "incident", kind="incident"),
    )
    return metric_figure(
        frame,
        metric,
        threshold=threshold,
        spans=spans,
        markers=markers,
        points=points,
        x_range=(baseline_start, window_end + padding),
        services=services,
        height=height,
    )


def _add_span(fig: go.Figure, span: Span) -> None:
    fill = INCIDENT_FILL if span.kind == "incident" else BASELINE_FILL
    fig.add_shape(
        type="rect",
        xref="x",
        yref="paper",
        x0=to_utc(span.start),
        x1=to_utc(span.end),
        y0=0,
        y1=1,
        fillcolor=fill,
        line={"width": 0},
        layer="below",
        name=f"{span.kind}: {span.label}",
    )
    color = "#7f7f7f" if span.kind == "baseline" else THRESHOLD_COLOR
    _time_label(fig, span.start, 1, span.label, xanchor="left", yanchor="top", font={"size": 10, "color": color})


def _time_label(fig: go.Figure, ts: float, height: float, text: str, **style: object) -> None:
    """Untrusted ``text`` at time ``ts``, ``height`` of the way up the plot (0 bottom, 1 top)."""
    fig.add_annotation(x=to_utc(ts), y=height, xref="x", yref="paper", text=label_text(text), showarrow=False, **style)


def _add_points(fig: go.Figure, points: Sequence[Point], lines: Mapping[str, pd.DataFrame]) -> None:
    """Anomalies (open circles) and detection signals (dots), small and on their service's line at their time
    (a signal's own value may be in another unit, e.g. a forecast), with their label on hover."""
    for kind, symbol in (("anomaly", "circle-open"), ("signal", "circle")):
        placed = [(p, y) for p in points if p.kind == kind and (y := series_at(lines[p.service], p.ts)) is not None]
        if not placed:
            continue
        fig.add_trace(
            go.Scatter(
                x=[to_utc(p.ts) for p, _ in placed],
                y=[y for _, y in placed],
                mode="markers",
                name="anomalies" if kind == "anomaly" else "detection signals",
                marker={"symbol": symbol, "size": 7, "color": MARK_COLOR, "line": {"width": 1.5, "color": MARK_COLOR}},
                text=[label_text(f"{p.service}: {p.label}") for p, _ in placed],
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,  # the captions explain the symbols; a legend entry would crowd narrow charts
            )
        )


def _vline(fig: go.Figure, ts: float, line: dict, name: str) -> None:
    """A vertical line across the whole plot height at ``ts``."""
    x = to_utc(ts)
    fig.add_shape(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=line, name=name)


def _add_marker(fig: go.Figure, marker: Marker) -> None:
    _vline(fig, marker.ts, {"color": FAULT_COLOR, "width": 1.5, "dash": "dash"}, marker.label)
    style = {"textangle": -90, "xanchor": "right", "yanchor": "bottom", "font": {"size": 10, "color": FAULT_COLOR}}
    _time_label(fig, marker.ts, 0.02, marker.label, **style)
    if marker.end is not None:
        _vline(fig, marker.end, {"color": FAULT_COLOR, "width": 1, "dash": "dot"}, f"end of {marker.label}")


def _add_threshold(fig: go.Figure, threshold: float, spec: MetricSpec) -> None:
    fig.add_shape(
        type="line",
        xref="paper",
        yref="y",
        x0=0,
        x1=1,
        y0=threshold,
        y1=threshold,
        line={"color": THRESHOLD_COLOR, "width": 1.5, "dash": "dash"},
        name="threshold",
    )
    fig.add_annotation(
        x=1,
        y=threshold,
        xref="paper",
        yref="y",
        text=f"threshold {format_value(threshold, spec)}",
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        font={"size": 10, "color": THRESHOLD_COLOR},
    )
