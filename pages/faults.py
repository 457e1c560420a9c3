"""Fault injection: one card per fault kind of the demo service, and the active faults with Stop buttons."""

import streamlit as st

from app import data
from app.components import DASHBOARD_PAGE, show_error
from app.formatting import fmt_clock, fmt_duration, md_escape, promise_text
from app.guided_demo import guided_demo
from app.runtime import require_runtime
from core.errors import FaultRequestError, IncidentToolError
from core.models import FaultKind

COLUMNS = 3
DEFAULT_DURATION_SECONDS = 120
REFRESH_SECONDS = 2

runtime = require_runtime()
db = data.db_key(runtime)
st.title("Fault injection")
st.caption(
    "Each button asks the demo service to misbehave for a while. Watch the Dashboard: the fault is marked on "
    "the charts, detection opens an incident, and the agents write its report."
)

try:
    catalogue = data.fault_catalogue(runtime, db)
except IncidentToolError as exc:
    show_error(exc, "read the demo service's fault catalogue")
    st.stop()


guided_demo(runtime, catalogue)


def inject(kind: FaultKind, target: str, intensity: float, duration: float) -> None:
    try:
        fault = runtime.inject_fault(kind.type, target, intensity, duration)
    except FaultRequestError as exc:
        st.error(f"{exc}\n\n**What to do:** change the target, intensity or duration and try again.")
        return
    except IncidentToolError as exc:
        show_error(exc, f"inject {kind.type}")
        return
    data.clear_fault_caches()
    promise = promise_text(runtime.expected_detection(kind.type, fault.target), fault.target)
    st.success(
        f"Injected **{md_escape(fault.type)}** on **{md_escape(fault.target)}** for "
        f"{fmt_duration(fault.expires_at - fault.started_at)} (fault id {md_escape(fault.id)}). {md_escape(promise)}",
        icon=":material/bolt:",
    )
    st.page_link(DASHBOARD_PAGE, label="Watch it on the Dashboard", icon=":material/monitoring:")


def fault_card(kind: FaultKind) -> None:
    with st.container(border=True):
        st.subheader(kind.type.replace("_", " "))
        st.caption(md_escape(kind.description))
        with st.form(f"faults_form_{kind.type}", border=False):
            index = kind.targets.index(kind.default_target) if kind.default_target in kind.targets else 0
            target = st.selectbox("Target", kind.targets, index=index, key=f"faults_target_{kind.type}")
            intensity = st.slider("Intensity", 0.1, 1.0, 1.0, step=0.1, key=f"faults_intensity_{kind.type}")
            duration = st.number_input(
                "Duration (s)",
                min_value=1,
                max_value=3600,
                value=DEFAULT_DURATION_SECONDS,
                step=10,
                key=f"faults_duration_{kind.type}",
            )
            pressed = st.form_submit_button(
                f"Inject {kind.type}", key=f"faults_inject_{kind.type}", type="primary", icon=":material/bolt:"
            )
        if pressed:
            inject(kind, target, float(intensity), float(duration))


for start in range(0, len(catalogue), COLUMNS):
    for column, kind in zip(st.columns(COLUMNS), catalogue[start : start + COLUMNS], strict=False):
        with column:
            fault_card(kind)


def stop(fault_id: str | None) -> None:
    try:
        if fault_id is None:
            stopped = runtime.stop_all_faults()
            st.toast(f"Stopped {stopped} fault(s).", icon=":material/stop_circle:")
        else:
            runtime.stop_fault(fault_id)
            st.toast(f"Stopped fault {fault_id}.", icon=":material/stop_circle:")
    except FaultRequestError as exc:
        st.warning(f"{exc} Nothing to stop.", icon=":material/warning:")
    except IncidentToolError as exc:
        show_error(exc, "stop the fault")
    data.clear_fault_caches()


@st.fragment(run_every=REFRESH_SECONDS)
def active_faults() -> None:
    st.subheader("Active faults")
    try:
        active = data.active_faults(runtime, db)
    except IncidentToolError as exc:
        show_error(exc, "list the active faults")
        return
    if not active:
        st.caption("No fault is active: the shop runs normally.")
        return
    now = runtime.clock.now()
    if st.button("Stop all", key="faults_stop_all", icon=":material/stop_circle:"):
        stop(None)
        st.rerun(scope="fragment")
    for fault in active:
        left = fault.remaining_seconds if fault.remaining_seconds is not None else max(0.0, fault.expires_at - now)
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(
                f"**{md_escape(fault.type)}** on **{md_escape(fault.target)}** · intensity {fault.intensity:.1f} · "
                f"since {fmt_clock(fault.started_at)} UTC · {fmt_duration(left)} left · id {md_escape(fault.id)}"
            )
            if st.button("Stop", key=f"faults_stop_{fault.id}", icon=":material/stop:"):
                stop(fault.id)
                st.rerun(scope="fragment")


active_faults()
