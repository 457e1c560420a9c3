"""The incident page's Report tab and its header facts: the report reads in one screen.

The summary, the root cause with its key evidence and the immediate actions come first, as the Markdown report
puts them; the top log patterns follow with their counts (every pattern behind "Show all"), and the impact,
timeline, every cause's evidence and the prevention items wait in expanders. Every text comes from
``core.report.markdown`` (escaped there) or goes through ``st.dataframe``; nothing is rendered as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app.formatting import fmt_clock, fmt_duration, fmt_ts
from app.incident_view import patterns_frame
from core.models import Incident, InjectedFault, LogPattern
from core.report import markdown
from core.report.build import detection
from core.report.detection import Detection
from core.report.escape import streamlit_markdown
from core.report.view import ReportView

#: Sections of the report shown folded under the lead ones, in this order.
FOLDED = ("Impact", "Timeline", "Evidence", "Prevention")


def detection_facts(view: ReportView, faults: Sequence[InjectedFault]) -> Detection:
    """Both detection delays: from the stored report, or (for one written before they were kept, or an incident
    not analysed yet) from its findings and the ``faults`` injected around it."""
    return view.detection or detection(view, faults)


def detection_metrics(found: Detection, columns: Sequence[DeltaGenerator]) -> None:
    """Detected after the injected fault (when there is one) and after the first sign in the data, each
    labelled: one metric per column of ``columns``, the fault's first."""
    opened = f"Opened at {fmt_ts(found.detected_at)}"
    shown = list(columns)
    if found.fault is not None and found.fault_ts is not None:
        shown.pop(0).metric(
            "Detected after the fault",
            fmt_duration(found.detected_at - found.fault_ts),
            help=f"From the injected fault {found.fault} at {fmt_clock(found.fault_ts)} UTC. {opened}.",
        )
    shown[0].metric(
        "Detected after first sign",
        fmt_duration(found.after_first_sign),
        help=f"From the first sign in the data: {found.first_sign} at {fmt_clock(found.first_sign_ts)} UTC. {opened}.",
    )


def _section(name: str, lines: list[str]) -> None:
    st.markdown(f"#### {name}")
    st.markdown(streamlit_markdown("\n".join(lines)))


def top_patterns_frame(patterns: Sequence[LogPattern]) -> pd.DataFrame:
    """The patterns with what a reader compares: template, level, services, window and baseline counts, new."""
    return pd.DataFrame(
        [
            {
                "Template": p.template,
                "Level": p.level,
                "Services": ", ".join(p.services),
                "Window": p.count,
                "Baseline": p.baseline_count,
                "New": "yes" if p.is_new else f"×{p.surge:.1f}",
            }
            for p in patterns
        ],
        columns=["Template", "Level", "Services", "Window", "Baseline", "New"],
    )


def patterns_part(view: ReportView) -> None:
    """The top log patterns with their counts, and every pattern of the analysis behind "Show all"."""
    st.markdown("#### Log patterns")
    if view.logs is None:
        st.caption("No log analysis in this report (see the Agent runs tab).")
        return
    listed = view.listed_patterns()
    if not listed:
        st.caption(view.logs.summary or "No log lines in the incident window.")
        return
    st.dataframe(top_patterns_frame(listed[: markdown.TOP_PATTERNS]), hide_index=True)
    every = view.logs.patterns
    with st.expander(f"Show all {len(every)} patterns", icon=":material/list:"):
        st.dataframe(patterns_frame(every), hide_index=True)


def report_tab(incident: Incident, view: ReportView) -> None:
    """The report of the latest analysis: lead sections, top log patterns, the rest folded."""
    if incident.final_summary is None:
        if incident.rca_markdown:  # a fallback report without a stored view: shown as it was written
            st.markdown(streamlit_markdown(incident.rca_markdown))
        else:
            st.info(
                f"No report yet (analysis {incident.analysis_status}). Press **Rerun analysis** to produce one.",
                icon=":material/info:",
            )
        return
    if revised := markdown.revision_line(view):  # what this revision changed, as the Markdown report says first
        st.markdown(streamlit_markdown(revised))
    parts = markdown.sections(view)
    for name in markdown.LEAD:
        _section(name, parts[name])
    patterns_part(view)
    for name in FOLDED:
        with st.expander(name):
            st.markdown(streamlit_markdown("\n".join(parts[name])))
