"""The log-pattern rule inside the real detection poll: the demo shop over HTTP, a virtual clock, a DuckDB
file; pattern ids survive a restart of the monitor."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import VirtualClock
from core.config import Settings
from core.detection.lifecycle import IncidentTracker
from core.detection.log_rules import RULE, LogPatternRule
from core.orchestration.monitor import Monitor
from core.sources.demo import DemoLogSource, DemoMetricsSource, DemoServiceClient
from core.store import Store
from demo_service import DemoService

START = 1_767_268_800.0


def _monitor(clock: VirtualClock, client: DemoServiceClient, store: Store) -> Monitor:
    settings = Settings(_env_file=None)
    return Monitor(
        settings=settings,
        clock=clock,
        store=store,
        metrics=DemoMetricsSource(client),
        logs=DemoLogSource(client),
        tracker=IncidentTracker(settings),
        log_rule=LogPatternRule(),
    )


def _run(monitor: Monitor, clock: VirtualClock, seconds: float) -> list:
    reports = []
    for _ in range(int(seconds // 5)):
        clock.advance(5)
        reports.append(monitor.tick())
    return reports


@pytest.mark.slow
def test_new_error_pattern_fires_and_pattern_ids_survive_a_restart(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    demo = DemoService(clock=clock, seed=3)
    client = DemoServiceClient(demo.start(host="127.0.0.1", port=0))
    try:
        store = Store(tmp_path / "patterns.duckdb")
        monitor = _monitor(clock, client, store)
        quiet = _run(monitor, clock, 180)
        assert not any(s.rule == RULE for r in quiet for s in r.signals)
        client.inject("error_rate", "checkout", 1.0, 300)
        fired = [s for r in _run(monitor, clock, 30) for s in r.signals if s.rule == RULE]
        assert "checkout" in {s.service for s in fired}
        assert any("Unhandled exception" in s.message and "new log pattern" in s.message for s in fired)
        before = {c.template: c.id for c in monitor.log_rule.miner.clusters()}
        store.close()

        store = Store(tmp_path / "patterns.duckdb")  # a restart: new process state, same file
        restarted = _monitor(clock, client, store)
        assert {c.template: c.id for c in restarted.log_rule.miner.clusters()} == before
        _run(restarted, clock, 10)
        after = {c.template: c.id for c in restarted.log_rule.miner.clusters()}
        unhandled = [t for t in before if t.startswith("Unhandled exception")]
        assert unhandled and all(after.get(t) == before[t] for t in unhandled)
        store.close()
    finally:
        client.close()
        demo.stop()
