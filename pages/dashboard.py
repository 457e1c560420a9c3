"""Dashboard: incident counts, demo-service health, live charts of the last 15 minutes, recent incidents."""

import math

import streamlit as st

from app import charts, data
from app.components import INCIDENTS_PAGE, incident_links, show_error, status_tiles
from app.formatting import fmt_clock, fmt_duration
from app.runtime import require_runtime
from core.errors import IncidentToolError

WINDOW_SECONDS = 15 * 60
REFRESH_SECONDS = 5
RECENT_INCIDENTS = 8

runtime = require_runtime()
st.title("Dashboard")


def loop_health(now: float) -> None:
    """Warn when the background detection loop is stopped or its last poll failed."""
    status = runtime.scheduler_status()
    if not status.running:
        st.error(
            "**The detection loop is not running**, so no new incident will be detected. "
            "**What to do:** restart the app; the Status page shows the loop's last error.",
            icon=":material/error:",
        )
    elif status.last_error and status.last_error_at and now - status.last_error_at < 3 * status.interval_seconds:
        st.warning(
            f"The last detection poll had a problem: {status.last_error}. The loop keeps running; "
            "see the Status page for each source's health.",
            icon=":material/warning:",
        )


@st.fragment(run_every=REFRESH_SECONDS)
def live_panel() -> None:
    now = runtime.clock.now()
    # Round the window's end up to the refresh period so sessions share cached queries.
    end = math.ceil(now / REFRESH_SECONDS) * REFRESH_SECONDS
    start = end - WINDOW_SECONDS
    db = data.db_key(runtime)
    try:
        counts = data.incident_counts(runtime, db)
        health = data.demo_health(runtime, db)
        frame = data.metrics_window(runtime, db, start, end, None, charts.CHART_METRICS)
        latest = data.incidents(runtime, db, limit=200)
        faults = data.faults_between(runtime, db, start, end)
    except IncidentToolError as exc:
        show_error(exc, "load the dashboard data")
        return

    loop_health(now)
    status_tiles(counts, health, runtime.demo_service_url())
    in_window = [i for i in latest if i.start_time <= end and (i.end_time is None or i.end_time >= start)]
    spans = charts.incident_spans(in_window, now)
    markers = charts.fault_markers(faults)
    points = charts.anomaly_points([], [signal for incident in in_window for signal in incident.signals])
    limits = charts.thresholds(runtime.settings)
    for column, metric in zip(st.columns(len(charts.CHART_METRICS)), charts.CHART_METRICS, strict=True):
        figure = charts.metric_figure(
            frame,
            metric,
            threshold=limits.get(metric),
            spans=spans,
            markers=markers,
            points=points,
            x_range=(start, end),
        )
        column.plotly_chart(figure, key=f"dash_chart_{metric}")
    st.caption(
        f"Last {fmt_duration(WINDOW_SECONDS)} · updated {fmt_clock(now)} UTC · refreshes every {REFRESH_SECONDS} s. "
        "Shaded: incident windows; dashed red: detection thresholds; dashed purple: injected faults; crosses: "
        "detection signals. Drag to select a range, double-click to reset."
    )

    st.subheader("Recent incidents")
    incident_links(
        latest[:RECENT_INCIDENTS],
        now,
        empty_text="No incidents yet. Inject a fault on the Fault injection page to see one detected.",
    )


live_panel()
st.page_link(INCIDENTS_PAGE, label="All incidents", icon=":material/list_alt:")
