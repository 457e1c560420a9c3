"""The two grids the product draws: the dashboard's last minutes and one incident's window (its page and its HTML
report), each a ``core.report.grid`` of services × ``charts.CHART_METRICS`` under a band of faults and incidents."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from core.config import Settings
from core.models import Incident, InjectedFault
from core.report import band, charts, grid
from core.report.palette import SEVERITY_COLORS, service_colors
from core.report.view import ReportView
from core.units import utc

#: Seconds of samples after the incident's end shown on its charts.
AFTER_SECONDS = 30.0
POLL_SECONDS = 5.0  # an open incident's charts end at now rounded up to this, so reruns share cached queries


def services_of(frame: pd.DataFrame) -> list[str]:
    """Every service with samples in ``frame``, sorted: the set each chart colours its services from."""
    return sorted(str(s) for s in frame["service"].unique()) if not frame.empty else []


def first_sample(frame: pd.DataFrame, start: float) -> float:
    """Where a chart of ``frame`` from ``start`` begins: ``start``, or its first sample when that comes later (a
    server that started five minutes ago draws five minutes, not a mostly empty quarter of an hour)."""
    return max(start, float(frame["ts"].min())) if not frame.empty else start


def last_sample(frame: pd.DataFrame, end: float) -> float:
    """Where a chart of ``frame`` to ``end`` ends: ``end``, or its last sample when that comes sooner (an open
    incident exported after its data stopped, e.g. from a simulation, is not drawn as months of nothing)."""
    return min(end, float(frame["ts"].max())) if not frame.empty else end


def live_figure(
    frame: pd.DataFrame,
    incidents: Sequence[Incident],
    faults: Sequence[InjectedFault],
    settings: Settings,
    *,
    start: float,
    end: float,
    now: float,
    services: Sequence[str] | None = None,
) -> go.Figure:
    """The dashboard's grid from ``start`` to ``end``: ``services`` (default every one with samples), the faults and
    incidents of that time in the band, each incident's detection signals on their series, and the services of
    open incidents named in red."""
    present = services_of(frame)
    shown = [s for s in services if s in present] if services else present
    colors = service_colors(present)
    items = band.fault_items(faults, now, colors) + band.incident_items(incidents, now)
    signals = [signal for incident in incidents for signal in incident.signals]
    open_services = {s for incident in incidents if incident.end_time is None for s in incident.services}
    return grid.service_grid(
        frame,
        shown,
        charts.CHART_METRICS,
        colors=colors,
        thresholds=charts.thresholds(settings),
        x_range=(first_sample(frame, start), end),
        band=items,
        marks=charts.anomaly_points([], signals),
        highlight=open_services,
    )


def window_end(view: ReportView, now: float) -> float:
    """Where the incident's charts end: its end, or now (rounded up to the poll) while it is open."""
    end = view.header.end_time
    return end if end is not None else math.ceil(now / POLL_SECONDS) * POLL_SECONDS


def charted_services(view: ReportView, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(every service with samples in ``frame``, those of them the incident names: its own and its top cause's)."""
    present = services_of(frame)
    top = view.top_cause
    wanted = [top.service if top else "", *view.header.services]
    return present, [s for s in dict.fromkeys(wanted) if s in present]


def window_figure(
    view: ReportView,
    frame: pd.DataFrame,
    faults: Sequence[InjectedFault],
    settings: Settings,
    end: float,
    *,
    services: Sequence[str],
) -> go.Figure:
    """The incident's grid from the samples in ``frame``: ``services`` over the baseline before the incident and its
    window to ``end`` (both shaded, and in the band with the ``faults``), with its anomalies and detection signals
    on their series."""
    h = view.header
    baseline_start = h.start_time - settings.baseline_seconds
    window = charts.Span(h.start_time, end, "incident", kind="incident")
    baseline = charts.Span(baseline_start, h.start_time, "baseline", kind="baseline")
    colors = service_colors(services_of(frame))
    start, stop = first_sample(frame, baseline_start), last_sample(frame, end)
    items = [
        band.BandItem(
            "window",
            baseline_start,
            h.start_time,
            "baseline",
            "the baseline the agents compared with",
            band.BASELINE_COLOR,
        ),
        band.BandItem(
            "window",
            h.start_time,
            end,
            f"{h.severity} incident",
            f"{h.severity} {h.title}, from {utc(h.start_time)}",
            SEVERITY_COLORS.get(h.severity, SEVERITY_COLORS["SEV4"]),
        ),
        *band.fault_items(faults, end, colors),
    ]
    return grid.service_grid(
        frame,
        services,
        charts.CHART_METRICS,
        colors=colors,
        thresholds=charts.thresholds(settings),
        x_range=(start, stop + max(5.0, 0.02 * (stop - start))),
        band=items,
        lanes=("faults", "window"),
        marks=charts.anomaly_points(view.anomalies, h.signals),
        shaded=(baseline, window),
        latest_values=False,
    )
