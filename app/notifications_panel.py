"""The Status page's notifications section: channels (never a secret), a test message per channel, the newest
deliveries and the failures, refreshed live."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from app import data
from app.components import show_error
from app.formatting import DASH, fmt_ago, fmt_ts, md_escape
from core.errors import IncidentToolError

if TYPE_CHECKING:
    from core.runtime import Runtime

REFRESH_SECONDS = 5
RECENT = 50  # deliveries listed


def render(runtime: Runtime) -> None:
    """The whole section: what is configured, the test buttons, and the live delivery table."""
    notifier = runtime.notifier
    if not notifier.enabled:
        st.info(
            "**No notification channel is configured.** Set NOTIFY_WEBHOOK_URL (and NOTIFY_WEBHOOK_SECRET) to send "
            "every incident event to one webhook, or NOTIFICATIONS_FILE to a TOML file of Slack, Teams, PagerDuty, "
            "e-mail and webhook channels with their routes (see the README's Notifications section).",
            icon=":material/notifications_off:",
        )
        return
    if not notifier.sender.running:
        st.error(
            "The notification sender is stopped: messages wait in the outbox. **What to do:** restart the app; "
            "nothing is lost, the outbox is resumed at start.",
            icon=":material/error:",
        )
    for info in notifier.channel_infos():
        name, test = st.columns([4, 1], vertical_alignment="center")
        name.markdown(f"**{md_escape(info.name)}** · {md_escape(info.type)} · {md_escape(info.target)}")
        name.caption(f"Routes: {md_escape(info.routes)}")
        if test.button("Send a test message", key=f"status_notify_test_{info.name}", icon=":material/send:"):
            try:
                queued = notifier.send_test(info.name)
            except IncidentToolError as exc:
                show_error(exc, f"queue a test message for {info.name}")
            else:
                data.notifications.clear()
                data.notification_counts.clear()
                st.success(
                    f"Test message queued for {info.name} (id {queued.id}); its delivery shows below within seconds.",
                    icon=":material/check:",
                )
    deliveries(runtime)


@st.fragment(run_every=REFRESH_SECONDS)
def deliveries(runtime: Runtime) -> None:
    """Counts, the failures that need attention, and the newest messages."""
    now = runtime.clock.now()
    try:
        counts = data.notification_counts(runtime, data.db_key(runtime))
        recent = data.notifications(runtime, data.db_key(runtime), RECENT)
    except IncidentToolError as exc:
        show_error(exc, "read the notification outbox")
        return
    pending, delivered, failed = st.columns(3)
    pending.metric("Pending", counts["pending"], border=True, help="written to the outbox, waiting for a (re)try")
    delivered.metric("Delivered", counts["delivered"], border=True)
    failed.metric("Failed", counts["failed"], border=True, help="refused, or no success after the last try")
    failures = [m for m in recent if m.status == "failed"]
    if failures:
        newest = failures[0]
        st.warning(
            f"{len(failures)} of the last {len(recent)} messages failed. Newest: {md_escape(newest.channel)}, "
            f"{md_escape(newest.event)}: {md_escape(newest.last_error or 'no answer')}. **What to do:** check the "
            "channel's URL or key variable and the receiver, then press its Send a test message button.",
            icon=":material/warning:",
        )
    if not recent:
        st.caption("No message yet.")
        return
    rows = [
        {
            "Written": fmt_ts(m.created_at),
            "Channel": m.channel,
            "Event": m.event,
            "Incident": (m.incident_id or DASH)[:8],
            "Status": m.status,
            "Tries": m.attempts,
            "Last try": fmt_ago(m.last_attempt_at, now),
            "Next try": fmt_ts(m.next_attempt_at) if m.status == "pending" else DASH,
            "Answer": m.last_code if m.last_code is not None else DASH,
            "Last error": m.last_error or DASH,
        }
        for m in recent
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
