"""Sections of the incident page: hypotheses with their evidence, log patterns, mitigation checklist (stored),
feedback.

Untrusted text (log lines, templates, LLM summaries, feedback) is shown through ``st.dataframe``, ``st.code``
or ``md_escape``d Markdown, never as HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from app import data
from app.components import show_error
from app.formatting import DASH, fmt_confidence, fmt_ts, md_escape
from app.incident_view import evidence_frame, matching_lines, pattern_for, patterns_frame
from core.errors import IncidentToolError
from core.models import Action, Evidence, Incident, LogPattern
from core.report import charts
from core.report.view import ReportView
from core.store.actions import ActionCheck

if TYPE_CHECKING:
    from core.runtime import Runtime

#: Evidence charts drawn per hypothesis (the rest stay in the evidence table).
MAX_EVIDENCE_CHARTS = 4
EXAMPLE_LINES = 5


def hypotheses_section(runtime: Runtime, incident: Incident, view: ReportView) -> None:
    """Each hypothesis with its confidence bar, and each evidence item next to the chart or log lines it cites."""
    found = view.causes
    if not found:
        reason = view.no_cause_reason
        st.info(
            f"No root-cause hypothesis: {md_escape(reason)}"
            if reason
            else "No root-cause hypothesis yet. Press **Rerun analysis** once the analysis has data.",
            icon=":material/info:",
        )
        return
    patterns = view.logs.patterns if view.logs else []
    for rank, hypothesis in enumerate(found, start=1):
        with st.container(border=True):
            st.markdown(
                f"**{rank}. {md_escape(hypothesis.kind)} on {md_escape(hypothesis.service)}** — "
                f"confidence {fmt_confidence(hypothesis.confidence)}"
            )
            st.progress(hypothesis.confidence)
            st.markdown(md_escape(hypothesis.summary))
            if not hypothesis.evidence:
                continue
            st.dataframe(evidence_frame(hypothesis), hide_index=True)
            with st.expander("Evidence in the data: charts and log lines", expanded=rank == 1):
                for index, item in enumerate(hypothesis.evidence[:MAX_EVIDENCE_CHARTS]):
                    evidence_item(runtime, incident, item, patterns, key=f"inc_ev_{rank}_{index}")


def evidence_item(
    runtime: Runtime, incident: Incident, item: Evidence, patterns: list[LogPattern], *, key: str
) -> None:
    """One evidence item: its description, then the metric series or the log pattern it cites."""
    st.markdown(f"**{md_escape(item.kind)} · {md_escape(item.service)}** — {md_escape(item.description)}")
    start = item.window_start if item.window_start is not None else incident.start_time
    end = item.window_end if item.window_end is not None else (incident.end_time or runtime.clock.now())
    baseline = runtime.settings.baseline_seconds
    db = data.db_key(runtime)
    try:
        if item.kind == "metric" and item.metric:
            frame = data.metrics_window(runtime, db, start - baseline, end + 30, (item.service,), (item.metric,))
            figure = charts.incident_window_figure(
                frame,
                item.metric,
                window_start=start,
                window_end=end,
                baseline_seconds=baseline,
                threshold=charts.thresholds(runtime.settings).get(item.metric),
                services=[item.service],
                height=240,
            )
            st.plotly_chart(figure, key=f"{key}_chart")
        elif item.kind == "log" and item.template:
            log_evidence(runtime, item, patterns, start, end)
    except IncidentToolError as exc:
        show_error(exc, "load the data behind this evidence")


def log_evidence(runtime: Runtime, item: Evidence, patterns: list[LogPattern], start: float, end: float) -> None:
    """The cited log pattern's counts and a few of its lines from the window."""
    pattern = pattern_for(item, patterns)
    count = pattern.count if pattern else item.count
    base = pattern.baseline_count if pattern else item.baseline_count
    st.caption(f"Pattern lines: {base if base is not None else DASH} in the baseline → {count} in the window")
    st.code(item.template or "", language=None, wrap_lines=True)
    events = data.logs_window(runtime, data.db_key(runtime), start, end, (item.service,))
    lines = matching_lines(item.template or "", events, EXAMPLE_LINES)
    if lines:
        st.code("\n".join(f"{fmt_ts(e.ts)} {e.level} {e.message}" for e in lines), language=None, wrap_lines=True)
    elif pattern:
        st.code(pattern.example, language=None, wrap_lines=True)
    else:
        st.caption("No stored line of this pattern is left in the window (logs are kept for the retention period).")


def patterns_section(view: ReportView) -> None:
    """Every log pattern of the analysis (the report lists the ones that stand out)."""
    logs = view.logs
    if logs is None:
        st.info("No log analysis yet. Press **Rerun analysis** to produce one.", icon=":material/info:")
        return
    counts = (
        f"{logs.total_lines} log line(s) read, {logs.error_lines} at ERROR; " if logs.total_lines is not None else ""
    )
    st.caption(f"{counts}surging and new patterns first.")
    st.dataframe(patterns_frame(logs.patterns), hide_index=True)


def _store_tick(runtime: Runtime, incident_id: str, index: int, title: str) -> None:
    """Checkbox callback: store the tick or untick just made (who from the checklist's name field)."""
    checked = bool(st.session_state.get(f"inc_check_{incident_id}_{index}"))
    who = str(st.session_state.get("inc_check_who") or "").strip() or "anonymous"
    check = ActionCheck(
        incident_id=incident_id, index=index, title=title, checked=checked, by=who, at=runtime.clock.now()
    )
    try:
        runtime.store.save_action_check(check)
    except IncidentToolError as exc:
        st.session_state["inc_check_error"] = exc
    else:
        data.clear_incident_caches()


def action_checklist(runtime: Runtime, incident: Incident, actions: list[Action]) -> None:
    """The immediate actions as checkboxes stored in the database (who ticked each, and when)."""
    try:
        stored = {c.index: c for c in runtime.store.action_checks([incident.id]).get(incident.id, [])}
    except IncidentToolError as exc:
        show_error(exc, "load the ticked actions")
        stored = {}
    st.text_input("Who is ticking", key="inc_check_who", placeholder="your name or handle (kept with each tick)")
    if error := st.session_state.pop("inc_check_error", None):
        show_error(error, "store the tick (it is shown but not kept)")
    for index, action in enumerate(actions):
        key = f"inc_check_{incident.id}_{index}"
        if key not in st.session_state:  # a fresh checkbox shows the stored state
            st.session_state[key] = bool(stored.get(index) and stored[index].checked)
        st.checkbox(
            f"**{md_escape(action.title)}** — {md_escape(action.detail)}",
            key=key,
            on_change=_store_tick,
            args=(runtime, incident.id, index, action.title),
        )
        if (tick := stored.get(index)) is not None:
            st.caption(f"{'Ticked' if tick.checked else 'Unticked'} by {md_escape(tick.by)} at {fmt_ts(tick.at)}")
        if action.command:
            st.code(action.command, language="bash")


def mitigation_section(runtime: Runtime, incident: Incident, view: ReportView) -> None:
    """Immediate actions as a checklist (every tick stored with who and when), prevention items as a list."""
    output = view.actions
    if output is None:
        st.info("No mitigation proposed yet. Press **Rerun analysis** to produce one.", icon=":material/info:")
        return
    st.subheader("Immediate actions")
    if not output.immediate:
        st.caption("No action proposed.")
    else:
        action_checklist(runtime, incident, output.immediate)
    st.subheader("Prevention")
    for action in output.long_term:
        st.markdown(f"- **{md_escape(action.title)}** — {md_escape(action.detail)}")
    if not output.long_term:
        st.caption("No prevention item.")


def feedback_section(runtime: Runtime, incident: Incident) -> None:
    """A form to say whether the RCA was right (and the actual cause when not), and the verdicts so far."""
    with st.form("inc_feedback_form", border=True):
        st.markdown("**Was this root-cause analysis right?**")
        verdict = st.radio(
            "Verdict", ["right", "wrong"], horizontal=True, key="inc_fb_verdict", label_visibility="collapsed"
        )
        actual = st.text_input("Actual cause (when wrong)", key="inc_fb_cause", placeholder="e.g. db_slow on database")
        who = st.text_input("Who", key="inc_fb_who", placeholder="your name or handle")
        note = st.text_input("Note", key="inc_fb_note")
        sent = st.form_submit_button("Send feedback", key="inc_fb_send", icon=":material/rate_review:")
    if sent:
        if verdict == "wrong" and not actual.strip():
            st.error(
                "Say what the actual cause was when the RCA is wrong. **What to do:** fill in *Actual cause* "
                "(your other answers are kept) and send again.",
                icon=":material/error:",
            )
        else:
            try:
                runtime.give_feedback(
                    incident.id, "wrong" if verdict == "wrong" else "right", actual.strip(), who.strip(), note.strip()
                )
            except IncidentToolError as exc:
                show_error(exc, "store the feedback")
            else:
                data.clear_incident_caches()
                st.success(f"Feedback recorded: the RCA is {verdict}.", icon=":material/check:")
    try:
        history = runtime.store.feedback(incident.id)
    except IncidentToolError as exc:
        show_error(exc, "load the feedback")
        return
    if history:
        st.dataframe(
            [
                {
                    "When (UTC)": fmt_ts(f.created_at),
                    "Verdict": f.verdict,
                    "Actual cause": f.actual_cause or DASH,
                    "By": f.by,
                    "Note": f.note,
                }
                for f in history
            ],
            hide_index=True,
        )
