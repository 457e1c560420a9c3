"""The alert rule: every alert firing now is a signal on its service, so an alert opens or joins the incident
of its part of the dependency graph like any rule, and its incident resolves by the usual rule once no
alert and no other signal has fired there for ``RESOLVE_AFTER_SECONDS``.

The alerts come from the store (delivered by ``POST /api/alerts/alertmanager`` or ``/api/alerts`` on other
threads), so the scheduler thread alone decides about incidents. Signals carry the alert's start as their
time and its mapped severity; the lifecycle skips confirmation for them (the alert rule's ``for:`` did it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.alerts.models import Alert
from core.detection.base import Poll
from core.models import Signal

RULE = "alert"
MAX_MESSAGE_CHARS = 300


def alert_message(alert: Alert) -> str:
    """One line naming the alert, its service and severity, and its summary when it has one."""
    label = alert.labels.get("severity")
    severity = f"{alert.severity}, severity {label}" if label else alert.severity
    summary = f": {alert.summary}" if alert.summary else ""
    return f"Alert {alert.name} firing on {alert.service} ({severity}){summary}"[:MAX_MESSAGE_CHARS]


class AlertRule:
    """Signals for the alerts that fire at ``poll.now``; ``firing`` reads them (``Store.firing_alerts``)."""

    def __init__(self, firing: Callable[[float], Sequence[Alert]]) -> None:
        self._firing = firing

    def evaluate(self, poll: Poll) -> list[Signal]:
        """One signal per firing alert (value 1: firing), in the order of their start."""
        return [
            Signal(
                rule=RULE,
                service=alert.service,
                value=1.0,
                threshold=1.0,
                ts=alert.starts_at,
                message=alert_message(alert),
                severity=alert.severity,
            )
            for alert in self._firing(poll.now)
        ]
