"""Streaming anomaly detector: one pass, O(1) state per series, a score in [0, 1] from past points only.

Three signals, combined by max:

- Surprise: each point is forecast by robust baselines: a level (Huber EWMA), the previous value (random
  walk), a time-of-day profile and an hour-of-week profile. The baseline with the smallest recent error
  explains the point, and its error over that baseline's robust scale is the point's surprise. The
  surprise is discounted by how much heavier than Gaussian the series' own tail of surprises is
  (`core.anomaly.tails`: routine bursts of a bursty count series are not news) and dropped when the same
  surprise recurred near this time of day on each of the last days (`core.anomaly.routine`: a nightly job
  is not news), then becomes an anomaly likelihood: the mean of the last few against their running
  distribution, as a log-scaled Gaussian tail. A score that does not exceed the recent (decaying) peak is
  damped, so a long event alerts once.
- Novelty: the point's deviation from the level, or the recent mean's, reaches a bin of robust spreads
  the series has never visited: a new extreme (a spike, a shift or a slow drift) scores `novelty_score`.
- Sustained departure: `run_points` surprises in a row on the same side of the forecast, each beyond
  `run_level` units (`core.anomaly.runs`): a moderate change that lasts also scores `novelty_score`.

One event, one alert: after an alert, the reported score stays 0 until the series is back within its
normal band (a spike at once, a shift once it has become the new normal). `evidence` is not damped: a
live rule that asks, poll after poll, whether the series is still anomalous reads it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.anomaly.baselines import RandomWalk, RobustLevel, SeasonalProfile
from core.anomaly.likelihood import Likelihood, tail_score
from core.anomaly.novelty import NoveltyBins
from core.anomaly.routine import DailyRoutine
from core.anomaly.runs import SustainedRun
from core.anomaly.tails import TailCalibration

DEFAULT_ALERT_THRESHOLD = 0.3
"""Product alert threshold: alert when score >= 0.3, i.e. the recent surprise has a Gaussian tail
probability under 1e-3 against the series' running distribution and tops the recent peak, or the series
reaches a new extreme. The NAB benchmark's `alert` column uses it (its corpus-optimised threshold is 0.31)."""

DAY_S = 86400.0
EXCURSION_WEIGHT = 0.25
"""EW weight of each point in the mean that says whether an excursion is over (about the last 4 points)."""


@dataclass(frozen=True)
class DetectorConfig:
    """One configuration for every series. Counts are in points, alphas are EW weights per point."""

    alert_threshold: float = DEFAULT_ALERT_THRESHOLD
    """Score of an alert: the one that starts an excursion (see `excursion_band`)."""
    learning_points: int = 300
    """Points scored 0 while the baselines and the likelihood learn."""
    level_alpha: float = 0.01
    huber_k: float = 3.0
    error_alpha: float = 0.003
    """EW weight of each baseline's recent absolute error, used to pick the baseline."""
    day_buckets: int = 48
    week_buckets: int = 168
    """Hour-of-week buckets (0: no weekly profile); it competes with the other baselines like the daily one."""
    bucket_alpha: float = 0.05
    bucket_min_count: int = 8
    trial_forecasts: int = 100
    """Forecasts the time-of-day profile makes before it may be chosen."""
    spread_alpha: float = 0.002
    floor_fraction: float = 0.05
    """Scales are floored at this fraction of the EW mean absolute deviation from the level (flat series)."""
    surprise_offset: float = 1.0
    surprise_span: float = 10.0
    """Raw score = clip((surprise - offset) / span, 0, 1)."""
    short_points: int = 3
    memory_points: float = 20.0
    min_std: float = 0.05
    peak_decay: float = 0.997
    """Per-point decay of the recent peak score; a score under the decayed peak is damped."""
    repeat_damping: float = 0.0
    """Factor on a score under the decayed recent peak (0: an ongoing event scores 0 after its first alert)."""
    novelty_width: float = 4.0
    """Bin width of the point's deviation from the level, in EW mean absolute deviations."""
    novelty_mean_points: int = 12
    mean_novelty_width: float = 1.5
    """Bin width of the deviation of the mean of the last `novelty_mean_points` points, in the same unit."""
    novelty_max_bin: int = 8
    """Bins beyond +-max_bin are folded into the outermost bin (bounded state)."""
    novelty_score: float = 1.0
    """Score of a point that visits a new bin after the learning period."""
    tail_share: float = 0.01
    """Share of surprises above the tail quantile the detector compares with Gaussian noise's (1 in 100)."""
    tail_rate: float = 0.05
    """Log-step of that quantile per exceedance: it follows a change of tail within ~1 / (rate * share) points."""
    excursion_band: float = 3.0
    """After an alert, the series must come back within this many spreads of its level before the next one."""
    routine_days: int = 2
    """A surprise is routine when it recurred near this time of day on each of this many previous days (0: off)."""
    routine_hours: int = 2
    """How far from the same hour of the day a recurrence may be, in hours (a job's start drifts)."""
    routine_factor: float = 2.0
    """A routine surprise may be up to this many times the size that recurred (a job's size varies)."""
    routine_notable: float = 3.0
    """Smallest recurring surprise that makes a routine (robust units): beyond the band, not everyday noise."""
    run_points: int = 5
    """Surprises in a row on one side of the forecast, each beyond `run_level`, that make a sustained departure."""
    run_level: float = 3.0
    """Robust units (after the tail discount) each point of a sustained departure must reach: the band's 3."""


class StreamingDetector:
    """Per-series detector state; `update` returns the anomaly score of each new point in [0, 1]."""

    __slots__ = (
        "_cfg",
        "_daily",
        "_evidence",
        "_excursion",
        "_excursion_mean",
        "_level",
        "_likelihood",
        "_mean_bins",
        "_n",
        "_peak",
        "_point_bins",
        "_pos",
        "_recent",
        "_recent_sum",
        "_routine",
        "_run",
        "_spread",
        "_tails",
        "_walk",
        "_weekly",
    )

    def __init__(self, config: DetectorConfig | None = None) -> None:
        cfg = config or DetectorConfig()
        self._cfg = cfg
        self._n = 0
        self._spread = 0.0
        self._peak = 0.0
        self._evidence = 0.0
        self._level = RobustLevel(cfg.level_alpha, cfg.huber_k)
        self._walk = RandomWalk(cfg.level_alpha, cfg.huber_k)
        self._daily = SeasonalProfile(
            DAY_S, cfg.day_buckets, cfg.bucket_alpha, cfg.bucket_min_count, cfg.huber_k, cfg.trial_forecasts
        )
        self._weekly = (
            SeasonalProfile(
                7 * DAY_S, cfg.week_buckets, cfg.bucket_alpha, cfg.bucket_min_count, cfg.huber_k, cfg.trial_forecasts
            )
            if cfg.week_buckets
            else None
        )
        self._likelihood = Likelihood(cfg.short_points, cfg.memory_points, cfg.min_std)
        if cfg.novelty_mean_points < 1:
            raise ValueError(f"need novelty_mean_points >= 1; got {cfg.novelty_mean_points}")
        self._point_bins = NoveltyBins(cfg.novelty_width, cfg.novelty_max_bin)
        self._mean_bins = NoveltyBins(cfg.mean_novelty_width, cfg.novelty_max_bin)
        self._recent = [0.0] * cfg.novelty_mean_points
        self._pos = 0
        self._recent_sum = 0.0
        self._tails = TailCalibration(cfg.tail_share, cfg.tail_rate)
        self._routine = (
            DailyRoutine(cfg.routine_days, cfg.routine_hours, cfg.routine_factor, cfg.routine_notable)
            if cfg.routine_days
            else None
        )
        self._run = SustainedRun(cfg.run_level, cfg.run_points)
        self._excursion = False
        self._excursion_mean = 0.0

    def update(self, ts: float, value: float) -> float:
        """Score in [0, 1] of `value` observed at `ts` (epoch seconds), from earlier points only; then learn it.

        A missing value (NaN or infinite) scores 0 and is not learned.
        """
        self._evidence = 0.0
        if not (math.isfinite(value) and math.isfinite(ts)):
            return 0.0
        cfg = self._cfg
        self._n += 1
        novel = self._novel(value)
        signed = self._surprise(ts, value)
        size = abs(signed)
        surprise = self._tails.discount(size)
        # The run and the routine learn from every point; the run reads the signed surprise, discounted alike.
        sustained = self._run.observe(signed * surprise / size if size > 0.0 else 0.0)
        if self._routine is not None and self._routine.observe(ts, surprise, signed > 0.0):
            surprise = min(surprise, cfg.surprise_offset)
        raw = min(1.0, max(0.0, (surprise - cfg.surprise_offset) / cfg.surprise_span))
        z = self._likelihood.update(raw)
        if self._n <= cfg.learning_points:
            return 0.0
        score = tail_score(z)
        novelty = cfg.novelty_score if novel or sustained else 0.0
        self._evidence = score if score > novelty else novelty
        # Only a surprise score above its decaying recent peak is news; repeats of an ongoing event are
        # damped. A new extreme is news by definition and does not raise the peak.
        peak = self._peak * cfg.peak_decay
        self._peak = score if score > peak else peak
        score = score if score > peak else score * cfg.repeat_damping
        return self._once_per_excursion(value, score if score > novelty else novelty)

    def _once_per_excursion(self, value: float, score: float) -> float:
        """`score`, or 0 while the excursion that raised the last alert goes on (one event, one alert).

        The excursion is followed by an EW mean of its points (weight `EXCURSION_WEIGHT`, so one noisy
        point does not end it); it ends once that mean is back within `excursion_band` spreads of the
        level: at once after a spike, once the level has moved after a shift.
        """
        if self._excursion:
            self._excursion_mean += EXCURSION_WEIGHT * (value - self._excursion_mean)
            if abs(self._excursion_mean - self._level.level) <= self._cfg.excursion_band * self._spread:
                self._excursion = False
            return 0.0
        if score >= self._cfg.alert_threshold:
            self._excursion, self._excursion_mean = True, value
        return score

    @property
    def evidence(self) -> float:
        """The last point's score before repeats are damped: stays high while an event goes on.

        `update` reports each event once (what NAB rewards); a rule that asks whether a series is still
        anomalous, poll after poll, reads this instead. 0 for a missing point or while learning.
        """
        return self._evidence

    @property
    def level(self) -> float:
        """Robust level of the series (value units), learned from every point so far."""
        return self._level.level

    @property
    def spread(self) -> float:
        """EW mean absolute deviation of the points from the level (value units): the series' normal width."""
        return self._spread

    @property
    def recent_mean(self) -> float:
        """Mean of the last `novelty_mean_points` points (fewer while the series is younger)."""
        return self._recent_sum / min(self._n, len(self._recent)) if self._n else 0.0

    def _novel(self, value: float) -> bool:
        """Whether the point, or the mean of the last points, deviates from the (past) level into a new bin."""
        level, spread = self._level.level, self._spread
        novel = self._point_bins.observe(value - level, spread)
        ring, pos = self._recent, self._pos
        self._recent_sum += value - ring[pos]
        ring[pos] = value
        self._pos = pos + 1 if pos + 1 < len(ring) else 0
        if self._n >= len(ring):
            # Both calls must run: each bin set learns every point.
            novel = self._mean_bins.observe(self._recent_sum / len(ring) - level, spread) or novel
        return novel

    def _surprise(self, ts: float, value: float) -> float:
        """Signed surprise (robust-scale units, + above the forecast) under the baseline with the smallest error."""
        cfg = self._cfg
        ea = cfg.error_alpha
        if self._n > 1:
            m = self._n - 1
            sa = cfg.spread_alpha if m * cfg.spread_alpha > 1.0 else 1.0 / m
            self._spread += sa * (abs(value - self._level.level) - self._spread)
        floor = 1e-9 + 1e-6 * abs(self._level.level) + cfg.floor_fraction * self._spread
        z, best = self._level.observe(value, floor, ea), self._level.error
        z_walk = self._walk.observe(value, floor, ea)
        if self._walk.error < best:
            z, best = z_walk, self._walk.error
        z_day = self._daily.observe(ts, value, floor, ea)
        # A bucket still learning returns inf: fall back to the other baselines.
        if self._daily.error < best and abs(z_day) < math.inf:
            z, best = z_day, self._daily.error
        if self._weekly is not None:
            z_week = self._weekly.observe(ts, value, floor, ea)
            if self._weekly.error < best and abs(z_week) < math.inf:
                z = z_week
        return z


def score_series(
    timestamps: Sequence[float], values: Sequence[float], config: DetectorConfig | None = None
) -> list[float]:
    """Scores in [0, 1] of a whole series through one `StreamingDetector` (timestamps in epoch seconds)."""
    if len(timestamps) != len(values):
        raise ValueError(f"timestamps and values differ in length: {len(timestamps)} != {len(values)}")
    update = StreamingDetector(config).update
    return [update(t, v) for t, v in zip(timestamps, values, strict=True)]
