"""The charts of one incident's window (baseline, window, thresholds, faults, anomalies), for its page and report."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from core.config import Settings
from core.models import InjectedFault
from core.report import charts
from core.report.view import ReportView

#: Seconds of samples after the incident's end shown on its charts.
AFTER_SECONDS = 30.0
POLL_SECONDS = 5.0  # an open incident's charts end at now rounded up to this, so reruns share cached queries


def window_end(view: ReportView, now: float) -> float:
    """Where the incident's charts end: its end, or now (rounded up to the poll) while it is open."""
    end = view.header.end_time
    return end if end is not None else math.ceil(now / POLL_SECONDS) * POLL_SECONDS


def charted_services(view: ReportView, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(every service with samples in ``frame``, those of them the incident names: its own and its top cause's)."""
    present = sorted(frame["service"].unique()) if not frame.empty else []
    top = view.top_cause
    wanted = [*view.header.services, top.service if top else ""]
    return present, [s for s in dict.fromkeys(wanted) if s in present]


def window_figures(
    view: ReportView,
    frame: pd.DataFrame,
    faults: Sequence[InjectedFault],
    settings: Settings,
    end: float,
    *,
    services: Sequence[str],
    height: int = 340,
) -> list[go.Figure]:
    """One chart per ``charts.CHART_METRICS`` from the samples in ``frame``: the baseline before the incident and
    its window to ``end``, thresholds, the ``faults`` and the anomalies and detection signals of ``view``."""
    points = charts.anomaly_points(view.anomalies, view.header.signals)
    limits = charts.thresholds(settings)
    markers = charts.fault_markers(faults)
    return [
        charts.incident_window_figure(
            frame,
            metric,
            window_start=view.header.start_time,
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
