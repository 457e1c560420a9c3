"""``/api/incidents``: list and read incidents, their reports, and act on them (rerun, acknowledge, resolve,
feedback)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from app.api.deps import Deps
from app.api.schemas import (
    ActionBody,
    AgentRunOut,
    AlertOut,
    AnalysisQueued,
    FeedbackBody,
    FeedbackOut,
    IncidentDetail,
    IncidentSummary,
    ReportLinks,
    RootCauseOut,
    _common,
    when,
)
from core.models import Feedback, Incident, RootCauseOutput, agent_output, root_causes
from core.runtime import Runtime

STATUSES = ("OPEN", "INVESTIGATING", "RESOLVED")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


def _split(name: str, values: list[str] | None, allowed: tuple[str, ...]) -> list[str] | None:
    """Repeated or comma-separated query values as one list (None when empty); 422 naming a value not allowed."""
    parts = [part.strip().upper() for value in values or [] for part in value.split(",") if part.strip()]
    wrong = [part for part in parts if part not in allowed]
    if wrong:
        raise HTTPException(422, f"query.{name}: {wrong[0]!r} is not one of {', '.join(allowed)}")
    return parts or None


def incident_detail(runtime: Runtime, incident: Incident) -> IncidentDetail:
    """Everything about one incident: causes with evidence, report Markdown, agent runs, alerts, feedback."""
    runs = runtime.store.agent_runs(incident.id)
    latest = [r for r in runs if runs and r.analysis_id == runs[-1].analysis_id]
    rca = agent_output(latest, "root_cause", RootCauseOutput)
    base = f"/api/incidents/{incident.id}"
    return IncidentDetail(
        **_common(incident),
        root_causes=[RootCauseOut(**cause.model_dump()) for cause in root_causes(incident)],
        signals=incident.signals,
        no_cause_reason=rca.no_cause_reason if rca else None,
        resolution_note=incident.resolution_note,
        report_markdown=incident.rca_markdown,
        agent_runs=[AgentRunOut.of(run) for run in runs],
        alerts=[AlertOut.of(alert) for alert in runtime.store.incident_alerts(incident.id)],
        feedback=[_feedback(f) for f in runtime.store.feedback(incident.id)],
        reports=ReportLinks(markdown=f"{base}/report.md", html=f"{base}/report.html", json=f"{base}/report.json"),
    )


def _feedback(feedback: Feedback) -> FeedbackOut:
    return FeedbackOut(
        **feedback.model_dump(exclude={"incident_id", "created_at"}), created_at=when(feedback.created_at)
    )


def router(deps: Deps) -> APIRouter:
    """The incident routes, bound to ``deps``."""
    api = APIRouter(prefix="/incidents", tags=["incidents"])
    reader = Annotated[Runtime, Depends(deps.runtime)]
    writer = Annotated[Runtime, Depends(deps.writer)]

    @api.get("", response_model=list[IncidentSummary], summary="List incidents, newest first")
    def list_incidents(
        runtime: reader,
        status: Annotated[
            list[str] | None, Query(description="OPEN, INVESTIGATING or RESOLVED; repeat or comma-separate")
        ] = None,
        severity: Annotated[list[str] | None, Query(description="SEV1-SEV4; repeat or comma-separate")] = None,
        service: Annotated[
            str | None, Query(max_length=200, description="an affected service or the root cause's")
        ] = None,
        since: Annotated[datetime | None, Query(description="started at or after (ISO 8601 or unix seconds)")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[IncidentSummary]:
        incidents = runtime.store.list_incidents(
            statuses=_split("status", status, STATUSES),
            severities=_split("severity", severity, SEVERITIES),
            service=service,
            since=since.timestamp() if since else None,
            limit=limit,
        )
        return [IncidentSummary.of(incident) for incident in incidents]

    def find(runtime: Runtime, incident_id: str) -> Incident:
        return runtime.store.get_incident(runtime.store.resolve_incident_id(incident_id))

    @api.get("/{incident_id}", response_model=IncidentDetail, summary="One incident with its RCA")
    def get_incident(incident_id: str, runtime: reader) -> IncidentDetail:
        return incident_detail(runtime, find(runtime, incident_id))

    def report(fmt: Literal["md", "html", "json"], what: str) -> None:
        @api.get(f"/{{incident_id}}/report.{fmt}", response_class=Response, summary=f"The RCA report as {what}")
        def get_report(incident_id: str, runtime: reader) -> Response:
            name, mime, content = runtime.export(find(runtime, incident_id).id, fmt)
            headers = {"Content-Disposition": f'inline; filename="{name}"'}
            return Response(content, media_type=f"{mime}; charset=utf-8", headers=headers)

        get_report.__name__ = f"report_{fmt}"

    report("md", "Markdown")
    report("html", "a self-contained HTML page (charts embedded)")
    report("json", "JSON (the incident, every agent run, feedback)")

    @api.post("/{incident_id}/rerun", status_code=202, response_model=AnalysisQueued, summary="Run the agents again")
    def rerun(incident_id: str, runtime: writer) -> AnalysisQueued:
        incident = find(runtime, incident_id)
        runtime.submit_analysis(incident.id, again_if_running=True)
        return AnalysisQueued(incident_id=incident.id)

    @api.post("/{incident_id}/acknowledge", response_model=IncidentSummary, summary="Record who took the incident")
    def acknowledge(incident_id: str, runtime: writer, body: ActionBody | None = None) -> IncidentSummary:
        body = body or ActionBody()
        return IncidentSummary.of(runtime.acknowledge(find(runtime, incident_id).id, body.by, body.note))

    @api.post("/{incident_id}/resolve", response_model=IncidentSummary, summary="Close the incident by hand")
    def resolve(incident_id: str, runtime: writer, body: ActionBody | None = None) -> IncidentSummary:
        body = body or ActionBody()
        return IncidentSummary.of(runtime.resolve(find(runtime, incident_id).id, body.by, body.note))

    @api.post("/{incident_id}/feedback", status_code=201, response_model=FeedbackOut, summary="Was the RCA right?")
    def feedback(incident_id: str, body: FeedbackBody, runtime: writer) -> FeedbackOut:
        incident = find(runtime, incident_id)
        given = runtime.give_feedback(incident.id, body.verdict, body.actual_cause, body.by, body.note)
        return _feedback(given)

    return api
