"""The ``anomaly`` rule: every metric series learns its own normal and fires when it leaves it for good.

Each (service, metric) series the monitor sees gets a ``StreamingDetector`` (bounded state, past points
only; see ``core/anomaly``). A point whose score reaches ``ANOMALY_ALERT_THRESHOLD`` (the same threshold
as the NAB benchmark's alert column) starts an episode and freezes the band the series lived in just
before: its level +- ``BAND_SPREADS`` spreads. The episode goes on while each new point stays outside
that band and outside the detector's current band (so it ends when the series comes back, or once the
detector has adopted a new level as normal). An episode that lasts ``ANOMALY_SUSTAIN_SECONDS`` emits
``Signal(rule="anomaly")`` on every poll until it ends. A lone spike, one odd poll or a periodic
garbage-collection dip comes back inside the band at once and never fires; a leak, a drift or a shift
keeps going and does.

A detector learns from every point it scores, also a fault's. While an incident is open or an injected fault
runs, the rule ``hold``s: it remembers every detector as it was, and goes on scoring and learning as usual (so
a shift that lasts still becomes normal and the incident can resolve). On ``release`` a series that is back
within the band it had then forgets what it learned meanwhile, so the next fault is measured against the
normal it left; a series that did not come back keeps its new normal. A hold longer than ``MAX_HOLD_SECONDS``
keeps everything: that much time is the new normal, whatever it holds.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.anomaly import DetectorConfig, StreamingDetector
from core.detection.base import Poll
from core.models import MetricPoint, Signal

ANOMALY_SUSTAIN_SECONDS = 30.0
"""How long an episode must last before the rule fires (the default of ``Settings.anomaly_sustain_seconds``)."""

BAND_SPREADS = 3.0
"""Half-width of a series' normal band, in its EW mean absolute deviations from the level."""

MIN_BAND = 1e-9
"""Smallest band half-width (value units): a series that never moved leaves its band on any move."""

MAX_HOLD_SECONDS = 1800.0
"""A hold longer than this (half an hour, the baseline's reach) keeps what the detectors learned during it."""


@dataclass
class _Series:
    """Detector state of one series and its current episode (``streak`` polls long, 0 when none)."""

    detector: StreamingDetector
    last_ts: float = -math.inf
    last_value: float = math.nan
    streak: int = 0
    low: float = 0.0
    high: float = 0.0
    started: float = 0.0
    score: float = 0.0


def _outside(value: float, level: float, spread: float) -> bool:
    return abs(value - level) > max(BAND_SPREADS * spread, MIN_BAND)


@dataclass
class AnomalyRule:
    """Per-series streaming detectors; ``observe`` feeds a poll's points, ``signals`` says what fires.

    ``threshold`` is the anomaly score that starts an episode; ``sustain_polls`` the episode length (in
    points, one per poll) at which the rule fires; a series without a point in the last
    ``max_age_seconds`` (it stopped reporting) does not fire.
    """

    threshold: float
    sustain_polls: int
    config: DetectorConfig | None = None
    max_age_seconds: float = math.inf
    _series: dict[tuple[str, str], _Series] = field(default_factory=dict)
    _held: dict[tuple[str, str], StreamingDetector] | None = None
    _held_since: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"anomaly threshold must be in (0, 1]; got {self.threshold}")
        if self.sustain_polls < 1:
            raise ValueError(f"sustain_polls must be >= 1; got {self.sustain_polls}")

    @classmethod
    def for_interval(
        cls, threshold: float, interval_seconds: float, sustain_seconds: float = ANOMALY_SUSTAIN_SECONDS
    ) -> AnomalyRule:
        """A rule whose episodes must last ``sustain_seconds`` at one point per ``interval_seconds``."""
        polls = max(1, round(sustain_seconds / interval_seconds))
        return cls(threshold, polls, max_age_seconds=2 * interval_seconds)

    def evaluate(self, poll: Poll) -> list[Signal]:
        """Observe the poll's points, then the signals firing at ``poll.now``; none when the metrics failed."""
        if poll.points is None:
            return []
        self.observe(poll.points)
        return self.signals(poll.now)

    def observe(self, points: Iterable[MetricPoint]) -> None:
        """Score each new point of each series; a point not newer than its series' last one is ignored."""
        for point in points:
            key = (point.service, point.metric)
            state = self._series.get(key)
            if state is None:
                state = self._series[key] = _Series(StreamingDetector(self.config))
            if point.ts <= state.last_ts or not math.isfinite(point.value):
                continue
            state.last_ts, state.last_value = point.ts, point.value
            self._step(state, point)

    @property
    def holding(self) -> bool:
        """True between ``hold`` and ``release``."""
        return self._held is not None

    def hold(self, now: float) -> None:
        """Remember every series' detector as it is now, before the points of an incident or a fault."""
        if self._held is None:
            self._held = {key: copy.deepcopy(state.detector) for key, state in self._series.items()}
            self._held_since = now

    def release(self, now: float) -> list[tuple[str, str]]:
        """End the hold: each series back within the band it had at ``hold`` (and not in an episode) forgets
        what it learned since; returns those series. Nothing is forgotten after ``MAX_HOLD_SECONDS``."""
        held, self._held = self._held, None
        if held is None or now - self._held_since > MAX_HOLD_SECONDS:
            return []
        restored = []
        for key, before in held.items():
            state = self._series[key]
            if state.streak == 0 and not _outside(state.last_value, before.level, before.spread):
                state.detector = before
                restored.append(key)
        return restored

    def _step(self, state: _Series, point: MetricPoint) -> None:
        detector = state.detector
        level, spread = detector.level, detector.spread
        detector.update(point.ts, point.value)
        if state.streak == 0 and detector.evidence >= self.threshold:
            half = max(BAND_SPREADS * spread, MIN_BAND)
            state.low, state.high = level - half, level + half
            state.started, state.score = point.ts, 0.0
        elif state.streak == 0:
            return
        value = point.value
        if state.low <= value <= state.high or not _outside(value, detector.level, detector.spread):
            state.streak = 0
            return
        state.streak += 1
        state.score = max(state.score, detector.evidence)

    def signals(self, now: float) -> list[Signal]:
        """One signal per series whose episode has lasted ``sustain_polls`` points, sorted by series."""
        fired = []
        for (service, metric), state in sorted(self._series.items()):
            if state.streak < self.sustain_polls or state.last_ts < now - self.max_age_seconds:
                continue
            fired.append(
                Signal(
                    rule="anomaly",
                    service=service,
                    metric=metric,
                    value=state.score,
                    threshold=self.threshold,
                    ts=now,
                    message=(
                        f"{metric} on {service} left its learned normal band "
                        f"[{_fmt(state.low)}, {_fmt(state.high)}] {now - state.started:.0f} s ago "
                        f"(anomaly score {state.score:.2f}, threshold {self.threshold:.2f})"
                    ),
                )
            )
        return fired

    def __len__(self) -> int:
        """Number of series with a detector."""
        return len(self._series)


def _fmt(value: float) -> str:
    return f"{value:.4g}"
