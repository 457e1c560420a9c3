"""MonitoringAgent: robust baseline comparison, slope test, timeline, odd inputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from core.agents.monitoring import MonitoringAgent, detect_series
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


def _series(base: list[float], window: list[float]) -> tuple[np.ndarray, np.ndarray]:
    values = np.array(base + window, dtype=float)
    return np.arange(values.size, dtype=float) * STEP, values


def _detect(metric: str, base: list[float], window: list[float]):
    ts, values = _series(base, window)
    split = len(base) * STEP
    return detect_series("svc", metric, ts, values, (0.0, split), (split, ts[-1]))


@pytest.mark.parametrize(
    ("metric", "base", "window", "flagged"),
    [
        (ERROR_RATE, [0.001] * 60, [0.004, 0.005, 0.004], False),
        (ERROR_RATE, [0.001] * 60, [0.3, 0.31, 0.29], True),
        (LATENCY_P95_MS, [300.0] * 60, [390.0, 395.0, 380.0], False),
        (LATENCY_P95_MS, [300.0] * 60, [2300.0, 2100.0, 2500.0], True),
        (LATENCY_P95_MS, [300.0] * 60, [300.0, 300.0, 2500.0, 300.0, 300.0, 300.0], False),
        (MEMORY_MB, [250.0] * 60, [251.0, 249.0, 252.0], False),
        (MEMORY_MB, [250.0] * 60, [400.0, 410.0, 420.0], True),
    ],
    ids=[
        "flat-baseline-tiny-error-rise",
        "error-rate-30pct",
        "latency-plus-30pct-below-min-change",
        "latency-plus-2s",
        "single-spike-in-long-window",
        "memory-jitter",
        "memory-jump",
    ],
)
def test_detect_series_floors_and_minimum_change(metric: str, base: list, window: list, flagged: bool) -> None:
    assert (_detect(metric, base, window) is not None) is flagged


def test_detect_series_needs_a_baseline() -> None:
    assert _detect(LATENCY_P95_MS, [300.0, 300.0], [3000.0, 3000.0]) is None


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


def _memory(seconds: float, leak_from: float | None, leak_mb_s: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A GC sawtooth (20 MB, 0.15 MB/s ramp) with noise, plus a leak from ``leak_from`` seconds on."""
    rng = np.random.default_rng(seed)
    ts = np.arange(0.0, seconds, STEP)
    garbage, values = 7.0, []
    for t in ts:
        garbage = garbage + 0.75 if garbage + 0.75 < 20 else 2.0
        leak = leak_mb_s * (t - leak_from) if leak_from is not None and t > leak_from else 0.0
        values.append(230 + garbage + leak + rng.normal(0, 0.4))
    return ts, np.array(values)


@pytest.mark.parametrize(
    ("leak_from", "rate", "flagged"),
    [(None, 0.0, False), (655.0, 2.0, True), (200.0, 0.3, True), (655.0, 0.1, False)],
    ids=["sawtooth-only", "fresh-leak-in-short-window", "slow-leak-older-than-the-window", "too-slow-to-tell"],
)
@pytest.mark.parametrize("seed", range(3), ids=lambda s: f"seed{s}")
def test_memory_growth_is_told_apart_from_a_gc_sawtooth(
    leak_from: float | None, rate: float, flagged: bool, seed: int
) -> None:
    ts, values = _memory(680.0, leak_from, rate, seed)
    anomaly = detect_series("svc", MEMORY_MB, ts, values, (0.0, 600.0), (600.0, ts[-1]))
    assert (anomaly is not None) is flagged
    if anomaly is not None and leak_from is not None and leak_from > 600:
        assert leak_from <= anomaly.start_ts <= leak_from + 3 * STEP
