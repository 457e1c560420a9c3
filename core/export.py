"""Exports of one incident: the RCA report as Markdown, everything as JSON."""

from __future__ import annotations

import json
from typing import Any

from core.models import Incident
from core.store import Store


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
        }
        return f"{stem}.json", "application/json", json.dumps(document, indent=2).encode()
    raise ValueError(f"Unknown export format {fmt!r}: use 'md' or 'json'")


def root_causes(incident: Incident, *, with_evidence: bool = True) -> list[dict[str, Any]]:
    """The ranked hypotheses of the incident's latest analysis as plain dicts (empty before any analysis)."""
    hypotheses = (incident.final_summary or {}).get("hypotheses") or []
    keys = ("service", "kind", "confidence", "score", "group", "raw_confidence")
    return [
        {key: h.get(key) for key in keys} | ({"evidence": h.get("evidence", [])} if with_evidence else {})
        for h in hypotheses
    ]
