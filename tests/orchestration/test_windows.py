"""The windows an analysis compares: its baseline never holds an earlier incident or injected fault, and its window
never starts inside one. The pure rule first, then through the analysis service on a real store: the monitoring
agent finds a latency rise that an earlier spike in the baseline would have hidden."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from core.agents.monitoring import MonitoringAgent
from core.clock import VirtualClock
from core.config import Settings
from core.models import LATENCY_P95_MS, REQUEST_RATE, Incident, InjectedFault, MetricPoint, Signal, Topology
from core.orchestration.analysis import AnalysisService
from core.orchestration.windows import BASELINE_REACH, ONSET_LOOKBACK_SECONDS, incident_windows, merged
from core.store import Store

FIRST = 10_000.0  # the incident's first signal
BASE = 600.0
SETTLE = 60.0


def test_without_earlier_incidents_the_baseline_is_the_stretch_before_the_window() -> None:
    w = incident_windows(FIRST, FIRST + 100, [], baseline_seconds=BASE, settle_seconds=SETTLE)
    assert (w.window_start, w.window_end) == (FIRST - ONSET_LOOKBACK_SECONDS, FIRST + 100)
    assert (w.baseline_start, w.baseline_end, w.excluded) == (w.window_start - BASE, w.window_start, ())
    assert w.baseline_seconds == BASE


def test_an_earlier_incident_is_left_out_and_the_baseline_reaches_back_for_as_long() -> None:
    start = FIRST - ONSET_LOOKBACK_SECONDS
    earlier = [(start - 300, start - 200)]  # over 200 s before this window
    w = incident_windows(FIRST, FIRST + 100, earlier, baseline_seconds=BASE, settle_seconds=SETTLE)
    assert w.excluded == ((start - 300, start - 140),)  # with the settling time after it
    assert w.baseline_start == start - BASE - 160 and w.baseline_seconds == BASE
    assert not w.kept(start - 250) and w.kept(start - 100) and w.kept(start - 700)


def test_the_window_starts_after_an_incident_that_was_over_by_the_first_signal() -> None:
    earlier = [(FIRST - 200, FIRST - 30)]  # ended 30 s before this one's first signal
    w = incident_windows(FIRST, FIRST + 100, earlier, baseline_seconds=BASE, settle_seconds=SETTLE)
    assert w.window_start == FIRST - 30  # not 60 s before: the timeline starts with this incident
    assert w.excluded[-1] == (FIRST - 200, FIRST - 30)


def test_a_baseline_reaches_back_at_most_three_times_its_length() -> None:
    start = FIRST - ONSET_LOOKBACK_SECONDS
    busy = [(start - 10_000, start)]  # a fault all along
    w = incident_windows(FIRST, FIRST + 100, busy, baseline_seconds=BASE, settle_seconds=SETTLE)
    assert w.baseline_start == start - BASELINE_REACH * BASE and w.baseline_seconds == 0


def test_spans_are_merged() -> None:
    assert merged([(5, 9), (1, 3), (2, 4), (9, 10), (7, 7)]) == [(1, 4), (5, 10)]


# --- through the analysis service ---------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path):
    opened = Store(tmp_path / "windows.duckdb")
    yield opened
    opened.close()


def _latency(store: Store, start: float, end: float, slow: list[tuple[float, float]]) -> None:
    """catalog answering 20 requests a second, p95 200 ms, 2.5 s within the ``slow`` spans."""
    points = []
    ts = start
    while ts <= end:
        p95 = 2500.0 if any(a <= ts < b for a, b in slow) else 200.0 + (ts % 15)
        points += [MetricPoint(ts, "catalog", LATENCY_P95_MS, p95), MetricPoint(ts, "catalog", REQUEST_RATE, 20.0)]
        ts += 5.0
    store.insert_metrics(points)


def _incident(incident_id: str, first: float, end: float | None) -> Incident:
    signal = Signal(rule="latency_p95", service="catalog", value=2500, threshold=1000, ts=first + 10, message="slow")
    return Incident(
        id=incident_id,
        status="RESOLVED" if end is not None else "OPEN",
        title="High p95 latency on catalog",
        start_time=first,
        detected_at=first + 10,
        end_time=end,
        fingerprint="component:shop",
        services=["catalog"],
        signals=[signal],
    )


def test_a_spike_in_an_earlier_incident_does_not_hide_this_one(store: Store) -> None:
    """Two earlier latency spikes on catalog (one an incident, one an injected fault) within the last 10 minutes
    would widen catalog's baseline band past 2.5 s; left out, the same rise is out of band again."""
    now = FIRST + 60
    spikes = [(FIRST - 500, FIRST - 420), (FIRST - 250, FIRST - 180), (FIRST, now + 5)]
    _latency(store, FIRST - 1500, now, spikes)
    store.save_incident(_incident("earlier", FIRST - 500, FIRST - 415))
    store.save_fault(
        InjectedFault(
            id="fault-2",
            type="latency_spike",
            target="catalog",
            intensity=1.0,
            started_at=FIRST - 250,
            expires_at=FIRST - 180,
        )
    )
    current = _incident("current", FIRST, None)
    store.save_incident(current)
    settings = Settings(_env_file=None)
    service = AnalysisService(
        settings=settings,
        clock=VirtualClock(now),
        store=store,
        supervisor=None,  # type: ignore[arg-type]  # only the context is built here
        topology=lambda: Topology(services=["catalog"]),
        catalogue=list,
    )
    ctx = service.context_for(current)
    assert ctx.window_start == FIRST - ONSET_LOOKBACK_SECONDS and ctx.baseline_seconds == settings.baseline_seconds
    baseline = ctx.metrics[(ctx.metrics["ts"] < ctx.window_start) & (ctx.metrics["metric"] == LATENCY_P95_MS)]
    assert len(baseline) and baseline["value"].max() < 1000  # no spike left in the baseline
    found = MonitoringAgent().analyze(ctx, {})
    assert [(a.service, a.metric) for a in found.anomalies] == [("catalog", LATENCY_P95_MS)]
    # the same analysis over the 10 minutes just before the window, spikes and all, sees nothing
    start = ctx.window_start - settings.baseline_seconds
    polluted = replace(ctx, metrics=store.metrics_frame(start, now), baseline_start=start, excluded=())
    assert MonitoringAgent().analyze(polluted, {}).anomalies == []
