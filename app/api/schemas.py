"""The API's bodies in and out (pydantic): what ``/api/openapi.json`` documents. Times are ISO 8601, UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field

from core.alerts.models import Alert
from core.memory.postmortem import MAX_ACTION_ITEMS, MAX_SECTION_CHARS, UNASSIGNED, ActionItem, Postmortem
from core.memory.precedent import SimilarIncident
from core.models import AgentRun, Evidence, FeedbackVerdict, Incident, Signal, root_causes


@overload
def when(ts: float) -> datetime: ...
@overload
def when(ts: float | None) -> datetime | None: ...
def when(ts: float | None) -> datetime | None:
    """Unix seconds as an aware UTC datetime (None stays None)."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


class Problem(BaseModel):
    """Every error answer: what was wrong, naming the field or the id."""

    error: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    scheduler_running: bool
    polls: int
    data_mode: str


class RootCauseBrief(BaseModel):
    service: str
    kind: str
    confidence: float


class RootCauseOut(RootCauseBrief):
    score: float | None = None
    group: int = 0  # 0: explains the main symptoms; 1+: an additional, independent cause
    evidence: list[Evidence] = Field(default_factory=list)


class IncidentSummary(BaseModel):
    id: str
    title: str
    status: str
    severity: str
    services: list[str]
    start_time: datetime
    detected_at: datetime
    end_time: datetime | None
    updated_at: datetime | None
    analysis_status: str
    root_causes: list[RootCauseBrief]
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None

    @classmethod
    def of(cls, incident: Incident) -> IncidentSummary:
        """The summary of a stored incident (root causes best first, without their evidence)."""
        return cls(
            **_common(incident),
            root_causes=[
                RootCauseBrief(service=r.service, kind=r.kind, confidence=r.confidence) for r in root_causes(incident)
            ],
        )


def _common(incident: Incident) -> dict:
    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "services": incident.services,
        "start_time": when(incident.start_time),
        "detected_at": when(incident.detected_at),
        "end_time": when(incident.end_time),
        "updated_at": when(incident.updated_at),
        "analysis_status": incident.analysis_status,
        "acknowledged_by": incident.acknowledged_by,
        "acknowledged_at": when(incident.acknowledged_at),
        "resolved_by": incident.resolved_by,
    }


class AgentRunOut(BaseModel):
    id: str
    analysis_id: str
    agent_name: str
    status: str
    error: str | None
    started_at: datetime
    finished_at: datetime
    latency_ms: float
    model: str | None
    prompt_tokens: int
    completion_tokens: int

    @classmethod
    def of(cls, run: AgentRun) -> AgentRunOut:
        data = run.model_dump(exclude={"input_json", "output_json", "incident_id"})
        return cls(**{**data, "started_at": when(run.started_at), "finished_at": when(run.finished_at)})


class AlertOut(BaseModel):
    source: str
    fingerprint: str
    name: str
    status: str
    service: str
    severity: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    received_at: datetime
    last_received_at: datetime
    deliveries: int
    incident_id: str | None

    @classmethod
    def of(cls, alert: Alert) -> AlertOut:
        data = alert.model_dump(exclude={"generator_url"})
        times = {k: when(getattr(alert, k)) for k in ("starts_at", "ends_at", "received_at", "last_received_at")}
        return cls(**{**data, **times})


class FeedbackOut(BaseModel):
    verdict: FeedbackVerdict
    actual_cause: str
    by: str
    note: str
    created_at: datetime


class ReportLinks(BaseModel):
    markdown: str
    html: str
    json_: str = Field(alias="json")

    model_config = ConfigDict(populate_by_name=True)


class IncidentDetail(IncidentSummary):
    root_causes: list[RootCauseOut]  # type: ignore[assignment]  # with their evidence
    signals: list[Signal]
    no_cause_reason: str | None
    resolution_note: str | None
    report_markdown: str | None
    agent_runs: list[AgentRunOut]
    alerts: list[AlertOut]
    feedback: list[FeedbackOut]
    reports: ReportLinks


class ActionBody(BaseModel):
    """Who acknowledges or resolves, and an optional note."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=2000)


class FeedbackBody(BaseModel):
    """An analyst's verdict on the RCA: right or wrong, and the actual cause when wrong."""

    model_config = ConfigDict(extra="forbid")

    verdict: FeedbackVerdict
    actual_cause: str = Field(default="", max_length=500)
    by: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=2000)


class AnalysisQueued(BaseModel):
    incident_id: str
    analysis: Literal["queued"] = "queued"


class FaultRequest(BaseModel):
    """A fault to inject into the demo service (the seed's body: ``type`` and ``duration_seconds``)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=64, description="A kind of the catalogue (GET /api/faults).")
    target: str | None = Field(
        default=None, max_length=64, description="A target of that kind; its default when omitted."
    )
    intensity: float = Field(default=1.0, gt=0, le=1)
    duration_seconds: float = Field(default=120.0, gt=0, le=86_400)


class FaultsOut(BaseModel):
    catalogue: list[dict]
    active: list[dict]


class Stopped(BaseModel):
    stopped: int


class AlertAccepted(BaseModel):
    """What one delivery did: alerts new, changed (status, end or annotations) and repeated unchanged."""

    received: int
    new: int
    changed: int
    duplicate: int
    alerts: list[AlertOut]


class SourceOut(BaseModel):
    name: str
    target: str
    ok: bool
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class SchedulerOut(BaseModel):
    running: bool
    interval_seconds: float
    polls: int
    last_poll: datetime | None
    last_poll_duration_ms: float | None
    next_poll: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class ApiAccess(BaseModel):
    token_required: bool  # API_TOKEN is set: write endpoints need it
    note: str


class StatusOut(BaseModel):
    data_mode: str
    demo_service: str | None
    analysis: str
    scheduler: SchedulerOut
    sources: list[SourceOut]
    thresholds: dict[str, float | str]
    api: ApiAccess
    schema_version: int


class DemoStatus(BaseModel):
    url: str | None
    reachable: bool
    health: dict | None
    active_faults: list[dict]


class ActionItemBody(BaseModel):
    """One follow-up of a postmortem and who owns it."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    owner: str = Field(default=UNASSIGNED, max_length=100)


def _section(what: str) -> Any:
    return Field(min_length=1, max_length=MAX_SECTION_CHARS, description=f"{what} (Markdown)")


class PostmortemBody(BaseModel):
    """A new version of an incident's postmortem: every section (``_For the team to write._`` for one left to the
    team), the action items with owners, and who wrote it. URLs in the text are stored without credentials."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    summary: str = _section("Summary")
    impact: str = _section("Impact")
    detection: str = _section("Detection")
    root_cause: str = _section("Root cause and trigger")
    resolution: str = _section("Resolution")
    timeline: str = _section("Timeline")
    action_items: list[ActionItemBody] = Field(default_factory=list, max_length=MAX_ACTION_ITEMS)
    lessons: str = _section("Lessons learned")
    by: str = Field(default="", max_length=100, description="Who edited it ('anonymous' when empty)")


class PostmortemVersionOut(BaseModel):
    version: int
    edited_by: str | None
    edited_at: datetime | None


class PostmortemLinks(BaseModel):
    markdown: str
    html: str


class PostmortemOut(BaseModel):
    """The newest saved version of a postmortem, or the tool's draft (``version`` 0) before any save."""

    incident_id: str
    version: int
    edited_by: str | None
    edited_at: datetime | None
    title: str
    summary: str
    impact: str
    detection: str
    root_cause: str
    resolution: str
    timeline: str
    action_items: list[ActionItem]
    lessons: str
    missing: list[str]  # sections still empty
    history: list[PostmortemVersionOut]  # every saved version, newest first
    links: PostmortemLinks

    @classmethod
    def of(cls, pm: Postmortem, versions: list[Postmortem]) -> PostmortemOut:
        base = f"/api/incidents/{pm.incident_id}/postmortem"
        return cls(
            **pm.model_dump(exclude={"edited_at"}),
            edited_at=when(pm.edited_at),
            missing=pm.missing(),
            history=[
                PostmortemVersionOut(version=v.version, edited_by=v.edited_by, edited_at=when(v.edited_at))
                for v in versions
            ],
            links=PostmortemLinks(markdown=f"{base}.md", html=f"{base}.html"),
        )


class SimilarCauseOut(BaseModel):
    service: str | None
    kind: str | None


class SimilarOut(BaseModel):
    """An earlier incident at least SIMILARITY_THRESHOLD similar, with what was said and done then."""

    id: str
    title: str
    detected_at: datetime
    similarity: float
    root_cause: SimilarCauseOut
    verdict: FeedbackVerdict | None
    actual_cause: str
    resolution_note: str | None
    actions: list[str]  # the immediate actions proposed then
    actions_checked: list[str]  # those a responder ticked
    link: str

    @classmethod
    def of(cls, similar: SimilarIncident) -> SimilarOut:
        return cls(
            **similar.model_dump(
                include={"id", "title", "similarity", "actual_cause", "resolution_note", "actions", "actions_checked"}
            ),
            detected_at=when(similar.detected_at),
            root_cause=SimilarCauseOut(service=similar.cause_service, kind=similar.cause_kind),
            verdict=similar.verdict,  # type: ignore[arg-type]  # "right" / "wrong" as stored
            link=f"/api/incidents/{similar.id}",
        )
