"""Shared Streamlit widgets: page paths, badges, status tiles, incident tables and links, error boxes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from app.formatting import (
    ANALYSIS_COLORS,
    SEVERITY_COLORS,
    STATUS_COLORS,
    cause_label,
    explain,
    fmt_ago,
    fmt_confidence,
    incident_table,
    md_escape,
    redact_url,
)
from core.models import Feedback, Incident
from core.report.view import INCIDENT_QUERY_PARAM

# Page scripts, relative to the pages script app/shell.py (the rule of st.Page, st.page_link, st.switch_page).
DASHBOARD_PAGE = "../pages/dashboard.py"
INCIDENTS_PAGE = "../pages/incidents.py"
INCIDENT_PAGE = "../pages/incident.py"
FAULTS_PAGE = "../pages/faults.py"
STATUS_PAGE = "../pages/status.py"


def show_error(exc: Exception, doing: str) -> None:
    """An ``st.error`` saying what failed and what to do."""
    st.error(explain(exc, doing), icon=":material/error:")


def severity_badge(severity: str) -> None:
    st.badge(severity, color=SEVERITY_COLORS.get(severity, "gray"))


def status_badge(status: str) -> None:
    st.badge(status, color=STATUS_COLORS.get(status, "gray"))


def analysis_badge(status: str) -> None:
    st.badge(f"analysis: {status}", color=ANALYSIS_COLORS.get(status, "gray"))


def status_tiles(counts: dict[str, int], demo_health: dict[str, Any] | None, demo_url: str | None) -> None:
    """Open / Investigating / Resolved counts and whether the demo service answers."""
    open_, investigating, resolved, demo = st.columns(4)
    open_.metric("Open", counts.get("OPEN", 0), border=True)
    investigating.metric("Investigating", counts.get("INVESTIGATING", 0), border=True)
    resolved.metric("Resolved", counts.get("RESOLVED", 0), border=True)
    healthy = demo_health is not None and str(demo_health.get("status", "ok")).lower() in ("ok", "healthy", "up")
    demo.metric(
        "Demo service",
        "✓ up" if healthy else ("✗ down" if demo_health is None else "✗ degraded"),
        help=(
            f"{redact_url(demo_url)} · {demo_health.get('active_faults', 0)} active fault(s)"
            if demo_health is not None
            else f"{redact_url(demo_url)} does not answer /health; see the Status page"
        ),
        border=True,
    )


def incident_link(incident: Incident, now: float, *, key_prefix: str = "") -> None:
    """A link that opens the incident page for ``incident``."""
    confidence = (
        f" · {fmt_confidence(incident.root_cause_confidence)}" if incident.root_cause_confidence is not None else ""
    )
    label = (
        f"**{incident.severity}** · {md_escape(incident.title)} · {incident.status}"
        f" · {md_escape(cause_label(incident))}{confidence} · {fmt_ago(incident.start_time, now)}"
    )
    st.page_link(
        INCIDENT_PAGE,
        label=label,
        icon=":material/open_in_new:",
        query_params={INCIDENT_QUERY_PARAM: incident.id},
        help=f"Open incident {incident.id}",
    )


def incident_links(incidents: Sequence[Incident], now: float, *, empty_text: str) -> None:
    """A list of incident links, or ``empty_text`` when there are none."""
    if not incidents:
        st.caption(empty_text)
        return
    for incident in incidents:
        incident_link(incident, now)


def incident_table_picker(
    incidents: list[Incident],
    now: float,
    *,
    key: str,
    feedback: Mapping[str, Feedback] | None = None,
    recurring: Mapping[str, int] | None = None,
) -> str | None:
    """The incidents as a table (with their latest RCA feedback and recurrence counts); returns the id of the
    selected row (to open it)."""
    frame = incident_table(incidents, now, feedback, recurring)
    state = st.dataframe(
        frame,
        hide_index=True,
        key=key,
        on_select="rerun",
        selection_mode="single-row",
        column_order=[c for c in frame.columns if c != "id"],
        column_config={
            "Confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="percent"),
            "Title": st.column_config.TextColumn("Title", width="large"),
            "Recurring": st.column_config.TextColumn(
                "Recurring", help="Earlier incidents at least SIMILARITY_THRESHOLD similar to this one"
            ),
        },
    )
    rows = state.selection.rows if state is not None else []
    return str(frame.iloc[rows[0]]["id"]) if rows else None


def open_incident(incident_id: str) -> None:
    """Switch to the incident page for ``incident_id``."""
    st.switch_page(INCIDENT_PAGE, query_params={INCIDENT_QUERY_PARAM: incident_id})
