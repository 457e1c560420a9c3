"""The DuckDB store: one connection per process, a cursor per call, parameterised SQL only."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from core.errors import NotFoundError, StoreError, StoreLockedError
from core.models import AgentRun, Feedback, Incident
from core.report.stored import stored_view
from core.report.view import ReportView
from core.store import analyses
from core.store.actions import ActionTables
from core.store.alerts import AlertTables
from core.store.analyses import Revision
from core.store.calibrations import CalibrationTables
from core.store.memory import MemoryTables
from core.store.migrations import MIGRATIONS
from core.store.outbox import OutboxTables
from core.store.pending import PendingTelemetry
from core.store.rows import (
    FEEDBACK_COLUMNS,
    INCIDENT_COLUMNS,
    RUN_COLUMNS,
    UPDATABLE,
    feedback_from_row,
    incident_from_row,
    run_from_row,
    scalar,
    summary_json,
    ts_value,
    where_in,
)
from core.store.telemetry import TelemetryTables


class Store(TelemetryTables, AlertTables, OutboxTables, MemoryTables, ActionTables, CalibrationTables):
    """All reads and writes of the tool's data. Thread-safe: each call takes its own cursor."""

    def __init__(self, path: Path | str, *, write_behind_seconds: float = 0.0) -> None:
        """Open (or create) the database at ``path``. ``write_behind_seconds`` > 0 holds telemetry rows until
        they span that many seconds of data time (or something reads them): a simulation sets it, because
        one commit per poll costs more than the rest of a simulated poll; 0 writes every call at once."""
        self.path = Path(path)
        self._write_lock = threading.RLock()
        self._pending = PendingTelemetry()
        self._write_behind_seconds = write_behind_seconds
        # The open incidents as last read, until the next write to the incidents table: the detection loop
        # asks for them at every poll, and they rarely change. Every write goes through this class.
        self._open_incidents: list[Incident] | None = None
        self._incident_writes = 0
        self._conn = self._connect(self.path)
        try:
            self._migrate()
        except StoreError:
            self._conn.close()
            raise

    @staticmethod
    def _connect(path: Path) -> duckdb.DuckDBPyConnection:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreLockedError(
                    f"The database {path} is in use by another process ({exc}). Stop that process, "
                    "or set INCIDENT_DB_PATH to another file."
                ) from exc
            raise StoreError(
                f"Cannot open the database {path}: {exc}. The file was left untouched: move it aside "
                "to start with an empty database, or set INCIDENT_DB_PATH to another file."
            ) from exc
        except duckdb.Error as exc:
            raise StoreError(f"Cannot open the database {path}: {exc}") from exc

    def close(self) -> None:
        """Write what is pending and close the connection; the Store is unusable afterwards."""
        try:
            self.flush()
        finally:
            self._conn.close()

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._conn.cursor()
        try:
            yield cur
        except duckdb.Error as exc:
            raise StoreError(f"Database error on {self.path}: {exc}") from exc
        finally:
            cur.close()

    # --- migrations --------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._write_lock, self._cursor() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
            )
            applied = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
            for version, description, statements in MIGRATIONS:
                if version in applied:
                    continue
                cur.execute("BEGIN TRANSACTION")
                try:
                    for statement in statements:
                        cur.execute(statement)
                    cur.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, now())",
                        [version, description],
                    )
                    cur.execute("COMMIT")
                except duckdb.Error:
                    cur.execute("ROLLBACK")
                    raise

    def schema_version(self) -> int:
        """Highest applied migration version."""
        with self._cursor() as cur:
            version = scalar(cur, "SELECT max(version) FROM schema_migrations")
        return int(version or 0)

    # --- incidents ---------------------------------------------------------------------------

    def save_incident(self, incident: Incident) -> None:
        """Insert or replace one incident (every column)."""
        values = [
            incident.id,
            incident.status,
            incident.severity,
            incident.title,
            ts_value(incident.start_time),
            ts_value(incident.end_time),
            json.dumps([s.model_dump(mode="json") for s in incident.signals]),
            summary_json(incident.final_summary),
            incident.rca_markdown,
            ts_value(incident.detected_at),
            ts_value(incident.updated_at),
            incident.fingerprint,
            json.dumps(incident.services),
            incident.analysis_status,
            incident.root_cause_service,
            incident.root_cause_kind,
            incident.root_cause_confidence,
            incident.acknowledged_by,
            ts_value(incident.acknowledged_at),
            incident.resolved_by,
            incident.resolution_note,
        ]
        placeholders = ", ".join("?" * len(values))
        with self._write_lock, self._cursor() as cur:
            cur.execute(f"INSERT OR REPLACE INTO incidents VALUES ({placeholders})", values)
            self._incidents_changed()

    def update_incident(self, incident_id: str, **changes: object) -> Incident:
        """Change some fields of one incident (others untouched) and return it as stored now.

        Detection and analysis update the same incident from different threads; each writes only the
        fields it owns, so neither overwrites the other's.
        """
        if changes:
            sql, values = self._update_statement(incident_id, changes)
            with self._write_lock, self._cursor() as cur:
                cur.execute(sql, values)
                self._incidents_changed()
        return self.get_incident(incident_id)

    def _update_statement(self, incident_id: str, changes: Mapping[str, object]) -> tuple[str, list[object]]:
        """The UPDATE of ``update_incident``, its values validated as an ``Incident``."""
        unknown = set(changes) - set(UPDATABLE)
        if unknown:
            raise ValueError(f"Cannot update incident fields {sorted(unknown)}")
        validated = Incident.model_validate({**self.get_incident(incident_id).model_dump(), **changes})
        assignments, values = [], []
        for name in changes:
            column, encode = UPDATABLE[name]
            assignments.append(f"{column} = ?")
            values.append(encode(getattr(validated, name)))
        return f"UPDATE incidents SET {', '.join(assignments)} WHERE id = ?", [*values, incident_id]

    def get_incident(self, incident_id: str) -> Incident:
        """The incident with this id; ``NotFoundError`` when there is none."""
        with self._cursor() as cur:
            row = cur.execute(f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?", [incident_id]).fetchone()
        if row is None:
            raise NotFoundError(f"No incident with id {incident_id!r}")
        return incident_from_row(row)

    def resolve_incident_id(self, prefix: str) -> str:
        """The full id of the one incident whose id starts with ``prefix``; NotFoundError otherwise."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT id FROM incidents WHERE starts_with(id, ?) ORDER BY id LIMIT 2", [prefix]
            ).fetchall()
        if not rows:
            raise NotFoundError(f"No incident id starts with {prefix!r}")
        if len(rows) > 1:
            raise NotFoundError(f"Several incident ids start with {prefix!r}: give more characters")
        return rows[0][0]

    def list_incidents(
        self,
        *,
        statuses: Sequence[str] | None = None,
        severities: Sequence[str] | None = None,
        service: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 500,
    ) -> list[Incident]:
        """Incidents newest first, filtered by status, severity, affected service and start time."""
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        where_in(clauses, params, "status", statuses)
        where_in(clauses, params, "severity", severities)
        if service:
            clauses.append("(list_contains(CAST(services_json AS VARCHAR[]), ?) OR root_cause_service = ?)")
            params.extend([service, service])
        if since is not None:
            clauses.append("start_time >= to_timestamp(?)")
            params.append(since)
        if until is not None:
            clauses.append("start_time <= to_timestamp(?)")
            params.append(until)
        params.append(limit)
        sql = (
            f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE {' AND '.join(clauses)} ORDER BY detected_at DESC LIMIT ?"
        )
        with self._cursor() as cur:
            rows = cur.execute(sql, params).fetchall()
        return [incident_from_row(row) for row in rows]

    def incident_spans(self, start: float, end: float) -> list[tuple[str, float, float | None]]:
        """(id, start_time, end_time) of the incidents that overlap ``[start, end]`` (end None while open)."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT id, epoch(start_time), epoch(end_time) FROM incidents "
                "WHERE start_time <= to_timestamp(?) AND (end_time IS NULL OR end_time >= to_timestamp(?)) "
                "ORDER BY start_time",
                [end, start],
            ).fetchall()
        return [(row[0], float(row[1]), None if row[2] is None else float(row[2])) for row in rows]

    def incidents_by_id(self, incident_ids: Sequence[str]) -> list[Incident]:
        """The incidents with these ids (unknown ids are skipped), in no particular order."""
        if not incident_ids:
            return []
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE list_contains(?, id)", [list(incident_ids)]
            ).fetchall()
        return [incident_from_row(row) for row in rows]

    def open_incidents(self) -> list[Incident]:
        """Incidents not yet resolved, oldest first (copies: changing them changes nothing stored)."""
        cached = self._open_incidents
        if cached is None:
            writes = self._incident_writes
            cached = list(reversed(self.list_incidents(statuses=["OPEN", "INVESTIGATING"], limit=10_000)))
            with self._write_lock:
                if writes == self._incident_writes:  # no write since the read began: still current
                    self._open_incidents = cached
        return [incident.model_copy(deep=True) for incident in cached]

    def _incidents_changed(self) -> None:
        """Forget the cached open incidents; called under the write lock after every write to incidents (a
        read that began before the write finished sees the count change and does not cache what it read)."""
        self._incident_writes += 1
        self._open_incidents = None

    def incident_counts(self) -> dict[str, int]:
        """Number of incidents per status (every status present, zero when none)."""
        counts = {"OPEN": 0, "INVESTIGATING": 0, "RESOLVED": 0}
        with self._cursor() as cur:
            for status, count in cur.execute("SELECT status, count(*) FROM incidents GROUP BY status").fetchall():
                counts[status] = int(count)
        return counts

    def mark_interrupted_analyses(self) -> list[str]:
        """Flag analyses left 'running' by a stopped process as 'interrupted'; returns their incident ids."""
        with self._write_lock, self._cursor() as cur:
            rows = cur.execute(
                "UPDATE incidents SET analysis_status = 'interrupted' "
                "WHERE analysis_status IN ('running', 'pending') RETURNING id"
            ).fetchall()
            self._incidents_changed()
        return [row[0] for row in rows]

    # --- agent runs --------------------------------------------------------------------------

    def save_agent_runs(self, runs: Sequence[AgentRun]) -> None:
        """Insert agent runs (one row each)."""
        rows = [
            [
                r.id,
                r.incident_id,
                r.analysis_id,
                r.agent_name,
                ts_value(r.started_at),
                ts_value(r.finished_at),
                json.dumps(r.input_json),
                json.dumps(r.output_json),
                r.latency_ms,
                r.status,
                r.error,
                r.model,
                r.prompt_tokens,
                r.completion_tokens,
            ]
            for r in runs
        ]
        if not rows:
            return
        with self._write_lock, self._cursor() as cur:
            cur.executemany(f"INSERT INTO agent_runs VALUES ({', '.join('?' * 14)})", rows)

    def agent_runs(self, incident_id: str) -> list[AgentRun]:
        """Every run for an incident, oldest analysis first."""
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {RUN_COLUMNS} FROM agent_runs WHERE incident_id = ? ORDER BY started_at, agent_name",
                [incident_id],
            ).fetchall()
        return [run_from_row(row) for row in rows]

    # --- revisions: every analysis of an incident (core.store.analyses) ------------------------

    def save_analysis(self, view: ReportView, markdown: str | None, started_at: float) -> Incident:
        """Keep the analysis ``view`` reports as a revision of its incident and make it the incident's latest
        report (its ``final_summary``, Markdown and top cause), in one transaction; returns the incident."""
        top = view.top_cause
        changes = {
            "analysis_status": view.status or "done",
            "final_summary": view,
            "rca_markdown": markdown,
            "root_cause_service": top.service if top else None,
            "root_cause_kind": top.kind if top else None,
            "root_cause_confidence": top.confidence if top else None,
            "updated_at": view.generated_at,
        }
        incident_id = view.header.incident_id
        with self._write_lock:
            sql, values = self._update_statement(incident_id, changes)
            with self._cursor() as cur:
                cur.execute("BEGIN TRANSACTION")
                try:
                    analyses.insert(cur, view, markdown, started_at)
                    cur.execute(sql, values)
                    cur.execute("COMMIT")
                except duckdb.Error:
                    cur.execute("ROLLBACK")
                    raise
                finally:
                    self._incidents_changed()
        return self.get_incident(incident_id)

    def revisions(self, incident_id: str) -> list[Revision]:
        """Every analysis of the incident, first revision first (empty before any analysis)."""
        incident = self.get_incident(incident_id)
        with self._cursor() as cur:
            rows = analyses.select(cur, incident_id)
        return [analyses.revision_from_row(row, lambda raw: stored_view(raw, incident)) for row in rows]

    def latest_revision(self, incident_id: str) -> Revision | None:
        """The incident's latest analysis, None before any."""
        incident = self.get_incident(incident_id)
        with self._cursor() as cur:
            rows = analyses.select(cur, incident_id, latest=True)
        return analyses.revision_from_row(rows[0], lambda raw: stored_view(raw, incident)) if rows else None

    # --- feedback on the RCA -----------------------------------------------------------------

    def save_feedback(self, feedback: Feedback) -> None:
        """Append an analyst's verdict on an incident's RCA (earlier verdicts are kept as history)."""
        self.get_incident(feedback.incident_id)  # NotFoundError for an unknown incident
        values = [
            feedback.incident_id,
            feedback.verdict,
            feedback.actual_cause,
            feedback.by,
            feedback.note,
            feedback.created_at,
        ]
        with self._write_lock, self._cursor() as cur:
            cur.execute("INSERT INTO rca_feedback VALUES (?, ?, ?, ?, ?, ?)", values)

    def feedback(self, incident_id: str) -> list[Feedback]:
        """Every verdict on one incident's RCA, newest first."""
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {FEEDBACK_COLUMNS} FROM rca_feedback WHERE incident_id = ? ORDER BY created_at DESC",
                [incident_id],
            ).fetchall()
        return [feedback_from_row(row) for row in rows]

    def latest_feedback(self, incident_ids: Sequence[str]) -> dict[str, Feedback]:
        """The newest verdict per incident, for the incidents that have one."""
        if not incident_ids:
            return {}
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {FEEDBACK_COLUMNS} FROM rca_feedback "
                "WHERE list_contains(?, incident_id) "
                "QUALIFY row_number() OVER (PARTITION BY incident_id ORDER BY created_at DESC) = 1",
                [list(incident_ids)],
            ).fetchall()
        return {row[0]: feedback_from_row(row) for row in rows}
