"""The rolling series history: a window holds exactly the kept points after its start, in time order."""

import random

import pytest

from core.detection.history import SeriesHistory
from core.models import MetricPoint


@pytest.mark.parametrize("late", [None, 50, 199], ids=["in-time-order", "late-point", "late-last-point"])
def test_window_holds_exactly_the_kept_points_after_its_start(late: int | None) -> None:
    rng = random.Random(3)
    times = [1000.0 + 5 * i for i in range(200)]
    if late is not None:
        times[late], times[late - 1] = times[late - 1], times[late]  # one point arrives after a newer one
    history = SeriesHistory(horizon_seconds=900.0)
    for ts in times:
        history.add([MetricPoint(ts, "a", "cpu_percent", rng.random())])
        kept = list(history._series[("a", "cpu_percent")])
        for seconds in (0.0, 5.0, 10.0, 12.5, 60.0, 900.0, 5000.0):
            expected = [(t, v) for t, v in kept if t > ts - seconds]  # a filter over everything kept
            assert history.window("a", "cpu_percent", seconds, ts) == expected
    assert len(history.window("a", "cpu_percent", 60.0, 1995.0)) == 12
    assert history.window("a", "memory_mb", 60.0, times[-1]) == []
