import pytest

from core.anomaly.runs import SustainedRun


def test_a_run_fires_at_its_length_and_keeps_firing_while_it_lasts():
    run = SustainedRun(level=3.0, points=5)
    assert [run.observe(-4.0) for _ in range(7)] == [False] * 4 + [True] * 3


def test_a_point_inside_the_band_or_on_the_other_side_starts_over():
    run = SustainedRun(level=3.0, points=3)
    assert [run.observe(x) for x in (4.0, 4.0, 2.9, 4.0, 4.0, 4.0, -4.0, -4.0, -5.0)] == [
        False, False, False, False, False, True, False, False, True,
    ]  # fmt: skip


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="points >= 1"):
        SustainedRun(level=3.0, points=0)
