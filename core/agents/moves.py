"""How far each series moved the bad way, from its baseline level to its window level (pure).

Latency adds up along a call, and so do failed requests: a callee that got 5 ms slower cannot explain a
caller that got 500 ms slower. Root-cause scoring of additive kinds compares these moves between a
candidate and the services it is said to explain (``Facts.share``). Each move is the window's median minus
the baseline's (the samples just before the window when the baseline was recorded apart: ``recent_start``),
signed so that a positive move is the bad direction of the metric (a rise of latency, a drop of
availability). Means compare best (an average latency adds up along calls, a percentile does not), so
``central_first`` orders names with the mean first and then by quantile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from core.agents.metric_rules import watched_directions

_QUANTILE = re.compile(r"p(\d+)(?:_|$)")


def moves(
    metrics: pd.DataFrame, baseline: tuple[float, float], window: tuple[float, float], recent_start: float | None
) -> dict[tuple[str, str], float]:
    """``{(service, metric): move}`` for every series with samples in both the baseline and the window."""
    try:
        frame = metrics[["ts", "service", "metric", "value"]]
        ts = pd.to_numeric(frame["ts"], errors="coerce").to_numpy(dtype=float)
    except (KeyError, TypeError, ValueError):
        return {}
    start = baseline[0] if recent_start is None else recent_start
    before = _medians(frame[(ts >= start) & (ts < baseline[1])])
    during = _medians(frame[(ts >= window[0]) & (ts <= window[1])])
    found = {}
    for key, level in during.items():
        if key in before and np.isfinite(level) and np.isfinite(before[key]):
            sign = -1.0 if watched_directions(key[1]) == {"down"} else 1.0
            found[key] = sign * (level - before[key])
    return found


def _medians(frame: pd.DataFrame) -> dict[tuple[str, str], float]:
    """The median value of each (service, metric) series of ``frame``."""
    grouped = frame.groupby(["service", "metric"])["value"].median()
    services, metrics = grouped.index.get_level_values(0), grouped.index.get_level_values(1)
    return {(str(s), str(m)): float(v) for s, m, v in zip(services, metrics, grouped.to_numpy(), strict=True)}


def central_first(metrics: Iterable[str]) -> tuple[str, ...]:
    """``metrics`` with names that state no quantile first (a mean), then by quantile, then by name."""

    def key(name: str) -> tuple[int, str]:
        quantile = _QUANTILE.search(name)
        return (int(quantile.group(1)) if quantile else 0, name)

    return tuple(sorted(set(metrics), key=key))
