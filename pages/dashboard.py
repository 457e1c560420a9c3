"""Dashboard: incident counts, demo-service health, the last 15 minutes of every service, recent incidents.

The charts are small multiples (a row per service, a column per metric) under one band of injected faults and
incident windows, so that a room reading a projector still tells the services apart after dozens of incidents.
"""

import math

import streamlit as st

from app import data
from app.components import INCIDENTS_PAGE, incident_links, show_error, status_tiles
from app.formatting import fmt_clock, fmt_duration, md_escape
from app.runtime import require_runtime
from core.errors import IncidentToolError
from core.report import charts, figures

WINDOW_SECONDS = 15 * 60
REFRESH_SECONDS = 5
RECENT_INCIDENTS = 8
LEGEND = (
    "Top band: injected faults (in their target's colour) and incident windows (dark red SEV1, red SEV2, orange "
    "SEV3, grey SEV4); hover a bar for its name. Each row is one service, its name in red with ● while it is in an "
    "open incident; dashed red: detection threshold; black dots: detection signals."
)

runtime = require_runtime()


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


def service_picker(services: list[str]) -> list[str]:
    """A small button that opens the service choice; returns the services picked (none: every service)."""
    picked = [s for s in st.session_state.get("dash_services") or [] if s in services]
    label = f"{len(picked)} of {len(services)} services" if picked else f"{len(services)} services"
    with st.popover(label, icon=":material/filter_list:", help="Show only some services"):
        chosen = st.pills(
            "Show only",
            services,
            format_func=md_escape,  # pill labels are Markdown; a service name is data
            selection_mode="multi",
            key="dash_services",
            help="Pick services to show only them; with none picked, every service has its row.",
        )
    return [s for s in chosen or [] if s in services]


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

    present = figures.services_of(frame)
    left, tiles = st.columns([1.4, 3], vertical_alignment="center")
    with left, st.container(horizontal=True, vertical_alignment="center"):
        st.title("Dashboard", width="content")
        chosen = service_picker(present)
    with tiles:
        status_tiles(counts, health, runtime.demo_service_url())
    loop_health(now)
    in_window = [i for i in latest if i.start_time <= end and (i.end_time is None or i.end_time >= start)]
    figure = figures.live_figure(
        frame, in_window, faults, runtime.settings, start=start, end=end, now=now, services=chosen
    )
    st.plotly_chart(figure, key="dash_grid", config={"displayModeBar": False})
    st.caption(
        f"Last {fmt_duration(WINDOW_SECONDS)} · updated {fmt_clock(now)} UTC · refreshes every {REFRESH_SECONDS} s. "
        + LEGEND
    )

    st.subheader("Recent incidents")
    incident_links(
        latest[:RECENT_INCIDENTS],
        now,
        empty_text="No incidents yet. Inject a fault on the Fault injection page to see one detected.",
    )


live_panel()
st.page_link(INCIDENTS_PAGE, label="All incidents", icon=":material/list_alt:")
