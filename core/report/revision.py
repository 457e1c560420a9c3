"""Revisions: an incident is analysed again while it is open, and each analysis says what changed since the last.

Every analysis of an incident is kept as a numbered revision (1 for the first). A revision's ``Changes`` compare
its report with the one before it: whether the top cause (service and kind) changed, its confidence then and
now, the evidence behind the top cause that the earlier analysis did not cite, and the services it did not
name. ``cause_changed`` is what a notification announces: a top cause stated for the first time, or replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from core.models import Evidence, Hypothesis

if TYPE_CHECKING:  # the view carries ``Changes``: it imports this module
    from core.report.view import ReportView

#: Why an analysis ran: the incident opened, its evidence changed (a new service or rule), it escalated, its
#: growing re-analysis interval came, it resolved, or someone asked (the Rerun button, the API).
Reason = Literal["opened", "new_evidence", "escalated", "scheduled", "resolved", "rerun"]
REASON_TEXT: dict[str, str] = {
    "opened": "when the incident opened",
    "new_evidence": "after new evidence",
    "escalated": "after an escalation",
    "scheduled": "on schedule",
    "resolved": "when the incident resolved",
    "rerun": "on request",
}
MAX_NEW_EVIDENCE = 5  # evidence items a revision names as new


class Changes(BaseModel):
    """What a revision changed against the revision before it (``previous_revision``)."""

    previous_revision: int
    previous_service: str | None = None  # the earlier top cause, None when it named none
    previous_kind: str | None = None
    previous_confidence: float | None = None
    top_changed: bool  # the top cause (service, kind) differs, or one was named or withdrawn
    new_evidence: list[str] = Field(default_factory=list)  # descriptions of the top cause's new evidence
    new_services: list[str] = Field(default_factory=list)  # affected services the earlier report did not name

    @property
    def previous_cause(self) -> str | None:
        """``db_slow on postgres`` for the earlier top cause, None when it named none."""
        if self.previous_kind is None:
            return None
        return f"{self.previous_kind} on {self.previous_service}" if self.previous_service else self.previous_kind


def evidence_key(evidence: Evidence) -> tuple[str, str, str]:
    """What an evidence item is about (its kind, service and metric or log template), whatever its numbers."""
    return evidence.kind, evidence.service, evidence.metric or evidence.template or evidence.description


def cause_key(cause: Hypothesis | None) -> tuple[str, str] | None:
    """(service, kind) of a cause, None for no cause."""
    return None if cause is None else (cause.service, cause.kind)


@dataclass(frozen=True)
class Revising:
    """The analysis about to run: its revision number, why it runs, when it started (Unix seconds) and the
    report of the latest earlier revision (None for the first analysis)."""

    number: int
    reason: Reason
    at: float
    previous: ReportView | None = None
