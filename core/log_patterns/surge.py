"""Surge and excess: how far a log pattern's count in a window stands above what its baseline predicts.

- surge: the window's rate over the baseline's rate, an empty baseline counting as one line;
- excess: the count above the baseline's prediction, in Poisson standard deviations (``sqrt(expected + 1)``,
  so that one line where none was expected is no excess worth a mention).

Two bars use them, named for what they decide:

- ``NOTABLE``: the log analysis lists a pattern as new or surging (3x its baseline rate and 1.5 standard
  deviations): lenient, because an SRE reads the list and a missed clue costs more than an extra line.
- ``FIRING``: the detection rule opens an incident on a poll's error pattern (5x, the default of
  ``LOG_PATTERN_SURGE_FACTOR``, and 3 standard deviations): strict, because a false page costs more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.models import LogPattern


@dataclass(frozen=True, slots=True)
class SurgeBar:
    """A pattern passes at ``factor`` times its baseline rate (a new one passes this part) with an excess of
    at least ``min_excess`` Poisson standard deviations (not by chance)."""

    factor: float
    min_excess: float


NOTABLE = SurgeBar(factor=3.0, min_excess=1.5)
FIRING = SurgeBar(factor=5.0, min_excess=3.0)


def expected_count(baseline_count: float, window_seconds: float, baseline_seconds: float) -> float:
    """Lines the baseline's rate predicts for the window; 0.0 when the baseline spans no time."""
    return baseline_count * window_seconds / baseline_seconds if baseline_seconds > 0 else 0.0


def excess(count: float, expected: float) -> float:
    """``count`` above ``expected``, in Poisson standard deviations."""
    return (count - expected) / math.sqrt(expected + 1.0)


def surge(count: int, baseline_count: int, window_seconds: float, baseline_seconds: float) -> float:
    """Window rate over baseline rate, an empty baseline counting as one line (dimensionless; seconds > 0)."""
    window_rate = count / window_seconds
    baseline_rate = max(baseline_count, 1) / baseline_seconds
    return window_rate / baseline_rate


def surges(count: int, expected: float, one_line: float, bar: SurgeBar) -> bool:
    """True when ``count`` is at least ``bar.factor`` times ``expected`` (taken as at least ``one_line``, what a
    single baseline line predicts) and ``bar.min_excess`` standard deviations above it."""
    return count >= bar.factor * max(expected, one_line) and excess(count, expected) >= bar.min_excess


def pattern_excess(pattern: LogPattern) -> float:
    """The excess of a summarised pattern; its expectation comes back from its surge (none when it is new)."""
    expected = 0.0 if pattern.is_new or pattern.surge <= 0 else pattern.count / pattern.surge
    return excess(pattern.count, expected)


def is_surging(pattern: LogPattern, bar: SurgeBar = NOTABLE) -> bool:
    """True for a summarised pattern that is new or ``bar.factor`` times more frequent than in its baseline,
    and not by chance (one new line is not a surge)."""
    return (pattern.is_new or pattern.surge >= bar.factor) and pattern_excess(pattern) >= bar.min_excess
