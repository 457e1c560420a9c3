"""MonitoringAgent: a fault's anomalies, timeline, odd inputs (one series alone: tests/anomaly/test_bands.py)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from core.agents.monitoring import MonitoringAgent
from core.models import ERROR_RATE, LATENCY_P95_MS, MEMORY_MB
from tests.factories import FAULT_START, STEP, make_context

WINDOWS = [10.0, 30.0, 1800.0]


@pytest.mark.parametrize("seed", range(5), ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w:.0f}s")
def test_fault_free_noise_is_not_flagged(window: float, seed: int) -> None:
    out = MonitoringAgent().analyze(make_context(window_seconds=window, seed=seed), {})
    assert out.status == "ok"
    assert out.anomalies == []


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w:.0f}s")
@pytest.mark.parametrize("target", ["frontend", "catalog", "checkout", "payments"])
def test_latency_spike_flags_target_p95_from_the_first_faulty_sample(target: str, window: float) -> None:
    out = MonitoringAgent().analyze(make_context("latency_spike", target, window_seconds=window), {})
    found = {(a.service, a.metric): a for a in out.anomalies}
    anomaly = found[(target, LATENCY_P95_MS)]
    assert anomaly.direction == "up"
    assert anomaly.observed > anomaly.baseline + 1000
    assert anomaly.start_ts == FAULT_START + STEP  # the first sample after the fault, not the window's end
    assert (target, ERROR_RATE) not in found
    scores = [a.score for a in out.anomalies]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("window", [10.0, 30.0], ids=lambda w: f"{w:.0f}s")
@pytest.mark.parametrize("target", ["frontend", "catalog", "checkout", "payments"])
def test_memory_leak_is_caught_by_the_slope_test_in_a_short_window(target: str, window: float) -> None:
    out = MonitoringAgent().analyze(make_context("memory_leak", target, window_seconds=window), {})
    memory = [a for a in out.anomalies if a.metric == MEMORY_MB]
    assert [a.service for a in memory] == [target]
    assert memory[0].observed - memory[0].baseline < 80  # still far from the level threshold: the slope found it


def test_static_threshold_applies_without_baseline() -> None:
    ctx = make_context("error_rate", "checkout")
    late = ctx.metrics[ctx.metrics["ts"] >= ctx.window_start]  # drop the whole baseline
    out = MonitoringAgent().analyze(dataclasses.replace(ctx, metrics=late), {})
    assert ("checkout", ERROR_RATE) in {(a.service, a.metric) for a in out.anomalies}


def test_timeline_merges_anomalies_signals_and_crossings_in_time_order() -> None:
    ctx = make_context("error_rate", "checkout", window_seconds=30)
    out = MonitoringAgent().analyze(ctx, {})
    sources = {e.source for e in out.timeline}
    assert {"metric", "detection"} <= sources
    assert any("crossed the 5.0% threshold" in e.description for e in out.timeline)
    assert len([e for e in out.timeline if e.source == "detection"]) == len(ctx.incident.signals)
    assert [e.ts for e in out.timeline] == sorted(e.ts for e in out.timeline)


def test_no_data_when_the_window_has_no_samples() -> None:
    ctx = make_context("latency_spike", "catalog")
    early = ctx.metrics[ctx.metrics["ts"] < ctx.window_start]
    out = MonitoringAgent().analyze(dataclasses.replace(ctx, metrics=early), {})
    assert out.status == "no_data"
    empty = MonitoringAgent().analyze(dataclasses.replace(ctx, metrics=ctx.metrics.iloc[0:0]), {})
    assert empty.status == "no_data"


def test_missing_columns_is_an_error_not_an_exception() -> None:
    ctx = make_context()
    out = MonitoringAgent().analyze(dataclasses.replace(ctx, metrics=pd.DataFrame({"ts": [1.0]})), {})
    assert out.status == "error"
    assert "lacks columns" in (out.error or "")


def test_garbage_values_are_skipped() -> None:
    ctx = make_context("latency_spike", "catalog")
    junk = pd.DataFrame(
        {
            "ts": [ctx.window_start, ctx.window_start, "soon"],
            "service": ["catalog", "catalog", "catalog"],
            "metric": [LATENCY_P95_MS, "weird", LATENCY_P95_MS],
            "value": ["n/a", float("inf"), 5.0],
        }
    )
    out = MonitoringAgent().analyze(dataclasses.replace(ctx, metrics=pd.concat([ctx.metrics, junk])), {})
    assert out.status == "ok"
    assert ("catalog", LATENCY_P95_MS) in {(a.service, a.metric) for a in out.anomalies}
