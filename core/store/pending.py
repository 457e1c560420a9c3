"""Telemetry rows waiting to be written: metric samples, log events and mined templates, flushed together.

A commit costs a few milliseconds (a write-ahead-log write and sync, plus per-statement overhead), which is
nothing for a live poll every 5 s but most of a simulated poll. So the store may hold the rows of several
polls and write them in one transaction with DuckDB's appender; every read of these tables flushes first,
so readers see exactly what a write-through store would show them.

Template changes keep their order: a batch of records and aliases is an upsert of the records, an upsert
of the aliases, then the deletion of every template that is now an alias. Batches without aliases commute
with the records that follow them (last write wins per id), so consecutive ones merge into one segment; a
batch with aliases closes its segment, because its deletion must not reach records saved after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import duckdb

from core.logmining.miner import TemplateRecord
from core.models import LogEvent, MetricPoint

#: Drops the templates that were folded into another one (their id is now an alias).
DELETE_ALIASED = "DELETE FROM log_templates WHERE template_id IN (SELECT alias_id FROM log_template_aliases)"


@dataclass
class _TemplateSegment:
    """Template upserts that may be applied as one: records by id (last wins), then aliases."""

    records: dict[str, TemplateRecord] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)


class PendingTelemetry:
    """Rows not yet written, in arrival order, and the span of data time they cover. Not thread-safe: the
    store holds its write lock around every call."""

    metrics: list[tuple[float, str, str, float]]
    logs: list[tuple[float, str, str, str, str]]
    templates: list[_TemplateSegment]
    oldest: float | None
    newest: float | None

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget every pending row."""
        self.metrics, self.logs, self.templates = [], [], []
        self.oldest = self.newest = None

    def __bool__(self) -> bool:
        return bool(self.metrics or self.logs or self.templates)

    def span(self) -> float:
        """Seconds of data time between the oldest and the newest pending row (0 when empty)."""
        return 0.0 if self.oldest is None or self.newest is None else self.newest - self.oldest

    def add_metrics(self, points: Sequence[MetricPoint]) -> None:
        """Queue metric samples as rows of ``metric_samples``."""
        rows = [(p.ts, p.service, p.metric, p.value) for p in points]
        self.metrics.extend(rows)
        self._saw(row[0] for row in rows)

    def add_logs(self, events: Sequence[LogEvent]) -> None:
        """Queue log events as rows of ``log_events`` (attributes as a JSON object)."""
        rows = [(e.ts, e.service, e.level, e.message, json.dumps(dict(e.attrs))) for e in events]
        self.logs.extend(rows)
        self._saw(row[0] for row in rows)

    def add_templates(self, records: Sequence[TemplateRecord], aliases: Mapping[str, str]) -> None:
        """Queue one batch of template changes (see the module's docstring for the order kept)."""
        if not self.templates or self.templates[-1].aliases:
            self.templates.append(_TemplateSegment())
        segment = self.templates[-1]
        segment.records.update((r.template_id, r) for r in records)
        segment.aliases.update(aliases)
        self._saw(r.last_seen for r in records)

    def _saw(self, times: Iterable[float]) -> None:
        stamps = list(times)
        if stamps:
            low, high = min(stamps), max(stamps)
            self.oldest = low if self.oldest is None else min(self.oldest, low)
            self.newest = high if self.newest is None else max(self.newest, high)

    def write(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Append every pending row on ``cur`` in one transaction, then forget them (also on failure: a
        failed write loses its rows, as a failed insert always did, rather than growing without bound)."""
        try:
            cur.begin()
            try:
                append(cur, "metric_samples", self.metrics)
                append(cur, "log_events", self.logs)
                for segment in self.templates:
                    save_templates(cur, segment.records.values(), segment.aliases)
                cur.commit()
            except duckdb.Error:
                cur.rollback()
                raise
        finally:
            self.clear()


def save_templates(
    cur: duckdb.DuckDBPyConnection, records: Iterable[TemplateRecord], aliases: Mapping[str, str]
) -> None:
    """Insert or replace ``records`` and ``aliases`` (folded id -> surviving id), then drop folded templates."""
    rows = [(r.template_id, r.template, float(r.first_seen), float(r.last_seen), int(r.count)) for r in records]
    append(cur, "log_templates", rows, action="upsert")
    if aliases:
        append(cur, "log_template_aliases", list(aliases.items()), action="upsert")
        cur.execute(DELETE_ALIASED)


def append(
    cur: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], action: Literal["insert", "upsert"] = "insert"
) -> None:
    """Write ``rows`` (every column, in table order) into ``table`` with one appender statement; ``action``
    "upsert" replaces the rows whose primary key exists, as INSERT OR REPLACE does."""
    if rows:
        appender = cur.appender(table, action=action)
        appender.append_rows(rows)
        appender.flush()
