"""Incidents: filter by status, severity, service and start time; recurring ones marked with their count; select
a row to open the incident."""

import math
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from app import data
from app.components import incident_table_picker, open_incident, show_error
from app.runtime import require_runtime
from core.errors import IncidentToolError
from core.report.exports import incidents_csv

STATUSES = ("OPEN", "INVESTIGATING", "RESOLVED")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
CUSTOM = "Custom dates"
TIME_RANGES: dict[str, float | None] = {
    "Last hour": 3600.0,
    "Last 6 hours": 6 * 3600.0,
    "Last 24 hours": 24 * 3600.0,
    "Last 7 days": 7 * 24 * 3600.0,
    "All time": None,
    CUSTOM: None,
}
LIMIT = 500

runtime = require_runtime()
db = data.db_key(runtime)
now = runtime.clock.now()
st.title("Incidents")


def day_bounds(days: tuple[date, ...]) -> tuple[float | None, float | None]:
    """Unix seconds from the start of the first day to the end of the last (UTC)."""
    if not days:
        return None, None
    first = datetime.combine(days[0], time.min, tzinfo=UTC)
    last = datetime.combine(days[-1], time.min, tzinfo=UTC) + timedelta(days=1)
    return first.timestamp(), last.timestamp()


try:
    known = data.incidents(runtime, db, limit=2000)
except IncidentToolError as exc:
    show_error(exc, "load the incidents")
    st.stop()
services = sorted(
    {s for i in known for s in i.services} | {i.root_cause_service for i in known if i.root_cause_service}
)

status_col, severity_col, service_col, range_col = st.columns(4)
statuses = status_col.multiselect(
    "Status", STATUSES, key="list_status", placeholder="All statuses", bind="query-params"
)
severities = severity_col.multiselect(
    "Severity", SEVERITIES, key="list_severity", placeholder="All severities", bind="query-params"
)
service = service_col.selectbox(
    "Service (affected or root cause)", services, index=None, key="list_service", placeholder="All services"
)
range_name = range_col.selectbox("Started", list(TIME_RANGES), index=2, key="list_range", bind="query-params")

since: float | None = None
until: float | None = None
if range_name == CUSTOM:
    today = datetime.fromtimestamp(now, tz=UTC).date()
    days = st.date_input("Start date range (UTC)", value=(today - timedelta(days=7), today), key="list_dates")
    since, until = day_bounds(tuple(days) if isinstance(days, tuple | list) else (days,))
elif TIME_RANGES[range_name] is not None:
    # Whole minutes, so that reruns within a minute share the cached query.
    since = math.floor((now - TIME_RANGES[range_name]) / 60) * 60

try:
    found = data.incidents(
        runtime,
        db,
        statuses=tuple(statuses),
        severities=tuple(severities),
        service=service,
        since=since,
        until=until,
        limit=LIMIT,
    )
except IncidentToolError as exc:
    show_error(exc, "load the incidents")
    st.stop()

if not found:
    st.info(
        "No incident matches these filters. Widen the time range or clear a filter; "
        "to create one, inject a fault on the Fault injection page.",
        icon=":material/info:",
    )
    st.stop()

try:
    feedback = data.latest_feedback(runtime, db, tuple(i.id for i in found))
except IncidentToolError as exc:
    show_error(exc, "load the RCA feedback")
    feedback = {}
try:
    recurring = data.recurrences(runtime, db, runtime.settings.similarity_threshold, tuple(i.id for i in found))
except IncidentToolError as exc:
    show_error(exc, "count the recurring incidents")
    recurring = {}
caption_col, export_col = st.columns([4, 1], vertical_alignment="center")
caption_col.caption(
    f"{len(found)} incident(s){' (newest ' + str(LIMIT) + ' shown)' if len(found) == LIMIT else ''}, "
    "newest first; *Recurring* ×N: N earlier incidents were similar. Select a row to open the incident."
)
export_col.download_button(
    "Export CSV",
    data=incidents_csv(found, feedback),
    file_name="incidents.csv",
    mime="text/csv",
    key="list_export_csv",
    icon=":material/download:",
    on_click="ignore",
    help="The incidents shown here (these filters), with their latest RCA feedback.",
)
selected = incident_table_picker(found, now, key="list_table", feedback=feedback, recurring=recurring)
if selected is not None:
    open_incident(selected)
