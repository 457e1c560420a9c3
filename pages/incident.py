"""Incident: header facts (both detection delays), actions (rerun, export, acknowledge, resolve), then the report
(which reads in one screen), charts, hypotheses, log patterns, mitigation (a stored checklist), similar past
incidents, the postmortem editor, timeline, agent runs and feedback.

Reached as ``/incident?id=<incident id>`` (links on the dashboard, row selection on the incident list).
"""

import time

import streamlit as st

from app import data
from app.components import (
    INCIDENT_QUERY_PARAM,
    INCIDENTS_PAGE,
    analysis_badge,
    severity_badge,
    show_error,
    status_badge,
)
from app.formatting import (
    DASH,
    feedback_text,
    fmt_clock,
    fmt_confidence,
    fmt_duration,
    fmt_ts,
    incident_duration,
    md_escape,
    root_cause_text,
)
from app.incident_alerts import alerts_section
from app.incident_postmortem import postmortem_section
from app.incident_report import detection_facts, detection_metrics, report_tab
from app.incident_revisions import revisions_section
from app.incident_sections import feedback_section, hypotheses_section, mitigation_section, patterns_section
from app.incident_similar import similar_section
from app.incident_view import (
    AGENT_ORDER,
    failed_agents,
    latest_analysis,
    runs_frame,
    timeline_frame,
)
from app.progress import ProgressBoard, progress_line
from app.runtime import require_runtime
from core.errors import IncidentToolError, NotFoundError
from core.models import AgentRun, Feedback, Incident
from core.report import charts, figures
from core.report.detection import Detection
from core.report.exports import view_of
from core.report.view import ReportView

#: How long the page waits for a rerun before leaving it to finish in the background.
ANALYSIS_WAIT_SECONDS = 120.0
POLL_SECONDS = 0.25
WATCH_SECONDS = 2

runtime = require_runtime()


def back_to_list() -> None:
    st.page_link(INCIDENTS_PAGE, label="Back to the incident list", icon=":material/arrow_back:")


def load(incident_id: str) -> Incident:
    """The incident, or an explained error and a link back to the list."""
    try:
        return runtime.store.get_incident(incident_id)
    except NotFoundError:
        st.error(
            f"**No incident has the id {md_escape(incident_id)}.** The link may be mistyped or the incident "
            "deleted. **What to do:** open it again from the incident list.",
            icon=":material/error:",
        )
    except IncidentToolError as exc:
        show_error(exc, "load the incident")
    back_to_list()
    st.stop()


def latest_feedback(incident_id: str) -> Feedback | None:
    """The newest verdict on this incident's RCA (None when there is none or it cannot be read)."""
    try:
        found = runtime.store.feedback(incident_id)
    except IncidentToolError as exc:
        show_error(exc, "load the RCA feedback")
        return None
    return found[0] if found else None


def load_runs(incident_id: str) -> list[AgentRun]:
    try:
        return runtime.store.agent_runs(incident_id)
    except IncidentToolError as exc:
        show_error(exc, "load the agent runs")
        return []


def run_analysis(incident_id: str) -> None:
    """Submit an analysis and show each agent's state until it finishes (workers only touch the board)."""
    board = ProgressBoard(AGENT_ORDER)
    try:
        future = runtime.submit_analysis(incident_id, on_progress=board.update)
    except IncidentToolError as exc:
        show_error(exc, "start the analysis")
        return
    with st.status("Analysing: the five agents are running…", expanded=True) as status:
        lines = {agent: st.empty() for agent in AGENT_ORDER}
        deadline = time.monotonic() + ANALYSIS_WAIT_SECONDS
        while True:
            for agent, state in board.snapshot().items():
                if agent not in lines:
                    lines[agent] = st.empty()
                lines[agent].markdown(progress_line(agent, state))
            if future.done() or time.monotonic() > deadline:
                break
            time.sleep(POLL_SECONDS)
        if not future.done():
            status.update(
                label="The analysis is still running in the background; this page updates when it finishes.",
                state="running",
                expanded=False,
            )
            return
        try:
            result = future.result()
        except IncidentToolError as exc:
            status.update(label="The analysis failed", state="error")
            show_error(exc, "analyse the incident")
            return
        if board.updates == 0:
            st.caption("An analysis of this incident was already running; this is its result.")
        labels = {
            "done": ("Analysis finished", "complete"),
            "partial": ("Analysis finished with gaps (partial report)", "complete"),
        }
        label, state = labels.get(result.analysis_status, (f"Analysis {result.analysis_status}", "error"))
        status.update(label=label, state=state, expanded=False)
    data.clear_incident_caches()


def handle_operator_form(incident: Incident, area) -> None:
    """Acknowledge / resolve with who and a note, behind a button in ``area`` (the row of actions)."""
    with (
        area.popover("Acknowledge or resolve", icon=":material/how_to_reg:"),
        st.form("inc_operator_form", border=False),
    ):
        who = st.text_input("Who", key="inc_who", placeholder="your name or handle")
        note = st.text_area("Note", key="inc_note", placeholder="what was done, links, follow-ups")
        ack_col, resolve_col = st.columns(2)
        acknowledge = ack_col.form_submit_button(
            "Acknowledge",
            key="inc_acknowledge",
            icon=":material/how_to_reg:",
            disabled=incident.status == "RESOLVED",
        )
        resolve = resolve_col.form_submit_button(
            "Resolve", key="inc_resolve", icon=":material/task_alt:", disabled=incident.status == "RESOLVED"
        )
    if not (acknowledge or resolve):
        return
    try:
        if acknowledge:
            changed = runtime.acknowledge(incident.id, who.strip(), note.strip())
            message = f"Acknowledged by {changed.acknowledged_by}."
        else:
            changed = runtime.resolve(incident.id, who.strip(), note.strip())
            message = f"Resolved by {changed.resolved_by}."
    except IncidentToolError as exc:
        show_error(exc, "acknowledge the incident" if acknowledge else "resolve the incident")
        return
    data.clear_incident_caches()
    st.session_state["inc_flash"] = message
    st.rerun()


EXPORT_HELP = {
    "md": "The RCA report as Markdown, to paste into a postmortem",
    "json": "The incident, its signals, analysis, evidence and every agent run, as JSON",
}


def downloads(column_md, column_json, column_html, incident_id: str) -> None:
    """Markdown and JSON exports, and the self-contained HTML report (built when clicked: it is ~5 MB)."""
    for column, fmt, label in ((column_md, "md", "Report (.md)"), (column_json, "json", "Data (.json)")):
        try:
            name, mime, content = runtime.export(incident_id, fmt)
        except IncidentToolError as exc:
            with column:
                show_error(exc, f"export the incident as {fmt}")
            continue
        column.download_button(
            label,
            data=content,
            file_name=name,
            mime=mime,
            key=f"inc_download_{fmt}",
            icon=":material/download:",
            help=EXPORT_HELP[fmt],
            on_click="ignore",
        )
    column_html.download_button(
        "Report (.html)",
        data=lambda: runtime.export(incident_id, "html").content,
        file_name=f"incident-{incident_id[:8]}-report.html",
        mime="text/html",
        key="inc_download_html",
        icon=":material/download:",
        on_click="ignore",
        help="One file with the charts embedded; opens without a network.",
    )


def header(incident: Incident, now: float, feedback: Feedback | None, found: Detection) -> None:
    st.title(md_escape(incident.title))
    with st.container(horizontal=True, vertical_alignment="center"):
        severity_badge(incident.severity)
        status_badge(incident.status)
        analysis_badge(incident.analysis_status)
        st.markdown(f"**Root cause:** {md_escape(root_cause_text(incident))}")
    columns = st.columns(5 if found.fault is not None else 4)
    columns[0].metric("Started (UTC)", fmt_clock(incident.start_time), help=fmt_ts(incident.start_time))
    detection_metrics(found, columns[1:-2])
    ended = f"ended {fmt_ts(incident.end_time)}" if incident.end_time else "ongoing"
    columns[-2].metric("Duration", fmt_duration(incident_duration(incident, now)), help=ended)
    columns[-1].metric("Confidence", fmt_confidence(incident.root_cause_confidence))
    details = [f"id {incident.id}", f"services: {', '.join(incident.services) or DASH}", ended]
    if incident.acknowledged_by:
        details.append(f"acknowledged by {incident.acknowledged_by} at {fmt_ts(incident.acknowledged_at)}")
    if incident.resolved_by:
        details.append(f"resolved by {incident.resolved_by}")
    if incident.resolution_note:
        details.append(f"note: {incident.resolution_note}")
    if feedback:
        details.append(f"RCA feedback: {feedback_text(feedback)} by {feedback.by}")
    st.caption(md_escape(" · ".join(details)))


def analysis_banner(incident: Incident, runs: list[AgentRun]) -> None:
    status = incident.analysis_status
    if status == "interrupted":
        st.warning(
            "The analysis of this incident was interrupted: the app stopped while it ran. "
            "Press **Rerun analysis** to run it again.",
            icon=":material/warning:",
        )
    elif status == "failed":
        st.error(
            "The analysis failed, so there is no report. **What to do:** press **Rerun analysis**; if it fails "
            "again, the Agent runs tab and the Status page show why.",
            icon=":material/error:",
        )
    elif status == "partial":
        gaps = "; ".join(f"{agent}: {reason}" for agent, reason in failed_agents(runs)) or "see the Agent runs tab"
        st.warning(
            f"Partial analysis: some agents did not finish ({md_escape(gaps)}). The report names the gap; "
            "press **Rerun analysis** to try again.",
            icon=":material/warning:",
        )
    elif status in ("pending", "running"):
        watch_analysis(incident.id, status)


@st.fragment(run_every=WATCH_SECONDS)
def watch_analysis(incident_id: str, seen: str) -> None:
    """While an analysis is queued or running, rerun the page as soon as its status changes."""
    try:
        current = runtime.store.get_incident(incident_id).analysis_status
    except IncidentToolError as exc:
        show_error(exc, "check the analysis status")
        return
    if current != seen:
        data.clear_incident_caches()
        st.rerun(scope="app")
    st.info(f"Analysis {current}… this page updates when it finishes.", icon=":material/hourglass_top:")


def charts_tab(view: ReportView, now: float) -> None:
    window_end = figures.window_end(view, now)
    start = view.header.start_time - runtime.settings.baseline_seconds
    db = data.db_key(runtime)
    try:
        frame = data.metrics_window(runtime, db, start, window_end + figures.AFTER_SECONDS, None, charts.CHART_METRICS)
        faults = data.faults_between(runtime, db, start, window_end)
    except IncidentToolError as exc:
        show_error(exc, "load the metrics of the incident window")
        return
    present, named = figures.charted_services(view, frame)
    shown = st.multiselect("Services", present, default=named or present, key="inc_chart_services")
    figure = figures.window_figure(view, frame, faults, runtime.settings, window_end, services=shown)
    st.plotly_chart(figure, key="inc_chart_grid", config={"displayModeBar": False})
    st.caption(
        f"Grey: baseline ({fmt_duration(runtime.settings.baseline_seconds)} before the first signal); red: the "
        "incident window; top band: the window and the injected faults (hover for names); dashed red: detection "
        "threshold; black dots: anomalies the monitoring agent found and detection signals, on their series."
    )


def runs_tab(runs: list[AgentRun], latest: list[AgentRun]) -> None:
    if not runs:
        st.info("No agent has run for this incident yet.", icon=":material/info:")
        return
    st.dataframe(runs_frame(runs), hide_index=True)
    with st.expander("Raw outputs of the latest analysis"):
        for run in latest:
            st.markdown(f"**{run.agent_name}** ({run.status})")
            st.json(run.output_json, expanded=False)


incident_id = st.query_params.get(INCIDENT_QUERY_PARAM) or st.session_state.get("inc_selected_id")
if not incident_id:
    st.title("Incident")
    st.info("No incident selected. Open one from the incident list or the dashboard.", icon=":material/info:")
    back_to_list()
    st.stop()
st.session_state["inc_selected_id"] = incident_id
incident = load(incident_id)

header_area = st.container()
rerun_col, md_col, json_col, html_col, operator_col = st.columns([1, 1, 1, 1, 1.4])
rerun = rerun_col.button("Rerun analysis", key="inc_rerun", icon=":material/refresh:", type="primary")
handle_operator_form(incident, operator_col)
if flash := st.session_state.pop("inc_flash", None):
    st.success(md_escape(flash), icon=":material/check:")
if rerun:
    run_analysis(incident_id)
    incident = load(incident_id)

now = runtime.clock.now()
runs = load_runs(incident_id)
latest = latest_analysis(runs)
view = view_of(incident)
try:
    window_faults = runtime.store.faults(
        incident.start_time - runtime.settings.baseline_seconds, incident.end_time or now
    )
except IncidentToolError as exc:
    show_error(exc, "load the injected faults")
    window_faults = []
found = detection_facts(view, window_faults)
view = view.model_copy(update={"detection": found})  # a report written before both delays were kept states them too
with header_area:
    header(incident, now, latest_feedback(incident_id), found)
    analysis_banner(incident, latest)
downloads(md_col, json_col, html_col, incident_id)

TAB_NAMES = (
    "Report",
    "Charts",
    "Hypotheses",
    "Log patterns",
    "Mitigation",
    "Similar",
    "Postmortem",
    "Timeline",
    "Agent runs",
    "Feedback",
)
tabs = dict(zip(TAB_NAMES, st.tabs(list(TAB_NAMES), key="inc_tabs"), strict=True))
with tabs["Report"]:
    revisions_section(runtime, incident_id)  # the revision line is the report's first; earlier ones on request
    report_tab(incident, view)
with tabs["Charts"]:
    charts_tab(view, now)
with tabs["Hypotheses"]:
    hypotheses_section(runtime, incident, view)
with tabs["Log patterns"]:
    patterns_section(view)
with tabs["Mitigation"]:
    mitigation_section(runtime, incident, view)
with tabs["Similar"]:
    similar_section(runtime, incident)
with tabs["Postmortem"]:
    postmortem_section(runtime, incident)
with tabs["Timeline"]:
    st.dataframe(timeline_frame(incident, latest, window_faults), hide_index=True)
    alerts_section(runtime.store.incident_alerts(incident.id))
with tabs["Agent runs"]:
    runs_tab(runs, latest)
with tabs["Feedback"]:
    feedback_section(runtime, incident)
back_to_list()
