"""Arrival rate of shoppers at the frontend: a daily rhythm, slow noise and Poisson arrivals."""

from __future__ import annotations

import math
import random

PEAK_RATE = 60.0  # requests per second at the busiest hour of the day
TROUGH_FRACTION = 0.4  # rate at the quietest hour, as a fraction of the peak
PEAK_HOUR_UTC = 19.0  # hour of day (UTC) with the most traffic
DAY_SECONDS = 86_400.0

_NOISE_MEMORY = 0.985  # AR(1) coefficient of the log-rate noise, per simulated second
_NOISE_STEP = 0.012  # standard deviation of one noise innovation (log scale)
_NOISE_LIMIT = 0.12  # the log-rate noise is clamped to +-this (about +-12 %)


def daily_factor(ts: float) -> float:
    """Fraction of the peak rate expected at Unix time ``ts``: 1.0 at the peak, TROUGH_FRACTION at night."""
    phase = 2.0 * math.pi * ((ts / 3600.0 - PEAK_HOUR_UTC) % 24.0) / 24.0
    middle = (1.0 + TROUGH_FRACTION) / 2.0
    return middle + (1.0 - middle) * math.cos(phase)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw with mean ``lam`` (>= 0); normal approximation above 30 for speed."""
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class Traffic:
    """Draws how many requests reach the frontend in each simulated second."""

    def __init__(self, rng: random.Random, peak_rate: float = PEAK_RATE) -> None:
        self._rng = rng
        self._peak_rate = peak_rate
        self._noise = 0.0

    def expected_rate(self, ts: float) -> float:
        """Mean arrival rate (requests per second) at ``ts``, including the current slow noise."""
        return self._peak_rate * daily_factor(ts) * math.exp(self._noise)

    def arrivals(self, ts: float, multiplier: float = 1.0) -> int:
        """Number of requests arriving in the second starting at ``ts``; ``multiplier`` scales the rate."""
        noise = _NOISE_MEMORY * self._noise + self._rng.gauss(0.0, _NOISE_STEP)
        self._noise = min(_NOISE_LIMIT, max(-_NOISE_LIMIT, noise))
        return poisson(self._rng, self.expected_rate(ts) * multiplier)

    def surge(self, rate: float) -> int:
        """Extra requests in one second of a surge of ``rate`` requests per second (traffic_surge)."""
        return poisson(self._rng, rate)
