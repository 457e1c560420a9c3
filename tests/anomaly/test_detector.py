import itertools
import math
import pickle
from dataclasses import replace

import numpy as np
import pytest

from benchmarks.nab.synthetic import bursty_series
from core.anomaly import DEFAULT_ALERT_THRESHOLD, DetectorConfig, StreamingDetector, score_series
from tests.anomaly.series import START_S, STEP_S, synthetic

MIDNIGHT_S = 1_700_006_400.0
"""A UTC midnight: the daily routine reads hours of the UTC day."""


@pytest.mark.parametrize("cut", [1, 2, 3, 299, 301, 777, 2000, 2001, 2501, 2999], ids=lambda c: f"cut{c}")
def test_outputs_for_a_cut_file_are_the_prefix_of_the_whole_file(cut):
    stamps, values = synthetic()
    assert score_series(stamps[:cut], values[:cut]) == score_series(stamps, values)[:cut]


def test_changing_the_future_does_not_change_past_scores():
    stamps, values = synthetic()
    altered = values[:1500] + [v * -3 + 1000 for v in values[1500:]]
    assert score_series(stamps, altered)[:1500] == score_series(stamps, values)[:1500]


@pytest.mark.parametrize(
    "values",
    [
        [5.0] * 1000,
        [0.0] * 500 + [1e9] * 500,
        [float(i % 2) for i in range(1000)],
        [(-1) ** i * 1e6 * i for i in range(1000)],
        [math.nan if i % 7 == 0 else float(i) for i in range(1000)],
    ],
    ids=["flat", "huge-step", "square", "exploding", "with-nan"],
)
def test_scores_are_in_unit_interval(values):
    stamps = [START_S + STEP_S * i for i in range(len(values))]
    scores = score_series(stamps, values)
    assert len(scores) == len(values)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_state_size_does_not_grow_with_series_length():
    stamps, values = synthetic(20_000)
    short, long = StreamingDetector(), StreamingDetector()
    for t, v in zip(stamps[:1000], values[:1000], strict=True):
        short.update(t, v)
    for t, v in zip(stamps, values, strict=True):
        long.update(t, v)
    assert len(pickle.dumps(long)) <= len(pickle.dumps(short)) + 256


def test_learning_period_scores_zero():
    stamps, values = synthetic()
    learning = DetectorConfig().learning_points
    assert score_series(stamps, values)[:learning] == [0.0] * learning


def test_a_spike_alerts_and_a_level_shift_becomes_the_new_normal():
    stamps, values = synthetic()
    scores = score_series(stamps, values)
    assert scores[2000] >= DEFAULT_ALERT_THRESHOLD
    assert max(scores[2500:2510]) >= DEFAULT_ALERT_THRESHOLD
    assert max(scores[2800:]) < DEFAULT_ALERT_THRESHOLD
    assert max(scores[400:1990]) < DEFAULT_ALERT_THRESHOLD


def test_score_series_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="differ in length"):
        score_series([0.0, 1.0], [1.0])


def test_a_slow_drift_alerts_as_a_new_extreme_while_still_small():
    rng = np.random.default_rng(5)
    stamps = [START_S + STEP_S * i for i in range(2400)]
    values = (50 + rng.normal(0, 1, 2400) + np.maximum(0, np.arange(2400) - 2000) * 0.05).tolist()
    scores = score_series(stamps, values)
    assert max(scores[400:2000]) < DEFAULT_ALERT_THRESHOLD
    first = next(i for i in range(2000, 2400) if scores[i] >= DEFAULT_ALERT_THRESHOLD)
    assert scores[first] == DetectorConfig().novelty_score
    assert first < 2100  # the drift is still under 5 noise standard deviations


def test_evidence_stays_high_while_the_reported_score_is_damped():
    detector = StreamingDetector()
    stamps, values = synthetic()
    for t, v in zip(stamps[:2000], values[:2000], strict=True):
        detector.update(t, v)
    first = detector.update(stamps[2000], 200.0)
    second = detector.update(stamps[2001], 200.0)
    assert first >= DEFAULT_ALERT_THRESHOLD
    assert detector.evidence >= second
    assert detector.level < 100 < detector.recent_mean + 100


def _alerts(scores: list[float]) -> list[int]:
    return [i for i, s in enumerate(scores) if s >= DEFAULT_ALERT_THRESHOLD]


@pytest.mark.parametrize("seed", [100, 101, 102], ids=lambda s: f"seed{s}")
def test_a_bursty_heavy_tailed_count_series_without_anomalies_rarely_alerts(seed):
    series = bursty_series(seed, anomalies=0)
    alerts = _alerts(score_series(series.timestamps.tolist(), series.values.tolist()))
    assert len(alerts) <= 3 * len(series.values) / 1000  # a few a week at 5-minute points, never a stream
    assert all(b - a > 1 for a, b in itertools.pairwise(alerts))  # one alert per burst at most


def test_a_large_spike_in_a_bursty_series_alerts_and_the_series_settles():
    series = bursty_series(103, anomalies=0)
    values = series.values.copy()
    values[9000] = values[8990:9000].mean() * 15 + 50
    scores = score_series(series.timestamps.tolist(), values.tolist())
    assert scores[9000] >= DEFAULT_ALERT_THRESHOLD
    assert len(_alerts(scores[9001:10000])) <= 3


def test_a_level_shift_of_counts_alerts_once_and_becomes_the_new_normal():
    rng = np.random.default_rng(9)
    stamps = [START_S + STEP_S * i for i in range(6000)]
    rate = np.where(np.arange(6000) < 3000, 40.0, 120.0)
    values = rng.negative_binomial(10, 10 / (10 + rate)).astype(float).tolist()
    alerts = _alerts(score_series(stamps, values))
    assert any(3000 <= a < 3050 for a in alerts)
    assert len([a for a in alerts if 3000 <= a < 3300]) == 1  # one event, one alert
    assert not [a for a in alerts if a >= 4000]


def test_a_weekday_that_looks_like_a_weekend_stands_out():
    stamps = [START_S + STEP_S * i for i in range(12 * 7 * 288)]
    rng = np.random.default_rng(11)
    weekend = [((t // 86400 + 3) % 7) >= 5 for t in stamps]
    values = [(30.0 if w else 100.0) + rng.normal(0, 2.0) for w in weekend]
    scores = score_series(stamps, values)
    late = [i for i in _alerts(scores) if i > 6 * 7 * 288]
    assert late == []  # the weekly rhythm is learned: weekends no longer alert
    odd_day = 10 * 7 * 288 + next(d for d in range(7) if not weekend[10 * 7 * 288 + d * 288]) * 288 + 100
    values[odd_day : odd_day + 60] = [30.0 + rng.normal(0, 2.0) for _ in range(60)]
    assert max(score_series(stamps, values)[odd_day : odd_day + 60]) >= DEFAULT_ALERT_THRESHOLD


def _nightly_job(days: int, odd_day: int | None = None) -> tuple[list[float], list[float]]:
    """A flat series (5-minute points from a UTC midnight) with a two-point job spike at 03:00 every day;
    on `odd_day` the job runs at 15:00 instead."""
    rng = np.random.default_rng(3)
    stamps = [MIDNIGHT_S + STEP_S * i for i in range(days * 288)]
    values = 50 + rng.normal(0, 1, len(stamps))
    for day in range(days):
        start = day * 288 + (180 if day == odd_day else 36)
        values[start : start + 2] += 15 * rng.uniform(0.8, 1.2)
    return stamps, values.tolist()


def test_a_nightly_job_stops_alerting_once_it_has_recurred_and_a_job_at_an_odd_hour_still_alerts():
    stamps, values = _nightly_job(12)
    without_routine = _alerts(score_series(stamps, values, replace(DetectorConfig(), routine_days=0)))
    assert {a // 288 for a in without_routine} >= set(range(5, 12))  # without the routine every night is news
    assert not [a for a in _alerts(score_series(stamps, values)) if a >= 5 * 288]
    stamps, values = _nightly_job(12, odd_day=11)
    assert [a for a in _alerts(score_series(stamps, values)) if a >= 5 * 288] == [11 * 288 + 180]


def test_a_moderate_sag_that_lasts_alerts_as_a_sustained_departure():
    rng = np.random.default_rng(3)
    stamps = [MIDNIGHT_S + STEP_S * i for i in range(288 * 10)]
    values = 50 + 10 * np.sin(2 * np.pi * np.asarray(stamps) / 86400.0) + rng.normal(0, 1, len(stamps))
    sag = 8 * 288 + 72
    values[sag : sag + 24] -= 6  # two hours six noise deviations under the daily rhythm, inside its range
    without_runs = score_series(stamps, values.tolist(), replace(DetectorConfig(), run_points=10**9))
    assert max(without_runs[sag : sag + 24]) < DEFAULT_ALERT_THRESHOLD
    scores = score_series(stamps, values.tolist())
    assert max(scores[sag : sag + 24]) == DetectorConfig().novelty_score
    assert not [a for a in _alerts(scores) if a > sag + 24]
