"""PagerDuty Events API v2: ``trigger`` when an incident opens, escalates or gets its root cause, ``acknowledge``
when someone takes it in the tool, ``resolve`` when it ends; ``dedup_key`` is the incident id, so every update
lands on one PagerDuty alert instead of paging again.

Limits (PagerDuty's Events API v2 reference): ``payload.summary`` at most 1,024 characters, ``dedup_key`` at most
255, ``payload.severity`` one of critical, error, warning, info. PagerDuty answers ``202`` with ``{"status":
"success", "message": "Event processed", "dedup_key": ...}``, ``400`` for an invalid event (not retried), ``429``
and ``5xx`` to be retried. The routing key is added when the event is sent, never stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from core.notify.channel import body_of, session
from core.notify.delivery import Delivered, post
from core.notify.notice import Notice
from core.report.escape import one_line

SUMMARY_CHARS = 1024
DEDUP_KEY_CHARS = 255
CLIENT = "Incident Response"
SEVERITY = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}
ACTION = {
    "opened": "trigger",
    "analyzed": "trigger",
    "escalated": "trigger",
    "test": "trigger",
    "acknowledged": "acknowledge",
    "resolved": "resolve",
}
DETAIL_CHARS = 1000  # per custom detail
TEST_DEDUP_KEY = "incident-tool-test"  # a test trigger is one alert however often it is sent


def render(notice: Notice) -> dict[str, Any]:
    """The event of ``notice`` without ``routing_key`` (added by ``PagerDutyChannel.deliver``)."""
    action = ACTION[notice.event]
    event: dict[str, Any] = {
        "event_action": action,
        "dedup_key": (TEST_DEDUP_KEY if notice.event == "test" else notice.incident_id)[:DEDUP_KEY_CHARS],
    }
    if action != "trigger":
        return event
    top = notice.top
    details: dict[str, Any] = {"status": notice.status, "services": notice.services, "root_cause": notice.cause_line}
    if notice.evidence:
        details["evidence"] = [one_line(item, DETAIL_CHARS) for item in notice.evidence]
    if notice.first_action:
        details["first_action"] = one_line(notice.first_action, DETAIL_CHARS)
    if notice.first_command:
        details["first_command"] = one_line(notice.first_command, DETAIL_CHARS)
    summary = f"{notice.headline} — root cause: {notice.cause_line}"
    event["payload"] = {
        "summary": one_line(summary, SUMMARY_CHARS),
        "source": top.service if top else (notice.services[0] if notice.services else "incident-tool"),
        "severity": SEVERITY[notice.severity],
        "timestamp": datetime.fromtimestamp(notice.started_at, UTC).isoformat(timespec="seconds"),
        "component": top.service if top else None,
        "class": top.kind if top else None,
        "group": ",".join(notice.services)[:255] or None,
        "custom_details": details,
    }
    event["payload"] = {k: v for k, v in event["payload"].items() if v is not None}
    event["links"] = [{"href": notice.url, "text": "Incident page (root-cause report)"}]
    event["client"] = CLIENT
    return event


class PagerDutyChannel:
    """One PagerDuty service integration (Events API v2)."""

    type = "pagerduty"

    def __init__(self, name: str, routing_key: str, routing_key_env: str, events_url: str, *, timeout: float) -> None:
        self.name = name
        self._routing_key = routing_key
        self._routing_key_env = routing_key_env
        self._events_url = events_url
        self._timeout = timeout
        self._session = session()

    def render(self, notice: Notice) -> dict[str, Any]:
        return render(notice)

    def deliver(self, message: dict[str, Any], key: str) -> Delivered:
        body = body_of({"routing_key": self._routing_key, **message})
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        delivered = post(
            self._session, self._events_url, body, headers, channel=self.name, timeout=self._timeout, ok=(202,)
        )
        try:
            status = json.loads(delivered.answer or "{}").get("status", "")
        except (ValueError, AttributeError):
            status = ""
        return Delivered(delivered.status, status or delivered.answer)

    def target(self) -> str:
        return f"{self._events_url} with the routing key in ${self._routing_key_env}"

    def close(self) -> None:
        self._session.close()
