"""Exports that need the app's charts: the self-contained HTML report of one incident. No Streamlit here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from app import charts
from app.incident_view import latest_analysis, monitoring_output
from core.config import Settings
from core.html_report import render_html
from core.models import AgentRun, Incident, InjectedFault

if TYPE_CHECKING:
    from core.runtime import Runtime

#: Seconds of samples after the incident's end shown on the report's charts.
AFTER_SECONDS = 30.0


def window_end(incident: Incident, now: float) -> float:
    """Where the incident's charts end: its end, or now (rounded up to the 5 s poll) while it is open."""
    return incident.end_time if incident.end_time is not None else math.ceil(now / 5) * 5


def charted_services(incident: Incident, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(every service with samples in ``frame``, those of them the incident names: its own and its root cause)."""
    present = sorted(frame["service"].unique()) if not frame.empty else []
    named = [s for s in dict.fromkeys([*incident.services, incident.root_cause_service or ""]) if s in present]
    return present, named


def window_figures(
    incident: Incident,
    frame: pd.DataFrame,
    faults: Sequence[InjectedFault],
    runs: Sequence[AgentRun],
    settings: Settings,
    end: float,
    *,
    services: Sequence[str],
    height: int = 340,
) -> list[go.Figure]:
    """The incident-window charts (baseline, window, thresholds, faults, anomalies) of every charted metric,
    from the samples in ``frame``, the ``faults`` and the latest analysis' ``runs``."""
    monitoring = monitoring_output(runs)
    points = charts.anomaly_points(monitoring.anomalies if monitoring else [], incident.signals)
    limits = charts.thresholds(settings)
    markers = charts.fault_markers(faults)
    return [
        charts.incident_window_figure(
            frame,
            metric,
            window_start=incident.start_time,
            window_end=end,
            baseline_seconds=settings.baseline_seconds,
            threshold=limits.get(metric),
            markers=markers,
            points=points,
            services=services,
            height=height,
        )
        for metric in charts.CHART_METRICS
    ]


def incident_figures(runtime: Runtime, incident: Incident, runs: Sequence[AgentRun], now: float) -> list[go.Figure]:
    """``window_figures`` of the incident, read from the store, for its services (all when none has samples)."""
    baseline = runtime.settings.baseline_seconds
    end = window_end(incident, now)
    frame = runtime.store.metrics_frame(
        incident.start_time - baseline, end + AFTER_SECONDS, metrics=charts.CHART_METRICS
    )
    faults = runtime.store.faults(incident.start_time - baseline, end)
    present, named = charted_services(incident, frame)
    return window_figures(incident, frame, faults, runs, runtime.settings, end, services=named or present)


def html_report(runtime: Runtime, incident_id: str) -> tuple[str, str, bytes]:
    """The incident as (file name, MIME type, content) of a self-contained HTML report."""
    incident = runtime.store.get_incident(incident_id)
    now = runtime.clock.now()
    runs = latest_analysis(runtime.store.agent_runs(incident_id))
    figures = incident_figures(runtime, incident, runs, now)
    for figure in figures:  # a standalone page has no Streamlit padding: room for the axis labels
        figure.update_layout(margin={"l": 70, "r": 20, "t": 50, "b": 90})
    page = render_html(
        incident,
        runs,
        figures=figures,
        feedback=runtime.store.feedback(incident_id),
        now=now,
    )
    return f"incident-{incident.id[:8]}-report.html", "text/html", page.encode()
