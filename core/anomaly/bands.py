"""Window-against-baseline detector: did a metric series leave its baseline's band in a window, or grow?

Each (service, metric) series is compared with its own baseline robustly: median and MAD (as a standard
deviation) with a floor on the spread, plus a minimum absolute/relative change per metric, so that noise
on a quiet series is not flagged, and (with a long baseline) beyond the baseline's own 1%/99% tail. Memory
and disk also get a slope test, because a leak shows as steady growth before its level leaves a GC
sawtooth's band. Pure: arrays in, an ``Anomaly`` (or None) out. The incident analysis uses it on a window
it already has; the streaming detector (``core.anomaly.detector``) scores points one at a time as they come.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core import models as m
from core.models import Anomaly

Z_THRESHOLD = 4.0  # robust z-score a point must exceed to be out of band
MAD_TO_SIGMA = 1.4826
MIN_BASELINE_POINTS = 4  # fewer baseline samples: only the static thresholds apply
MIN_HIT_FRACTION = 0.05  # in a long window, at least this share of the points must be out of band
TAIL_QUANTILE = 0.99  # with TAIL_MIN_POINTS baseline points, a point must also lie beyond this quantile
TAIL_MIN_POINTS = 50
ONSET_LOOKBACK_S = 60.0  # an out-of-band run reaching into the window may start this long before it
TREND_SPANS_S = (15.0, 30.0, 60.0)  # trailing spans the slope test fits, seconds
TREND_MIN_T = 4.0  # excess slope / its standard error (from the baseline's step-to-step noise)
SUSTAINED_SPANS_S = (300.0, 600.0)  # long trailing spans for a slow leak that predates the window
SUSTAINED_MIN_R2 = 0.8

Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class MetricRule:
    """Spread floors and the smallest change that counts for one metric, in the metric's units."""

    sigma_abs: float
    sigma_rel: float  # fraction of the baseline median
    change_abs: float
    change_rel: float
    directions: frozenset[Direction] = frozenset({"up"})
    min_slope: float | None = None  # units per second; enables the slope test
    min_rise: float = 0.0  # units over the slope range
    min_points: int = MIN_BASELINE_POINTS  # baseline samples the comparison needs


_LATENCY_RULE = MetricRule(sigma_abs=10.0, sigma_rel=0.05, change_abs=100.0, change_rel=0.5)
_FRACTION_RULE = MetricRule(sigma_abs=0.005, sigma_rel=0.1, change_abs=0.02, change_rel=0.0)
RULES: Mapping[str, MetricRule] = {
    m.REQUEST_RATE: MetricRule(1.0, 0.05, 2.0, 0.5, frozenset({"up", "down"})),
    m.ERROR_RATE: _FRACTION_RULE,
    m.DEPENDENCY_ERROR_RATE: _FRACTION_RULE,
    m.LATENCY_P50_MS: _LATENCY_RULE,
    m.LATENCY_P95_MS: _LATENCY_RULE,
    m.LATENCY_P99_MS: _LATENCY_RULE,
    m.DB_QUERY_P95_MS: _LATENCY_RULE,
    m.CPU_PERCENT: MetricRule(2.0, 0.05, 15.0, 0.5),
    m.MEMORY_MB: MetricRule(2.0, 0.01, 25.0, 0.1, min_slope=0.25, min_rise=5.0),
    # shares of a capacity: a change of so many points counts, whatever the resting level
    m.DISK_USED_PERCENT: MetricRule(0.5, 0.0, 10.0, 0.0, min_slope=0.5, min_rise=5.0),
    m.DB_POOL_UTILIZATION: MetricRule(0.02, 0.0, 0.3, 0.0),
    m.CACHE_HIT_RATIO: MetricRule(0.01, 0.0, 0.1, 0.0, frozenset({"down"})),
}
DEFAULT_RULE = MetricRule(0.0, 0.05, 0.0, 0.5, frozenset({"up", "down"}))


@dataclass(frozen=True, slots=True)
class Band:
    """A baseline: its median, its robust spread (floored) and the smallest deviation that counts."""

    median: float
    sigma: float
    change: float

    def limit(self) -> float:
        """Deviation from the median beyond which a point is out of band."""
        return max(Z_THRESHOLD * self.sigma, self.change)


def baseline_band(values: np.ndarray, rule: MetricRule) -> Band:
    """Median, MAD-based sigma (at least the rule's floors) and minimum change of baseline ``values``."""
    median = float(np.median(values))
    mad_sigma = MAD_TO_SIGMA * float(np.median(np.abs(values - median)))
    sigma = max(mad_sigma, rule.sigma_abs, rule.sigma_rel * abs(median), 1e-9)
    change = max(rule.change_abs, rule.change_rel * abs(median))
    if values.size >= TAIL_MIN_POINTS:  # a spiky series (p99 of a few requests) must beat its own tail
        tail = np.quantile(values, [1.0 - TAIL_QUANTILE, TAIL_QUANTILE])
        change = max(change, float(tail[1]) - median, median - float(tail[0]))
    return Band(median, sigma, change)


def _onset(ts: np.ndarray, flags: np.ndarray, first: int, window_start: float) -> float:
    """Start of the contiguous out-of-band run that contains index ``first`` (bounded look-back)."""
    start = first
    while start > 0 and flags[start - 1] and ts[start - 1] >= window_start - ONSET_LOOKBACK_S:
        start -= 1
    return float(ts[start])


def _level(
    ts: np.ndarray,
    values: np.ndarray,
    in_window: np.ndarray,
    band: Band,
    direction: Direction,
    reference: float | None = None,
) -> tuple[float, int, float] | None:
    """(start_ts, peak index, deviation) when enough window points are out of band, else None. With a
    ``reference`` level, the deviation is the smaller of those from the band's median and from it."""
    sign = 1.0 if direction == "up" else -1.0
    dev = sign * (values - band.median)
    if reference is not None:
        dev = np.minimum(dev, sign * (values - reference))
    flags = dev > band.limit()
    window_idx = np.flatnonzero(in_window)
    hits = window_idx[flags[window_idx]]
    needed = 1 if window_idx.size < 4 else max(2, math.ceil(MIN_HIT_FRACTION * window_idx.size))
    if hits.size < needed:
        return None
    peak = int(window_idx[np.argmax(dev[window_idx])])
    return _onset(ts, flags, int(hits[0]), float(ts[window_idx[0]])), peak, float(dev[peak])


def _step_noise(ts: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Robust noise of one step (sigma, units) and typical rate (units/s) of a baseline, from its first
    differences: a GC sawtooth's rare drops do not inflate them the way they inflate the level's MAD."""
    steps, gaps = np.diff(values), np.diff(ts)
    steps = steps[gaps > 0]
    if steps.size < 3:
        return math.inf, 0.0
    rate = float(np.median(steps / gaps[gaps > 0]))
    spread = float(np.median(np.abs(steps - np.median(steps))))
    return MAD_TO_SIGMA * spread / math.sqrt(2.0), rate


def _fit(ts: np.ndarray, values: np.ndarray) -> tuple[float, float, float]:
    """OLS slope (units/s), square root of the spread of the times (for its standard error), and R²."""
    centred = ts - ts.mean()
    spread = float(np.sum(centred**2))
    total = float(np.sum((values - values.mean()) ** 2))
    if spread <= 0:
        return 0.0, 0.0, 0.0
    slope = float(np.sum(centred * (values - values.mean())) / spread)
    return slope, math.sqrt(spread), 1.0 if total == 0 else min(1.0, slope**2 * spread / total)


def _growth(ts: np.ndarray, values: np.ndarray, in_base: np.ndarray, rule: MetricRule) -> tuple[float, float] | None:
    """(onset ts, t-statistic) of the strongest steady growth ending at the last point, or None.

    Short trailing spans (``TREND_SPANS_S``) must grow faster than the baseline's own step-to-step rate (a GC
    sawtooth ramps up too); long spans (``SUSTAINED_SPANS_S``) must grow along a tight line (R² >=
    ``SUSTAINED_MIN_R2``), which a sawtooth never does, even when a slow leak already shaped the baseline.
    """
    if rule.min_slope is None:
        return None
    noise, base_rate = _step_noise(ts[in_base], values[in_base])
    noise = max(noise, rule.sigma_abs / 4.0)
    best: tuple[float, float] | None = None
    for span in (*TREND_SPANS_S, *SUSTAINED_SPANS_S):
        short = span in TREND_SPANS_S
        recent = np.flatnonzero(ts >= ts[-1] - span)
        if recent.size < 3 or (not short and ts[-1] - ts[recent[0]] < 0.9 * span):
            continue
        slope, root_spread, r2 = _fit(ts[recent], values[recent])
        excess = slope - max(base_rate, 0.0) if short else slope
        t_stat = excess * root_spread / noise
        rise = excess * float(ts[recent[-1]] - ts[recent[0]])
        steady = short or r2 >= SUSTAINED_MIN_R2
        significant = steady and excess >= rule.min_slope and t_stat >= TREND_MIN_T and rise >= rule.min_rise
        if significant and (best is None or t_stat > best[1]):
            best = (_growth_onset(ts, values, recent, noise, base_rate), t_stat)
    return best


def _growth_onset(ts: np.ndarray, values: np.ndarray, recent: np.ndarray, noise: float, base_rate: float) -> float:
    """Where the growth began: the start of the trailing run of steps steeper than the baseline's (a fast
    leak), else the first point of ``recent`` clearly above its start (a slow one)."""
    steep = np.diff(values) > max(base_rate, 0.0) * np.diff(ts) + 3.0 * noise  # steep[i]: the step into i + 1
    first = int(recent[-1])
    while first > recent[0] and steep[first - 1]:
        first -= 1
    if first <= int(recent[-1]) - 2:  # at least two steep steps in a row
        return float(ts[first + 1])
    rising = recent[values[recent] > values[recent[0]] + 2.0 * noise]
    return float(ts[rising[0] if rising.size else recent[-1]])


def _anomaly(
    service: str,
    metric: str,
    start: float,
    ts: float,
    value: float,
    baseline: float,
    score: float,
    direction: Direction = "up",
) -> Anomaly:
    return Anomaly(service=service, metric=metric, start_ts=start, peak_ts=ts, baseline=baseline,
                   observed=value, score=round(score, 2), direction=direction)  # fmt: skip


def detect_series(
    service: str,
    metric: str,
    ts: np.ndarray,
    values: np.ndarray,
    baseline: tuple[float, float],
    window: tuple[float, float],
    rule: MetricRule | None = None,
    recent_start: float | None = None,
) -> Anomaly | None:
    """The anomaly of one series (``ts`` ascending, seconds) in ``window`` against ``baseline``, or None:
    a level shift out of the band, or (memory) a steady growth; the larger score wins, the earlier onset.

    ``rule`` replaces the metric's fixed rule. With ``recent_start`` (a baseline recorded apart from the
    incident, then the samples just before the window from ``recent_start`` on), the band comes from the
    older part and a change must also be one from the least-bad recent sample: a level that had already
    moved before the onset did not move at it. An anomaly found on fewer than ``MIN_BASELINE_POINTS``
    baseline samples says how many it had."""
    rule = rule or RULES.get(metric, DEFAULT_RULE)
    in_base = (ts >= baseline[0]) & (ts < baseline[1])
    in_window = (ts >= window[0]) & (ts <= window[1])
    n_base = int(in_base.sum())
    if n_base < rule.min_points or not in_window.any():
        return None
    recent = in_base & (ts >= recent_start) if recent_start is not None else np.zeros_like(in_base)
    two_references = bool(recent.any()) and int((in_base & ~recent).sum()) >= rule.min_points
    band = baseline_band(values[in_base & ~recent] if two_references else values[in_base], rule)
    best: Anomaly | None = None
    for direction in sorted(rule.directions, reverse=True):  # "up" first
        reference = _least_bad(values[recent], direction) if two_references else None
        found = _level(ts, values, in_window, band, direction, reference)
        if found is not None and (best is None or found[2] / band.sigma > best.score):
            start, peak, dev = found
            best = _anomaly(service, metric, start, float(ts[peak]), float(values[peak]), band.median,
                            dev / band.sigma, direction)  # fmt: skip
    upto = ts <= window[1]
    trend = _growth(ts[upto], values[upto], in_base[upto], rule)
    if trend is not None and best is not None and best.direction == "up":
        best = best.model_copy(update={"start_ts": min(best.start_ts, trend[0]), "score": max(best.score, trend[1])})
    elif trend is not None:
        peak = int(np.flatnonzero(in_window)[np.argmax(values[in_window])])
        z_peak = (float(values[peak]) - band.median) / band.sigma
        best = _anomaly(service, metric, trend[0], float(ts[peak]), float(values[peak]), band.median,
                        max(z_peak, trend[1]))  # fmt: skip
    short = best is not None and n_base < MIN_BASELINE_POINTS
    return best.model_copy(update={"baseline_points": n_base}) if short and best else best


def _least_bad(values: np.ndarray, direction: Direction) -> float:
    """The recent sample nearest to normal for a change in ``direction``: the lowest before a rise."""
    return float(np.min(values) if direction == "up" else np.max(values))


def static_anomaly(
    service: str, metric: str, ts: np.ndarray, values: np.ndarray, window: tuple[float, float], threshold: float
) -> Anomaly | None:
    """Without a usable baseline: the window's first crossing of a static ``threshold``, or None."""
    over = np.flatnonzero((ts >= window[0]) & (ts <= window[1]) & (values > threshold))
    if over.size == 0:
        return None
    peak = int(over[np.argmax(values[over])])
    score = Z_THRESHOLD * float(values[peak]) / threshold
    return _anomaly(service, metric, float(ts[over[0]]), float(ts[peak]), float(values[peak]), threshold, score)
