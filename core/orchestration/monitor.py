"""One detection poll: fetch from the sources, store, run every detection rule, update incidents.

The scheduler calls ``Monitor.tick`` every ``DETECTION_INTERVAL_SECONDS``; the CLI's ``simulate`` calls
it on a virtual clock. A failing source is recorded and skipped: its rules do not run on that poll, so a
gap in the data never opens (or resolves) an incident.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from core.clock import Clock
from core.config import Settings
from core.detection.alert_rule import AlertRule
from core.detection.anomaly_rule import AnomalyRule
from core.detection.base import DetectionRule, Poll, TargetHealth
from core.detection.lifecycle import IncidentEvent, IncidentTracker, fingerprint_of
from core.detection.log_rules import LogPatternRule
from core.detection.rules import LogLineRules, MetricThresholdRules
from core.detection.target_rule import TargetDownRule
from core.errors import SourceError
from core.models import LogEvent, MetricPoint, Signal, Topology
from core.sources.base import LogSource, MetricsSource, SourceHealth
from core.store import Store

log = logging.getLogger(__name__)

PURGE_EVERY_TICKS = 720


@dataclass(frozen=True)
class TickReport:
    """What one poll saw and did."""

    ts: float
    points: int
    log_lines: int
    signals: tuple[Signal, ...]
    events: tuple[IncidentEvent, ...]
    errors: tuple[str, ...] = ()
    failed_sources: tuple[str, ...] = ()  # names of the sources that failed on this poll


@dataclass
class Monitor:
    """Owns the detection state of one process; not thread-safe (only the scheduler thread ticks).

    ``rules`` are run in order on every poll: the metric thresholds, the log-line rules, the anomaly rule, the
    log-pattern rule (``anomaly`` and ``log_rule`` are two of them, kept by name for their settings and the
    shared template miner), the target-down rule and the alert rule (alerts delivered to the API, read from
    the store).
    """

    settings: Settings
    clock: Clock
    store: Store
    metrics: MetricsSource
    logs: LogSource
    tracker: IncidentTracker
    on_event: Callable[[IncidentEvent], None] = lambda event: None
    #: Called at the end of every poll, after its events (the analysis queue starts the re-analyses due).
    after_poll: Callable[[], None] = lambda: None
    log_rule: LogPatternRule = field(default_factory=LogPatternRule)
    health: dict[str, SourceHealth] = field(default_factory=dict)
    #: Injected faults as (start, end), for the anomaly rule's hold (``note_fault``).
    faults: dict[str, tuple[float, float]] = field(default_factory=dict)
    anomaly: AnomalyRule = field(init=False, repr=False)
    rules: list[DetectionRule] = field(init=False, repr=False)
    _topology: Topology | None = None
    _topology_at: float = 0.0
    _ticks: int = 0

    def __post_init__(self) -> None:
        s = self.settings
        self.anomaly = AnomalyRule.for_interval(
            s.anomaly_alert_threshold, s.detection_interval_seconds, s.anomaly_sustain_seconds
        )
        self.rules = [
            MetricThresholdRules(s),
            LogLineRules(s),
            self.anomaly,
            self.log_rule,
            TargetDownRule(s),
            AlertRule(self.store.firing_alerts),
        ]
        for source in (self.metrics, self.logs):
            self.health[source.name] = SourceHealth(source.name, source.target)
        self.log_rule.miner.load(*self.store.load_templates(self.log_rule.miner.max_clusters))

    def topology(self) -> Topology:
        """The metrics source's topology, fetched until it names at least one service, then again every
        TOPOLOGY_REFRESH_SECONDS (services and edges that appear later are picked up)."""
        now = self.clock.now()
        stale = now - self._topology_at >= self.settings.topology_refresh_seconds
        if self._topology is None or not self._topology.services or stale:
            self._topology = self.metrics.topology()
            self._topology_at = now
        return self._topology

    def tick(self) -> TickReport:
        """Run one poll; never raises for a failing source (see ``TickReport.errors``)."""
        now = self.clock.now()
        errors: list[str] = []
        points: list[MetricPoint] | None = self._poll(self.metrics, now, errors)
        events_in: list[LogEvent] | None = self._poll(self.logs, now, errors)
        try:
            topology = self.topology()
        except SourceError as exc:
            errors.append(str(exc))
            topology = Topology(services=[])
        if points:
            self.store.insert_metrics(points)
        if events_in:
            self.store.insert_logs(events_in)
        targets = self._targets(now, errors)
        poll = Poll(now, self.settings.detection_interval_seconds, points, events_in, targets)
        open_incidents = self.store.open_incidents()
        self._hold_learning(now, bool(open_incidents))
        signals = [signal for rule in self.rules for signal in rule.evaluate(poll)]
        if events_in is not None:  # the templates the log-pattern rule mined, persisted each poll
            self.store.save_templates(*self.log_rule.miner.take_changes())
        data_ok = points is not None and events_in is not None
        decided = self.tracker.observe(signals, now, topology, open_incidents, data_ok=data_ok)
        for event in decided:
            self._persist(event)
            self.on_event(event)
        self._link_alerts(topology)
        self.after_poll()
        self._ticks += 1
        if self._ticks % PURGE_EVERY_TICKS == 0:
            self.store.purge_before(now - self.settings.retention_hours * 3600)
            self.store.purge_templates_before(now - self.settings.retention_hours * 3600)
        return TickReport(
            ts=now,
            points=len(points or []),
            log_lines=len(events_in or []),
            signals=tuple(signals),
            events=tuple(decided),
            errors=tuple(errors),
            failed_sources=tuple(
                source.name for source, data in ((self.metrics, points), (self.logs, events_in)) if data is None
            ),
        )

    def note_fault(self, fault_id: str, start: float, end: float) -> None:
        """An injected fault runs from ``start`` to ``end`` (called again with its end when stopped early)."""
        self.faults[fault_id] = (start, end)

    def _hold_learning(self, now: float, incident_open: bool) -> None:
        """The anomaly detectors do not learn an incident or an injected fault as normal (``AnomalyRule.hold``)."""
        self.faults = {fid: span for fid, span in self.faults.items() if span[1] >= now}
        disturbed = incident_open or any(start <= now for start, _ in self.faults.values())
        if disturbed and not self.anomaly.holding:
            self.anomaly.hold(now)
        elif not disturbed and self.anomaly.holding:
            self.anomaly.release(now)

    def _poll(self, source: MetricsSource | LogSource, now: float, errors: list[str]) -> list | None:
        health = self.health[source.name]
        try:
            data = source.fetch(now)
        except SourceError as exc:
            health.failed(now, str(exc))
            errors.append(f"{source.name}: {exc}")
            log.warning("source %s failed: %s", source.name, exc)
            return None
        health.succeeded(now)
        return data

    def _targets(self, now: float, errors: list[str]) -> list[TargetHealth] | None:
        """The metrics source's scrape targets and whether they answered; None when it cannot tell."""
        targets = getattr(self.metrics, "targets", None)
        if targets is None:
            return None
        try:
            return list(targets(now))
        except SourceError as exc:
            errors.append(f"{self.metrics.name} targets: {exc}")
            return None

    def _link_alerts(self, topology: Topology) -> None:
        """Attach each firing alert not yet attached to the open incident of its part of the graph."""
        unlinked = self.store.unlinked_firing_alerts()
        if not unlinked:
            return
        open_by_fingerprint = {incident.fingerprint: incident.id for incident in self.store.open_incidents()}
        for alert in unlinked:
            incident_id = open_by_fingerprint.get(fingerprint_of(alert.service, topology))
            if incident_id is not None:
                self.store.link_alert(alert, incident_id)

    def _persist(self, event: IncidentEvent) -> None:
        incident = event.incident
        if event.kind == "opened":
            self.store.save_incident(incident)
        elif event.kind == "updated":
            self.store.update_incident(
                incident.id,
                signals=incident.signals,
                services=incident.services,
                severity=incident.severity,
                updated_at=incident.updated_at,
            )
        else:
            self.store.update_incident(
                incident.id,
                status="RESOLVED",
                end_time=incident.end_time,
                updated_at=incident.updated_at,
                resolved_by=incident.resolved_by,
                resolution_note=incident.resolution_note,
            )
