"""MonitoringAgent: which metric series left their baseline during the incident window, and when.

Each (service, metric) series goes through the window-against-baseline detector of ``core.anomaly.bands``
(robust bands per metric, and a slope test for growth); series without enough baseline fall back to the
static thresholds. The agent also builds the incident's metric timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

import numpy as np
import pandas as pd

from core.agents.base import AnalysisContext
from core.agents.metric_rules import peer_levels, rule_for
from core.anomaly.bands import MIN_BASELINE_POINTS, ONSET_LOOKBACK_S, detect_series, static_anomaly
from core.config import Settings
from core.models import (
    ERROR_RATE,
    LATENCY_P95_MS,
    MEMORY_MB,
    AgentOutput,
    Anomaly,
    MonitoringOutput,
    Signal,
    TimelineEvent,
)
from core.units import format_value, utc

MAX_TIMELINE_EVENTS = 200
COLUMNS = ("ts", "service", "metric", "value")


def thresholds(settings: Settings) -> dict[str, float]:
    """Static alert thresholds per metric (error rate as a fraction, latency in ms, memory in MB)."""
    return {
        ERROR_RATE: settings.error_rate_threshold,
        LATENCY_P95_MS: settings.latency_p95_threshold_ms,
        MEMORY_MB: settings.memory_threshold_mb,
    }


def prepare(metrics: pd.DataFrame, start: float, end: float) -> pd.DataFrame:
    """Rows of ``metrics`` in ``[start, end]`` with numeric ts/value, sorted by service, metric, ts."""
    if not isinstance(metrics, pd.DataFrame):
        raise ValueError(f"metrics must be a pandas DataFrame, got {type(metrics).__name__}")
    missing = [col for col in COLUMNS if col not in metrics.columns]
    if missing:
        raise ValueError(f"metrics frame lacks columns {missing}; expected {list(COLUMNS)}")
    frame = pd.DataFrame(
        {
            "ts": pd.to_numeric(metrics["ts"], errors="coerce"),
            "service": metrics["service"].astype(str),
            "metric": metrics["metric"].astype(str),
            "value": pd.to_numeric(metrics["value"], errors="coerce"),
        }
    )
    finite = np.isfinite(frame["ts"].to_numpy(dtype=float)) & np.isfinite(frame["value"].to_numpy(dtype=float))
    frame = frame[finite & (frame["ts"] >= start) & (frame["ts"] <= end)]
    return frame.sort_values(["service", "metric", "ts"], kind="stable").reset_index(drop=True)


def series(frame: pd.DataFrame) -> Iterable[tuple[str, str, np.ndarray, np.ndarray]]:
    """(service, metric, ts, values) per series of a frame from ``prepare``."""
    for (service, metric), group in frame.groupby(["service", "metric"], sort=False):
        yield str(service), str(metric), group["ts"].to_numpy(dtype=float), group["value"].to_numpy(dtype=float)


def detect_anomalies(
    frame: pd.DataFrame,
    baseline: tuple[float, float],
    window: tuple[float, float],
    static: Mapping[str, float],
    recent_start: float | None = None,
) -> list[Anomaly]:
    """Anomalies of every series of ``frame``, most significant first; ``static`` thresholds apply to series
    without enough baseline; each series has the rule of ``core.agents.metric_rules`` (its metric's, or one
    from what its name says, floored by the level the metric has on the other services); ``recent_start``
    as in ``detect_series``."""
    found: list[Anomaly] = []
    groups = list(series(frame))
    in_bases = [(ts >= baseline[0]) & (ts < baseline[1]) for _, _, ts, _ in groups]
    levels = {(s, m): float(np.median(v[b])) for (s, m, _, v), b in zip(groups, in_bases, strict=True) if b.any()}
    peers = peer_levels(levels)
    for (service, metric, ts, values), in_base in zip(groups, in_bases, strict=True):
        rule = rule_for(metric, values[in_base], peers.get(metric, 0.0))
        anomaly = detect_series(service, metric, ts, values, baseline, window, rule, recent_start)
        if anomaly is None and in_base.sum() < MIN_BASELINE_POINTS and metric in static:
            anomaly = static_anomaly(service, metric, ts, values, window, static[metric])
        if anomaly is not None:
            found.append(anomaly)
    return sorted(found, key=lambda a: (-a.score, a.start_ts, a.service, a.metric))


def crossings(frame: pd.DataFrame, static: Mapping[str, float], window: tuple[float, float]) -> list[TimelineEvent]:
    """First upward crossing of each static threshold per series, from shortly before the window to its end."""
    events: list[TimelineEvent] = []
    for service, metric, ts, values in series(frame[frame["metric"].isin(list(static))]):
        span = np.flatnonzero((ts >= window[0] - ONSET_LOOKBACK_S) & (ts <= window[1]))
        limit = static[metric]
        first = next((i for i in span if values[i] > limit and (i == span[0] or values[i - 1] <= limit)), None)
        if first is not None:
            text = f"{service} {metric} crossed the {format_value(metric, limit)} threshold"
            text += f" ({format_value(metric, float(values[first]))})"
            events.append(TimelineEvent(ts=float(ts[first]), service=service, source="metric", description=text))
    return events


def signal_events(signals: Iterable[Signal]) -> list[TimelineEvent]:
    """One timeline event per detection signal."""
    texts = ((s, s.message or f"{s.rule} fired: {s.value:g} > {s.threshold:g}") for s in signals)
    return [TimelineEvent(ts=s.ts, service=s.service, source="detection", description=t) for s, t in texts]


def anomaly_events(anomalies: Iterable[Anomaly]) -> list[TimelineEvent]:
    """One timeline event per anomalous series, at the first point out of band."""
    events = []
    for a in anomalies:
        moved = f"{'rose' if a.direction == 'up' else 'fell'} out of its baseline"
        values = f"{format_value(a.metric, a.baseline)} → {format_value(a.metric, a.observed)} at peak"
        text = f"{a.service} {a.metric} {moved} ({values})"
        events.append(TimelineEvent(ts=a.start_ts, service=a.service, source="metric", description=text))
    return events


def merge_timeline(*parts: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    """Events of all parts by time (detection after metrics at the same instant), at most MAX_TIMELINE_EVENTS."""
    order = {"fault": 0, "metric": 1, "log": 2, "detection": 3, "analysis": 4}
    merged = sorted((e for part in parts for e in part), key=lambda e: (e.ts, order[e.source], e.service or ""))
    return merged[:MAX_TIMELINE_EVENTS]


class MonitoringAgent:
    """Finds the metric series that left their baseline, and builds the incident's metric timeline."""

    name: ClassVar[str] = "monitoring"
    depends_on: ClassVar[tuple[str, ...]] = ()
    output_model: ClassVar[type[AgentOutput]] = MonitoringOutput

    def analyze(self, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> MonitoringOutput:
        """Anomalies (most significant first) and a timeline; ``no_data`` when the window has no samples."""
        detection = signal_events(ctx.incident.signals)
        try:
            frame = prepare(ctx.metrics, min(ctx.baseline_start, ctx.window_start), ctx.window_end)
        except (ValueError, TypeError, KeyError) as exc:
            return MonitoringOutput(
                status="error", error=f"metrics unusable: {exc}", timeline=merge_timeline(detection)
            )
        window = (ctx.window_start, ctx.window_end)
        in_window = frame[(frame["ts"] >= window[0]) & (frame["ts"] <= window[1])]
        if in_window.empty:
            text = f"No metric samples between {utc(ctx.window_start)} and {utc(ctx.window_end)}."
            return MonitoringOutput(status="no_data", summary=text, timeline=merge_timeline(detection))
        static = thresholds(ctx.settings)
        baseline = (ctx.baseline_start, ctx.baseline_end)
        anomalies = detect_anomalies(frame, baseline, window, static, ctx.recent_start)
        timeline = merge_timeline(anomaly_events(anomalies), detection, crossings(frame, static, window))
        return MonitoringOutput(summary=_summary(anomalies, in_window), anomalies=anomalies, timeline=timeline)


def _summary(anomalies: list[Anomaly], in_window: pd.DataFrame) -> str:
    n_series = in_window.groupby(["service", "metric"]).ngroups
    if not anomalies:
        return f"All {n_series} metric series stayed within their baselines."
    top = anomalies[0]
    services = sorted({a.service for a in anomalies})
    return (
        f"{len(anomalies)} of {n_series} series left their baselines in {len(services)} service(s) "
        f"({', '.join(services)}); most significant: {top.service} {top.metric} "
        f"{format_value(top.metric, top.observed)} vs {format_value(top.metric, top.baseline)} baseline."
    )
