"""How heavy a series' tail of surprises is, and how much to discount a surprise for it.

Robust scales (a Huber EWMA of absolute errors) measure a series' quiet-time noise and ignore its bursts:
right for a smooth resource series, where a burst is news, and wrong for a bursty count series, where a
burst of a few times the rate is routine. This tracker learns the series' own `share` upper quantile of
surprises (1 in 100 by default) and compares it with what Gaussian noise would give at the same share
(|z| / E|z| = 3.2 at 1%). A series whose quantile is higher than that has a heavier tail; its surprises
are divided by the excess, so only what is rare *for this series* stays surprising. A series with a
Gaussian or lighter tail is left as it is: the discount is never below 1.

The quantile is a stochastic-approximation estimate in log space (O(1) state): each surprise above it
raises it by `rate * (1 - share)`, each one below lowers it by `rate * share`, so it settles where a
`share` of surprises exceed it and follows a change of the tail within about 1 / (rate * share) points.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def gaussian_quantile(share: float) -> float:
    """Upper `share` quantile of |z| / E|z| for Gaussian noise (3.23 for 1%, 4.1 for 0.1%)."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"need 0 < share < 1; got {share}")
    return NormalDist().inv_cdf(1.0 - share / 2.0) / math.sqrt(2.0 / math.pi)


class TailCalibration:
    """Streaming upper quantile of surprises; `discount` maps a surprise to what it means for this series."""

    __slots__ = ("_down", "_quantile", "_reference", "_up")

    def __init__(self, share: float, rate: float) -> None:
        if rate <= 0.0:
            raise ValueError(f"need rate > 0; got {rate}")
        self._reference = gaussian_quantile(share)
        self._quantile = self._reference
        self._up = math.exp(rate * (1.0 - share))
        self._down = math.exp(-rate * share)

    def discount(self, surprise: float) -> float:
        """`surprise` divided by the series' tail excess over Gaussian noise (past surprises only); then learn."""
        quantile = self._quantile
        self._quantile = quantile * (self._up if surprise > quantile else self._down)
        return surprise * self._reference / quantile if quantile > self._reference else surprise

    @property
    def excess(self) -> float:
        """How many times heavier than Gaussian the learned tail is (1 for Gaussian or lighter)."""
        return max(1.0, self._quantile / self._reference)
