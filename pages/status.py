"""Status: data mode, demo service, LLM mode, detection loop, sources, HTTP API, notifications, settings (no
secrets), database."""

import pandas as pd
import streamlit as st

from app import data, discovery_panel, notifications_panel
from app.components import show_error
from app.formatting import (
    DASH,
    calibration_line,
    fmt_ago,
    fmt_clock,
    fmt_ts,
    llm_mode,
    public_settings,
    redact_url,
)
from app.runtime import require_runtime
from core.errors import IncidentToolError

REFRESH_SECONDS = 5

runtime = require_runtime()
settings = runtime.settings
st.title("Status")


def yes_no(ok: bool) -> str:
    return "✓" if ok else "✗"


@st.fragment(run_every=REFRESH_SECONDS)
def live_status() -> None:
    now = runtime.clock.now()
    health = data.demo_health(runtime, data.db_key(runtime))
    mode, demo, llm = st.columns(3)
    mode.metric("Data mode", settings.data_mode, border=True)
    demo.metric(
        "Demo service",
        "✓ up" if health is not None else "✗ down",
        help=redact_url(runtime.demo_service_url()),
        border=True,
    )
    llm.metric("Analysis", "LLM refinement" if settings.llm_enabled else "Deterministic", border=True)
    st.markdown(f"**Demo service URL:** `{redact_url(runtime.demo_service_url())}`")
    st.markdown(f"**Analysis mode:** {llm_mode(settings)}")
    if health is None:
        st.error(
            "The demo service does not answer /health. **What to do:** if DEMO_SERVICE_URL is set, check that "
            "the service runs there; otherwise restart the app to restart the embedded service.",
            icon=":material/error:",
        )
    else:
        with st.expander("Demo service /health answer"):
            st.json(health, expanded=False)

    st.subheader("Detection loop")
    loop = runtime.scheduler_status()
    running, interval, ticks, last = st.columns(4)
    running.metric("Running", yes_no(loop.running), border=True)
    interval.metric("Interval", f"{loop.interval_seconds:g} s", border=True)
    ticks.metric("Polls", loop.ticks, border=True)
    last.metric(
        "Last poll",
        fmt_ago(loop.last_tick, now),
        help=f"took {loop.last_tick_duration_ms:.0f} ms" if loop.last_tick_duration_ms is not None else None,
        border=True,
    )
    st.markdown(f"**Next poll:** {fmt_clock(loop.next_run)} UTC" if loop.next_run else "**Next poll:** —")
    if not loop.running:
        st.error(
            "The detection loop is stopped: no incident will be detected. **What to do:** restart the app.",
            icon=":material/error:",
        )
    if loop.last_error:
        st.warning(f"Last error ({fmt_ts(loop.last_error_at)}): {loop.last_error}", icon=":material/warning:")

    st.subheader("Sources")
    sources = runtime.source_statuses()
    if not sources:
        st.caption("No source has been polled yet.")
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Source": s.name,
                        "Target": redact_url(s.target),
                        "OK": yes_no(s.ok),
                        "Last success": fmt_ago(s.last_success, now),
                        "Last error": s.last_error or DASH,
                        "Error at": fmt_ts(s.last_error_at),
                    }
                    for s in sources
                ]
            ),
            hide_index=True,
        )
    discovery = runtime.metrics_discovery()
    if discovery is not None:
        discovery_panel.show(discovery)
    st.caption(f"Updated {fmt_clock(now)} UTC · refreshes every {REFRESH_SECONDS} s.")


live_status()

st.subheader("Thresholds")
limits = [
    ("Error rate", f"{settings.error_rate_threshold:.1%}"),
    ("p95 latency", f"{settings.latency_p95_threshold_ms:g} ms"),
    ("Memory", f"{settings.memory_threshold_mb:g} MB"),
    ("Confirmation", f"{settings.confirmation_seconds:g} s"),
    ("CPU", f"{settings.cpu_threshold_percent:g}% of a core"),
    ("Disk used", f"{settings.disk_threshold_percent:g}%"),
    ("DB pool in use", f"{settings.db_pool_threshold:.0%}"),
    ("Anomaly score", f"{settings.anomaly_alert_threshold:g}"),
]
for column, (label, value) in zip(st.columns(4) + st.columns(4), limits, strict=True):
    column.metric(label, value)
try:
    st.markdown(f"**Confidence calibration:** {calibration_line(data.calibration(runtime, data.db_key(runtime)))}")
except IncidentToolError as exc:
    show_error(exc, "read the confidence calibration")

st.subheader("HTTP API")
if settings.api_token_set:
    st.markdown(
        "Write endpoints (POST, DELETE) need `Authorization: Bearer <API_TOKEN>`; reads are open. "
        "The API is described at [/api/docs](/api/docs) and `/api/openapi.json`; the tool's own metrics are at "
        "[/metrics](/metrics)."
    )
else:
    st.info(
        "**The API is open locally:** API_TOKEN is not set, so every endpoint, writes included, answers any client "
        "on this machine, and the server binds only to a loopback address. **To open it to the network:** set "
        "API_TOKEN to a long random secret. API description: [/api/docs](/api/docs); metrics: [/metrics](/metrics).",
        icon=":material/lock_open:",
    )

st.subheader("Notifications")
notifications_panel.render(runtime)

st.subheader("Database")
try:
    schema = data.schema_version(runtime, data.db_key(runtime))
except IncidentToolError as exc:
    show_error(exc, "read the database schema version")
    schema = None
db_path, version = st.columns(2)
db_path.markdown(f"**Path:** `{runtime.store.path.resolve()}`")
version.markdown(f"**Schema version:** {schema if schema is not None else DASH}")

st.subheader("Settings")
st.caption("Every setting comes from the environment variable of the same name; secrets are never shown.")
st.dataframe(pd.DataFrame(public_settings(settings), columns=["Variable", "Value"]), hide_index=True)
