"""The telemetry half of the store: metric samples, log events, mined log templates and injected faults.

A mixin of ``Store``: it uses the store's cursor and write lock. Samples, log events and template changes
go through ``PendingTelemetry``: written at once by default, or, when the store writes behind (simulations),
once they span ``write_behind_seconds`` of data time; every read of these tables flushes first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import duckdb
import pandas as pd

from core.logmining.miner import TemplateRecord
from core.models import InjectedFault, LogEvent, MetricPoint
from core.store import templates
from core.store.pending import PendingTelemetry
from core.store.rows import scalar, where_in


class TelemetryTables:
    """Appends and reads of the high-volume tables; ``Store`` provides ``_cursor`` and ``_write_lock``."""

    _write_lock: AbstractContextManager[Any]
    _pending: PendingTelemetry
    _write_behind_seconds: float

    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError

    # --- metrics and logs ---------------------------------------------------------------------

    def insert_metrics(self, points: Sequence[MetricPoint]) -> None:
        """Append metric samples (written at once, or with the next flush when the store writes behind)."""
        if points:
            with self._write_lock:
                self._pending.add_metrics(points)
                self._flush_if_due()

    def insert_logs(self, events: Sequence[LogEvent]) -> None:
        """Append log events (written at once, or with the next flush when the store writes behind)."""
        if events:
            with self._write_lock:
                self._pending.add_logs(events)
                self._flush_if_due()

    def flush(self) -> None:
        """Write every pending sample, log event and template change in one transaction."""
        with self._write_lock:
            if self._pending:
                with self._cursor() as cur:
                    self._pending.write(cur)

    def _flush_if_due(self) -> None:
        if self._pending.span() >= self._write_behind_seconds:
            self.flush()

    def _read(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A cursor for reading the telemetry tables, after flushing what is pending."""
        if self._pending:
            self.flush()
        return self._cursor()

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
        with self._read() as cur:
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
        with self._read() as cur:
            rows = cur.execute(sql, params).fetchall()
        return [LogEvent(ts, service, level, message, json.loads(attrs)) for ts, service, level, message, attrs in rows]

    def purge_before(self, cutoff: float) -> tuple[int, int]:
        """Delete samples and log events older than ``cutoff``; returns (samples, log events) deleted."""
        with self._write_lock, self._read() as cur:
            samples = scalar(cur, "DELETE FROM metric_samples WHERE ts < ?", [cutoff])
            events = scalar(cur, "DELETE FROM log_events WHERE ts < ?", [cutoff])
        return int(samples), int(events)

    # --- log templates (core.store.templates) --------------------------------------------------

    def save_templates(self, records: Sequence[TemplateRecord], aliases: Mapping[str, str]) -> None:
        """Insert or replace mined log templates and the ids folded into others."""
        if records or aliases:
            with self._write_lock:
                self._pending.add_templates(records, aliases)
                self._flush_if_due()

    def load_templates(self, limit: int) -> tuple[list[TemplateRecord], dict[str, str]]:
        """The ``limit`` most recently seen log templates, and the aliases of folded ids."""
        with self._read() as cur:
            return templates.load(cur, limit)

    def purge_templates_before(self, cutoff: float) -> int:
        """Delete log templates last seen before ``cutoff``; returns how many."""
        with self._write_lock, self._read() as cur:
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
