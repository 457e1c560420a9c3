"""The window-against-baseline detector on one series: spread floors, minimum change, and the slope test."""

from __future__ import annotations

import numpy as np
import pytest

from core.anomaly.bands import detect_series
from core.models import ERROR_RATE, LATENCY_P95_MS, MEMORY_MB
from tests.factories import STEP


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
