"""The DuckDB store: one connection per process, a cursor per call, parameterised SQL only."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import NotFoundError, StoreError, StoreLockedError
from core.logmining.miner import TemplateRecord
from core.models import AgentRun, Feedback, Incident, InjectedFault, LogEvent, MetricPoint
from core.store import templates
from core.store.migrations import MIGRATIONS
from core.store.rows import (
    FEEDBACK_COLUMNS,
    INCIDENT_COLUMNS,
    RUN_COLUMNS,
    UPDATABLE,
    feedback_from_row,
    incident_from_row,
    run_from_row,
    ts_value,
    where_in,
)


class Store:
    """All reads and writes of the tool's data. Thread-safe: each call takes its own cursor."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._write_lock = threading.RLock()
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
        """Close the connection; the Store is unusable afterwards."""
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
            row = cur.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

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
            None if incident.final_summary is None else json.dumps(incident.final_summary),
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

    def update_incident(self, incident_id: str, **changes: object) -> Incident:
        """Change some fields of one incident (others untouched) and return it as stored now.

        Detection and analysis update the same incident from different threads; each writes only the
        fields it owns, so neither overwrites the other's.
        """
        unknown = set(changes) - set(UPDATABLE)
        if unknown:
            raise ValueError(f"Cannot update incident fields {sorted(unknown)}")
        if changes:
            validated = Incident.model_validate({**self.get_incident(incident_id).model_dump(), **changes})
            assignments, values = [], []
            for name in changes:
                column, encode = UPDATABLE[name]
                assignments.append(f"{column} = ?")
                values.append(encode(getattr(validated, name)))
            with self._write_lock, self._cursor() as cur:
                cur.execute(
                    f"UPDATE incidents SET {', '.join(assignments)} WHERE id = ?",
                    [*values, incident_id],
                )
        return self.get_incident(incident_id)

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
        clauses, params = ["TRUE"], []
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

    def open_incidents(self) -> list[Incident]:
        """Incidents not yet resolved, oldest first."""
        return list(reversed(self.list_incidents(statuses=["OPEN", "INVESTIGATING"], limit=10_000)))

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

    # --- metrics and logs ---------------------------------------------------------------------

    def insert_metrics(self, points: Sequence[MetricPoint]) -> None:
        """Append metric samples."""
        if not points:
            return
        frame = pd.DataFrame(
            {
                "ts": [p.ts for p in points],
                "service": [p.service for p in points],
                "metric": [p.metric for p in points],
                "value": [p.value for p in points],
            }
        )
        self._append_frame("metric_samples", frame)

    def insert_logs(self, events: Sequence[LogEvent]) -> None:
        """Append log events."""
        if not events:
            return
        frame = pd.DataFrame(
            {
                "ts": [e.ts for e in events],
                "service": [e.service for e in events],
                "level": [e.level for e in events],
                "message": [e.message for e in events],
                "attrs_json": [json.dumps(dict(e.attrs)) for e in events],
            }
        )
        self._append_frame("log_events", frame)

    def _append_frame(self, table: str, frame: pd.DataFrame) -> None:
        with self._write_lock, self._cursor() as cur:
            cur.register("incoming_frame", frame)
            try:
                cur.execute(f"INSERT INTO {table} SELECT * FROM incoming_frame")
            finally:
                cur.unregister("incoming_frame")

    def metrics_frame(
        self,
        start: float,
        end: float,
        *,
        services: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Samples with ``start <= ts <= end`` as a frame (ts, service, metric, value), ordered by ts."""
        clauses, params = ["ts BETWEEN ? AND ?"], [start, end]
        where_in(clauses, params, "service", services)
        where_in(clauses, params, "metric", metrics)
        sql = (
            "SELECT ts, service, metric, value FROM metric_samples "
            f"WHERE {' AND '.join(clauses)} ORDER BY ts, service, metric"
        )
        with self._cursor() as cur:
            return cur.execute(sql, params).df()

    def logs(
        self,
        start: float,
        end: float,
        *,
        services: Sequence[str] | None = None,
        levels: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[LogEvent]:
        """Log events with ``start <= ts <= end``, oldest first (the newest ``limit`` when given)."""
        clauses, params = ["ts BETWEEN ? AND ?"], [start, end]
        where_in(clauses, params, "service", services)
        where_in(clauses, params, "level", levels)
        sql = f"SELECT ts, service, level, message, attrs_json FROM log_events WHERE {' AND '.join(clauses)}"
        if limit is not None:
            sql = f"SELECT * FROM ({sql} ORDER BY ts DESC LIMIT ?) ORDER BY ts"
            params.append(limit)
        else:
            sql += " ORDER BY ts"
        with self._cursor() as cur:
            rows = cur.execute(sql, params).fetchall()
        return [LogEvent(ts, service, level, message, json.loads(attrs)) for ts, service, level, message, attrs in rows]

    def latest_samplets_value(self) -> float | None:
        """Time of the newest metric sample, or None on an empty store."""
        with self._cursor() as cur:
            row = cur.execute("SELECT max(ts) FROM metric_samples").fetchone()
        return None if row[0] is None else float(row[0])

    def purge_before(self, cutoff: float) -> tuple[int, int]:
        """Delete samples and log events older than ``cutoff``; returns (samples, log events) deleted."""
        with self._write_lock, self._cursor() as cur:
            samples = cur.execute("DELETE FROM metric_samples WHERE ts < ?", [cutoff]).fetchone()[0]
            events = cur.execute("DELETE FROM log_events WHERE ts < ?", [cutoff]).fetchone()[0]
        return int(samples), int(events)

    # --- log templates (core.store.templates) --------------------------------------------------

    def save_templates(self, records: Sequence[TemplateRecord], aliases: Mapping[str, str]) -> None:
        """Insert or replace mined log templates and the ids folded into others."""
        if records or aliases:
            with self._write_lock, self._cursor() as cur:
                templates.save(cur, records, aliases)

    def load_templates(self, limit: int) -> tuple[list[TemplateRecord], dict[str, str]]:
        """The ``limit`` most recently seen log templates, and the aliases of folded ids."""
        with self._cursor() as cur:
            return templates.load(cur, limit)

    def purge_templates_before(self, cutoff: float) -> int:
        """Delete log templates last seen before ``cutoff``; returns how many."""
        with self._write_lock, self._cursor() as cur:
            return templates.purge_before(cur, cutoff)

    # --- faults ------------------------------------------------------------------------------

    def save_fault(self, fault: InjectedFault) -> None:
        """Insert or replace an injected fault."""
        values = [
            fault.id,
            fault.type,
            fault.target,
            fault.intensity,
            fault.started_at,
            fault.expires_at,
            fault.stopped_at,
        ]
        with self._write_lock, self._cursor() as cur:
            cur.execute("INSERT OR REPLACE INTO faults VALUES (?, ?, ?, ?, ?, ?, ?)", values)

    def mark_faults_stopped(self, at: float, fault_id: str | None = None) -> None:
        """Record that one fault (or every running one, when ``fault_id`` is None) was stopped at ``at``."""
        sql = "UPDATE faults SET stopped_at = ? WHERE stopped_at IS NULL AND expires_at > ?"
        params: list[object] = [at, at]
        if fault_id is not None:
            sql += " AND id = ?"
            params.append(fault_id)
        with self._write_lock, self._cursor() as cur:
            cur.execute(sql, params)

    def faults(self, start: float, end: float) -> list[InjectedFault]:
        """Faults that were active at some point in ``[start, end]``."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT id, type, target, intensity, started_at, expires_at, stopped_at FROM faults "
                "WHERE started_at <= ? AND coalesce(stopped_at, expires_at) >= ? ORDER BY started_at",
                [end, start],
            ).fetchall()
        keys = (
            "id",
            "type",
            "target",
            "intensity",
            "started_at",
            "expires_at",
            "stopped_at",
        )
        return [InjectedFault(**dict(zip(keys, row, strict=True))) for row in rows]
