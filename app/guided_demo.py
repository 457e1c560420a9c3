"""The guided demo: one click injects a fault, counts down to detection, shows the analysis, then opens the report.

Made for a team watching a projector: every step says what is happening and how long it should take. The
script thread polls the store (the detection loop and the analysis run in their own threads as always).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st

from app import data
from app.components import INCIDENT_PAGE, INCIDENT_QUERY_PARAM, show_error
from app.formatting import md_escape
from core.errors import FaultRequestError, IncidentToolError
from core.models import FaultKind, Incident, InjectedFault

if TYPE_CHECKING:
    from core.runtime import Runtime

POLL_SECONDS = 0.5
DEMO_DURATION_SECONDS = 180.0
ANALYSIS_TIMEOUT_SECONDS = 120.0
FINISHED = ("done", "partial", "failed")
#: The scenario offered first: a slow database is the classic cascade (checkout and payments suffer).
PREFERRED_KINDS = ("db_slow", "error_rate", "dependency_down")


def default_kind(catalogue: Sequence[FaultKind]) -> int:
    """Index of the scenario preselected in the demo (the first preferred kind the service offers)."""
    names = [kind.type for kind in catalogue]
    return next((names.index(k) for k in PREFERRED_KINDS if k in names), 0)


def incident_after(incidents: Sequence[Incident], fault: InjectedFault) -> Incident | None:
    """The first incident opened after the fault began (the one the demo waits for), None before detection."""
    opened = [i for i in incidents if i.detected_at >= fault.started_at]
    return min(opened, key=lambda i: i.detected_at) if opened else None


def guided_demo(runtime: Runtime, catalogue: Sequence[FaultKind]) -> None:
    """The demo's card: pick a scenario, press the button, watch the loop close."""
    with st.container(border=True):
        st.subheader("Guided demo")
        st.caption(
            "One click: inject the fault, watch detection count down, follow the five agents, and open the report."
        )
        names = [kind.type for kind in catalogue]
        choice = st.selectbox("Scenario", names, index=default_kind(catalogue), key="faults_demo_kind")
        if not st.button("Run the guided demo", key="faults_demo_run", type="primary", icon=":material/play_arrow:"):
            return
        kind = catalogue[names.index(choice)]
        incident = run_demo(runtime, kind)
    if incident is not None:
        st.switch_page(INCIDENT_PAGE, query_params={INCIDENT_QUERY_PARAM: incident.id})


def run_demo(runtime: Runtime, kind: FaultKind) -> Incident | None:
    """Inject, wait for detection, wait for the analysis; the incident to open, None when a step failed."""
    try:
        fault = runtime.inject_fault(kind.type, kind.default_target, 1.0, DEMO_DURATION_SECONDS)
    except IncidentToolError as exc:
        what = "inject the fault" if not isinstance(exc, FaultRequestError) else f"inject {kind.type}"
        show_error(exc, what)
        return None
    data.clear_fault_caches()
    st.markdown(
        f"**Step 1 of 3 — fault injected:** {md_escape(fault.type)} on {md_escape(fault.target)} "
        f"for {DEMO_DURATION_SECONDS:.0f} s."
    )
    incident = wait_for_detection(runtime, fault)
    if incident is None:
        return None
    return incident if wait_for_analysis(runtime, incident) else None


def wait_for_detection(runtime: Runtime, fault: InjectedFault) -> Incident | None:
    """Count down to the expected detection; the new incident, or None (explained) after twice the bound."""
    expected = runtime.expected_detection(fault.type, fault.target)
    about = expected.about
    at_most = expected.at_most if expected.at_most is not None else about + 60.0
    limit = 2 * at_most
    bar = st.progress(0.0, text="Step 2 of 3 — detecting…")
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < limit:
        try:
            found = incident_after(data.incidents_since(runtime, data.db_key(runtime), fault.started_at - 60), fault)
        except IncidentToolError as exc:
            show_error(exc, "check for the new incident")
            return None
        if found is not None:
            bar.progress(1.0, text=f"Step 2 of 3 — detected after {elapsed:.0f} s: {found.title}")
            data.clear_incident_caches()
            return found
        left = max(0.0, about - elapsed)
        bar.progress(
            min(elapsed / at_most, 1.0),
            text=f"Step 2 of 3 — detecting: expected in about {left:.0f} s (elapsed {elapsed:.0f} s)",
        )
        time.sleep(POLL_SECONDS)
    st.error(
        f"No incident was opened within {limit:.0f} s of the fault. **What to do:** check the Status page "
        "(is the detection loop running?), then run the demo again or try a stronger scenario.",
        icon=":material/error:",
    )
    return None


def wait_for_analysis(runtime: Runtime, incident: Incident) -> bool:
    """Show the analysis status until it finishes; False (explained) when it does not in time."""
    with st.status("Step 3 of 3 — the five agents are analysing…", expanded=True) as status:
        line = st.empty()
        deadline = time.monotonic() + ANALYSIS_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                current = data.incident(runtime, data.db_key(runtime), incident.id).analysis_status
            except IncidentToolError as exc:
                show_error(exc, "check the analysis")
                return False
            line.markdown(f"Analysis **{current}** for *{md_escape(incident.title)}*")
            if current in FINISHED:
                status.update(label=f"Step 3 of 3 — analysis {current}; opening the report", state="complete")
                data.clear_incident_caches()
                return True
            time.sleep(POLL_SECONDS)
        status.update(label="The analysis is still running", state="error")
    st.warning(
        "The analysis did not finish in time; it goes on in the background. **What to do:** open the incident "
        "from the Dashboard in a moment.",
        icon=":material/warning:",
    )
    return False
