"""Mapping between model objects and the rows of the incidents and agent_runs tables (pure)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pandas as pd

from core.models import AgentRun, Feedback, Incident, Signal
from core.report.view import ReportView

INCIDENT_COLUMNS = """id, status, severity, title, epoch(start_time), epoch(end_time), signals_json,
    final_summary_json, rca_markdown, epoch(detected_at), epoch(updated_at), fingerprint, services_json,
    analysis_status, root_cause_service, root_cause_kind, root_cause_confidence, acknowledged_by,
    epoch(acknowledged_at), resolved_by, resolution_note"""

RUN_COLUMNS = """id, incident_id, analysis_id, agent_name, epoch(started_at), epoch(finished_at),
    input_json, output_json, latency_ms, status, error, model, prompt_tokens, completion_tokens"""

FEEDBACK_COLUMNS = "incident_id, verdict, actual_cause, given_by, note, created_at"


def scalar(cur: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the statement's first row; None when it returns no row."""
    row = cur.execute(sql, params).fetchone()
    return None if row is None else row[0]


def ts_value(value: float | None) -> str | None:
    """Unix seconds as an ISO string DuckDB casts to TIMESTAMPTZ (None stays NULL)."""
    if value is None:
        return None
    return pd.Timestamp(value, unit="s", tz="UTC").isoformat()


def where_in(clauses: list[str], params: list[Any], column: str, values: Sequence[Any] | None) -> None:
    """Add ``column IN (?, ...)`` to a WHERE clause when ``values`` is non-empty (column names are ours)."""
    if values:
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        params.extend(values)


def summary_json(view: ReportView | None) -> str | None:
    """The report as stored in ``final_summary_json`` (NULL before any analysis)."""
    return None if view is None else json.dumps(view.model_dump(mode="json"))


UPDATABLE: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "status": ("status", str),
    "severity": ("severity", str),
    "title": ("title", str),
    "end_time": ("end_time", ts_value),
    "updated_at": ("updated_at", ts_value),
    "services": ("services_json", json.dumps),
    "signals": (
        "signals_json",
        lambda signals: json.dumps([s.model_dump(mode="json") for s in signals]),
    ),
    "analysis_status": ("analysis_status", str),
    "final_summary": ("final_summary_json", summary_json),
    "rca_markdown": ("rca_markdown", lambda v: v),
    "root_cause_service": ("root_cause_service", lambda v: v),
    "root_cause_kind": ("root_cause_kind", lambda v: v),
    "root_cause_confidence": ("root_cause_confidence", lambda v: v),
    "acknowledged_by": ("acknowledged_by", lambda v: v),
    "acknowledged_at": ("acknowledged_at", ts_value),
    "resolved_by": ("resolved_by", lambda v: v),
    "resolution_note": ("resolution_note", lambda v: v),
}


def incident_from_row(row: tuple) -> Incident:
    (
        id_,
        status,
        severity,
        title,
        start,
        end,
        signals,
        summary,
        markdown,
        detected,
        updated,
        fingerprint,
        services,
        analysis_status,
        rc_service,
        rc_kind,
        rc_conf,
        ack_by,
        ack_at,
        resolved_by,
        note,
    ) = row
    return Incident(  # the report is parsed by the model, whatever shape it was stored in (core.report.stored)
        id=id_,
        status=status,
        severity=severity,
        title=title,
        start_time=start,
        end_time=end,
        signals=[Signal.model_validate(s) for s in json.loads(signals)],
        final_summary=None if summary is None else json.loads(summary),
        rca_markdown=markdown,
        detected_at=detected,
        updated_at=updated,
        fingerprint=fingerprint,
        services=json.loads(services),
        analysis_status=analysis_status,
        root_cause_service=rc_service,
        root_cause_kind=rc_kind,
        root_cause_confidence=rc_conf,
        acknowledged_by=ack_by,
        acknowledged_at=ack_at,
        resolved_by=resolved_by,
        resolution_note=note,
    )


def run_from_row(row: tuple) -> AgentRun:
    keys = (
        "id",
        "incident_id",
        "analysis_id",
        "agent_name",
        "started_at",
        "finished_at",
        "input_json",
        "output_json",
        "latency_ms",
        "status",
        "error",
        "model",
        "prompt_tokens",
        "completion_tokens",
    )
    data = dict(zip(keys, row, strict=True))
    data["input_json"] = json.loads(data["input_json"])
    data["output_json"] = json.loads(data["output_json"])
    return AgentRun(**data)


def feedback_from_row(row: tuple) -> Feedback:
    keys = ("incident_id", "verdict", "actual_cause", "by", "note", "created_at")
    return Feedback(**dict(zip(keys, row, strict=True)))
