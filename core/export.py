"""Exports: one incident's RCA report as Markdown, everything as JSON; a list of incidents as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence

from core.models import Feedback, Incident
from core.store import Store
from core.units import utc


def export_incident(store: Store, incident_id: str, fmt: str) -> tuple[str, str, bytes]:
    """The incident as (file name, MIME type, content) for ``fmt`` "md" or "json"."""
    incident = store.get_incident(incident_id)
    stem = f"incident-{incident.id[:8]}"
    if fmt == "md":
        markdown = incident.rca_markdown or (
            f"# {incident.title}\n\nThe analysis of this incident has not finished "
            f"(status: {incident.analysis_status}). Rerun it from the incident page.\n"
        )
        return f"{stem}-rca.md", "text/markdown", markdown.encode()
    if fmt == "json":
        document = {
            "incident": incident.model_dump(mode="json"),
            "agent_runs": [run.model_dump(mode="json") for run in store.agent_runs(incident_id)],
            "feedback": [f.model_dump(mode="json") for f in store.feedback(incident_id)],
        }
        return f"{stem}.json", "application/json", json.dumps(document, indent=2).encode()
    raise ValueError(f"Unknown export format {fmt!r}: use 'md' or 'json'")


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
#: First characters a spreadsheet reads as a formula; such cells get a leading apostrophe (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value as a CSV cell that a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


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
