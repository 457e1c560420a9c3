"""Analyse one incident: gather its evidence from the store, run the agent graph, store the outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.agents.base import AnalysisContext
from core.clock import Clock
from core.config import Settings
from core.models import AgentRun, FaultKind, Incident, Topology
from core.orchestration.supervisor import ProgressCallback, Supervisor
from core.store import Store

#: How far before the first signal the incident window starts, to catch the onset.
ONSET_LOOKBACK_SECONDS = 60.0
#: Cap on log lines handed to the agents (the newest are kept).
MAX_LOG_LINES = 200_000


@dataclass
class AnalysisService:
    """Runs analyses; one at a time per incident, any number of incidents at once."""

    settings: Settings
    clock: Clock
    store: Store
    supervisor: Supervisor
    topology: Callable[[], Topology]
    catalogue: Callable[[], Sequence[FaultKind]]
    #: Called with every context before its agents run (recording regression scenarios, debugging).
    observers: list[Callable[[AnalysisContext], None]] = field(default_factory=list)
    #: Called with the agent runs of every analysis once they are stored (the self-metrics).
    on_runs: Callable[[Sequence[AgentRun]], None] = lambda runs: None
    #: Called with the incident as stored after every finished analysis (notifications: a cause stated or revised).
    on_analyzed: Callable[[Incident], None] = lambda incident: None
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def context_for(self, incident: Incident) -> AnalysisContext:
        """The evidence for ``incident``: baseline before its onset, window from onset to now or its end."""
        window_start = incident.start_time - ONSET_LOOKBACK_SECONDS
        window_end = incident.end_time if incident.end_time is not None else self.clock.now()
        window_end = max(window_end, incident.detected_at)
        baseline_start = window_start - self.settings.baseline_seconds
        return AnalysisContext(
            incident=incident,
            metrics=self.store.metrics_frame(baseline_start, window_end),
            logs=self.store.logs(baseline_start, window_end, limit=MAX_LOG_LINES),
            baseline_start=baseline_start,
            baseline_end=window_start,
            window_start=window_start,
            window_end=window_end,
            topology=self.topology(),
            catalogue=list(self.catalogue()),
            settings=self.settings,
            faults=self.store.faults(baseline_start, window_end),
        )

    def analyze(self, incident_id: str, on_progress: ProgressCallback | None = None) -> Incident:
        """Analyse now (blocking); the incident is INVESTIGATING from the start and keeps the report."""
        with self._lock_for(incident_id):
            incident = self.store.get_incident(incident_id)
            self.store.update_incident(
                incident_id,
                analysis_status="running",
                status="INVESTIGATING" if incident.status == "OPEN" else incident.status,
                updated_at=self.clock.now(),
            )
            try:
                ctx = self.context_for(incident)
                for observe in self.observers:
                    observe(ctx)
                result = self.supervisor.run(ctx, on_progress)
                self.store.save_agent_runs(result.runs)
                self.on_runs(result.runs)
            except Exception:
                # keep the incident re-runnable: it must not stay "running" forever
                self.store.update_incident(incident_id, analysis_status="failed", updated_at=self.clock.now())
                raise
            top = result.root_cause
            analysed = self.store.update_incident(
                incident_id,
                analysis_status=result.status,
                final_summary=result.final_summary,
                rca_markdown=result.rca_markdown,
                root_cause_service=top.service if top else None,
                root_cause_kind=top.kind if top else None,
                root_cause_confidence=top.confidence if top else None,
                updated_at=self.clock.now(),
            )
            self.on_analyzed(analysed)  # under the incident's lock: one decision per analysis, in order
        return analysed

    def _lock_for(self, incident_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(incident_id, threading.Lock())
