"""Tail calibration: a Gaussian tail is left alone, a heavy tail discounts the surprises it makes routine."""

import numpy as np
import pytest

from core.anomaly.tails import TailCalibration, gaussian_quantile


def _feed(surprises: np.ndarray) -> TailCalibration:
    tails = TailCalibration(share=0.01, rate=0.05)
    for s in surprises:
        tails.discount(float(s))
    return tails


def test_the_reference_is_the_gaussian_quantile_in_mean_absolute_units():
    assert gaussian_quantile(0.01) == pytest.approx(3.23, abs=0.01)
    assert gaussian_quantile(0.001) > gaussian_quantile(0.01)


def test_gaussian_surprises_are_not_discounted():
    z = np.abs(np.random.default_rng(1).normal(size=20_000))
    tails = _feed(z / z.mean())
    assert tails.excess < 1.2
    assert tails.discount(8.0) > 8.0 / 1.2


def test_heavy_tailed_surprises_are_discounted_by_their_excess():
    z = np.abs(np.random.default_rng(2).standard_t(1.5, size=20_000))
    tails = _feed(z / np.mean(np.minimum(z, 10)))
    assert tails.excess > 2.0
    assert tails.discount(8.0) < 8.0 / 2.0


def test_a_light_tail_is_never_inflated():
    tails = _feed(np.full(5_000, 1.0))
    assert tails.excess == 1.0 and tails.discount(5.0) == 5.0


@pytest.mark.parametrize(("share", "rate"), [(0.0, 0.05), (1.0, 0.05), (0.01, 0.0)], ids=["share0", "share1", "rate0"])
def test_bad_settings_are_refused(share, rate):
    with pytest.raises(ValueError):
        TailCalibration(share, rate)
