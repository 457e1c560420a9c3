"""Data shared across the pipeline: samples, log events, topology, incidents and agent outputs.

Timestamps are Unix seconds (float, UTC) everywhere inside ``core``; pages convert for display.
Hot-path records (``MetricPoint``, ``LogEvent``) are slotted dataclasses; everything that is stored as
JSON or validated from an LLM answer is a pydantic model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import SkipJsonSchema

# --- Signals a source produces -------------------------------------------------------------------

#: Metric names every metrics source produces, one series per (service, metric).
REQUEST_RATE = "request_rate"  # requests per second
ERROR_RATE = "error_rate"  # fraction of requests answered 5xx, 0..1
LATENCY_P50_MS = "latency_p50_ms"
LATENCY_P95_MS = "latency_p95_ms"
LATENCY_P99_MS = "latency_p99_ms"
CPU_PERCENT = "cpu_percent"  # percent of one core
MEMORY_MB = "memory_mb"  # resident memory
DB_QUERY_P95_MS = "db_query_p95_ms"  # p95 of the database queries this service makes
DEPENDENCY_ERROR_RATE = "dependency_error_rate"  # fraction of outgoing calls that failed, 0..1
DISK_USED_PERCENT = "disk_used_percent"  # percent of the service's data volume in use
DB_POOL_UTILIZATION = "db_pool_utilization"  # database connections in use / pool size, 0..1
CACHE_HIT_RATIO = "cache_hit_ratio"  # share of this service's cache lookups that hit, 0..1

METRICS: tuple[str, ...] = (
    REQUEST_RATE,
    ERROR_RATE,
    LATENCY_P50_MS,
    LATENCY_P95_MS,
    LATENCY_P99_MS,
    CPU_PERCENT,
    MEMORY_MB,
    DB_QUERY_P95_MS,
    DEPENDENCY_ERROR_RATE,
    DISK_USED_PERCENT,
    DB_POOL_UTILIZATION,
    CACHE_HIT_RATIO,
)

LogLevel = Literal["DEBUG", "INFO", "WARN", "ERROR"]


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One value of one (service, metric) series at ``ts``."""

    ts: float
    service: str
    metric: str
    value: float


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One log line. ``attrs`` holds the source's extra fields (trace id, route, ...), all untrusted."""

    ts: float
    service: str
    level: str
    message: str
    attrs: Mapping[str, str] = field(default_factory=dict)


class Topology(BaseModel):
    """Services and who calls whom. ``edges`` are (caller, callee); ``external`` services have no metrics."""

    model_config = ConfigDict(frozen=True)

    services: list[str]
    edges: list[tuple[str, str]] = Field(default_factory=list)
    external: list[str] = Field(default_factory=list)

    def callees(self, service: str) -> list[str]:
        """Services that ``service`` calls directly."""
        return [callee for caller, callee in self.edges if caller == service]

    def callers(self, service: str) -> list[str]:
        """Services that call ``service`` directly."""
        return [caller for caller, callee in self.edges if callee == service]

    def upstream_of(self, service: str) -> set[str]:
        """Every service whose requests reach ``service`` (transitive callers)."""
        seen: set[str] = set()
        stack = [service]
        while stack:
            for caller in self.callers(stack.pop()):
                if caller not in seen:
                    seen.add(caller)
                    stack.append(caller)
        return seen

    def downstream_of(self, service: str) -> set[str]:
        """Every service that ``service`` depends on (transitive callees)."""
        seen: set[str] = set()
        stack = [service]
        while stack:
            for callee in self.callees(stack.pop()):
                if callee not in seen:
                    seen.add(callee)
                    stack.append(callee)
        return seen


class FaultKind(BaseModel):
    """One entry of the demo service's fault catalogue (``GET /faults``)."""

    type: str
    description: str
    targets: list[str]
    default_target: str


# --- Detection ----------------------------------------------------------------------------------

Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
IncidentStatus = Literal["OPEN", "INVESTIGATING", "RESOLVED"]
AnalysisStatus = Literal["pending", "running", "done", "partial", "failed", "interrupted"]


ALERT_RULE = "alert"  # the rule of a signal that stands for what an alert reported (its subject)


class Signal(BaseModel):
    """A detection rule that fired: what was seen, where, against which threshold."""

    rule: str  # e.g. "error_rate", "latency_p95", "memory", "memory_trend", "slow_query_logs", "alert"
    service: str
    metric: str | None = None
    value: float
    threshold: float
    ts: float
    message: str
    # set when the signal states its own severity (an alert's label, the target-down rule's setting); None: the
    # lifecycle derives it from the impact on users. Left out of dumps when None, so stored signals stay as they were.
    severity: Severity | None = Field(default=None, exclude_if=lambda value: value is None)


class Incident(BaseModel):
    """An incident as stored in the ``incidents`` table (seed columns plus what the product needs)."""

    id: str
    status: IncidentStatus = "OPEN"
    severity: Severity = "SEV3"
    title: str
    start_time: float  # when the first signal fired (symptom onset as detection saw it)
    detected_at: float  # when the incident was opened (after confirmation)
    end_time: float | None = None
    updated_at: float | None = None
    fingerprint: str
    services: list[str] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)
    analysis_status: AnalysisStatus = "pending"
    final_summary: ReportView | None = None  # the report of the latest analysis (``core.report``)
    rca_markdown: str | None = None
    root_cause_service: str | None = None
    root_cause_kind: str | None = None
    root_cause_confidence: float | None = None
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None
    offline: bool = False  # an analysis of a file (``core.offline``), not a live incident; never stored

    @model_validator(mode="before")
    @classmethod
    def _read_report(cls, data: Any) -> Any:
        """The report in whatever shape it was stored (a row, an export, a scenario folder), read by
        ``core.report.stored`` with this incident's header facts."""
        if not isinstance(data, dict) or data.get("final_summary") is None:
            return data
        from core.report.stored import stored_view  # not at the top: the report package imports this module

        return {**data, "final_summary": stored_view(data["final_summary"], cls(**{**data, "final_summary": None}))}


# --- Agent outputs ------------------------------------------------------------------------------

AgentStatus = Literal["ok", "error", "no_data"]


class LLMUsage(BaseModel):
    """What the optional LLM refinement did for one agent run."""

    model: str
    used: bool  # False when the deterministic result was kept
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None  # why the deterministic result was kept


class AgentOutput(BaseModel):
    """Common envelope of every agent's result: failures are data, not exceptions."""

    status: AgentStatus = "ok"
    error: str | None = None
    summary: str = ""
    llm: LLMUsage | None = None


class Anomaly(BaseModel):
    """A metric series that left its baseline during the incident window."""

    service: str
    metric: str
    start_ts: float  # first point out of the baseline band
    peak_ts: float
    baseline: float  # baseline median
    observed: float  # peak (or trough) in the window
    score: float  # robust z-score of the peak against the baseline
    direction: Literal["up", "down"]
    baseline_points: int | None = None  # baseline samples, when fewer than a comparison usually needs


class TimelineEvent(BaseModel):
    ts: float
    service: str | None = None
    source: Literal["metric", "log", "detection", "fault", "analysis"]
    description: str


class MonitoringOutput(AgentOutput):
    anomalies: list[Anomaly] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)


class LogPattern(BaseModel):
    """A log template with its counts in the incident window and in the baseline."""

    template_id: str
    template: str
    level: str
    services: list[str]
    service_counts: dict[str, int] = Field(default_factory=dict)  # window lines per service
    count: int  # lines in the incident window
    baseline_count: int  # lines in the baseline window
    first_seen: float
    template_first_seen: float | None = None  # first line ever mined into this template (persisted history)
    is_new: bool  # absent from the baseline
    surge: float  # window rate / baseline rate (window rate / 1 line when the baseline is empty)
    example: str


class LogAnalysisOutput(AgentOutput):
    patterns: list[LogPattern] = Field(default_factory=list)
    total_lines: int = 0
    error_lines: int = 0


class Evidence(BaseModel):
    """One fact behind a hypothesis: a metric window against its baseline, or a log template count."""

    kind: Literal["metric", "log", "topology", "detection"]
    service: str
    description: str
    metric: str | None = None
    template: str | None = None
    window_start: float | None = None
    window_end: float | None = None
    baseline: float | None = None
    observed: float | None = None
    count: int | None = None
    baseline_count: int | None = None


class Hypothesis(BaseModel):
    """A candidate root cause: a fault kind on a service, with calibrated confidence and evidence."""

    service: str
    kind: str  # a fault catalogue type name, e.g. "db_slow"
    confidence: float = Field(ge=0.0, le=1.0)
    summary: str
    evidence: list[Evidence] = Field(default_factory=list)
    score: float | None = None  # evidence units behind it (see core.agents.root_cause)
    group: int = 0  # 0: explains the main symptoms; 1+: an additional, independent cause
    #: The confidence before the recalibration from feedback (``core.agents.recalibration``); None when none applied.
    base_confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class RootCauseOutput(AgentOutput):
    hypotheses: list[Hypothesis] = Field(default_factory=list)  # best first
    no_cause_reason: str | None = None  # set when the evidence supports no hypothesis
    feedback_note: str | None = None  # set when feedback on similar incidents changed the ranking


class RootCause(BaseModel):
    """One ranked cause of an incident's latest analysis, as ``simulate``, ``watch`` and ``analyze`` print it."""

    service: str
    kind: str
    confidence: float
    score: float | None = None
    group: int = 0  # 0: explains the main symptoms; 1+: an additional, independent cause
    evidence: list[Evidence] = Field(default_factory=list)


def root_causes(incident: Incident) -> list[RootCause]:
    """The ranked hypotheses of the incident's latest analysis, best first (empty before any analysis)."""
    causes = incident.final_summary.causes if incident.final_summary else []
    return [RootCause.model_validate(cause.model_dump()) for cause in causes]


class Action(BaseModel):
    title: str
    detail: str = ""
    command: str | None = None  # a command an operator could run, when one fits


class MitigationOutput(AgentOutput):
    immediate: list[Action] = Field(default_factory=list)
    long_term: list[Action] = Field(default_factory=list)


class ReportOutput(AgentOutput):
    title: str = ""
    markdown: str = ""
    #: The report as data, stored with the incident: not in the run's output, nor in the schema an LLM refines.
    view: SkipJsonSchema[ReportView | None] = Field(default=None, exclude=True)


class AgentRun(BaseModel):
    """One execution of one agent for one incident, as stored in ``agent_runs``."""

    id: str
    incident_id: str
    analysis_id: str  # groups the five runs of one analysis
    agent_name: str
    started_at: float
    finished_at: float
    latency_ms: float
    status: AgentStatus
    error: str | None = None
    input_json: dict = Field(default_factory=dict)  # a summary of what the agent was given, no secrets
    output_json: dict = Field(default_factory=dict)
    model: str | None = None  # LLM model when one ran
    prompt_tokens: int = 0
    completion_tokens: int = 0


class FaultWindow(BaseModel):
    """One fault the demo service applies: its kind, target and intensity, from ``started_at`` to ``expires_at``."""

    id: str
    type: str
    target: str
    intensity: float  # in (0, 1]
    started_at: float
    expires_at: float


class InjectedFault(FaultWindow):
    """A fault injected into the demo service, kept to mark charts and score detection."""

    stopped_at: float | None = None


class ActiveFault(FaultWindow):
    """A fault the demo service applies now, as ``GET /faults`` lists it."""

    remaining_seconds: float | None = None  # None when the service did not say


class FaultListing(BaseModel):
    """The demo service's ``GET /faults``: the kinds it can inject and the faults active now."""

    catalogue: list[FaultKind]
    active: list[ActiveFault] = Field(default_factory=list)


FeedbackVerdict = Literal["right", "wrong"]


class Feedback(BaseModel):
    """An analyst's verdict on an incident's RCA: right or wrong, and the actual cause when wrong."""

    incident_id: str
    verdict: FeedbackVerdict
    actual_cause: str = ""  # free text, e.g. "db_slow on database"; expected when the verdict is "wrong"
    by: str = "anonymous"
    note: str = ""
    created_at: float


OutputT = TypeVar("OutputT", bound=BaseModel)


def agent_output(runs: Sequence[AgentRun], agent: str, model: type[OutputT]) -> OutputT | None:
    """The stored output of ``agent`` among ``runs`` (the first that has one) as ``model``; None when absent
    or unreadable (an older schema, a hand-edited row)."""
    raw = next((run.output_json for run in runs if run.agent_name == agent and run.output_json), None)
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


from core.report.view import ReportView  # noqa: E402  (made of the models above; an incident carries one)

Incident.model_rebuild()
ReportOutput.model_rebuild()
