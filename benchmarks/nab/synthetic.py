"""Synthetic bursty, heavy-tailed count series with labelled anomalies, laid out as NAB lays out its files.

A check of the detector on the kind of series the shared NAB files lack (counts of mentions or
requests, prices per click): over-dispersed counts (negative binomial) around a daily and weekly rhythm
and a slowly wandering level, with natural bursts (short rises of a few times the rate that come and go:
not anomalies), plus injected anomalies: a large spike, a level shift that stays (the new normal), or a
drop. Windows follow NAB's rule (10% of the file
shared between its anomalies, centred on each), so the NAB scorer applies unchanged. Generated from a
seed: nothing here is read from any data set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.nab.scoring import PROFILES, file_layout, file_score, normalise
from core.anomaly import DEFAULT_ALERT_THRESHOLD, DetectorConfig, score_series

DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
START_S = 1_700_000_000.0


@dataclass(frozen=True)
class SyntheticSeries:
    """One generated file: epoch-second timestamps, values, and inclusive window rows (sorted, disjoint)."""

    name: str
    timestamps: np.ndarray
    values: np.ndarray
    windows: list[tuple[int, int]]


def _rate(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Mean count per point: a base level, a daily and weekly rhythm, and natural bursts that decay."""
    base = float(np.exp(rng.uniform(np.log(2.0), np.log(400.0))))
    daily = 1.0 + rng.uniform(0.2, 0.7) * np.sin(2 * np.pi * (t / DAY_S + rng.uniform()))
    weekend = ((t // DAY_S + 3) % 7) >= 5
    weekly = np.where(weekend, rng.uniform(0.6, 0.95), 1.0)
    # The level wanders slowly (a log random walk: about +-30% over a week).
    drift = np.exp(np.cumsum(rng.normal(0.0, 0.3 / np.sqrt(WEEK_S / max(1.0, float(t[1] - t[0]))), t.size)))
    bursts = np.ones(t.size)
    n_bursts = rng.poisson(t.size / 150)  # a few a day at 5-minute points
    for start in rng.integers(0, t.size, n_bursts):
        height = float(np.exp(rng.normal(np.log(2.0), 0.8)))  # about 2x, at times 8x
        decay = float(rng.uniform(1, 20))
        tail = np.arange(t.size - start)
        bursts[start:] += (height - 1.0) * np.exp(-tail / decay)
    return base * drift * daily * weekly * bursts


def _counts(rng: np.random.Generator, mean: np.ndarray, dispersion: float) -> np.ndarray:
    """Negative binomial counts with this mean (variance mean + mean^2 / dispersion)."""
    p = dispersion / (dispersion + mean)
    return rng.negative_binomial(dispersion, p).astype(float)


def _inject(rng: np.random.Generator, rate: np.ndarray, n_anomalies: int) -> list[int]:
    """Multiply `rate` in place at `n_anomalies` spread-out points; returns their rows, sorted."""
    n = rate.size
    slots = np.linspace(0.25 * n, 0.95 * n, n_anomalies + 1)
    rows = []
    for k in range(n_anomalies):
        at = int(rng.uniform(slots[k], slots[k + 1] - 0.05 * n))
        kind = rng.choice(["spike", "shift", "drop"], p=[0.6, 0.25, 0.15])
        if kind == "spike":
            length = int(rng.integers(1, 7))
            rate[at : at + length] *= rng.uniform(6.0, 15.0)
        elif kind == "shift":
            rate[at:] *= rng.uniform(2.5, 4.0)
        else:
            rate[at : at + int(rng.integers(24, 96))] *= rng.uniform(0.0, 0.15)
        rows.append(at)
    return rows


def windows_around(rows: list[int], n: int) -> list[tuple[int, int]]:
    """NAB's windows: each of width int(0.1 * n / len(rows)), centred on its row, clipped, overlaps merged."""
    if not rows:
        return []
    width = int(0.1 * n / len(rows))
    spans: list[tuple[int, int]] = []
    for row in sorted(rows):
        left, right = max(0, row - width // 2), min(n - 1, row + width // 2)
        if spans and left <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], right))
        else:
            spans.append((left, right))
    return spans


def bursty_series(seed: int, n: int = 16000, step_s: float = 300.0, anomalies: int = 3) -> SyntheticSeries:
    """A count series of `n` points every `step_s` seconds with `anomalies` injected anomalies (0: none)."""
    rng = np.random.default_rng(seed)
    t = START_S + step_s * np.arange(n)
    rate = _rate(rng, t)
    rows = _inject(rng, rate, anomalies) if anomalies else []
    values = _counts(rng, rate, float(rng.uniform(2.0, 20.0)))
    return SyntheticSeries(f"bursty-{seed}", t, values, windows_around(rows, n))


def price_series(seed: int, n: int = 1600, step_s: float = 3600.0, anomalies: int = 2) -> SyntheticSeries:
    """A positive, heavy-tailed ratio series (cost per click style) every hour, with injected anomalies."""
    rng = np.random.default_rng(seed)
    t = START_S + step_s * np.arange(n)
    clicks = _counts(rng, _rate(rng, t) * 5.0, 10.0) + 1.0
    rate = np.ones(n)
    rows = _inject(rng, rate, anomalies) if anomalies else []
    # The mean of `clicks` prices with a heavy (Student t, 3 dof) tail: noisier when clicks are few.
    values = np.round(0.5 * rate * np.exp(rng.standard_t(3, n) * 0.8 / np.sqrt(clicks)), 4)
    return SyntheticSeries(f"price-{seed}", t, values, windows_around(rows, n))


def corpus(seeds: range = range(12)) -> list[SyntheticSeries]:
    """The synthetic check: a bursty count series and a price series per seed, 2 anomalies each."""
    return [make(seed) for seed in seeds for make in (bursty_series, price_series)]


@dataclass(frozen=True)
class Check:
    """Standard NAB score of the alert column per kind of series, and alerts on anomaly-free series."""

    scores: dict[str, float]
    quiet_alerts_per_1000: float


def check(
    config: DetectorConfig | None = None, seeds: range = range(12), quiet_seeds: range = range(100, 106)
) -> Check:
    """Score the detector on the synthetic corpus, and count its alerts on series without any anomaly."""
    raw: dict[str, list[float]] = {}
    for series in corpus(seeds):
        scores = np.asarray(score_series(series.timestamps.tolist(), series.values.tolist(), config))
        layout = file_layout(len(scores), series.windows)
        kind = series.name.split("-")[0]
        got = file_score(layout, scores >= DEFAULT_ALERT_THRESHOLD, PROFILES[0])
        total, windows = raw.get(kind, [0.0, 0])
        raw[kind] = [total + got, windows + layout.n_windows]
    alerts = points = 0
    for seed in quiet_seeds:
        for make in (bursty_series, price_series):
            series = make(seed, anomalies=0)
            scores = np.asarray(score_series(series.timestamps.tolist(), series.values.tolist(), config))
            alerts += int((scores >= DEFAULT_ALERT_THRESHOLD).sum())
            points += len(scores)
    normalised = {kind: normalise(total, int(windows), PROFILES[0]) for kind, (total, windows) in raw.items()}
    return Check(normalised, 1000.0 * alerts / points if points else 0.0)


def format_check(result: Check) -> str:
    """One line per kind, and the alert rate on anomaly-free series."""
    kinds = ", ".join(f"{kind} {score:.1f}" for kind, score in result.scores.items())
    return (
        f"synthetic bursty/heavy-tailed check (generated, not NAB; standard score of the alert column): {kinds}; "
        f"{result.quiet_alerts_per_1000:.2f} alerts per 1,000 points on series without anomalies"
    )
