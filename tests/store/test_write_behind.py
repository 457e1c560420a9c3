"""A store that writes behind (simulations) holds the same rows as one that writes every call at once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.logmining.miner import TemplateRecord
from core.models import LogEvent, MetricPoint
from core.store import Store


def _record(template_id: str, last_seen: float, count: int) -> TemplateRecord:
    return TemplateRecord(template_id, f"template {template_id} <*>", 1.0, last_seen, count)


def _polls() -> list[tuple[list[MetricPoint], list[LogEvent], list[TemplateRecord], dict[str, str]]]:
    """Twenty polls 5 s apart; a template folded into another at poll 8 and re-saved under its id at 12."""
    polls = []
    for i in range(20):
        ts = 1000.0 + 5 * i
        points = [MetricPoint(ts, service, "error_rate", i / 100 + k) for k, service in enumerate(["a", "b"])]
        events = [LogEvent(ts + j / 10, "a", "ERROR", f"line {i}.{j}", {"trace_id": f"t{i}{j}"}) for j in range(i % 3)]
        records = [_record("t1", ts, i + 1)] + ([_record("t2", ts, i)] if i % 2 else [])
        aliases = {"t2": "t1"} if i == 8 else {}
        if i == 12:
            records.append(_record("t2", ts, 99))  # saved again after the fold: kept until the next fold
        polls.append((points, events, records, aliases))
    return polls


def _fill(path: Path, write_behind_seconds: float) -> None:
    store = Store(path, write_behind_seconds=write_behind_seconds)
    for points, events, records, aliases in _polls():
        store.insert_metrics(points)
        store.insert_logs(events)
        store.save_templates(records, aliases)
    store.close()


def _tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("metric_samples", "log_events", "log_templates", "log_template_aliases")
        }
    finally:
        con.close()


@pytest.mark.parametrize("seconds", [12.0, 1e9], ids=["every-3-polls", "only-at-close"])
def test_write_behind_stores_the_same_rows_as_write_through(tmp_path: Path, seconds: float) -> None:
    _fill(tmp_path / "through.duckdb", 0.0)
    _fill(tmp_path / "behind.duckdb", seconds)
    through, behind = _tables(tmp_path / "through.duckdb"), _tables(tmp_path / "behind.duckdb")
    assert len(through["metric_samples"]) == 40 and len(through["log_events"]) == 19
    assert behind["metric_samples"] == through["metric_samples"]  # same rows in the same order
    assert behind["log_events"] == through["log_events"]
    assert sorted(behind["log_templates"]) == sorted(through["log_templates"])
    assert {row[0] for row in through["log_templates"]} == {"t1", "t2"}  # t2 saved again after its fold
    assert behind["log_template_aliases"] == through["log_template_aliases"] == [("t2", "t1")]


def test_every_read_sees_pending_rows_and_close_writes_them(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb", write_behind_seconds=1e9)
    store.insert_metrics([MetricPoint(10.0, "a", "cpu_percent", 50.0)])
    store.insert_logs([LogEvent(11.0, "a", "WARN", "slow", {})])
    store.save_templates([_record("t1", 11.0, 1)], {})
    assert _count(store, "metric_samples") == 0  # held back ...
    assert list(store.metrics_frame(0, 100)["value"]) == [50.0]  # ... until something reads
    store.insert_logs([LogEvent(12.0, "a", "WARN", "slower", {})])
    assert [event.message for event in store.logs(0, 100)] == ["slow", "slower"]
    store.save_templates([_record("t1", 12.0, 2)], {})
    records, _ = store.load_templates(10)
    assert [(r.template_id, r.count) for r in records] == [("t1", 2)]
    store.insert_metrics([MetricPoint(20.0, "a", "cpu_percent", 60.0)])
    assert store.purge_before(15.0) == (1, 2)
    store.insert_metrics([MetricPoint(30.0, "a", "cpu_percent", 70.0)])
    store.close()
    reopened = Store(tmp_path / "s.duckdb")
    assert list(reopened.metrics_frame(0, 100)["value"]) == [60.0, 70.0]
    reopened.close()


def test_rows_are_written_once_they_span_the_write_behind_time(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb", write_behind_seconds=60.0)
    for ts in (0.0, 30.0, 55.0):
        store.insert_metrics([MetricPoint(ts, "a", "cpu_percent", ts)])
    assert _count(store, "metric_samples") == 0
    store.insert_metrics([MetricPoint(60.0, "a", "cpu_percent", 60.0)])
    assert _count(store, "metric_samples") == 4
    store.close()


def _count(store: Store, table: str) -> int:
    """Rows in ``table`` as written, bypassing the store's flush-before-read."""
    with store._cursor() as cur:
        return cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
