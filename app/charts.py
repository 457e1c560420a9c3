"""The dashboard's charts. They are built in ``core.report.charts`` (pure Plotly), which the incident page and
the HTML report share; this name stays for the dashboard page until it imports them from there."""

from core.report.charts import (
    CHART_METRICS,
    anomaly_points,
    fault_markers,
    incident_spans,
    metric_figure,
    thresholds,
)

__all__ = ["CHART_METRICS", "anomaly_points", "fault_markers", "incident_spans", "metric_figure", "thresholds"]
