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

    def add(self, points: Iterable[MetricPoint]) -> None:
        """Append points (assumed in time order per series) and forget what fell out of the horizon."""
        newest = None
        for point in points:
            self._series[(point.service, point.metric)].append((point.ts, point.value))
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
        return [(ts, value) for ts, value in series if ts > start]

    def latest(self, service: str, metric: str) -> tuple[float, float] | None:
        """The newest (ts, value) of a series, or None."""
        series = self._series.get((service, metric))
        return series[-1] if series else None

    def services(self) -> list[str]:
        """Every service seen, sorted."""
        return sorted({service for service, _ in self._series})
