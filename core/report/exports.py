"""Exports: one incident as Markdown, self-contained HTML, JSON or a CSV row; a list of incidents as CSV.

Everything is read through ``Records`` (the store satisfies it), so the pages, the CLI and later the HTTP API
export the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol

import pandas as pd
import plotly.graph_objects as go

from core.config import Settings
from core.models import AgentRun, Feedback, Incident, InjectedFault
from core.report import charts, figures
from core.report.escape import csv_cell
from core.report.html_page import render_html
from core.report.view import ReportView
from core.units import utc

FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")
CSV_COLUMNS = (
    "id",
    "severity",
    "status",
    "title",
    "start_utc",
    "detected_utc",
    "end_utc",
    "services",
    "root_cause_service",
    "root_cause_kind",
    "root_cause_confidence",
    "analysis_status",
    "acknowledged_by",
    "resolved_by",
    "feedback",
    "actual_cause",
)
#: A standalone page has no Streamlit padding: a little room around the grid.
HTML_CHART_MARGIN = {"l": 20, "r": 20, "t": 32, "b": 30}


class Export(NamedTuple):
    """An exported file: suggested name, MIME type and content."""

    name: str
    mime: str
    content: bytes


class Records(Protocol):
    """What an export reads (``core.store.Store`` provides it)."""

    def get_incident(self, incident_id: str) -> Incident: ...

    def agent_runs(self, incident_id: str) -> list[AgentRun]: ...

    def feedback(self, incident_id: str) -> list[Feedback]: ...

    def metrics_frame(self, start: float, end: float, *, metrics: Sequence[str] | None = None) -> pd.DataFrame: ...

    def faults(self, start: float, end: float) -> list[InjectedFault]: ...


def view_of(incident: Incident) -> ReportView:
    """The incident's report, or its header alone while no analysis has finished."""
    return incident.final_summary or ReportView.pending(incident)


def analysis_runs(view: ReportView, runs: Sequence[AgentRun]) -> list[AgentRun]:
    """The runs of the analysis ``view`` reports (none before an analysis finished)."""
    return [r for r in runs if view.analysis_id is not None and r.analysis_id == view.analysis_id]


def export_incident(records: Records, incident_id: str, fmt: str, *, settings: Settings, now: float) -> Export:
    """The incident as ``fmt`` ("md", "html", "json" or "csv"); ``now`` (Unix seconds) ends an open incident's
    charts; ``ValueError`` for another format, ``NotFoundError`` for an unknown incident."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    incident = records.get_incident(incident_id)
    stem = f"incident-{incident.id[:8]}"
    if fmt == "md":
        return Export(f"{stem}-rca.md", "text/markdown", markdown_document(incident).encode())
    if fmt == "csv":
        rows = incidents_csv([incident], {f.incident_id: f for f in records.feedback(incident_id)[:1]})
        return Export(f"{stem}.csv", "text/csv", rows)
    if fmt == "json":
        document = json_document(incident, records.agent_runs(incident_id), records.feedback(incident_id))
        return Export(f"{stem}.json", "application/json", json.dumps(document, indent=2).encode())
    view = view_of(incident)
    page = render_html(
        view,
        runs=analysis_runs(view, records.agent_runs(incident_id)),
        figures=incident_figures(records, view, settings, now),
        feedback=records.feedback(incident_id),
        now=now,
    )
    return Export(f"{stem}-report.html", "text/html", page.encode())


def markdown_document(incident: Incident) -> str:
    """The RCA report the analysis wrote, or a note that it has not finished."""
    return incident.rca_markdown or (
        f"# {incident.title}\n\nThe analysis of this incident has not finished "
        f"(status: {incident.analysis_status}). Rerun it from the incident page.\n"
    )


def json_document(incident: Incident, runs: Sequence[AgentRun], feedback: Sequence[Feedback]) -> dict[str, Any]:
    """Everything known about the incident: its row and report, every agent run and every verdict."""
    return {
        "incident": incident.model_dump(mode="json"),
        "agent_runs": [run.model_dump(mode="json") for run in runs],
        "feedback": [f.model_dump(mode="json") for f in feedback],
    }


def incident_figures(records: Records, view: ReportView, settings: Settings, now: float) -> list[go.Figure]:
    """The incident-window chart of the report, for its services (all services when none has samples)."""
    start, end = view.header.start_time - settings.baseline_seconds, figures.window_end(view, now)
    frame = records.metrics_frame(start, end + figures.AFTER_SECONDS, metrics=charts.CHART_METRICS)
    present, named = figures.charted_services(view, frame)
    figure = figures.window_figure(view, frame, records.faults(start, end), settings, end, services=named or present)
    figure.update_layout(margin=HTML_CHART_MARGIN)
    return [figure]


def incidents_csv(incidents: Sequence[Incident], feedback: Mapping[str, Feedback]) -> bytes:
    """The incidents (as filtered on the list page) as CSV, one row each, with the latest RCA feedback."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for i in incidents:
        verdict = feedback.get(i.id)
        row = (
            i.id,
            i.severity,
            i.status,
            i.title,
            utc(i.start_time),
            utc(i.detected_at),
            utc(i.end_time) if i.end_time is not None else "",
            ";".join(i.services),
            i.root_cause_service,
            i.root_cause_kind,
            "" if i.root_cause_confidence is None else f"{i.root_cause_confidence:.2f}",
            i.analysis_status,
            i.acknowledged_by,
            i.resolved_by,
            verdict.verdict if verdict else "",
            verdict.actual_cause if verdict else "",
        )
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode()
