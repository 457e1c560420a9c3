"""A rolling window of recent samples per (service, metric), the memory of the detection rules."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from core.models import MetricPoint


class SeriesHistory:
    """Keeps the last ``horizon_seconds`` of every series; bounded memory per series."""

    def __init__(self, horizon_seconds: float = 900.0) -> None:
        self.horizon_seconds = horizon_seconds
        self._series: dict[tuple[str, str], deque[tuple[float, float]]] = defaultdict(deque)
        self._unordered: set[tuple[str, str]] = set()  # series that ever received a point older than their last

    def add(self, points: Iterable[MetricPoint]) -> None:
        """Append points (assumed in time order per series) and forget what fell out of the horizon."""
        newest = None
        for point in points:
            key = (point.service, point.metric)
            series = self._series[key]
            if series and point.ts < series[-1][0]:
                self._unordered.add(key)
            series.append((point.ts, point.value))
            newest = point.ts if newest is None else max(newest, point.ts)
        if newest is None:
            return
        cutoff = newest - self.horizon_seconds
        for series in self._series.values():
            while series and series[0][0] < cutoff:
                series.popleft()

    def window(self, service: str, metric: str, seconds: float, now: float) -> list[tuple[float, float]]:
        """Points of one series with ``ts > now - seconds``, oldest first."""
        series = self._series.get((service, metric))
        if not series:
            return []
        start = now - seconds
        if (service, metric) in self._unordered:
            return [(ts, value) for ts, value in series if ts > start]
        recent = []  # in time order: walk back from the newest point, not through the whole horizon
        for point in reversed(series):
            if point[0] <= start:
                break
            recent.append(point)
        recent.reverse()
        return recent

    def latest(self, service: str, metric: str) -> tuple[float, float] | None:
        """The newest (ts, value) of a series, or None."""
        series = self._series.get((service, metric))
        return series[-1] if series else None

    def services(self) -> list[str]:
        """Every service seen, sorted."""
        return sorted({service for service, _ in self._series})
