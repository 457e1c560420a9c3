"""The alerts an incident received (Alertmanager or the generic endpoint), for its Timeline tab: when each fired
and resolved, its service, severity and summary. Untrusted text is shown as table cells, never as Markdown."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from app.formatting import DASH, fmt_ts
from core.alerts.models import Alert


def alerts_frame(alerts: Sequence[Alert]) -> pd.DataFrame:
    """One row per alert: name, service, severity, status, fired, resolved, deliveries, summary."""
    return pd.DataFrame(
        [
            {
                "Alert": alert.name,
                "Service": alert.service,
                "Severity": alert.severity + (f" ({alert.labels['severity']})" if alert.labels.get("severity") else ""),
                "Status": alert.status,
                "Fired": fmt_ts(alert.starts_at),
                "Resolved": fmt_ts(alert.ends_at) if alert.status == "resolved" else DASH,
                "Deliveries": alert.deliveries,
                "Summary": alert.summary or DASH,
                "From": alert.source,
            }
            for alert in alerts
        ],
        columns=["Alert", "Service", "Severity", "Status", "Fired", "Resolved", "Deliveries", "Summary", "From"],
    )


def alerts_section(alerts: Sequence[Alert]) -> None:
    """The incident's alerts as a table (nothing when it received none)."""
    if not alerts:
        return
    st.markdown("**Alerts received**")
    st.dataframe(alerts_frame(alerts), hide_index=True)
