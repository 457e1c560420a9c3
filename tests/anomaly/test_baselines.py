import math

import pytest

from core.anomaly.baselines import RandomWalk, RobustLevel, SeasonalProfile

FLOOR, ERROR_ALPHA = 1e-9, 0.01


def test_robust_level_ignores_a_lone_outlier_and_adopts_a_sustained_shift():
    level = RobustLevel(alpha=0.01, huber_k=3.0)
    for i in range(500):
        level.observe(10.0 + (i % 2), FLOOR, ERROR_ALPHA)
    level.observe(1e6, FLOOR, ERROR_ALPHA)
    assert level.level == pytest.approx(10.5, abs=0.1)
    for i in range(2000):
        level.observe(100.0 + (i % 2), FLOOR, ERROR_ALPHA)
    assert level.level == pytest.approx(100.5, abs=0.5)


def test_random_walk_surprise_is_the_step_over_its_typical_step():
    walk = RandomWalk(alpha=0.01, huber_k=3.0)
    for i in range(1000):
        walk.observe(float(i), FLOOR, ERROR_ALPHA)
    assert walk.observe(1000.0, FLOOR, ERROR_ALPHA) == pytest.approx(1.0, abs=0.01)
    assert walk.observe(1010.0, FLOOR, ERROR_ALPHA) == pytest.approx(10.0, abs=0.1)
    assert walk.observe(1000.0, FLOOR, ERROR_ALPHA) == pytest.approx(-10.0, abs=0.2)


def test_robust_level_surprise_is_signed():
    level = RobustLevel(alpha=0.01, huber_k=3.0)
    for i in range(500):
        level.observe(10.0 + (i % 2), FLOOR, ERROR_ALPHA)
    assert level.observe(20.0, FLOOR, ERROR_ALPHA) > 3
    assert level.observe(0.0, FLOOR, ERROR_ALPHA) < -3


def test_seasonal_profile_learns_time_of_day_and_then_forecasts():
    profile = SeasonalProfile(86400.0, 24, alpha=0.1, min_count=3, huber_k=3.0, trial_forecasts=10)
    hourly = [(h * 3600.0, 100.0 if 9 <= h % 24 < 17 else 10.0 + (h % 2)) for h in range(24 * 5)]
    surprises = [profile.observe(t, v, FLOOR, ERROR_ALPHA) for t, v in hourly]
    assert math.isinf(surprises[0])
    assert profile.error < 1.0
    # Below the noon forecast: a large surprise, signed negative.
    assert profile.observe(24 * 5 * 3600.0 + 12 * 3600.0, 10.0, FLOOR, ERROR_ALPHA) < -10


def test_seasonal_profile_rejects_an_empty_period():
    with pytest.raises(ValueError, match="period_s > 0"):
        SeasonalProfile(0.0, 24, alpha=0.1, min_count=3, huber_k=3.0, trial_forecasts=10)
