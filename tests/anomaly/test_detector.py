import math
import pickle

import numpy as np
import pytest

from core.anomaly import DEFAULT_ALERT_THRESHOLD, DetectorConfig, StreamingDetector, score_series
from tests.anomaly.series import START_S, STEP_S, synthetic


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
