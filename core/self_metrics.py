"""The tool's own metrics, served at ``/metrics`` in the Prometheus format: is it polling, is it failing, what
does it receive and open, how long do its agents take. One registry per runtime, so that two runtimes in one
process (tests) never mix their counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram

from core.models import AgentRun

PREFIX = "incident_tool"
#: Poll durations span a local scrape (tens of ms) to a slow remote Prometheus (seconds).
POLL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Agent latencies span a deterministic analyzer (ms) to an LLM call (tens of seconds).
AGENT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class SelfMetrics:
    """Counters and histograms of one runtime, in their own ``registry``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter(f"{PREFIX}_polls", "Detection polls run.", registry=self.registry)
        self.poll_duration = Histogram(
            f"{PREFIX}_poll_duration_seconds",
            "Wall-clock time of one detection poll (fetch, store, rules, lifecycle).",
            buckets=POLL_BUCKETS,
            registry=self.registry,
        )
        self.source_errors = Counter(
            f"{PREFIX}_source_errors", "Polls on which a source failed, by source.", ["source"], registry=self.registry
        )
        self.alerts_received = Counter(
            f"{PREFIX}_alerts_received",
            "Alerts delivered to the API, by intake and status (redeliveries included).",
            ["intake", "status"],
            registry=self.registry,
        )
        self.incidents_opened = Counter(
            f"{PREFIX}_incidents_opened", "Incidents opened, by severity.", ["severity"], registry=self.registry
        )
        self.analysis_latency = Histogram(
            f"{PREFIX}_analysis_latency_seconds",
            "Run time of one analysis agent on one incident, by agent.",
            ["agent"],
            buckets=AGENT_BUCKETS,
            registry=self.registry,
        )

    def poll(self, seconds: float, failed_sources: Sequence[str]) -> None:
        """Count one poll that took ``seconds`` and the sources that failed on it."""
        self.polls.inc()
        self.poll_duration.observe(seconds)
        for source in failed_sources:
            self.source_errors.labels(source=source).inc()

    def alerts(self, intake: str, statuses: Sequence[str]) -> None:
        """Count the alerts of one delivery (``intake``: alertmanager or generic) by status."""
        for status in statuses:
            self.alerts_received.labels(intake=intake, status=status).inc()

    def opened(self, severity: str) -> None:
        """Count one opened incident."""
        self.incidents_opened.labels(severity=severity).inc()

    def agent_runs(self, runs: Sequence[AgentRun]) -> None:
        """Observe the latency of each agent run of one analysis."""
        for run in runs:
            self.analysis_latency.labels(agent=run.agent_name).observe(run.latency_ms / 1000)
