"""The two kinds of source the detection loop polls, and the health record each keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.models import LogEvent, MetricPoint, Topology


class MetricsSource(Protocol):
    """Yields the current value of every (service, metric) series each time it is polled."""

    name: str
    target: str  # URL or path shown on the status page, never credentials

    def fetch(self, now: float) -> list[MetricPoint]:
        """Points for the interval since the previous call; raises ``SourceError`` when unreachable."""
        ...

    def topology(self) -> Topology:
        """Services and their dependencies as this source knows them."""
        ...


@dataclass(frozen=True, slots=True)
class TargetHealth:
    """Whether one scrape target answered this poll: ``up == 0`` in Prometheus, a failed scrape of the demo."""

    service: str
    target: str  # instance or URL, as it may be shown (never credentials)
    up: bool
    error: str | None = None


class TargetSource(Protocol):
    """A metrics source that can also say which of its scrape targets answered (optional)."""

    def targets(self, now: float) -> list[TargetHealth]:
        """Every scrape target and whether it answered at ``now``; ``SourceError`` when that is unknown."""
        ...


class LogSource(Protocol):
    """Yields the log lines written since the previous poll."""

    name: str
    target: str

    def fetch(self, now: float) -> list[LogEvent]:
        """New log events; raises ``SourceError`` when unreachable."""
        ...


@dataclass
class SourceHealth:
    """Last success and last failure of one source (mutated only by the scheduler thread)."""

    name: str
    target: str
    last_success: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None

    @property
    def ok(self) -> bool:
        """True when the latest attempt succeeded (or none failed yet)."""
        if self.last_error_at is None:
            return True
        return self.last_success is not None and self.last_success >= self.last_error_at

    def succeeded(self, at: float) -> None:
        self.last_success = at

    def failed(self, at: float, error: str) -> None:
        self.last_error, self.last_error_at = error, at
