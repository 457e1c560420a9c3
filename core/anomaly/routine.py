"""Daily routine: a surprise that recurs at the same time of day is part of the series' rhythm, not news.

A nightly backup, a cron job or a morning rush hour makes the same spike at about the same time every day.
A time-of-day profile averages it away (one point in a half-hour bucket), so each day it looks new. This
tracker remembers, per hour of the day and direction, the largest surprise of each of the last few days.
A surprise is routine when every one of the previous `days` days had one at least `1 / factor` as large
within `tolerance_hours` of the same time of day: a job that ran on both previous days, at a time that
may drift a little, with a size that varies up to `factor` times. One odd event yesterday does not make
today's routine: it must have happened on each of those days.

Hours and days are UTC (epoch seconds cut in 3,600-second hours). State: (days + 2) x 24 maxima per
direction and their day stamps, whatever the series' length.
"""

from __future__ import annotations

DAY_S = 86400.0
HOURS = 24


class DailyRoutine:
    """Per hour of the day and direction, the largest surprise of each recent day; `observe` says if routine."""

    __slots__ = ("_days", "_factor", "_maxima", "_notable", "_slots", "_stamp", "_tolerance")

    def __init__(self, days: int, tolerance_hours: int, factor: float, notable: float) -> None:
        if days < 1 or not 0 <= tolerance_hours < HOURS // 2 or factor <= 0:
            raise ValueError(
                f"need days >= 1, 0 <= tolerance_hours < 12, factor > 0; got {days}, {tolerance_hours}, {factor}"
            )
        self._days, self._tolerance, self._factor, self._notable = days, tolerance_hours, factor, notable
        # A ring of days (today and the previous ones): the oldest window may reach one day further back
        # around midnight.
        self._slots = days + 2
        self._maxima = [[0.0] * (self._slots * HOURS), [0.0] * (self._slots * HOURS)]
        self._stamp = [-1] * (self._slots * HOURS)

    def observe(self, ts: float, surprise: float, upward: bool) -> bool:
        """Whether `surprise` (>= 0, at `ts` epoch s, above or below the forecast) is routine; then record it."""
        day, hour = divmod(int(ts // 3600.0), HOURS)
        maxima = self._maxima[0 if upward else 1]
        # Only a notable surprise can be routine, and only a notable one recurring makes it so.
        routine = surprise >= self._notable and self._factor * self._recurring(maxima, day, hour) >= surprise
        cell = day % self._slots * HOURS + hour
        if self._stamp[cell] != day:
            self._stamp[cell] = day
            self._maxima[0][cell] = self._maxima[1][cell] = 0.0
        if surprise > maxima[cell]:
            maxima[cell] = surprise
        return routine

    def _recurring(self, maxima: list[float], day: int, hour: int) -> float:
        """The size that recurred on each previous day near this hour (min over days of the max near it), or 0
        when a day had nothing notable there."""
        level = float("inf")
        for back in range(1, self._days + 1):
            best = 0.0
            for offset in range(-self._tolerance, self._tolerance + 1):
                shift, h = divmod(hour + offset, HOURS)
                d = day - back + shift
                cell = d % self._slots * HOURS + h
                if self._stamp[cell] == d and maxima[cell] > best:
                    best = maxima[cell]
            if best < self._notable:
                return 0.0
            if best < level:
                level = best
        return level
