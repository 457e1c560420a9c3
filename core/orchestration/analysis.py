"""Analyse one incident: gather its evidence from the store, run the agent graph, store the outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from core.agents.base import AnalysisContext
from core.agents.recalibration import PlattMap
from core.clock import Clock
from core.config import Settings
from core.memory import recall
from core.models import AgentRun, FaultKind, Incident, Topology
from core.orchestration.supervisor import ProgressCallback, Supervisor
from core.orchestration.windows import BASELINE_REACH, ONSET_LOOKBACK_SECONDS, incident_windows
from core.report.revision import Reason, Revising
from core.store import Store

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
    #: Called with the incident as stored after an analysis whose top cause is stated for the first time or differs
    #: from the revision before it (``ReportView.cause_changed``): the notifications' ``analyzed`` message.
    on_analyzed: Callable[[Incident], None] = lambda incident: None
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def context_for(self, incident: Incident) -> AnalysisContext:
        """The evidence for ``incident``: its window from the onset to now or its end, and a baseline before it
        without the windows of earlier incidents and injected faults (``core.orchestration.windows``)."""
        window_end = incident.end_time if incident.end_time is not None else self.clock.now()
        window_end = max(window_end, incident.detected_at)
        w = incident_windows(
            incident.start_time,
            window_end,
            self.earlier_spans(incident, window_end),
            baseline_seconds=self.settings.baseline_seconds,
            settle_seconds=self.settings.confirmation_seconds,
        )
        metrics = self.store.metrics_frame(w.baseline_start, window_end)
        logs = self.store.logs(w.baseline_start, window_end, limit=MAX_LOG_LINES)
        if w.excluded:
            metrics = metrics[w.kept_mask(metrics["ts"].to_numpy(dtype=float))].reset_index(drop=True)
            logs = [e for e in logs if w.kept(e.ts)]
        return AnalysisContext(
            incident=incident,
            metrics=metrics,
            logs=logs,
            baseline_start=w.baseline_start,
            baseline_end=w.baseline_end,
            window_start=w.window_start,
            window_end=w.window_end,
            topology=self.topology(),
            catalogue=list(self.catalogue()),
            settings=self.settings,
            faults=self.store.faults(w.baseline_start, window_end),
            excluded=w.excluded,
            precedents=recall.precedents(self.store, before=incident.detected_at),
            recalibration=self.recalibration(),
        )

    def recalibration(self) -> PlattMap | None:
        """The recalibration stored by ``calibrate --from-feedback``, None when none is or it was reset."""
        stored = self.store.latest_calibration()
        return None if stored is None or stored.map.identity else stored.map

    def earlier_spans(self, incident: Incident, window_end: float) -> list[tuple[float, float]]:
        """The spans an analysis of ``incident`` keeps out of its baseline: every other incident from its onset
        to its end (or now), and every injected fault, within reach of the baseline."""
        reach = (1.0 + BASELINE_REACH) * self.settings.baseline_seconds + ONSET_LOOKBACK_SECONDS
        since = incident.start_time - reach
        now = self.clock.now()
        spans = [
            (start - ONSET_LOOKBACK_SECONDS, end if end is not None else now)
            for other, start, end in self.store.incident_spans(since, window_end)
            if other != incident.id
        ]
        spans += [(f.started_at, f.stopped_at or f.expires_at) for f in self.store.faults(since, window_end)]
        return spans

    def analyze(
        self, incident_id: str, on_progress: ProgressCallback | None = None, *, reason: Reason = "rerun"
    ) -> Incident:
        """Analyse now (blocking) and keep the result as the incident's next revision (``reason``: why it runs);
        the incident is INVESTIGATING from the start and keeps its latest report until this one replaces it."""
        with self._lock_for(incident_id):
            incident = self.store.get_incident(incident_id)
            started = self.clock.now()
            self.store.update_incident(
                incident_id,
                analysis_status="running",
                status="INVESTIGATING" if incident.status == "OPEN" else incident.status,
                updated_at=started,
            )
            try:
                previous = self.store.latest_revision(incident_id)
                number = previous.number + 1 if previous is not None else 1
                revising = Revising(number, reason, started, previous.view if previous is not None else None)
                ctx = replace(self.context_for(incident), revising=revising)
                for observe in self.observers:
                    observe(ctx)
                result = self.supervisor.run(ctx, on_progress)
                self.store.save_agent_runs(result.runs)
                self.on_runs(result.runs)
                analysed = self.store.save_analysis(result.final_summary, result.rca_markdown, started)
            except Exception:
                # keep the incident re-runnable: it must not stay "running" forever
                self.store.update_incident(incident_id, analysis_status="failed", updated_at=self.clock.now())
                raise
            if result.final_summary.cause_changed:
                self.on_analyzed(analysed)  # under the incident's lock: one decision per analysis, in order
        return analysed

    def _lock_for(self, incident_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(incident_id, threading.Lock())
