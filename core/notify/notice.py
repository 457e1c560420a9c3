"""What a notification says, whatever the channel: one ``Notice`` read from the incident's ``ReportView``.

A responder needs first: the title, severity and status, the root cause with its confidence and top evidence,
the first action, and a link to the incident page. Every channel renders a notice; none reads agent outputs or
builds its own copy of the report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from core.models import Incident, IncidentStatus, Severity
from core.report.view import ReportView

EventName = Literal["opened", "analyzed", "escalated", "resolved", "acknowledged", "test"]
#: Events a route may name; ``acknowledged`` (someone took the incident in the tool) is for PagerDuty mostly.
ROUTABLE_EVENTS: tuple[EventName, ...] = ("opened", "analyzed", "escalated", "resolved", "acknowledged")
#: Events a route without ``events`` (and the NOTIFY_WEBHOOK_URL shortcut) sends.
DEFAULT_EVENTS: tuple[EventName, ...] = ("opened", "analyzed", "escalated", "resolved")
KEY_EVIDENCE = 3  # evidence items of the top cause a message quotes
TEST_INCIDENT_ID = "test"


class CauseFacts(BaseModel):
    """One ranked root cause as a message states it."""

    service: str
    kind: str
    name: str  # the kind's label, e.g. "Slow database"
    confidence: float


class Notice(BaseModel):
    """The facts of one message about one incident event (no secret: it is stored in the outbox)."""

    event: EventName
    composed_at: float  # wall-clock Unix seconds
    incident_id: str
    title: str
    severity: Severity
    status: IncidentStatus
    services: list[str] = Field(default_factory=list)
    started_at: float
    url: str
    analysed: bool = False  # an analysis has reported (False: the root cause is still being analysed)
    causes: list[CauseFacts] = Field(default_factory=list)  # best first
    no_cause_reason: str | None = None
    evidence: list[str] = Field(default_factory=list)  # of the top cause, strongest first
    first_action: str | None = None
    first_command: str | None = None
    summary: str = ""

    @property
    def top(self) -> CauseFacts | None:
        """The most likely root cause, None when none was named (yet)."""
        return self.causes[0] if self.causes else None

    @property
    def cause_line(self) -> str:
        """``Slow database on postgres (87%)``, or why there is none: for every channel's text."""
        top = self.top
        if top is not None:
            return f"{top.name} on {top.service} ({top.confidence:.0%})"
        if not self.analysed:
            return "being analysed"
        return f"none found: {self.no_cause_reason}" if self.no_cause_reason else "none found"

    @property
    def facts(self) -> list[tuple[str, str]]:
        """(label, value) rows every card and e-mail lists: severity, status, services, start (UTC), root cause."""
        return [
            ("Severity", self.severity),
            ("Status", self.status),
            ("Services", ", ".join(self.services) or "—"),
            ("Started", utc_text(self.started_at)),
            ("Root cause", self.cause_line),
        ]

    @property
    def headline(self) -> str:
        """``[SEV2] High error rate on checkout (31%)``: the one line every channel leads with."""
        return f"[{self.severity}] {self.title}"

    @property
    def verb(self) -> str:
        """What happened, for subjects and headers: ``Opened``, ``Root cause``, ``Escalated``..."""
        return {
            "opened": "Opened",
            "analyzed": "Root cause",
            "escalated": "Escalated",
            "resolved": "Resolved",
            "acknowledged": "Acknowledged",
            "test": "Test",
        }[self.event]


def utc_text(ts: float) -> str:
    """``2026-01-01 12:00:00 UTC`` for an epoch time (s): how every channel writes a time as text."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cause_key(incident: Incident) -> str | None:
    """``service/kind`` of the incident's top cause, None when its report names none: an ``analyzed`` message
    goes out when this changes (a cause stated, or revised), not on every analysis."""
    view = incident.final_summary
    top = view.top_cause if view is not None else None
    return f"{top.service}/{top.kind}" if top is not None else None


def notice_of(incident: Incident, event: EventName, public_url: str, now: float) -> Notice:
    """The notice of ``event`` on ``incident`` as it is now (its latest report, or pending), linking to the
    incident page under ``public_url``."""
    view = (incident.final_summary or ReportView.pending(incident)).with_header(incident)
    action = view.first_action
    return Notice(
        event=event,
        composed_at=now,
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        services=list(incident.services),
        started_at=incident.start_time,
        url=view.header.url(public_url),
        analysed=view.status is not None,
        causes=[CauseFacts(service=c.service, kind=c.kind, name=c.name, confidence=c.confidence) for c in view.causes],
        no_cause_reason=view.no_cause_reason,
        evidence=[e.description for e in view.key_evidence(KEY_EVIDENCE)],
        first_action=_action_text(action.title, action.detail) if action else None,
        first_command=action.command if action else None,
        summary=view.summary,
    )


def _action_text(title: str, detail: str) -> str:
    """``Roll back checkout: the deploy at 12:01 ...``, or the title alone when there is no detail."""
    return f"{title}: {detail}" if detail else title


def channel_check_notice(channel: str, public_url: str, now: float) -> Notice:
    """A test message for ``channel``: it renders as an incident message does, marked as a test."""
    return Notice(
        event="test",
        composed_at=now,
        incident_id=TEST_INCIDENT_ID,
        title=f"Test message for the channel {channel}: it works",
        severity="SEV4",
        status="RESOLVED",
        services=[],
        started_at=now,
        url=public_url.rstrip("/") + "/status",
        analysed=True,
        summary="Sent from the Status page (or the API) to check this channel. No incident is open.",
    )
