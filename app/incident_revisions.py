"""The incident page's revision section: the analysis follows the incident, and each earlier report stays readable.

The latest report says in its first line what its revision changed (``core.report.markdown.revision_line``);
this section lists every analysis of the incident (when, why, its top cause and confidence) and shows an
earlier report on request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from app import data
from app.components import show_error
from app.formatting import DASH, fmt_clock, fmt_confidence, md_escape
from core.errors import IncidentToolError
from core.report.escape import streamlit_markdown
from core.report.revision import REASON_TEXT
from core.store.analyses import Revision

if TYPE_CHECKING:
    from core.runtime import Runtime


def revisions_frame(revisions: list[Revision]) -> pd.DataFrame:
    """One row per analysis, newest first: revision, time, why, top cause, confidence, what changed."""
    rows = []
    for r in reversed(revisions):
        top = r.view.top_cause if r.view else None
        changes = r.view.changes if r.view else None
        if changes is None:
            changed = "first analysis" if r.number == 1 else DASH
        elif changes.top_changed:
            changed = f"top cause changed (was {changes.previous_cause or 'none'})"
        else:
            changed = (
                "; ".join(
                    part
                    for part in (
                        f"{len(changes.new_evidence)} new evidence item(s)" if changes.new_evidence else "",
                        f"new services: {', '.join(changes.new_services)}" if changes.new_services else "",
                    )
                    if part
                )
                or "top cause confirmed"
            )
        rows.append(
            {
                "Revision": r.number,
                "At (UTC)": fmt_clock(r.finished_at),
                "Why": REASON_TEXT.get(r.reason or "", "before revisions were kept").removeprefix("when "),
                "Top cause": f"{top.kind} on {top.service}" if top else "no cause found",
                "Confidence": fmt_confidence(top.confidence) if top else DASH,
                "What changed": changed,
            }
        )
    return pd.DataFrame(rows, columns=["Revision", "At (UTC)", "Why", "Top cause", "Confidence", "What changed"])


def revisions_section(runtime: Runtime, incident_id: str) -> None:
    """Every analysis of the incident (newest first) and, on request, the report of an earlier one."""
    try:
        revisions = data.revisions(runtime, data.db_key(runtime), incident_id)
    except IncidentToolError as exc:
        show_error(exc, "load the earlier analyses")
        return
    if len(revisions) < 2:
        return
    with st.expander(f"Earlier analyses ({len(revisions) - 1})", icon=":material/history:"):
        st.dataframe(revisions_frame(revisions), hide_index=True)
        earlier = {f"Revision {r.number} at {fmt_clock(r.finished_at)} UTC": r for r in reversed(revisions[:-1])}
        chosen = st.selectbox("Show the report of", list(earlier), index=None, key="inc_revision_pick")
        if chosen is not None:
            report = earlier[chosen].markdown
            if report:
                st.markdown(streamlit_markdown(report))
            else:
                st.info(f"{md_escape(chosen)} kept no report.", icon=":material/info:")
