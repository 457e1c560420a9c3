"""Anomaly likelihood: how unusual the recent mean of raw scores is against their running distribution."""

from __future__ import annotations

import math

LOG_FLOOR = math.log(1e-10)


def tail_score(z: float) -> float:
    """Score in [0, 1] of a standard score `z`: log-scaled Gaussian upper tail (0.5 ~ p = 1e-5, 1 ~ p = 1e-10).

    Same transform as NAB's Numenta detector: log(1 - likelihood) / log(1e-10), clipped to [0, 1].
    """
    tail = 0.5 * math.erfc(z / math.sqrt(2.0))
    if tail <= 1e-10:
        return 1.0
    return min(1.0, max(0.0, math.log(tail + 1e-10) / LOG_FLOOR))


class Likelihood:
    """Standard score of the mean of the last `short_points` raw scores against their EW mean and spread.

    `memory_points` is the EW horizon of the running distribution; `min_std` floors its standard deviation
    (raw-score units) so that a flat history does not make every small change infinitely unlikely.
    """

    __slots__ = ("_alpha", "_mean", "_min_var", "_n", "_pos", "_ring", "_sum", "_var")

    def __init__(self, short_points: int, memory_points: float, min_std: float) -> None:
        if short_points < 1 or memory_points < 1 or min_std <= 0:
            raise ValueError(
                f"need short_points >= 1, memory_points >= 1, min_std > 0; got {short_points}, "
                f"{memory_points}, {min_std}"
            )
        self._ring = [0.0] * short_points
        self._pos = 0
        self._sum = 0.0
        self._alpha = 1.0 / memory_points
        self._mean = 0.0
        self._var = 0.0
        self._min_var = min_std * min_std
        self._n = 0

    def update(self, raw: float) -> float:
        """Standard score of the recent raw mean (from past distribution only); then learn `raw`."""
        ring, pos = self._ring, self._pos
        self._sum += raw - ring[pos]
        ring[pos] = raw
        self._pos = pos + 1 if pos + 1 < len(ring) else 0
        mean, var = self._mean, self._var
        z = (self._sum / len(ring) - mean) / math.sqrt(var if var > self._min_var else self._min_var)
        self._n += 1
        a = self._alpha if self._n * self._alpha > 1.0 else 1.0 / self._n
        d = raw - mean
        self._mean = mean + a * d
        self._var = (1.0 - a) * (var + a * d * d)
        return z
