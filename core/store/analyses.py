"""The ``analyses`` table: every analysis of every incident, kept as a numbered revision with its report.

The incident's row keeps the latest report (``final_summary_json``, ``rca_markdown`` and the top cause), as
before; this table keeps them all, so the incident page can show what each revision changed and the earlier
reports on request. ``agent_runs.analysis_id`` points at ``analyses.id``. The migration copies each report
stored before the table existed in as revision 1, with no reason.
"""

from __future__ import annotations

import json

import duckdb
from pydantic import BaseModel

from core.report.view import ReportView

MIGRATION_STATEMENTS = [
    """CREATE TABLE analyses (
        id VARCHAR PRIMARY KEY,
        incident_id VARCHAR NOT NULL,
        revision INTEGER NOT NULL,
        reason VARCHAR,
        started_at DOUBLE NOT NULL,
        finished_at DOUBLE NOT NULL,
        status VARCHAR NOT NULL,
        root_cause_service VARCHAR,
        root_cause_kind VARCHAR,
        root_cause_confidence DOUBLE,
        cause_changed BOOLEAN NOT NULL,
        final_summary_json VARCHAR NOT NULL,
        rca_markdown VARCHAR
    )""",
    "CREATE INDEX analyses_incident ON analyses (incident_id)",
    """INSERT INTO analyses
        SELECT coalesce(json_extract_string(final_summary_json, '$.analysis_id'), 'migrated-' || id), id, 1, NULL,
            epoch(coalesce(updated_at, detected_at)), epoch(coalesce(updated_at, detected_at)),
            coalesce(json_extract_string(final_summary_json, '$.status'), 'done'),
            root_cause_service, root_cause_kind, root_cause_confidence, root_cause_kind IS NOT NULL,
            final_summary_json, rca_markdown
        FROM incidents WHERE final_summary_json IS NOT NULL""",
]

COLUMNS = """id, incident_id, revision, reason, started_at, finished_at, status, final_summary_json, rca_markdown"""


class Revision(BaseModel):
    """One stored analysis of an incident: its number (1 for the first), why it ran, its report."""

    analysis_id: str
    incident_id: str
    number: int
    reason: str | None  # None for an analysis stored before revisions were kept
    started_at: float
    finished_at: float
    status: str
    view: ReportView | None  # None when the stored report can no longer be read
    markdown: str | None


def insert(cur: duckdb.DuckDBPyConnection, view: ReportView, markdown: str | None, started_at: float) -> None:
    """Store the analysis ``view`` reports (its ``analysis_id``, ``revision`` and ``reason``)."""
    top = view.top_cause
    cur.execute(
        "INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            view.analysis_id,
            view.header.incident_id,
            view.revision or 1,
            view.reason,
            started_at,
            view.generated_at if view.generated_at is not None else started_at,
            view.status or "done",
            top.service if top else None,
            top.kind if top else None,
            top.confidence if top else None,
            view.cause_changed,
            json.dumps(view.model_dump(mode="json")),
            markdown,
        ],
    )


def select(cur: duckdb.DuckDBPyConnection, incident_id: str, *, latest: bool = False) -> list[tuple]:
    """Rows of one incident's analyses, oldest first (only the newest with ``latest``)."""
    order = "revision DESC LIMIT 1" if latest else "revision"
    sql = f"SELECT {COLUMNS} FROM analyses WHERE incident_id = ? ORDER BY {order}"
    return cur.execute(sql, [incident_id]).fetchall()


def revision_from_row(row: tuple, read_view: object) -> Revision:
    """A row of ``select`` as a ``Revision``; ``read_view(raw_json)`` parses the stored report."""
    analysis_id, incident_id, number, reason, started, finished, status, summary, markdown = row
    return Revision(
        analysis_id=analysis_id,
        incident_id=incident_id,
        number=int(number),
        reason=reason,
        started_at=float(started),
        finished_at=float(finished),
        status=status,
        view=read_view(json.loads(summary)),  # type: ignore[operator]
        markdown=markdown,
    )
