"""Rules for metrics without a fixed rule: bad directions, floors against a share's scale or the metric's level
elsewhere, two baseline samples, and the level just before the onset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.agents.metric_rules import (
    MIN_POINTS,
    RULES,
    SHARE_CHANGE,
    SHARE_SIGMA,
    peer_levels,
    rule_for,
    watched_directions,
)
from core.agents.monitoring import detect_anomalies
from core.anomaly.bands import detect_series
from core.models import LATENCY_P95_MS, REQUEST_RATE

STEP = 300.0  # five-minute periods


def _detect(metric: str, base: list[float], window: list[float], *, peer: float = 0.0, recent: int = 0):
    """The anomaly of one series: ``base`` then ``window`` samples; the last ``recent`` baseline samples are
    the ones just before the onset, the rest a baseline recorded apart."""
    values = np.array(base + window, dtype=float)
    ts = np.arange(values.size, dtype=float) * STEP
    split = len(base) * STEP
    rule = rule_for(metric, values[: len(base)], peer)
    recent_start = (len(base) - recent) * STEP if recent else None
    return detect_series("svc", metric, ts, values, (0.0, split), (split, ts[-1]), rule, recent_start)


def test_a_rising_availability_is_not_a_fault() -> None:
    """A node that reports 0% while idle and 100% once it serves is not failing."""
    assert _detect("availability", [0.0] * 20, [100.0, 100.0, 100.0]) is None
    assert _detect("availability", [0.0, 0.0], [100.0, 100.0, 100.0]) is None


def test_a_falling_availability_is_a_fault_even_from_a_flat_baseline() -> None:
    anomaly = _detect("availability", [100.0] * 20, [97.2, 96.7, 99.6])
    assert anomaly is not None and anomaly.direction == "down"
    assert anomaly.observed == 96.7 and anomaly.score == pytest.approx(3.3 / (SHARE_SIGMA * 100), rel=0.01)


@pytest.mark.parametrize(
    ("metric", "base", "window", "peer"),
    [
        ("availability", [0.0] * 20, [0.1, 0.1, 0.1], 0.0),  # a share: judged against its full scale
        ("success_rate", [1.0] * 20, [0.9995, 0.9995, 0.9995], 0.0),
        ("temperature", [50.0] * 20, [50.01, 50.02, 50.01], 0.0),  # its own level
        ("latency", [0.0] * 20, [0.0004, 0.0004, 0.0004], 0.2),  # the level latency has on other services
    ],
    ids=["share-0-to-0.1", "ratio-tiny-drop", "flat-magnitude", "flat-zero-latency"],
)
def test_a_flat_series_moving_by_a_tiny_amount_scores_low(metric: str, base: list, window: list, peer: float) -> None:
    assert _detect(metric, base, window, peer=peer) is None


def test_without_the_peer_level_a_flat_zero_series_would_be_a_huge_score() -> None:
    """What the floors prevent: a spread of zero makes any move a z-score in the millions."""
    anomaly = _detect("latency", [0.0] * 20, [0.0004, 0.0004, 0.0004], peer=0.0)
    assert anomaly is not None and anomaly.score > 1e5


def test_a_latency_drop_is_not_a_fault_but_throughput_is_watched_both_ways() -> None:
    assert _detect("latency", [0.2] * 20, [0.02, 0.02, 0.02]) is None
    assert watched_directions("requests") == {"up", "down"}
    assert watched_directions("availability") == {"down"}
    assert watched_directions(REQUEST_RATE) == RULES[REQUEST_RATE].directions


def test_two_baseline_samples_suffice_and_the_anomaly_says_so() -> None:
    anomaly = _detect("latency", [0.18, 0.19], [1.09, 0.63, 0.21])
    assert anomaly is not None and anomaly.baseline_points == 2
    assert _detect("latency", [0.18], [1.09, 0.63, 0.21]) is None  # one sample is no baseline
    long = _detect("latency", [0.18, 0.19] * 10, [1.09, 0.63, 0.21])
    assert long is not None and long.baseline_points is None


def test_a_level_that_moved_before_the_onset_did_not_move_at_it() -> None:
    """The baseline file was recorded on another day at 0.47 s; the samples just before the onset are at 2.4 s."""
    base = [0.47, 0.46, 0.48, 0.47, 0.45] * 4 + [2.40, 2.45]
    assert _detect("latency", base, [2.5, 2.4, 2.5], recent=2) is None
    assert _detect("latency", base, [2.5, 2.4, 2.5]) is not None  # judged against the old file alone
    assert _detect("latency", base, [6.5, 6.0, 2.5], recent=2) is not None  # a real rise from 2.4 s


def test_fixed_rules_of_live_metrics_are_unchanged() -> None:
    assert rule_for(LATENCY_P95_MS, np.array([300.0])) is RULES[LATENCY_P95_MS]


def test_a_share_is_scaled_by_whether_it_is_a_percentage_or_a_fraction() -> None:
    percent, fraction = rule_for("availability", np.array([99.0, 100.0])), rule_for("availability", np.array([1.0]))
    assert (percent.sigma_abs, percent.change_abs) == (SHARE_SIGMA * 100, SHARE_CHANGE * 100)
    assert (fraction.sigma_abs, fraction.change_abs) == (SHARE_SIGMA, SHARE_CHANGE)
    assert percent.min_points == fraction.min_points == MIN_POINTS


def test_peer_levels_are_the_median_level_of_each_metric_across_services() -> None:
    levels = {("a", "latency"): 0.1, ("b", "latency"): 0.3, ("c", "latency"): -0.2, ("a", "cpu"): float("nan")}
    assert peer_levels(levels) == {"latency": pytest.approx(0.2)}


def test_detect_anomalies_floors_a_flat_series_by_its_peers() -> None:
    rows = []
    for i in range(23):
        ts = i * STEP
        rows += [(ts, "quiet", "latency", 0.0 if i < 20 else 0.0004)]
        rows += [(ts, name, "latency", 0.2 + 0.01 * (i % 3)) for name in ("a", "b", "c")]
    frame = pd.DataFrame(rows, columns=["ts", "service", "metric", "value"])
    assert detect_anomalies(frame, (0.0, 20 * STEP), (20 * STEP, 22 * STEP), {}) == []
