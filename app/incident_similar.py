"""The incident page's "Similar past incidents": the earlier incidents at least SIMILARITY_THRESHOLD similar, most
similar first, each with what a responder asks of it (when, how similar, the cause stated then, the feedback,
how it ended, the actions checked) and a link to it.

Read as stored now (a verdict or a tick given since the report was written shows at once). Untrusted text
(titles, notes, feedback) goes through ``md_escape``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from app import data
from app.components import INCIDENT_PAGE, show_error
from app.formatting import DASH, md_escape
from core.errors import IncidentToolError
from core.memory.precedent import SimilarIncident
from core.models import Incident
from core.report.view import INCIDENT_QUERY_PARAM
from core.units import percent, utc

if TYPE_CHECKING:
    from core.runtime import Runtime


def feedback_line(similar: SimilarIncident) -> str:
    """The verdict given on the earlier incident: confirmed, wrong with the actual cause, or none."""
    if similar.verdict == "right":
        return "✓ confirmed right"
    if similar.verdict == "wrong":
        return f"✗ marked wrong; actual cause: {similar.actual_cause or 'not given'}"
    return "no feedback given"


def actions_line(similar: SimilarIncident) -> str:
    """The immediate actions proposed then, each marked ✓ when a responder ticked it (ticked ones always shown)."""
    shown = list(similar.actions) + [t for t in similar.actions_checked if t not in similar.actions]
    marks = [f"✓ {title}" if title in similar.actions_checked else f"☐ {title}" for title in shown]
    return "; ".join(marks) or "none proposed"


def similar_card(similar: SimilarIncident) -> None:
    """One similar incident: a link to it, then its cause, feedback, ending and actions."""
    with st.container(border=True, key=f"inc_similar_{similar.id}"):
        st.page_link(
            INCIDENT_PAGE,
            label=f"**{md_escape(similar.title)}** · {utc(similar.detected_at)} · {percent(similar.similarity)} "
            "similar",
            icon=":material/history:",
            query_params={INCIDENT_QUERY_PARAM: similar.id},
            help=f"Open incident {similar.id}",
        )
        cause = f"{similar.cause_kind} on {similar.cause_service}" if similar.cause_kind else "no cause found"
        lines = [
            ("Cause stated then", cause),
            ("Feedback", feedback_line(similar)),
            ("How it ended", similar.resolution_note or DASH),
            ("Actions (✓ checked)", actions_line(similar)),
        ]
        st.markdown("\n".join(f"- **{label}:** {md_escape(text)}" for label, text in lines))


def similar_section(runtime: Runtime, incident: Incident) -> None:
    """The similar past incidents, most similar first, or one sentence saying there is none (and why)."""
    threshold = runtime.settings.similarity_threshold
    try:
        found = data.similar_incidents(runtime, data.db_key(runtime), incident.id, threshold)
    except IncidentToolError as exc:
        show_error(exc, "find the similar past incidents")
        return
    if not found:
        waiting = incident.analysis_status in ("pending", "running") and incident.final_summary is None
        st.caption(
            "Similar past incidents are looked for once the analysis has finished."
            if waiting
            else f"No earlier incident is at least {percent(threshold)} similar (SIMILARITY_THRESHOLD)."
        )
        return
    st.caption(
        f"{len(found)} earlier incident(s) at least {percent(threshold)} similar (SIMILARITY_THRESHOLD), most "
        "similar first: what was said and done then."
    )
    for similar in found:
        similar_card(similar)
