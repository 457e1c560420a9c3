"""The Status page's "Prometheus discovery" section: presets in use, the service graph and where each edge
came from, and which signals each service has and lacks (a missing signal is never read as zero)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.formatting import DASH, fmt_ts
from core.sources.presets.model import DiscoveryStatus
from core.sources.presets.topology import to_dot


def show(status: DiscoveryStatus) -> None:
    """Render ``status`` (no request: the source keeps it from its last poll and discovery)."""
    st.subheader("Prometheus discovery")
    mode, presets, metrics, when = st.columns(4)
    mode.metric("Templates", status.mode, border=True)
    presets.metric("Presets found", ", ".join(status.presets) or DASH, border=True)
    metrics.metric("Metric names", status.metric_count, border=True)
    when.metric("Discovered", fmt_ts(status.discovered_at), border=True)
    if status.error:
        st.warning(
            f"The last discovery failed, the previous plan is used: {status.error}. **What to do:** check that "
            "PROMETHEUS_URL answers /api/v1/label/__name__/values.",
            icon=":material/warning:",
        )
    if status.coverage.unplanned:
        st.info(
            "No preset found metrics for: " + ", ".join(status.coverage.unplanned) + ". These signals are missing "
            "for every service (not zero); add a template to PROMQL_CONFIG_FILE to read them.",
            icon=":material/info:",
        )
    _graph(status)
    _coverage(status)
    with st.expander("Queries run at each poll"):
        st.dataframe(
            pd.DataFrame([{"Signal": q.signal, "From": q.origin, "Service label": q.label, "PromQL": q.promql}
                          for q in status.queries]),
            hide_index=True,
        )  # fmt: skip


def _graph(status: DiscoveryStatus) -> None:
    st.markdown("**Service graph**")
    if not status.edges:
        st.caption(
            "No caller → callee edge found: no mesh or service-graph metric, and none in PROMQL_CONFIG_FILE. "
            "Root-cause ranking then cannot tell a failing service from its failing callers."
        )
        return
    graph, table = st.columns([3, 2])
    graph.graphviz_chart(to_dot(list(status.edges), status.external), width="stretch")
    table.dataframe(
        pd.DataFrame([{"Caller": e.caller, "Callee": e.callee, "From": ", ".join(e.origins)} for e in status.edges]),
        hide_index=True,
    )
    if status.external:
        st.caption("External (dashed; no signals of their own, judged through their callers): "
                   + ", ".join(status.external))  # fmt: skip


def _coverage(status: DiscoveryStatus) -> None:
    st.markdown("**Signals per service** (from the last poll)")
    found = status.coverage.found
    if not found:
        st.caption("No poll has returned a value yet.")
        return
    rows = [
        {
            "Service": service,
            "Found": ", ".join(f"{signal} ({origin})" for signal, origin in signals.items()),
            "Missing": ", ".join(status.coverage.missing(service)) or DASH,
        }
        for service, signals in sorted(found.items())
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
