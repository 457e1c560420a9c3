"""Robust streaming baselines: each forecasts the next value and reports its surprise in robust-scale units.

A surprise is signed: positive when the value is above the forecast, negative below it.

Every baseline keeps O(1) state (a seasonal profile: a fixed number of buckets), updates with Huber-clipped
residuals so a lone outlier barely moves it, and lets the scale grow under a sustained shift so that a new
level becomes the new normal within about 1 / alpha points.
"""

from __future__ import annotations

import math

WARMUP_POINTS = 10
"""Points before Huber clipping starts: until then the scale is a plain mean of absolute residuals."""


def _clip(residual: float, limit: float) -> float:
    return residual if -limit <= residual <= limit else math.copysign(limit, residual)


class RobustLevel:
    """EWMA level with Huber-clipped updates; `error` is its EW mean absolute (clipped) residual.

    The first `WARMUP_POINTS` residuals are neither clipped nor EW-weighted (plain running means), so the
    scale starts from the data rather than from zero.
    """

    __slots__ = ("_alpha", "_k", "_level", "_n", "_scale", "error")

    def __init__(self, alpha: float, huber_k: float) -> None:
        self._alpha, self._k = alpha, huber_k
        self._level = self._scale = self.error = 0.0
        self._n = 0

    def observe(self, value: float, floor: float, error_alpha: float) -> float:
        """Surprise (value - level) / scale of `value` from past points (0 for the first); then learn it."""
        self._n += 1
        if self._n == 1:
            self._level = value
            return 0.0
        r = value - self._level
        scale = self._scale if self._scale > floor else floor
        warm = self._n > WARMUP_POINTS
        clipped = _clip(r, self._k * scale) if warm else r
        a = self._alpha if warm else 1.0 / self._n
        self._level += a * clipped
        self._scale += a * (abs(clipped) - self._scale)
        ea = error_alpha if (self._n - 1) * error_alpha > 1.0 else 1.0 / (self._n - 1)
        self.error += ea * (abs(clipped) - self.error)
        return r / scale

    @property
    def level(self) -> float:
        """Current level estimate (value units)."""
        return self._level


class RandomWalk:
    """Forecast = previous value; scale = Huber EW mean absolute step (plain mean while warming up)."""

    __slots__ = ("_alpha", "_k", "_last", "_n", "_scale", "error")

    def __init__(self, alpha: float, huber_k: float) -> None:
        self._alpha, self._k = alpha, huber_k
        self._last = self._scale = self.error = 0.0
        self._n = 0

    def observe(self, value: float, floor: float, error_alpha: float) -> float:
        """Surprise (value - previous) / scale (0 for the first point); then learn it."""
        self._n += 1
        if self._n == 1:
            self._last = value
            return 0.0
        r = value - self._last
        self._last = value
        scale = self._scale if self._scale > floor else floor
        warm = self._n > WARMUP_POINTS
        clipped = abs(_clip(r, self._k * scale)) if warm else abs(r)
        self._scale += (self._alpha if warm else 1.0 / (self._n - 1)) * (clipped - self._scale)
        ea = error_alpha if (self._n - 1) * error_alpha > 1.0 else 1.0 / (self._n - 1)
        self.error += ea * (clipped - self.error)
        return r / scale


class SeasonalProfile:
    """Per-bucket robust mean and scale over a period (e.g. 48 half-hour buckets of a day).

    A bucket forecasts once it has `min_count` points. `error` stays infinite until the profile has made
    `trial_forecasts` forecasts, so a young profile with noisy bucket scales is not chosen on luck.
    """

    __slots__ = (
        "_alpha",
        "_buckets",
        "_count",
        "_error",
        "_forecasts",
        "_k",
        "_mean",
        "_min_count",
        "_period",
        "_scale",
        "_trial",
        "error",
    )

    def __init__(
        self, period_s: float, buckets: int, alpha: float, min_count: int, huber_k: float, trial_forecasts: int
    ) -> None:
        if period_s <= 0 or buckets < 1:
            raise ValueError(f"need period_s > 0 and buckets >= 1; got {period_s}, {buckets}")
        self._period, self._buckets = period_s, buckets
        self._alpha, self._min_count, self._k = alpha, min_count, huber_k
        self._mean = [0.0] * buckets
        self._scale = [0.0] * buckets
        self._count = [0] * buckets
        self._trial = trial_forecasts
        self._forecasts = 0
        self._error = 0.0
        self.error = math.inf

    def observe(self, ts: float, value: float, floor: float, error_alpha: float) -> float:
        """Signed surprise of `value` at `ts` (epoch s) against its bucket (inf while the bucket learns); then learn."""
        b = int(ts % self._period * self._buckets / self._period)
        count = self._count[b]
        self._count[b] = count + 1
        if count == 0:
            self._mean[b] = value
            return math.inf
        mean, scale = self._mean[b], self._scale[b]
        r = value - mean
        # A bucket's scale rests on few points: never trust it below half the profile's typical error.
        floor = floor if floor > 0.5 * self._error else 0.5 * self._error
        scale = scale if scale > floor else floor
        ready = count >= self._min_count
        clipped = _clip(r, self._k * scale) if ready else r
        # Plain running mean while the bucket is young, then an EWMA.
        a = self._alpha if count * self._alpha > 1.0 else 1.0 / (count + 1)
        self._mean[b] = mean + a * clipped
        a_scale = self._alpha if count * self._alpha > 1.0 else 1.0 / count
        self._scale[b] += a_scale * (abs(clipped) - self._scale[b])
        if not ready:
            return math.inf
        self._forecasts += 1
        a = error_alpha if self._forecasts * error_alpha > 1.0 else 1.0 / self._forecasts
        self._error += a * (abs(clipped) - self._error)
        if self._forecasts >= self._trial:
            self.error = self._error
        return r / scale
