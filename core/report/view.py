"""The report of one incident as data: ``ReportView``, built once per analysis and rendered by every output.

The view holds what the agents found (ranked causes with their evidence, log patterns, actions, timeline,
impact, anomalies), what is missing and why (``gaps``), each agent's state, and the incident's header facts.
Renderers (Markdown, HTML, JSON, CSV, and later chat messages, e-mail and the HTTP API) read it through the
accessors below and never look at agent outputs or the catalogue again. It is stored as the incident's
``final_summary``; ``core.report.stored`` parses it back, and older shapes, at the store's boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from core.memory.precedent import SimilarIncident
from core.models import (
    Action,
    AgentOutput,
    Anomaly,
    Evidence,
    Hypothesis,
    Incident,
    IncidentStatus,
    LogPattern,
    Severity,
    Signal,
    TimelineEvent,
)
from core.report.detection import Detection
from core.report.revision import Changes, Reason
from core.report.timeline import MAX_ROWS, TimelineRow, key_rows

VERSION = 2  # 1: the dict the supervisor stored before the view existed (read by ``core.report.stored``)
INDEPENDENT_MIN_CONFIDENCE = 0.2  # an independent second cause is stated from this confidence on
#: Where the app shows one incident (``/incident?id=...``), for links in messages and exports.
INCIDENT_PAGE_PATH = "/incident"
INCIDENT_QUERY_PARAM = "id"

ResultStatus = Literal["done", "partial", "failed"]


class Header(BaseModel):
    """The incident's facts: the store's row is their source, refreshed whenever a view is read back."""

    incident_id: str
    title: str
    severity: Severity
    status: IncidentStatus
    services: list[str] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)
    start_time: float  # first signal, Unix seconds
    detected_at: float  # incident opened
    end_time: float | None = None
    offline: bool = False  # an analysis of a file, not a live incident
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None

    @classmethod
    def of(cls, incident: Incident) -> Header:
        """The header facts of ``incident`` as it is now."""
        return cls(incident_id=incident.id, **incident.model_dump(include=set(cls.model_fields) - {"incident_id"}))

    @property
    def detection_delay_s(self) -> float:
        """Seconds from the first signal to the incident being opened."""
        return max(0.0, self.detected_at - self.start_time)

    def duration_s(self, now: float) -> float:
        """Seconds from the first signal to the end, or to ``now`` while the incident is open."""
        return max(0.0, (self.end_time if self.end_time is not None else now) - self.start_time)

    def url(self, base_url: str) -> str:
        """The incident's page in the app served at ``base_url`` (e.g. ``http://127.0.0.1:8501``)."""
        return f"{base_url.rstrip('/')}{INCIDENT_PAGE_PATH}?{INCIDENT_QUERY_PARAM}={quote(self.incident_id, safe='')}"


class Impact(BaseModel):
    """What the incident did when it was analysed: affected services, peaks against thresholds, duration."""

    services: list[str]
    start_ts: float
    end_ts: float
    resolved: bool
    peaks: dict[str, tuple[str, float]] = Field(default_factory=dict)  # metric -> (service, peak value)
    thresholds: dict[str, float] = Field(default_factory=dict)  # metric -> threshold
    #: service -> basic signals with no sample at all around the incident: a gap in the data, never a zero
    missing_signals: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Seconds from the first signal to the end (or to the analysis while open)."""
        return max(0.0, self.end_ts - self.start_ts)


class Cause(Hypothesis):
    """A ranked hypothesis with the human name of its kind (``Slow database`` for ``db_slow``)."""

    label: str = ""

    @property
    def name(self) -> str:
        """The kind's label with a capital first letter, or the kind itself when it has none."""
        label = self.label or self.kind
        return label[:1].upper() + label[1:]


class RootCauseFindings(BaseModel):
    """The root-cause agent's result: causes best first, or why none was found."""

    causes: list[Cause] = Field(default_factory=list)
    no_cause_reason: str | None = None
    summary: str = ""
    feedback_note: str | None = None  # how feedback on similar incidents changed the ranking, None when it did not


class LogFindings(BaseModel):
    """The log-analysis agent's result: every pattern (most significant first), the ids of those a report
    lists (chosen once, by ``core.report.build.listed``), and line counts."""

    patterns: list[LogPattern] = Field(default_factory=list)
    listed: list[str] = Field(default_factory=list)  # template ids
    summary: str = ""
    total_lines: int | None = None  # None when the stored report did not keep the counts (version 1)
    error_lines: int | None = None


class Actions(BaseModel):
    """The mitigation agent's checklist for now and its changes for later."""

    immediate: list[Action] = Field(default_factory=list)
    long_term: list[Action] = Field(default_factory=list)


class Gap(BaseModel):
    """An agent whose output is missing from the report; ``error`` is None when it did not run at all."""

    agent: str
    error: str | None

    @property
    def reason(self) -> str:
        """Why, as a phrase that follows the agent's name: ``did not run`` or ``failed: <error>``."""
        return "did not run" if self.error is None else f"failed: {self.error}"


class ReportView(BaseModel):
    """One incident's report. A findings field is None when its agent gave no usable output (see ``gaps``)."""

    version: int = VERSION
    header: Header
    analysis_id: str | None = None
    status: ResultStatus | None = None  # of the analysis; None before one finished
    generated_at: float | None = None  # when the analysis ended, Unix seconds
    revision: int | None = None  # 1 for the incident's first analysis (``core.report.revision``); None before
    reason: Reason | None = None  # why this analysis ran
    changes: Changes | None = None  # against the revision before it; None for the first
    impact: Impact
    timeline: list[TimelineEvent] = Field(default_factory=list)
    anomalies: list[Anomaly] = Field(default_factory=list)
    detection: Detection | None = None  # both detection delays; None in reports written before they were kept
    root_cause: RootCauseFindings | None = None
    logs: LogFindings | None = None
    actions: Actions | None = None
    gaps: list[Gap] = Field(default_factory=list)
    agents: dict[str, AgentOutput] = Field(default_factory=dict)  # each agent's envelope: status, error, summary, llm
    similar: list[SimilarIncident] = Field(default_factory=list)  # earlier incidents above SIMILARITY_THRESHOLD

    @classmethod
    def pending(cls, incident: Incident) -> ReportView:
        """The view of an incident that no analysis has reported on yet: its header facts and detection signals."""
        end = incident.end_time if incident.end_time is not None else incident.detected_at
        impact = Impact(
            services=incident.services, start_ts=incident.start_time, end_ts=end, resolved=incident.end_time is not None
        )
        detection = [
            TimelineEvent(ts=s.ts, service=s.service, source="detection", description=s.message)
            for s in incident.signals
        ]
        return cls(header=Header.of(incident), impact=impact, timeline=detection)

    @property
    def causes(self) -> list[Cause]:
        """Every hypothesis, most likely first (empty when none was found or the agent failed)."""
        return self.root_cause.causes if self.root_cause else []

    @property
    def top_cause(self) -> Cause | None:
        """The most likely root cause, None when none was named."""
        return self.causes[0] if self.causes else None

    @property
    def cause_changed(self) -> bool:
        """True when this analysis states a top cause for the first time, or its top cause (service, kind) differs
        from the analysis before it (another cause, or none any more): what a notification announces. False when
        it confirms the earlier cause, or when a first analysis names none."""
        if self.changes is None:
            return self.top_cause is not None
        return self.changes.top_changed

    @property
    def no_cause_reason(self) -> str | None:
        """Why no cause was named (None when one was, or when the root-cause agent gave no output)."""
        return self.root_cause.no_cause_reason if self.root_cause else None

    def independent_causes(self) -> list[Cause]:
        """Causes that do not compete with the top one (a second fault at the same time), stated on their own."""
        top = self.top_cause
        if top is None:
            return []
        return [c for c in self.causes[1:] if c.group != top.group and c.confidence >= INDEPENDENT_MIN_CONFIDENCE]

    def alternatives(self) -> list[Cause]:
        """Causes after the top one that are not independent: competing explanations, less likely."""
        independent = self.independent_causes()
        return [c for c in self.causes[1:] if c not in independent]

    def key_evidence(self, n: int) -> list[Evidence]:
        """The first ``n`` evidence items of the top cause (the strongest first)."""
        top = self.top_cause
        return top.evidence[:n] if top else []

    @property
    def first_action(self) -> Action | None:
        """The first thing to do now, None when no action was proposed."""
        return self.actions.immediate[0] if self.actions and self.actions.immediate else None

    @property
    def summary(self) -> str:
        """One line on the analysis: the reporter's summary, else the root-cause agent's, else empty."""
        reporter = self.agents.get("reporter")
        return (reporter.summary if reporter else "") or (self.root_cause.summary if self.root_cause else "")

    def listed_patterns(self) -> list[LogPattern]:
        """The log patterns every report lists, most significant first (see ``LogFindings.listed``)."""
        if self.logs is None:
            return []
        chosen = set(self.logs.listed)
        return [p for p in self.logs.patterns if p.template_id in chosen]

    def hidden_patterns(self) -> int:
        """How many patterns ``listed_patterns`` leaves out (they stay in the JSON export)."""
        return (len(self.logs.patterns) if self.logs else 0) - len(self.listed_patterns())

    def timeline_rows(self, limit: int = MAX_ROWS) -> tuple[list[TimelineRow], int]:
        """The key events, repeats folded, at most ``limit`` rows (``core.report.timeline``): (rows, rows left)."""
        return key_rows(self.timeline, limit)

    def gap(self, agent: str) -> Gap | None:
        """The gap of ``agent``, None when its output is in the report."""
        return next((g for g in self.gaps if g.agent == agent), None)

    def with_header(self, incident: Incident) -> ReportView:
        """This view with the header facts of ``incident`` as it is now (status, end, acknowledgement...)."""
        return self.model_copy(update={"header": Header.of(incident)})


def causes_of(hypotheses: Sequence[Hypothesis], labels: dict[str, str]) -> list[Cause]:
    """``hypotheses`` as causes named by ``labels`` (kind -> label; a kind without one keeps an empty label)."""
    return [Cause(**h.model_dump(), label=labels.get(h.kind, "")) for h in hypotheses]
