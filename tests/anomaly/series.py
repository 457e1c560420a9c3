"""Synthetic metric series for detector tests: daily cycle, noise, a spike and a level shift."""

from __future__ import annotations

import numpy as np

STEP_S = 300.0
START_S = 1_700_000_000.0


def synthetic(n: int = 3000, seed: int = 7) -> tuple[list[float], list[float]]:
    """(timestamps in epoch s every 5 min, values): daily sine + noise, a spike at 2000, +30 from 2500."""
    rng = np.random.default_rng(seed)
    t = START_S + STEP_S * np.arange(n)
    values = 50 + 10 * np.sin(2 * np.pi * t / 86400.0) + rng.normal(0, 1, n)
    if n > 2000:
        values[2000] += 40
    if n > 2500:
        values[2500:] += 30
    return t.tolist(), values.tolist()
