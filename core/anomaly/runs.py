"""Sustained departure: several points in a row on the same side of the forecast, each beyond the band.

A single point surprise says little about a moderate change that lasts: a holiday's traffic a few spreads
below the weekly profile, a speed that sags for an hour. Each point is only a few robust units off, and the
likelihood (which compares the last few surprises with the last twenty) gets used to it. A run of points
each at least `level` units on the same side of the forecast is the signature of such a change: noise
rarely stays beyond the band for long, and never on one side.

State: one signed counter.
"""

from __future__ import annotations


class SustainedRun:
    """Length of the current run of same-sided surprises beyond `level`; `observe` says when it reaches `points`."""

    __slots__ = ("_length", "_level", "_points")

    def __init__(self, level: float, points: int) -> None:
        if level <= 0 or points < 1:
            raise ValueError(f"need level > 0 and points >= 1; got {level}, {points}")
        self._level, self._points = level, points
        self._length = 0

    def observe(self, surprise: float) -> bool:
        """Whether the run that `surprise` (signed, robust units) extends has `points` points or more."""
        n = self._length
        if surprise >= self._level:
            n = n + 1 if n > 0 else 1
        elif surprise <= -self._level:
            n = n - 1 if n < 0 else -1
        else:
            n = 0
        self._length = n
        return n >= self._points or -n >= self._points
